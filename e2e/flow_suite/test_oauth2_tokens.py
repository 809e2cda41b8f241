"""CONTRACT §6.3-§6.5: the checks that only read tokens: what they say about themselves (OAuthService.mintTokens),
the profile endpoint (/api/auth/oauth/me or /v2/me), and the refresh endpoint's refusals that come before any
rotation. They share one token response per worker (oauth2_session_tokens)."""

from __future__ import annotations

import secrets

import pytest

from e2e.checks import require
from e2e.checks.oauth2 import ACCESS_LIFETIME_S, REFRESH_LIFETIME_S, check_oauth2_error
from e2e.oauth2_flow import OAuth2Client, forged_jwt, json_object, jwt_claims
from e2e.settings import LEGACY_PROFILE_SCOPE

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
PROFILE_SCOPES = (LEGACY_PROFILE_SCOPE, "PROFILE_READ")


@pytest.mark.rule("oauth2.token.rejects_wrong_secret")
def test_refresh_with_wrong_secret_is_invalid_client(
    oauth2_session_tokens: dict, oauth2_client: OAuth2Client, confidential
):
    refresh_token = oauth2_session_tokens["refresh_token"]
    response = oauth2_client.refresh(refresh_token, client_secret="wrong-" + secrets.token_urlsafe(16))
    check_oauth2_error(response, "oauth2.token.rejects_wrong_secret", 401, "invalid_client")


@pytest.mark.rule("oauth2.refresh.rejects_access_token")
def test_access_token_as_refresh_token_is_refused(oauth2_session_tokens: dict, oauth2_client: OAuth2Client):
    response = oauth2_client.refresh(oauth2_session_tokens["access_token"])
    check_oauth2_error(response, "oauth2.refresh.rejects_access_token", 400, "invalid_grant")


def _profile_scope(oauth2_settings) -> None:
    if not set(PROFILE_SCOPES) & set(oauth2_settings.scopes):
        pytest.skip(f"CAL_OAUTH2_SCOPES holds neither {' nor '.join(PROFILE_SCOPES)}: no token can read the profile")


@pytest.mark.smoke
@pytest.mark.rule("oauth2.me.accepts_access_token")
def test_me_answers_the_test_user(oauth2_settings, oauth2_session_tokens: dict, oauth2_client: OAuth2Client):
    rule = "oauth2.me.accepts_access_token"
    _profile_scope(oauth2_settings)
    response = oauth2_client.me(oauth2_session_tokens["access_token"])
    require(
        response.status_code in (200, 201),
        rule,
        f"{oauth2_settings.me_url} answered HTTP {response.status_code} to an issued access token",
    )
    body = json_object(response)
    user = body.get("data") if isinstance(body.get("data"), dict) else body  # /v2/me's envelope, or the web route
    require(
        isinstance(user.get("username"), str) and user["username"],
        rule,
        f"the profile has no username (keys: {', '.join(sorted(user)) or 'none'})",
    )


@pytest.mark.rule("oauth2.me.rejects_refresh_token")
def test_me_refuses_a_refresh_token(oauth2_settings, oauth2_session_tokens: dict, oauth2_client: OAuth2Client):
    _profile_scope(oauth2_settings)
    response = oauth2_client.me(oauth2_session_tokens["refresh_token"])
    require(
        response.status_code in (401, 403),
        "oauth2.me.rejects_refresh_token",
        f"a refresh token got HTTP {response.status_code}, expected 401",
    )


@pytest.mark.rule("oauth2.me.rejects_unknown_token")
def test_me_refuses_a_jwt_it_did_not_sign(oauth2_settings, oauth2_session_tokens: dict, oauth2_client: OAuth2Client):
    _profile_scope(oauth2_settings)
    claims = jwt_claims(oauth2_session_tokens["access_token"]) or {
        "token_type": "Access Token",
        "scope": ["READ_PROFILE"],
    }
    response = oauth2_client.me(forged_jwt(claims))
    require(
        response.status_code in (401, 403),
        "oauth2.me.rejects_unknown_token",
        f"a token signed with another key got HTTP {response.status_code}, expected 401",
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
