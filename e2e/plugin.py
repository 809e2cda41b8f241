"""The pytest plugin: configuration, the sandbox, browser launch, and the fixtures the flow suite uses."""

from __future__ import annotations

import inspect
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, BrowserType, Page
from playwright.sync_api import Error as PlaywrightError

from pages import ConsentPage, LoginPage, RedirectCatcher, Selectors

from . import report
from .browser import BrowserNotFound, chromium_launch_overrides
from .client import OAuthApi
from .flow import Authorizer, LoginFailed, cookies_for, sign_in_storage_state
from .http_log import ExchangeRecorder
from .ledger import CodeLedger, journal_path
from .phases import PhaseTimer
from .sandbox.info import SandboxInfo
from .sandbox.launcher import SandboxProcess, SandboxStartError
from .secrets_mask import Redactor
from .settings import ConfigError, Settings, read_environment, settings_from_sandbox, settings_from_values, wants_sandbox

HTTP_TIMEOUT_S = 15.0
PAGE_TIMEOUT_MS = 15_000
REMOTE_SETTINGS = pytest.StashKey[Settings | None]()
VALUES = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("calcom-e2e")
    group.addoption("--env-file", type=Path, default=None, help="read CONTRACT §3 variables from this file (default ./.env)")
    group.addoption("--strict-advisories", action="store_true", help="a missed advisory (CONTRACT §4) fails the run")
    group.addoption("--checks-report", action="store_true", help="one line per check with its rule, and a summary")
    group.addoption("--checks-json", type=Path, default=None, help="write each check's outcome to this JSON file")
    group.addoption("--rule", action="append", default=[], dest="rules", metavar="ID",
                    help="run only the checks of this rule (repeatable)")
    group.addoption("--sandbox-fault", action="append", default=[], metavar="NAME",
                    help="start the embedded sandbox with this fault on (self-tests; see python -m e2e.sandbox --list-faults)")


@pytest.hookimpl(tryfirst=True)  # before pytest's junitxml plugin reads its path
def pytest_configure(config: pytest.Config) -> None:
    if not getattr(config.option, "xmlpath", None) and not hasattr(config, "workerinput"):
        config.option.xmlpath = str(Path(config.invocation_params.dir, config.getoption("output"), "junit.xml"))
    try:
        values = read_environment(config.getoption("env_file"))
        config.stash[VALUES] = values
        remote = None if wants_sandbox(values) else settings_from_values(values)
        workers = getattr(config.option, "numprocesses", None)
        if remote is not None and isinstance(workers, int) and workers > 0:
            remote.for_worker(workers - 1)  # enough E2E_USERS for every worker?
        config.stash[REMOTE_SETTINGS] = remote
    except ConfigError as error:
        pytest.exit(f"configuration error: {error}", returncode=2)
    report.configure(config)


# --- configuration and the target -----------------------------------------------------------
@pytest.fixture(scope="session")
def sandbox(pytestconfig: pytest.Config) -> Iterator[SandboxInfo | None]:
    """The embedded sandbox, started when no CAL_API_URL is configured; None against a remote target."""
    if pytestconfig.stash[REMOTE_SETTINGS] is not None:
        yield None
        return
    faults = [arg for name in pytestconfig.getoption("sandbox_fault") for arg in ("--fault", name)]
    try:
        process = SandboxProcess.start(faults)
    except SandboxStartError as error:
        pytest.exit(str(error), returncode=3)
    with process:
        yield process.info


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config, sandbox: SandboxInfo | None) -> Settings:
    """The run's settings; under pytest-xdist each worker takes its own test user (E2E_USERS)."""
    if sandbox is not None:
        chosen = settings_from_sandbox(sandbox, pytestconfig.stash[VALUES])
    else:
        remote = pytestconfig.stash[REMOTE_SETTINGS]
        assert remote is not None
        try:
            chosen = remote.for_worker(_worker_index(pytestconfig))
        except ConfigError as error:
            pytest.exit(f"configuration error: {error}", returncode=2)
    for secret in chosen.secret_values():
        report.redactor(pytestconfig).add(secret)
    return chosen


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config, settings: Settings) -> Redactor:
    return report.redactor(pytestconfig)


