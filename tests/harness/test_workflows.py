"""The example CI workflows are valid YAML and do what the README says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from e2e.settings import VARIABLES

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("name", ["nightly.yml", "release-verify.yml"])
def test_workflow_sets_up_runs_and_always_uploads(name):
    workflow = load(name)
    commands = " ".join(step.get("run", "") for step in steps(workflow))
    assert "./bootstrap --no-run" in commands and "calcom-e2e doctor" in commands
    assert "calcom-e2e --output test-results" in commands
    upload = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and upload[0]["if"] == "always()" and upload[0]["with"]["path"] == "test-results/"
    job_env = next(iter(workflow["jobs"].values()))["env"]
    assert set(job_env) <= set(VARIABLES)
    for name_, value in job_env.items():
        assert value.startswith("${{"), f"{name_} is hard-coded"


def test_nightly_runs_on_a_schedule():
    assert load("nightly.yml")["on"]["schedule"][0]["cron"]


def test_release_verification_is_manual_with_a_target():
    inputs = load("release-verify.yml")["on"]["workflow_dispatch"]["inputs"]
    assert inputs["api_url"]["required"] is True and "environment" in inputs
    commands = " ".join(step.get("run", "") for step in steps(load("release-verify.yml")))
    assert "--smoke" in commands
