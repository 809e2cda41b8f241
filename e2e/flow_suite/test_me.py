"""CONTRACT §1, GET /v2/me: an issued access token grants access; nothing else does."""

from __future__ import annotations

import pytest

from e2e.checks import require
from e2e.checks.responses import check_error

pytestmark = pytest.mark.api
HOUR_AND_A_MINUTE_MS = 61 * 60 * 1000


@pytest.mark.smoke
@pytest.mark.rule("me.accepts_access_token")
def test_me_with_access_token_returns_the_user(api, keys, settings):
    response = api.me_raw(keys.data.access_token)
    require(
        response.status_code != 403,
        "me.accepts_access_token",
        "HTTP 403: the OAuth client lacks the PROFILE_READ permission GET /v2/me needs (CONTRACT §3)",
    )
    require(response.status_code == 200, "me.accepts_access_token", f"expected HTTP 200, got {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    require(
        isinstance(body, dict) and body.get("status") == "success" and isinstance(data, dict),
        "me.accepts_access_token",
        "body is not {status: 'success', data: {...}}",
    )
    assert isinstance(data, dict)
    require(
        isinstance(data.get("id"), int) and not isinstance(data.get("id"), bool),
        "me.accepts_access_token",
        f"data.id {data.get('id')!r} is not an integer",
    )
    require(isinstance(data.get("email"), str), "me.accepts_access_token", "data.email is not a string")
    require(
        data.get("email", "").lower() == settings.user_email.lower(),
        "me.accepts_access_token",
        "data.email is not E2E_USER_EMAIL",
    )
    require(isinstance(data.get("username"), str), "me.accepts_access_token", "data.username is not a string")


@pytest.mark.rule("me.rejects_unknown_token")
@pytest.mark.parametrize(
    "token",
    [None, "garbage", "eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoiYWNjZXNzX3Rva2VuIn0.c2ln"],
    ids=["missing", "garbage", "forged-jwt"],
)
def test_me_with_unknown_token_is_401(api, token):
    check_error(api.me_raw(token), "me.rejects_unknown_token", 401)


@pytest.mark.rule("me.rejects_refresh_token")
def test_me_with_refresh_token_is_401(api, keys):
    check_error(api.me_raw(keys.data.refresh_token), "me.rejects_refresh_token", 401)


@pytest.mark.sandbox_only
@pytest.mark.rule("me.rejects_expired_token")
def test_me_with_expired_access_token_is_refused(api, keys, shifted_clock):
    shifted_clock(HOUR_AND_A_MINUTE_MS)
    # Cal.com answers 498 TokenExpiredException 'ACCESS_TOKEN_IS_EXPIRED' (token-expired.exception.ts); 401 also refuses
    check_error(api.me_raw(keys.data.access_token), "me.rejects_expired_token", (498, 401))
