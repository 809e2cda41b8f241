"""The OAuth2 provider flow as a user configures it: a public client (PKCE only), a flow left unconfigured, and
each configuration mistake stopped once, before any check, with one line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess
from tests.harness.harness_run import admin_headers, env_text, run_harness


@pytest.fixture(scope="module")
def target() -> Iterator[SandboxInfo]:
    with SandboxProcess.start() as process:  # the calcom persona: Cal.com as it ships
        yield process.info


def run(
    tmp_path: Path, info: SandboxInfo, *args: str, drop: tuple[str, ...] = (), **overrides: str
) -> subprocess.CompletedProcess:
    lines = env_text(info.env_block(), **overrides).splitlines()
    text = "".join(line + "\n" for line in lines if line.split("=", 1)[0] not in drop)
    report = tmp_path / "checks.json"
    return run_harness(tmp_path, text, "--flow", "oauth2", "--checks-json", str(report), *args, timeout=300)


def statuses(tmp_path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for check in json.loads((tmp_path / "checks.json").read_text())["checks"]:
        found.setdefault(check["rule_id"], set()).add(check["status"])
    return found


def test_a_public_client_runs_with_pkce_and_skips_the_secret_checks(tmp_path, target):
    result = run(
        tmp_path, target, drop=("CAL_OAUTH2_CLIENT_SECRET",), CAL_OAUTH2_CLIENT_ID=target.oauth2_public_client_id
    )
    assert result.returncode == 0, result.stdout[-4000:]
    found = statuses(tmp_path)
    assert found["oauth2.token.rejects_wrong_secret"] == {"SKIP"}
    for rule in (
        "oauth2.consent.allow_redirects_with_code",
        "oauth2.token.returns_tokens",
        "oauth2.refresh.returns_new_pair",
    ):
        assert found[rule] == {"PASS"}, (rule, found[rule])
    assert "public client" in result.stdout


def scoped_client(info: SandboxInfo, name: str) -> dict:
    """A client registered with new-style scopes, as Cal.com's developer page makes them (then approved)."""
    body = {
        "name": name,
        "redirect_uris": [info.oauth2_redirect_uri, info.oauth2_other_redirect_uri],
        "scopes": ["PROFILE_READ", "BOOKING_READ"],
    }
    response = httpx.post(f"{info.api_url}/__sandbox/oauth2/clients", json=body, headers=admin_headers(info))
    response.raise_for_status()
    return response.json()


