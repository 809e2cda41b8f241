from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from playwright.sync_api import Page

from .selectors import Selectors


log = logging.getLogger("e2e.pages")


class LoginPage:
    """GET {web}/auth/login?callbackUrl=...: "Welcome back", email, password, submit."""

    PATH = "/auth/login"

    def __init__(self, page: Page, web_url: str, selectors: Selectors = Selectors()) -> None:
        self.page = page
        self.web_url = web_url.rstrip("/")
        self.heading = page.get_by_role("heading", name=selectors.login_heading)
        self.form = page.locator(selectors.login_form)
        self.email = self.form.locator(selectors.email_input)
        self.password = self.form.locator(selectors.password_input)
        self.submit = self.form.locator(selectors.submit_button)
        self.error = page.get_by_text(re.compile(re.escape(selectors.login_error_text), re.IGNORECASE))

    def url(self, callback_url: str | None = None) -> str:
        query = f"?{urlencode({'callbackUrl': callback_url})}" if callback_url else ""
        return f"{self.web_url}{self.PATH}{query}"

    def open(self, callback_url: str | None = None) -> None:
        log.info("login page: open %s", self.url())
        # the form's own visibility is the signal; no need to wait for every subresource's load event
        self.page.goto(self.url(callback_url), wait_until="domcontentloaded")
        self.wait_until_loaded()

    def wait_until_loaded(self) -> None:
        self.form.wait_for(state="visible")

    def is_current(self) -> bool:
        return self.page.url.split("?")[0].endswith(self.PATH)

    def login(self, email: str, password: str) -> None:
        log.info("login page: sign in as %s", email)
        self.email.fill(email)
        self.password.fill(password)
        self.submit.click()
