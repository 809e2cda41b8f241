"""Running the harness as a user does, `python -m e2e`, for the self-tests: from its own folder, with its own state
folder, and with no target but the one the test gives (the shell's CAL_*/E2E_* variables never leak in)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from e2e.settings import VARIABLES


def run_harness(
    tmp_path: Path, env_text: str, *args: str, timeout: int = 600, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`python -m e2e --env-file <env_text> --output tmp_path/out ARGS` from tmp_path."""
    env_file = tmp_path / "target.env"
    env_file.write_text(env_text)
    outer = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "NODE_COMPILE_CACHE"}
    env = {**outer, "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "e2e", "--env-file", str(env_file), "--output", str(tmp_path / "out"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def env_text(values: str, **overrides: str) -> str:
    """A .env block (as SandboxInfo.env_block() gives) with some variables replaced."""
    pairs = dict(line.split("=", 1) for line in values.splitlines() if "=" in line)
    return "".join(f"{k}={v}\n" for k, v in {**pairs, **overrides}.items())
