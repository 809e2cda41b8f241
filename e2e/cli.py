"""`calcom-e2e`: run the flow suite against the configured target (or the embedded sandbox).
`calcom-e2e doctor`: check configuration, target, browser and the test user's login, one line each.

Exit status: 0 every check passed, 1 a check failed, 2 configuration or usage error, 3 target unreachable.
Arguments it does not know go to pytest (-x, -k, --headed, --slowmo, --tracing, --browser-channel, ...).
"""

from __future__ import annotations

import argparse
import http.client
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .layout import FLOW_SUITE, PROJECT_ROOT
from .settings import ConfigError, browser_ws_endpoint_from, read_environment, remote_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 0, 1, 2, 3, 70
REACHABILITY_TIMEOUT_S = 10.0


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="calcom-e2e", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", type=Path, help="read the CONTRACT §3 variables from this file (default ./.env)")
    parser.add_argument("--smoke", action="store_true", help="run only the release check (marker 'smoke')")
    parser.add_argument("--strict-advisories", action="store_true", help="a missed advisory fails the run")
    parser.add_argument("--require-target", action="store_true",
                        help="a missing CAL_API_URL is a configuration error, not a run against the embedded sandbox "
                             "(for CI, where a missing secret arrives empty)")
    parser.add_argument("--known-issues", action="append", default=[], type=Path, metavar="FILE",
                        help="more known Cal.com defects, as e2e/known_issues.toml (repeatable)")
    parser.add_argument("--no-known-issues", action="store_true",
                        help="no known defects: a check failing in a known way fails the run")
    parser.add_argument("--persona", choices=["calcom", "reference"], default="calcom",
                        help="the embedded sandbox's persona: Cal.com as it ships (default) or the intended behaviour")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["doctor"]:
        return run_doctor(argv[1:])
    args, pytest_args = parse_args(argv)
    env_file = args.env_file.resolve() if args.env_file else None
    try:
        values = read_environment(env_file)
        remote = remote_settings(values, require_target=args.require_target)
        browser_ws_endpoint_from(values)
    except ConfigError as error:
        print(f"calcom-e2e: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not FLOW_SUITE.is_dir():
        print(f"calcom-e2e: the flow suite is not at {FLOW_SUITE}; install from a checkout (pip install -e .)",
              file=sys.stderr)
        return EXIT_USAGE
    if remote is not None:
        problem = unreachable(remote.api_url) or (unreachable(remote.web_url) if remote.web_url != remote.api_url else None)
        if problem:
            print(f"calcom-e2e: target unreachable: {problem}", file=sys.stderr)
            return EXIT_UNREACHABLE
    if args.smoke:
        pytest_args = with_smoke(pytest_args)
    command = [str(FLOW_SUITE), "--rootdir", str(PROJECT_ROOT), "-c", str(PROJECT_ROOT / "pyproject.toml"),
               "--checks-report", *(["--env-file", str(env_file)] if env_file else []),
               *(["-m", "smoke"] if args.smoke and not _has_marker_expression(pytest_args) else []),
               *(["--strict-advisories"] if args.strict_advisories else []),
               *(["--require-target"] if args.require_target else []),
               *(["--no-known-issues"] if args.no_known_issues else []),
               *(a for path in args.known_issues for a in ("--known-issues", str(path.resolve()))),
               "--sandbox-persona", args.persona,
               *artifact_defaults(pytest_args), *step_log(pytest_args),
               # the flow suite checks with require(), not bare asserts: no assertion rewriting to pay for
               *([] if any(a.startswith("--assert") for a in pytest_args) else ["--assert=plain"]), *pytest_args]
    return exit_status(pytest.main(command))


def _has_marker_expression(pytest_args: list[str]) -> bool:
    return any(a == "-m" or a.startswith("-m") and len(a) > 2 for a in pytest_args)


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
    return ["-o", "log_cli=true", "--log-cli-level=INFO",
            "-o", "log_cli_format=%(asctime)s.%(msecs)03d %(name)-9s %(message)s", "-o", "log_cli_date_format=%H:%M:%S"]


def run_doctor(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="calcom-e2e doctor", description="check configuration, target, browser and login")
    parser.add_argument("--env-file", type=Path)
    parser.add_argument("--require-target", action="store_true", help="a missing CAL_API_URL is an error")
    args = parser.parse_args(argv)
    from . import doctor  # imported here: the main command does not need it

    return doctor.run(args.env_file.resolve() if args.env_file else None, require_target=args.require_target)


def unreachable(url: str) -> str | None:
    """None when url answers HTTP at all; else one line saying what went wrong."""
    parts = urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.netloc, timeout=REACHABILITY_TIMEOUT_S)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse()
    except TimeoutError:
        return f"{url} did not answer within {REACHABILITY_TIMEOUT_S:.0f}s"
    except (OSError, http.client.HTTPException) as error:
        return f"{url}: {type(error).__name__}: {error}"
    finally:
        connection.close()
    return None


def exit_status(pytest_code: int, stopped_with: list[int] | None = None) -> int:
    """pytest's exit status as documented: 0, 1, 2 configuration or usage, 3 unreachable, 70 internal error."""
    from .plugin import stopped_with as plugin_stops

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
