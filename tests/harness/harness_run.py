"""Helpers of the harness's self-tests. `run_harness` runs the harness as a user does, `python -m e2e`: from its own
folder, with its own state folder, and with no target but the one the test gives (the shell's CAL_*/E2E_* variables
never leak in: `clean_env`). `free_port` is a port nothing listens on; `admin_headers` opens the sandbox's admin API.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from e2e.sandbox.admin_api import ADMIN_KEY_HEADER
from e2e.sandbox.info import SandboxInfo
from e2e.settings import VARIABLES


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the target's variables, nor Node's compile cache (a child run keeps its
    own under its state folder), plus `extra`."""
    outer = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "NODE_COMPILE_CACHE"}
    return {**outer, **extra}


def run_harness(
    tmp_path: Path, env_text: str | None, *args: str, timeout: int = 600, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`python -m e2e --env-file <env_text> --output tmp_path/out ARGS` from tmp_path, its state under
    tmp_path/cache. env_text None: `python -m e2e ARGS` alone (the command finds its configuration, or is refused,
    as ARGS and tmp_path say)."""
    if env_text is None:
        command = [sys.executable, "-m", "e2e", *args]
    else:
        env_file = tmp_path / "target.env"
        env_file.write_text(env_text)
        command = [sys.executable, "-m", "e2e", "--env-file", str(env_file), "--output", str(tmp_path / "out"), *args]
    env = clean_env(**{"XDG_CACHE_HOME": str(tmp_path / "cache"), **(env_extra or {})})
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout)


def env_text(values: str, **overrides: str) -> str:
    """A .env block (as SandboxInfo.env_block() gives) with some variables replaced."""
    pairs = dict(line.split("=", 1) for line in values.splitlines() if "=" in line)
    return "".join(f"{k}={v}\n" for k, v in {**pairs, **overrides}.items())


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (free when asked; closed again at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_headers(info: SandboxInfo) -> dict[str, str]:
    """The header that opens the sandbox's admin (test-support) API."""
    return {ADMIN_KEY_HEADER: info.admin_key}
