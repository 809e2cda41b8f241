"""One check's outcome, as the report, junit.xml and summary.json give it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckOutcome:
    nodeid: str
    rule_id: str
    status: str  # one of report.STATUSES
    reason: str
    duration_s: float
    exchanges: list[str] = field(default_factory=list)  # a failure's HTTP records, rendered (summary.json's key)
    artifacts: list[tuple[str, str]] = field(default_factory=list)  # (kind, path)
    known_defect: str = ""  # the id of the known Cal.com defect a KNOWN check showed
