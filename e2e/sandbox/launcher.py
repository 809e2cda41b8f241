"""Starts the sandbox in its own process and reads what it hands out."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .info import SandboxInfo

PACKAGE_PARENT = Path(__file__).resolve().parents[2]


class SandboxStartError(RuntimeError):
    pass


class SandboxProcess:
    def __init__(self, process: subprocess.Popen, info: SandboxInfo, stderr_path: Path) -> None:
        self.process = process
        self.info = info
        self.stderr_path = stderr_path

    @classmethod
    def start(cls, extra_args: list[str] | None = None, timeout: float = 20.0) -> "SandboxProcess":
        stderr_file = tempfile.NamedTemporaryFile(prefix="calcom-sandbox-", suffix=".log", delete=False)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(
            [sys.executable, "-m", "e2e.sandbox", "--json", *(extra_args or [])],
            stdout=subprocess.PIPE, stderr=stderr_file, stdin=subprocess.DEVNULL, text=True, env=env,
        )
        stderr_file.close()
        line = _read_line(process, timeout)
        if not line:
            process.kill()
            process.wait()
            log = Path(stderr_file.name).read_text(errors="replace").strip().splitlines()[-5:]
            raise SandboxStartError(
                f"the embedded sandbox did not start within {timeout:.0f}s (exit status {process.returncode}): "
                + (" | ".join(log) or "no output")
            )
        raw = json.loads(line)
        raw["extra_redirect_uris"] = tuple(raw.get("extra_redirect_uris", ()))
        return cls(process, SandboxInfo(**raw), Path(stderr_file.name))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.stderr_path.unlink(missing_ok=True)

    def __enter__(self) -> "SandboxProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""
