"""The flow suite's plugin: configuration, the sandbox, browser launch, and the fixtures the suite uses.

e2e/plugin.py (the entry point pytest loads wherever the package is installed) registers it only in a run of the
flow suite, so that merely installing the harness changes no other pytest run: these fixtures replace
pytest-playwright's `page` and `browser_type_launch_args` and name `settings`, `api`, `sandbox`, ...
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import time
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType, Page, StorageState, StorageStateCookie

from pages import ConsentPage, LoginPage, RedirectCatcher, Selectors, codes_in

from . import preflight, report
from .browser import BrowserNotFound, chromium_launch_overrides
from .checks import Blocked
from .client import OAuthApi, no_delay_transport
from .flow import Authorizer, LoginFailed, SignIn, cookies_for, sign_in
from .http_log import ExchangeRecorder
from .http_login import HttpLoginRefused, HttpLoginUnavailable, http_login
from .known_issues import KnownIssuesError
from .ledger import CodeLedger, Settlement, journal_path
from .phases import PhaseTimer
from .plugin import runs_flow_suite
from .sandbox.info import SandboxInfo
from .sandbox.launcher import SandboxProcess, SandboxStartError, SpawnedSandbox
from .secrets_mask import Redactor
from .settings import (
    ConfigError,
    Settings,
    browser_ws_endpoint_from,
    default_state_dir,
    read_environment,
    remote_settings,
    settings_from_sandbox,
    use_node_compile_cache,
)
from .shared_context import ArtifactOptions, SharedContext

HTTP_TIMEOUT_S = 15.0
PAGE_TIMEOUT_MS = 15_000
REMOTE_SETTINGS = pytest.StashKey[Settings | None]()
BROWSER_ENDPOINT = pytest.StashKey[str | None]()
SPAWNED = pytest.StashKey[SpawnedSandbox]()
SPAWN_TAKEN = pytest.StashKey[bool]()
log = logging.getLogger("e2e.flow")
# The suite's settings that an ini file would otherwise hold: they travel with the suite, wherever it runs from
# (calcom-e2e, pytest --pyargs e2e.flow_suite, the project's own tests).
MARKERS = [
    "smoke: the release check (login, consent, exchange, refresh, /v2/me)",
    "browser: drives a real browser",
    "api: HTTP only, no browser",
    "advisory: CONTRACT section 4 good practice; a miss is a warning unless --strict-advisories",
    "sandbox_only: needs the embedded sandbox's test-support API",
    "rule(id): the CONTRACT rule a check guards",
]
FILTERWARNINGS = [
    # pytest-base-url (a pytest-playwright dependency) declares a session fixture as a method
    "ignore:Session-scoped fixtures defined as instance methods:DeprecationWarning",
    "ignore::pytest.PytestRemovedIn10Warning",
]


# How the plugin itself stopped the run (2 configuration, 3 target unreachable), so that `calcom-e2e` tells
# these from pytest's own exit statuses (its 3 is an internal error).
stopped_with: list[int] = []


def stop_run(message: str, returncode: int) -> NoReturn:
    stopped_with.append(returncode)
    pytest.exit(message, returncode=returncode)


@pytest.hookimpl(tryfirst=True)  # before pytest's junitxml plugin reads its path
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    for line in FILTERWARNINGS:
        config.addinivalue_line("filterwarnings", line)
    if config.getoption("help", False):
        return  # pytest --help (calcom-e2e --help-pytest): nothing to read, check or start
    if not getattr(config.option, "xmlpath", None) and not hasattr(config, "workerinput"):
        config.option.xmlpath = str(Path(config.invocation_params.dir, config.getoption("output"), "junit.xml"))
    try:
        values = read_environment(config.getoption("env_file"))
        remote = remote_settings(values, require_target=config.getoption("require_target"))
        workers = getattr(config.option, "numprocesses", None)
        if remote is not None and isinstance(workers, int) and workers > 0:
            remote.for_worker(workers - 1)  # enough E2E_USERS for every worker?
        config.stash[REMOTE_SETTINGS] = remote
        config.stash[BROWSER_ENDPOINT] = browser_ws_endpoint_from(values)
        report.configure(config)
    except (ConfigError, KnownIssuesError) as error:
        stop_run(f"configuration error: {error}", returncode=2)
    if not hasattr(config, "workerinput"):
        from .cli import run_problem  # --rule, --output, --checks-json, --video: found now, not at the run's end

        problem = run_problem(config, config.stash[BROWSER_ENDPOINT])
        if problem is not None:
            stop_run(problem, returncode=2)
        config.pluginmanager.register(StopWhenTargetGone(), "calcom-e2e-target-gone")
    config.stash[report.RUN_METADATA] = run_metadata(remote, None, config)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # e2e.http logs each call once, with its duration
    use_node_compile_cache(default_state_dir() / "node-compile-cache")
    if remote is None and _runs_tests(config) and runs_flow_suite(config):
        # start the sandbox now, so its start overlaps collection and the browser's; `sandbox` waits for it
        config.stash[SPAWNED] = SandboxProcess.spawn(_fault_args(config))


def pytest_report_header(config: pytest.Config) -> list[str]:
    return (
        [f"calcom-e2e target: {config.stash[report.RUN_METADATA]['target']}"]
        if report.RUN_METADATA in config.stash
        else []
    )


def run_metadata(remote: Settings | None, sandbox: SandboxInfo | None, config: pytest.Config) -> dict:
    """What a report says was tested: the target (a fallback to the sandbox said so), harness, start time."""
    if remote is not None:
        target = (
            f"remote: API {remote.api_url}, web {remote.web_url}, client {remote.client_id}, user {remote.user_email}"
        )
    elif sandbox is not None:
        imitates = getattr(sandbox, "imitates", "") or "the intended behaviour"
        target = (
            f"the embedded sandbox (no CAL_API_URL configured), persona {getattr(sandbox, 'persona', '?')} "
            f"({imitates}): API {sandbox.api_url}, web {getattr(sandbox, 'web_url', '') or sandbox.api_url}"
        )
    else:
        target = f"the embedded sandbox (no CAL_API_URL configured), persona {config.getoption('sandbox_persona')}"
    known = (
        "none (--no-known-issues)"
        if config.getoption("no_known_issues")
        else "e2e/known_issues.toml" + "".join(f", {path}" for path in config.getoption("known_issues"))
    )
    return {
        "target": target,
        "harness": f"calcom-oauth-e2e {_version()}",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "known_issues": known,
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~20 ms of imports, once per run

    try:
        return version("calcom-oauth-e2e")
    except PackageNotFoundError:
        return "(not installed)"


def pytest_unconfigure(config: pytest.Config) -> None:
    spawned = config.stash.get(SPAWNED, None)
    if spawned is not None and spawned.process.poll() is None and not config.stash.get(SPAWN_TAKEN, False):
        spawned.abandon()


TARGET_UNREACHABLE = "calcom_e2e_target_unreachable"  # a report's user property: the target went away


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after report.py's hook has made the report
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A check that failed on a connection the target refused (or never accepted): the target went away during
    the run. Said on the report (it crosses pytest-xdist), on which the run stops (StopWhenTargetGone)."""
    report_: pytest.TestReport = yield
    if call.excinfo is not None:
        from .cli import target_connection_failure

        chosen = getattr(item, "funcargs", {}).get("settings") or item.config.stash.get(REMOTE_SETTINGS, None)
        if isinstance(chosen, Settings):
            names = (
                ("the embedded sandbox's API", "the embedded sandbox's web pages")
                if chosen.is_sandbox
                else ("CAL_API_URL", "CAL_WEB_URL")
            )
            failure = target_connection_failure(
                call.excinfo.value, dict(zip(names, (chosen.api_url, chosen.web_url), strict=True))
            )
            if failure is not None:
                message = (
                    f"target unreachable during the run: {failure} (in {item.nodeid}); the checks after it were not run"
                )
                report_.user_properties.append((TARGET_UNREACHABLE, message))
                if hasattr(item.config, "workerinput"):
                    item.session.shouldstop = message  # a pytest-xdist worker runs nothing more
    return report_


