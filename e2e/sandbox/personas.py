"""Personas: the reference behaviour plus a named set of quirks, each a way Cal.com really behaves.

A quirk is a deviation like a fault (overrides.py), but one Cal.com ships: it names where Cal.com does it
(source file, or the verbatim responses in the project's research notes) instead of a harness rule it breaks.
Quirks marked (defect) are Cal.com defects the harness must recognise (CONTRACT.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from .calcom import PLATFORM_QUIRKS
from .calcom_oauth2 import OAUTH2_QUIRKS
from .overrides import Quirk

CALCOM_VERSION = "Cal.com API v2 and web app, upstream main of 2025-05-12 (commit 2dbbdc21)"
DEFAULT_PERSONA = "calcom"
OAUTH2_VERSION = (
    "Cal.com upstream's OAuth2 provider (consent page V5 @ 5517f34d, OAuthService @ e0ef2d8d, web token routes "
    "@ 5b6d63e6)"
)


@dataclass(frozen=True)
class Persona:
    name: str
    imitates: str  # the Cal.com version, "" for the reference persona
    summary: str
    quirks: tuple[str, ...]


QUIRKS: dict[str, Quirk] = {**PLATFORM_QUIRKS, **OAUTH2_QUIRKS}
assert len(QUIRKS) == len(PLATFORM_QUIRKS) + len(OAUTH2_QUIRKS)

PERSONAS = {
    "calcom": Persona(
        "calcom",
        CALCOM_VERSION,
        f"imitates {CALCOM_VERSION}, as observed; its OAuth2 provider (/auth/oauth2/authorize, /api/auth/oauth/*) "
        f"imitates {OAUTH2_VERSION}: the snapshot's own provider predates PKCE and rotation",
        tuple(QUIRKS),
    ),
    "reference": Persona("reference", "", "the intended behaviour: CONTRACT §1-§2 and every §4 advisory", ()),
}


def listing() -> str:
    """Each persona with its quirks, one `name: description` line each."""
    lines = []
    for persona in PERSONAS.values():
        lines.append(f"{persona.name}: {persona.summary}")
        lines += [f"  {name}: {QUIRKS[name].description}" for name in persona.quirks] or ["  (no quirks)"]
    return "\n".join(lines)