def test_a_scoped_client_lists_its_scopes_and_reads_v2_me(tmp_path, target):
    client = scoped_client(target, "Scoped Booking App")
    result = run(
        tmp_path,
        target,
        CAL_OAUTH2_CLIENT_ID=client["client_id"],
        CAL_OAUTH2_CLIENT_SECRET=client["secret"],
        CAL_OAUTH2_CLIENT_NAME="Scoped Booking App",
        CAL_OAUTH2_SCOPES="PROFILE_READ BOOKING_READ",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    found = statuses(tmp_path)
    for rule in (
        "oauth2.consent.names_client_and_scopes",
        "oauth2.me.accepts_access_token",
        "oauth2.me.requires_profile_scope",
    ):
        assert found[rule] == {"PASS"}, (rule, found[rule])
    assert "/v2/me" in (tmp_path / "out" / "report.html").read_text()


def test_scopes_the_client_may_not_ask_for_stop_the_run_once(tmp_path, target):
    """A scoped client asked for the default READ_PROFILE: the consent page sends the browser back with the error;
    the run stops before any check with one line saying so, not 30 failures or BLOCKED checks."""
    client = scoped_client(target, "Scoped App")
    result = run(tmp_path, target, CAL_OAUTH2_CLIENT_ID=client["client_id"], CAL_OAUTH2_CLIENT_SECRET=client["secret"])
    assert result.returncode == 2, result.stdout[-4000:]
    output = result.stdout + result.stderr
    assert "configuration error: CAL_OAUTH2_CLIENT_ID=" in output and "CAL_OAUTH2_SCOPES=READ_PROFILE" in output
    assert "sends the browser back with error=invalid_request (Requested scope exceeds" in output
    assert "FAIL " not in result.stdout and "BLOCKED " not in result.stdout


def test_a_trusted_client_stops_the_run_once_naming_is_trusted(tmp_path, target):
    """A trusted client's consent page authorizes at once (Cal.com's isTrusted): no consent to check, so the run
    stops before any check saying so, not with a refusal that is none."""
    body = {"name": "Trusted App", "redirect_uris": [target.oauth2_redirect_uri], "trusted": True}
    response = httpx.post(f"{target.api_url}/__sandbox/oauth2/clients", json=body, headers=admin_headers(target))
    response.raise_for_status()
    client = response.json()
    result = run(
        tmp_path,
        target,
        drop=("CAL_OAUTH2_OTHER_REDIRECT_URI",),
        CAL_OAUTH2_CLIENT_ID=client["client_id"],
        CAL_OAUTH2_CLIENT_SECRET=client["secret"],
    )
    assert result.returncode == 2, result.stdout[-4000:]
    output = result.stdout + result.stderr
    assert "authorized at once, without showing consent: the client is trusted (OAuthClient.isTrusted)" in output
    assert "error=?" not in output and "FAIL " not in result.stdout and client["secret"] not in output


def test_an_unconfigured_oauth2_flow_is_skipped_saying_why(tmp_path, target):
    oauth2 = tuple(name for name in target.env_block().split() if name.startswith("CAL_OAUTH2_"))
    result = run_harness(
        tmp_path,
        "".join(line + "\n" for line in target.env_block().splitlines() if not line.startswith("CAL_OAUTH2_")),
        "-m",
        "smoke",
        "--checks-json",
        str(tmp_path / "checks.json"),
        timeout=300,
    )
    assert oauth2 and result.returncode == 0, result.stdout[-4000:]
    found = statuses(tmp_path)
    assert found["oauth2.consent.allow_redirects_with_code"] == {"SKIP"} and found["exchange.returns_keys"] <= {
        "PASS",
        "KNOWN",
    }
    assert "CAL_OAUTH2_CLIENT_ID" in result.stdout


@pytest.mark.parametrize(
    "overrides, drop, expected",
    [
        ({"CAL_OAUTH2_CLIENT_SECRET": "wrong-secret-123"}, (), "CAL_OAUTH2_CLIENT_SECRET is wrong"),
        ({}, ("CAL_OAUTH2_CLIENT_SECRET",), "it is a confidential client: set CAL_OAUTH2_CLIENT_SECRET"),
        (
            {"CAL_OAUTH2_TOKEN_URL": "{web}/api/auth/oauth/nope"},
            (),
            "does not answer like Cal.com's OAuth2 token endpoint",
        ),
        (
            {"CAL_OAUTH2_REDIRECT_URI": "https://booking-app.example/not-registered"},
            (),
            'the consent page says "redirect_uri does not match',
        ),
    ],
    ids=["wrong-secret", "confidential-without-secret", "not-the-token-endpoint", "unregistered-redirect-uri"],
)
def test_a_misconfigured_oauth2_client_stops_the_run_once(tmp_path, target, overrides, drop, expected):
    values = {k: v.replace("{web}", target.web_url) for k, v in overrides.items()}
    result = run(tmp_path, target, drop=drop, **values)
    assert result.returncode == 2, result.stdout[-4000:]
    assert expected in result.stdout + result.stderr
    assert "FAIL " not in result.stdout and "wrong-secret-123" not in result.stdout + result.stderr


def test_flow_oauth2_without_its_client_is_a_configuration_error(tmp_path, target):
    result = run(
        tmp_path,
        target,
        drop=tuple(
            n
            for n in (
                "CAL_OAUTH2_CLIENT_ID",
                "CAL_OAUTH2_CLIENT_SECRET",
                "CAL_OAUTH2_REDIRECT_URI",
                "CAL_OAUTH2_OTHER_REDIRECT_URI",
                "CAL_OAUTH2_SCOPES",
            )
        ),
    )
    assert result.returncode == 2, result.stdout[-4000:]
    assert "--flow oauth2 but CAL_OAUTH2_CLIENT_ID is not set" in result.stdout + result.stderr
