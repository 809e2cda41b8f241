"""Checks, one small function per rule, in the manner of the OpenID conformance suite.

A check that finds its rule broken raises CheckFailed, which names the rule; the report uses it.
"""

from __future__ import annotations

from .rules import RULES, Level, Rule


class CheckFailed(AssertionError):
    def __init__(self, rule_id: str, reason: str) -> None:
        self.rule = RULES[rule_id]
        self.reason = reason
        super().__init__(f"[{self.rule.id}] {reason} ({self.rule.reference})")


class Blocked(Exception):
    """A check could not run because a step it depends on, shared with other checks, failed; that step's own
    failure is reported once, where it happened. Reported as BLOCKED, not as a failure of the check's rule."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"blocked: {reason}")


def require(condition: object, rule_id: str, reason: str) -> None:
    if not condition:
        raise CheckFailed(rule_id, reason)


__all__ = ["RULES", "Blocked", "CheckFailed", "Level", "Rule", "require"]
