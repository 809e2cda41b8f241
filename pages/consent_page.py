"""Cal.com's platform OAuth consent page (CONTRACT §2)."""

from __future__ import annotations

import logging
from fnmatch import fnmatch
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Locator, Page

from .redirect_catcher import AUTHORIZE_PATH
from .selectors import Selectors

log = logging.getLogger(__name__)


class ConsentPage:
    """GET {web}/auth/platform/authorize?client_id&redirect_uri&state: names the client, Allow / Go back."""

    PATH = "/auth/platform/authorize"

    def __init__(self, page: Page, web_url: str, selectors: Selectors = Selectors()) -> None:
        self.page = page
        self.web_url = web_url.rstrip("/")
        self.allow_button = page.locator(selectors.allow_button)
        self.deny_button = page.locator(selectors.deny_button)
        self.heading = page.get_by_role("heading").first  # where a consent page names the client
        self.permissions = page.get_by_role("listitem")  # the permissions the client asks for, one item each

    def url(self, client_id: str, redirect_uri: str, state: str | None = None) -> str:
        params = {"client_id": client_id, "redirect_uri": redirect_uri}
        if state is not None:
            params["state"] = state
        return f"{self.web_url}{self.PATH}?{urlencode(params)}"

    def open(self, client_id: str, redirect_uri: str, state: str | None = None) -> None:
        """Navigates only: without a session the site answers with the login page instead."""
        log.info("consent page: open for client %s", client_id)
        self.page.goto(self.url(client_id, redirect_uri, state), wait_until="domcontentloaded")

    def wait_until_loaded(self, timeout_ms: float | None = None) -> None:
        self.allow_button.wait_for(state="visible", timeout=timeout_ms)

    def wait_until_left(self, timeout_ms: float | None = None) -> None:
        """Waits until the browser has settled off this page: neither on it nor on the authorize endpoint on the
        way to the redirect URI (after Allow or Go back)."""

        def settled(url: str) -> bool:
            path = urlsplit(url).path
            return path != self.PATH and not fnmatch(path, AUTHORIZE_PATH)

        self.page.wait_for_url(settled, wait_until="commit", timeout=timeout_ms)

    def heading_text(self) -> str:
        """The page's first heading, as shown (where a consent page names the client)."""
        return self.heading.inner_text() if self.heading.count() else ""

    def text_shown(self, text: str) -> Locator:
        return self.page.get_by_text(text, exact=False)

    def allow(self) -> None:
        log.info("consent page: click Allow")
        self.allow_button.click()

    def go_back(self) -> None:
        log.info("consent page: click Go back")
        self.deny_button.click()
