"""The reference persona: Cal.com's intended behaviour (CONTRACT §1) with every §4 advisory honoured."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from e2e.checks.responses import check_error_envelope
from e2e.sandbox.info import SandboxInfo

from .conftest import authorize, code_from, exchange, fresh_keys, me, refresh, shift_clock, signed_in_client, spend

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def info(reference_sandbox: SandboxInfo) -> SandboxInfo:
    return reference_sandbox


@pytest.fixture(scope="module")
def http(info: SandboxInfo) -> Iterator[httpx.Client]:
    with signed_in_client(info) as client:
        yield client


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = check_error_envelope(response)
    assert "details" not in body["error"] and "x-request-id" not in response.headers
    return body["error"]


def test_authorize_keeps_the_registered_query_returns_state_and_says_no_store(http, info):
    with_query = info.extra_redirect_uris[0]
    response = authorize(http, info, with_query, state="a b&c=d/é")
    assert response.status_code == 302 and response.headers["cache-control"] == "no-store"
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert query["tenant"] == ["acme"] and query["state"] == ["a b&c=d/é"]
    assert len(query["code"][0]) >= 43  # 256 bits, base64url
    spend(http, info, query["code"][0])


def test_authorize_without_session_is_401_and_a_session_bearer_is_no_session(info, http):
    url = f"{info.api_url}/v2/oauth/{info.client_id}/authorize"
    session = http.cookies["next-auth.session-token"]
    for headers in ({}, {"Authorization": f"Bearer {session}"}):
        response = httpx.post(url, json={"redirectUri": info.redirect_uri}, headers=headers)
        assert error_of(response, 401)["message"] == "NextAuthStrategy - Authentication token is missing or invalid."


def test_authorize_reads_a_form_body_as_the_consent_page_posts_it(http, info):
    response = http.post(f"/v2/oauth/{info.client_id}/authorize", data={"redirectUri": info.redirect_uri, "state": "s"})
    assert response.status_code == 302 and parse_qs(urlsplit(response.headers["location"]).query)["state"] == ["s"]
    spend(http, info, code_from(response))


def test_api_v2_prefix_is_not_served(http):
    assert error_of(http.get("/api/v2/me"), 404)["message"] == "Cannot GET /api/v2/me"


@pytest.mark.parametrize(
    "header, message",
    [
        (None, "Missing 'Bearer' Authorization header."),
        ("", "Missing 'Bearer' Authorization header."),
        ("Bearer", "Invalid OAuth Client."),
        ("Basic abc", "Invalid OAuth Client."),
    ],
)
def test_exchange_header_errors_are_enveloped(http, info, header, message):
    headers = {} if header is None else {"Authorization": header}
    response = http.post(
        f"/v2/oauth/{info.client_id}/exchange", json={"clientSecret": info.client_secret}, headers=headers
    )
    assert error_of(response, 400)["message"] == message


def test_exchange_takes_the_bare_code_and_says_no_store(http, info):
    code = code_from(authorize(http, info))
    response = http.post(
        f"/v2/oauth/{info.client_id}/exchange",
        json={"clientSecret": info.client_secret},
        headers={"Authorization": code},
    )
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert error_of(exchange(http, info, code), 400)["message"] == "Invalid OAuth Client."


def test_every_token_carries_a_jti_and_pairs_of_one_second_differ(http, info):
    first, second = fresh_keys(http, info), fresh_keys(http, info)  # within a second, no collision
    tokens = [first["accessToken"], first["refreshToken"], second["accessToken"], second["refreshToken"]]
    payloads = [jwt.decode(t, options={"verify_signature": False}) for t in tokens]
    assert all(isinstance(p["jti"], str) and len(p["jti"]) >= 22 for p in payloads)
    assert len(set(tokens)) == 4


def test_refresh_checks_the_refresh_token_s_expiry(http, info):
    keys = fresh_keys(http, info)
    shift_clock(info, 400 * DAY_MS)
    try:
        assert error_of(refresh(http, info, keys["refreshToken"]), 400)["message"] == "Invalid refresh token"
        assert error_of(me(http, info, keys["accessToken"]), 498)["message"] == "ACCESS_TOKEN_IS_EXPIRED"
    finally:
        shift_clock(info, -400 * DAY_MS)


def test_replaying_a_rotated_out_refresh_token_revokes_its_family(http, info):
    keys = fresh_keys(http, info)
    renewed = refresh(http, info, keys["refreshToken"])
    assert renewed.status_code == 200 and renewed.headers["cache-control"] == "no-store"
    new = renewed.json()["data"]
    assert me(http, info, keys["accessToken"]).status_code == 200  # rotation alone leaves the old access token
    assert error_of(refresh(http, info, keys["refreshToken"]), 400)["message"] == "Invalid refresh token"
    assert error_of(refresh(http, info, new["refreshToken"]), 400)["message"] == "Invalid refresh token"
    assert error_of(me(http, info, new["accessToken"]), 401)["message"] == "Invalid Access Token."


def test_refresh_messages_are_cal_com_s(http, info):
    assert error_of(http.post(f"/v2/oauth/{info.client_id}/refresh", json={}), 401)["message"].startswith(
        "ApiAuthStrategy - Only 'x-cal-client-id' header provided."
    )
    assert error_of(refresh(http, info, "x", client_id="nosuch"), 401)["message"] == (
        "ApiAuthStrategy - oAuth client - Client with ID nosuch not found"
    )
    assert error_of(refresh(http, info, "x", secret="wrong"), 401)["message"] == (
        "ApiAuthStrategy - oAuth client - Invalid client secret"
    )


def test_me_answers_the_same_shape_as_cal_com(http, info):
    data = me(http, info, fresh_keys(http, info)["accessToken"]).json()["data"]
    assert list(data) == [
        "id",
        "email",
        "timeFormat",
        "defaultScheduleId",
        "weekStart",
        "timeZone",
        "username",
        "organizationId",
    ]
    assert error_of(http.get("/v2/me"), 401)["message"].startswith("ApiAuthStrategy - No authentication method")
