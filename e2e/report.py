"""What a person reads: one line per check with its rule, secrets masked, the HTTP exchanges of a failure,
advisory misses as warnings, a closing summary with one line per failure; and, under --output, JUnit XML
(what it adds to pytest's: e2e/junit.py), summary.json (with per-phase timings) and a self-contained report.html.
It reads the run's redactor, timer, HTTP recorder, output folder and metadata from its RunState (e2e/run_state.py).

Worker-side hooks (makereport) put what a report needs into user_properties, so it also crosses pytest-xdist;
the controller (logreport, sessionfinish) gathers it.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Generator, Mapping
from dataclasses import asdict
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from .checks import Blocked, CheckFailed, Level
from .checks.rules import RULES
from .junit import junit_report
from .known_issues import KnownDefect, known_defects, match
from .outcome import CheckOutcome
from .phases import PHASE_PREFIX
from .run_state import ARTIFACT_DIR, RunState

# user_properties a report carries (and junit.xml shows); "http_exchange" holds one rendered HTTP record
WARNED, REASON, RULE, LABEL, HTTP_RECORD = "warned", "reason", "rule", "label", "http_exchange"
PAGE_HTML = "playwright_page_html"
KNOWN, BLOCKED = "known_defect", "blocked"
STATUSES = ("PASS", "FAIL", "KNOWN", "BLOCKED", "WARN", "SKIP")
ARTIFACT_KINDS = {
    "playwright_screenshot": "screenshot",
    "playwright_trace": "trace",
    "playwright_video": "video",
    PAGE_HTML: "page HTML",
}


def configure(config: pytest.Config, state: RunState) -> None:
    """Raises KnownIssuesError for a known-issues file that cannot be used."""
    defects = known_defects(
        list(config.getoption("known_issues", None) or []), shipped=not config.getoption("no_known_issues", False)
    )
    config.pluginmanager.register(ReportHooks(config, state, defects), "calcom-e2e-report")


def rule_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("rule")
    return marker.args[0] if marker and marker.args else None


class ReportHooks:
    def __init__(self, config: pytest.Config, state: RunState, defects: list[KnownDefect]) -> None:
        self.config = config
        self.state = state
        self.defects = defects
        self.strict = bool(config.getoption("strict_advisories", False))
        self.checks_report = bool(config.getoption("checks_report", False))
        self.outcomes: dict[str, CheckOutcome] = {}
        self.tests_per_rule: dict[str, int] = {}
        self.phases: dict[str, list[float]] = {}
        self.started = time.time()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.checks_report and terminal is not None and self.config.get_verbosity() <= 0:
            terminal.showfspath = False  # the check lines replace pytest's per-file progress lines

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            rule_id = rule_of(item)
            if rule_id is not None and rule_id not in RULES:
                raise pytest.UsageError(f"{item.nodeid}: unknown rule {rule_id!r} (see e2e/checks/rules.py)")
        from .checks.rules import UnknownRule, select_rules  # ids, globs, comma-separated lists

        try:
            wanted = select_rules(config.getoption("rules", []))
        except UnknownRule as error:
            raise pytest.UsageError(str(error)) from None
        if wanted:
            deselected = [item for item in items if rule_of(item) not in wanted]
            items[:] = [item for item in items if rule_of(item) in wanted]
            config.hook.pytest_deselected(items=deselected)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """How many tests check each rule: a line names its test where the rule id alone is not unique."""
        functions: dict[str, set[str]] = {}
        for item in session.items:
            functions.setdefault(rule_of(item) or "", set()).add(getattr(item, "originalname", item.name))
        self.tests_per_rule = {rule: len(names) for rule, names in functions.items()}

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.state.recorder.clear()

    # --- worker side ---------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        mask = self.state.redactor.mask
        rule_id = rule_of(item)
        failure = call.excinfo.value if call.excinfo is not None else None
        if isinstance(failure, CheckFailed):
            rule_id = failure.rule.id  # the rule that actually broke, which may be a shared one
        report.user_properties.append((RULE, rule_id or ""))
        label = self._label(item, rule_id)
        if label:
            report.user_properties.append((LABEL, label))
        report.user_properties.extend((PHASE_PREFIX + name, f"{ms:.1f}") for name, ms in self.state.timer.drain())
        if report.failed:
            records = self.state.recorder.records
            report.user_properties.extend((HTTP_RECORD, record.render()) for record in records)
            if records:
                report.sections.append(("HTTP exchanges (secrets masked)", "\n".join(r.render() for r in records)))
            reason = mask(_one_line(call.excinfo)) if call.excinfo else "failed"
            report.user_properties.append((REASON, reason))
            defect = (
                match(self.defects, failure.rule.id, item.nodeid, mask(failure.reason))
                if isinstance(failure, CheckFailed)
                else None
            )
            if isinstance(failure, Blocked):
                report.user_properties.append((BLOCKED, mask(failure.reason)))
            elif defect is not None:
                report.outcome = "passed"  # known: it does not fail the run
                report.user_properties.append((KNOWN, defect.id))
                report.longrepr = None
            elif report.when == "call" and self._is_advisory(item) and not self.strict:
                report.outcome = "passed"
                report.user_properties.append((WARNED, reason))
                report.longrepr = None
        if report.when == "teardown" and ARTIFACT_DIR in item.stash:
            for path in sorted(Path(item.stash[ARTIFACT_DIR]).glob("*")):
                kind = ARTIFACT_FILES.get(path.suffix)
                if kind:
                    report.user_properties.append((kind, str(path)))
        if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
            location, line, message = report.longrepr
            report.longrepr = (location, line, mask(message))
        elif report.longrepr is not None:
            report.longrepr = mask(str(report.longrepr))
        report.sections = [(title, mask(text)) for title, text in report.sections]
        junit_report(item, report, self._outcome(report))
        return report

    def _label(self, item: pytest.Item, rule_id: str | None) -> str:
        """What tells the item's check line from another of the same rule: its parameter ids (without
        pytest-playwright's browser name), and the test's name where several tests check the rule."""
        params = param_ids(item)
        label = f"[{params}]" if params else ""
        if self.tests_per_rule.get(rule_id or "", 0) > 1:
            label += f" ({getattr(item, 'originalname', item.name)})"
        return label

    def _is_advisory(self, item: pytest.Item) -> bool:
        rule_id = rule_of(item)
        return item.get_closest_marker("advisory") is not None or (
            rule_id is not None and RULES[rule_id].level is Level.WARNING
        )

    # --- controller side -----------------------------------------------------------------------
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, str | tuple[str, Mapping[str, bool]]] | None:
        keys = {k for k, _ in getattr(report, "user_properties", ())}  # a CollectReport has none
        warned = report.when == "call" and WARNED in keys
        known = KNOWN in keys
        quiet = self.checks_report and config.get_verbosity() <= 0
        if quiet and (report.when == "call" or report.skipped or report.failed or known):
            # the check lines replace pytest's dots and letters (an "E" would run into the line: "EFAIL")
            if report.failed and report.when != "call":
                return "error", "", ""
            return ("known" if known else WARNED if warned else report.outcome), "", ""
        if known:
            return "known", "K", ("KNOWN", {"yellow": True})
        if warned:
            return WARNED, "W", ("WARN", {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key.startswith(PHASE_PREFIX):
                self.phases.setdefault(key[len(PHASE_PREFIX) :], []).append(float(str(value)))
        outcome = self._outcome(report)
        if outcome is not None and outcome.nodeid not in self.outcomes:
            self.outcomes[outcome.nodeid] = outcome
            self._print_line(outcome, str(dict(report.user_properties).get(LABEL, "")))
        known = self.outcomes.get(report.nodeid)
        if known is not None:
            known.artifacts.extend(
                (ARTIFACT_KINDS[k], str(v)) for k, v in report.user_properties if k in ARTIFACT_KINDS
            )

    def _outcome(self, report: pytest.TestReport) -> CheckOutcome | None:
        props = dict(report.user_properties)
        if KNOWN in props:
            status = "KNOWN"
        elif BLOCKED in props:
            status = "BLOCKED"
        elif report.when == "call":
            status = "WARN" if WARNED in props else "PASS" if report.passed else "SKIP" if report.skipped else "FAIL"
        elif report.failed:
            status = "FAIL"
        elif report.skipped:
            status = "SKIP"
        else:
            return None
        reason = str(props.get(WARNED) or props.get(BLOCKED) or props.get(REASON) or "")
        if status == "SKIP" and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        records = [str(v) for k, v in report.user_properties if k == HTTP_RECORD]
        return CheckOutcome(
            report.nodeid,
            str(props.get(RULE, "")),
            status,
            reason,
            report.duration,
            records,
            known_defect=str(props.get(KNOWN, "")),
        )

    def _print_line(self, outcome: CheckOutcome, label: str) -> None:
        if not self.checks_report:
            return
        rule = RULES.get(outcome.rule_id)
        title = f"{rule.id}{label}: {rule.title} ({rule.reference})" if rule else outcome.nodeid
        line = f"{outcome.status:5}  {title}"
        if outcome.status != "PASS" and outcome.reason:
            line += f"\n         {outcome.reason}"
        if outcome.known_defect:
            line += f"\n         known Cal.com defect: {outcome.known_defect} (CONTRACT §5)"
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(line)

    def summary(self) -> dict:
        outcomes = list(self.outcomes.values())
        counts = {s.lower(): sum(o.status == s for o in outcomes) for s in STATUSES}
        phases = {
            name: {"count": len(ms), "median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1)}
            for name, ms in sorted(self.phases.items())
        }
        return {
            "started": self.started,
            "duration_s": round(time.time() - self.started, 3),
            "counts": counts,
            "run": self.run_metadata(),
            "known_defects": self.defect_verdicts(),
            "phases": phases,
            "checks": [asdict(o) for o in outcomes],
        }

    def run_metadata(self) -> dict:
        """What was tested, for the reports: set by the plugin once the target is known."""
        return dict(self.state.metadata)

    def defect_verdicts(self) -> list[dict]:
        """Each known defect: shown in this run, not shown although its rule passed, or not exercised."""
        verdicts = []
        for defect in self.defects:
            mine = [o for o in self.outcomes.values() if o.rule_id in defect.shows]
            if any(o.known_defect == defect.id for o in mine):
                seen = "shown"
            elif any(o.status == "PASS" and fnmatchcase(o.nodeid, defect.check) for o in mine):
                seen = "not shown"
            else:
                seen = "not exercised"
            verdicts.append(
                {
                    "id": defect.id,
                    "rules": sorted(defect.shows),
                    "seen": seen,
                    "evidence": defect.evidence,
                    "since": defect.since,
                }
            )
        return verdicts

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        summary = self.summary()
        explicit = self.config.getoption("checks_json", None)
        for path in filter(None, [self.state.output_dir / "summary.json", explicit]):
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(summary, indent=2))
        if self.outcomes and any(o.rule_id for o in self.outcomes.values()):
            from .html_report import write_html_report  # jinja2 (~25 ms) only when the run is over

            write_html_report(self.state.output_dir / "report.html", summary, RULES)
            (self.state.output_dir / "summary.md").write_text(markdown_summary(summary))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        outcomes = [o for o in self.outcomes.values() if o.rule_id]
        if not outcomes:
            return
        counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
        terminalreporter.section("calcom-e2e checks")
        target = self.run_metadata().get("target")
        if target:
            terminalreporter.write_line(f"target: {target}")
        for status in ("FAIL", "BLOCKED", "KNOWN", "WARN"):
            for outcome in outcomes:
                if outcome.status == status:
                    label = outcome.known_defect or outcome.rule_id or outcome.nodeid
                    terminalreporter.write_line(f"{outcome.status:7}  [{label}] {outcome.nodeid}: {outcome.reason}")
        for verdict in self.defect_verdicts():
            if verdict["seen"] == "not shown":
                terminalreporter.write_line(
                    f"NOT SEEN known defect {verdict['id']}: its checks passed in this run; if Cal.com fixed it, "
                    "drop it from the known-issues list"
                )
        terminalreporter.write_line(
            f"checks: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['KNOWN']} known Cal.com defects, "
            f"{counts['BLOCKED']} blocked, {counts['WARN']} warnings, {counts['SKIP']} skipped"
        )
        terminalreporter.write_line(f"report: {self.state.output_dir / 'report.html'}")


ARTIFACT_FILES = {
    ".zip": "playwright_trace",
    ".png": "playwright_screenshot",
    ".webm": "playwright_video",
    ".html": PAGE_HTML,
}


def param_ids(item: pytest.Item) -> str:
    """The ids of the item's parameters (pytest's, as in its node id), without pytest-playwright's browser name,
    which every test of the suite carries."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return ""
    ids, browser = callspec.id, callspec.params.get("browser_name")
    if not isinstance(browser, str) or browser not in (ids, *ids.split("-")):
        return ids
    if ids == browser:
        return ""
    # pytest-playwright parametrizes browser_name with the name as its id: first (before the test's own
    # parameters) or last
    return ids[len(browser) + 1 :] if ids.startswith(f"{browser}-") else ids.removesuffix(f"-{browser}")


def markdown_summary(summary: dict) -> str:
    """The run in a few lines of Markdown (a CI job summary): target, counts, what failed, known defects."""
    counts = summary["counts"]
    lines = [
        "## calcom-oauth-e2e",
        "",
        f"Target: {summary['run'].get('target', '?')}",
        "",
        " · ".join(f"{counts[s.lower()]} {s.lower()}" for s in STATUSES),
        "",
    ]
    for status in ("FAIL", "BLOCKED", "KNOWN", "WARN"):
        for check in summary["checks"]:
            if check["status"] == status:
                label = check["known_defect"] or check["rule_id"] or check["nodeid"]
                lines.append(f"- **{status}** `{label}` {check['nodeid']}: {check['reason']}")
    return "\n".join(lines) + "\n"


def _one_line(excinfo: pytest.ExceptionInfo) -> str:
    if isinstance(excinfo.value, CheckFailed):
        return str(excinfo.value)
    lines = excinfo.exconly().strip().splitlines()
    return lines[0] if lines else excinfo.typename
