"""Atomic writes under concurrent requests: codes and refresh tokens are used at most once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx

RACERS = 16


def race(count: int, call):
    """Runs call(i) in count threads released at the same instant; returns the results."""
    start = threading.Barrier(count)

    def run(i: int):
        start.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def authorize(http: httpx.Client, info) -> httpx.Response:
    return http.post(f"/v2/oauth/{info.client_id}/authorize", json={"redirectUri": info.redirect_uri})


def code_from(response: httpx.Response) -> str:
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def exchange(info, code: str) -> httpx.Response:
    # a client per racer: separate connections, so the requests really arrive together
    with httpx.Client(base_url=info.api_url, timeout=10) as http:
        return http.post(f"/v2/oauth/{info.client_id}/exchange", json={"clientSecret": info.client_secret},
                         headers={"Authorization": f"Bearer {code}"})


def test_concurrent_exchanges_of_one_code_exactly_one_succeeds(signed_in, own_sandbox):
    code = code_from(authorize(signed_in, own_sandbox))
    statuses = [r.status_code for r in race(RACERS, lambda _: exchange(own_sandbox, code))]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(400) == RACERS - 1, statuses


def test_concurrent_refreshes_of_one_token_exactly_one_succeeds(signed_in, own_sandbox):
    keys = exchange(own_sandbox, code_from(authorize(signed_in, own_sandbox))).json()["data"]

    def refresh(_: int) -> int:
        with httpx.Client(base_url=own_sandbox.api_url, timeout=10) as http:
            return http.post(f"/v2/oauth/{own_sandbox.client_id}/refresh", json={"refreshToken": keys["refreshToken"]},
                             headers={"x-cal-secret-key": own_sandbox.client_secret}).status_code

    statuses = race(RACERS, refresh)
    assert statuses.count(200) == 1, statuses


def test_concurrent_authorizes_issue_exactly_one_code(own_sandbox, signed_in):
    cookies = dict(signed_in.cookies)

    def call(_: int) -> httpx.Response:
        with httpx.Client(base_url=own_sandbox.api_url, timeout=10, cookies=cookies) as http:
            return authorize(http, own_sandbox)

    responses = race(RACERS, call)
    issued = [r for r in responses if r.status_code == 302]
    assert len(issued) == 1, [r.status_code for r in responses]
    assert exchange(own_sandbox, code_from(issued[0])).status_code == 200
