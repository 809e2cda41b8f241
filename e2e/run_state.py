"""The run's shared services, made once at configure time and kept behind one stash key: the fixtures, the HTTP
recorder and the reports all take them from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .http_log import HttpRecorder
from .phases import PhaseTimer
from .redaction import Redactor


@dataclass
class RunState:
    redactor: Redactor  # every secret the run learns, masked wherever it is written
    timer: PhaseTimer  # per-phase timings (browser start, login, exchange, ...) for summary.json
    recorder: HttpRecorder  # the current test's HTTP records, shown when it fails
    output_dir: Path  # --output: junit.xml, summary.json, report.html, per-test artifacts
    metadata: dict[str, Any] = field(default_factory=dict)  # what was tested: target, harness, start time

    @classmethod
    def create(cls, config: pytest.Config) -> RunState:
        redactor, timer = Redactor(), PhaseTimer()
        output_dir = Path(config.invocation_params.dir, config.getoption("output", "test-results"))
        return cls(redactor, timer, HttpRecorder(redactor, timer), output_dir)


RUN_STATE = pytest.StashKey[RunState]()
# An item's: the folder holding its artifacts (trace, screenshot, page HTML), set by the page fixtures for the report.
ARTIFACT_DIR = pytest.StashKey[str]()


def run_state(config: pytest.Config) -> RunState:
    return config.stash[RUN_STATE]
