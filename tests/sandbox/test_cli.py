"""`python -m e2e.sandbox`: the .env block, --env-file, personas and faults, the two origins (and ::1), a clear
error for a taken port, and no sandbox left running when the harness that started it is killed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from e2e.sandbox.faults import FAULTS
from e2e.sandbox.launcher import SandboxProcess
from e2e.sandbox.personas import CALCOM_VERSION, QUIRKS
from e2e.settings import CONTRACT_VARIABLES as VARIABLES
from e2e.settings import OAUTH2_VARIABLES

# the OAuth2 provider's client, printed after the contract's variables
OAUTH2_PRINTED = [
    "CAL_OAUTH2_CLIENT_ID",
    "CAL_OAUTH2_CLIENT_SECRET",
    "CAL_OAUTH2_REDIRECT_URI",
    "CAL_OAUTH2_OTHER_REDIRECT_URI",
    "CAL_OAUTH2_SCOPES",
]

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "e2e.sandbox", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    return process.communicate(timeout=10)


def test_prints_one_line_per_contract_variable():
    process = start()
    assert process.stdout is not None  # a pipe (start)
    lines = [process.stdout.readline().strip() for _ in [*VARIABLES, *OAUTH2_PRINTED]]
    stop(process)
    names = [line.split("=", 1)[0] for line in lines]
    assert names == [*VARIABLES, *OAUTH2_PRINTED] and set(OAUTH2_PRINTED) <= set(OAUTH2_VARIABLES)
    assert all(line.split("=", 1)[1] for line in lines)


def test_env_file_receives_the_block_and_it_configures_the_harness(tmp_path):
    env_file = tmp_path / "sandbox.env"
    process = start("--env-file", str(env_file))
    deadline = time.monotonic() + 15
    while not env_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    out, err = stop(process)
    values = dotenv_values(env_file)
    assert set(values) == {*VARIABLES, *OAUTH2_PRINTED}
    oauth2_secret, secret = values["CAL_OAUTH2_CLIENT_SECRET"], values["CAL_CLIENT_SECRET"]
    api_url, web_url = values["CAL_API_URL"], values["CAL_WEB_URL"]
    assert oauth2_secret is not None and secret is not None, "a secret without a value"
    assert api_url is not None and web_url is not None, "a URL without a value"
    assert oauth2_secret not in out
    assert secret not in out  # written to the file, not printed
    assert api_url.startswith("http://localhost:")
    assert web_url.startswith("http://localhost:") and web_url != api_url
    assert "persona calcom, imitating " + CALCOM_VERSION in err


def test_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "e2e.sandbox", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


ORPHANING_PARENT = """
import json, sys, time
from e2e.sandbox.launcher import SandboxProcess
sandbox = SandboxProcess.start()
info = {"pid": sandbox.process.pid, "url": sandbox.info.api_url, "dir": str(sandbox.throwaway_dir)}
print(json.dumps(info), flush=True)
time.sleep(600)
"""


def test_a_sandbox_whose_parent_is_killed_stops_and_cleans_up():
    """A killed harness (SIGKILL, a cancelled CI job) must not leave its sandbox holding a port forever."""
    parent = subprocess.Popen([sys.executable, "-c", ORPHANING_PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None  # a pipe
    try:
        started = json.loads(parent.stdout.readline())
        assert httpx.get(started["url"] + "/openapi.json").status_code == 200
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(started["pid"]):
        time.sleep(0.05)
    assert not _alive(started["pid"]), "the orphaned sandbox is still running"
    with pytest.raises(httpx.ConnectError):
        httpx.get(started["url"] + "/openapi.json")
    assert not Path(started["dir"]).exists(), "the orphaned sandbox left its database behind"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; it only waits for init to reap it
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "e2e.sandbox", *args], cwd=ROOT, capture_output=True, text=True, timeout=20
    )


def test_help_names_the_cal_com_version_the_default_persona_imitates():
    out = " ".join(run("--help").stdout.split())
    assert "Cal.com API v2 and web app, upstream main of 2025-05-12 (commit 2dbbdc21)" in out
    assert "--persona {calcom,reference}" in out


def test_list_personas_prints_each_quirk_with_its_description():
    out = run("--list-personas").stdout
    assert out.startswith("calcom: ") and "\nreference: " in out
    for quirk in QUIRKS.values():
        assert f"  {quirk.name}: {quirk.description}" in out


def test_list_faults_says_which_apply_to_the_reference_persona_only():
    lines = run("--list-faults").stdout.splitlines()
    assert len(lines) == len(FAULTS)
    state = next(line for line in lines if line.startswith("state-dropped "))
    assert "breaks advisory.state_round_trip" in state and state.endswith("[reference only]")
    assert not next(line for line in lines if line.startswith("redirect-307 ")).endswith("only]")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--fault", "consent-anonymous-client"],
            "fault consent-anonymous-client does not apply to the calcom persona",
        ),
        (["--persona", "calcom", "--fault", "exchange-missing-bearer-401"], "does not apply to the calcom persona"),
        (["--persona", "reference", "--fault", "no-such-fault"], "unknown fault no-such-fault"),
        (
            ["--persona", "reference", "--fault", "redirect-case-folding", "--fault", "wildcard-ignored"],
            "faults redirect-case-folding and wildcard-ignored both change the step redirect_allowed",
        ),
        (["--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_refuses_what_cannot_be_started(args, message):
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_reference_only_fault_starts_on_the_reference_persona():
    with SandboxProcess.start(["--persona", "reference", "--fault", "consent-anonymous-client"]) as process:
        assert process.info.persona == "reference" and process.info.imitates == ""


def test_the_json_line_names_both_origins_and_the_persona():
    with SandboxProcess.start() as process:
        info = process.info
    assert (info.persona, info.imitates) == ("calcom", CALCOM_VERSION)
    assert info.api_url.startswith("http://localhost:") and info.web_url.startswith("http://localhost:")
    assert info.api_url != info.web_url
    assert f"CAL_WEB_URL={info.web_url}\n" in info.env_block()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    "family, host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")], ids=["ipv4", "ipv6"]
)
def test_both_origins_listen_on_every_loopback_localhost_may_resolve_to(own_sandbox, family, host):
    if family == socket.AF_INET6 and not _ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    for url in (own_sandbox.api_url, own_sandbox.web_url):
        with socket.create_connection((host, httpx.URL(url).port), timeout=5):
            pass


def test_the_single_layout_serves_everything_from_one_port_of_127_0_0_1(single_sandbox):
    assert single_sandbox.api_url == single_sandbox.web_url
    assert single_sandbox.api_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=single_sandbox.api_url) as http:
        assert http.get("/auth/login").status_code == 200
        assert http.get("/api/auth/csrf").status_code == 200
        assert http.get("/openapi.json").status_code == 200
        assert http.post("/auth/login").status_code == 405