class StopWhenTargetGone:
    """Where the reports are gathered (the pytest-xdist controller, or the one process): stops the run with exit
    status 3 on a report saying the target went away, instead of failing every check after it."""

    @pytest.hookimpl(trylast=True)  # the report is printed and recorded first
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, message in report.user_properties:
            if key == TARGET_UNREACHABLE:
                stop_run(str(message), returncode=3)


def _runs_tests(config: pytest.Config) -> bool:
    controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")
    return not controller and not config.option.collectonly


def _fault_args(config: pytest.Config) -> list[str]:
    return [*persona_args(config), *(arg for name in config.getoption("sandbox_fault") for arg in ("--fault", name))]


def persona_args(config: pytest.Config) -> list[str]:
    return ["--persona", config.getoption("sandbox_persona")]


# --- configuration and the target -----------------------------------------------------------
@pytest.fixture(scope="session")
def sandbox(pytestconfig: pytest.Config) -> Iterator[SandboxInfo | None]:
    """The embedded sandbox, started when no CAL_API_URL is configured; None against a remote target."""
    if pytestconfig.stash[REMOTE_SETTINGS] is not None:
        yield None
        return
    spawned = pytestconfig.stash.get(SPAWNED, None) or SandboxProcess.spawn(_fault_args(pytestconfig))
    pytestconfig.stash[SPAWN_TAKEN] = True
    try:
        process = spawned.ready()
    except SandboxStartError as error:
        stop_run(str(error), returncode=3)
    log.info("embedded sandbox: ready at %s", process.info.api_url)
    pytestconfig.stash[report.RUN_METADATA] = run_metadata(None, process.info, pytestconfig)
    with process:
        yield process.info


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config, sandbox: SandboxInfo | None) -> Settings:
    """The run's settings; under pytest-xdist each worker takes its own test user (E2E_USERS)."""
    if sandbox is not None:
        chosen = settings_from_sandbox(sandbox)
    else:
        remote = pytestconfig.stash[REMOTE_SETTINGS]
        assert remote is not None
        try:
            chosen = remote.for_worker(_worker_index(pytestconfig))
        except ConfigError as error:
            stop_run(f"configuration error: {error}", returncode=2)
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
    with httpx.Client(
        base_url=settings.api_url,
        timeout=HTTP_TIMEOUT_S,
        event_hooks=exchange_recorder.hooks(),
        transport=no_delay_transport(settings.api_url.startswith("https")),
    ) as client:
        yield client


