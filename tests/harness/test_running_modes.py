"""Ways of running the suite: parallel workers with a user each, a remote browser, and after a killed run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from e2e.client import OAuthApi
from e2e.flow import Authorizer, cookies_for
from e2e.http_login import http_login
from e2e.ledger import CodeLedger, journal_path
from e2e.redaction import Redactor
from e2e.sandbox.launcher import SandboxProcess
from e2e.settings import settings_from_sandbox
from tests.harness.harness_run import admin_headers, free_port, run_harness

VENV_BIN = Path(sys.executable).parent


def test_parallel_workers_against_a_remote_target_each_use_their_own_user(tmp_path):
    with SandboxProcess.start() as sandbox:
        info = sandbox.info
        users = [
            httpx.post(f"{info.api_url}/__sandbox/users", json={}, headers=admin_headers(info)).json() for _ in range(2)
        ]
        listing = ";".join(f"{u['email']}:{u['password']}" for u in users)
        # the API checks only: two workers, each with its own session flow and user, without the page checks'
        # load (this test itself runs beside others on two cores)
        result = run_harness(tmp_path, info.env_block() + f"E2E_USERS={listing}\n", "-n", "2", "-m", "api")
    # (with one shared user, two workers trip over each other's pending codes: most checks error)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 workers" in result.stdout
    for user in users:
        assert user["password"] not in result.stdout + result.stderr


def test_too_few_users_for_the_workers_is_a_configuration_error(tmp_path):
    with SandboxProcess.start() as sandbox:
        info = sandbox.info
        result = run_harness(
            tmp_path, info.env_block() + f"E2E_USERS={info.user_email}:{info.user_password}\n", "-n", "2", "--smoke"
        )
    assert result.returncode == 2, result.stdout[-2000:]
    assert "E2E_USERS lists 1 users but worker 2 needs one" in result.stdout + result.stderr


def test_browser_on_a_playwright_server(tmp_path):
    port = free_port()
    # --unsafe: the server must accept executablePath, for the system Chromium this machine has
    server = subprocess.Popen(
        [str(VENV_BIN / "playwright"), "run-server", "--port", str(port), "--host", "127.0.0.1", "--unsafe"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        with SandboxProcess.start() as sandbox:
            endpoint = f"E2E_BROWSER_WS_ENDPOINT=ws://127.0.0.1:{port}/\n"
            result = run_harness(tmp_path, sandbox.info.env_block() + endpoint, "--smoke")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the wrapper script and the node server it starts
        server.wait(timeout=10)
    assert result.returncode == 0, result.stdout[-3000:]


def test_unreachable_playwright_server_fails_the_browser_checks(tmp_path):
    with SandboxProcess.start() as sandbox:
        endpoint = f"E2E_BROWSER_WS_ENDPOINT=ws://127.0.0.1:{free_port()}/\n"
        result = run_harness(tmp_path, sandbox.info.env_block() + endpoint, "--smoke", timeout=300)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "ws://127.0.0.1" in result.stdout


@pytest.mark.parametrize("journal_kept", [True, False], ids=["recovered", "without-journal"])
def test_a_run_killed_holding_a_code_leaves_the_target_usable(tmp_path, journal_kept):
    """A code obtained but never exchanged (the run was killed) is exchanged by the next run's start."""
    with SandboxProcess.start() as sandbox:
        info = sandbox.info
        settings = settings_from_sandbox(info)
        journal = journal_path(tmp_path / "cache" / "calcom-e2e", info.api_url, info.client_id, info.user_email)
        session = cookies_for(
            {"cookies": http_login(info.web_url, info.user_email, info.user_password, 10)}, info.api_url
        )
        with httpx.Client(base_url=info.api_url) as http:
            api = OAuthApi(http)
            # what the killed run did: authorize, journal the code, and never reach its teardown
            Authorizer(api, settings, session, CodeLedger(api, journal), Redactor()).code()
            locked = api.o_auth_flow_controller_authorize_raw(
                info.client_id, None, session, json={"redirectUri": info.redirect_uri}
            )
            assert locked.status_code == 400, "the user should hold an unexchanged code now"
        if not journal_kept:
            journal.unlink()
        result = run_harness(tmp_path, info.env_block(), "--smoke")
    if journal_kept:
        assert result.returncode == 0, result.stdout[-3000:]
        assert not journal.exists()  # every code spent: no journal left behind
    else:
        # without a journal the harness cannot spend it: the preflight says so once and stops (configuration)
        assert result.returncode == 2 and "already authorized" in result.stdout


def test_web_target_that_never_answers_stops_the_run_in_bounded_time(tmp_path):
    """A server that accepts connections and never answers: the run stops, naming the URL, instead of hanging."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with SandboxProcess.start() as sandbox:
            result = run_harness(tmp_path, sandbox.info.env_block() + f"CAL_WEB_URL={url}\n", "--smoke", timeout=120)
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"{url} did not answer within 10s" in result.stderr


def test_api_checks_alone_start_no_browser(tmp_path):
    """`-m api` logs in over HTTP (NextAuth's credentials endpoint): with the only browser it could use
    unreachable, every API-level check still passes."""
    with SandboxProcess.start() as sandbox:
        endpoint = f"E2E_BROWSER_WS_ENDPOINT=ws://127.0.0.1:{free_port()}/\n"
        result = run_harness(tmp_path, sandbox.info.env_block() + endpoint, "-m", "api", "-v", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "HTTP login: " in result.stdout + result.stderr
    assert " 0 failed" in result.stdout and "browser start" not in (tmp_path / "out" / "summary.json").read_text()


def test_without_http_login_api_checks_log_in_through_the_browser(tmp_path):
    """A target without NextAuth's endpoints (here: the independently written server) still gets its API-level
    checks: the browser logs the user in instead, and the run says why."""
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "independent_server.py")], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None  # a pipe
    try:
        config = json.loads(server.stdout.readline())
        env_text = "".join(f"{k}={v}\n" for k, v in config.items())
        result = run_harness(tmp_path, env_text, "-m", "api and not sandbox_only", "-v", timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "HTTP login unavailable (GET /api/auth/csrf answered HTTP 404" in result.stdout + result.stderr
    assert "browser start" in (tmp_path / "out" / "summary.json").read_text()


def test_one_browser_and_one_login_per_run(tmp_path):
    """API-level and browser checks in one run share the session's one browser and its one real login."""
    with SandboxProcess.start() as sandbox:
        result = run_harness(tmp_path, sandbox.info.env_block(), "--smoke", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    phases = json.loads((tmp_path / "out" / "summary.json").read_text())["phases"]
    assert phases["browser start"]["count"] == 1 and phases["login"]["count"] == 1, phases
    # the Playwright driver was told where to keep Node's compile cache (a faster start next time)
    assert any((tmp_path / "cache" / "calcom-e2e" / "node-compile-cache").iterdir())


def test_the_browser_starts_before_the_run_waits_for_its_sandbox(tmp_path):
    """The embedded sandbox starts while the browser does: the browser is launched first."""
    result = run_harness(tmp_path, None, "--smoke", "-v", "--output", str(tmp_path / "out"), timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    lines = result.stdout.splitlines()
    started = next(i for i, line in enumerate(lines) if "browser: chromium" in line and "started" in line)
    ready = next(i for i, line in enumerate(lines) if "embedded sandbox: ready at http://" in line)
    assert started < ready, "\n".join(lines[min(started, ready) : max(started, ready) + 1])
