"""Artifacts: a failed browser check keeps its trace, screenshot and page HTML; a passing run keeps only the
reports; and no report, log or console line holds a secret (traces are documented as holding them)."""

from __future__ import annotations

import json
import re
import zipfile

import httpx

from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import admin_headers, run_harness

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
UNMASKED_CODE = re.compile(r"code=(?!\*\*\*)[A-Za-z0-9_-]{16,}")
BINARY = {".zip", ".png", ".webm", ".jpeg"}
FAULTS = [
    "refresh-no-rotation",
    "go-back-issues-code",
    "me-no-username",
    "oauth2-allow-drops-state",
    "oauth2-refresh-replay-accepted",
]


def test_failures_keep_evidence_and_nothing_holds_a_secret(tmp_path):
    with SandboxProcess.start(["--persona", "reference"]) as sandbox:  # its faults break a working consent page
        info = sandbox.info
        httpx.post(
            f"{info.api_url}/__sandbox/faults", json={"enable": FAULTS}, headers=admin_headers(info)
        ).raise_for_status()
        result = run_harness(tmp_path, info.env_block(), "-v")
    assert result.returncode == 1, result.stdout[-3000:]
    out = tmp_path / "out"
    go_back = next(out.glob("*go-back-issues-no-code*"))
    assert {p.suffix for p in go_back.iterdir()} >= {".zip", ".png", ".html"}, list(go_back.iterdir())
    summary = json.loads((out / "summary.json").read_text())
    failed = {c["rule_id"] for c in summary["checks"] if c["status"] == "FAIL"}
    assert {"refresh.rejects_rotated_token", "consent.go_back_issues_no_code", "me.accepts_access_token"} <= failed
    assert {"oauth2.consent.allow_redirects_with_code", "oauth2.refresh.rejects_replayed_token"} <= failed
    # the person's path through the OAuth2 consent page is in the failed check's trace: the page, the Allow click
    allow = next(c for c in summary["checks"] if c["rule_id"] == "oauth2.consent.allow_redirects_with_code")
    traces = [path for kind, path in allow["artifacts"] if path.endswith("trace.zip")]
    assert traces, allow["artifacts"]  # the session's path through the consent page, linked from its check
    with zipfile.ZipFile(out / traces[0]) as trace:
        actions = trace.read("trace.trace").decode(errors="replace")
    assert "/auth/oauth2/authorize" in actions and "allow-button" in actions
    assert any(c["exchanges"] for c in summary["checks"] if c["status"] == "FAIL")
    assert "HTTP exchanges" in (out / "report.html").read_text() and (out / "junit.xml").exists()

    texts = {"console": result.stdout + result.stderr}
    texts.update(
        {str(p): p.read_text(errors="replace") for p in out.rglob("*") if p.is_file() and p.suffix not in BINARY}
    )
    for zipped in out.rglob("trace.zip"):  # traces are masked as they are saved (e2e/trace_scrub.py)
        with zipfile.ZipFile(zipped) as trace:
            for member in trace.namelist():
                if member.endswith((".trace", ".network", ".stacks")):
                    texts[f"{zipped}:{member}"] = trace.read(member).decode(errors="replace")
    assert len(texts) >= 5
    for name, text in texts.items():
        for secret in (info.client_secret, info.user_password, info.admin_key, info.oauth2_client_secret):
            assert secret not in text, f"a secret in {name}"
        assert not JWT.search(text), f"a token in {name}"
        assert not UNMASKED_CODE.search(text), f"a code in {name}"


def test_passing_run_keeps_only_the_reports(tmp_path):
    with SandboxProcess.start(["--persona", "reference"]) as sandbox:  # its faults break a working consent page
        result = run_harness(tmp_path, sandbox.info.env_block(), "--smoke")
    assert result.returncode == 0, result.stdout[-3000:]
    kept = sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert kept == ["junit.xml", "report.html", "summary.json", "summary.md"]