@pytest.fixture(scope="session")
def phase_timer(pytestconfig: pytest.Config) -> PhaseTimer:
    return report.timer(pytestconfig)


@pytest.fixture(scope="session")
def exchange_recorder(pytestconfig: pytest.Config) -> ExchangeRecorder:
    return report.recorder(pytestconfig)


@pytest.fixture(scope="session")
def http(settings: Settings, exchange_recorder: ExchangeRecorder) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=settings.api_url, timeout=HTTP_TIMEOUT_S, event_hooks=exchange_recorder.hooks(),
                      transport=no_delay_transport()) as client:
        yield client


@pytest.fixture(scope="session")
def api(http: httpx.Client) -> OAuthApi:
    return OAuthApi(http)


@pytest.fixture(scope="session")
def sandbox_admin(settings: Settings, http: httpx.Client) -> "SandboxAdmin":
    """The sandbox's test-support API; tests that need it are skipped against a remote target."""
    if settings.sandbox is None:
        pytest.skip("needs the embedded sandbox's test-support API (CAL_API_URL points at a remote target)")
    return SandboxAdmin(http, settings.sandbox.admin_key)


class SandboxAdmin:
    def __init__(self, http: httpx.Client, admin_key: str) -> None:
        self.http, self.headers = http, {"x-sandbox-admin-key": admin_key}

    def create_client(self, redirect_uris: list[str], name: str = "Second Client") -> dict[str, Any]:
        response = self.http.post("/__sandbox/clients", json={"name": name, "redirectUris": redirect_uris}, headers=self.headers)
        response.raise_for_status()
        return response.json()

    def create_user(self) -> dict[str, Any]:
        response = self.http.post("/__sandbox/users", json={}, headers=self.headers)
        response.raise_for_status()
        return response.json()

    def advance_clock(self, milliseconds: int) -> None:
        self.http.post("/__sandbox/clock", json={"advanceMs": milliseconds}, headers=self.headers).raise_for_status()


# --- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def connect_options(settings: Settings, browser_type_launch_args: dict) -> dict | None:
    """E2E_BROWSER_WS_ENDPOINT: run the browser on a Playwright server (`playwright run-server`)."""
    if not settings.browser_ws_endpoint:
        return None
    # Playwright names connect()'s first parameter ws_endpoint in older releases and endpoint in newer ones.
    name = "ws_endpoint" if "ws_endpoint" in inspect.signature(BrowserType.connect).parameters else "endpoint"
    # The server reads launch options in its own (camelCase) names; pytest-playwright sends Python's. It takes
    # args and executablePath only when started with --unsafe, so those go only to a server on this machine.
    same_machine = "executable_path" in browser_type_launch_args
    allowed = {**SAFE_LAUNCH_OPTIONS, **(UNSAFE_LAUNCH_OPTIONS if same_machine else {})}
    launch = {allowed[k]: v for k, v in browser_type_launch_args.items() if k in allowed}
    return {name: settings.browser_ws_endpoint, "headers": {"x-playwright-launch-options": json.dumps(launch)}}


SAFE_LAUNCH_OPTIONS = {"headless": "headless", "channel": "channel", "chromium_sandbox": "chromiumSandbox",
                       "timeout": "timeout"}
UNSAFE_LAUNCH_OPTIONS = {"executable_path": "executablePath", "args": "args"}


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict, browser_name: str, browser_channel: str | None, playwright: Any, settings: Settings
) -> dict:
    if browser_name != "chromium":
        return browser_type_launch_args
    try:
        overrides = chromium_launch_overrides(playwright.chromium.executable_path, browser_channel, _is_root(),
                                              settings.browser_ws_endpoint)
    except BrowserNotFound as error:
        pytest.exit(str(error), returncode=2)
    args = [*browser_type_launch_args.get("args", []), *overrides.pop("args")]
    return {**browser_type_launch_args, **overrides, "args": args}


@pytest.fixture(scope="session")
def launch_browser(launch_browser: Any, pytestconfig: pytest.Config) -> Any:
    """pytest-playwright's launcher, timed as the 'browser start' phase."""

    def launch(**kwargs: Any) -> Browser:
        with report.timer(pytestconfig).measure("browser start"):
            return launch_browser(**kwargs)

    return launch