@pytest.fixture(scope="session")
def api(http: httpx.Client) -> OAuthApi:
    return OAuthApi(http)


@pytest.fixture(scope="session")
def sandbox_admin(settings: Settings, http: httpx.Client) -> SandboxAdmin:
    """The sandbox's test-support API; tests that need it are skipped against a remote target."""
    if settings.sandbox is None:
        pytest.skip("needs the embedded sandbox's test-support API (CAL_API_URL points at a remote target)")
    return SandboxAdmin(http, settings.sandbox.admin_key)


class SandboxAdmin:
    def __init__(self, http: httpx.Client, admin_key: str) -> None:
        self.http, self.headers = http, {"x-sandbox-admin-key": admin_key}

    def create_client(self, redirect_uris: list[str], name: str = "Second Client") -> dict[str, Any]:
        response = self.http.post(
            "/__sandbox/clients", json={"name": name, "redirectUris": redirect_uris}, headers=self.headers
        )
        response.raise_for_status()
        return response.json()

    def create_user(self) -> dict[str, Any]:
        response = self.http.post("/__sandbox/users", json={}, headers=self.headers)
        response.raise_for_status()
        return response.json()

    def advance_clock(self, milliseconds: int) -> None:
        self.http.post("/__sandbox/clock", json={"advanceMs": milliseconds}, headers=self.headers).raise_for_status()


# --- the browser ------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)  # before pytest-playwright's, which parametrizes what asks for browser_name
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """API-level checks take pytest-playwright's browser_name parameter too, browser or not: they may ask for the
    session's browser login at run time (session_cookies), and a session fixture asked for under another
    parameter would be made again: a second browser and a second login."""
    if "session_cookies" in metafunc.fixturenames and "browser_name" not in metafunc.fixturenames:
        metafunc.fixturenames.append("browser_name")


@pytest.fixture(scope="session", autouse=True)
def _browser_before_target(request: pytest.FixtureRequest) -> None:
    """When the run needs a browser, it is launched before the harness waits for the target: the embedded
    sandbox, spawned at configure time, starts meanwhile (~0.4 s saved). Only from a test that runs under the
    browser_name parameter, so that the browser is the one its tests use."""
    # pytest prunes browser_name from fixturenames when nothing asks for it by name; the parameter stays in the
    # test's callspec (reached through the request's test item; without it, this only loses the head start)
    callspec = getattr(getattr(request, "_pyfuncitem", None), "callspec", None)
    if "browser_name" in getattr(callspec, "params", {}) and _run_needs_browser(request.session):
        request.getfixturevalue("browser")


@pytest.fixture(scope="session")
def browser_ws_endpoint(pytestconfig: pytest.Config) -> str | None:
    """E2E_BROWSER_WS_ENDPOINT, or None to launch the browser here."""
    return pytestconfig.stash[BROWSER_ENDPOINT]


