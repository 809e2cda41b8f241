"""The sandbox's own tests run against a sandbox they start, whatever target the flow suite uses."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[SandboxInfo]:
    with SandboxProcess.start() as process:
        yield process.info


@pytest.fixture(scope="module")
def client(own_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_sandbox.api_url, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def signed_in(own_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    """A client holding the seeded user's session cookie, from the login form over HTTP."""
    with httpx.Client(base_url=own_sandbox.api_url, timeout=10) as http:
        response = http.post("/auth/login", data={"email": own_sandbox.user_email, "password": own_sandbox.user_password})
        assert response.status_code == 303, response.status_code
        yield http


def admin_headers(info: SandboxInfo) -> dict[str, str]:
    return {"x-sandbox-admin-key": info.admin_key}
