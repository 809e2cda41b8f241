"""Per-phase timings of the flow (browser start, login, consent, redirect, exchange, refresh, ...)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

PHASE_PREFIX = "phase:"


class PhaseTimer:
    """Collects (phase, milliseconds) as they happen; the report drains them into the current test's report."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, float]] = []

    def record(self, phase: str, milliseconds: float) -> None:
        self._pending.append((phase, milliseconds))

    @contextmanager
    def measure(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record(phase, (time.perf_counter() - started) * 1000)

    def drain(self) -> list[tuple[str, float]]:
        taken, self._pending = self._pending, []
        return taken


OPERATION_PHASES = (("/authorize", "authorize"), ("/exchange", "exchange"), ("/refresh", "refresh"), ("/v2/me", "me"))


def phase_of_path(path: str) -> str | None:
    for suffix, phase in OPERATION_PHASES:
        if path.endswith(suffix):
            return phase
    return None
