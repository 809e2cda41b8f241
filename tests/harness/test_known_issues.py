"""Known Cal.com defects: the known shape is KNOWN, any other failure of the same rule is a FAIL."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from e2e.known_issues import KnownIssuesError, known_defects, load, match
from tests.harness.harness_run import clean_env

ROOT = Path(__file__).resolve().parents[2]
# For every (defect, rule) of the shipped list: a check id and a reason of the known shape, and a reason of the
# same rule that is a different failure.
SAMPLES = {
    ("oauth2-unsupported-grant-type-invalid-request", "oauth2.token.rejects_unsupported_grant_type"): (
        "test_oauth2_token_endpoint.py::test_unknown_grant_type_is_unsupported[chromium]",
        "error is 'invalid_request', expected 'unsupported_grant_type'",
        "expected HTTP 400, got 500 (error 'server_error')",
    ),
    ("oauth2-code-not-bound-to-redirect-uri", "oauth2.token.redirect_uri_bound_to_code"): (
        "test_oauth2_token_endpoint.py::test_code_is_bound_to_its_redirect_uri[chromium]",
        "expected HTTP 400, got 200 (body keys: access_token, expires_in, refresh_token, token_type)",
        "error is 'invalid_request', expected 'invalid_grant'",
    ),
    ("platform-consent-mockup", "consent.requires_login"): (
        "test_pages.py::test_consent_without_session_redirects_to_login[chromium]",
        "the consent page did not send the user to log in: it rendered without a session",
        "callbackUrl does not lead back to the consent page",
    ),
    ("platform-consent-mockup", "consent.names_client"): (
        "test_pages.py::test_consent_names_client_and_lists_permissions[chromium]",
        "the consent page reads the same for this client and for an unknown one ('Acme.com would like access')",
        "no permissions are listed",
    ),
    ("platform-consent-mockup", "consent.allow_lands_with_code"): (
        "test_pages.py::test_allow_lands_on_redirect_uri_with_one_code[chromium]",
        "Allow did nothing within 5s: the browser stayed on /auth/platform/authorize and no redirect came",
        "the redirect URL carries a token: access_token",
    ),
    ("platform-consent-mockup", "consent.go_back_issues_no_code"): (
        "test_pages.py::test_go_back_issues_no_code[chromium]",
        "the consent page has no Go back button [data-testid=deny-button]",
        "Go back landed on the redirect URI with a code",
    ),
    ("platform-consent-mockup", "consent.unknown_client_error"): (
        "test_pages.py::test_unknown_client_shows_error_and_stays[chromium]",
        "the consent page shows no error for an unknown client (expected 'OAuth client with ID 'x' not found')",
        "the browser was sent to the redirect URI",
    ),
    ("platform-consent-mockup", "consent.disallowed_redirect_error"): (
        "test_pages.py::test_disallowed_redirect_uri_shows_error_and_stays[chromium]",
        "the consent page shows no error for a disallowed redirect_uri (expected 'Invalid 'redirect_uri' value.')",
        "the browser was sent to the redirect URI",
    ),
    ("exchange-missing-authorization-500", "exchange.requires_bearer_header"): (
        "test_exchange.py::test_exchange_without_bearer_code_is_400[missing-chromium]",
        "expected HTTP 400, got 500 (Internal server error)",
        "expected HTTP 400, got 401 (Unauthorized)",
    ),
    ("tokens-without-jti", "tokens.claims"): (
        "test_tokens.py::test_tokens_carry_the_contract_claims[chromium]",
        "jti is missing",
        "clientId is not the client's id",
    ),
    ("tokens-without-jti", "tokens.all_distinct"): (
        "test_tokens.py::test_every_issued_token_is_distinct[chromium]",
        "two tokens share a jti",
        "2 of 6 issued tokens repeat an earlier one",
    ),
    ("tokens-without-jti", "exchange.concurrent_single_use"): (
        "test_exchange.py::test_concurrent_exchanges_of_one_code_exactly_one_succeeds[chromium]",
        "0 of 8 concurrent exchanges of one code succeeded, expected exactly 1 (statuses [500, 500, 500, 500, 500, "
        "500, 500, 500])",
        "2 of 8 concurrent exchanges of one code succeeded, expected exactly 1 (statuses [200, 200, 500, 500, 500, "
        "500, 500, 500])",
    ),
    ("tokens-without-jti", "exchange.returns_keys"): (
        "test_exchange.py::test_exchange_returns_keys[chromium]",
        "expected HTTP 200, got 500 (Internal server error)",
        "expected HTTP 200, got 400 (Invalid OAuth Client.)",
    ),
    ("tokens-without-jti", "refresh.returns_new_pair"): (
        "test_refresh.py::test_refresh_returns_a_new_pair[chromium]",
        "expected HTTP 200, got 500 (Internal server error)",
        "the refresh token did not change",
    ),
    ("refresh-expiry-unchecked", "refresh.rejects_expired_token"): (
        "test_refresh.py::test_expired_refresh_token_is_refused[chromium]",
        "expected HTTP 400, got 200",
        "expected HTTP 400, got 401 (Unauthorized)",
    ),
    ("malformed-json-not-enveloped", "envelope.shape"): (
        "test_authorize.py::test_authorize_with_malformed_json_is_400[chromium]",
        "HTTP 400 body is not a JSON object",
        "status is 'fail', expected 'error'",
    ),
}


def test_every_shipped_defect_has_a_sample():
    shipped = {(d.id, rule) for d in known_defects([]) for rule in d.shows}
    assert shipped == set(SAMPLES)


@pytest.mark.parametrize("key", sorted(SAMPLES), ids=lambda k: f"{k[0]}:{k[1]}")
def test_the_known_shape_is_known_and_another_failure_is_not(key):
    defect_id, rule = key
    nodeid, known_reason, other_reason = SAMPLES[key]
    defects = known_defects([])
    found = match(defects, rule, nodeid, known_reason)
    assert found is not None and found.id == defect_id
    assert match(defects, rule, nodeid, other_reason) is None
    assert match(known_defects([], shipped=False), rule, nodeid, known_reason) is None  # --no-known-issues


def test_the_missing_header_defect_is_known_only_for_the_missing_header():
    defects = known_defects([])
    other = "test_exchange.py::test_exchange_without_bearer_code_is_400[not-bearer-chromium]"
    assert match(defects, "exchange.requires_bearer_header", other, "expected HTTP 400, got 500") is None


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[[defect]]\nid = 'x'\n", "missing evidence"),
        ("[[defect]]\nid = 'x'\nevidence = 'e'\n[defect.shows]\n'no.such_rule' = 'x'\n", "unknown rule 'no.such_rule'"),
        ("[[defect]]\nid = 'x'\nevidence = 'e'\nrule = 'envelope.shape'\nshows = '('\n", "not a regular expression"),
        ("[[defect]\n", "not valid TOML"),
    ],
)
def test_a_bad_known_issues_file_is_named_with_its_problem(tmp_path, text, problem):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(KnownIssuesError, match=problem):
        load(path)


CHECKS = """
    import pytest
    from e2e.checks import require

    @pytest.mark.rule("exchange.requires_bearer_header")
    @pytest.mark.parametrize("shape", ["missing"])
    def test_exchange_without_bearer_code_is_400(shape):
        require(False, "exchange.requires_bearer_header", "expected HTTP 400, got 500 (Internal server error)")

    @pytest.mark.rule("refresh.rejects_expired_token")
    def test_expired_refresh_token_is_refused():
        require(False, "refresh.rejects_expired_token", "expected HTTP 400, got 401")

    @pytest.mark.rule("tokens.claims")
    def test_claims():
        pass