@pytest.fixture(scope="session")
def connect_options(browser_ws_endpoint: str | None, browser_type_launch_args: dict) -> dict | None:
    """E2E_BROWSER_WS_ENDPOINT: run the browser on a Playwright server (`playwright run-server`)."""
    if not browser_ws_endpoint:
        return None
    # Playwright names connect()'s first parameter ws_endpoint in older releases and endpoint in newer ones.
    name = "ws_endpoint" if "ws_endpoint" in inspect.signature(BrowserType.connect).parameters else "endpoint"
    # The server reads launch options in its own (camelCase) names; pytest-playwright sends Python's. It takes
    # args and executablePath only when started with --unsafe, so those go only to a server on this machine.
    same_machine = "executable_path" in browser_type_launch_args
    allowed = {**SAFE_LAUNCH_OPTIONS, **(UNSAFE_LAUNCH_OPTIONS if same_machine else {})}
    launch = {allowed[k]: v for k, v in browser_type_launch_args.items() if k in allowed}
    return {name: browser_ws_endpoint, "headers": {"x-playwright-launch-options": json.dumps(launch)}}


SAFE_LAUNCH_OPTIONS = {
    "headless": "headless",
    "channel": "channel",
    "chromium_sandbox": "chromiumSandbox",
    "timeout": "timeout",
}
UNSAFE_LAUNCH_OPTIONS = {"executable_path": "executablePath", "args": "args"}


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict,
    browser_name: str,
    browser_channel: str | None,
    playwright: Any,
    browser_ws_endpoint: str | None,
) -> dict:
    if browser_name != "chromium":
        return browser_type_launch_args
    try:
        overrides = chromium_launch_overrides(
            playwright.chromium.executable_path, browser_channel, _is_root(), browser_ws_endpoint
        )
    except BrowserNotFound as error:
        stop_run(str(error), returncode=2)
    args = [*browser_type_launch_args.get("args", []), *overrides.pop("args")]
    return {**browser_type_launch_args, **overrides, "args": args}


@pytest.fixture(scope="session")
def launch_browser(launch_browser: Any, pytestconfig: pytest.Config) -> Any:
    """pytest-playwright's launcher, timed as the 'browser start' phase."""

    def launch(**kwargs: Any) -> Browser:
        with report.timer(pytestconfig).measure("browser start"):
            browser = launch_browser(**kwargs)
        log.info("browser: %s %s started", browser.browser_type.name, browser.version)
        return browser

    return launch


@pytest.fixture(scope="session")
def page_selectors() -> Selectors:
    """Override in a conftest.py for a deployment whose markup differs from CONTRACT §2."""
    return Selectors()


@pytest.fixture(scope="session")
def signed_in(
    shared_context: SharedContext,
    settings: Settings,
    page_selectors: Selectors,
    pytestconfig: pytest.Config,
    api: OAuthApi,
    code_journal: Path | None,
    redactor: Redactor,
    settlement: Settlement,
) -> SignIn:
    """The session's one real user flow (per worker): log in back to the consent page, click Allow, catch the
    code. Its cookies are reused by every test that needs a session; login.good_credentials and
    consent.allow_lands_with_code check what it recorded. Its code is exchanged right away (the user must stay
    free to authorize again), and the exchange's response is kept for the check."""
    ledger = CodeLedger(api, code_journal, settlement)
    authorizer = Authorizer(api, settings, {}, ledger, redactor)
    page = shared_context.open_page("session login")
    flow, failure = None, ""
    try:
        flow = sign_in(
            page, settings, page_selectors, PAGE_TIMEOUT_MS, report.timer(pytestconfig), authorizer.remember_own
        )
    except LoginFailed as error:
        failure = str(error)
        if error.configuration:  # the credentials, not the login page: one line, before any check fails on it
            stop_run(f"configuration error: {failure}", 2)
    finally:
        failed = flow is None or flow.allow_error is not None or not flow.consent_shown
        evidence = report.output_dir(pytestconfig) / f"session-login-{_worker_index(pytestconfig)}"
        shared_context.close_page(page, failed, evidence, redactor)
    if flow is None:  # reported once, by login.good_credentials; what needs the session is blocked
        return SignIn({}, "", False, login_error=failure, evidence_dir=str(evidence))
    code = next(iter(codes_in(flow.code_url or "")), None)
    if code:
        flow = replace(flow, exchange_response=authorizer.exchange_raw(code))
    ledger.settle()
    return replace(flow, evidence_dir=str(evidence) if failed else None)


