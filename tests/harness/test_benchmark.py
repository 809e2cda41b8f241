"""The speed benchmark (benchmarks/run.py) runs end to end, takes turns between its series, and writes its JSON
and the README table. Its figures are not asserted: speed is measured by the benchmark, not by tests."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
_spec = importlib.util.spec_from_file_location("benchmark_run", BENCHMARK)
assert _spec is not None and _spec.loader is not None, f"cannot load {BENCHMARK}"
benchmark = sys.modules["benchmark_run"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)


class _Named(Protocol):
    name: str


def test_series_take_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    # the module is loaded from its file, so its Series is no type to mypy: its run_once is replaced, not overridden
    def run_once(self: _Named, cwd: Path) -> None:
        order.append(self.name)

    monkeypatch.setattr(benchmark.Series, "run_once", run_once)
    series = [
        benchmark.Series("a", [], 3, dict),
        benchmark.Series("b", [], 3, dict),
        benchmark.Series("c", [], 2, dict),
    ]
    benchmark.run_in_turns(series, tmp_path)
    assert order == ["a", "b", "c", "a", "b", "c", "a", "b"]


def test_one_round_writes_json_and_the_readme_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- speed:start -->\nold\n<!-- speed:end -->\nafter\n")
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--skip-faults",
            "--runs",
            "1",
            "--full-runs",
            "1",
            "--json",
            str(tmp_path / "results.json"),
            "--readme",
            str(readme),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    assert set(results) == {
        "a_minimal_script",
        "a2_minimal_oauth2",
        "b_smoke",
        "b1_platform_smoke",
        "c_full_suite",
        "c1_platform_suite",
    }
    assert results["a_minimal_script"]["ratio_to_a"] == 1.0
    assert {"exchange", "refresh", "me"} <= set(results["a2_minimal_oauth2"]["phases_median_ms"])
    for name in ("b_smoke", "b1_platform_smoke", "c_full_suite", "c1_platform_suite"):
        assert results[name]["runs"] == 1 and results[name]["median_s"] > 0
        assert {"login", "redirect", "exchange"} <= set(results[name]["phases_median_ms"])
    text = readme.read_text()
    assert text.startswith("before\n<!-- speed:start -->\n| run |") and text.endswith("<!-- speed:end -->\nafter\n")
    assert "old" not in text and "(c) `calcom-e2e` (full flow suite, both flows)" in text
