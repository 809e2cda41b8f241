"""Configuration: validated at start, one line naming a bad variable, secrets never shown."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from e2e.settings import (
    VARIABLES,
    ConfigError,
    Secret,
    browser_ws_endpoint_from,
    read_environment,
    settings_from_values,
    wants_sandbox,
)
from tests.harness.harness_run import free_port, run_harness

if TYPE_CHECKING:  # an annotation only: the module imports no Playwright when it runs
    from playwright.sync_api import StorageState

ROOT = Path(__file__).resolve().parents[2]
REMOTE = {
    "CAL_API_URL": "https://api.example.test/",
    "CAL_CLIENT_ID": "client-1",
    "CAL_CLIENT_SECRET": "s3cret-value-123",
    "CAL_REDIRECT_URI": "https://app.example.test/cb",
    "E2E_USER_EMAIL": "qa@example.test",
    "E2E_USER_PASSWORD": "pa55word-xyz",
}


def test_remote_settings_are_read_and_normalised():
    settings = settings_from_values(REMOTE)
    assert settings.api_url == "https://api.example.test" and settings.web_url == settings.api_url
    assert settings.client_secret.reveal() == "s3cret-value-123" and settings.user_id is None


@pytest.mark.parametrize(
    "missing", ["CAL_CLIENT_ID", "CAL_CLIENT_SECRET", "CAL_REDIRECT_URI", "E2E_USER_EMAIL", "E2E_USER_PASSWORD"]
)
def test_missing_variable_is_named(missing):
    with pytest.raises(ConfigError, match=f"^{missing} is not set"):
        settings_from_values({k: v for k, v in REMOTE.items() if k != missing})


@pytest.mark.parametrize(
    "name, value",
    [
        ("CAL_API_URL", "api.example.test"),
        ("CAL_WEB_URL", "ftp://x"),
        ("CAL_REDIRECT_URI", "/relative"),
        ("E2E_USER_ID", "abc"),
        ("E2E_USER_EMAIL", "not-an-email"),
    ],
)
def test_malformed_variable_is_named(name, value):
    with pytest.raises(ConfigError, match=f"^{name}"):
        settings_from_values({**REMOTE, name: value})


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:3000/", "127.0.0.1:3000"])
def test_malformed_browser_endpoint_is_named(endpoint):
    with pytest.raises(ConfigError, match=r"^E2E_BROWSER_WS_ENDPOINT=.* is malformed: expected ws://"):
        browser_ws_endpoint_from({"E2E_BROWSER_WS_ENDPOINT": endpoint})
    assert browser_ws_endpoint_from({"E2E_BROWSER_WS_ENDPOINT": "ws://127.0.0.1:3000/"}) == "ws://127.0.0.1:3000/"
    assert browser_ws_endpoint_from({}) is None


def test_cli_malformed_browser_endpoint_exits_2_with_one_line(tmp_path):
    """Against the sandbox too: the endpoint is checked before anything starts."""
    result = run_cli(tmp_path, {"E2E_BROWSER_WS_ENDPOINT": "http://127.0.0.1:3000/"})
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "E2E_BROWSER_WS_ENDPOINT='http://127.0.0.1:3000/' is malformed" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_secrets_never_show_in_repr_or_format():
    settings = settings_from_values(REMOTE)
    for text in (repr(settings), str(settings), f"{settings.client_secret}", f"{settings.user_password!s}"):
        assert "s3cret-value-123" not in text and "pa55word-xyz" not in text
    assert repr(Secret("x" * 10)) == "Secret('***')"


def test_environment_wins_over_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / "custom.env"
    env_file.write_text("CAL_API_URL=https://from-file.test\nCAL_CLIENT_ID=file-client\nUNRELATED=1\n")
    monkeypatch.setenv("CAL_CLIENT_ID", "env-client")
    values = read_environment(env_file)
    assert values["CAL_API_URL"] == "https://from-file.test" and values["CAL_CLIENT_ID"] == "env-client"
    assert "UNRELATED" not in values and not wants_sandbox(values)


def test_no_api_url_means_sandbox(tmp_path, monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert wants_sandbox(read_environment())


def run_cli(tmp_path: Path, env_lines: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env_lines.items()))
    return run_harness(tmp_path, None, *args, timeout=120)


def test_cli_missing_variable_exits_2_with_one_line(tmp_path):
    result = run_cli(tmp_path, {k: v for k, v in REMOTE.items() if k != "CAL_CLIENT_SECRET"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "CAL_CLIENT_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_env_file_exits_2(tmp_path):
    result = run_cli(tmp_path, {}, "--env-file", str(tmp_path / "nope.env"))
    assert result.returncode == 2 and "nope.env: no such file" in result.stderr


def test_cli_unreachable_target_exits_3_naming_the_url(tmp_path):
    port = free_port()
    result = run_cli(tmp_path, {**REMOTE, "CAL_API_URL": f"http://127.0.0.1:{port}"})
    assert result.returncode == 3
    assert f"http://127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
    assert REMOTE["CAL_CLIENT_SECRET"] not in result.stderr + result.stdout


def test_a_target_variable_without_cal_api_url_is_a_configuration_error():
    from e2e.settings import remote_settings

    with pytest.raises(ConfigError, match="CAL_API_URL is empty or unset but CAL_CLIENT_ID is set"):
        remote_settings({"CAL_CLIENT_ID": "abc"})


def test_require_target_refuses_the_sandbox_fallback():
    from e2e.settings import remote_settings

    assert remote_settings({}) is None
    with pytest.raises(ConfigError, match="--require-target forbids falling back"):
        remote_settings({}, require_target=True)


@pytest.mark.parametrize("url", ["https://api.cal.com/v2", "http://localhost:5555/api/v2/"])
def test_an_api_url_ending_in_v2_is_refused(url):
    from e2e.settings import remote_settings

    with pytest.raises(ConfigError, match="ends in /v2"):
        remote_settings({"CAL_API_URL": url})


def test_http_login_keeps_localhost_cookies_under_localhost():
    from e2e.flow import cookies_for
    from e2e.http_login import _cookie_domain

    assert _cookie_domain("localhost.local", "localhost") == "localhost"
    assert _cookie_domain(".cal.com", "app.cal.com") == ".cal.com"
    state: StorageState = {
        "cookies": [{"name": "next-auth.session-token", "value": "v", "domain": "localhost", "path": "/"}]
    }
    assert cookies_for(state, "http://localhost:5555") == {"next-auth.session-token": "v"}


OAUTH2 = {
    **REMOTE,
    "CAL_WEB_URL": "https://app.example.test",
    "CAL_OAUTH2_CLIENT_ID": "oauth2-app",
    "CAL_OAUTH2_CLIENT_SECRET": "oauth2-s3cret-456",
    "CAL_OAUTH2_REDIRECT_URI": "https://booking-app.example.test/callback",
}


def test_oauth2_flow_is_off_without_its_client():
    assert settings_from_values(REMOTE).oauth2 is None


def test_oauth2_settings_default_to_the_web_apps_routes():
    oauth2 = settings_from_values(OAUTH2).oauth2
    assert oauth2 is not None and not oauth2.is_public and oauth2.scopes == ("READ_PROFILE",)
    assert oauth2.token_url == "https://app.example.test/api/auth/oauth/token"
    assert oauth2.refresh_url == "https://app.example.test/api/auth/oauth/refreshToken"
    assert oauth2.me_url == "https://app.example.test/api/auth/oauth/me"
    assert "oauth2-s3cret-456" in settings_from_values(OAUTH2).secret_values()
    assert "oauth2-s3cret-456" not in repr(settings_from_values(OAUTH2))


def test_oauth2_public_client_with_new_scopes_reads_v2_me():
    values = {k: v for k, v in OAUTH2.items() if k != "CAL_OAUTH2_CLIENT_SECRET"}
    oauth2 = settings_from_values({**values, "CAL_OAUTH2_SCOPES": "PROFILE_READ BOOKING_READ"}).oauth2
    assert oauth2 is not None and oauth2.is_public and oauth2.scopes == ("PROFILE_READ", "BOOKING_READ")
    assert oauth2.me_url == "https://api.example.test/v2/me" and oauth2.scope == "PROFILE_READ,BOOKING_READ"


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {**REMOTE, "CAL_OAUTH2_REDIRECT_URI": "https://x.test/cb"},
            "^CAL_OAUTH2_REDIRECT_URI is set but CAL_OAUTH2_CLIENT_ID",
        ),
        ({k: v for k, v in OAUTH2.items() if k != "CAL_OAUTH2_REDIRECT_URI"}, "^CAL_OAUTH2_REDIRECT_URI is not set"),
        ({**OAUTH2, "CAL_OAUTH2_REDIRECT_URI": "/cb"}, "^CAL_OAUTH2_REDIRECT_URI='/cb' is malformed"),
        ({**OAUTH2, "CAL_OAUTH2_TOKEN_URL": "token"}, "^CAL_OAUTH2_TOKEN_URL='token' is malformed"),
        ({**OAUTH2, "CAL_OAUTH2_SCOPES": " , "}, "^CAL_OAUTH2_SCOPES is empty"),
        ({**OAUTH2, "CAL_OAUTH2_REDIRECT_URI": "https://app.example.test/cb"}, "is on the web app's origin"),
    ],
    ids=["stray", "no-redirect", "relative-redirect", "bad-endpoint", "no-scopes", "redirect-on-web-origin"],
)
def test_oauth2_mistakes_are_named(values, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_values(values)
