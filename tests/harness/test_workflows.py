"""The example CI workflows are valid YAML and do what the README says."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from e2e.settings import VARIABLES

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


TARGET_WORKFLOWS = ["nightly.yml", "release-verify.yml"]  # the two that run against a real deployment
STATE_DIR = "~/.cache/calcom-e2e"


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def the_job(workflow: dict) -> dict:
    (job,) = workflow["jobs"].values()
    return job


def calcom_invocations(workflow: dict) -> list[str]:
    """Every command line of a run script that calls calcom-e2e."""
    return [
        line.strip()
        for step in steps(workflow)
        for line in step.get("run", "").splitlines()
        if re.search(r"(^|[/\s])calcom-e2e(\s|$)", line)
    ]


def step_index(workflow: dict, predicate: Callable[[dict], object]) -> list[int]:
    return [i for i, step in enumerate(steps(workflow)) if predicate(step)]


def runs_calcom(step: dict) -> bool:
    return bool(re.search(r"(^|[/\s])calcom-e2e(\s|$)", step.get("run", ""), re.M))


# A small evaluator of GitHub expressions (`${{ ... }}`): literals, context paths, !, ==, !=, && and ||, with
# GitHub's semantics: `a && b` is a when a is falsy, else b; `a || b` is a when a is truthy, else b; falsy are
# false, 0, '', null. An unknown property is null; a value put into text is rendered as GitHub does.
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|!|\(|\))"
    r"|(?P<name>[A-Za-z_][\w.-]*))"
)


def evaluate(expression: str, context: dict) -> object:
    """The expression's value: a literal's, or what the context holds (anything), or a comparison's (a bool)."""
    tokens: list[tuple[str, str]] = []  # (kind, text)
    pos = 0
    while pos < len(expression.rstrip()):
        match = _TOKEN.match(expression, pos)
        assert match, f"cannot read {expression[pos:]!r}"
        kind = match.lastgroup
        assert kind is not None, f"cannot read {expression[pos:]!r}"  # each alternative is a named group
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    tokens.append(("end", ""))
    at = 0

    def take(kind: str | None = None, text: str | None = None) -> tuple[str, str]:
        nonlocal at
        token = tokens[at]
        assert (kind is None or token[0] == kind) and (text is None or token[1] == text), f"unexpected {token}"
        at += 1
        return token

    def peek(text: str) -> bool:
        return tokens[at] == ("op", text)

    def either() -> object:
        value = both()
        while peek("||"):
            take()
            right = both()
            value = value if value not in (False, 0, "", None) else right
        return value

    def both() -> object:
        value = unary()
        while peek("&&"):
            take()
            right = unary()
            value = right if value not in (False, 0, "", None) else value
        return value

    def unary() -> object:
        if peek("!"):
            take()
            return unary() in (False, 0, "", None)
        value = primary()
        if peek("==") or peek("!="):
            negate = take()[1] == "!="
            return (value == primary()) != negate
        return value

    def primary() -> object:
        kind, text = take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if (kind, text) == ("op", "("):
            value = either()
            take("op", ")")
            return value
        assert kind == "name", f"unexpected {text!r}"
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        value = context
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    value = either()
    take("end")
    return value


_RENDERED: dict[object, str] = {True: "true", False: "false", None: ""}


def render(text: str, context: dict) -> str:
    def as_text(match: re.Match[str]) -> object:
        value = evaluate(match.group(1), context)
        return _RENDERED.get(value, value) if not isinstance(value, str) else value

    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(as_text(m)), text)


def context_for(inputs: dict) -> dict:
    secrets = {name: f"secret-{name.lower()}" for name in VARIABLES}
    return {"inputs": inputs, "secrets": secrets, "github": {"run_id": "42", "run_attempt": "1"}}


