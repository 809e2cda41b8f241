"""A self-contained HTML report of a run (no network): what was tested (target, harness, start, duration, known
issues), the known Cal.com defects and whether this run showed them, then one row per check, failures first, with
its rule and reference, result, duration, and for a failure the reason, the masked HTTP exchanges, the screenshot
(embedded) and the trace to open; a known defect's row names the defect and its evidence. A search box and a
checkbox per status filter the rows."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
# The order of the rows: what needs a look first. (e2e/report.py's STATUSES, in this order.)
STATUS_ORDER = ("FAIL", "BLOCKED", "KNOWN", "WARN", "SKIP", "PASS")
STATUS_LABELS = {
    "FAIL": "failed",
    "BLOCKED": "blocked",
    "KNOWN": "known Cal.com defects",
    "WARN": "warnings",
    "SKIP": "skipped",
    "PASS": "passed",
}
SEEN_LABELS = {
    "shown": "shown in this run",
    "not shown": "not shown: its checks passed",
    "not exercised": "not exercised in this run",
}


def write_html_report(path: Path, summary: dict, rules: dict) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    defects = {d["id"]: d for d in summary.get("known_defects", [])}
    checks = [_view(check, rules, path.parent, defects) for check in ordered(summary["checks"])]
    html = env.get_template("report.html").render(
        summary=summary,
        checks=checks,
        statuses=STATUS_ORDER,
        labels=STATUS_LABELS,
        seen_labels=SEEN_LABELS,
        run=_run(summary),
        known_defects=summary.get("known_defects", []),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html)


def ordered(checks: list[dict]) -> list[dict]:
    """Failures first (FAIL, BLOCKED, KNOWN, WARN, SKIP, PASS); within a status, in the order they ran."""
    rank = {status: number for number, status in enumerate(STATUS_ORDER)}
    return sorted(checks, key=lambda check: rank.get(check["status"], len(rank)))


def _run(summary: dict) -> dict:
    run = summary.get("run") or {}
    started = run.get("started") or (
        time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(summary["started"])) if summary.get("started") else "?"
    )
    return {
        "target": run.get("target") or "?",
        "harness": run.get("harness") or "?",
        "started": started,
        "duration": _duration(summary.get("duration_s")),
        "known_issues": run.get("known_issues") or "?",
        "seen": ", ".join(
            f"{n} {seen}"
            for seen in SEEN_LABELS
            if (n := sum(d["seen"] == seen for d in summary.get("known_defects", [])))
        ),
    }


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _view(check: dict, rules: dict, report_dir: Path, defects: dict[str, dict]) -> dict:
    rule = rules.get(check["rule_id"])
    artifacts = []
    for kind, file in check["artifacts"]:
        target = Path(file)
        if not target.is_absolute():
            target = Path.cwd() / target
        entry = {"kind": kind, "path": os.path.relpath(target, report_dir) if target.exists() else file}
        if kind == "screenshot" and target.exists():
            entry["data_uri"] = "data:image/png;base64," + base64.b64encode(target.read_bytes()).decode()
        artifacts.append(entry)
    defect = defects.get(check.get("known_defect") or "")
    if check.get("known_defect") and defect is None:  # a defect the summary does not list: its id at least
        defect = {"id": check["known_defect"], "evidence": "", "since": "", "rules": [], "seen": "shown"}
    words = [check["status"], check["rule_id"], check["nodeid"], check["reason"], check.get("known_defect", "")]
    if rule is not None:
        words += [rule.title, rule.reference]
    return {
        **check,
        "rule": rule,
        "artifacts": artifacts,
        "defect": defect,
        "search": " ".join(w for w in words if w).lower(),
    }
