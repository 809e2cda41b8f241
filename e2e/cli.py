"""`calcom-e2e`: run the flow suite against the configured target (or the embedded sandbox).

Exit status: 0 every check passed, 1 a check failed, 2 configuration or usage error, 3 target unreachable.
Arguments it does not know go to pytest (-x, -k, --headed, --slowmo, --tracing, --browser-channel, ...).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
import pytest

from .settings import ConfigError, read_environment, settings_from_values, wants_sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLOW_SUITE = PROJECT_ROOT / "tests" / "flow"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
REACHABILITY_TIMEOUT_S = 10.0


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="calcom-e2e", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", type=Path, help="read the CONTRACT §3 variables from this file (default ./.env)")
    parser.add_argument("--smoke", action="store_true", help="run only the release check (marker 'smoke')")
    parser.add_argument("--strict-advisories", action="store_true", help="a missed advisory fails the run")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    args, pytest_args = parse_args(sys.argv[1:] if argv is None else argv)
    env_file = args.env_file.resolve() if args.env_file else None
    try:
        values = read_environment(env_file)
        remote = None if wants_sandbox(values) else settings_from_values(values)
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
    command = [str(FLOW_SUITE), "--rootdir", str(PROJECT_ROOT), "-c", str(PROJECT_ROOT / "pyproject.toml"),
               "--checks-report", *(["--env-file", str(env_file)] if env_file else []),
               *(["-m", "smoke"] if args.smoke else []), *(["--strict-advisories"] if args.strict_advisories else []),
               *pytest_args]
    return exit_status(pytest.main(command))


def unreachable(url: str) -> str | None:
    """None when url answers HTTP at all; else one line saying what went wrong."""
    try:
        httpx.get(url, timeout=REACHABILITY_TIMEOUT_S, follow_redirects=False)
    except httpx.TimeoutException:
        return f"{url} did not answer within {REACHABILITY_TIMEOUT_S:.0f}s"
    except httpx.HTTPError as error:
        return f"{url}: {type(error).__name__}: {error}"
    return None


def exit_status(pytest_code: int) -> int:
    if pytest_code == pytest.ExitCode.OK:
        return EXIT_OK
    if pytest_code == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAILED
    if pytest_code == EXIT_UNREACHABLE:  # the plugin's own exit for a sandbox that would not start
        return EXIT_UNREACHABLE
    return EXIT_USAGE  # usage error, no tests selected, interrupted, internal error


if __name__ == "__main__":
    sys.exit(main())
