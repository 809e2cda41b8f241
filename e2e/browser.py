"""Finds a Chromium to launch: Playwright's own where installed, else the system's (e.g. Debian's)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

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


def chromium_launch_overrides(bundled_executable: str, channel: str | None, running_as_root: bool) -> dict[str, Any]:
    """Launch arguments to add to pytest-playwright's: quiet flags, and an executable when needed.

    A channel (--browser-channel) or Playwright's own Chromium needs no executable_path.
    """
    args = list(QUIET_CHROMIUM_ARGS)
    if running_as_root:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    overrides: dict[str, Any] = {"args": args}
    if channel or bundled_chromium(bundled_executable):
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
