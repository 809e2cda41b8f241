"""The sandbox's behaviour: the reference steps, and the active deviations stacked over them.

Handlers ask `behaviour(request)` (current.py) for each step a deviation may change (`.redirect_allowed(...)`,
`.spend_code(...)`, `.cache_headers`, ...). `Behaviour` is the reference: CONTRACT §1-§2 and every §4
advisory for the platform flow (platform_behaviour.py), RFC 6749/7636 for the OAuth2 provider
(oauth2_behaviour.py). A deviation, a fault or a persona's quirk (overrides.py), is a small subclass overriding
the steps it changes, as the OpenID conformance suite overrides one step of a test; `compose` stacks the active
ones, faults over quirks over the reference, so an override's `super()` reaches the layer below it (two faults
never change one step together: deviations.fault_conflict). The handlers therefore read as the reference and
name no deviation.
"""

from __future__ import annotations

from functools import lru_cache

from .oauth2_behaviour import OAuth2Behaviour
from .platform_behaviour import PlatformBehaviour


class Behaviour(PlatformBehaviour, OAuth2Behaviour):
    """The reference behaviour, every step as the contract has it."""


@lru_cache(maxsize=64)
def compose(overrides: tuple[type[Behaviour], ...]) -> Behaviour:
    """The behaviour with these overrides, the first over the next, all over the reference."""
    if not overrides:
        return Behaviour()
    name = "+".join(override.__name__ for override in overrides)
    return type(name, (*overrides, Behaviour), {})()
