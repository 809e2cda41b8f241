"""A self-contained HTML report of a run (no network): per check its rule and reference, result, duration,
and for a failure the reason, the masked HTTP exchanges, the screenshot (embedded) and the trace to open."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def write_html_report(path: Path, summary: dict, rules: dict) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    checks = [_view(check, rules, path.parent) for check in summary["checks"]]
    html = env.get_template("report.html").render(summary=summary, checks=checks)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html)


def _view(check: dict, rules: dict, report_dir: Path) -> dict:
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
    return {**check, "rule": rule, "artifacts": artifacts}
