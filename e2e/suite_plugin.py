"""The flow suite's plugin: its markers, the run's configuration and state, and how the run stops (a
configuration error, the target gone); it registers the suite's fixtures (e2e/fixtures/).

e2e/plugin.py (the entry point pytest loads wherever the package is installed) registers it only in a run of the
flow suite, so that merely installing the harness changes no other pytest run: these fixtures replace
pytest-playwright's `page` and `browser_type_launch_args` and name `settings`, `api`, `sandbox`, ...
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from typing import NoReturn

import pytest

from . import junit, report
from .known_issues import KnownIssuesError
from .run_state import RUN_STATE, RunState
from .sandbox.info import SandboxInfo
from .settings import (
    ConfigError,
    Settings,
    browser_ws_endpoint_from,
    default_state_dir,
    read_environment,
    remote_settings,
    use_node_compile_cache,
)
from .suite_args import runs_flow_suite

REMOTE_SETTINGS = pytest.StashKey[Settings | None]()
BROWSER_ENDPOINT = pytest.StashKey[str | None]()
# The suite's settings that an ini file would otherwise hold: they travel with the suite, wherever it runs from
# (calcom-e2e, pytest --pyargs e2e.flow_suite, the project's own tests).
MARKERS = [
    "smoke: the release check (login, consent, exchange, refresh, /v2/me)",
    "browser: drives a real browser",
    "api: HTTP only, no browser",
    "advisory: CONTRACT section 4 good practice; a miss is a warning unless --strict-advisories",
    "sandbox_only: needs the embedded sandbox's test-support API",
    "rule(id): the CONTRACT rule a check guards",
    "oauth2: the OAuth 2.0 provider flow (CONTRACT §6); --flow selects one flow",
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
    state = config.stash[RUN_STATE] = RunState.create(config)
    junit.default_to_output_dir(config, state.output_dir)
    try:
        values = read_environment(config.getoption("env_file"))
        remote = remote_settings(values, require_target=config.getoption("require_target"))
        workers = getattr(config.option, "numprocesses", None)
        if remote is not None and isinstance(workers, int) and workers > 0:
            remote.for_worker(workers - 1)  # enough E2E_USERS for every worker?
        config.stash[REMOTE_SETTINGS] = remote
        config.stash[BROWSER_ENDPOINT] = browser_ws_endpoint_from(values)
        report.configure(config, state)
    except (ConfigError, KnownIssuesError) as error:
        stop_run(f"configuration error: {error}", returncode=2)
    if not hasattr(config, "workerinput"):
        from .run_problems import (
            run_problem,  # --rule, --output, --checks-json, --video: found now, not at the run's end
        )

        problem = run_problem(config, config.stash[BROWSER_ENDPOINT])
        if problem is not None:
            stop_run(problem, returncode=2)
        config.pluginmanager.register(StopWhenTargetGone(), "calcom-e2e-target-gone")
    state.metadata = run_metadata(remote, None, config)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # e2e.http_log logs each call once, with its duration
    use_node_compile_cache(default_state_dir() / "node-compile-cache")
    # imported here, not above: they take this module's stash keys and stop_run
    from .fixtures import browser, codes, oauth2, target, warm_start

    # warm_start first: its autouse fixture launches the browser before target's, which waits for the sandbox
    modules = [
        ("warm-start", warm_start),
        ("target", target),
        ("browser", browser),
        ("codes", codes),
        ("oauth2", oauth2),
    ]
    for name, module in modules:
        config.pluginmanager.register(module, f"calcom-e2e-{name}")
    if remote is None and runs_flow_suite(config):
        warm_start.spawn_sandbox(config)  # its start overlaps collection and the browser's


def pytest_itemcollected(item: pytest.Item) -> None:
    """A check's rule id is one of its keywords: `-k exchange.code_single_use` and `-k "oauth2.token and not
    pkce"` select by rule, as --rule does (pytest's -k matches keywords by substring, case-insensitively)."""
    rule_id = report.rule_of(item)
    if rule_id is not None:
        item.extra_keyword_matches.add(rule_id)


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(RUN_STATE, None)
    return [f"calcom-e2e target: {state.metadata['target']}"] if state is not None and state.metadata else []


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
    if remote is not None:
        oauth2 = remote.oauth2
        target += (
            f"; OAuth2 client {oauth2.client_id} ({'public' if oauth2.is_public else 'confidential'}, scopes "
            f"{oauth2.scope})"
            if oauth2 is not None
            else "; no OAuth2 client (CAL_OAUTH2_CLIENT_ID unset: the consent-page flow is skipped)"
        )
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


TARGET_UNREACHABLE = "calcom_e2e_target_unreachable"  # a report's user property: the target went away


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after report.py's hook has made the report
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A check that failed on a connection the target refused (or never accepted): the target went away during
    the run. Said on the report (it crosses pytest-xdist), on which the run stops (StopWhenTargetGone)."""
    report_: pytest.TestReport = yield
    if call.excinfo is not None:
        from .run_problems import target_connection_failure

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


def worker_index(config: pytest.Config) -> int:
    """This pytest-xdist worker's number (0 without pytest-xdist): which of E2E_USERS it takes."""
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(worker.removeprefix("gw"))
