"""CONTRACT §6.3: refresh (OAuthService.refreshAccessToken): rotation and replay detection, each from a fresh code
since every refresh rotates the user's one live refresh token; and the refusals that come before any rotation,
with the worker's session tokens."""

from __future__ import annotations

import secrets

import pytest

from e2e.checks import Blocked, require
from e2e.checks.oauth2 import (
    check_no_store,
    check_oauth2_error,
    check_token_response,
)
from e2e.client import json_object
from e2e.oauth2_flow import OAuth2Endpoints

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]


def _rotated(oauth2_endpoints: OAuth2Endpoints, refresh_token: str) -> dict:
    response = oauth2_endpoints.refresh(refresh_token)
    if response.status_code != 200:
        raise Blocked(f"refresh answered HTTP {response.status_code}; see oauth2.refresh.returns_new_pair")
    return json_object(response)


@pytest.mark.smoke
@pytest.mark.rule("oauth2.refresh.returns_new_pair")
def test_refresh_returns_a_new_pair(oauth2_tokens: dict, oauth2_endpoints: OAuth2Endpoints):
    # a fresh code's tokens: every exchange of the user's codes for this client revokes the earlier refresh tokens
    rule = "oauth2.refresh.returns_new_pair"
    response = oauth2_endpoints.refresh(oauth2_tokens["refresh_token"])
    fresh = check_token_response(response, rule)
    check_no_store(response, rule)
    # the access token may be the old one: Cal.com's carry no jti, so two minted within a second are identical
    require(fresh["refresh_token"] != oauth2_tokens["refresh_token"], rule, "the refresh token was not rotated")


@pytest.mark.rule("oauth2.refresh.rejects_replayed_token")
def test_rotated_out_refresh_token_is_refused(oauth2_tokens: dict, oauth2_endpoints: OAuth2Endpoints):
    _rotated(oauth2_endpoints, oauth2_tokens["refresh_token"])
    response = oauth2_endpoints.refresh(oauth2_tokens["refresh_token"])
    check_oauth2_error(response, "oauth2.refresh.rejects_replayed_token", 400, "invalid_grant")


@pytest.mark.advisory
@pytest.mark.rule("oauth2.advisory.replay_revokes_family")
def test_replay_revokes_the_successor(oauth2_tokens: dict, oauth2_endpoints: OAuth2Endpoints):
    successor = _rotated(oauth2_endpoints, oauth2_tokens["refresh_token"])
    oauth2_endpoints.refresh(oauth2_tokens["refresh_token"])  # the replay, as a thief holding the old token would
    response = oauth2_endpoints.refresh(successor["refresh_token"])
    require(
        response.status_code != 200,
        "oauth2.advisory.replay_revokes_family",
        "after the old refresh token was replayed, its successor still refreshes",
    )


@pytest.mark.rule("oauth2.refresh.rejects_access_token")
def test_access_token_as_refresh_token_is_refused(oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints):
    response = oauth2_endpoints.refresh(oauth2_session_tokens["access_token"])
    check_oauth2_error(response, "oauth2.refresh.rejects_access_token", 400, "invalid_grant")


@pytest.mark.rule("oauth2.refresh.rejects_wrong_secret")
def test_refresh_with_wrong_secret_is_invalid_client(
    oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints, confidential
):
    wrong = "wrong-" + secrets.token_urlsafe(16)
    response = oauth2_endpoints.refresh(oauth2_session_tokens["refresh_token"], client_secret=wrong)
    check_oauth2_error(response, "oauth2.refresh.rejects_wrong_secret", 401, "invalid_client")


@pytest.mark.sandbox_only
@pytest.mark.rule("oauth2.refresh.token_bound_to_client")
def test_refresh_token_of_another_client_is_refused(
    oauth2_session_tokens: dict, oauth2_endpoints: OAuth2Endpoints, oauth2_settings, sandbox_admin, redactor
):
    other = sandbox_admin.create_oauth2_client([oauth2_settings.redirect_uri], name="Other App")
    redactor.add(other["secret"])
    response = oauth2_endpoints.refresh(
        oauth2_session_tokens["refresh_token"], client_id=other["client_id"], client_secret=other["secret"]
    )
    check_oauth2_error(response, "oauth2.refresh.token_bound_to_client", 400, "invalid_grant")
