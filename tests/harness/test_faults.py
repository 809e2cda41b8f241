"""Proof that the flow suite catches regressions: against each sandbox fault it fails, naming the broken rule.

Each fault runs the checks of its rule in a fresh pytest process against a sandbox started with that fault.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.checks.rules import RULES, Level
from e2e.cli import suite_config
from e2e.paths import FLOW_SUITE
from e2e.rule_table import rows
from e2e.sandbox.faults import FAULTS
from tests.harness.harness_run import clean_env

ROOT = Path(__file__).resolve().parents[2]
FAILURE_FAULTS = [f for f in FAULTS.values() if RULES[f.rule_id].level is Level.FAILURE]
ADVISORY_FAULTS = [f for f in FAULTS.values() if RULES[f.rule_id].level is Level.WARNING]


def run_flow_suite(
    tmp_path: Path, *args: str, persona: str = "reference", known_issues: bool = False
) -> tuple[int, list[dict], str]:
    """Runs the flow suite against a fresh embedded sandbox of that persona (whatever target the environment names).
    Strict by default: a fault that looks like a known Cal.com defect must still fail the run."""
    out = tmp_path / "checks.json"
    env = clean_env()
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(FLOW_SUITE),
        *suite_config(),  # the suite's own settings, as calcom-e2e runs it
        "-q",
        "--checks-json",
        str(out),
        "--sandbox-persona",
        persona,
        *([] if known_issues else ["--no-known-issues"]),
        *args,
    ]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    checks = json.loads(out.read_text())["checks"] if out.exists() else []
    return result.returncode, checks, result.stdout[-3000:] + result.stderr[-2000:]


def statuses_of(checks: list[dict], rule_id: str) -> set[str]:
    return {c["status"] for c in checks if c["rule_id"] == rule_id}


@pytest.mark.parametrize("fault", FAILURE_FAULTS, ids=lambda f: f.name)
def test_suite_fails_on_fault_naming_its_rule(fault, tmp_path):
    code, checks, output = run_flow_suite(tmp_path, "--sandbox-fault", fault.name, "--rule", fault.rule_id)
    assert code == 1, f"the suite passed against fault {fault.name} ({fault.breaks}):\n{output}"
    assert "FAIL" in statuses_of(checks, fault.rule_id), f"no failure names {fault.rule_id}:\n{output}"


# On Cal.com as it ships (the calcom persona), with its known defects listed as they are for a user: each fault
# that applies there still fails the run, naming its rule. Rules the persona already breaks are left out.
CALCOM_FAULTS = [f for f in FAILURE_FAULTS if f.applies_to("calcom")]


@pytest.mark.parametrize("fault", CALCOM_FAULTS, ids=lambda f: f.name)
def test_suite_fails_on_fault_naming_its_rule_on_the_calcom_persona(fault, tmp_path):
    code, checks, output = run_flow_suite(
        tmp_path, "--sandbox-fault", fault.name, "--rule", fault.rule_id, persona="calcom", known_issues=True
    )
    assert code == 1, f"the suite passed against fault {fault.name} ({fault.breaks}) on calcom:\n{output}"
    assert "FAIL" in statuses_of(checks, fault.rule_id), f"no failure names {fault.rule_id}:\n{output}"


@pytest.mark.parametrize("fault", ADVISORY_FAULTS, ids=lambda f: f.name)
def test_advisory_fault_warns_and_fails_when_strict(fault, tmp_path):
    code, checks, output = run_flow_suite(tmp_path, "--sandbox-fault", fault.name, "--rule", fault.rule_id)
    assert code == 0, f"an advisory miss failed the run without --strict-advisories:\n{output}"
    assert "WARN" in statuses_of(checks, fault.rule_id), f"no warning names {fault.rule_id}:\n{output}"
    code, checks, output = run_flow_suite(
        tmp_path, "--sandbox-fault", fault.name, "--rule", fault.rule_id, "--strict-advisories"
    )
    assert code == 1 and "FAIL" in statuses_of(checks, fault.rule_id), f"strict mode did not fail:\n{output}"


def test_faithful_sandbox_meets_every_advisory_strictly(tmp_path):
    code, checks, output = run_flow_suite(tmp_path, "-m", "advisory", "--strict-advisories")
    assert code == 0, output
    assert checks and all(c["status"] in ("PASS", "SKIP") for c in checks), output


def test_every_rule_has_a_check_and_a_fault():
    gaps = [row.gap for row in rows() if row.gap]
    assert not gaps, gaps


def test_rules_table_is_current():
    from e2e.rule_table import main

    rules_md = str(ROOT / "docs" / "rules.md")
    assert main(["--check", rules_md]) == 0, "run: python -m e2e.rule_table --write docs/rules.md"
