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


def require(condition: object, rule_id: str, reason: str) -> None:
    if not condition:
        raise CheckFailed(rule_id, reason)


__all__ = ["RULES", "CheckFailed", "Level", "Rule", "require"]
