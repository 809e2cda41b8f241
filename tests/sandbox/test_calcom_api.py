"""The calcom persona's API, quirk by quirk, against what Cal.com of 2025-05-12 answered
(/work/shared/research/calcom-observed.md) and CONTRACT.md's defects."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest

from e2e.checks.responses import check_error_envelope
from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess

from .conftest import (
    admin_headers,
    authorize,
    code_from,
    exchange,
    fresh_keys,
    me,
    refresh,
    shift_clock,
    signed_in_client,
    spend,
)

NEST_DEFAULT_500 = {"statusCode": 500, "message": "Internal server error"}
CUID = re.compile(r"c[0-9a-z]{24}")
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def info(calcom_sandbox: SandboxInfo) -> SandboxInfo:
    return calcom_sandbox


@pytest.fixture(scope="module")
def http(info: SandboxInfo) -> Iterator[httpx.Client]:
    with signed_in_client(info) as client:
        yield client


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    return check_error_envelope(response)["error"]


def payload(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def next_second(info: SandboxInfo) -> None:
    """Moves the server's clock a second on: the next pair differs from every earlier one."""
    shift_clock(info, 1000)


def at_start_of_a_second(info: SandboxInfo) -> None:
    """A second of the server's clock no pair was minted in yet, with time left in it for a few requests (the
    clock's offset is whole seconds): late in a second, waits for the next."""
    next_second(info)
    if time.time() % 1 > 0.6:
        time.sleep(1.02 - time.time() % 1)


# --- authorize ------------------------------------------------------------------------------------------------
def test_authorize_without_session_is_401_with_next_auths_message_details_and_a_request_id(info):
    response = httpx.post(
        f"{info.api_url}/v2/oauth/{info.client_id}/authorize", json={"redirectUri": info.redirect_uri}
    )
    error = error_of(response, 401)
    assert error["message"] == "NextAuthStrategy - Authentication token is missing or invalid."
    assert error["details"] == {"message": error["message"], "error": "Unauthorized", "statusCode": 401}
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-request-id"])


def test_authorize_302s_with_a_cuid_code_a_text_body_and_no_cache_control(http, info):
    response = authorize(http, info, state="s1")
    location = response.headers["location"]
    assert response.status_code == 302
    assert location == f"{info.redirect_uri}?code={code_from(response)}"  # state silently dropped
    assert CUID.fullmatch(code_from(response))
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == f"Found. Redirecting to {location}"
    assert "cache-control" not in response.headers
    spend(http, info, code_from(response))


def test_authorize_appends_the_code_blindly_to_a_registered_query(http, info):
    with_query = info.extra_redirect_uris[0]
    response = authorize(http, info, with_query)
    assert response.headers["location"] == f"{with_query}?code={code_from(response)}"  # two '?'
    spend(http, info, code_from(response))


def test_a_browser_gets_express_s_html_redirect_body(http, info):
    response = http.post(
        f"/v2/oauth/{info.client_id}/authorize",
        json={"redirectUri": info.redirect_uri},
        headers={"Accept": "text/html"},
    )
    assert (
        response.headers["content-type"].startswith("text/html") and "Found. Redirecting to <a href=" in response.text
    )
    spend(http, info, code_from(response))


def test_codes_are_distinct_cuids_from_a_csprng(http, info):
    codes = []
    for _ in range(5):
        codes.append(code_from(authorize(http, info)))
        spend(http, info, codes[-1])
    assert len(set(codes)) == 5 and all(CUID.fullmatch(code) for code in codes)
    assert len({code[1:9] for code in codes}) > 1  # not a timestamp or counter prefix