@pytest.fixture(scope="session")
def signed_in_state(signed_in: SignIn) -> StorageState:
    """The test user's browser storage state (cookies) after the one real login."""
    if signed_in.login_error is not None:
        raise Blocked(f"the session's login failed, see login.good_credentials: {signed_in.login_error}")
    return signed_in.storage_state


@pytest.fixture
def session_evidence(signed_in: SignIn, request: pytest.FixtureRequest) -> SignIn:
    """The session flow, its evidence (trace, screenshot, page HTML) linked to the checking test's report."""
    if signed_in.evidence_dir is not None:
        request.node.stash[report.ARTIFACT_DIR] = signed_in.evidence_dir
    return signed_in


@pytest.fixture(scope="session")
def artifact_options(pytestconfig: pytest.Config) -> ArtifactOptions:
    """pytest-playwright's --tracing, --screenshot, --video, --full-page-screenshot, for the shared contexts."""
    return ArtifactOptions(
        pytestconfig.getoption("tracing"),
        pytestconfig.getoption("screenshot"),
        pytestconfig.getoption("video"),
        pytestconfig.getoption("full_page_screenshot"),
    )


@pytest.fixture(scope="session")
def shared_context(browser: Browser, browser_context_args: dict, artifact_options: ArtifactOptions) -> SharedContext:
    """The worker's one browser context and page: the session login runs in it, then each test, reset."""
    context = browser.new_context(**browser_context_args)
    # No close here: the browser's (pytest-playwright's `browser` fixture) closes the context too, ~50 ms sooner.
    return SharedContext(context, artifact_options, timeout_ms=PAGE_TIMEOUT_MS)


@pytest.fixture
def page(
    shared_context: SharedContext, request: pytest.FixtureRequest, output_path: str, redactor: Redactor
) -> Iterator[Page]:
    """A page with no session (the worker's one page, reset for the test; see e2e/shared_context.py)."""
    yield from _test_page(shared_context, request, output_path, redactor, cookies=None)


@pytest.fixture
def signed_in_page(
    shared_context: SharedContext,
    signed_in_state: StorageState,
    request: pytest.FixtureRequest,
    output_path: str,
    redactor: Redactor,
) -> Iterator[Page]:
    """A page holding the test user's session (the worker's one page, reset for the test)."""
    yield from _test_page(shared_context, request, output_path, redactor, cookies=signed_in_state["cookies"])


def _test_page(
    shared: SharedContext,
    request: pytest.FixtureRequest,
    output_path: str,
    redactor: Redactor,
    cookies: list[StorageStateCookie] | None,
) -> Iterator[Page]:
    page = shared.open_page(request.node.nodeid, cookies)
    yield page
    call = getattr(request.node, "rep_call", None)  # set by pytest-playwright's report hook
    failed = call is None or call.failed
    shared.close_page(page, failed, Path(output_path), redactor)
    request.node.stash[report.ARTIFACT_DIR] = output_path


@pytest.fixture
def login_page(page: Page, settings: Settings, page_selectors: Selectors) -> LoginPage:
    return LoginPage(page, settings.web_url, page_selectors)


@pytest.fixture
def signed_in_consent(signed_in_page: Page, settings: Settings, page_selectors: Selectors) -> ConsentPage:
    return ConsentPage(signed_in_page, settings.web_url, page_selectors)


@pytest.fixture
def signed_in_catcher(signed_in_page: Page, settings: Settings, authorizer: Authorizer) -> RedirectCatcher:
    """Every code the browser brings back goes to the ledger, so it is exchanged even if the test fails."""
    return RedirectCatcher(signed_in_page.context, settings.redirect_uri, on_code=authorizer.remember_own)


# --- codes and keys over HTTP -----------------------------------------------------------------
@pytest.fixture(scope="session")
def settlement() -> Settlement:
    """The run's codes that no exchange could spend, shared by every test's ledger."""
    return Settlement()


