"""`calcom-e2e`: run the flow suite against the configured target (or the embedded sandbox).
`calcom-e2e doctor`: check configuration, target, browser and the test user's login, one line each.

Exit status: 0 every check passed, 1 a check failed or was blocked, 2 configuration or usage error,
3 target unreachable (before or during the run), 70 internal error of the harness.
Arguments it does not know go to pytest (-x, -k, -n, --headed, --slowmo, --tracing, --video, --output, ...):
`calcom-e2e --help-pytest` lists those.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pytest

from .paths import FLOW_SUITE, SUITE_INI
from .run_problems import unreachable
from .settings import ConfigError, browser_ws_endpoint_from, read_environment, remote_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 0, 1, 2, 3, 70
USAGE = "calcom-e2e [options] [pytest options]\n       calcom-e2e doctor [--env-file FILE] [--require-target]"
# the plugin's options that calcom-e2e sets itself
SET_BY_CALCOM_E2E = {"--checks-report": "always on under calcom-e2e", "--sandbox-persona": "set by --persona"}


def build_parser(for_help: bool = False) -> argparse.ArgumentParser:
    """calcom-e2e's own options. For --help, the plugin's options too (those go to pytest unparsed)."""
    parser = argparse.ArgumentParser(
        prog="calcom-e2e",
        usage=USAGE,
        description=__doc__,
        add_help=False,
        allow_abbrev=False,  # an abbreviation is pytest's (--strict is not --strict-advisories)
        epilog="pytest's and pytest-playwright's own options: calcom-e2e --help-pytest (or python -m pytest --help)",
        # one line per option, however long its help
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=44, width=10_000),
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    parser.add_argument(
        "--help-pytest",
        action="store_true",
        help="show pytest's help for the flow suite: its options, pytest-playwright's and these, and exit",
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="list every rule (id, level, reference, title), one a line, and exit; runs nothing",
    )
    parser.add_argument(
        "--env-file", type=Path, metavar="FILE", help="read the CONTRACT §3 variables from this file (default ./.env)"
    )
    parser.add_argument("--smoke", action="store_true", help="run only the release check (marker 'smoke')")
    parser.add_argument("--strict-advisories", action="store_true", help="a missed advisory fails the run")
    parser.add_argument(
        "--require-target",
        action="store_true",
        help="a missing CAL_API_URL is a configuration error, not a run against the embedded sandbox "
        "(for CI, where a missing secret arrives empty)",
    )
    parser.add_argument(
        "--persona",
        choices=["calcom", "reference"],
        default="calcom",
        help="the embedded sandbox's persona: Cal.com as it ships (default) or the intended behaviour",
    )
    if for_help:
        group = parser.add_argument_group("options of the harness's pytest plugin (calcom-e2e passes them on)")
        own = {flag for action in parser._actions for flag in action.option_strings}
        for flags, attrs in plugin_options():
            if own.intersection(flags):
                continue
            note = SET_BY_CALCOM_E2E.get(flags[0])
            group.add_argument(
                *flags,
                help=attrs.get("help", "") + (f" ({note})" if note else ""),
                **{k: v for k, v in attrs.items() if k in ("action", "metavar", "choices")},
            )
    return parser


def plugin_options() -> list[tuple[list[str], dict[str, Any]]]:
    """The options of the plugin's "calcom-e2e" group, as e2e/plugin.py defines them: (flags, attributes)."""
    from . import plugin

    recorded: dict[str, list[tuple[list[str], dict[str, Any]]]] = {}

    class Group:
        def __init__(self, name: str) -> None:
            self.name = name

        def addoption(self, *flags: str, **attrs: Any) -> None:
            recorded.setdefault(self.name, []).append((list(flags), attrs))

    class Parser:
        def getgroup(self, name: str, *args: Any, **kwargs: Any) -> Group:
            return Group(name)

        def addoption(self, *flags: str, **attrs: Any) -> None:
            recorded.setdefault("", []).append((list(flags), attrs))

        def addini(self, *args: Any, **kwargs: Any) -> None:
            pass

    plugin.pytest_addoption(Parser())  # type: ignore[arg-type]  # a recorder standing in for pytest.Parser
    return recorded.get("calcom-e2e", [])


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    return build_parser().parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["doctor"]:
        return run_doctor(argv[1:])
    args, pytest_args = parse_args(argv)
    if args.help:
        print(build_parser(for_help=True).format_help(), end="")
        return EXIT_OK
    if args.list_rules:
        print("\n".join(rule_lines()))
        return EXIT_OK
    if args.help_pytest:
        print(f"calcom-e2e passes these to pytest, which runs the flow suite ({FLOW_SUITE}):\n")
        return exit_status(pytest.main([str(FLOW_SUITE), *suite_config(), "--help"]))
    env_file = args.env_file.resolve() if args.env_file else None
    try:
        values = read_environment(env_file)
        remote = remote_settings(values, require_target=args.require_target)
        browser_ws_endpoint_from(values)
    except ConfigError as error:
        print(f"calcom-e2e: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not SUITE_INI.is_file():
        print(
            f"calcom-e2e: the flow suite is missing from the installed package ({FLOW_SUITE}): reinstall it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if remote is not None:
        problem = unreachable(remote.api_url) or (
            unreachable(remote.web_url) if remote.web_url != remote.api_url else None
        )
        if problem:
            print(f"calcom-e2e: target unreachable: {problem}", file=sys.stderr)
            return EXIT_UNREACHABLE
    return exit_status(pytest.main(pytest_command(args, pytest_args, env_file)))


def suite_config() -> list[str]:
    """The suite's own pytest settings, wherever it is installed (no checkout, no ini of the current folder);
    the rootdir is the suite's folder, so a check is named test_<area>.py::test_..."""
    return ["-c", str(SUITE_INI), "--rootdir", str(FLOW_SUITE)]


def pytest_command(args: argparse.Namespace, pytest_args: list[str], env_file: Path | None) -> list[str]:
    """pytest's arguments for the run: the flow suite, calcom-e2e's options as the plugin's, its defaults, and
    what it did not know itself (last, so that they win)."""
    if args.smoke:
        pytest_args = with_smoke(pytest_args)
    return [
        str(FLOW_SUITE),
        *suite_config(),
        "--checks-report",
        *(["--env-file", str(env_file)] if env_file else []),
        *(["-m", "smoke"] if args.smoke and not _has_marker_expression(pytest_args) else []),
        *(["--strict-advisories"] if args.strict_advisories else []),
        *(["--require-target"] if args.require_target else []),
        "--sandbox-persona",
        args.persona,
        *artifact_defaults(pytest_args),
        *step_log(pytest_args),
        # a failed check's reason is its first line; pytest's long tracebacks bury it
        *([] if any(a.startswith("--tb") for a in pytest_args) else ["--tb=short"]),
        # the flow suite checks with require(), not bare asserts: no assertion rewriting to pay for
        *([] if any(a.startswith("--assert") for a in pytest_args) else ["--assert=plain"]),
        *pytest_args,
    ]


def rule_lines() -> list[str]:
    """Every rule, one a line: id, level, reference, title (columns aligned)."""
    from .checks.rules import RULES

    id_width = max(len(rule_id) for rule_id in RULES)
    reference_width = max(len(rule.reference) for rule in RULES.values())
    return [
        f"{rule.id:<{id_width}}  {rule.level.value:<7}  {rule.reference:<{reference_width}}  {rule.title}"
        for rule in RULES.values()
    ]


def _has_marker_expression(pytest_args: list[str]) -> bool:
    return any(a == "-m" or (a.startswith("-m") and len(a) > 2) for a in pytest_args)


def with_smoke(pytest_args: list[str]) -> list[str]:
    """--smoke with -m EXPR runs the smoke checks that EXPR also selects (pytest would keep only the last -m)."""
    args = list(pytest_args)
    for i, arg in enumerate(args):
        if arg == "-m" and i + 1 < len(args):
            args[i + 1] = f"smoke and ({args[i + 1]})"
        elif arg.startswith("-m") and len(arg) > 2:
            args[i] = f"-msmoke and ({arg[2:]})"
    return args


def artifact_defaults(pytest_args: list[str]) -> list[str]:
    """On a failed browser check keep a screenshot and the trace; on success nothing, unless asked."""
    defaults = []
    if not any(a.startswith("--screenshot") for a in pytest_args):
        defaults += ["--screenshot", "only-on-failure"]
    if not any(a.startswith("--tracing") for a in pytest_args):
        defaults += ["--tracing", "retain-on-failure"]
    return defaults


def step_log(pytest_args: list[str]) -> list[str]:
    """With -v, every page action and HTTP call is logged live, with a timestamp."""
    verbose = any(a == "--verbose" or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in pytest_args)
    if not verbose:
        return []
    return [
        "-o",
        "log_cli=true",
        "--log-cli-level=INFO",
        "-o",
        "log_cli_format=%(asctime)s.%(msecs)03d %(name)-9s %(message)s",
        "-o",
        "log_cli_date_format=%H:%M:%S",
    ]


def run_doctor(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="calcom-e2e doctor", description="check configuration, target, browser and login"
    )
    parser.add_argument("--env-file", type=Path)
    parser.add_argument("--require-target", action="store_true", help="a missing CAL_API_URL is an error")
    args = parser.parse_args(argv)
    from . import doctor  # imported here: the main command does not need it

    return doctor.run(args.env_file.resolve() if args.env_file else None, require_target=args.require_target)


def exit_status(pytest_code: int, stopped_with: list[int] | None = None) -> int:
    """pytest's exit status as documented: 0, 1, 2 configuration or usage, 3 unreachable, 70 internal error."""
    from .suite_plugin import stopped_with as plugin_stops

    stops = plugin_stops if stopped_with is None else stopped_with
    if stops:  # the plugin stopped the run itself: configuration (2) or target (3)
        return stops[-1]
    if pytest_code == pytest.ExitCode.OK:
        return EXIT_OK
    if pytest_code == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAILED
    if pytest_code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("calcom-e2e: no check selected (check -k, -m, --rule)", file=sys.stderr)
        return EXIT_USAGE
    if pytest_code == pytest.ExitCode.INTERNAL_ERROR:
        return EXIT_INTERNAL
    return EXIT_USAGE  # usage error, interrupted


if __name__ == "__main__":
    sys.exit(main())
