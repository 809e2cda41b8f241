"""CONTRACT §1, POST /v2/oauth/{clientId}/refresh: every row of its table, and rotation."""

from __future__ import annotations

import secrets

import pytest

from e2e.checks import require
from e2e.checks.responses import check_error, check_keys_response
from e2e.checks.tokens import check_keys
from e2e.models import RefreshTokenInput

pytestmark = pytest.mark.api
INVALID_REFRESH = "Invalid refresh token"
# api-auth.strategy.ts prefixes its messages since 2024; older releases answer without the prefix.
STRATEGY_PREFIX = "ApiAuthStrategy - oAuth client - "


def _released_variants(message: str) -> tuple[str, str]:
    return STRATEGY_PREFIX + message, message


YEAR_AND_A_DAY_MS = 367 * 24 * 3600 * 1000


@pytest.mark.rule("refresh.requires_secret_header")
def test_refresh_without_secret_header_is_401(api, settings, keys):
    response = api.o_auth_flow_controller_refresh_access_token_raw(
        settings.client_id, None, RefreshTokenInput(keys.data.refresh_token)
    )
    check_error(response, "refresh.requires_secret_header", 401)


@pytest.mark.rule("refresh.rejects_unknown_client")
def test_refresh_for_unknown_client_is_401(refresh, keys):
    unknown = "unknown" + secrets.token_hex(8)
    check_error(
        refresh(keys.data.refresh_token, client_id=unknown),
        "refresh.rejects_unknown_client",
        401,
        _released_variants(f"Client with ID {unknown} not found"),
    )


@pytest.mark.rule("refresh.rejects_wrong_secret")
def test_refresh_with_wrong_secret_is_401(refresh, keys):
    check_error(
        refresh(keys.data.refresh_token, secret="wrong-" + secrets.token_urlsafe(16)),
        "refresh.rejects_wrong_secret",
        401,
        _released_variants("Invalid client secret"),
    )


@pytest.mark.rule("refresh.rejects_unknown_token")
@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoicmVmcmVzaF90b2tlbiJ9.c2lnbmF0dXJl"],
    ids=["garbage", "forged-jwt"],
)
def test_refresh_with_unknown_token_is_400(refresh, token):
    check_error(refresh(token), "refresh.rejects_unknown_token", 400, INVALID_REFRESH)


@pytest.mark.rule("refresh.rejects_access_token")
def test_refresh_with_access_token_is_400(refresh, keys):
    check_error(refresh(keys.data.access_token), "refresh.rejects_access_token", 400, INVALID_REFRESH)


@pytest.mark.smoke
@pytest.mark.rule("refresh.returns_new_pair")
def test_refresh_returns_a_new_pair(refresh, keys, settings):
    renewed = check_keys_response(refresh(keys.data.refresh_token), "refresh.returns_new_pair").data
    require(
        renewed.access_token != keys.data.access_token, "refresh.returns_new_pair", "the access token did not change"
    )
    require(
        renewed.refresh_token != keys.data.refresh_token, "refresh.returns_new_pair", "the refresh token did not change"
    )
    check_keys(renewed, settings.client_id, from_refresh=True)


@pytest.mark.rule("refresh.rejects_rotated_token")
def test_rotated_out_refresh_token_is_refused(refresh, keys):
    check_keys_response(refresh(keys.data.refresh_token), "refresh.returns_new_pair")
    check_error(refresh(keys.data.refresh_token), "refresh.rejects_rotated_token", 400, INVALID_REFRESH)


@pytest.mark.sandbox_only
@pytest.mark.rule("refresh.token_bound_to_client")
def test_refresh_token_of_one_client_is_refused_to_another(refresh, authorizer, second_client):
    theirs = authorizer.keys(client_id=second_client["id"], client_secret=second_client["secret"])
    check_error(refresh(theirs.data.refresh_token), "refresh.token_bound_to_client", 400, INVALID_REFRESH)


@pytest.mark.sandbox_only
@pytest.mark.rule("refresh.rejects_expired_token")
def test_expired_refresh_token_is_refused(refresh, keys, shifted_clock):
    shifted_clock(YEAR_AND_A_DAY_MS)
    check_error(refresh(keys.data.refresh_token), "refresh.rejects_expired_token", 400, INVALID_REFRESH)
