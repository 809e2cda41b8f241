"""CONTRACT §1, KeysResponseDto: token form, claims, lifetimes, owner and distinctness."""

from __future__ import annotations

import pytest

from e2e.checks import require
from e2e.checks.responses import check_keys_response
from e2e.checks.tokens import (
    check_access_lifetime,
    check_claims,
    check_hs256_jwt,
    check_refresh_lifetime,
    jwt_parts,
)

pytestmark = pytest.mark.api


@pytest.mark.rule("tokens.are_hs256_jwts")
def test_tokens_are_hs256_jwts(keys):
    check_hs256_jwt(keys.data.access_token)
    check_hs256_jwt(keys.data.refresh_token)


@pytest.mark.rule("tokens.claims")
def test_tokens_carry_the_contract_claims(keys, settings):
    _, access = jwt_parts(keys.data.access_token)
    _, refresh = jwt_parts(keys.data.refresh_token)
    check_claims(access, "access_token", settings.client_id, keys.data.access_token_expires_at, from_refresh=False)
    check_claims(refresh, "refresh_token", settings.client_id, keys.data.refresh_token_expires_at, from_refresh=False)


@pytest.mark.rule("tokens.claims")
def test_refreshed_tokens_also_carry_user_id(keys, refresh, settings):
    renewed = check_keys_response(refresh(keys.data.refresh_token), "refresh.returns_new_pair").data
    for token, kind, expires in (
        (renewed.access_token, "access_token", renewed.access_token_expires_at),
        (renewed.refresh_token, "refresh_token", renewed.refresh_token_expires_at),
    ):
        check_claims(jwt_parts(token)[1], kind, settings.client_id, expires, from_refresh=True)


@pytest.mark.rule("tokens.owner_is_user")
def test_owner_id_is_the_user(keys, api, settings):
    owner = jwt_parts(keys.data.access_token)[1].get("ownerId")
    me = api.me(keys.data.access_token)
    require(owner == me["id"], "tokens.owner_is_user", f"ownerId {owner!r} differs from /v2/me id {me['id']!r}")
    if settings.user_id is not None:
        require(
            owner == settings.user_id,
            "tokens.owner_is_user",
            f"ownerId {owner!r} is not E2E_USER_ID {settings.user_id}",
        )


@pytest.mark.rule("tokens.access_lifetime")
def test_access_token_lives_sixty_minutes_floored_to_the_minute(keys):
    check_access_lifetime(jwt_parts(keys.data.access_token)[1]["iat"], keys.data.access_token_expires_at)


@pytest.mark.rule("tokens.refresh_lifetime")
def test_refresh_token_lives_one_year_floored_to_the_day(keys):
    check_refresh_lifetime(jwt_parts(keys.data.refresh_token)[1]["iat"], keys.data.refresh_token_expires_at)


@pytest.mark.rule("tokens.all_distinct")
def test_every_issued_token_is_distinct(authorizer, refresh):
    first = authorizer.keys().data
    second = check_keys_response(refresh(first.refresh_token), "refresh.returns_new_pair").data
    third = authorizer.keys().data
    tokens = [t for k in (first, second, third) for t in (k.access_token, k.refresh_token)]
    require(
        len(set(tokens)) == len(tokens),
        "tokens.all_distinct",
        f"{len(tokens) - len(set(tokens))} of {len(tokens)} issued tokens repeat an earlier one",
    )
    jtis = [jwt_parts(t)[1].get("jti") for t in tokens]
    require(len(set(jtis)) == len(jtis), "tokens.all_distinct", "two tokens share a jti")
