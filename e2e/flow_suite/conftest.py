"""Fixtures shared by the flow suite's modules (the harness's own come from e2e/suite_plugin.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.client import OAuthApi
from e2e.flow import Authorizer, mask_issued_tokens
from e2e.models import KeysResponseDto, RefreshTokenInput
from e2e.plugin import SUITE_PLUGIN
from e2e.sandbox.admin_client import SandboxAdmin
from e2e.settings import Settings

DAY_MS = 24 * 3600 * 1000


def pytest_configure(config: pytest.Config) -> None:
    # e2e/plugin.py did not see the suite in the arguments (pytest --help needs no plugin)
    if not config.pluginmanager.has_plugin(SUITE_PLUGIN) and not config.getoption("help"):
        pytest.exit(
            "the flow suite runs under its plugin, which starts with the run: give the suite's folder "
            "(or --pyargs e2e.flow_suite), or run calcom-e2e",
            returncode=2,
        )


@pytest.fixture
def keys(authorizer: Authorizer) -> KeysResponseDto:
    """A fresh pair from the test user's code."""
    return authorizer.keys()


@pytest.fixture
def refresh(api: OAuthApi, settings: Settings, redactor):
    """refresh(token) -> httpx.Response, with the configured client; new tokens are masked in reports."""

    def call(refresh_token: str, client_id: str | None = None, secret: str | None = None):
        response = api.o_auth_flow_controller_refresh_access_token_raw(
            client_id or settings.client_id, secret or settings.client_secret.reveal(), RefreshTokenInput(refresh_token)
        )
        if response.status_code == 200:
            mask_issued_tokens(redactor, response)
        return response

    return call


@pytest.fixture
def second_client(sandbox_admin: SandboxAdmin, settings: Settings, redactor) -> dict:
    """Another client registered for the same redirect URI (sandbox only)."""
    client = sandbox_admin.create_client([settings.redirect_uri])
    redactor.add(client["secret"])
    return client


@pytest.fixture
def shifted_clock(sandbox_admin: SandboxAdmin) -> Iterator:
    """advance(ms) moves the sandbox's clock forward; it is moved back when the test ends."""
    moved: list[int] = []

    def advance(milliseconds: int) -> None:
        sandbox_admin.advance_clock(milliseconds)
        moved.append(milliseconds)

    yield advance
    sandbox_admin.advance_clock(-sum(moved))
