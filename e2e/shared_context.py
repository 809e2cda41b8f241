"""One browser context per worker, and one page in it that every test reuses.

A new context costs a renderer start (~0.2 s); a new page and its close another ~0.13 s. So the worker's tests
share one page, and each still starts clean: when a test ends its routes are removed, and when the next one
starts the page is sent to about:blank (so nothing the last test loaded is still running) and the context's
cookies are reset to the test's own (none, or the session's). A run's last page is never blanked: nothing
follows it. Page event listeners a test adds with `page.on` would outlive it: remove them, or use the
`page.expect_*` context managers, which clean up after themselves. Video is recorded per page, so with
`--video` on each test gets a page of its own again.
Artifacts stay per test, as pytest-playwright's options ask: a trace chunk per test (`--tracing`), a
screenshot (`--screenshot`), the page's video (`--video`), and on failure the page HTML with secrets masked.
A trace chunk is masked as soon as it is saved (e2e/trace_scrub.py); one that cannot be masked is not kept.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, StorageStateCookie
from playwright.sync_api import Error as PlaywrightError

from .redaction import Redactor
from .trace_scrub import scrub_trace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArtifactOptions:
    tracing: str = "off"  # on, off, retain-on-failure
    screenshot: str = "off"  # on, off, only-on-failure
    video: str = "off"  # on, off, retain-on-failure
    full_page_screenshot: bool = False

    def keep(self, option: str, failed: bool) -> bool:
        return option == "on" or (failed and option in ("retain-on-failure", "only-on-failure"))


class SharedContext:
    def __init__(self, context: BrowserContext, options: ArtifactOptions, timeout_ms: float = 15_000) -> None:
        self.context = context
        self.options = options
        self.timeout_ms = timeout_ms
        self.reuse_page = options.video == "off"
        self.idle_page: Page | None = None
        if options.tracing != "off":
            context.tracing.start(screenshots=False, snapshots=True, sources=False)

    def open_page(self, title: str, cookies: Sequence[StorageStateCookie] | None = None) -> Page:
        page = self._blank_idle_page()
        self.context.clear_cookies()
        if cookies:
            # Playwright's stubs type storage_state()'s cookies (StorageStateCookie) apart from add_cookies'
            # parameter (SetCookieParam, not exported), though add_cookies takes them as they are
            self.context.add_cookies(cookies)  # type: ignore[arg-type]
        if self.options.tracing != "off":
            self.context.tracing.start_chunk(title=title)
        page = page or self.context.new_page()
        # a test may have changed them on the page it had
        page.set_default_timeout(self.timeout_ms)
        page.set_default_navigation_timeout(self.timeout_ms)
        return page

    def close_page(self, page: Page, failed: bool, folder: Path, redactor: Redactor) -> None:
        """Keeps what the options ask for in folder, drops the test's routes, and frees the page for the next."""
        if not page.is_closed():
            if failed:
                _write(folder / "page-1.html", lambda: redactor.mask(page.content()))
            if self.options.keep(self.options.screenshot, failed):
                name = "test-failed-1.png" if failed else "test-finished-1.png"
                _attempt(lambda: page.screenshot(path=folder / name, full_page=self.options.full_page_screenshot))
        if self.options.tracing != "off":
            keep = self.options.keep(self.options.tracing, failed)
            trace = folder / "trace.zip"
            self.context.tracing.stop_chunk(path=trace if keep else None)
            if keep:
                _save_masked(trace, redactor)
        _attempt(lambda: self.context.unroute_all(behavior="ignoreErrors"))
        if self.reuse_page and not page.is_closed():
            _attempt(lambda: page.unroute_all(behavior="ignoreErrors"))
            self.idle_page = page
            return
        video = page.video
        _attempt(page.close)
        if video is not None:
            if self.options.keep(self.options.video, failed):
                _attempt(lambda: video.save_as(folder / "video.webm"))
            _attempt(video.delete)

    def _blank_idle_page(self) -> Page | None:
        """The idle page, its document unloaded (before the next test's cookies are set), or None."""
        page, self.idle_page = self.idle_page, None
        if page is None or page.is_closed():
            return None
        try:
            page.goto("about:blank")
        except PlaywrightError:
            _attempt(page.close)
            return None
        return page


def _attempt(action: Callable[[], object]) -> None:
    with contextlib.suppress(PlaywrightError):  # the page or browser is already gone; nothing left to keep
        action()


def _save_masked(trace: Path, redactor: Redactor) -> None:
    """Masks the secrets in a trace just saved; a trace that cannot be masked is deleted, never kept as it was."""
    if not trace.exists():
        return
    try:
        scrub_trace(trace, redactor)
    except Exception as error:  # whatever went wrong, an unmasked trace must not stay
        trace.unlink(missing_ok=True)
        log.warning("trace %s not kept: masking its secrets failed (%s: %s)", trace, type(error).__name__, error)


def _write(path: Path, content: Callable[[], str]) -> None:
    try:
        text = content()
    except PlaywrightError:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
