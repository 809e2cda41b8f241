"""The sandbox's own tests run against sandboxes they start, whatever target the flow suite uses.

`own_sandbox` is the default start (persona calcom, split layout); `calcom_sandbox`, `reference_sandbox` and
`single_sandbox` (reference persona, single layout) name what they start; `any_sandbox` runs a test under
both personas.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from e2e.sandbox.admin_api import ADMIN_KEY_HEADER
from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess

PERSONA_ARGS = {"calcom": [], "reference": ["--persona", "reference"]}


def _started(args: list[str]) -> Iterator[SandboxInfo]:
    with SandboxProcess.start(args) as process:
        yield process.info


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[SandboxInfo]:
    yield from _started([])


@pytest.fixture(scope="module")
def calcom_sandbox() -> Iterator[SandboxInfo]:
    yield from _started(PERSONA_ARGS["calcom"])


@pytest.fixture(scope="module")
def reference_sandbox() -> Iterator[SandboxInfo]:
    yield from _started(PERSONA_ARGS["reference"])


@pytest.fixture(scope="module")
def single_sandbox() -> Iterator[SandboxInfo]:
    yield from _started(["--persona", "reference", "--layout", "single"])


@pytest.fixture(scope="module", params=sorted(PERSONA_ARGS))
def any_sandbox(request: pytest.FixtureRequest) -> Iterator[SandboxInfo]:
    yield from _started(PERSONA_ARGS[request.param])


@pytest.fixture(scope="module")
def client(own_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_sandbox.api_url, timeout=10) as http:
        yield http


def log_in(
    http: httpx.Client, info: SandboxInfo, email: str | None = None, password: str | None = None, **extra: str
) -> httpx.Response:
    """NextAuth's credentials login on the web app, as Cal.com's login page does it from its script. The
    session cookie (host localhost or 127.0.0.1, no port) then goes to the API's port too."""
    token = http.get(f"{info.web_url}/api/auth/csrf").json()["csrfToken"]
    return http.post(
        f"{info.web_url}/api/auth/callback/credentials",
        data={
            "csrfToken": token,
            "email": email or info.user_email,
            "password": password or info.user_password,
            "json": "true",
            **extra,
        },
    )


@contextmanager
def signed_in_client(info: SandboxInfo) -> Iterator[httpx.Client]:
    """A client of the API (base_url) holding the seeded user's session."""
    with httpx.Client(base_url=info.api_url, timeout=10) as http:
        response = log_in(http, info)
        assert response.status_code == 200, response.text
        yield http


@pytest.fixture(scope="module")
def signed_in(any_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    with signed_in_client(any_sandbox) as http:
        yield http


def admin_headers(info: SandboxInfo) -> dict[str, str]:
    return {ADMIN_KEY_HEADER: info.admin_key}


def code_from(response: httpx.Response) -> str:
    """The code in an authorize redirect (also when appended blindly after a query: ...?tenant=x?code=...)."""
    location = response.headers["location"]
    return location.rsplit("code=", 1)[1].split("&")[0]


def authorize(http: httpx.Client, info: SandboxInfo, redirect_uri: str | None = None, **body: str) -> httpx.Response:
    return http.post(
        f"{info.api_url}/v2/oauth/{info.client_id}/authorize",
        json={"redirectUri": redirect_uri or info.redirect_uri, **body},
    )


def exchange(
    http: httpx.Client, info: SandboxInfo, code: str, secret: str | None = None, client_id: str | None = None
) -> httpx.Response:
    return http.post(
        f"{info.api_url}/v2/oauth/{client_id or info.client_id}/exchange",
        json={"clientSecret": secret or info.client_secret},
        headers={"Authorization": f"Bearer {code}"},
    )


def refresh(
    http: httpx.Client, info: SandboxInfo, token: str, secret: str | None = None, client_id: str | None = None
) -> httpx.Response:
    return http.post(
        f"{info.api_url}/v2/oauth/{client_id or info.client_id}/refresh",
        json={"refreshToken": token},
        headers={"x-cal-secret-key": secret or info.client_secret},
    )


def me(http: httpx.Client, info: SandboxInfo, token: str) -> httpx.Response:
    return http.get(f"{info.api_url}/v2/me", headers={"Authorization": f"Bearer {token}"})


def fresh_keys(http: httpx.Client, info: SandboxInfo) -> dict:
    """A new pair from a new code (the user must hold no pending code)."""
    return spend(http, info, code_from(authorize(http, info)))


def spend(http: httpx.Client, info: SandboxInfo, code: str) -> dict:
    """Exchanges the code for a pair. On the calcom persona a pair minted within the second of an earlier one
    collides (500, the code left pending): the exchange is retried a second later (on the server's clock)."""
    for _ in range(3):
        response = exchange(http, info, code)
        if response.status_code != 500:
            break
        shift_clock(info, 1000)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def shift_clock(info: SandboxInfo, milliseconds: int) -> None:
    httpx.post(
        f"{info.api_url}/__sandbox/clock", json={"advanceMs": milliseconds}, headers=admin_headers(info)
    ).raise_for_status()
