"""Cal.com's login page (CONTRACT §2): its form, a login that waits for the page to take the submit over."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from .selectors import Selectors

log = logging.getLogger(__name__)

# Cal.com's login form has no method or action: until React has taken it over (hydration), a submit goes out
# natively as a GET, with the password in the URL (server logs, history, trace). This listener, on the window,
# runs after the page's own submit handlers: a GET submit of a password that nobody prevented is stopped here
# and counted. (A form that posts its password is a plain HTML login and goes ahead.)
NATIVE_SUBMIT_GUARD = """() => {
  if (window.__calcomE2eGuard) return;
  window.__calcomE2eGuard = true;
  window.__calcomE2eBlockedSubmits = 0;
  window.addEventListener('submit', (event) => {
    const form = event.target;
    const viaUrl = (form.getAttribute('method') || 'get').toLowerCase() === 'get';
    if (!event.defaultPrevented && viaUrl && form.querySelector('input[type=password]')) {
      event.preventDefault();
      window.__calcomE2eBlockedSubmits += 1;
    }
  });
}"""
BLOCKED_SUBMITS = "() => window.__calcomE2eBlockedSubmits || 0"
RETRY_INTERVAL_MS = 50
NAVIGATED = -1


class PageNotInteractive(RuntimeError):
    """The login form never took a submit over: clicking would have sent the password in the URL."""


class LoginPage:
    """GET {web}/auth/login?callbackUrl=...: the heading (either design), email, password, submit."""

    PATH = "/auth/login"

    def __init__(self, page: Page, web_url: str, selectors: Selectors = Selectors()) -> None:
        self.page = page
        self.web_url = web_url.rstrip("/")
        self.heading = page.get_by_role("heading", name=selectors.login_heading).or_(
            page.locator(selectors.login_subtitle)
        )
        self.form = page.locator(selectors.login_form)
        self.email = self.form.locator(selectors.email_input)
        self.password = self.form.locator(selectors.password_input)
        self.submit = self.form.locator(selectors.submit_button)
        self.error = page.locator(selectors.login_error).or_(
            page.get_by_text(re.compile(re.escape(selectors.login_error_text), re.IGNORECASE))
        )

    def url(self, callback_url: str | None = None) -> str:
        query = f"?{urlencode({'callbackUrl': callback_url})}" if callback_url else ""
        return f"{self.web_url}{self.PATH}{query}"

    def open(self, callback_url: str | None = None) -> None:
        log.info("login page: open %s", self.url())
        self.page.goto(self.url(callback_url), wait_until="domcontentloaded")
        self.wait_until_loaded()

    def wait_until_loaded(self) -> None:
        self.form.wait_for(state="visible")

    def is_current(self) -> bool:
        return self.page.url.split("?")[0].endswith(self.PATH)

    def login(self, email: str, password: str, timeout_ms: float = 15_000) -> None:
        """Fills the form and submits it once the page's script takes the submit over; never lets the browser
        submit it natively. Raises PageNotInteractive when the page does not take it over within timeout_ms."""
        log.info("login page: sign in as %s", email)
        waited = 0.0
        while True:
            self.page.evaluate(NATIVE_SUBMIT_GUARD)
            blocked = self._blocked_submits()
            self.email.fill(email)
            self.password.fill(password)
            self.submit.click()
            after = self._blocked_submits()
            if after in (blocked, NAVIGATED):  # the page's script took the submit over
                return
            if waited >= timeout_ms:
                raise PageNotInteractive(
                    f"the login form at {self.url()} did not take the submit over within {timeout_ms / 1000:.0f}s: "
                    "the browser would have submitted it natively, with the password in the URL; not submitted"
                )
            log.info("login page: not interactive yet (submit held back), trying again")
            self.page.wait_for_timeout(RETRY_INTERVAL_MS)
            waited += RETRY_INTERVAL_MS

    def _blocked_submits(self) -> int:
        try:
            return self.page.evaluate(BLOCKED_SUBMITS)
        except PlaywrightError:  # the page is already moving on: only the page's script can have sent it
            return NAVIGATED
