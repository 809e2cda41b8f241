"""The reports of a real run: junit.xml (the one-line reason as a failure's message; KNOWN, WARN and BLOCKED as
testcase properties), report.html (failures first, a search box and a checkbox per status, the run's metadata, the
known Cal.com defects and this run's verdict on each) and masking by what a value is (an error's code is shown,
an OAuth code is not).

Two runs, each shared by the tests of this module: the default persona (Cal.com as it ships: KNOWN and WARN checks,
under pytest-xdist so that what the workers report crosses to the controller), and the reference persona with a
fault and a login that fails (FAIL, BLOCKED and PASS checks)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from e2e.html_report import STATUS_ORDER
from e2e.junit import JUNIT_DEFECT, JUNIT_REASON, JUNIT_STATUS
from e2e.redaction import ERROR_NAME, Redactor
from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import admin_headers, clean_env

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
UNMASKED_CODE = re.compile(r"code=(?!\*\*\*)[A-Za-z0-9_-]{16,}")
JSON_CODE = re.compile(r'"code"\s*:\s*"([^"]*)"')
BINARY = {".zip", ".png", ".webm", ".jpeg"}
WRONG_PASSWORD = "not-the-users-password"  # with login-silent-failure: the session's login fails, quietly


@dataclass
class Run:
    out: Path
    result: subprocess.CompletedProcess
    secrets: tuple[str, ...] = ()

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text())

    @property
    def checks(self) -> dict[str, dict]:
        return {check["nodeid"]: check for check in self.summary["checks"]}

    def testcases(self) -> dict[str, ET.Element]:
        """junit.xml's testcases by the node id of their test (ET.parse: the file is well-formed XML)."""
        suite = ET.parse(self.out / "junit.xml").getroot()
        return {_nodeid(case): case for case in suite.iter("testcase")}

    def texts(self) -> dict[str, str]:
        texts = {"console": self.result.stdout + self.result.stderr}
        texts.update(
            {
                str(p): p.read_text(errors="replace")
                for p in self.out.rglob("*")
                if p.is_file() and p.suffix not in BINARY
            }
        )
        return texts


def _nodeid(case: ET.Element) -> str:
    """The inverse of junitxml's names for a module-level test: classname test_me (the rootdir is the suite's
    folder), name test_x[p]."""
    return case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")


def _properties(case: ET.Element) -> dict[str, str]:
    properties = {}
    for p in case.iter("property"):
        name, value = p.get("name"), p.get("value")
        assert name is not None and value is not None, f"a property without a name or a value: {p.attrib}"
        properties[name] = value
    return properties


