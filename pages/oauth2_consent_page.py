"""Cal.com's OAuth 2.0 provider consent page (CONTRACT §6.1)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from playwright.sync_api import Locator, Page

from .selectors import Selectors

log = logging.getLogger(__name__)


class OAuth2ConsentPage:
    """GET {web}/auth/oauth2/authorize?client_id&redirect_uri&state&scope&code_challenge&code_challenge_method:
    Cal.com's OAuth 2.0 provider consent page ("Sign in with Cal.com"). It names the client and the permissions
    asked for; Allow and Go back leave for the redirect URI. Its errors render in the page."""

    PATH = "/auth/oauth2/authorize"

    def __init__(self, page: Page, web_url: str, selectors: Selectors = Selectors()) -> None:
        self.page = page
        self.web_url = web_url.rstrip("/")
        self.allow_button = page.locator(selectors.oauth2_allow_button)
        self.go_back_button = page.locator(selectors.oauth2_go_back_button)
        self.scope_permissions = page.locator(selectors.oauth2_scope_permissions)
        self.legacy_permissions = page.locator(selectors.oauth2_legacy_permissions)
        self.signed_in_user = page.locator(selectors.oauth2_signed_in_user)
        self.heading = page.locator("h1").first

    def url(self, params: dict[str, str]) -> str:
        return f"{self.web_url}{self.PATH}?{urlencode(params)}"

    def open(self, params: dict[str, str]) -> None:
        """Navigates only: without a session the page sends the browser to the login page."""
        log.info("oauth2 consent page: open for client %s", params.get("client_id"))
        self.page.goto(self.url(params), wait_until="domcontentloaded")

    def wait_until_loaded(self, timeout_ms: float | None = None) -> None:
        self.allow_button.wait_for(state="visible", timeout=timeout_ms)

    def heading_text(self) -> str:
        return self.heading.inner_text() if self.heading.count() else ""

    def permission_lines(self, permissions: Locator) -> list[str]:
        """The lines of a permission list as shown (its category headers included), [] when it is not there."""
        return [line.strip() for text in permissions.all_inner_texts() for line in text.splitlines() if line.strip()]

    def text_shown(self, text: str) -> Locator:
        return self.page.get_by_text(text, exact=False)

    def allow(self) -> None:
        log.info("oauth2 consent page: click Allow")
        self.allow_button.click()

    def go_back(self) -> None:
        log.info("oauth2 consent page: click Go back")
        self.go_back_button.click()