@pytest.fixture(scope="session")
def code_journal(api: OAuthApi, settings: Settings, settlement: Settlement, redactor: Redactor) -> Path | None:
    """Against a remote target, where codes are journaled. Codes earlier runs left are settled first; one that
    cannot be exchanged stops the run: the test user could not authorize this client until it is."""
    if settings.is_sandbox:
        return None  # every run gets a fresh sandbox
    journal = journal_path(settings.state_dir, settings.api_url, settings.client_id, settings.user_email)
    ledger = CodeLedger(api, journal, settlement)
    leftovers = len(ledger.journaled_codes())
    left = ledger.recover(settings.client_secret.reveal())
    if leftovers > len(left):
        log.warning("exchanged %d code(s) an earlier run left unexchanged (journal %s)", leftovers - len(left), journal)
    for code in left:
        redactor.add(code)
    if left:
        settlement.stuck.clear()  # stated here once; the run stops
        error = next(iter(left.values()))
        stop_run(
            f"an earlier run left {len(left)} unexchanged code(s) for {settings.user_email} and client "
            f"{settings.client_id}; exchanging it failed: {error}. Until it is exchanged Cal.com refuses "
            f"this user a new authorize. Fix the cause and run again (the journal {journal} keeps the code; "
            "`calcom-e2e doctor` shows it)",
            returncode=2 if "CAL_CLIENT_SECRET" in error else 3,
        )
    return journal


@pytest.fixture
def ledger(api: OAuthApi, code_journal: Path | None, settlement: Settlement) -> Iterator[CodeLedger]:
    """Every code obtained in a test is exchanged at its end, pass or fail (retried; kept until spent)."""
    codes = CodeLedger(api, code_journal, settlement)
    yield codes
    codes.settle()


@pytest.fixture(scope="session")
def session_cookies(request: pytest.FixtureRequest, settings: Settings, redactor: Redactor) -> dict[str, str]:
    """The test user's session cookies for API-level checks (sent to CAL_API_URL).

    When the run drives a browser anyway, the cookies of its one real login. Otherwise a login over HTTP as
    Cal.com's login form does it (e2e/http_login.py), so a run of API-level checks alone never starts a browser;
    where the deployment does not allow that, the browser logs in after all."""
    if not _run_needs_browser(request.session):
        try:
            cookies = http_login(settings.web_url, settings.user_email, settings.user_password.reveal(), HTTP_TIMEOUT_S)
        except HttpLoginUnavailable as reason:
            log.warning("HTTP login unavailable (%s): logging in through the browser", reason)
        except HttpLoginRefused as refusal:
            stop_run(f"configuration error: {refusal}", 2)
        else:
            for cookie in cookies:
                redactor.add(cookie["value"])
            return cookies_for({"cookies": cookies}, settings.api_url)
    return cookies_for(request.getfixturevalue("signed_in_state"), settings.api_url)


def _run_needs_browser(session: pytest.Session) -> bool:
    return any("browser" in getattr(item, "fixturenames", ()) for item in session.items)


@pytest.fixture(scope="session", autouse=True)
def _preflight_api(request: pytest.FixtureRequest) -> None:
    """Before any check that talks to the API: the API, the client and its secret are what the settings say."""
    if not any("api" in getattr(item, "fixturenames", ()) for item in request.session.items):
        return
    api, settings = request.getfixturevalue("api"), request.getfixturevalue("settings")
    try:
        preflight.check_api_and_client(api, settings)
    except preflight.Misconfigured as problem:
        stop_run(f"configuration error: {problem}", 2)
    except httpx.HTTPError as error:
        stop_run(f"target unreachable: {type(error).__name__} on {settings.api_url}", 3)


@pytest.fixture(scope="session")
def authorize_preflight(
    api: OAuthApi,
    settings: Settings,
    session_cookies: dict[str, str],
    code_journal: Path | None,
    settlement: Settlement,
    redactor: Redactor,
) -> None:
    """Once, before the first code a check asks for: the session reaches the API, CAL_REDIRECT_URI is registered,
    the user holds no code from elsewhere, the client holds PROFILE_READ."""
    ledger = CodeLedger(api, code_journal, settlement)
    try:
        preflight.check_authorize(api, settings, session_cookies, ledger)
    except preflight.Misconfigured as problem:
        stop_run(f"configuration error: {problem}", 2)
    finally:
        for code in ledger.unspent():
            redactor.add(code)
        ledger.settle()


@pytest.fixture
def authorizer(
    api: OAuthApi,
    settings: Settings,
    session_cookies: dict[str, str],
    ledger: CodeLedger,
    redactor: Redactor,
    authorize_preflight: None,
) -> Authorizer:
    return Authorizer(api, settings, session_cookies, ledger, redactor)


def _worker_index(config: pytest.Config) -> int:
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(worker.removeprefix("gw"))


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
