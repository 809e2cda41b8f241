"""Known Cal.com defects as data: a check that fails exactly in a known way is reported KNOWN, not FAIL.

Each defect names a rule, the shape of its failure (a regular expression searched in the check's one-line
reason, and optionally a glob on the check's id) and its evidence. The checks keep checking the intended
behaviour; only a failure of that exact shape is known. Any other failure of the same rule is a FAIL, and a
defect whose rule passed in a run is reported as no longer showing, so the list can shrink. The shipped list is
`e2e/known_issues.toml` (CONTRACT §5); `--known-issues FILE` adds a user's own, `--no-known-issues` drops all.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from .checks.rules import RULES

SHIPPED = Path(__file__).with_name("known_issues.toml")


class KnownIssuesError(ValueError):
    """A known-issues file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class KnownDefect:
    id: str
    shows: dict[str, str]  # rule id -> regular expression searched in the failure's one-line reason
    evidence: str
    since: str = ""
    check: str = "*"  # glob on the check's node id

    def matches(self, rule_id: str, nodeid: str, reason: str) -> bool:
        pattern = self.shows.get(rule_id)
        return pattern is not None and fnmatchcase(nodeid, self.check) and re.search(pattern, reason) is not None


def load(path: Path) -> list[KnownDefect]:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as error:
        raise KnownIssuesError(f"--known-issues {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise KnownIssuesError(f"{path}: not valid TOML: {error}") from None
    entries = data.get("defect", [])
    if not isinstance(entries, list):
        raise KnownIssuesError(f"{path}: expected [[defect]] tables")
    return [_entry(path, number, entry) for number, entry in enumerate(entries, 1)]


def _entry(path: Path, number: int, entry: object) -> KnownDefect:
    where = f"{path}: defect #{number}"
    if not isinstance(entry, dict):
        raise KnownIssuesError(f"{where}: expected a table")
    missing = [k for k in ("id", "evidence") if not isinstance(entry.get(k), str) or not entry[k]]
    if missing:
        raise KnownIssuesError(f"{where}: missing {', '.join(missing)} (each a non-empty string)")
    where += f" ({entry['id']})"
    shows = entry.get("shows")
    if isinstance(shows, str) and isinstance(entry.get("rule"), str):
        shows = {entry["rule"]: shows}  # the short form: one rule
    if not isinstance(shows, dict) or not shows:
        raise KnownIssuesError(
            f'{where}: expected [defect.shows] with rule = "regular expression" lines (or rule and shows strings)'
        )
    for rule_id, pattern in shows.items():
        if rule_id not in RULES:
            raise KnownIssuesError(f"{where}: unknown rule {rule_id!r}")
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise KnownIssuesError(f"{where}: shows for {rule_id} is not a regular expression: {error}") from None
    return KnownDefect(
        entry["id"],
        {k: str(v) for k, v in shows.items()},
        entry["evidence"],
        str(entry.get("since", "")),
        str(entry.get("check", "*")),
    )


def known_defects(extra: list[Path], shipped: bool = True) -> list[KnownDefect]:
    return [*(load(SHIPPED) if shipped else []), *(d for path in extra for d in load(path))]


def match(defects: list[KnownDefect], rule_id: str, nodeid: str, reason: str) -> KnownDefect | None:
    return next((d for d in defects if d.matches(rule_id, nodeid, reason)), None)
