"""Finds a Chromium to launch: Playwright's own where installed, else the system's (e.g. Debian's); and says
the launch options in a Playwright server's names."""

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


# A Playwright server reads launch options in its own (camelCase) names; pytest-playwright has Python's. It takes
# args and executablePath only when started with --unsafe, so those go only to a server on this machine.
SAFE_LAUNCH_OPTIONS = {
    "headless": "headless",
    "channel": "channel",
    "chromium_sandbox": "chromiumSandbox",
    "timeout": "timeout",
}
UNSAFE_LAUNCH_OPTIONS = {"executable_path": "executablePath", "args": "args"}


def server_launch_options(launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments as a Playwright server takes them (its x-playwright-launch-options
    header). An executable_path among them means a browser of this machine, so a server on this machine."""
    same_machine = "executable_path" in launch_args
    allowed = {**SAFE_LAUNCH_OPTIONS, **(UNSAFE_LAUNCH_OPTIONS if same_machine else {})}
    return {allowed[k]: v for k, v in launch_args.items() if k in allowed}


class BrowserNotFound(RuntimeError):
    pass
