"""What a real deployment needs is checked, not assumed: a missing prerequisite stops the run with one line."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import admin_headers, env_text, run_harness


@pytest.fixture(scope="module")
def target() -> Iterator[SandboxInfo]:
    with SandboxProcess.start() as process:
        yield process.info


def run(tmp_path: Path, info: SandboxInfo, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    return run_harness(tmp_path, env_text(info.env_block(), **overrides), *args, timeout=300)


def admin(info: SandboxInfo, path: str, body: dict) -> dict:
    response = httpx.post(f"{info.api_url}{path}", json=body, headers=admin_headers(info))
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize("selection", [["-m", "api"], ["--smoke"]], ids=["http-login", "browser-login"])
def test_a_user_with_two_factor_authentication_stops_the_run_once(tmp_path, target, selection):
    user = admin(target, "/__sandbox/users", {"twoFactor": True})
    result = run(
        tmp_path,
        target,
        *selection,
        E2E_USER_EMAIL=user["email"],
        E2E_USER_PASSWORD=user["password"],
        E2E_USER_ID=str(user["id"]),
    )
    assert result.returncode == 2, result.stdout[-3000:]
    assert "two-factor authentication" in result.stdout + result.stderr
    assert "FAIL " not in result.stdout and user["password"] not in result.stdout + result.stderr


def test_a_client_without_profile_read_stops_the_run_once(tmp_path, target):
    client = admin(
        target, "/__sandbox/clients", {"redirectUris": [target.redirect_uri], "permissions": ["BOOKING_READ"]}
    )
    result = run(tmp_path, target, "-m", "api", CAL_CLIENT_ID=client["id"], CAL_CLIENT_SECRET=client["secret"])
    assert result.returncode == 2, result.stdout[-3000:]
    assert "PROFILE_READ" in result.stdout and "FAIL " not in result.stdout


def test_a_wrong_password_stops_the_run_once(tmp_path, target):
    result = run(tmp_path, target, "-m", "api", E2E_USER_PASSWORD="wrong-password-123")
    assert result.returncode == 2 and "wrong E2E_USER_PASSWORD" in result.stdout, result.stdout[-3000:]
    assert "FAIL " not in result.stdout and "wrong-password-123" not in result.stdout


def test_a_web_url_that_is_the_api_stops_the_run_once(tmp_path, target):
    result = run(tmp_path, target, "-m", "api", CAL_WEB_URL=target.api_url)
    assert result.returncode == 2 and "must be the web app" in result.stdout, result.stdout[-3000:]
    assert "FAIL " not in result.stdout
