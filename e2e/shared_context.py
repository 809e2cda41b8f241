"""One browser context per worker, and a fresh page for each test.

A new context costs a renderer start (~0.2 s); a new page in a live context ~0.08 s. Each test still starts
clean: the context's cookies are reset to the test's own (none, or the session's), and routes added during
the test are removed.
Artifacts stay per test, as pytest-playwright's options ask: a trace chunk per test (`--tracing`), a
screenshot (`--screenshot`), the page's video (`--video`), and on failure the page HTML with secrets masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from .secrets_mask import Redactor


@dataclass(frozen=True)
class ArtifactOptions:
    tracing: str = "off"  # on, off, retain-on-failure
    screenshot: str = "off"  # on, off, only-on-failure
    video: str = "off"  # on, off, retain-on-failure
    full_page_screenshot: bool = False

    def keep(self, option: str, failed: bool) -> bool:
        return option == "on" or (failed and option in ("retain-on-failure", "only-on-failure"))


class SharedContext:
    def __init__(self, context: BrowserContext, options: ArtifactOptions, keeper_url: str,
                 timeout_ms: float = 15_000) -> None:
        self.context = context
        self.options = options
        self.timeout_ms = timeout_ms
        self.keeper_url = keeper_url
        self.keeper: Page | None = None
        if options.tracing != "off":
            context.tracing.start(screenshots=False, snapshots=True, sources=False)

    def open_page(self, title: str, cookies: list[dict] | None = None, keep_warm: bool = True) -> Page:
        if keep_warm and self.keeper is None:
            # A page kept open on the site keeps its renderer process alive, so each test's new page starts in
            # ~0.08 s instead of ~0.2 s. Any same-site URL will do; an error page too.
            self.keeper = self.context.new_page()
            _attempt(lambda: self.keeper.goto(self.keeper_url, timeout=self.timeout_ms))
        self.context.clear_cookies()
        if cookies:
            self.context.add_cookies(cookies)
        if self.options.tracing != "off":
            self.context.tracing.start_chunk(title=title)
        page = self.context.new_page()
        page.set_default_timeout(self.timeout_ms)
        page.set_default_navigation_timeout(self.timeout_ms)
        return page

    def close_page(self, page: Page, failed: bool, folder: Path, redactor: Redactor) -> None:
        """Keeps what the options ask for in folder, then closes the page and drops the test's routes."""
        if not page.is_closed():
            if failed:
                _write(folder / "page-1.html", lambda: redactor.mask(page.content()))
            if self.options.keep(self.options.screenshot, failed):
                name = "test-failed-1.png" if failed else "test-finished-1.png"
                _attempt(lambda: page.screenshot(path=folder / name, full_page=self.options.full_page_screenshot))
        if self.options.tracing != "off":
            keep = self.options.keep(self.options.tracing, failed)
            self.context.tracing.stop_chunk(path=folder / "trace.zip" if keep else None)
        video = page.video
        _attempt(page.close)
        if video is not None:
            if self.options.keep(self.options.video, failed):
                _attempt(lambda: video.save_as(folder / "video.webm"))
            _attempt(video.delete)
        _attempt(lambda: self.context.unroute_all(behavior="ignoreErrors"))

    def close(self) -> None:
        if self.options.tracing != "off":
            _attempt(self.context.tracing.stop)
        _attempt(self.context.close)


def _attempt(action) -> None:
    try:
        action()
    except PlaywrightError:
        pass  # the page or browser is already gone; nothing left to keep


def _write(path: Path, content) -> None:
    try:
        text = content()
    except PlaywrightError:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
