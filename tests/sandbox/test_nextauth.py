"""NextAuth's credentials login on the web app, as Cal.com's login form calls it: CSRF token, credentials,
session; the session cookie then reaches the API on its other port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from e2e.http_login import HttpLoginRefused, HttpLoginUnavailable, http_login
from e2e.sandbox.info import SandboxInfo

from .conftest import authorize, code_from, log_in, spend


@pytest.fixture
def browserless(own_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_sandbox.web_url, timeout=10) as http:
        yield http


def test_the_web_app_and_the_api_are_two_origins_of_localhost(own_sandbox):
    web, api = httpx.URL(own_sandbox.web_url), httpx.URL(own_sandbox.api_url)
    assert web.host == api.host == "localhost" and web.port != api.port


def test_good_credentials_give_a_session_that_authorizes_on_the_api_port(browserless, own_sandbox):
    assert browserless.get("/api/auth/session").json() == {}
    response = log_in(browserless, own_sandbox, callbackUrl="/after")
    assert response.status_code == 200
    assert response.json() == {"url": own_sandbox.web_url + "/after"}
    assert browserless.get("/api/auth/session").json()["user"]["email"] == own_sandbox.user_email
    cookie = next(c for c in browserless.cookies.jar if c.name == "next-auth.session-token")
    assert cookie.path == "/" and not cookie.domain_specified  # host-only: every port of localhost gets it
    authorized = authorize(browserless, own_sandbox)
    assert authorized.status_code == 302
    spend(browserless, own_sandbox, code_from(authorized))  # other tests of this module's sandbox authorize too


def test_the_api_port_does_not_serve_the_web_app_nor_the_reverse(browserless, own_sandbox):
    assert browserless.get(f"{own_sandbox.api_url}/auth/login").status_code == 404
    assert browserless.get(f"{own_sandbox.api_url}/api/auth/csrf").status_code == 404
    assert (
        browserless.post(f"{own_sandbox.web_url}/v2/oauth/{own_sandbox.client_id}/authorize", json={}).status_code
        == 404
    )
    assert browserless.get(f"{own_sandbox.web_url}/openapi.json").status_code == 404


def test_bad_password_is_401_with_cal_coms_error_and_no_session(browserless, own_sandbox):
    response = log_in(browserless, own_sandbox, password="wrong")
    assert response.status_code == 401
    assert response.json()["url"].endswith("/auth/error?error=incorrect-email-password")
    assert browserless.get("/api/auth/session").json() == {}


def test_a_wrong_csrf_token_is_refused(browserless, own_sandbox):
    browserless.get("/api/auth/csrf")
    response = browserless.post(
        "/api/auth/callback/credentials",
        data={
            "csrfToken": "0" * 64,
            "email": own_sandbox.user_email,
            "password": own_sandbox.user_password,
            "json": "true",
        },
    )
    assert response.status_code == 403
    assert browserless.get("/api/auth/session").json() == {}


def test_the_csrf_token_is_kept_while_its_cookie_is_valid(browserless):
    first = browserless.get("/api/auth/csrf").json()["csrfToken"]
    assert browserless.get("/api/auth/csrf").json()["csrfToken"] == first


def test_a_callback_off_the_site_is_not_followed(browserless, own_sandbox):
    response = log_in(browserless, own_sandbox, callbackUrl="https://evil.test/")
    assert response.json() == {"url": own_sandbox.web_url + "/"}


def test_http_login_returns_the_session_cookie(own_sandbox):
    cookies = http_login(own_sandbox.web_url, own_sandbox.user_email, own_sandbox.user_password, 10)
    assert "next-auth.session-token" in {c["name"] for c in cookies}


def test_http_login_with_a_wrong_password_is_refused_naming_why(own_sandbox):
    with pytest.raises(HttpLoginRefused, match="the password is refused"):
        http_login(own_sandbox.web_url, own_sandbox.user_email, "wrong", 10)


def test_http_login_against_an_unreachable_target_is_unavailable(own_sandbox):
    with pytest.raises(HttpLoginUnavailable, match="ConnectError on /api/auth/csrf"):
        http_login("http://127.0.0.1:9", own_sandbox.user_email, "x", 2)
