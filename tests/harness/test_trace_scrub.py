"""Kept Playwright traces hold no secret and still open: e2e/trace_scrub.py, called wherever a trace is saved.

The end-to-end check runs the harness against the sandbox with a test user whose password needs escaping in
JSON, URLs and HTML, keeps a copy of every trace as Playwright wrote it (to know what was there to mask), and
checks the kept traces: no password, client secret, code, session cookie or token in any form, the same members,
every JSON line still JSON, and Playwright's own trace viewer still shows the actions.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote, quote_plus

import httpx
import playwright
import pytest
from playwright.sync_api import Browser, expect

from e2e import shared_context
from e2e.redaction import Redactor, fingerprint
from e2e.sandbox.launcher import SandboxProcess
from e2e.shared_context import ArtifactOptions, SharedContext
from e2e.trace_scrub import scrub_trace
from tests.harness.harness_run import admin_headers, clean_env

# needs escaping everywhere: a quote (JSON, HTML), & and = (forms, URLs), space, +, %, < and >
PASSWORD = 'pw "trace" & <scrub>+100%=ok'
CLIENT_SECRET = "client-secret-0123456789"
CODE = "Q29kZS1mb3ItdGhlLXRyYWNlLTEyMzQ1"
SESSION = "sessiontoken0123456789abcdefXYZ"
ACCESS = "opaque-access-token-0123456789"
REFRESH = "opaque-refresh-token-9876543210"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoiYWNjZXNzX3Rva2VuIn0.c2lnbmF0dXJlLXZhbHVl"
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
CODE_PARAM = re.compile(r"(?i)code(?:=|%3D|%253D)([^&#\s\"'\\%<]*)")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
FAULTS = ["go-back-issues-code"]  # a browser check fails, so its trace is kept with the session login's


def forms(secret: str) -> set[str]:
    """How a value can show up in a trace: raw, JSON-escaped, URL- and form-encoded, HTML-escaped."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="*"),
        quote(secret, safe="-_.!~*'()"),
        html.escape(secret),
        html.escape(secret, quote=False),
    }


def members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def json_lines(text: str) -> list:
    return [json.loads(line) for line in text.split("\n") if line.strip()]


