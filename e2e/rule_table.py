"""The rule -> check -> fault table: which test guards each rule, and which sandbox fault proves the test works.

`python -m e2e.rule_table` prints it; `--write docs/rules.md` refreshes the table between its markers;
`--check docs/rules.md` exits 1 on a gap (a rule with no check or no fault) or a stale table.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from .checks.rules import RULES, Level, Rule
from .known_issues import known_defects
from .paths import FLOW_SUITE
from .sandbox.faults import FAULTS, Fault

START, END = "<!-- rule-table:start -->", "<!-- rule-table:end -->"


@dataclass(frozen=True)
class Row:
    rule: Rule
    checks: list[str]
    faults: list[Fault]

    @property
    def gap(self) -> str | None:
        missing = [what for what, have in (("check", self.checks), ("fault", self.faults)) if not have]
        return f"{self.rule.id}: no {' and no '.join(missing)}" if missing else None


def guarding_tests(suite: Path = FLOW_SUITE) -> dict[str, list[str]]:
    """rule id -> the flow-suite tests marked @pytest.mark.rule(id), read from the source."""
    found: dict[str, list[str]] = {}
    for path in sorted(suite.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                for rule_id in _rule_markers(node):
                    found.setdefault(rule_id, []).append(f"{path.stem}::{node.name}")
    return found


def _rule_markers(node: ast.FunctionDef) -> list[str]:
    ids: list[str] = []
    for decorator in node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "rule"
            and decorator.args
            and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)
        ):
            ids.append(decorator.args[0].value)
    return ids


def rows() -> list[Row]:
    tests = guarding_tests()
    return [
        Row(rule, tests.get(rule.id, []), [f for f in FAULTS.values() if f.rule_id == rule.id])
        for rule in RULES.values()
    ]


def markdown(table: list[Row]) -> str:
    lines = [
        "| rule | level | reference | check (e2e/flow_suite) | fault that proves it | known Cal.com defect |",
        "|---|---|---|---|---|---|",
    ]
    defects = known_defects([])
    for row in table:
        level = "warning" if row.rule.level is Level.WARNING else "failure"
        checks = "<br>".join(f"`{c}`" for c in row.checks) or "**GAP: no check**"
        faults = (
            "<br>".join(f"`{f.name}`" + ("" if f.applies_to("calcom") else " (reference)") for f in row.faults)
            or "**GAP: no fault**"
        )
        known = "<br>".join(f"`{d.id}`" for d in defects if row.rule.id in d.shows) or "–"
        lines.append(
            f"| `{row.rule.id}` {row.rule.title} | {level} | {row.rule.reference} | {checks} | {faults} | {known} |"
        )
    return "\n".join(lines)


def with_table(readme: str, table: str) -> str:
    if START not in readme or END not in readme:
        raise ValueError(f"the file has no {START} ... {END} markers")
    head, rest = readme.split(START, 1)
    return f"{head}{START}\n{table}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.rule_table", description=__doc__)
    parser.add_argument("--write", type=Path, metavar="README", help="refresh the table in this file")
    parser.add_argument("--check", type=Path, metavar="README", help="exit 1 on a gap or a stale table in this file")
    args = parser.parse_args(argv)
    table = rows()
    text = markdown(table)
    if args.write:
        args.write.write_text(with_table(args.write.read_text(), text))
    if args.check:
        problems = [row.gap for row in table if row.gap]
        if with_table(args.check.read_text(), text) != args.check.read_text():
            problems.append(f"{args.check}: the rule table is stale (python -m e2e.rule_table --write {args.check})")
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if not args.write:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
