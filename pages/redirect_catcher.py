"""Catches the browser's redirects to the redirect URI, so that its host need not exist, and the codes they carry."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus, urljoin, urlsplit

from playwright.sync_api import BrowserContext, Page, Route

CAUGHT_PAGE = (
    "<!doctype html><title>Redirect caught</title>"
    "<p>calcom-oauth-e2e caught this redirect; the browser did not contact the redirect host.</p>"
)
AUTHORIZE_PATH = "/v2/oauth/*/authorize"
log = logging.getLogger(__name__)


def codes_in(url: str) -> list[str]:
    """Every `code` parameter in url, also one appended with a second '?' (Cal.com appends `?code=` even to a
    redirect URI that has a query): for bookkeeping, so that no code the user holds goes unexchanged. Whether the
    URL is well formed is for the checks to say."""
    return [unquote_plus(code) for code in re.findall(r"[?&]code=([^&#?]*)", url) if code]


@dataclass(frozen=True)
class CaughtRedirect:
    url: str

    @property
    def params(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def code(self) -> str | None:
        codes = self.params.get("code", [])
        return codes[0] if len(codes) == 1 else None

    def __repr__(self) -> str:  # the URL carries the code
        return "CaughtRedirect(url='<masked>')"


class RedirectCatcher:
    """Intercepts every browser request to the redirect URI's origin, so that host need not exist.

    Each intercepted URL is recorded and answered with a small local page.

    Chromium does not pass the target of a server redirect through Playwright's routes (microsoft/playwright
    #33882): it would try the real redirect host, show an error page and only reach the route when that page
    reloads, about a second later. So a form POST to the authorize endpoint is fetched by the harness, and a
    redirect to the redirect origin is turned into a fresh navigation there, which the route does catch.
    The authorize response's own status is kept in `redirect_statuses`.
    """

    def __init__(
        self, context: BrowserContext, redirect_uri: str, on_code: Callable[[str], None] | None = None
    ) -> None:
        """on_code is told every code that reaches the redirect origin (so a test run can exchange it later)."""
        parts = urlsplit(redirect_uri)
        self.on_code = on_code
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.caught: list[CaughtRedirect] = []
        self.redirect_statuses: list[int] = []
        context.route(self.is_redirect_origin, self._fulfil)
        context.route(f"**{AUTHORIZE_PATH}", self._navigate_to_redirect)

    def is_redirect_origin(self, url: str) -> bool:
        return url == self.origin or url.startswith(self.origin + "/") or url.startswith(self.origin + "?")

    def _fulfil(self, route: Route) -> None:
        caught = CaughtRedirect(route.request.url)
        self.caught.append(caught)
        codes = codes_in(caught.url)
        log.info("redirect caught on %s (%d code(s))", self.origin, len(codes))
        for code in codes:
            if self.on_code is not None:
                self.on_code(code)
        route.fulfill(status=200, content_type="text/html", body=CAUGHT_PAGE)

    def _navigate_to_redirect(self, route: Route) -> None:
        if route.request.resource_type != "document":
            route.fallback()
            return
        response = route.fetch(max_redirects=0)
        target = urljoin(route.request.url, response.headers.get("location", ""))
        if 300 <= response.status < 400 and self.is_redirect_origin(target):
            self.redirect_statuses.append(response.status)
            script = json.dumps(target).replace("</", "<\\/")
            route.fulfill(status=200, content_type="text/html", body=f"<script>location.replace({script})</script>")
        else:
            route.fulfill(response=response)

    def wait(self, page: Page, timeout_ms: float = 15_000, also: Sequence[RedirectCatcher] = ()) -> CaughtRedirect:
        """Waits until the page has landed on the redirect origin (or that of a catcher in `also`); returns where
        it landed."""
        # landed = the navigation committed; the caught page's load event adds ~0.1 s and tells nothing more
        catchers = [self, *also]
        page.wait_for_url(
            lambda url: any(c.is_redirect_origin(url) for c in catchers), timeout=timeout_ms, wait_until="commit"
        )
        return CaughtRedirect(page.url)