@pytest.fixture(scope="module")
def calcom_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The default persona (no env file: the embedded sandbox starts by itself), API checks, two workers."""
    tmp = tmp_path_factory.mktemp("calcom-run")
    result = subprocess.run(
        [sys.executable, "-m", "e2e", "-m", "api", "-n", "2", "--output", str(tmp / "out")],
        cwd=tmp,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return Run(tmp / "out", result)


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The reference persona with a generic error.code, and a test user whose login fails without a word."""
    tmp = tmp_path_factory.mktemp("failing-run")
    with SandboxProcess.start(["--persona", "reference"]) as sandbox:
        info = sandbox.info
        faults = ["envelope-generic-code", "login-silent-failure"]
        httpx.post(
            f"{info.api_url}/__sandbox/faults", json={"enable": faults}, headers=admin_headers(info)
        ).raise_for_status()
        env_file = tmp / "target.env"
        env_file.write_text(
            re.sub(r"(?m)^E2E_USER_PASSWORD=.*$", f"E2E_USER_PASSWORD={WRONG_PASSWORD}", info.env_block())
        )
        command = [sys.executable, "-m", "e2e", "--env-file", str(env_file), "--output", str(tmp / "out")]
        result = subprocess.run(command, cwd=tmp, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stdout[-3000:]
    return Run(tmp / "out", result, (info.client_secret, info.user_password, info.admin_key, WRONG_PASSWORD))


# --- junit.xml -----------------------------------------------------------------------------------------------
def test_a_failure_message_is_the_one_line_reason(failing_run):
    checks, cases = failing_run.checks, failing_run.testcases()
    failures = {nodeid: case.find("failure") for nodeid, case in cases.items() if case.find("failure") is not None}
    errors = {nodeid: case.find("error") for nodeid, case in cases.items() if case.find("error") is not None}
    assert len(failures) >= 5 and len(errors) >= 5, (len(failures), len(errors))
    for nodeid, failure in failures.items():
        reason = checks[nodeid]["reason"]
        assert failure.get("message") == reason and "\n" not in reason, nodeid
        assert reason in failure.text and "Traceback" not in failure.get("message"), nodeid  # the whole report stays
    for nodeid, error in errors.items():  # a check blocked in its setup
        assert error.get("message") == f'failed on setup with "{checks[nodeid]["reason"]}"', nodeid
    login = next(n for n, c in checks.items() if c["rule_id"] == "login.good_credentials")
    assert failures[login].get("message").startswith("[login.good_credentials] ")
    assert any(
        failures[n].get("message").startswith("[envelope.shape] error.code is 'HttpException'") for n in failures
    )


def test_every_check_carries_its_status_in_junit(failing_run, calcom_run):
    for run in (failing_run, calcom_run):
        cases = run.testcases()
        for nodeid, check in run.checks.items():
            props = _properties(cases[nodeid])
            assert props.get(JUNIT_STATUS) == check["status"], (nodeid, props)
            assert props.get(JUNIT_DEFECT, "") == check["known_defect"], nodeid
            assert props.get(JUNIT_REASON, "") == ("" if check["status"] == "PASS" else check["reason"]), nodeid
        assert "incompatible with junit_family" not in run.result.stdout + run.result.stderr


def test_known_and_warn_checks_are_visible_in_junit(calcom_run):
    """pytest counts them passed: only the properties tell them from a pass."""
    counts = calcom_run.summary["counts"]
    assert counts["known"] >= 3 and counts["warn"] >= 1 and counts["fail"] == 0, counts
    cases = calcom_run.testcases()
    for status in ("KNOWN", "WARN"):
        marked = [c for c in cases.values() if _properties(c).get(JUNIT_STATUS) == status]
        assert len(marked) == counts[status.lower()], status
        for case in marked:
            assert case.find("failure") is None and case.find("error") is None and case.find("skipped") is None
            assert _properties(case)[JUNIT_REASON]
    defects = {_properties(c).get(JUNIT_DEFECT) for c in cases.values()} - {None}
    assert {"tokens-without-jti", "exchange-missing-authorization-500"} <= defects, defects


def test_blocked_checks_are_visible_in_junit(failing_run):
    cases = failing_run.testcases()
    blocked = [c for c in cases.values() if _properties(c).get(JUNIT_STATUS) == "BLOCKED"]
    assert len(blocked) == failing_run.summary["counts"]["blocked"] >= 5
    for case in blocked:
        assert "the session's login failed" in _properties(case)[JUNIT_REASON]


# --- report.html ---------------------------------------------------------------------------------------------
class ReportPage(HTMLParser):
    """What report.html holds: its rows (status, search text), status boxes, search box, links and sources."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.boxes: list[str] = []
        self.search_box = False
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and "check" in a.get("class", "").split():
            self.rows.append(a)
        if tag == "input" and "status-filter" in a.get("class", ""):
            self.boxes.append(a["value"])
        if tag == "input" and a.get("type") == "search":
            self.search_box = True
        for attribute in ("href", "src"):
            if attribute in a:
                self.urls.append((tag, attribute, a[attribute]))


def test_report_puts_failures_first_and_filters_every_status(failing_run, calcom_run):
    for run in (failing_run, calcom_run):
        page = ReportPage((run.out / "report.html").read_text())
        statuses = [row["data-status"] for row in page.rows]
        assert sorted(statuses) == sorted(c["status"] for c in run.summary["checks"])
        assert statuses == sorted(statuses, key=STATUS_ORDER.index), statuses  # FAIL, BLOCKED, KNOWN, WARN, SKIP, PASS
        assert page.boxes == list(STATUS_ORDER) and page.search_box
    failing = [row["data-status"] for row in ReportPage((failing_run.out / "report.html").read_text()).rows]
    assert failing[0] == "FAIL" and "BLOCKED" in failing and failing[-1] == "PASS"


def test_report_is_self_contained_with_relative_artifact_links(failing_run):
    text = (failing_run.out / "report.html").read_text()
    page = ReportPage(text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    for tag, _attribute, url in page.urls:
        assert not re.match(r"(?i)[a-z][a-z0-9+.-]*://|//", url), (tag, url)  # nothing fetched from a network
        if tag == "img":
            assert url.startswith("data:image/png;base64,")
        elif not url.startswith("#"):
            assert not url.startswith("/") and (failing_run.out / url).is_file(), url  # relative to the report
    assert any(url.endswith("trace.zip") for _, _, url in page.urls)


def test_report_shows_the_run_and_the_known_defects(calcom_run):
    text = html.unescape((calcom_run.out / "report.html").read_text())
    run = calcom_run.summary["run"]
    for value in (run["target"], run["harness"], run["started"], run["known_issues"]):
        assert value and value in text, value
    assert re.search(r"<th>duration</th><td>\d+(\.\d)? s", text) or re.search(r"<th>duration</th><td>\d+ min", text)
    assert "Known Cal.com defects" in text
    verdicts = calcom_run.summary["known_defects"]
    assert {v["seen"] for v in verdicts} >= {"shown", "not exercised"}  # the consent page's defect needs a browser
    for verdict in verdicts:
        row = re.search(
            rf'<tr id="defect-{re.escape(verdict["id"])}" class="defect-row" '
            r'data-seen="([^"]+)">(.*?)</tr>',
            text,
            re.S,
        )
        assert row and row.group(1) == verdict["seen"], verdict["id"]
        assert verdict["evidence"] in row.group(2) and verdict["since"] in row.group(2)
        assert all(rule in row.group(2) for rule in verdict["rules"])


def test_known_rows_name_their_defect_and_its_evidence(calcom_run):
    text = html.unescape((calcom_run.out / "report.html").read_text())
    evidence = {v["id"]: v["evidence"] for v in calcom_run.summary["known_defects"]}
    rows = re.findall(r'<tr class="check row-KNOWN".*?</tr>', text, re.S)
    known = [c for c in calcom_run.summary["checks"] if c["status"] == "KNOWN"]
    assert len(rows) == len(known) >= 3
    for check in known:
        row = next(r for r in rows if f"<code>{check['nodeid']}</code>" in r)
        assert f'known Cal.com defect <a href="#defect-{check["known_defect"]}">' in row
        assert evidence[check["known_defect"]] in row


def test_report_search_and_status_boxes_filter_the_rows(calcom_run: Run, browser: Browser) -> None:
    checks = calcom_run.summary["checks"]
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((calcom_run.out / "report.html").as_uri())

    def shown() -> int:
        return page.locator("#checks tr.check:visible").count()

    assert shown() == len(checks)
    page.uncheck("input.status-filter[value=PASS]")
    assert shown() == sum(c["status"] != "PASS" for c in checks)
    page.fill("#search", "tokens-without-jti")  # a defect id: its KNOWN rows
    assert shown() == sum(c["known_defect"] == "tokens-without-jti" for c in checks) >= 1
    page.check("input.status-filter[value=PASS]")
    page.fill("#search", "advisory.no_store")  # a rule
    assert shown() == sum(c["rule_id"] == "advisory.no_store" for c in checks) == 1
    page.fill("#search", "JTI is   missing")  # words of a reason, any case
    assert shown() == sum("jti is missing" in c["reason"] for c in checks) >= 1
    page.fill("#search", "test_me_with_unknown_token_is_401 garbage")  # a check id, narrowed by a second word
    assert shown() == 1
    page.fill("#search", "no-such-text-anywhere")
    assert shown() == 0 and page.locator("#no-match").is_visible()
    page.fill("#search", "")
    for status in STATUS_ORDER:
        page.uncheck(f"input.status-filter[value={status}]")
    assert shown() == 0
    page.check("input.status-filter[value=KNOWN]")
    assert shown() == sum(c["status"] == "KNOWN" for c in checks)
    assert not [url for url in requests if not url.startswith("file:")]  # nothing loaded from a network
    page.close()


# --- masking ---------------------------------------------------------------------------------------------------
ENVELOPE = (
    '{"status":"error","timestamp":"2025-05-12T10:00:00.000Z","path":"/v2/me",'
    '"error":{"code":"%s","message":"Invalid Access Token"}}'
)


@pytest.mark.parametrize(
    "code",
    [
        "BadRequestException",
        "NOT_FOUND",
        "TokenExpiredException",
        "INTERNAL_SERVER_ERROR",
        "CONFLICT",
        "HttpException",
        "PrismaClientKnownRequestError",
    ],
)
def test_an_error_code_is_shown(code):
    assert Redactor().mask(ENVELOPE % code) == ENVELOPE % code
    pretty = json.dumps(json.loads(ENVELOPE % code), indent=2)
    assert f'"code": "{code}"' in Redactor().mask(pretty)


@pytest.mark.parametrize(
    "code", ["k9Qz-_aB3xYr7TqLmN2pVw8sDfGhJkLzQ1", "c0123456789abcdefghijklmn", "1a2b3c4d", "ABCDEFGHJKLMNPQRS2345"]
)
def test_an_oauth_code_stays_masked_in_a_field_and_a_parameter(code):
    redactor = Redactor()
    for text in (
        f'{{"status":"success","data":{{"code":"{code}"}}}}',
        f'{{"code": "{code}"}}',
        f"Location: https://app.test/cb?code={code}&state=s1",
        f"https://app.test/cb?state=s1&code={code}",
        ENVELOPE % code,  # an error object whose code is no error's name
    ):
        masked = redactor.mask(text)
        assert code not in masked, text
    assert "code=NOT_FOUND" not in redactor.mask("https://app.test/cb?code=NOT_FOUND")  # a parameter: always masked


def test_a_code_nested_in_an_error_is_masked_by_what_it_is():
    body = (
        '{"status":"error","path":"/v2/oauth/c/authorize","error":{"code":"BadRequestException",'
        '"message":"Bad Request Exception","details":{"errors":[{"target":{"code":"NOT_FOUND_BUT_A_CODE",'
        '"redirectUri":"x"},"property":"code"}]}}}'
    )
    masked = Redactor().mask(body)
    assert '"code":"BadRequestException"' in masked and "NOT_FOUND_BUT_A_CODE" not in masked
    assert '"data":{"code":"NOT_FOUND"}' not in Redactor().mask('{"data":{"code":"NOT_FOUND"}}')  # not an error's


def test_a_runs_reports_show_error_codes_and_no_secret(failing_run, calcom_run):
    exchanges = "\n".join(e for c in failing_run.summary["checks"] for e in c["exchanges"])
    assert '"error":{"code":"HttpException"' in exchanges  # the fault's generic code, shown
    report = html.unescape((failing_run.out / "report.html").read_text())
    assert '"code":"HttpException"' in report
    for run in (failing_run, calcom_run):
        texts = run.texts()
        assert len(texts) >= 5
        for name, text in texts.items():
            for secret in run.secrets:
                assert secret not in text, f"a secret in {name}"
            assert not JWT.search(text), f"a token in {name}"
            assert not UNMASKED_CODE.search(text), f"a code in {name}"
            for value in JSON_CODE.findall(html.unescape(text).replace('\\"', '"')):  # every code shown: an error's
                assert value.startswith("***") or ERROR_NAME.fullmatch(value), (name, value)


def test_a_check_blocked_in_its_setup_prints_its_line_alone(tmp_path):
    """A shared step that fails in a check's setup (here the session code's exchange, refused by a fault) gives
    BLOCKED lines, with no progress letter run into them ("EBLOCKED", "EFAIL")."""
    from tests.harness.harness_run import run_harness

    args = ["--persona", "reference", "--sandbox-fault", "oauth2-pkce-hex-digest", "--rule", "oauth2.tokens.*"]
    result = run_harness(tmp_path, "", *args, timeout=300)
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and any(line.startswith("BLOCKED") for line in lines), result.stdout[-3000:]
    assert not any(line.startswith(("EBLOCKED", "EFAIL", "E BLOCKED")) for line in lines), result.stdout[-3000:]
