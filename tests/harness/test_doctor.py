"""`calcom-e2e doctor` says in one line what is wrong and what to do; its exit status tells whether all is well."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import admin_headers, env_text, free_port, run_harness


@pytest.fixture(scope="module")
def target() -> Iterator[SandboxInfo]:
    with SandboxProcess.start() as process:
        yield process.info


def doctor(tmp_path: Path, info: SandboxInfo, **overrides: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "target.env"
    env_file.write_text(env_text(info.env_block(), **overrides))
    return run_harness(tmp_path, None, "doctor", "--env-file", str(env_file), timeout=120)


def test_all_well(tmp_path, target):
    result = doctor(tmp_path, target)
    assert result.returncode == 0, result.stdout
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["ok"] * 11
    assert "ok    http login: " in result.stdout and "need no browser" in result.stdout
    assert "ok    oauth2: confidential client" in result.stdout and "ok    oauth2 consent: " in result.stdout


def test_a_wrong_oauth2_secret_is_named(tmp_path, target):
    result = doctor(tmp_path, target, CAL_OAUTH2_CLIENT_SECRET="wrong-oauth2-secret")
    assert result.returncode == 1, result.stdout
    assert "FAIL  oauth2: " in result.stdout and "CAL_OAUTH2_CLIENT_SECRET is wrong" in result.stdout
    assert "wrong-oauth2-secret" not in result.stdout + result.stderr


def test_http_login_unavailable_is_a_note_not_a_failure(monkeypatch, target):
    """A deployment whose login is not NextAuth's credentials endpoint: a note (the browser logs in instead)."""
    from e2e import doctor as doctor_module
    from e2e.http_login import HttpLoginUnavailable
    from e2e.settings import settings_from_sandbox

    def unavailable(*args, **kwargs):
        raise HttpLoginUnavailable("GET /api/auth/csrf answered HTTP 404 without a csrfToken")

    monkeypatch.setattr(doctor_module, "http_login", unavailable)
    line = doctor_module.check_http_login(settings_from_sandbox(target)).line()
    assert line.startswith("note  http login: unavailable (GET /api/auth/csrf answered HTTP 404"), line
    assert "-> fine: runs of API-level checks alone log in through the browser instead" in line


@pytest.mark.parametrize(
    "override, check, hint",
    [
        ({"E2E_USER_PASSWORD": "wrong-password"}, "http login", "E2E_USER_PASSWORD"),
        ({"CAL_CLIENT_SECRET": "wrong-secret"}, "client", "CAL_CLIENT_SECRET"),
        ({"CAL_CLIENT_ID": "no-such-client"}, "client", "CAL_CLIENT_ID"),
        ({"CAL_REDIRECT_URI": "https://unregistered.example/cb"}, "authorize", "CAL_REDIRECT_URI"),
    ],
    ids=["password", "secret", "client", "redirect"],
)
def test_names_what_is_wrong_and_what_to_do(tmp_path, target, override, check, hint):
    result = doctor(tmp_path, target, **override)
    assert result.returncode == 1, result.stdout
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL  {check}:") and hint in failed[0], result.stdout
    for secret in (target.client_secret, target.user_password, "wrong-secret", "wrong-password"):
        assert secret not in result.stdout + result.stderr


def test_unreachable_target_exits_3(tmp_path, target):
    url = f"http://127.0.0.1:{free_port()}"
    result = doctor(tmp_path, target, CAL_API_URL=url, CAL_WEB_URL=url)
    assert result.returncode == 3 and url in result.stdout and "Traceback" not in result.stderr


def test_configuration_error_exits_2(tmp_path, target):
    result = doctor(tmp_path, target, E2E_USER_ID="not-a-number")
    assert result.returncode == 2 and "E2E_USER_ID" in result.stdout


def test_a_user_with_two_factor_authentication_is_named(tmp_path, target):
    user = httpx.post(f"{target.api_url}/__sandbox/users", json={"twoFactor": True}, headers=admin_headers(target))
    user = user.json()
    result = doctor(tmp_path, target, E2E_USER_EMAIL=user["email"], E2E_USER_PASSWORD=user["password"])
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 1 and len(failed) == 1 and "two-factor" in failed[0], result.stdout


def test_e2e_users_who_cannot_log_in_are_named(tmp_path, target):
    user = httpx.post(f"{target.api_url}/__sandbox/users", json={}, headers=admin_headers(target)).json()
    good = f"{user['email']}:{user['password']}"
    result = doctor(tmp_path, target, E2E_USERS=f"{good};nobody@example.test:wrong-pass-1")
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 1 and len(failed) == 1, result.stdout
    assert failed[0].startswith("FAIL  E2E_USERS: nobody@example.test") and user["email"] not in failed[0]
    assert "wrong-pass-1" not in result.stdout + result.stderr
    assert "ok    E2E_USERS: each of its 1 test user(s) can log in" in doctor(tmp_path, target, E2E_USERS=good).stdout


def test_an_unregistered_oauth2_redirect_uri_is_named(tmp_path, target):
    result = doctor(tmp_path, target, CAL_OAUTH2_REDIRECT_URI="https://booking-app.example/not-registered")
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 1 and len(failed) == 1, result.stdout
    assert failed[0].startswith("FAIL  oauth2 consent: the consent page says") and "does not match" in failed[0]
