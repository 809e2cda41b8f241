"""Deviations from the reference behaviour: the faults (faults.py) and the personas' quirks (personas.py).

`app.state.deviations` holds every active one, the persona's quirks and the `--fault`s; handlers ask
`active(request, name)`. With the reference persona and no fault on, every call answers False.
"""

from __future__ import annotations

from starlette.requests import Request

from .faults import FAULTS
from .personas import PERSONAS, QUIRKS

DEVIATIONS: dict[str, object] = {**FAULTS, **QUIRKS}
assert len(DEVIATIONS) == len(FAULTS) + len(QUIRKS), "a quirk and a fault share a name"


def active(request: Request, name: str) -> bool:
    assert name in DEVIATIONS, name
    return name in request.app.state.deviations


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


def deviations_for(persona: str, faults: list[str] | set[str]) -> set[str]:
    """The persona's quirks and the given faults (already checked with fault_problem)."""
    return set(PERSONAS[persona].quirks) | set(faults)
