"""CONTRACT §4: good practice beyond what Cal.com promises; a miss is a warning unless --strict-advisories."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest

from e2e.checks import require
from e2e.checks.responses import check_keys_response
from e2e.checks.tokens import check_entropy, jwt_parts

pytestmark = [pytest.mark.api, pytest.mark.advisory]
MIN_BITS = 128
RACERS = 8
AWKWARD_STATE = '"><foo>bar_baz(2)far</foo> & é=1?#'


@pytest.mark.rule("advisory.no_store")
def test_token_responses_are_not_cacheable(authorizer, refresh):
    exchanged = authorizer.exchange_for_keys(authorizer.code())
    keys = check_keys_response(exchanged, "exchange.returns_keys")
    refreshed = refresh(keys.data.refresh_token)
    for name, response in (("exchange", exchanged), ("refresh", refreshed)):
        require(
            "no-store" in response.headers.get("cache-control", "").lower(),
            "advisory.no_store",
            f"{name} response has Cache-Control {response.headers.get('cache-control')!r}, expected no-store",
        )


@pytest.mark.rule("advisory.entropy")
def test_codes_and_tokens_carry_128_bits(authorizer):
    code = authorizer.code()
    keys = check_keys_response(authorizer.exchange_for_keys(code), "exchange.returns_keys").data
    samples = {
        "code": code,
        "access jti": jwt_parts(keys.access_token)[1].get("jti"),
        "refresh jti": jwt_parts(keys.refresh_token)[1].get("jti"),
    }
    for name, value in samples.items():  # bits by the value's format (UUIDv4 122, cuid ~41, ...); absent is 0
        check_entropy(name, value, MIN_BITS)


@pytest.mark.rule("advisory.registered_query_kept")
def test_registered_query_is_kept_and_code_appended(authorizer, settings):
    candidates = [settings.redirect_uri, *(settings.sandbox.extra_redirect_uris if settings.sandbox else ())]
    with_query = [uri for uri in candidates if urlsplit(uri).query and "*" not in uri]
    if not with_query:
        pytest.skip("CAL_REDIRECT_URI has no query component to keep")
    uri = with_query[0]
    location = authorizer.authorize_raw(redirect_uri=uri).headers.get("location", "")
    require(
        location.startswith(uri + "&"),
        "advisory.registered_query_kept",
        "the redirect does not keep the registered query with the code appended by '&'",
    )
    require(
        len(parse_qs(urlsplit(location).query).get("code", [])) == 1,
        "advisory.registered_query_kept",
        "the redirect does not carry exactly one code",
    )


@pytest.mark.rule("advisory.state_round_trip")
def test_state_comes_back_unchanged(authorizer):
    location = authorizer.authorize_raw(state=AWKWARD_STATE).headers.get("location", "")
    states = parse_qs(urlsplit(location).query).get("state", [])
    require(
        states == [AWKWARD_STATE],
        "advisory.state_round_trip",
        f"state came back as {states!r}, expected [{AWKWARD_STATE!r}]",
    )


@pytest.mark.rule("advisory.replay_revokes_family")
def test_replayed_refresh_token_revokes_its_replacement(keys, refresh):
    renewed = check_keys_response(refresh(keys.data.refresh_token), "refresh.returns_new_pair").data
    refresh(keys.data.refresh_token)  # the replay
    response = refresh(renewed.refresh_token)
    require(
        response.status_code != 200,
        "advisory.replay_revokes_family",
        "after the old refresh token was replayed, its replacement still refreshes",
    )


@pytest.mark.rule("advisory.concurrent_refresh_single_use")
def test_concurrent_refreshes_exactly_one_succeeds(keys, refresh):
    start = threading.Barrier(RACERS)

    def call(_: int):
        start.wait()
        return refresh(keys.data.refresh_token)

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = sorted(r.status_code for r in pool.map(call, range(RACERS)))
    require(
        statuses.count(200) == 1,
        "advisory.concurrent_refresh_single_use",
        f"{statuses.count(200)} of {RACERS} concurrent refreshes succeeded, expected exactly 1",
    )


@pytest.mark.rule("advisory.redirect_status")
def test_authorize_redirect_is_302_or_303(authorizer):
    status = authorizer.authorize_raw().status_code
    require(
        status in (302, 303), "advisory.redirect_status", f"authorize redirected with {status}, expected 302 or 303"
    )
