"""How long the embedded sandbox takes to start: from spawning `python -m e2e.sandbox` to its ready line.

    python benchmarks/sandbox_startup.py [--runs 15] [--json out.json]

Also splits out the bare interpreter start (`python -c pass`) so the sandbox's own share is visible.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from e2e.sandbox.launcher import SandboxProcess  # noqa: E402


def time_sandbox() -> float:
    started = time.perf_counter()
    process = SandboxProcess.start()
    elapsed = time.perf_counter() - started
    process.stop()
    return elapsed


def time_interpreter() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sandbox = [time_sandbox() for _ in range(args.runs)]
    interpreter = [time_interpreter() for _ in range(args.runs)]
    result = {
        "runs": args.runs,
        "sandbox_ready_median_s": statistics.median(sandbox),
        "sandbox_ready_max_s": max(sandbox),
        "interpreter_median_s": statistics.median(interpreter),
        "sandbox_own_median_s": statistics.median(sandbox) - statistics.median(interpreter),
    }
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value:.3f}" if isinstance(value, float) else f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
