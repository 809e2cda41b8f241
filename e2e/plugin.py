"""The pytest plugin, registered through the `pytest11` entry point wherever calcom-oauth-e2e is installed.

It adds the "calcom-e2e" options to every pytest run and does nothing else, unless the run includes the flow suite
(`calcom-e2e`, `pytest --pyargs e2e.flow_suite`, a path to it): then it registers the suite's plugin
(e2e/suite_plugin.py), which reads the target, starts the sandbox, and provides the fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .suite_args import runs_flow_suite

SUITE_PLUGIN = "calcom-e2e-suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("calcom-e2e")
    group.addoption(
        "--env-file", type=Path, default=None, help="read CONTRACT §3 variables from this file (default ./.env)"
    )
    group.addoption("--strict-advisories", action="store_true", help="a missed advisory (CONTRACT §4) fails the run")
    group.addoption("--checks-report", action="store_true", help="one line per check with its rule, and a summary")
    group.addoption(
        "--checks-json", type=Path, default=None, metavar="PATH", help="write each check's outcome to this JSON file"
    )
    group.addoption(
        "--rule",
        action="append",
        default=[],
        dest="rules",
        metavar="ID",
        help="run only the checks of these rules: ids or globs ('refresh.*'), comma-separated; repeatable",
    )
    group.addoption(
        "--flow",
        choices=["platform", "oauth2"],
        default=None,
        help="run one flow only: the platform OAuth flow (CONTRACT §1-§2) or the OAuth2 provider's consent-page "
        "flow (§6); default both (the OAuth2 flow when CAL_OAUTH2_CLIENT_ID is set)",
    )
    group.addoption(
        "--require-target",
        action="store_true",
        help="a missing CAL_API_URL is a configuration error instead of a run against the embedded sandbox",
    )
    group.addoption(
        "--known-issues",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="more known Cal.com defects (TOML, as e2e/known_issues.toml); repeatable",
    )
    group.addoption(
        "--no-known-issues",
        action="store_true",
        help="no known defects: a check failing in a known way is a FAIL (strict)",
    )
    group.addoption(
        "--sandbox-persona",
        default="calcom",
        choices=["calcom", "reference"],
        help="the embedded sandbox's persona: Cal.com as it ships (default) or the intended behaviour",
    )
    group.addoption(
        "--sandbox-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="start the embedded sandbox with this fault on (self-tests; see python -m e2e.sandbox --list-faults)",
    )


@pytest.hookimpl(tryfirst=True)  # the suite plugin's configure runs as it registers: before junitxml's
def pytest_configure(config: pytest.Config) -> None:
    if runs_flow_suite(config):
        activate(config)


def activate(config: pytest.Config) -> None:
    """Registers the flow suite's plugin for this run, once (its pytest_configure runs as it registers)."""
    from . import suite_plugin

    if not config.pluginmanager.is_registered(suite_plugin):
        config.pluginmanager.register(suite_plugin, SUITE_PLUGIN)