def test_the_session_token_is_also_taken_as_a_bearer_header(http, info):
    session = http.cookies["next-auth.session-token"]
    response = httpx.post(
        f"{info.api_url}/v2/oauth/{info.client_id}/authorize",
        json={"redirectUri": info.redirect_uri},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert response.status_code == 302
    spend(http, info, code_from(response))


def test_one_pending_code_per_user_and_client(http, info):
    first = authorize(http, info)
    assert error_of(authorize(http, info), 400)["message"] == (
        f"User with id={info.user_id} has already authorized client with id={info.client_id}."
    )
    spend(http, info, code_from(first))


@pytest.mark.parametrize(
    "client_id, redirect_uri, message",
    [
        ("nosuchclient", None, "OAuth client with ID 'nosuchclient' not found"),
        (None, "https://app.acme.test/oauth/callback/sub?x=1", "Invalid 'redirect_uri' value."),
    ],
)
def test_authorize_refusals(http, info, client_id, redirect_uri, message):
    response = http.post(
        f"/v2/oauth/{client_id or info.client_id}/authorize", json={"redirectUri": redirect_uri or info.redirect_uri}
    )
    assert error_of(response, 400)["message"] == message


def test_a_form_body_is_a_validation_error(http, info):
    response = http.post(f"/v2/oauth/{info.client_id}/authorize", data={"redirectUri": info.redirect_uri})
    error = error_of(response, 400)
    assert error["message"] == "Bad Request Exception"
    assert error["details"] == {
        "errors": [
            {
                "target": {},
                "property": "redirectUri",
                "children": [],
                "constraints": {"isString": "redirectUri must be a string"},
            }
        ]
    }


def test_api_v2_paths_are_rewritten_and_the_envelope_names_the_rewritten_path(http, info):
    assert error_of(http.get("/api/v2/me"), 401)["message"].startswith("ApiAuthStrategy - No authentication")
    assert http.get("/api/v2/me").json()["path"] == "/v2/me"
    response = http.post(f"/api/v2/oauth/{info.client_id}/authorize", json={"redirectUri": info.redirect_uri})
    assert response.status_code == 302
    spend(http, info, code_from(response))


# --- exchange ---------------------------------------------------------------------------------------------------
def test_exchange_without_authorization_header_is_nest_s_default_500(http, info):
    response = http.post(f"/v2/oauth/{info.client_id}/exchange", json={"clientSecret": info.client_secret})
    assert response.status_code == 500 and response.json() == NEST_DEFAULT_500


def test_exchange_validates_the_body_before_reading_the_header(http, info):
    response = http.post(f"/v2/oauth/{info.client_id}/exchange", json={})
    assert error_of(response, 400)["message"] == "Bad Request Exception"


@pytest.mark.parametrize(
    "header, message",
    [
        ("", "Missing 'Bearer' Authorization header."),
        ("Bearer", "Invalid OAuth Client."),
        ("Basic abc", "Invalid OAuth Client."),
        ("Bearer cnosuchcode000000000000000", "Invalid OAuth Client."),
    ],
)
def test_exchange_reads_the_header_as_cal_com_does(http, info, header, message):
    response = http.post(
        f"/v2/oauth/{info.client_id}/exchange",
        json={"clientSecret": info.client_secret},
        headers={"Authorization": header},
    )
    assert error_of(response, 400)["message"] == message


def test_exchange_takes_the_bare_code_and_refuses_it_used_foreign_or_with_a_wrong_secret(http, info):
    code = code_from(authorize(http, info))
    assert error_of(exchange(http, info, code, secret="wrong"), 400)["message"] == "Invalid OAuth Client."
    other = http.post(
        "/__sandbox/clients", json={"redirectUris": ["https://other.test/cb"]}, headers=admin_headers(info)
    ).json()
    assert error_of(exchange(http, info, code, other["secret"], other["id"]), 400)["message"] == "Invalid OAuth Client."
    at_start_of_a_second(info)
    response = http.post(
        f"/v2/oauth/{info.client_id}/exchange",
        json={"clientSecret": info.client_secret},
        headers={"Authorization": code},
    )
    assert response.status_code == 200 and "cache-control" not in response.headers
    assert error_of(exchange(http, info, code), 400)["message"] == "Invalid OAuth Client."


# --- tokens ------------------------------------------------------------------------------------------------------
def test_tokens_are_hs256_without_jti_and_refresh_adds_user_id(http, info):
    at_start_of_a_second(info)
    keys = fresh_keys(http, info)
    access, refresh_ = payload(keys["accessToken"]), payload(keys["refreshToken"])
    assert jwt.get_unverified_header(keys["accessToken"])["alg"] == "HS256"
    assert list(access) == ["type", "clientId", "ownerId", "expiresAt", "iat"]
    assert (access["type"], refresh_["type"]) == ("access_token", "refresh_token")
    assert access["clientId"] == info.client_id and access["ownerId"] == info.user_id
    assert access["expiresAt"] == keys["accessTokenExpiresAt"] and access["expiresAt"] % 60_000 == 0
    assert 59 * 60 <= access["expiresAt"] / 1000 - access["iat"] <= 60 * 60
    assert keys["refreshTokenExpiresAt"] % DAY_MS == 0  # --timezone UTC
    next_second(info)  # the next pair must not collide with this one
    renewed = refresh(http, info, keys["refreshToken"]).json()["data"]
    assert list(payload(renewed["accessToken"])) == ["type", "clientId", "ownerId", "expiresAt", "userId", "iat"]
    assert payload(renewed["refreshToken"])["userId"] == info.user_id


def test_a_pair_identical_to_a_stored_one_fails_with_500_and_leaves_the_code_pending(http, info):
    at_start_of_a_second(info)
    fresh_keys(http, info)
    code = code_from(authorize(http, info))
    collided = exchange(http, info, code)  # the same second: the same payloads, byte for byte
    assert collided.status_code == 500 and collided.json() == NEST_DEFAULT_500
    assert error_of(authorize(http, info), 400)["message"].startswith(f"User with id={info.user_id} has already")
    next_second(info)
    assert exchange(http, info, code).status_code == 200  # a second later the pair differs


def test_a_refresh_colliding_with_a_stored_pair_is_500_and_does_not_rotate(http, info):
    keys = fresh_keys(http, info)
    next_second(info)
    at_start_of_a_second(info)
    first = refresh(http, info, keys["refreshToken"]).json()["data"]
    collided = refresh(http, info, first["refreshToken"])  # mints what the first refresh minted
    assert collided.status_code == 500 and collided.json() == NEST_DEFAULT_500
    next_second(info)
    assert refresh(http, info, first["refreshToken"]).status_code == 200  # still the valid refresh token


# --- refresh ------------------------------------------------------------------------------------------------------
def test_refresh_auth_errors_carry_the_api_auth_strategy_prefix(http, info):
    url = f"/v2/oauth/{info.client_id}/refresh"
    assert error_of(http.post(url, json={"refreshToken": "x"}), 401)["message"].startswith(
        "ApiAuthStrategy - Only 'x-cal-client-id' header provided."
    )
    assert error_of(refresh(http, info, "x", client_id="nosuch"), 401)["message"] == (
        "ApiAuthStrategy - oAuth client - Client with ID nosuch not found"
    )
    assert error_of(refresh(http, info, "x", secret="wrong"), 401)["message"] == (
        "ApiAuthStrategy - oAuth client - Invalid client secret"
    )
    assert error_of(http.post(url, headers={"x-cal-secret-key": info.client_secret}), 400)["message"] == (
        "Bad Request Exception"
    )


def test_refresh_rotates_by_deleting_and_a_replay_revokes_nothing(http, info):
    keys = fresh_keys(http, info)
    next_second(info)
    renewed = refresh(http, info, keys["refreshToken"])
    assert renewed.status_code == 200 and "cache-control" not in renewed.headers
    new = renewed.json()["data"]
    for token in (keys["refreshToken"], keys["accessToken"], "garbage"):  # rotated, an access token, unknown
        assert error_of(refresh(http, info, token), 400)["message"] == "Invalid refresh token"
    assert me(http, info, keys["accessToken"]).status_code == 200  # the old access token stays valid
    assert me(http, info, new["accessToken"]).status_code == 200  # the replay above revoked nothing
    next_second(info)
    assert refresh(http, info, new["refreshToken"]).status_code == 200


def test_a_refresh_token_of_another_client_is_refused(http, info):
    keys = fresh_keys(http, info)
    other = http.post(
        "/__sandbox/clients", json={"redirectUris": ["https://other.test/cb"]}, headers=admin_headers(info)
    ).json()
    response = refresh(http, info, keys["refreshToken"], other["secret"], other["id"])
    assert error_of(response, 400)["message"] == "Invalid refresh token"


def test_an_expired_refresh_token_still_refreshes_and_expired_access_tokens_answer_498(http, info):
    keys = fresh_keys(http, info)
    shift_clock(info, 400 * DAY_MS)
    try:
        expired = me(http, info, keys["accessToken"])
        assert expired.status_code == 498
        assert expired.json()["error"] == {
            "code": "TokenExpiredException",
            "message": "ACCESS_TOKEN_IS_EXPIRED",
            "details": "ACCESS_TOKEN_IS_EXPIRED",
        }
        assert refresh(http, info, keys["refreshToken"]).status_code == 200  # never checks its own expiry
        # the refresh deleted the client's expired access tokens: the old one is now unknown
        assert error_of(me(http, info, keys["accessToken"]), 401)["message"] == "Invalid Access Token."
    finally:
        shift_clock(info, -400 * DAY_MS)


# --- /v2/me -------------------------------------------------------------------------------------------------------
def test_me_answers_cal_com_s_user_shape(http, info):
    keys = fresh_keys(http, info)
    response = me(http, info, keys["accessToken"])
    assert response.json() == {
        "status": "success",
        "data": {
            "id": info.user_id,
            "email": info.user_email,
            "timeFormat": 12,
            "defaultScheduleId": None,
            "weekStart": "Sunday",
            "timeZone": "Europe/London",
            "username": response.json()["data"]["username"],
            "organizationId": None,
        },
    }
    assert error_of(me(http, info, keys["refreshToken"]), 401)["message"] == "Invalid Access Token."
    assert error_of(me(http, info, "not-a-token"), 401)["message"] == "Invalid Access Token."
    assert error_of(http.get("/v2/me"), 401)["message"] == (
        "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth "
        "client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
    )


# --- the server's time zone -------------------------------------------------------------------------------------------
def test_refresh_expiry_is_the_start_of_a_day_in_the_server_s_time_zone():
    zone = ZoneInfo("Asia/Tokyo")
    with SandboxProcess.start(["--timezone", "Asia/Tokyo"]) as process, signed_in_client(process.info) as client:
        keys = fresh_keys(client, process.info)
    expires = datetime.fromtimestamp(keys["refreshTokenExpiresAt"] / 1000, zone)
    assert (expires.hour, expires.minute, expires.second) == (0, 0, 0)
    issued = datetime.fromtimestamp(payload(keys["refreshToken"])["iat"], zone)
    assert expires.date() == (issued.replace(year=issued.year + 1)).date()
    assert datetime.fromtimestamp(keys["refreshTokenExpiresAt"] / 1000, UTC).hour == 15
    assert timedelta(days=364) < expires - issued <= timedelta(days=366)
