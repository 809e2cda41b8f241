"""NextAuth's credentials login, as Cal.com's login form calls it: CSRF token, credentials, session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from e2e.http_login import HttpLoginUnavailable, http_login
from e2e.sandbox.info import SandboxInfo


@pytest.fixture
def browserless(own_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_sandbox.api_url, timeout=10) as http:
        yield http


def sign_in(http: httpx.Client, email: str, password: str, **extra: str) -> httpx.Response:
    token = http.get("/api/auth/csrf").json()["csrfToken"]
    return http.post("/api/auth/callback/credentials",
                     data={"csrfToken": token, "email": email, "password": password, "json": "true", **extra})


def test_good_credentials_give_a_session_that_authorizes(browserless, own_sandbox):
    assert browserless.get("/api/auth/session").json() == {}
    response = sign_in(browserless, own_sandbox.user_email, own_sandbox.user_password, callbackUrl="/after")
    assert response.status_code == 200
    assert response.json() == {"url": own_sandbox.api_url + "/after"}
    assert browserless.get("/api/auth/session").json()["user"]["email"] == own_sandbox.user_email
    authorize = browserless.post(f"/v2/oauth/{own_sandbox.client_id}/authorize",
                                 json={"redirectUri": own_sandbox.redirect_uri})
    assert authorize.status_code == 302
    # spend the code, so other tests of this module's sandbox may authorize again
    code = httpx.URL(authorize.headers["location"]).params["code"]
    exchanged = browserless.post(f"/v2/oauth/{own_sandbox.client_id}/exchange",
                                 json={"clientSecret": own_sandbox.client_secret},
                                 headers={"Authorization": f"Bearer {code}"})
    assert exchanged.status_code == 200


def test_bad_password_is_401_with_cal_coms_error_and_no_session(browserless, own_sandbox):
    response = sign_in(browserless, own_sandbox.user_email, "wrong")
    assert response.status_code == 401
    assert response.json()["url"].endswith("/auth/error?error=incorrect-email-password")
    assert browserless.get("/api/auth/session").json() == {}


def test_a_wrong_csrf_token_is_refused(browserless, own_sandbox):
    browserless.get("/api/auth/csrf")
    response = browserless.post("/api/auth/callback/credentials", data={
        "csrfToken": "0" * 64, "email": own_sandbox.user_email, "password": own_sandbox.user_password, "json": "true"})
    assert response.status_code == 403
    assert browserless.get("/api/auth/session").json() == {}


def test_a_callback_off_the_site_is_not_followed(browserless, own_sandbox):
    response = sign_in(browserless, own_sandbox.user_email, own_sandbox.user_password, callbackUrl="https://evil.test/")
    assert response.json() == {"url": own_sandbox.api_url + "/"}


def test_http_login_returns_the_session_cookie(own_sandbox):
    cookies = http_login(own_sandbox.api_url, own_sandbox.user_email, own_sandbox.user_password, 10)
    assert "next-auth.session-token" in {c["name"] for c in cookies}


def test_http_login_with_a_wrong_password_is_unavailable_naming_why(own_sandbox):
    with pytest.raises(HttpLoginUnavailable, match="answered HTTP 401 and /api/auth/session shows no session"):
        http_login(own_sandbox.api_url, own_sandbox.user_email, "wrong", 10)


def test_http_login_against_an_unreachable_target_is_unavailable(own_sandbox):
    with pytest.raises(HttpLoginUnavailable, match="ConnectError on /api/auth/csrf"):
        http_login("http://127.0.0.1:9", own_sandbox.user_email, "x", 2)
