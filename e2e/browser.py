"""Finds a Chromium to launch: Playwright's own where installed, else the system's (e.g. Debian's)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Without these, Chromium phones home at start; on a closed network that means a burst of refused connections.
QUIET_CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
SYSTEM_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def bundled_chromium(executable_path: str) -> bool:
    return bool(executable_path) and Path(executable_path).exists()


def system_chromium() -> str | None:
    for name in SYSTEM_CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_launch_overrides(
    bundled_executable: str, channel: str | None, running_as_root: bool, ws_endpoint: str | None = None
) -> dict[str, Any]:
    """Launch arguments to add to pytest-playwright's: quiet flags, and an executable when needed.

    A channel (--browser-channel) or Playwright's own Chromium needs no executable_path; nor does a Playwright
    server on another machine, which has its own browsers (one on this machine sees the same files).
    """
    args = list(QUIET_CHROMIUM_ARGS)
    if running_as_root:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    overrides: dict[str, Any] = {"args": args}
    remote_machine = ws_endpoint is not None and urlsplit(ws_endpoint).hostname not in ("127.0.0.1", "localhost", "::1")
    if channel or remote_machine or bundled_chromium(bundled_executable):
        return overrides
    system = system_chromium()
    if system is None:
        raise BrowserNotFound(
            "no Chromium found: run `playwright install chromium`, or install the system package "
            "(Debian/Ubuntu: apt-get install chromium)"
        )
    overrides["executable_path"] = system
    return overrides


class BrowserNotFound(RuntimeError):
    pass
