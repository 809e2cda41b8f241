"""The steps of the flow that tests compose: sign in, obtain a code (browser or API), exchange it."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, StorageState
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pages import ConsentPage, LoginPage, RedirectCatcher, Selectors, codes_in
from pages.login_page import PageNotInteractive

from .checks import Blocked, require
from .checks.responses import check_keys_response
from .client import OAuthApi, bearer
from .ledger import CodeLedger
from .models import ExchangeAuthorizationCodeInput, KeysResponseDto, OAuthAuthorizeInput
from .phases import PhaseTimer
from .redaction import Redactor
from .settings import Settings

log = logging.getLogger(__name__)


class LoginFailed(RuntimeError):
    """The login did not work. `configuration` is True when the deployment refused these credentials (a wrong
    password, a user with 2FA, rate limiting): a matter of the settings, not of the login page."""

    def __init__(self, message: str, configuration: bool = False) -> None:
        super().__init__(message)
        self.configuration = configuration


TWO_FACTOR_FIELD = "[name=totpCode], #totpCode"
RATE_LIMITED = re.compile(r"rate.?limit|too many", re.IGNORECASE)


ALLOW_BOUND_MS = 5_000  # Allow that has not moved the browser by then does nothing (Cal.com's mock-up page)
SESSION_PATH = "/api/auth/session"
# NextAuth's session cookie as Cal.com names it (CONTRACT §3): __Secure- when the web app is served over https; a
# session too large for one cookie is split into name.0, name.1, ...
SESSION_COOKIES = ("next-auth.session-token", "__Secure-next-auth.session-token")


@dataclass(frozen=True)
class SessionLogin:
    """The session's one real user flow: log in (callbackUrl = the consent page), then click Allow.

    Where Allow does nothing (Cal.com's platform consent page is a mock-up), the code is obtained with the
    authorize call sent from the browser's own context (its cookies, recorded in its trace): `allow_error` says
    what the page did, `code_url` carries the code either way, `code_source` says where it came from."""

    storage_state: StorageState = field(repr=False)
    landed_url: str
    consent_shown: bool
    session_email: str | None = None  # who NextAuth's /api/auth/session says is logged in (None: not told)
    allow_landed_url: str | None = field(default=None, repr=False)  # carries the code
    allow_error: str | None = None
    code_url: str | None = field(default=None, repr=False)
    code_source: str = ""
    exchange_response: httpx.Response | None = field(default=None, repr=False)  # of the caught code
    login_error: str | None = None  # the login itself failed: nothing else of this flow happened
    evidence_dir: str | None = None  # trace, screenshot and page HTML of a failed flow


def sign_in(
    page: Page,
    settings: Settings,
    selectors: Selectors,
    timeout_ms: float,
    timer: PhaseTimer,
    on_code: Callable[[str], None] | None = None,
    allow: bool = True,
) -> SessionLogin:
    """Logs the test user in through the real login page, back to the consent page, and clicks Allow there.

    A failed login raises LoginFailed; a failed Allow is recorded in the result (the session is still good).
    """
    login = LoginPage(page, settings.web_url, selectors)
    consent = ConsentPage(page, settings.web_url, selectors)
    catcher = RedirectCatcher(page.context, settings.redirect_uri, on_code)
    with timer.measure("login"):
        _log_in(login, consent, settings, selectors, timeout_ms)
    with timer.measure("consent"), contextlib.suppress(PlaywrightTimeout):
        # a timeout is recorded as consent_shown=False below; the session itself is good
        consent.wait_until_loaded(min(timeout_ms, ALLOW_BOUND_MS))
    result = SessionLogin(
        page.context.storage_state(),
        page.url,
        consent.allow_button.is_visible(),
        session_email=_session_email(page, settings.web_url),
    )
    if not allow:
        return result
    if result.consent_shown:
        with timer.measure("redirect"):
            landed, allow_error = _allow(page, consent, catcher, timeout_ms)
        if landed is not None:
            return replace(result, allow_landed_url=landed, code_url=landed, code_source="the consent page's Allow")
    else:
        allow_error = f"no Allow button to click: the browser is on {urlsplit(page.url).path}"
    with timer.measure("authorize"):
        code_url, problem = authorize_from_browser(page, settings)
    for code in codes_in(code_url or ""):
        if on_code is not None:
            on_code(code)
    return replace(
        result,
        allow_error=allow_error + (f"; {problem}" if problem else ""),
        code_url=code_url,
        code_source="the authorize call sent from the browser" if code_url else "",
    )


def _allow(page: Page, consent: ConsentPage, catcher: RedirectCatcher, timeout_ms: float) -> tuple[str | None, str]:
    """Clicks Allow: where the browser landed with the code, or why it did not."""
    before = page.url
    try:
        consent.allow()
        return catcher.wait(page, min(timeout_ms, ALLOW_BOUND_MS)).url, ""
    except PlaywrightTimeout:
        if page.url == before:
            return (
                None,
                f"Allow did nothing within {ALLOW_BOUND_MS / 1000:.0f}s: the browser stayed on "
                f"{urlsplit(before).path} and no redirect came",
            )
    except PlaywrightError as error:
        return None, f"Allow did not land on the redirect URI: {str(error).splitlines()[0]}"
    try:  # the page moved: Allow is doing something, give it the full time
        return catcher.wait(page, timeout_ms).url, ""
    except PlaywrightError as error:
        return None, f"Allow did not land on the redirect URI: {str(error).splitlines()[0]}"


def authorize_from_browser(page: Page, settings: Settings) -> tuple[str | None, str]:
    """The authorize call (CONTRACT §1) sent from the browser's own context, with its cookies, as a page would:
    the redirect URL carrying the code, or what went wrong."""
    url = f"{settings.api_url}/v2/oauth/{settings.client_id}/authorize"
    try:
        response = page.context.request.post(url, data={"redirectUri": settings.redirect_uri}, max_redirects=0)
    except PlaywrightError as error:
        return None, f"the authorize call from the browser failed: {str(error).splitlines()[0]}"
    location = response.headers.get("location", "")
    if 300 <= response.status < 400 and "code=" in location:
        return location, ""
    if response.status == 401:
        return None, (
            "the authorize call with the browser's cookies answered 401: the web app's session cookie does "
            f"not reach {settings.api_url} (NEXTAUTH_COOKIE_DOMAIN must cover both hosts, CONTRACT §3)"
        )
    return None, f"the authorize call from the browser answered HTTP {response.status}: {response.text()[:200]}"


def _session_email(page: Page, web_url: str) -> str | None:
    """The email NextAuth's session endpoint reports for the browser's cookies, if the site has it."""
    try:
        response = page.context.request.get(web_url.rstrip("/") + SESSION_PATH)
        user = response.json().get("user") if response.ok else None
    except (PlaywrightError, ValueError, AttributeError):
        return None
    return user.get("email") if isinstance(user, dict) and isinstance(user.get("email"), str) else None


def _log_in(
    login: LoginPage, consent: ConsentPage, settings: Settings, selectors: Selectors, timeout_ms: float
) -> None:
    try:
        login.open(callback_url=consent.url(settings.client_id, settings.redirect_uri))
    except PlaywrightTimeout:
        raise LoginFailed(
            f"the login page {login.url()} did not show its form within {timeout_ms / 1000:.0f}s"
        ) from None
    try:
        login.login(settings.user_email, settings.user_password.reveal(), timeout_ms)
    except PageNotInteractive as error:
        raise LoginFailed(str(error)) from None
    # Whichever comes first: the login error, or a page without the login form.
    settled = login.error.or_(login.page.locator(f"body:not(:has({selectors.login_form}))"))
    with contextlib.suppress(PlaywrightTimeout):
        settled.first.wait_for(timeout=timeout_ms)
    if login.is_current():
        who = f"E2E_USER_EMAIL={settings.user_email}"
        if login.page.locator(TWO_FACTOR_FIELD).first.is_visible():
            raise LoginFailed(
                f"{who} has two-factor authentication: the login asks for a code; use a test user "
                "without 2FA (CONTRACT §3)",
                configuration=True,
            )
        shown = login.error.first.inner_text().strip() if login.error.first.is_visible() else ""
        if RATE_LIMITED.search(shown):
            raise LoginFailed(
                f"{who}: logins are being rate-limited ({shown!r}): wait, then run again", configuration=True
            )
        if shown:
            raise LoginFailed(
                f"{who} could not log in at {login.url()}: the page says {shown!r} (wrong E2E_USER_PASSWORD?)",
                configuration=True,
            )
        raise LoginFailed(f"{who} could not log in at {login.url()}: still on the login page, no error shown")


def mask_issued_tokens(redactor: Redactor, response: httpx.Response) -> None:
    """Tells the redactor the tokens a 200 exchange or refresh response issued."""
    try:
        data = response.json().get("data") or {}
    except (ValueError, AttributeError):
        return
    for name in ("accessToken", "refreshToken"):
        if isinstance(data.get(name), str):
            redactor.add(data[name])


def cookies_for(storage_state: StorageState, url: str) -> dict[str, str]:
    """The storage state's cookies that a browser would send to url."""
    host = urlsplit(url).hostname or ""
    chosen = {}
    for cookie in storage_state.get("cookies", []):
        domain = cookie.get("domain", "").lstrip(".")
        if host == domain or host.endswith("." + domain):
            chosen[cookie["name"]] = cookie["value"]
    return chosen


def session_cookie_name(storage_state: StorageState, web_url: str) -> str | None:
    """The NextAuth session cookie among those the browser would send to the web app (its domain is the web
    host, or one NEXTAUTH_COOKIE_DOMAIN sets that covers it): its name, or None when there is none."""
    for name in cookies_for(storage_state, web_url):
        base, dot, chunk = name.rpartition(".")
        if name in SESSION_COOKIES or (dot and chunk.isdigit() and base in SESSION_COOKIES):
            return name
    return None


class Authorizer:
    """Obtains codes over HTTP with the browser's session, and keys from them; every code goes to the ledger."""

    def __init__(
        self, api: OAuthApi, settings: Settings, cookies: dict[str, str], ledger: CodeLedger, redactor: Redactor
    ) -> None:
        self.api, self.settings, self.cookies, self.ledger, self.redactor = api, settings, cookies, ledger, redactor

    def authorize_raw(
        self,
        redirect_uri: str | None = None,
        state: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        cookies: dict[str, str] | None = None,
    ) -> httpx.Response:
        client_id = client_id or self.settings.client_id
        response = self.api.o_auth_flow_controller_authorize_raw(
            client_id,
            OAuthAuthorizeInput(redirect_uri or self.settings.redirect_uri, state),
            cookies=self.cookies if cookies is None else cookies,
        )
        for code in codes_in(response.headers.get("location", "")):
            self.remember(code, client_id, client_secret or self.settings.client_secret.reveal())
        return response

    def remember(self, code: str, client_id: str, client_secret: str) -> None:
        self.redactor.add(code)
        self.ledger.track(code, client_id, client_secret)

    def remember_own(self, code: str) -> None:
        """A code issued to the configured client (e.g. caught in the browser)."""
        self.remember(code, self.settings.client_id, self.settings.client_secret.reveal())

    def code(
        self,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> str:
        response = self.authorize_raw(redirect_uri, state, client_id, client_secret)
        if response.status_code == 400 and "already authorized" in response.text and not self.ledger.unspent():
            stuck = self.ledger.stuck()
            if stuck:
                raise Blocked(
                    f"the test user still holds a code this run could not exchange ({next(iter(stuck.values()))}),"
                    " so Cal.com refuses a new authorize; see the failure where that exchange happened"
                )
            require(
                False,
                "exchange.reauthorize_after_exchange",
                "authorize says the user already holds a code, but every code this run obtained was exchanged;"
                " a code held from elsewhere (another run or pytest-xdist worker using this test user?) or an"
                " exchange that does not release the user",
            )
        require(
            response.status_code in (301, 302, 303, 307, 308),
            "authorize.redirects_with_code",
            f"expected a redirect, got HTTP {response.status_code}",
        )
        codes = parse_qs(urlsplit(response.headers.get("location", "")).query).get("code", [])
        require(len(codes) == 1, "authorize.redirects_with_code", f"Location carries {len(codes)} codes, expected 1")
        return codes[0]

    def exchange_raw(self, code: str, client_id: str | None = None, client_secret: str | None = None) -> httpx.Response:
        response = self.api.o_auth_flow_controller_exchange_raw(
            bearer(code),
            client_id or self.settings.client_id,
            ExchangeAuthorizationCodeInput(client_secret or self.settings.client_secret.reveal()),
        )
        if response.status_code == 200:
            self.ledger.spent(code)
            mask_issued_tokens(self.redactor, response)
        return response

    def exchange_for_keys(
        self, code: str, client_id: str | None = None, client_secret: str | None = None
    ) -> httpx.Response:
        """The exchange, for checks of other rules than exchange.returns_keys. One that fails with a server error
        is tried once more in the next second: Cal.com 2025-05 mints identical tokens within one second and
        answers 500 (the known defect tokens-without-jti, which exchange.returns_keys checks itself)."""
        response = self.exchange_raw(code, client_id, client_secret)
        if response.status_code >= 500 or response.status_code == 409:
            log.warning("exchange answered HTTP %d; trying again in the next second", response.status_code)
            time.sleep(1.05 - time.time() % 1)
            response = self.exchange_raw(code, client_id, client_secret)
        return response

    def keys(self, client_id: str | None = None, client_secret: str | None = None) -> KeysResponseDto:
        """A fresh pair, for checks of other rules."""
        code = self.code(client_id=client_id, client_secret=client_secret)
        return check_keys_response(self.exchange_for_keys(code, client_id, client_secret), "exchange.returns_keys")
