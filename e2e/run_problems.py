"""What stops a run, said in one line before anything starts (or as it happens): a target that does not answer,
an output that cannot be written, a rule id that names no rule, a --video without Playwright's ffmpeg, and a
connection to the target lost during the run. `calcom-e2e` and the suite plugin both ask here."""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REACHABILITY_TIMEOUT_S = 10.0


def unreachable(url: str) -> str | None:
    """None when url answers HTTP at all; else one line saying what went wrong."""
    from urllib.request import getproxies, proxy_bypass  # ~20 ms of imports: only when the probe runs

    parts = urlsplit(url)
    if parts.scheme in getproxies() and not proxy_bypass(parts.hostname or ""):
        return None  # reached through a proxy, which this direct probe cannot use; httpx honours it and says
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.netloc, timeout=REACHABILITY_TIMEOUT_S)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse()
    except TimeoutError:
        return f"{url} did not answer within {REACHABILITY_TIMEOUT_S:.0f}s"
    except (OSError, http.client.HTTPException) as error:
        return f"{url}: {type(error).__name__}: {error}"
    finally:
        connection.close()
    return None


# --- what stops a run before it starts, found from its options (the plugin's pytest_configure asks) ------------
def run_problem(config: pytest.Config, browser_ws_endpoint: str | None) -> str | None:
    """One line, 'usage error: ...' or 'configuration error: ...', for options the run cannot work with; or None."""
    from .checks.rules import UnknownRule, select_rules

    try:
        select_rules(config.getoption("rules", None) or [])
    except UnknownRule as error:
        return f"usage error: {error}"
    output = Path(config.invocation_params.dir, config.getoption("output", None) or "test-results")
    why = cannot_write(output, folder=True)
    if why:
        return f"configuration error: --output {output}: cannot write there: {why}"
    checks_json = config.getoption("checks_json", None)
    if checks_json is not None:
        path = Path(config.invocation_params.dir, checks_json)
        why = cannot_write(path, folder=False)
        if why:
            return f"configuration error: --checks-json {path}: cannot write there: {why}"
    video = config.getoption("video", None) or "off"
    remote_browser = browser_ws_endpoint is not None and urlsplit(browser_ws_endpoint).hostname not in (
        "127.0.0.1",
        "localhost",
        "::1",
    )
    if video != "off" and not remote_browser:  # a Playwright server on another machine has its own ffmpeg
        ffmpeg = ffmpeg_executable()
        if not (ffmpeg.is_file() and os.access(ffmpeg, os.X_OK)):
            return (
                f"configuration error: --video {video} needs Playwright's ffmpeg, which is not at {ffmpeg}: "
                "run `playwright install ffmpeg`, or leave --video off"
            )
    return None


def cannot_write(path: Path, folder: bool) -> str | None:
    """None when the run can write path (a folder to fill, or a file), the folders missing on the way included;
    else why not. Tried (a probe file in the nearest existing folder), not inferred from permissions: root may
    write anywhere but to a read-only file system. Creates nothing, leaves nothing behind."""
    path = Path(os.path.abspath(path))
    if path.is_dir() != folder and path.exists():
        return "a file, not a folder" if folder else "a folder, not a file"
    if not folder and path.exists():
        try:
            with open(path, "a"):  # opens for writing, changes nothing
                pass
        except OSError as error:
            return f"{type(error).__name__}: {error.strerror}"
        return None
    existing = path if folder else path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        handle, probe = tempfile.mkstemp(prefix=".calcom-e2e-probe-", dir=existing)
    except OSError as error:
        return f"{type(error).__name__}: {error.strerror} ({existing})"
    os.close(handle)
    os.unlink(probe)
    return None


def ffmpeg_executable() -> Path:
    """Where Playwright's driver looks for its ffmpeg (needed to record video): in its browser registry,
    $PLAYWRIGHT_BROWSERS_PATH or the user cache's ms-playwright (0: inside the package), in the folder of the
    revision its browsers.json names, as its registry (playwright/driver/package/lib) computes it."""
    import playwright

    package = Path(playwright.__file__).parent / "driver" / "package"
    browsers = json.loads((package / "browsers.json").read_text())["browsers"]
    revision = next(b["revision"] for b in browsers if b["name"] == "ffmpeg")
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        registry = package / ".local-browsers"
    elif configured:
        registry = Path(os.environ.get("INIT_CWD") or os.getcwd(), configured)  # an absolute path stays as is
    elif sys.platform == "darwin":
        registry = Path.home() / "Library" / "Caches" / "ms-playwright"
    elif sys.platform == "win32":
        registry = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ms-playwright"
    else:
        registry = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"
    name = {"darwin": "ffmpeg-mac", "win32": "ffmpeg-win64.exe"}.get(sys.platform, "ffmpeg-linux")
    return registry / f"ffmpeg-{revision}" / name


# --- a target that goes away during the run (the plugin's report hook asks) ----------------------------------
REFUSED_IN_BROWSER = re.compile(r"\b(net::ERR_CONNECTION_REFUSED|NS_ERROR_CONNECTION_REFUSED) at (\S+)")


def target_connection_failure(error: BaseException, targets: dict[str, str]) -> str | None:
    """'<name> <url>: <what>' when error, or an error it was raised from, is a connection that one of targets
    (name -> URL) refused or never accepted: an httpx ConnectError or ConnectTimeout, or a browser's
    net::ERR_CONNECTION_REFUSED (also where a check quotes it). None otherwise, also for a refused connection
    elsewhere (a redirect URI nothing serves)."""
    import httpx

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        url, what = None, ""
        if isinstance(current, (httpx.ConnectError, httpx.ConnectTimeout)):
            try:
                url = str(current.request.url)
            except RuntimeError:  # raised without its request
                url = None
            what = f"{type(current).__name__}: {str(current).splitlines()[0] if str(current) else 'no connection'}"
        else:
            found = REFUSED_IN_BROWSER.search(str(current))
            if found:
                url, what = found.group(2), found.group(1)
        if url is not None:
            for name, target in targets.items():
                if _origin(url) == _origin(target):
                    return f"{name} {target}: {what}"
        current = current.__cause__ or current.__context__
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default_port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port
