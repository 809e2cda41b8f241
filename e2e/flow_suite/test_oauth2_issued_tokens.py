"""CONTRACT §6.4-§6.5: what issued tokens say about themselves (OAuthService.mintTokens) and the profile endpoint
that proves them (/api/auth/oauth/me, or /v2/me). They read the worker's session tokens (oauth2_session_tokens)."""

from __future__ import annotations

import httpx
import pytest

from e2e.checks import Blocked, require
from e2e.checks.oauth2 import ACCESS_LIFETIME_S, REFRESH_LIFETIME_S
from e2e.client import json_object
from e2e.flow import cookies_for
from e2e.oauth2_flow import ConsentDriver, OAuth2Endpoints, forged_jwt, jwt_claims
from e2e.settings import LEGACY_PROFILE_SCOPE

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
PROFILE_SCOPES = (LEGACY_PROFILE_SCOPE, "PROFILE_READ")


def _profile_scope(oauth2_settings) -> None:
    if not set(PROFILE_SCOPES) & set(oauth2_settings.scopes):
        pytest.skip(f"CAL_OAUTH2_SCOPES holds neither {' nor '.join(PROFILE_SCOPES)}: no token can read the profile")


def _session_username(settings, signed_in_state) -> str | None:
    """Who the web app's session says is logged in (NextAuth's /api/auth/session), None when it does not say."""
    cookies = cookies_for(signed_in_state, settings.web_url)
    response = httpx.get(f"{settings.web_url}/api/auth/session", cookies=cookies, timeout=15.0)
    user = json_object(response).get("user")
    username = user.get("username") if isinstance(user, dict) else None
    return username if isinstance(username, str) and username else None


@pytest.mark.smoke
@pytest.mark.rule("oauth2.me.accepts_access_token")
def test_me_answers_the_test_user(
    oauth2_settings, oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints, settings, signed_in_state
):
    rule = "oauth2.me.accepts_access_token"
    _profile_scope(oauth2_settings)
    response = oauth2_endpoints.me(oauth2_session_tokens["access_token"])
    require(
        response.status_code in (200, 201),
        rule,
        f"{oauth2_settings.me_url} answered HTTP {response.status_code} to an issued access token",
    )
    body = json_object(response)
    user = body["data"] if isinstance(body.get("data"), dict) else body  # /v2/me's envelope, or the web route's
    username = user.get("username")
    require(isinstance(username, str) and username, rule, f"no username (keys: {', '.join(sorted(user)) or 'none'})")
    if isinstance(user.get("email"), str):  # /v2/me says whose token it is
        require(
            user["email"].lower() == settings.user_email.lower(), rule, "the profile is not the test user's (email)"
        )
    else:
        expected = _session_username(settings, signed_in_state)
        require(
            expected is None or username == expected,
            rule,
            f"the profile's username {username!r} is not the logged-in user's {expected!r}",
        )


@pytest.mark.rule("oauth2.me.rejects_refresh_token")
def test_me_refuses_a_refresh_token(oauth2_settings, oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints):
    _profile_scope(oauth2_settings)
    response = oauth2_endpoints.me(oauth2_session_tokens["refresh_token"])
    require(
        response.status_code in (401, 403),
        "oauth2.me.rejects_refresh_token",
        f"a refresh token got HTTP {response.status_code}, expected 401",
    )


@pytest.mark.rule("oauth2.me.rejects_unknown_token")
def test_me_refuses_a_jwt_it_did_not_sign(
    oauth2_settings, oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints
):
    _profile_scope(oauth2_settings)
    claims = jwt_claims(oauth2_session_tokens["access_token"]) or {"token_type": "Access Token", "scope": []}
    response = oauth2_endpoints.me(forged_jwt(claims))
    require(
        response.status_code in (401, 403),
        "oauth2.me.rejects_unknown_token",
        f"a token signed with another key got HTTP {response.status_code}, expected 401",
    )


@pytest.mark.rule("oauth2.me.requires_profile_scope")
def test_me_refuses_a_token_without_the_profile_scope(
    oauth2_settings, consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints
):
    # the web route asks for the legacy READ_PROFILE; /v2/me for PROFILE_READ: ask for bookings only instead
    scope = "READ_BOOKING" if oauth2_settings.me_url.endswith("/api/auth/oauth/me") else "BOOKING_READ"
    try:
        tokens = oauth2_endpoints.tokens(consent_driver.code(scope=scope))
    except Blocked as blocked:
        pytest.skip(f"the client may not ask for {scope} alone ({blocked.reason}): register it to check this rule")
    response = oauth2_endpoints.me(tokens["access_token"])
    require(
        response.status_code in (401, 403),
        "oauth2.me.requires_profile_scope",
        f"a token with scope {scope} got HTTP {response.status_code} at {oauth2_settings.me_url}, expected 401/403",
    )


def _claims(token: str, name: str, rule: str) -> dict:
    claims = jwt_claims(token)
    require(claims is not None, rule, f"the {name} token is not a JWT")
    assert claims is not None
    return claims


@pytest.mark.rule("oauth2.tokens.lifetimes")
def test_token_lifetimes(oauth2_session_tokens: dict):
    rule = "oauth2.tokens.lifetimes"
    for name, lifetime in (("access", ACCESS_LIFETIME_S), ("refresh", REFRESH_LIFETIME_S)):
        claims = _claims(oauth2_session_tokens[f"{name}_token"], name, rule)
        issued, expires = claims.get("iat"), claims.get("exp")
        require(isinstance(issued, int) and isinstance(expires, int), rule, f"the {name} token lacks iat or exp")
        require(
            expires - issued == lifetime,
            rule,
            f"the {name} token lives {expires - issued} s, expected {lifetime}",
        )
    require(
        oauth2_session_tokens.get("expires_in") == ACCESS_LIFETIME_S,
        rule,
        f"expires_in is {oauth2_session_tokens.get('expires_in')!r} while the access token lives {ACCESS_LIFETIME_S} s",
    )


@pytest.mark.rule("oauth2.tokens.claims")
def test_token_claims(oauth2_session_tokens: dict, oauth2_settings, settings):
    rule = "oauth2.tokens.claims"
    for name, token_type in (("access", "Access Token"), ("refresh", "Refresh Token")):
        claims = _claims(oauth2_session_tokens[f"{name}_token"], name, rule)
        require(
            claims.get("token_type") == token_type,
            rule,
            f"the {name} token's token_type is {claims.get('token_type')!r}, expected {token_type!r}",
        )
        require(
            claims.get("clientId") == oauth2_settings.client_id,
            rule,
            f"the {name} token's clientId is not the client's",
        )
        user_id = claims.get("userId")
        require(isinstance(user_id, int), rule, f"the {name} token's userId is {user_id!r}, expected the user's id")
        if settings.user_id is not None:
            require(user_id == settings.user_id, rule, f"the {name} token's userId {user_id} is not E2E_USER_ID")
        granted = claims.get("scope")
        require(
            isinstance(granted, list) and set(oauth2_settings.scopes) <= set(granted),
            rule,
            f"the {name} token's scope {granted!r} lacks the scopes granted {list(oauth2_settings.scopes)}",
        )
