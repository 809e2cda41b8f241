"""Starts the sandbox in its own process and reads what it hands out."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..paths import PACKAGE_PARENT
from .info import SandboxInfo


class SandboxStartError(RuntimeError):
    pass


class SandboxProcess:
    """One sandbox process, from spawn to stop: spawn() starts it and returns at once, ready() waits for what it
    hands out (its info), stop() ends it and removes what it leaves; start() is spawn() then ready()."""

    def __init__(self, process: subprocess.Popen, stderr_path: Path, throwaway_dir: Path | None = None) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.throwaway_dir = throwaway_dir
        self._info: SandboxInfo | None = None

    @classmethod
    def start(cls, extra_args: list[str] | None = None, timeout: float = 20.0) -> SandboxProcess:
        return cls.spawn(extra_args).ready(timeout)

    @classmethod
    def spawn(cls, extra_args: list[str] | None = None) -> SandboxProcess:
        """Starts the process and returns at once; .ready() waits for it (so the start overlaps other work)."""
        extra_args = list(extra_args or [])
        throwaway_dir = None
        if "--db" not in extra_args:
            # the database is ours to delete, so stop() may kill the server outright instead of waiting for it
            throwaway_dir = Path(tempfile.mkdtemp(prefix="calcom-sandbox-"))
            extra_args += ["--db", str(throwaway_dir / "sandbox.sqlite3"), "--throwaway-db"]
        # delete=False: the log outlives this handle (the child holds its own); closed once the child has it
        with tempfile.NamedTemporaryFile(prefix="calcom-sandbox-", suffix=".log", delete=False) as stderr_file:
            # cwd: `python -m e2e.sandbox` finds this package from a checkout even when it is not installed
            # stdin: a pipe only we hold; should we die without stopping the sandbox, it closes and the sandbox exits
            process = subprocess.Popen(
                [sys.executable, "-m", "e2e.sandbox", "--json", "--exit-with-parent", *extra_args],
                cwd=PACKAGE_PARENT,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                stdin=subprocess.PIPE,
                text=True,
            )
        return cls(process, Path(stderr_file.name), throwaway_dir)

    def ready(self, timeout: float = 20.0) -> SandboxProcess:
        """Waits for the sandbox's info (its first line on stdout); raises SandboxStartError if none comes."""
        if self._info is not None:
            return self
        line = _read_line(self.process, timeout)
        if not line:
            self.process.kill()
            self.process.wait()
            log = self.stderr_path.read_text(errors="replace").strip().splitlines()[-5:]
            _release(self.process, self.stderr_path, self.throwaway_dir)
            raise SandboxStartError(
                f"the embedded sandbox did not start within {timeout:.0f}s (exit status {self.process.returncode}): "
                + (" | ".join(log) or "no output")
            )
        raw = json.loads(line)
        raw["extra_redirect_uris"] = tuple(raw.get("extra_redirect_uris", ()))
        self._info = SandboxInfo(**raw)
        return self

    @property
    def info(self) -> SandboxInfo:
        """What the sandbox handed out at start; only once ready() has returned."""
        if self._info is None:
            raise RuntimeError("the sandbox is not ready yet: call ready() first")
        return self._info

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.throwaway_dir is not None or self._info is None:
                # nothing to keep (a throwaway database, or a sandbox that never finished starting): no need for a
                # graceful shutdown (~0.2 s)
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _release(self.process, self.stderr_path, self.throwaway_dir)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _release(process: subprocess.Popen, stderr_path: Path, throwaway_dir: Path | None) -> None:
    """What a stopped sandbox leaves to its starter: its pipes, its log file, its throwaway database."""
    for pipe in (process.stdout, process.stdin):
        if pipe:
            pipe.close()
    stderr_path.unlink(missing_ok=True)
    if throwaway_dir is not None:
        shutil.rmtree(throwaway_dir, ignore_errors=True)


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    assert stdout is not None, "the sandbox is spawned with stdout=PIPE"
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""