@pytest.fixture(scope="session")
def page_selectors() -> Selectors:
    """Override in a conftest.py for a deployment whose markup differs from CONTRACT §2."""
    return Selectors()


@pytest.fixture(scope="session")
def signed_in_state(browser: Browser, settings: Settings, page_selectors: Selectors, pytestconfig: pytest.Config) -> dict:
    """The test user's browser session after one real login (reused by every test that needs it)."""
    try:
        with report.timer(pytestconfig).measure("login"):
            return sign_in_storage_state(browser, settings, page_selectors, PAGE_TIMEOUT_MS)
    except LoginFailed as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def page(page: Page, request: pytest.FixtureRequest, output_path: str, redactor: Redactor) -> Iterator[Page]:
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    yield page
    keep_page_html_on_failure(request, page, output_path, redactor)


@pytest.fixture
def signed_in_page(new_context: Any, signed_in_state: dict, request: pytest.FixtureRequest, output_path: str,
                   redactor: Redactor) -> Iterator[Page]:
    context: BrowserContext = new_context(storage_state=signed_in_state)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    yield page
    keep_page_html_on_failure(request, page, output_path, redactor)


def keep_page_html_on_failure(request: pytest.FixtureRequest, page: Page, output_path: str, redactor: Redactor) -> None:
    """The failed page's HTML, secrets masked, beside pytest-playwright's screenshot and trace."""
    call = getattr(request.node, "rep_call", None)  # set by pytest-playwright's report hook
    if call is None or not call.failed or page.is_closed():
        return
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"page-{len(list(folder.glob('page-*.html'))) + 1}.html"
    try:
        target.write_text(redactor.mask(page.content()))
    except PlaywrightError:
        return
    request.node.stash[report.PAGE_HTML_DIR] = str(folder)


@pytest.fixture
def login_page(page: Page, settings: Settings, page_selectors: Selectors) -> LoginPage:
    return LoginPage(page, settings.web_url, page_selectors)


@pytest.fixture
def redirect_catcher(page: Page, settings: Settings, authorizer: Authorizer) -> RedirectCatcher:
    return RedirectCatcher(page.context, settings.redirect_uri, on_code=authorizer.remember_own)


@pytest.fixture
def signed_in_consent(signed_in_page: Page, settings: Settings, page_selectors: Selectors) -> ConsentPage:
    return ConsentPage(signed_in_page, settings.web_url, page_selectors)


@pytest.fixture
def signed_in_catcher(signed_in_page: Page, settings: Settings, authorizer: Authorizer) -> RedirectCatcher:
    """Every code the browser brings back goes to the ledger, so it is exchanged even if the test fails."""
    return RedirectCatcher(signed_in_page.context, settings.redirect_uri, on_code=authorizer.remember_own)


# --- codes and keys over HTTP -----------------------------------------------------------------
@pytest.fixture(scope="session")
def code_journal(api: OAuthApi, settings: Settings) -> Path | None:
    """Against a remote target, where codes are journaled; codes a killed earlier run left are exchanged first."""
    if settings.is_sandbox:
        return None  # every run gets a fresh sandbox
    journal = journal_path(settings.state_dir, settings.api_url, settings.client_id, settings.user_email)
    CodeLedger(api, journal).recover(settings.client_secret.reveal())
    return journal


@pytest.fixture
def ledger(api: OAuthApi, code_journal: Path | None) -> Iterator[CodeLedger]:
    """Every code obtained in a test is exchanged at its end, pass or fail."""
    codes = CodeLedger(api, code_journal)
    yield codes
    codes.settle()


@pytest.fixture(scope="session")
def session_cookies(signed_in_state: dict, settings: Settings) -> dict[str, str]:
    return cookies_for(signed_in_state, settings.api_url)


@pytest.fixture
def authorizer(api: OAuthApi, settings: Settings, session_cookies: dict[str, str], ledger: CodeLedger,
               redactor: Redactor) -> Authorizer:
    return Authorizer(api, settings, session_cookies, ledger, redactor)


def no_delay_transport() -> httpx.HTTPTransport:
    # httpcore writes a request's headers and body separately; with Nagle's algorithm on, the body then waits
    # for the server's delayed ACK (about 40 ms a request).
    return httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


def _worker_index(config: pytest.Config) -> int:
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(worker.removeprefix("gw"))


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