"""


def run_checks(tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(CHECKS))
    env = clean_env()
    out = tmp_path / "checks.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-p",
            "e2e.suite_plugin",  # checks of one's own, under the harness (e2e/plugin.py adds it only to the flow suite)
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            "--checks-report",
            "--checks-json",
            str(out),
            *args,
        ],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, json.loads(out.read_text()) if out.exists() else {}, result.stdout + result.stderr


def test_a_run_reports_known_defects_apart_and_fails_on_anything_else(tmp_path):
    code, summary, output = run_checks(tmp_path)
    statuses = {c["nodeid"].split("::")[1]: c["status"] for c in summary["checks"]}
    assert statuses == {
        "test_exchange_without_bearer_code_is_400[missing]": "KNOWN",
        "test_expired_refresh_token_is_refused": "FAIL",
        "test_claims": "PASS",
    }, output
    assert code == 1, output  # the FAIL, not the KNOWN
    assert "known Cal.com defect: exchange-missing-authorization-500" in output
    verdicts = {v["id"]: v["seen"] for v in summary["known_defects"]}
    assert verdicts["exchange-missing-authorization-500"] == "shown"
    assert verdicts["tokens-without-jti"] == "not shown"  # tokens.claims passed: the list can shrink
    assert "NOT SEEN known defect tokens-without-jti" in output


def test_no_known_issues_makes_the_known_shape_a_failure(tmp_path):
    code, summary, output = run_checks(tmp_path, "--no-known-issues", "-k", "bearer")
    assert code == 1 and [c["status"] for c in summary["checks"]] == ["FAIL"], output


def test_a_users_own_known_issues_file_is_added(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        "[[defect]]\nid = 'our-proxy'\nevidence = 'our gateway answers 401'\n"
        "rule = 'refresh.rejects_expired_token'\nshows = 'got 401'\n"
    )
    code, summary, output = run_checks(tmp_path, "--known-issues", str(mine))
    assert code == 0, output
    assert {c["known_defect"] for c in summary["checks"] if c["status"] == "KNOWN"} == {
        "exchange-missing-authorization-500",
        "our-proxy",
    }
