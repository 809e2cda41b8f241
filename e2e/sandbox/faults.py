"""Fault injection: each fault makes the sandbox break exactly one rule of the contract.

`--fault NAME` (repeatable) or POST /__sandbox/faults turns them on; `--list-faults` lists them.
The rule ids are the harness's (e2e/checks/rules.py), so a report can say which check must catch which fault.
Faults are one kind of deviation from the reference behaviour (overrides.py, behaviour.py); a persona's quirks
are the other. Each is declared on its override, in its area's table: platform_faults.py, oauth2_faults.py.
A fault applies to the personas named in `personas`: one whose rule a persona already breaks, or whose code
path the persona does not have (the calcom persona's consent page is a mock-up), proves nothing there.
"""

from __future__ import annotations

from .oauth2_faults import OAUTH2_FAULTS
from .overrides import BOTH, REFERENCE, Fault
from .platform_faults import PLATFORM_FAULTS

__all__ = ["BOTH", "FAULTS", "REFERENCE", "Fault", "listing"]

FAULTS: dict[str, Fault] = {**PLATFORM_FAULTS, **OAUTH2_FAULTS}
assert len(FAULTS) == len(PLATFORM_FAULTS) + len(OAUTH2_FAULTS)


def listing(persona: str | None = None) -> str:
    """One line a fault: its name, the rule it breaks, and the personas it applies to when not both."""
    shown = [f for f in FAULTS.values() if persona is None or f.applies_to(persona)]
    width = max(len(f.name) for f in shown)
    return "\n".join(
        f"{f.name:<{width}}  breaks {f.rule_id}: {f.breaks}"
        + ("" if f.personas == BOTH else f"  [{', '.join(f.personas)} only]")
        for f in shown
    )
