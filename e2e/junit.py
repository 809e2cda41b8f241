"""What junit.xml says beyond pytest's passed, failed, error and skipped: a check's status, known defect and
reason as the testcase's properties, and the one-line reason as a failure's message. pytest's junitxml plugin
writes the file; this module only puts these onto the reports, and names the file's default place.

pytest's junitxml plugin writes junit.xml from the reports, on the controller (under pytest-xdist, from the reports
the workers send). It writes a report's user_properties as the testcase's <properties> under every junit_family,
xunit2 (the default) included, and without a warning: only the record_property and record_xml_attribute fixtures
warn about xunit2. It takes them from the report that closes the testcase, the teardown's (the call's when the
teardown fails too), so a check's status goes from the phase that decided it onto every later report of the test.
A <failure> or <error> message is the report's longrepr.reprcrash.message, so a failed report carries one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest._code.code import ReprExceptionInfo, ReprFileLocation, ReprTracebackNative  # junit.xml's message

from .outcome import CheckOutcome

JUNIT_STATUS, JUNIT_DEFECT, JUNIT_REASON = "calcom_e2e_status", "calcom_e2e_known_defect", "calcom_e2e_reason"
JUNIT_PROPERTIES = pytest.StashKey[list[tuple[str, str]]]()


def default_to_output_dir(config: pytest.Config, output_dir: Path) -> None:
    """Without --junitxml, junit.xml goes to the run's --output folder (not on a pytest-xdist worker: the
    controller writes it). Before pytest's junitxml plugin reads its path, at configure time."""
    if not getattr(config.option, "xmlpath", None) and not hasattr(config, "workerinput"):
        config.option.xmlpath = str(output_dir / "junit.xml")


def junit_report(item: pytest.Item, report: pytest.TestReport, outcome: CheckOutcome | None) -> None:
    """What junit.xml says of a test, beyond pytest's passed, failed, error and skipped:

    - properties calcom_e2e_status (PASS, FAIL, KNOWN, BLOCKED, WARN or SKIP, for a check of a rule and for any
      KNOWN, BLOCKED or WARN test), calcom_e2e_known_defect (the defect's id, KNOWN) and calcom_e2e_reason (the
      one-line reason, every status but PASS): KNOWN and WARN count as passed in pytest, BLOCKED as an error;
    - the message attribute of a <failure> or <error>: the one-line reason the check report shows, masked (the
      element's text keeps the whole masked report)."""
    if report.when == "setup":
        item.stash[JUNIT_PROPERTIES] = []  # each run of the test (a rerun too) decides anew
    decided = item.stash.setdefault(JUNIT_PROPERTIES, [])
    if outcome is not None and not decided and (outcome.rule_id or outcome.status in ("KNOWN", "BLOCKED", "WARN")):
        decided.append((JUNIT_STATUS, outcome.status))  # the first outcome of a test is its status, as in summary()
        if outcome.known_defect:
            decided.append((JUNIT_DEFECT, outcome.known_defect))
        if outcome.status != "PASS" and outcome.reason:
            decided.append((JUNIT_REASON, outcome.reason))
    report.user_properties.extend(decided)
    if report.failed and isinstance(report.longrepr, str) and outcome is not None and outcome.reason:
        # the masked text, as before, with the reason as its crash message; it crosses pytest-xdist as it is
        text = report.longrepr if report.longrepr.endswith("\n") else report.longrepr + "\n"
        path, lineno, _ = item.location
        report.longrepr = ReprExceptionInfo(
            reprtraceback=ReprTracebackNative([text]),
            reprcrash=ReprFileLocation(path, (lineno or 0) + 1, outcome.reason),
        )
