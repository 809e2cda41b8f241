"""CONTRACT §6.3: refresh with rotation and replay detection (OAuthService.refreshAccessToken): each check from a
fresh code, since every refresh rotates the user's one live refresh token."""

from __future__ import annotations

import pytest

from e2e.checks import Blocked, require
from e2e.checks.oauth2 import (
    check_no_store,
    check_oauth2_error,
    check_token_response,
)
from e2e.oauth2_flow import OAuth2Client, json_object
from e2e.settings import LEGACY_PROFILE_SCOPE

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
PROFILE_SCOPES = (LEGACY_PROFILE_SCOPE, "PROFILE_READ")


def _rotated(oauth2_client: OAuth2Client, refresh_token: str) -> dict:
    response = oauth2_client.refresh(refresh_token)
    if response.status_code != 200:
        raise Blocked(f"refresh answered HTTP {response.status_code}; see oauth2.refresh.returns_new_pair")
    return json_object(response)


@pytest.mark.smoke
@pytest.mark.rule("oauth2.refresh.returns_new_pair")
def test_refresh_returns_a_new_pair(oauth2_tokens: dict, oauth2_client: OAuth2Client):
    rule = "oauth2.refresh.returns_new_pair"
    response = oauth2_client.refresh(oauth2_tokens["refresh_token"])
    fresh = check_token_response(response, rule)
    check_no_store(response, rule)
    # the access token may be the old one: Cal.com's carry no jti, so two minted within a second are identical
    require(fresh["refresh_token"] != oauth2_tokens["refresh_token"], rule, "the refresh token was not rotated")


@pytest.mark.rule("oauth2.refresh.rejects_replayed_token")
def test_rotated_out_refresh_token_is_refused(oauth2_tokens: dict, oauth2_client: OAuth2Client):
    _rotated(oauth2_client, oauth2_tokens["refresh_token"])
    response = oauth2_client.refresh(oauth2_tokens["refresh_token"])
    check_oauth2_error(response, "oauth2.refresh.rejects_replayed_token", 400, "invalid_grant")


@pytest.mark.advisory
@pytest.mark.rule("oauth2.advisory.replay_revokes_family")
def test_replay_revokes_the_successor(oauth2_tokens: dict, oauth2_client: OAuth2Client):
    successor = _rotated(oauth2_client, oauth2_tokens["refresh_token"])
    oauth2_client.refresh(oauth2_tokens["refresh_token"])  # the replay, as a thief holding the old token would
    response = oauth2_client.refresh(successor["refresh_token"])
    require(
        response.status_code != 200,
        "oauth2.advisory.replay_revokes_family",
        "after the old refresh token was replayed, its successor still refreshes",
    )
