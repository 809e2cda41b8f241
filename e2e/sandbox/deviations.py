"""Deviations from the reference behaviour: the faults (faults.py) and the personas' quirks (personas.py).

`app.state.deviations` is an ActiveDeviations: the persona's quirks and the `--fault`s on now, and the
behaviour they make (behaviour.py). With the reference persona and no fault on, that is the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .behaviour import Behaviour, compose
from .faults import FAULTS
from .overrides import Fault, Quirk
from .personas import PERSONAS, QUIRKS

DEVIATIONS: dict[str, Fault | Quirk] = {**FAULTS, **QUIRKS}
assert len(DEVIATIONS) == len(FAULTS) + len(QUIRKS), "a quirk and a fault share a name"


def fault_problem(persona: str, name: str) -> str | None:
    """Why fault `name` cannot be turned on under `persona`, or None when it can."""
    fault = FAULTS.get(name)
    if fault is None:
        return f"unknown fault {name} (see --list-faults)"
    if not fault.applies_to(persona):
        return (
            f"fault {name} does not apply to the {persona} persona (it applies to: {', '.join(fault.personas)}); "
            f"see --list-faults"
        )
    return None


def faults_refused(persona: str, turned_on: Iterable[str], all_on: Iterable[str]) -> str | None:
    """Why turning on `turned_on` (so that `all_on` are on) is refused under `persona`, one line; or None."""
    problems = [problem for name in turned_on if (problem := fault_problem(persona, name))]
    return "; ".join(problems) or fault_conflict(all_on)


def deviations_for(persona: str, faults: list[str] | set[str]) -> set[str]:
    """The persona's quirks and the given faults (already checked with fault_problem)."""
    return set(PERSONAS[persona].quirks) | set(faults)


def fault_conflict(faults: Iterable[str]) -> str | None:
    """Why these faults cannot be on together (two of them change the same step, so one would hide the other),
    or None. Each fault breaks one rule; the fault proof turns them on one at a time."""
    seen: dict[str, str] = {}
    for fault in FAULTS.values():
        if fault.name not in faults:
            continue
        for step in sorted(steps_of(fault)):
            if step in seen:
                return f"faults {seen[step]} and {fault.name} both change the step {step}: turn on one of them"
            seen[step] = fault.name
    return None


def steps_of(deviation: Fault | Quirk) -> set[str]:
    """The reference steps a deviation's override changes."""
    return {name for name in vars(deviation.override) if not name.startswith("_")}


class ActiveDeviations:
    """The deviations on now and the behaviour they make: faults over quirks (each in its table's order).
    `memory` is where an override keeps what it must remember while it is on (emptied when the set changes)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: frozenset[str] = frozenset()
        self.behaviour: Behaviour = compose(())
        self.memory: dict[str, Any] = {}
        self.set(names)

    def set(self, names: Iterable[str]) -> None:
        names = frozenset(names)
        unknown = names - set(DEVIATIONS)
        assert not unknown, unknown
        assert fault_conflict(names) is None, fault_conflict(names)
        self.memory = {}
        ordered: list[Fault | Quirk] = [
            *(f for f in FAULTS.values() if f.name in names),
            *(q for q in QUIRKS.values() if q.name in names),
        ]
        self.names = names
        self.behaviour = compose(tuple(d.override for d in ordered))

    def __contains__(self, name: object) -> bool:
        return name in self.names
