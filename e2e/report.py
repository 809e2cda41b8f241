"""What a person reads: one line per check with its rule, secrets masked, the HTTP exchanges of a failure,
advisory misses as warnings, and a closing summary with one line per failure."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .checks import CheckFailed, Level
from .checks.rules import RULES
from .http_log import ExchangeRecorder
from .secrets_mask import Redactor

REDACTOR = pytest.StashKey[Redactor]()
RECORDER = pytest.StashKey[ExchangeRecorder]()
OUTCOMES = pytest.StashKey[list["CheckOutcome"]]()
WARNED = "warned"


@dataclass(frozen=True)
class CheckOutcome:
    nodeid: str
    rule_id: str
    status: str  # PASS, FAIL, WARN, SKIP
    reason: str
    duration_s: float


def configure(config: pytest.Config) -> None:
    config.stash[REDACTOR] = Redactor()
    config.stash[RECORDER] = ExchangeRecorder(config.stash[REDACTOR])
    config.stash[OUTCOMES] = []
    config.pluginmanager.register(ReportHooks(config), "calcom-e2e-report")


def redactor(config: pytest.Config) -> Redactor:
    return config.stash[REDACTOR]


def recorder(config: pytest.Config) -> ExchangeRecorder:
    return config.stash[RECORDER]


def rule_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("rule")
    return marker.args[0] if marker and marker.args else None


class ReportHooks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.strict = bool(config.getoption("strict_advisories", False))
        self.checks_report = bool(config.getoption("checks_report", False))

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.checks_report and terminal is not None and self.config.get_verbosity() <= 0:
            terminal.showfspath = False  # the check lines replace pytest's per-file progress lines

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            rule_id = rule_of(item)
            if rule_id is not None and rule_id not in RULES:
                raise pytest.UsageError(f"{item.nodeid}: unknown rule {rule_id!r} (see e2e/checks/rules.py)")
        wanted = set(config.getoption("rules", []))
        unknown = wanted - set(RULES)
        if unknown:
            raise pytest.UsageError(f"--rule {', '.join(sorted(unknown))}: no such rule (see e2e/checks/rules.py)")
        if wanted:
            deselected = [item for item in items if rule_of(item) not in wanted]
            items[:] = [item for item in items if rule_of(item) in wanted]
            config.hook.pytest_deselected(items=deselected)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        recorder(self.config).clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        report: pytest.TestReport = yield
        mask = redactor(self.config).mask
        rule_id = rule_of(item)
        if isinstance(call.excinfo and call.excinfo.value, CheckFailed):
            rule_id = call.excinfo.value.rule.id  # the rule that actually broke, which may be a shared one
        report.user_properties.append(("rule", rule_id or ""))
        if report.failed:
            exchanges = recorder(self.config).exchanges
            if exchanges:
                report.sections.append(("HTTP exchanges (secrets masked)", "\n".join(e.render() for e in exchanges)))
            reason = mask(_one_line(call.excinfo)) if call.excinfo else "failed"
            report.user_properties.append(("reason", reason))
            if report.when == "call" and self._is_advisory(item) and not self.strict:
                report.outcome = "passed"
                report.user_properties.append((WARNED, reason))
                report.longrepr = None
        if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
            path, line, message = report.longrepr
            report.longrepr = (path, line, mask(message))
        elif report.longrepr is not None:
            report.longrepr = mask(str(report.longrepr))
        report.sections = [(title, mask(text)) for title, text in report.sections]
        return report

    def _is_advisory(self, item: pytest.Item) -> bool:
        rule_id = rule_of(item)
        return item.get_closest_marker("advisory") is not None or (
            rule_id is not None and RULES[rule_id].level is Level.WARNING
        )

    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        warned = report.when == "call" and any(k == WARNED for k, _ in report.user_properties)
        if self.checks_report and config.get_verbosity() <= 0 and (report.when == "call" or report.skipped):
            # the check lines replace pytest's progress dots
            return (WARNED if warned else report.outcome), "", ""
        if warned:
            return WARNED, "W", ("WARN", {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self._outcome(report)
        if outcome is None:
            return
        self.config.stash[OUTCOMES].append(outcome)
        if self.checks_report:
            rule = RULES.get(outcome.rule_id)
            title = f"{rule.id}: {rule.title} ({rule.reference})" if rule else outcome.nodeid
            line = f"{outcome.status:4}  {title}"
            if outcome.status != "PASS" and outcome.reason:
                line += f"\n        {outcome.reason}"
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.write_line(line)

    def _outcome(self, report: pytest.TestReport) -> CheckOutcome | None:
        props = dict(report.user_properties)
        if report.when == "call":
            status = "WARN" if WARNED in props else "PASS" if report.passed else "SKIP" if report.skipped else "FAIL"
        elif report.failed:
            status = "FAIL"
        elif report.skipped:
            status = "SKIP"
        else:
            return None
        reason = props.get(WARNED) or props.get("reason") or ""
        if status == "SKIP" and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        return CheckOutcome(report.nodeid, props.get("rule", ""), status, reason, report.duration)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("checks_json", None)
        if path is not None:
            outcomes = [dataclasses.asdict(o) for o in self.config.stash[OUTCOMES]]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps({"checks": outcomes}, indent=2))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        outcomes = [o for o in self.config.stash[OUTCOMES] if o.rule_id]
        if not outcomes:
            return
        counts = {s: sum(o.status == s for o in outcomes) for s in ("PASS", "FAIL", "WARN", "SKIP")}
        terminalreporter.section("calcom-e2e checks")
        for outcome in outcomes:
            if outcome.status in ("FAIL", "WARN"):
                label = outcome.rule_id or outcome.nodeid
                terminalreporter.write_line(f"{outcome.status}  [{label}] {outcome.nodeid}: {outcome.reason}")
        terminalreporter.write_line(
            f"checks: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['WARN']} warnings, {counts['SKIP']} skipped"
        )


def _one_line(excinfo: pytest.ExceptionInfo) -> str:
    if isinstance(excinfo.value, CheckFailed):
        return str(excinfo.value)
    lines = excinfo.exconly().strip().splitlines()
    return lines[0] if lines else excinfo.typename