# --- scrub_trace on a hand-made trace ------------------------------------------------------------------------
def hand_made_trace(path: Path) -> dict[str, bytes]:
    form = f"email=u%40x.test&password={quote_plus(PASSWORD)}&json=true"
    trace = [
        {"type": "before", "callId": "c@1", "method": "fill", "params": {"selector": "#password", "value": PASSWORD}},
        {"type": "log", "callId": "c@1", "message": f"  fill({json.dumps(PASSWORD)})"},  # JSON in JSON
        {"type": "frame-snapshot", "snapshot": {"html": ["INPUT", {"__playwright_value_": PASSWORD}]}},
        # `code=...\"`: masking the line as text would take the backslash with the code and end the string early
        {"type": "log", "callId": "c@2", "message": f'  navigated to "https://app.test/cb?code={CODE}"'},
        {"type": "event", "text": "a line\u2028separator inside a string, and é"},
        {"type": "after", "callId": "c@3", "result": {"value": "nothing secret", "clientSecret": CLIENT_SECRET}},
    ]
    network = {
        "type": "resource-snapshot",
        "snapshot": {
            "request": {
                "url": "https://web.test/api/auth/callback?next=" + quote(f"https://app.test/cb?code={CODE}", safe=""),
                "headers": [
                    {"name": "Cookie", "value": f"next-auth.csrf-token=abc; next-auth.session-token={SESSION}"},
                    {"name": "Authorization", "value": f"Bearer {ACCESS}"},
                ],
                "postData": {
                    "mimeType": "application/x-www-form-urlencoded",
                    "text": form,
                    "params": [{"name": "email", "value": "u@x.test"}, {"name": "password", "value": PASSWORD}],
                    "_sha1": "aaa.dat",
                },
            },
            "response": {"status": 200, "content": {"mimeType": "application/json", "_sha1": "bbb.json"}},
        },
    }
    content = {
        "trace.trace": "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in trace).encode(),
        "trace.network": (json.dumps(network) + "\n").encode(),
        "resources/aaa.dat": form.encode(),
        "resources/bbb.json": json.dumps({"accessToken": JWT, "refreshToken": REFRESH}).encode(),
        "resources/ccc.html": (
            f'<input value="{html.escape(PASSWORD)}"><a href="/x?p={quote(PASSWORD, safe="-_.!~*()")}">next</a>'
        ).encode(),
        "resources/ddd.png": PNG,
        "trace.stacks": json.dumps({"files": ["/src/test.py"], "stacks": [["c@1", [[0, 3, 0, "test"]]]]}).encode(),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            stored = name.endswith(".png")
            archive.writestr(
                zipfile.ZipInfo(name, (2026, 1, 2, 3, 4, 6)),
                data,
                compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
            )
    return content


def test_scrub_masks_every_form_of_a_secret_and_keeps_the_trace_readable(tmp_path):
    path = tmp_path / "trace.zip"
    original = hand_made_trace(path)
    before = members(path)
    scrub_trace(path, Redactor([PASSWORD, CLIENT_SECRET]))  # the code, tokens and session only by their shape

    after = members(path)
    assert [i.filename for i, _ in after] == list(original)  # same names, same order
    assert [(i.compress_type, i.date_time) for i, _ in after] == [(i.compress_type, i.date_time) for i, _ in before]
    assert dict((i.filename, d) for i, d in after)["resources/ddd.png"] == PNG  # binary: byte for byte
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    unwanted = set().union(*map(forms, (PASSWORD, CLIENT_SECRET, CODE, SESSION, ACCESS, REFRESH, JWT)))
    for info, data in after:
        text = data.decode("utf-8", "replace")
        leaked = sorted(form for form in unwanted if form in text)
        assert not leaked, f"{leaked} in {info.filename}"
    texts = {i.filename: d.decode() for i, d in after if i.filename != "resources/ddd.png"}
    trace, network = json_lines(texts["trace.trace"]), json_lines(texts["trace.network"])
    json.loads(texts["trace.stacks"]), json.loads(texts["resources/bbb.json"])
    assert len(trace) == 6 and len(network) == 1
    assert trace[0]["params"]["value"] == fingerprint(PASSWORD)
    assert trace[1]["message"] == f'  fill("{fingerprint(PASSWORD)}")'
    assert trace[3]["message"].startswith('  navigated to "https://app.test/cb?code=***')
    assert trace[4] == {"type": "event", "text": "a line\u2028separator inside a string, and é"}
    assert texts["resources/aaa.dat"] == f"email=u%40x.test&password={fingerprint(PASSWORD)}&json=true"
    assert fingerprint(PASSWORD) in texts["resources/ccc.html"]
    request = network[0]["snapshot"]["request"]
    assert request["headers"][0]["value"] == f"next-auth.csrf-token=abc; next-auth.session-token={fingerprint(SESSION)}"
    assert request["postData"]["params"][0] == {"name": "email", "value": "u@x.test"}


def test_what_the_redactor_shows_stays_shown(tmp_path):
    """A value the Redactor shows on purpose (an error object's `code`, say) is not hunted down elsewhere."""
    body = json.dumps({"status": "error", "error": {"code": "NotFoundException", "message": "no such client"}})
    lines = [{"type": "log", "message": body}, {"type": "log", "message": "NotFoundException raised"}]
    path = tmp_path / "trace.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trace.trace", "".join(json.dumps(line) + "\n" for line in lines))
    scrub_trace(path, Redactor())
    text = members(path)[0][1].decode()
    shown = "NotFoundException" in Redactor().mask(body)
    assert ("NotFoundException" in json_lines(text)[0]["message"]) == shown
    elsewhere = "NotFoundException" if shown else fingerprint("NotFoundException")
    assert json_lines(text)[1]["message"] == f"{elsewhere} raised"


