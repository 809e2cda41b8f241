"""CONTRACT §1, POST /v2/oauth/{clientId}/exchange: every row of its table, single use, races."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2e.checks import require
from e2e.checks.responses import check_error, check_keys_response
from e2e.models import ExchangeAuthorizationCodeInput

pytestmark = pytest.mark.api
INVALID_CLIENT = "Invalid OAuth Client."
MISSING_BEARER = "Missing 'Bearer' Authorization header."
# A loser of a race that read the code before the winner deleted it (Prisma P2025 -> PrismaExceptionFilter).
RECORD_NOT_FOUND = "Invalid Query: The requested record was not found."
RACERS = 8


# Cal.com takes the code as `authorization.replace("Bearer ", "").trim()` (oauth-flow.controller.ts): a missing
# header should be refused like an empty one (a TypeError answers 500 instead: known defect); "Bearer" alone
# ("Bearer " with its trailing space stripped by HTTP) and another scheme are taken as the code, which is unknown.
@pytest.mark.rule("exchange.requires_bearer_header")
@pytest.mark.parametrize(
    "authorization, messages",
    [
        (None, (MISSING_BEARER,)),
        ("Bearer", (MISSING_BEARER, INVALID_CLIENT)),
        ("Basic abc", (MISSING_BEARER, INVALID_CLIENT)),
    ],
    ids=["missing", "empty-bearer", "not-bearer"],
)
def test_exchange_without_bearer_code_is_400(api, settings, authorization, messages):
    response = api.o_auth_flow_controller_exchange_raw(
        authorization, settings.client_id, ExchangeAuthorizationCodeInput(settings.client_secret.reveal())
    )
    check_error(response, "exchange.requires_bearer_header", 400, messages)


@pytest.mark.rule("exchange.rejects_wrong_secret")
def test_exchange_with_wrong_secret_is_400(authorizer):
    code = authorizer.code()
    response = authorizer.exchange_raw(code, client_secret="wrong-" + secrets.token_urlsafe(16))
    check_error(response, "exchange.rejects_wrong_secret", 400, INVALID_CLIENT)


@pytest.mark.rule("exchange.rejects_unknown_client")
def test_exchange_for_unknown_client_is_400(authorizer, settings):
    code = authorizer.code()
    response = authorizer.exchange_raw(code, client_id="unknown" + secrets.token_hex(8))
    check_error(response, "exchange.rejects_unknown_client", 400, INVALID_CLIENT)


@pytest.mark.rule("exchange.rejects_unknown_code")
def test_exchange_of_unknown_code_is_400(authorizer):
    check_error(
        authorizer.exchange_raw(secrets.token_urlsafe(32)), "exchange.rejects_unknown_code", 400, INVALID_CLIENT
    )


@pytest.mark.smoke
@pytest.mark.rule("exchange.returns_keys")
def test_exchange_returns_keys(authorizer):
    code = authorizer.code()
    check_keys_response(authorizer.exchange_raw(code), "exchange.returns_keys")


@pytest.mark.rule("exchange.code_single_use")
def test_exchanged_code_is_refused_the_second_time(authorizer):
    code = authorizer.code()
    check_keys_response(authorizer.exchange_for_keys(code), "exchange.returns_keys")
    check_error(authorizer.exchange_raw(code), "exchange.code_single_use", 400, INVALID_CLIENT)


@pytest.mark.rule("exchange.concurrent_single_use")
def test_concurrent_exchanges_of_one_code_exactly_one_succeeds(authorizer):
    code = authorizer.code()
    start = threading.Barrier(RACERS)

    def exchange(_: int):
        start.wait()
        return authorizer.exchange_raw(code)

    with ThreadPoolExecutor(RACERS) as pool:
        responses = list(pool.map(exchange, range(RACERS)))
    statuses = sorted(r.status_code for r in responses)
    require(
        statuses.count(200) == 1,
        "exchange.concurrent_single_use",
        f"{statuses.count(200)} of {RACERS} concurrent exchanges of one code succeeded, expected exactly 1 "
        f"(statuses {statuses})",
    )
    for response in responses:
        if response.status_code != 200:
            check_error(response, "exchange.concurrent_single_use", (400, 404), (INVALID_CLIENT, RECORD_NOT_FOUND))


@pytest.mark.sandbox_only
@pytest.mark.rule("exchange.code_bound_to_client")
def test_code_of_one_client_is_refused_to_another(authorizer, second_client):
    code = authorizer.code()
    response = authorizer.exchange_raw(code, client_id=second_client["id"], client_secret=second_client["secret"])
    check_error(response, "exchange.code_bound_to_client", 400, INVALID_CLIENT)


@pytest.mark.rule("exchange.reauthorize_after_exchange")
def test_user_may_authorize_again_after_exchange(authorizer):
    check_keys_response(authorizer.exchange_for_keys(authorizer.code()), "exchange.returns_keys")
    response = authorizer.authorize_raw()
    require(
        300 <= response.status_code < 400,
        "exchange.reauthorize_after_exchange",
        f"authorize after the code was exchanged answered HTTP {response.status_code}, expected a redirect",
    )
