"""`python -m e2e.sandbox`: the .env block, --env-file, a clear error for a taken port, and no sandbox left
running when the harness that started it is killed."""

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

from e2e.settings import CONTRACT_VARIABLES as VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "e2e.sandbox", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.terminate()
    return process.communicate(timeout=10)


def test_prints_one_line_per_contract_variable():
    process = start()
    lines = [process.stdout.readline().strip() for _ in VARIABLES]
    stop(process)
    names = [line.split("=", 1)[0] for line in lines]
    assert names == list(VARIABLES)
    assert all(line.split("=", 1)[1] for line in lines)


def test_env_file_receives_the_block_and_it_configures_the_harness(tmp_path):
    env_file = tmp_path / "sandbox.env"
    process = start("--env-file", str(env_file))
    deadline = time.monotonic() + 15
    while not env_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    out, err = stop(process)
    values = dotenv_values(env_file)
    assert set(values) == set(VARIABLES)
    assert values["CAL_CLIENT_SECRET"] not in out  # written to the file, not printed
    assert values["CAL_API_URL"].startswith("http://127.0.0.1:")


def test_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "e2e.sandbox", "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


ORPHANING_PARENT = """
import json, sys, time
from e2e.sandbox.launcher import SandboxProcess
sandbox = SandboxProcess.start()
print(json.dumps({"pid": sandbox.process.pid, "url": sandbox.info.api_url, "dir": str(sandbox.throwaway_dir)}), flush=True)
time.sleep(600)
"""


def test_a_sandbox_whose_parent_is_killed_stops_and_cleans_up():
    """A killed harness (SIGKILL, a cancelled CI job) must not leave its sandbox holding a port forever."""
    parent = subprocess.Popen([sys.executable, "-c", ORPHANING_PARENT], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        started = json.loads(parent.stdout.readline())
        assert httpx.get(started["url"] + "/auth/login").status_code == 200
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(started["pid"]):
        time.sleep(0.05)
    assert not _alive(started["pid"]), "the orphaned sandbox is still running"
    with pytest.raises(httpx.ConnectError):
        httpx.get(started["url"] + "/auth/login")
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
