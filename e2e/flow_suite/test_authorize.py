"""CONTRACT §1, POST /v2/oauth/{clientId}/authorize: every row of its table."""

from __future__ import annotations

import re
import secrets

import pytest

from e2e.checks import require
from e2e.checks.redirects import check_landing
from e2e.checks.responses import check_error
from e2e.near_misses import KINDS, near_misses
from e2e.settings import Settings

pytestmark = pytest.mark.api


@pytest.mark.rule("authorize.requires_session")
def test_authorize_without_session_is_401(authorizer):
    check_error(authorizer.authorize_raw(cookies={}), "authorize.requires_session", 401)


@pytest.mark.rule("authorize.requires_session")
def test_authorize_with_forged_session_is_401(authorizer, session_cookies):
    forged = {name: secrets.token_urlsafe(24) for name in session_cookies} or {"next-auth.session-token": "forged"}
    check_error(authorizer.authorize_raw(cookies=forged), "authorize.requires_session", 401)


@pytest.mark.rule("authorize.rejects_invalid_body")
@pytest.mark.parametrize(
    "body",
    [{}, {"redirectUri": 42}, {"redirectUri": None}, {"redirectUri": ["x"]}],
    ids=["missing", "number", "null", "list"],
)
def test_authorize_with_invalid_body_is_400(api, settings, session_cookies, body):
    response = api.o_auth_flow_controller_authorize_raw(settings.client_id, None, cookies=session_cookies, json=body)
    check_error(response, "authorize.rejects_invalid_body", 400)


@pytest.mark.rule("authorize.rejects_invalid_body")
def test_authorize_with_malformed_json_is_400(http, settings, session_cookies):
    cookie = "; ".join(f"{k}={v}" for k, v in session_cookies.items())
    response = http.post(
        f"/v2/oauth/{settings.client_id}/authorize",
        content=b'{"redirectUri": ',
        headers={"Content-Type": "application/json", "Cookie": cookie},
    )
    check_error(response, "authorize.rejects_invalid_body", 400)


@pytest.mark.rule("authorize.rejects_unknown_client")
def test_authorize_for_unknown_client_is_400(authorizer):
    unknown = "unknown" + secrets.token_hex(8)
    check_error(
        authorizer.authorize_raw(client_id=unknown),
        "authorize.rejects_unknown_client",
        400,
        f"OAuth client with ID '{unknown}' not found",
    )


@pytest.mark.rule("authorize.rejects_unregistered_redirect_uri")
@pytest.mark.parametrize("kind", KINDS)
def test_authorize_rejects_near_miss_redirect_uri(authorizer, settings: Settings, kind):
    uri = near_misses(settings.redirect_uri).get(kind)
    if uri is None:
        pytest.skip(f"a {kind} near miss of CAL_REDIRECT_URI is the URI itself")
    response = authorizer.authorize_raw(redirect_uri=uri)
    check_error(response, "authorize.rejects_unregistered_redirect_uri", 400, "Invalid 'redirect_uri' value.")


@pytest.mark.sandbox_only
@pytest.mark.rule("authorize.accepts_wildcard_pattern")
def test_authorize_accepts_wildcard_pattern_anchored(authorizer, sandbox_admin, redactor):
    client = sandbox_admin.create_client(["https://*.preview.example.test/cb"])
    redactor.add(client["secret"])
    matching = "https://pr-7.preview.example.test/cb"
    response = authorizer.authorize_raw(redirect_uri=matching, client_id=client["id"], client_secret=client["secret"])
    require(
        response.status_code in (302, 303),
        "authorize.accepts_wildcard_pattern",
        f"{matching} matches the registered pattern but got HTTP {response.status_code}",
    )
    for beyond in ("https://pr-7.preview.example.test/cb/more", "http://pr-7.preview.example.test/cb"):
        check_error(
            authorizer.authorize_raw(redirect_uri=beyond, client_id=client["id"]),
            "authorize.accepts_wildcard_pattern",
            400,
            "Invalid 'redirect_uri' value.",
        )


@pytest.mark.rule("authorize.one_pending_code_per_client")
def test_second_authorize_before_exchange_is_400(authorizer, settings: Settings):
    authorizer.code()
    response = authorizer.authorize_raw()
    message = check_error(response, "authorize.one_pending_code_per_client", 400)
    user = str(settings.user_id) if settings.user_id is not None else r"\d+"
    expected = rf"User with id={user} has already authorized client with id={re.escape(settings.client_id)}\."
    require(
        re.fullmatch(expected, message),
        "authorize.one_pending_code_per_client",
        f"error.message is {message!r}, expected 'User with id=... has already authorized client with id=...'",
    )


@pytest.mark.rule("authorize.redirects_with_code")
def test_authorize_redirects_to_redirect_uri_with_code(authorizer, settings: Settings):
    response = authorizer.authorize_raw()
    require(
        300 <= response.status_code < 400 and "location" in response.headers,
        "authorize.redirects_with_code",
        f"expected a redirect with Location, got HTTP {response.status_code}",
    )
    check_landing(response.headers["location"], settings.redirect_uri, "authorize.redirects_with_code")