def test_a_trace_without_secrets_keeps_its_bytes(tmp_path):
    path = tmp_path / "trace.zip"
    content = {
        "trace.trace": b'{"type":"before","method":"goto","params":{"url":"https://x.test/?a=1"}}\n',
        "resources/a.png": PNG,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    scrub_trace(path, Redactor(["not-in-this-trace"]))
    assert {i.filename: d for i, d in members(path)} == content


def test_a_trace_that_cannot_be_masked_is_not_kept(tmp_path):
    trace = tmp_path / "trace.zip"
    trace.write_bytes(b"not a zip")
    shared_context._save_masked(trace, Redactor([PASSWORD]))
    assert not trace.exists()


# --- SharedContext: the trace a failed test keeps is masked ------------------------------------------------------
SITE = "http://trace-scrub.test"
LOGIN = "<!doctype html><form><input id=password type=password></form>"


def test_close_page_keeps_a_masked_trace_for_a_failed_test_only(browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context()
    try:
        shared = SharedContext(context, ArtifactOptions(tracing="retain-on-failure"), timeout_ms=5_000)
        for failed in (False, True):
            folder = tmp_path / f"failed-{failed}"
            page = shared.open_page(f"failed={failed}")
            # close_page drops the context's routes with the test's
            context.route(f"{SITE}/**", lambda route: route.fulfill(content_type="text/html", body=LOGIN))
            page.goto(f"{SITE}/login")
            page.fill("#password", PASSWORD)
            page.goto(f"{SITE}/cb?code={CODE}")
            shared.close_page(page, failed=failed, folder=folder, redactor=Redactor([PASSWORD]))
    finally:
        context.close()
    assert not (tmp_path / "failed-False" / "trace.zip").exists()
    kept = members(tmp_path / "failed-True" / "trace.zip")
    text = "".join(data.decode("utf-8", "replace") for _, data in kept)
    assert fingerprint(PASSWORD) in text and f"code={fingerprint(CODE)}" in text
    assert not [form for form in forms(PASSWORD) | forms(CODE) if form in text]


# --- the harness against the sandbox ---------------------------------------------------------------------------
# Runs the harness as `python -m e2e` does, keeping each trace as Playwright wrote it before it is masked.
KEEP_ORIGINALS = """
import shutil, sys
from pathlib import Path
import e2e.shared_context as shared
originals, scrub = Path(sys.argv.pop(1)), shared.scrub_trace
def keep_then_scrub(path, redactor):
    (originals / path.parent.name).mkdir(parents=True)
    shutil.copy(path, originals / path.parent.name / path.name)
    scrub(path, redactor)
shared.scrub_trace = keep_then_scrub
from e2e.cli import main
sys.exit(main())
"""


class HarnessRun(TypedDict):
    out: Path  # the run's --output folder
    originals: Path  # each trace as Playwright wrote it, in a folder named as the test's
    client_secret: str


@pytest.fixture(scope="module")
def harness_run(tmp_path_factory: pytest.TempPathFactory) -> HarnessRun:
    tmp = tmp_path_factory.mktemp("trace-scrub")
    with SandboxProcess.start(["--persona", "reference"]) as sandbox:
        info = sandbox.info
        admin = admin_headers(info)
        httpx.post(f"{info.api_url}/__sandbox/faults", json={"enable": FAULTS}, headers=admin).raise_for_status()
        user = httpx.post(f"{info.api_url}/__sandbox/users", json={"password": PASSWORD}, headers=admin)
        user = user.raise_for_status().json()
        own = ("E2E_USER_EMAIL=", "E2E_USER_PASSWORD=", "E2E_USER_ID=")
        lines = [line for line in info.env_block().splitlines() if not line.startswith(own)]
        lines += [f"E2E_USER_EMAIL={user['email']}", f"E2E_USER_PASSWORD='{PASSWORD}'", f"E2E_USER_ID={user['id']}"]
        env_file = tmp / "target.env"
        env_file.write_text("\n".join(lines) + "\n")
        env = clean_env()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                KEEP_ORIGINALS,
                str(tmp / "originals"),
                "--env-file",
                str(env_file),
                "--output",
                str(tmp / "out"),
                "--tracing",
                "on",
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    return {"out": tmp / "out", "originals": tmp / "originals", "client_secret": info.client_secret}


def test_kept_traces_hold_no_secret_and_stay_valid(harness_run: HarnessRun) -> None:
    out, originals = harness_run["out"], harness_run["originals"]
    traces = sorted(out.rglob("trace.zip"))
    folders = {trace.parent.name for trace in traces}
    assert "session-login-0" in folders and any("go-back-issues-no-code" in name for name in folders), folders
    assert folders == {p.name for p in originals.iterdir()}  # every trace saved went through the scrubber

    for trace in traces:
        original = members(originals / trace.parent.name / "trace.zip")
        scrubbed = members(trace)
        assert [i.filename for i, _ in scrubbed] == [i.filename for i, _ in original], trace
        raw = "".join(data.decode("utf-8", "replace") for _, data in original)
        # what Playwright recorded: the codes, session cookies and tokens of this trace, besides the known values
        recorded = {
            *CODE_PARAM.findall(raw),
            *JWT_SHAPE.findall(raw),
            *re.findall(r'session-token(?:=|","value":")([A-Za-z0-9_-]{16,})', raw),
        }
        recorded = {value for value in recorded if len(value) >= 16}
        unwanted = set().union(*map(forms, {PASSWORD, harness_run["client_secret"], *recorded}))
        for (info, data), (_, before) in zip(scrubbed, original, strict=True):
            where = f"{trace.parent.name}/{info.filename}"
            text = data.decode("utf-8", "replace")
            leaked = sorted(form for form in unwanted if form in text)
            assert not leaked, f"{leaked} in {where}"
            assert not JWT_SHAPE.search(text), f"a token in {where}"
            codes = [code for code in CODE_PARAM.findall(text) if code and not code.startswith("***")]
            assert not codes, f"code {codes} in {where}"
            if info.filename in ("trace.trace", "trace.network"):
                assert len(json_lines(text)) == len(json_lines(before.decode())), where  # each line still JSON
            elif info.filename.endswith((".stacks", ".json")) and _is_json(before):
                json.loads(text)
        resources = {info.filename for info, _ in scrubbed}
        network = next(data for info, data in scrubbed if info.filename == "trace.network").decode()
        assert {f"resources/{sha1}" for sha1 in re.findall(r'"_sha1":"([^"]+)"', network)} <= resources
    login = "".join(d.decode("utf-8", "replace") for _, d in members(out / "session-login-0" / "trace.zip"))
    original_login = "".join(
        d.decode("utf-8", "replace") for _, d in members(originals / "session-login-0" / "trace.zip")
    )
    # the check is worth something: Playwright did record the password (escaped) and a code, and they were masked
    assert json.dumps(PASSWORD)[1:-1] in original_login and CODE_PARAM.search(original_login)
    assert login.count(fingerprint(PASSWORD)) >= 4


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def trace_viewer(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Playwright's trace viewer (the page `playwright show-trace` serves), served here: `show-trace` itself opens a
    headed window, or with --host/--port a tab of the desktop's browser."""
    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "vite" / "traceViewer"
    if not (bundle / "index.html").exists():
        pytest.skip(f"this Playwright has no trace viewer bundle at {bundle}")
    shutil.copytree(bundle, tmp_path / "viewer")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def url(trace: Path) -> str:
        name = f"{trace.parent.name}.zip"
        shutil.copy(trace, tmp_path / name)
        return f"{base}/viewer/index.html?trace={base}/{name}"

    yield url
    server.shutdown()
    server.server_close()


def test_the_trace_viewer_opens_a_masked_trace(
    harness_run: HarnessRun, trace_viewer: Callable[[Path], str], browser: Browser
) -> None:
    out = harness_run["out"]
    page = browser.new_page()
    try:
        page.goto(trace_viewer(out / "session-login-0" / "trace.zip"))
        expect(page.get_by_text(f'Fill "{fingerprint(PASSWORD)}"').first).to_be_visible(timeout=15_000)
        go_back = next(out.glob("*go-back-issues-no-code*")) / "trace.zip"
        page.goto(trace_viewer(go_back))
        expect(page.get_by_text("Click").first).to_be_visible(timeout=15_000)
        expect(page.get_by_text(re.compile(r"code=\*\*\*[0-9a-f]{6}")).first).to_be_visible()
    finally:
        page.close()
