"""`calcom-e2e` itself: its help, --list-rules, --rule, what it refuses before a run, and a target that goes
away during one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from e2e import cli, run_problems
from e2e.checks import CheckFailed
from e2e.checks.rules import RULES, Level, UnknownRule, select_rules
from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import clean_env, run_harness

VENV_BIN = Path(sys.executable).parent


def run_cli(
    tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None, timeout: int = 120
) -> subprocess.CompletedProcess:
    """`python -m e2e ARGS` from tmp_path, with no target configured unless ARGS say so."""
    return run_harness(tmp_path, "", *args, timeout=timeout, env_extra=env_extra)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- --help, --help-pytest ---------------------------------------------------------------------------------
def harness_options() -> dict[str, str]:
    """Every option of calcom-e2e and of the plugin's "calcom-e2e" group: its long flag -> its help."""
    options: dict[str, str] = {}
    for action in cli.build_parser()._actions:
        flag = next(f for f in action.option_strings if f.startswith("--"))
        assert action.help is not None, f"{flag} has no help"
        options[flag] = action.help
    for flags, attrs in cli.plugin_options():
        options.setdefault(flags[0], attrs["help"])
    return options


def test_help_lists_every_harness_option_on_one_line_each(tmp_path):
    result = run_cli(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    options = harness_options()
    for named in (
        "--env-file",
        "--smoke",
        "--strict-advisories",
        "--require-target",
        "--known-issues",
        "--no-known-issues",
        "--persona",
        "--rule",
        "--checks-json",
        "--list-rules",
        "--help-pytest",
        "--sandbox-fault",
    ):
        assert named in options
    for flag, help_text in options.items():
        mine = [line for line in lines if re.match(rf"\s+(-\w, )?{re.escape(flag)}(?![\w-])", line)]
        assert len(mine) == 1, f"{flag}: {mine}"
        assert help_text.split("(")[0].strip() in mine[0], f"{flag}'s help is not on its line: {mine[0]!r}"
    # and where pytest's and pytest-playwright's options are
    assert "calcom-e2e --help-pytest" in result.stdout and "python -m pytest --help" in result.stdout


def test_help_pytest_shows_pytests_and_playwrights_options_for_the_flow_suite(tmp_path):
    result = run_cli(tmp_path, "--help-pytest")
    assert result.returncode == 0, result.stderr[-2000:]
    for option in ("--exitfirst", "--headed", "--tracing", "--video", "--output", "--rule=ID", "--checks-json"):
        assert option in result.stdout, option
    assert "calcom-e2e:" in result.stdout  # the plugin's group
    assert not (tmp_path / "out").exists()  # nothing ran


# --- --list-rules ------------------------------------------------------------------------------------------
def test_list_rules_prints_every_rule_and_runs_nothing(tmp_path):
    (tmp_path / ".env").write_text("CAL_API_URL=https://api.cal.com/v2\n")  # not even read: a usage error else
    result = run_harness(tmp_path, None, "--list-rules", timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.startswith(rule.id + " ")
        assert re.search(rf"\s{rule.level.value}\s", line) and rule.reference in line and line.endswith(rule.title)
    assert any(" warning " in line for line in lines) and Level.WARNING in {r.level for r in RULES.values()}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]  # no test-results, no junit.xml


# --- --rule --------------------------------------------------------------------------------------------------
REFRESH = {rule_id for rule_id in RULES if rule_id.startswith("refresh.")}


@pytest.mark.parametrize(
    "values, expected",
    [
        (["refresh.returns_new_pair"], {"refresh.returns_new_pair"}),
        (["refresh.*"], REFRESH),
        (["refresh.*", "me.rejects_unknown_token"], REFRESH | {"me.rejects_unknown_token"}),
        (
            ["refresh.*,me.rejects_unknown_token", " tokens.claims "],
            REFRESH | {"me.rejects_unknown_token", "tokens.claims"},
        ),
        (
            ["*.rejects_unknown_client"],
            {
                "authorize.rejects_unknown_client",
                "exchange.rejects_unknown_client",
                "refresh.rejects_unknown_client",
                "oauth2.token.rejects_unknown_client",
            },
        ),
        ([], set()),
    ],
)
def test_rule_values_select_ids_and_globs(values, expected):
    assert select_rules(values) == expected


def test_rule_values_matching_nothing_are_named():
    with pytest.raises(UnknownRule) as raised:
        select_rules(["refresh.*,nosuch", "zzz.*", "Refresh.returns_new_pair"])
    assert raised.value.patterns == ["nosuch", "zzz.*", "Refresh.returns_new_pair"]
    assert "'nosuch', 'zzz.*', 'Refresh.returns_new_pair'" in str(raised.value)
    with pytest.raises(UnknownRule):
        select_rules([","])


def collected_rules(tmp_path: Path, *args: str) -> dict[str, str]:
    """nodeid -> rule of every check a collect-only run of calcom-e2e keeps (nothing starts)."""
    (tmp_path / "rule_printer.py").write_text(
        "def pytest_collection_finish(session):\n"
        "    for item in session.items:\n"
        "        marker = item.get_closest_marker('rule')\n"
        "        print('RULE-OF', item.nodeid, marker.args[0] if marker else '-')\n"
    )
    result = run_cli(
        tmp_path, "-p", "rule_printer", "--collect-only", "-q", *args, env_extra={"PYTHONPATH": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return dict(line.split()[1:] for line in result.stdout.splitlines() if line.startswith("RULE-OF "))


def test_rule_runs_the_checks_of_several_ids_and_globs(tmp_path):
    everything = collected_rules(tmp_path)
    chosen = collected_rules(tmp_path, "--rule", "refresh.*", "--rule", "me.rejects_unknown_token,tokens.claims")
    wanted = REFRESH | {"me.rejects_unknown_token", "tokens.claims"}
    assert chosen == {nodeid: rule for nodeid, rule in everything.items() if rule in wanted}
    assert set(chosen.values()) >= {"refresh.returns_new_pair", "me.rejects_unknown_token", "tokens.claims"}


def test_k_selects_by_rule_id_and_flow_by_marker(tmp_path):
    everything = collected_rules(tmp_path)
    by_k = collected_rules(tmp_path, "-k", "exchange.code_single_use or oauth2.consent.go_back_access_denied")
    assert set(by_k.values()) == {"exchange.code_single_use", "oauth2.consent.go_back_access_denied"}
    assert by_k == {n: r for n, r in everything.items() if r in set(by_k.values())}
    oauth2 = collected_rules(tmp_path, "--flow", "oauth2")
    platform = collected_rules(tmp_path, "--flow", "platform")
    assert oauth2 and all(rule.startswith("oauth2.") for rule in oauth2.values())
    assert platform and not any(rule.startswith("oauth2.") for rule in platform.values())
    assert {**oauth2, **platform} == everything


def test_rule_matching_no_rule_is_a_usage_error_naming_it(tmp_path):
    result = run_cli(tmp_path, "--rule", "refresh.*", "--rule", "nosuch.*", "--rule", "me.nosuch")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "'nosuch.*'" in line and "'me.nosuch'" in line and "refresh.*" not in line
    assert not (tmp_path / "out").exists()


# --- refused before the run -------------------------------------------------------------------------------
def test_unwritable_checks_json_or_output_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for args, named in [
        (["--checks-json", str(blocker / "sub" / "checks.json")], "--checks-json"),
        (["--checks-json", str(tmp_path)], "--checks-json"),
        (["--output", str(blocker / "results")], "--output"),
    ]:
        result = run_cli(tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout[-2000:], result.stderr)
        line = one_line_error(result)
        assert named in line and args[1] in line and "cannot write there" in line


def why_not(path: Path, folder: bool) -> str:
    """Why the run cannot write path (run_problems.cannot_write), which it must not be able to."""
    reason = run_problems.cannot_write(path, folder=folder)
    assert reason is not None, f"{path} is writable"
    return reason


def test_cannot_write_tries_and_leaves_nothing_behind(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("kept")
    assert run_problems.cannot_write(tmp_path / "new" / "deeper" / "checks.json", folder=False) is None
    assert run_problems.cannot_write(tmp_path / "new" / "results", folder=True) is None
    assert run_problems.cannot_write(blocker, folder=False) is None and blocker.read_text() == "kept"
    assert run_problems.cannot_write(tmp_path, folder=True) is None
    assert "is a file, not a folder" in why_not(blocker / "checks.json", folder=False)
    assert "a file, not a folder" in why_not(blocker, folder=True)
    assert "a folder, not a file" in why_not(tmp_path, folder=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def playwrights_ffmpeg_folder(env: dict[str, str]) -> Path:
    """Where Playwright's own driver says its ffmpeg goes (`playwright install --dry-run ffmpeg`)."""
    result = subprocess.run(
        [str(VENV_BIN / "playwright"), "install", "--dry-run", "ffmpeg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Install location:\s+(\S+)", result.stdout)
    assert found, result.stdout + result.stderr
    return Path(found.group(1))


def test_ffmpeg_is_looked_for_where_playwright_looks(tmp_path, monkeypatch):
    assert run_problems.ffmpeg_executable().parent == playwrights_ffmpeg_folder(dict(os.environ))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "registry"))
    assert run_problems.ffmpeg_executable().parent == playwrights_ffmpeg_folder(dict(os.environ))
    assert run_problems.ffmpeg_executable().is_relative_to(tmp_path / "registry")


@pytest.mark.parametrize("video", ["on", "retain-on-failure"])
def test_video_without_playwrights_ffmpeg_is_refused_before_the_run(tmp_path, video):
    if run_problems.ffmpeg_executable().is_file():
        pytest.skip("Playwright's ffmpeg is installed on this machine")
    # this machine's registry (run_cli moves XDG_CACHE_HOME, and Playwright's registry with it); the run stops at
    # its configuration, before it could write any state there
    machine = {"XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")}
    result = run_cli(tmp_path, "--video", video, env_extra=machine)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    line = one_line_error(result)
    assert f"--video {video} needs Playwright's ffmpeg" in line and str(run_problems.ffmpeg_executable()) in line
    assert "playwright install ffmpeg" in line


def test_video_needs_ffmpeg_only_when_on(tmp_path):
    """With an empty registry, --video on is refused; off is not; an ffmpeg there is found."""
    registry = {"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "registry")}
    refused = run_cli(tmp_path, "--video", "on", "--collect-only", "-q", env_extra=registry)
    assert refused.returncode == 2 and "ffmpeg" in one_line_error(refused)
    for args in (["--video", "off"], []):
        allowed = run_cli(tmp_path, *args, "--collect-only", "-q", env_extra=registry)
        assert allowed.returncode == 0 and "ffmpeg" not in allowed.stdout + allowed.stderr, allowed.stderr
    revision = run_problems.ffmpeg_executable().parent.name  # ffmpeg-<revision>
    fake = tmp_path / "registry" / revision / run_problems.ffmpeg_executable().name
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    found = run_cli(tmp_path, "--video", "on", "--collect-only", "-q", env_extra=registry)
    assert found.returncode == 0, found.stderr


# --- --tb ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "given, expected", [([], "--tb=short"), (["--tb=long"], "--tb=long"), (["--tb", "line"], "--tb")]
)
def test_tracebacks_are_short_unless_asked(given, expected):
    args, pytest_args = cli.parse_args(given)
    command = cli.pytest_command(args, pytest_args, None)
    assert [a for a in command if a.startswith("--tb")] == [expected]


# --- a target that goes away during the run ----------------------------------------------------------------
API, WEB, REDIRECT = "http://127.0.0.1:5555", "http://localhost:3000", "http://localhost:9999/callback"
TARGETS = {"CAL_API_URL": API, "CAL_WEB_URL": WEB}


def connect_error(url: str, kind: type[httpx.TransportError] = httpx.ConnectError) -> httpx.TransportError:
    return kind("[Errno 111] Connection refused", request=httpx.Request("POST", url))


def target_failure(error: BaseException) -> str:
    """What run_problems.target_connection_failure says of error, which it must recognise as the target going away."""
    failure = run_problems.target_connection_failure(error, TARGETS)
    assert failure is not None, f"{error!r} is not recognised"
    return failure


def test_a_refused_connection_to_the_target_is_recognised():
    assert (
        run_problems.target_connection_failure(connect_error(f"{API}/v2/oauth/x/exchange"), TARGETS)
        == f"CAL_API_URL {API}: ConnectError: [Errno 111] Connection refused"
    )
    assert target_failure(connect_error(f"{API}/v2/me", httpx.ConnectTimeout)).startswith(
        f"CAL_API_URL {API}: ConnectTimeout"
    )
    browser = Exception(f"Page.goto: net::ERR_CONNECTION_REFUSED at {WEB}/auth/login?callbackUrl=x\nCall log: ...")
    assert run_problems.target_connection_failure(browser, TARGETS) == f"CAL_WEB_URL {WEB}: net::ERR_CONNECTION_REFUSED"
    try:  # a check that turned it into its own failure
        try:
            raise connect_error(f"{API}/v2/me")
        except httpx.HTTPError as error:
            raise CheckFailed("me.rejects_unknown_token", "no answer") from error
    except CheckFailed as wrapped:
        assert target_failure(wrapped).startswith("CAL_API_URL")


def test_other_failures_are_not_the_target_going_away():
    # a redirect URI nothing serves, a slow answer, a failed check
    assert run_problems.target_connection_failure(connect_error(REDIRECT), TARGETS) is None
    landing = Exception(f"Allow did not land on the redirect URI: net::ERR_CONNECTION_REFUSED at {REDIRECT}?code=x")
    assert run_problems.target_connection_failure(landing, TARGETS) is None
    assert (
        run_problems.target_connection_failure(httpx.ReadTimeout("slow", request=httpx.Request("GET", API)), TARGETS)
        is None
    )
    assert run_problems.target_connection_failure(CheckFailed("me.rejects_unknown_token", "got 200"), TARGETS) is None


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_target_that_dies_during_the_run_stops_it_with_exit_3(tmp_path, workers):
    sandbox = SandboxProcess.start(["--persona", "reference"])
    try:
        env_file = tmp_path / "target.env"
        env_file.write_text(sandbox.info.env_block())
        env = clean_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
        with open(tmp_path / "stderr.txt", "w+") as stderr:
            run = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "e2e",
                    "--env-file",
                    str(env_file),
                    "--output",
                    str(tmp_path / "out"),
                    "-m",
                    "api",
                    *workers,
                ],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            watchdog = threading.Timer(300, run.kill)
            watchdog.start()
            lines, killed_after = [], None
            try:
                for line in run.stdout:  # type: ignore[union-attr]
                    lines.append(line)
                    if killed_after is None and line.startswith("PASS"):
                        sandbox.stop()  # the target dies mid-run
                        killed_after = len(lines)
                run.wait()
            finally:
                watchdog.cancel()
                run.stdout.close()  # type: ignore[union-attr]
            stderr.seek(0)
            errors = stderr.read()
    finally:
        sandbox.stop()
    output = "".join(lines)
    assert killed_after is not None, output[-3000:]
    assert run.returncode == 3, output[-3000:] + errors[-2000:]
    assert f"target unreachable during the run: CAL_API_URL {sandbox.info.api_url}" in output + errors
    # the run stopped: not every check after the kill failed on its own
    after = [line for line in lines[killed_after:] if re.match(r"(PASS|FAIL|WARN|BLOCKED|SKIP|KNOWN)\s", line)]
    assert len(after) <= 6, output[-3000:]  # those under way when it died (two workers: both)


def test_the_reachability_probe_leaves_a_proxied_target_to_httpx(monkeypatch):
    """Behind HTTPS_PROXY the direct probe would fail where the run's own httpx (which honours the proxy) works."""
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert run_problems.unreachable("https://calcom-e2e.invalid/") is None
    monkeypatch.setenv("no_proxy", "calcom-e2e.invalid")
    assert "calcom-e2e.invalid" in (run_problems.unreachable("https://calcom-e2e.invalid/") or "")
