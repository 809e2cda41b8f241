"""Named deviations from the reference behaviour, each with the Behaviour subclass that makes it.

A fault breaks one harness rule (declared in platform_faults.py and oauth2_faults.py; faults.py gathers them); a
quirk is a way Cal.com really behaves, named with where Cal.com does it (declared in calcom.py and
calcom_oauth2.py; personas.py makes them the calcom persona). Both are declared the same way, on the override:

    @fault("short-codes", "advisory.entropy", "codes are 8 hex characters", REFERENCE)
    class ShortCodes(Behaviour):
        def new_code(self) -> str | None:
            return secrets.token_hex(4)

with `fault = faults_into(TABLE)` (or `quirk = quirks_into(TABLE)`) for the area's table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .behaviour import Behaviour

BOTH = ("calcom", "reference")
REFERENCE = ("reference",)

B = TypeVar("B", bound=type[Behaviour])


@dataclass(frozen=True)
class Fault:
    name: str
    rule_id: str
    breaks: str
    personas: tuple[str, ...]
    override: type[Behaviour]

    @property
    def description(self) -> str:
        return self.breaks

    def applies_to(self, persona: str) -> bool:
        return persona in self.personas


@dataclass(frozen=True)
class Quirk:
    name: str
    description: str
    evidence: str
    override: type[Behaviour]


def faults_into(table: dict[str, Fault]) -> Callable[..., Callable[[B], B]]:
    """A class decorator declaring a fault in `table`: @fault(name, rule_id, breaks[, personas])."""

    def fault(name: str, rule_id: str, breaks: str, personas: tuple[str, ...] = BOTH) -> Callable[[B], B]:
        def register(override: B) -> B:
            assert name not in table, name
            table[name] = Fault(name, rule_id, breaks, personas, override)
            return override

        return register

    return fault


def quirks_into(table: dict[str, Quirk]) -> Callable[..., Callable[[B], B]]:
    """A class decorator declaring a quirk in `table`: @quirk(name, description, evidence)."""

    def quirk(name: str, description: str, evidence: str) -> Callable[[B], B]:
        def register(override: B) -> B:
            assert name not in table, name
            table[name] = Quirk(name, description, evidence, override)
            return override

        return register

    return quirk
