"""`calcom-e2e doctor`: is everything in place for a run? One line per check: what is wrong and what to do.

Exit status 0 when all is well, 1 when a check failed, 2 for a configuration error, 3 for an unreachable target.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright, StorageState, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from pages import ConsentPage, Selectors

from .browser import BrowserNotFound, chromium_launch_overrides
from .client import OAuthApi, error_message
from .flow import LoginFailed, cookies_for, sign_in
from .http_login import HttpLoginRefused, HttpLoginUnavailable, http_login
from .ledger import CodeLedger, journal_path
from .models import RefreshTokenInput
from .oauth2_flow import ConsentDriver, Pkce, consent_params
from .phases import PhaseTimer
from .preflight import Misconfigured, check_oauth2_client
from .preflight import check_authorize as check_authorize_flow
from .redaction import Redactor
from .sandbox.launcher import SandboxProcess, SandboxStartError
from .settings import (
    ConfigError,
    Settings,
    read_environment,
    remote_settings,
    settings_from_sandbox,
)

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str
    message: str
    hint: str = ""
    note: bool = False  # worth knowing, fails nothing

    def line(self) -> str:
        text = f"{'note' if self.note else 'ok  ' if self.ok else 'FAIL'}  {self.check}: {self.message}"
        return text + (f" -> {self.hint}" if self.hint and (self.note or not self.ok) else "")


def check_web(settings: Settings) -> Finding:
    url = f"{settings.web_url}/auth/login"
    try:
        response = httpx.get(url, timeout=TIMEOUT_S)
    except httpx.HTTPError as error:
        detail = str(error) or f"no answer within {TIMEOUT_S:.0f}s"
        return Finding(
            False, "web", f"{url}: {type(error).__name__}: {detail}", "check CAL_WEB_URL and that the site is up"
        )
    if response.status_code != 200:
        return Finding(
            False, "web", f"{url} answered HTTP {response.status_code}", "CAL_WEB_URL must serve /auth/login"
        )
    return Finding(True, "web", f"{url} answers")


def check_api(api: OAuthApi, settings: Settings) -> Finding:
    try:
        # a code that cannot exist: Cal.com answers 400 "Invalid OAuth Client." (without an Authorization header
        # at all it crashes with a 500: a known defect, CONTRACT §5)
        response = api.o_auth_flow_controller_exchange_raw(
            "Bearer calcom-e2e-probe", settings.client_id, None, json={"clientSecret": "x"}
        )
    except httpx.HTTPError as error:
        return Finding(
            False, "api", f"{settings.api_url}: {type(error).__name__}", "check CAL_API_URL and that the API is up"
        )
    if response.status_code == 400 and _is_envelope(response):
        return Finding(True, "api", f"{settings.api_url} answers like Cal.com's API v2")
    return Finding(
        False,
        "api",
        f"POST /v2/oauth/{{clientId}}/exchange answered HTTP {response.status_code}, not Cal.com's 400 envelope",
        "CAL_API_URL must be the API base (e.g. https://api.cal.com), not the web app",
    )


def check_client(api: OAuthApi, settings: Settings) -> Finding:
    response = api.o_auth_flow_controller_refresh_access_token_raw(
        settings.client_id, settings.client_secret.reveal(), RefreshTokenInput(secrets.token_urlsafe(16))
    )
    message = error_message(response)
    if response.status_code == 400:
        return Finding(True, "client", f"client {settings.client_id} exists and CAL_CLIENT_SECRET is right")
    if "not found" in message:
        return Finding(False, "client", f"no OAuth client {settings.client_id}", "check CAL_CLIENT_ID")
    if "secret" in message.lower():
        return Finding(False, "client", "the client secret is refused", "check CAL_CLIENT_SECRET")
    return Finding(
        False, "client", f"refresh probe answered HTTP {response.status_code}: {message}", "see the API's logs"
    )


def check_http_login(settings: Settings) -> Finding:
    """Whether runs of API-level checks alone can do without a browser."""
    try:
        http_login(settings.web_url, settings.user_email, settings.user_password.reveal(), TIMEOUT_S)
    except HttpLoginRefused as refusal:
        return Finding(False, "http login", str(refusal), "check E2E_USER_EMAIL and E2E_USER_PASSWORD")
    except HttpLoginUnavailable as reason:
        return Finding(
            True,
            "http login",
            f"unavailable ({reason})",
            "fine: runs of API-level checks alone log in through the browser instead",
            note=True,
        )
    return Finding(
        True, "http login", f"{settings.user_email} can log in over HTTP: API-level checks alone need no browser"
    )


def check_extra_users(settings: Settings) -> Finding:
    """E2E_USERS (one test user per xdist worker): each can log in (over HTTP where the deployment allows it)."""
    refused = []
    for user in settings.extra_users:
        try:
            http_login(settings.web_url, user.email, user.password.reveal(), TIMEOUT_S)
        except HttpLoginRefused as refusal:
            refused.append(f"{user.email}: {refusal}")
        except HttpLoginUnavailable:
            return Finding(True, "E2E_USERS", "not checked: this deployment has no HTTP login", note=True)
    if refused:
        return Finding(False, "E2E_USERS", "; ".join(refused), "fix or remove those entries of E2E_USERS")
    return Finding(True, "E2E_USERS", f"each of its {len(settings.extra_users)} test user(s) can log in")


def check_browser(playwright: Playwright, root: bool) -> tuple[Finding, Browser | None]:
    try:
        options = chromium_launch_overrides(playwright.chromium.executable_path, None, root)
        browser = playwright.chromium.launch(**options, timeout=TIMEOUT_S * 3000)
    except BrowserNotFound as error:
        return Finding(False, "browser", str(error)), None
    except PlaywrightError as error:
        return Finding(
            False,
            "browser",
            f"Chromium did not start: {str(error).splitlines()[0]}",
            "run `playwright install chromium` or install the system chromium",
        ), None
    where = options.get("executable_path", "Playwright's own Chromium")
    return Finding(True, "browser", f"Chromium {browser.version} starts ({where})"), browser


def check_login(browser: Browser, settings: Settings) -> tuple[Finding, StorageState | None]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_S * 1000)
        state = sign_in(page, settings, Selectors(), TIMEOUT_S * 1000, PhaseTimer(), allow=False).storage_state
    except LoginFailed as error:
        return Finding(False, "login", str(error), "check E2E_USER_EMAIL and E2E_USER_PASSWORD"), None
    finally:
        context.close()
    return Finding(True, "login", f"{settings.user_email} can log in"), state


def check_authorize(settings: Settings, state: StorageState) -> Finding:
    """The session reaches the API, CAL_REDIRECT_URI is registered, no code is pending (journaled ones are settled
    first), the client holds PROFILE_READ. The code this obtains is exchanged."""
    journal = (
        None
        if settings.is_sandbox
        else journal_path(settings.state_dir, settings.api_url, settings.client_id, settings.user_email)
    )
    with httpx.Client(base_url=settings.api_url, timeout=TIMEOUT_S) as http:
        api = OAuthApi(http)
        ledger = CodeLedger(api, journal)
        left = ledger.recover(settings.client_id, settings.client_secret.reveal()) if journal else {}
        if left:
            return Finding(
                False,
                "authorize",
                f"{len(left)} code(s) an earlier run left could not be exchanged: {next(iter(left.values()))}",
                f"fix that, then run again; the journal is {journal}",
            )
        try:
            check_authorize_flow(api, settings, cookies_for(state, settings.api_url), ledger)
        except Misconfigured as problem:
            return Finding(False, "authorize", str(problem))
        finally:
            stuck = ledger.settle()
        if stuck:
            return Finding(
                False,
                "authorize",
                f"the code doctor obtained could not be exchanged: {next(iter(ledger.stuck().values()))}",
                f"it stays journaled in {journal}",
            )
    return Finding(
        True,
        "authorize",
        "the session reaches the API, the redirect URI is registered, no code is "
        "pending, the client may read the profile",
    )


def check_consent(browser: Browser, settings: Settings, state: StorageState) -> Finding:
    context = browser.new_context(storage_state=state)
    try:
        consent = ConsentPage(context.new_page(), settings.web_url)
        consent.open(settings.client_id, settings.redirect_uri)
        consent.allow_button.wait_for(timeout=TIMEOUT_S * 1000)
    except PlaywrightError:
        return Finding(
            False,
            "consent",
            "the consent page shows no Allow button for this client and redirect URI",
            "check that CAL_REDIRECT_URI is registered for CAL_CLIENT_ID, exactly",
        )
    finally:
        context.close()
    return Finding(True, "consent", "the consent page offers Allow for CAL_REDIRECT_URI")


def check_oauth2(settings: Settings) -> Finding:
    """The OAuth2 provider flow's client, at its token endpoint (the flow suite's preflight probe)."""
    if settings.oauth2 is None:
        return Finding(
            True, "oauth2", "not configured: the consent-page flow is skipped", "set CAL_OAUTH2_CLIENT_ID", note=True
        )
    try:
        with httpx.Client(timeout=TIMEOUT_S) as http:
            check_oauth2_client(http, settings.oauth2)
    except Misconfigured as problem:
        return Finding(False, "oauth2", str(problem), "see docs/contract.md §6.6")
    except httpx.HTTPError as error:
        return Finding(False, "oauth2", f"{settings.oauth2.token_url}: {type(error).__name__}", "check the URL")
    kind = "public" if settings.oauth2.is_public else "confidential"
    return Finding(True, "oauth2", f"{kind} client {settings.oauth2.client_id} is known at {settings.oauth2.token_url}")


def check_oauth2_consent(browser: Browser, settings: Settings, state: StorageState) -> Finding:
    """The OAuth2 consent page offers Allow for the client, redirect URI and scopes as configured."""
    assert settings.oauth2 is not None
    context = browser.new_context(storage_state=state)
    try:
        driver = ConsentDriver(
            context.new_page(), settings.oauth2, settings.web_url, Selectors(), Redactor(), TIMEOUT_S * 1000
        )
        pkce = Pkce.new() if settings.oauth2.is_public else None
        problem = driver.configuration_problem(consent_params(settings.oauth2, pkce=pkce))
        offered = driver.consent.allow_button.is_visible()
    except PlaywrightError as error:
        problem, offered = str(error).splitlines()[0], False
    finally:
        context.close()
    if problem is not None or not offered:
        return Finding(
            False,
            "oauth2 consent",
            problem or "the OAuth2 consent page shows no Allow button",
            "check that CAL_OAUTH2_REDIRECT_URI is registered exactly, the client is APPROVED, not trusted, and may "
            "be asked for CAL_OAUTH2_SCOPES",
        )
    return Finding(True, "oauth2 consent", "the OAuth2 consent page offers Allow for CAL_OAUTH2_REDIRECT_URI")


def run(env_file: Path | None, out: Callable[[str], None] = print, require_target: bool = False) -> int:
    try:
        values = read_environment(env_file)
        remote = remote_settings(values, require_target=require_target)
    except ConfigError as error:
        out(Finding(False, "configuration", str(error)).line())
        return 2
    with _target(remote) as settings:
        if settings is None:
            out(Finding(False, "configuration", "the embedded sandbox did not start", "see its log above").line())
            return 3
        out(
            Finding(
                True,
                "configuration",
                "embedded sandbox" if settings.is_sandbox else f"remote target {settings.api_url}",
            ).line()
        )
        web = check_web(settings)
        out(web.line())
        if not web.ok:
            return 3
        with httpx.Client(base_url=settings.api_url, timeout=TIMEOUT_S) as http:
            api = OAuthApi(http)
            findings = [check_api(api, settings)]
            out(findings[-1].line())
            if findings[-1].ok:
                findings.append(check_client(api, settings))
                out(findings[-1].line())
        client_ok = findings[-1].ok
        findings.append(check_oauth2(settings))
        out(findings[-1].line())
        oauth2_ok = settings.oauth2 is not None and findings[-1].ok
        http_login_found = check_http_login(settings)
        findings.append(http_login_found)
        out(http_login_found.line())
        if settings.extra_users:
            findings.append(check_extra_users(settings))
            out(findings[-1].line())
        with sync_playwright() as playwright:
            found, browser = check_browser(playwright, hasattr(os, "geteuid") and os.geteuid() == 0)
            findings.append(found)
            out(found.line())
            if browser is not None and http_login_found.ok:  # refused credentials are said once, above
                login, state = check_login(browser, settings)
                findings.append(login)
                out(login.line())
                if state is not None and client_ok:  # a missing client would fail this too, saying less
                    findings.append(check_authorize(settings, state))
                    out(findings[-1].line())
                    findings.append(check_consent(browser, settings, state))
                    out(findings[-1].line())
                if state is not None and oauth2_ok:
                    findings.append(check_oauth2_consent(browser, settings, state))
                    out(findings[-1].line())
            if browser is not None:
                browser.close()
    return 0 if all(f.ok for f in findings) else 1


@contextmanager
def _target(remote: Settings | None) -> Iterator[Settings | None]:
    if remote is not None:
        yield remote
        return
    try:
        process = SandboxProcess.start()
    except SandboxStartError as error:
        print(error, file=sys.stderr)
        yield None
        return
    with process:
        yield settings_from_sandbox(process.info)


def _is_envelope(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") == "error" and isinstance(body.get("error"), dict)
