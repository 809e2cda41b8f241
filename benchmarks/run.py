"""Speed of the harness against a plain Playwright + httpx script, measured in one run on one machine.

    python benchmarks/run.py [--runs 5] [--full-runs 3] [--fault-runs 1] [--skip-faults] [--json PATH]

(a) benchmarks/minimal_flow.py: one full platform flow with plain Playwright and httpx (launch, login, allow,
    catch the code, exchange, refresh, /v2/me) against an embedded sandbox started beforehand; (a2) the same
    script's OAuth2 provider flow (`--flow oauth2`: consent page, token endpoint, refresh, /api/auth/oauth/me);
(b) `calcom-e2e --smoke` and (c) `calcom-e2e` (the full flow suite, both flows), each as a user runs it: it
    starts its own sandbox; (b1) `calcom-e2e --smoke --flow platform` and (c1) `calcom-e2e --flow platform`,
    the platform flow's checks alone;
(d) the fault self-test, `pytest tests/harness/test_faults.py -n 2`.
Each is a median of several runs (wall time of the whole command), with peak memory (RSS of the process and
all its children, sampled every 100 ms: sampling more often takes CPU from the runs it measures) and, for
(a)-(c), per-phase timings. The runs of (a), (b) and (c) take turns (a, b, c, a, b, c, ...), so a change in the
machine's load during the benchmark weighs on all three alike and the ratios to (a) stay fair. Prints a table;
writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from e2e.sandbox.launcher import SandboxProcess  # noqa: E402
from e2e.settings import VARIABLES  # noqa: E402

BIN = Path(sys.executable).parent


def measure(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB of the process tree, and stdout."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}\n{output[-3000:]}")
    return elapsed, peak, output


@dataclass
class Series:
    """One benchmarked command and what its runs measured."""

    name: str
    command: list[str]
    runs: int
    phases_from: Callable[[str], dict[str, float]]
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)

    def run_once(self, cwd: Path) -> None:
        wall, peak, output = measure(self.command, cwd)
        self.walls.append(wall)
        self.peaks.append(peak)
        for phase, ms in self.phases_from(output).items():
            self.phases.setdefault(phase, []).append(ms)
        print(f"  {self.name}: {wall:.2f} s", file=sys.stderr)

    def result(self) -> dict:
        return {
            "runs": len(self.walls),
            "walls_s": [round(w, 3) for w in self.walls],
            "median_s": round(statistics.median(self.walls), 3),
            "min_s": round(min(self.walls), 3),
            "max_s": round(max(self.walls), 3),
            "peak_rss_mib": round(max(self.peaks), 1),
            "phases_median_ms": {p: round(statistics.median(v), 1) for p, v in sorted(self.phases.items())},
        }


def run_in_turns(all_series: list[Series], cwd: Path) -> None:
    """a, b, c, a, b, c, ...: each series until it has its runs."""
    for round_ in range(max(s.runs for s in all_series)):
        for one in all_series:
            if round_ < one.runs:
                one.run_once(cwd)


def minimal_phases(output: str) -> dict[str, float]:
    return json.loads(output.strip().splitlines()[-1])


def harness_phases(out_dir: Path) -> Callable[[str], dict[str, float]]:
    def read(_: str) -> dict[str, float]:
        summary = json.loads((out_dir / "summary.json").read_text())
        return {name: p["median_ms"] for name, p in summary["phases"].items()}

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs of (a) and (b)")
    parser.add_argument("--full-runs", type=int, default=7, help="runs of (c)")
    parser.add_argument("--fault-runs", type=int, default=1, help="runs of (d)")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument(
        "--persona",
        choices=["reference", "calcom"],
        default="reference",
        help="the sandbox persona of (a)-(c): reference (a working consent page, what (a) needs; "
        "default) or calcom, whose identical-token defect costs the suite ~1 s per collision",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--readme", type=Path, help="also write the table between the speed markers of this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calcom-bench-"))
    out = work / "test-results"
    harness = [str(BIN / "calcom-e2e"), "--output", str(out), "--persona", args.persona]
    # (a)'s target; (b) and (c) start their own, as a user's run does
    with SandboxProcess.start(["--persona", args.persona]) as sandbox:
        env_file = work / "sandbox.env"
        env_file.write_text(sandbox.info.env_block())
        minimal = [sys.executable, str(ROOT / "benchmarks" / "minimal_flow.py"), "--env-file", str(env_file)]
        in_turns = [
            Series(
                "a_minimal_script",
                minimal,
                args.runs,
                minimal_phases,
            ),
            Series(
                "a2_minimal_oauth2",
                [*minimal, "--flow", "oauth2"],
                args.runs,
                minimal_phases,
            ),
            Series("b_smoke", [*harness, "--smoke"], args.runs, harness_phases(out)),
            Series("b1_platform_smoke", [*harness, "--smoke", "--flow", "platform"], args.runs, harness_phases(out)),
            Series("c_full_suite", harness, args.full_runs, harness_phases(out)),
            Series("c1_platform_suite", [*harness, "--flow", "platform"], args.full_runs, harness_phases(out)),
        ]
        run_in_turns(in_turns, work)
    results = {one.name: one.result() for one in in_turns}
    if not args.skip_faults:
        faults = Series(
            "d_fault_self_test",
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "tests" / "harness" / "test_faults.py"),
                "-n",
                "2",
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(ROOT),
                "-c",
                str(ROOT / "pyproject.toml"),
            ],
            args.fault_runs,
            lambda _: {},
        )
        run_in_turns([faults], work)
        results[faults.name] = faults.result()
    baseline = results["a_minimal_script"]["median_s"]
    for result in results.values():
        result["ratio_to_a"] = round(result["median_s"] / baseline, 2)
    print_table(results)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
    }
    args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\nwritten: {args.json}")
    if args.readme:
        write_readme_table(args.readme, results, machine)


def write_readme_table(readme: Path, results: dict[str, dict], machine: dict) -> None:
    labels = {
        "a_minimal_script": "(a) plain Playwright + httpx, one platform flow",
        "a2_minimal_oauth2": "(a2) plain Playwright + httpx, one OAuth2 provider flow",
        "b_smoke": "(b) `calcom-e2e --smoke` (both flows)",
        "b1_platform_smoke": "(b1) `calcom-e2e --smoke --flow platform`",
        "c_full_suite": "(c) `calcom-e2e` (full flow suite, both flows)",
        "c1_platform_suite": "(c1) `calcom-e2e --flow platform`",
        "d_fault_self_test": "(d) fault self-test, `-n 2`",
    }
    rows = ["| run | median s | min–max s | × (a) | peak MiB |", "|---|---|---|---|---|"]
    for name, r in results.items():
        rows.append(
            f"| {labels.get(name, name)} | {r['median_s']:.2f} | {r['min_s']:.2f}–{r['max_s']:.2f} | "
            f"{r['ratio_to_a']:.2f} | {r['peak_rss_mib']:.0f} |"
        )
    phases = "; ".join(
        f"{name.split('_')[0]}: " + ", ".join(f"{p} {ms:.0f}" for p, ms in r["phases_median_ms"].items())
        for name, r in results.items()
        if r["phases_median_ms"]
    )
    note = (
        f"Measured with `python benchmarks/run.py` on {machine['cpus']} cores, Python {machine['python']}"
        f"{', PYTHONDONTWRITEBYTECODE=1' if machine['PYTHONDONTWRITEBYTECODE'] else ''}. Phase medians (ms): {phases}."
    )
    text = readme.read_text()
    head, rest = text.split("<!-- speed:start -->", 1)
    tail = rest.split("<!-- speed:end -->", 1)[1]
    readme.write_text(f"{head}<!-- speed:start -->\n" + "\n".join(rows) + f"\n\n{note}\n<!-- speed:end -->{tail}")


def print_table(results: dict[str, dict]) -> None:
    print(f"\n{'':22} {'median s':>9} {'min':>7} {'max':>7} {'x (a)':>6} {'peak MiB':>9}")
    for name, r in results.items():
        print(
            f"{name:22} {r['median_s']:9.2f} {r['min_s']:7.2f} {r['max_s']:7.2f} {r['ratio_to_a']:6.2f} "
            f"{r['peak_rss_mib']:9.0f}"
        )
    print("\nphases (median ms):")
    for name, r in results.items():
        if r["phases_median_ms"]:
            print(f"  {name}: " + ", ".join(f"{p} {ms:.0f}" for p, ms in r["phases_median_ms"].items()))


if __name__ == "__main__":
    main()