def run_step(step: dict, context: dict, workdir: Path) -> subprocess.CompletedProcess:
    """Runs a step's script as GitHub would (bash -e), with its env rendered and calcom-e2e replaced by a stub
    that prints its arguments, one a line."""
    stub = workdir / ".venv" / "bin" / "calcom-e2e"
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text("#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n")
    stub.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "GITHUB_STEP_SUMMARY": str(workdir / "step-summary.md")}
    env.update({name: render(str(value), context) for name, value in step.get("env", {}).items()})
    script = workdir / "step.sh"
    script.write_text(render(step["run"], context))
    return subprocess.run(["bash", "-e", str(script)], cwd=workdir, env=env, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_workflow_sets_up_runs_and_always_uploads(name):
    workflow = load(name)
    commands = " ".join(step.get("run", "") for step in steps(workflow))
    assert "./bootstrap --no-run" in commands and "calcom-e2e doctor" in commands
    runs = [c for c in calcom_invocations(workflow) if "doctor" not in c]
    assert runs and all("--output test-results" in c for c in runs)
    upload = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and upload[0]["if"] == "always()" and "test-results/" in upload[0]["with"]["path"].split()
    for step in steps(workflow):
        for name_, value in step.get("env", {}).items():
            assert name_ in VARIABLES or name_ == "FULL_SUITE", f"{name_} is not a harness variable"
            assert value.startswith("${{"), f"{name_} is hard-coded"


def test_nightly_runs_on_a_schedule():
    assert load("nightly.yml")["on"]["schedule"][0]["cron"]


def test_release_verification_is_manual_with_a_target():
    inputs = load("release-verify.yml")["on"]["workflow_dispatch"]["inputs"]
    assert inputs["api_url"]["required"] is True and "environment" in inputs
    commands = " ".join(step.get("run", "") for step in steps(load("release-verify.yml")))
    assert "--smoke" in commands


def test_the_evaluator_reads_expressions_as_github_does():
    old = "${{ inputs.full && '' || '--smoke' }}"  # the old Verify step: '' is falsy, so always --smoke
    assert render(old, context_for({"full": True})) == render(old, context_for({"full": False})) == "--smoke"
    assert render("${{ inputs.web_url || inputs.api_url }}", context_for({"web_url": "", "api_url": "A"})) == "A"
    assert render("${{ inputs.full }}", context_for({"full": False})) == "false"
    assert render("x-${{ !inputs.full && 'y' }}", context_for({"full": False})) == "x-y"


@pytest.mark.parametrize("full, smoke", [(True, False), (False, True)])
def test_release_full_input_chooses_the_suite(tmp_path, full, smoke):
    workflow = load("release-verify.yml")
    (verify,) = [s for s in steps(workflow) if runs_calcom(s) and "doctor" not in s["run"]]
    inputs = {"api_url": "https://api.example", "web_url": "", "environment": "staging", "full": full}
    done = run_step(verify, context_for(inputs), tmp_path)
    assert done.returncode == 0, done.stderr
    argv = done.stdout.splitlines()
    assert ("--smoke" in argv) is smoke
    assert argv[:1] == ["--require-target"] and "--output" in argv and "" not in argv


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_every_calcom_e2e_invocation_requires_a_target(name):
    invocations = calcom_invocations(load(name))
    assert len(invocations) >= 2 and any(" doctor" in c for c in invocations)
    for command in invocations:
        argv = shlex.split(command)
        assert "--require-target" in argv, f"{command!r} could fall back to the embedded sandbox"
        if "doctor" in argv:  # `calcom-e2e doctor` takes its own options after the subcommand
            assert argv.index("doctor") < argv.index("--require-target")


@pytest.mark.parametrize("name", [*TARGET_WORKFLOWS, "tests.yml"])
def test_playwrights_own_chromium_is_installed_after_the_package(name):
    workflow = load(name)
    install = step_index(
        workflow, lambda s: "./bootstrap --no-run" in s.get("run", "") or "-e '.[dev]'" in s.get("run", "")
    )
    browser = step_index(
        workflow, lambda s: re.search(r"python -m playwright install --with-deps chromium$", s.get("run", "").strip())
    )
    first_use = step_index(workflow, lambda s: runs_calcom(s) or "pytest" in s.get("run", ""))
    assert install and browser and first_use and install[0] < browser[0] < first_use[0]


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_one_run_at_a_time_per_environment(name):
    job = the_job(load(name))
    assert job["concurrency"]["group"] == f"calcom-e2e-{job['environment']}"
    assert job["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_the_state_folder_survives_to_the_next_run(name):
    workflow = load(name)
    all_steps = steps(workflow)
    restore = step_index(workflow, lambda s: s.get("uses", "").startswith("actions/cache/restore@"))
    save = step_index(workflow, lambda s: s.get("uses", "").startswith("actions/cache/save@"))
    calcom = step_index(workflow, runs_calcom)
    assert len(restore) == len(save) == 1 and restore[0] < calcom[0] and save[0] > calcom[-1]
    restored, saved = all_steps[restore[0]], all_steps[save[0]]
    assert saved["if"] == "always()"  # also after a failure or a cancel
    assert restored["with"]["path"] == saved["with"]["path"] == STATE_DIR
    key = restored["with"]["key"]
    assert saved["with"]["key"] == key and "${{ github.run_id }}" in key  # a new entry every run
    prefixes = restored["with"]["restore-keys"].strip().splitlines()
    assert prefixes and all(key.startswith(p) and "github.run_id" not in p for p in prefixes)


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_secrets_are_only_on_the_steps_that_run_the_harness(name):
    workflow = load(name)
    job = the_job(workflow)
    assert "secrets." not in yaml.safe_dump({k: v for k, v in workflow.items() if k != "jobs"})
    assert "secrets." not in yaml.safe_dump({k: v for k, v in job.items() if k != "steps"})
    with_secrets = [s for s in job["steps"] if "secrets." in yaml.safe_dump(s)]
    assert with_secrets and all(runs_calcom(s) for s in with_secrets)
    assert all("secrets." not in yaml.safe_dump({k: v for k, v in s.items() if k != "env"}) for s in with_secrets)
    for step in job["steps"]:
        if runs_calcom(step):
            assert {"CAL_CLIENT_SECRET", "E2E_USER_PASSWORD", "CAL_API_URL"} <= set(step["env"])


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_traces_stay_on_the_runner(name):
    workflow = load(name)
    (upload,) = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact")]
    paths = upload["with"]["path"].split()
    assert paths[0] == "test-results/" and "!test-results/**/trace.zip" in paths[1:]
    assert "traces stay on the runner" in (WORKFLOWS / name).read_text()


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_the_summary_goes_to_the_job_page(tmp_path, name):
    workflow = load(name)
    (summary,) = [s for s in steps(workflow) if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert summary["if"] == "always()"
    assert step_index(workflow, lambda s: s is summary)[0] > step_index(workflow, runs_calcom)[-1]
    context = context_for({"environment": "staging", "full": False})
    done = run_step(summary, context, tmp_path)  # no summary.md: nothing, and no failure
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "step-summary.md").exists()
    (tmp_path / "test-results").mkdir()
    (tmp_path / "test-results" / "summary.md").write_text("| check | result |\n")
    done = run_step(summary, context, tmp_path)
    assert done.returncode == 0 and (tmp_path / "step-summary.md").read_text() == "| check | result |\n"


def test_the_project_tests_run_on_every_push_and_pull_request():
    workflow = load("tests.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    job = the_job(workflow)
    assert job["runs-on"] == "ubuntu-latest"
    (python,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert str(python["with"]["python-version"]) == "3.11"
    commands = [s.get("run", "").strip() for s in job["steps"]]
    assert "python -m pip install -c constraints.txt -e '.[dev]'" in commands
    assert any("ruff check ." in c and "ruff format --check ." in c and "mypy" in c for c in commands)
    assert commands[-1] == "python -m pytest -n 2"
    assert "python -m pytest -n 2" in (WORKFLOWS.parents[1] / "README.md").read_text()  # the README's command
    assert "secrets." not in (WORKFLOWS / "tests.yml").read_text()


@pytest.mark.parametrize("name", TARGET_WORKFLOWS)
def test_jobs_holding_secrets_install_the_harness_without_dev_tools(name):
    commands = [step.get("run", "") for step in steps(load(name))]
    assert any(c.startswith("./bootstrap --no-run --no-dev") for c in commands), commands
