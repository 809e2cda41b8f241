"""Atomic writes under concurrent requests: codes and refresh tokens are used at most once. How the losers
lose differs: the reference persona refuses them (400); the calcom persona, which reads, then writes in
separate round trips as Cal.com does, fails them on the write (404 NOT_FOUND), or on a token collision (500)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import authorize, code_from, exchange, fresh_keys, refresh, spend

RACERS = 16
NEST_DEFAULT_500 = {"statusCode": 500, "message": "Internal server error"}
NOT_FOUND = ("NOT_FOUND", "Invalid Query: The requested record was not found.")


def race(count: int, base_url: str, call: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """Runs call(http, i) in count threads, each on its own warmed-up connection, released at the same instant."""
    start = threading.Barrier(count)

    def run(i: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            http.get("/openapi.json")  # the connection is open before the race starts
            start.wait()
            return call(http, i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def outcome(response: httpx.Response) -> str:
    if response.status_code == 500 and response.json() == NEST_DEFAULT_500:
        return "500-collision"
    if response.status_code == 404:
        error = response.json()["error"]
        assert (error["code"], error["message"]) == NOT_FOUND, response.text
        return "404-not-found"
    if response.status_code == 400:
        assert response.json()["error"]["message"] in ("Invalid OAuth Client.", "Invalid refresh token"), response.text
        return "400"
    return str(response.status_code)


def test_concurrent_exchanges_of_one_code_exactly_one_succeeds(signed_in, any_sandbox):
    code = code_from(authorize(signed_in, any_sandbox))
    outcomes = [
        outcome(r) for r in race(RACERS, any_sandbox.api_url, lambda http, _: exchange(http, any_sandbox, code))
    ]
    assert outcomes.count("200") == 1, outcomes
    if any_sandbox.persona == "reference":
        assert outcomes.count("400") == RACERS - 1, outcomes
    else:
        # The racers read the code before the winner deletes it. Within the winner's second their pairs are the
        # winner's byte for byte (no jti): the insert fails, 500; a racer in the next second gets 404.
        assert set(outcomes) <= {"200", "400", "404-not-found", "500-collision"}, outcomes
        assert set(outcomes) & {"404-not-found", "500-collision"}, outcomes
    # the code is spent: the user may authorize again
    spend(signed_in, any_sandbox, code_from(authorize(signed_in, any_sandbox)))


def test_concurrent_refreshes_of_one_token_exactly_one_succeeds(signed_in, any_sandbox):
    keys = fresh_keys(signed_in, any_sandbox)
    responses = race(RACERS, any_sandbox.api_url, lambda http, _: refresh(http, any_sandbox, keys["refreshToken"]))
    outcomes = [outcome(r) for r in responses]
    assert outcomes.count("200") == 1, outcomes
    if any_sandbox.persona == "reference":
        assert outcomes.count("400") == RACERS - 1, outcomes
    else:  # the losers read the token, then fail to delete it in their transaction: 404, nothing written
        assert set(outcomes) <= {"200", "400", "404-not-found"}, outcomes
        assert "404-not-found" in outcomes, outcomes


def test_concurrent_authorizes_issue_exactly_one_code(signed_in, any_sandbox):
    cookies = dict(signed_in.cookies)

    def call(http: httpx.Client, _: int) -> httpx.Response:
        http.cookies.update(cookies)
        return authorize(http, any_sandbox)

    responses = race(RACERS, any_sandbox.api_url, call)
    issued = [r for r in responses if r.status_code == 302]
    assert len(issued) == 1, [r.status_code for r in responses]
    spend(signed_in, any_sandbox, code_from(issued[0]))
