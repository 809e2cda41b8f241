"""The OAuth2 provider's JSON side, under both personas: the consent page's calls, the web token routes (error
table, success shape and headers, PKCE, single use, expiry, rotation and replay), /api/auth/oauth/me and the
scope rules of GET /v2/me (research: /work/shared/research/calcom-oauth2.md §1.B-§5)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import jwt
import pytest

from e2e.sandbox.admin_client import SandboxAdmin
from e2e.sandbox.info import SandboxInfo

from .conftest import shift_clock
from .oauth2_helpers import (
    allow,
    claims,
    client_for_authorization,
    create_client,
    new_code,
    oauth_me,
    pkce_pair,
    refresh,
    token,
    tokens,
    v2_me,
    web_session,
)

CODE = re.compile(r"[A-Za-z0-9_-]{54}")


@pytest.fixture(scope="module")
def info(any_sandbox: SandboxInfo) -> SandboxInfo:
    return any_sandbox


@pytest.fixture(scope="module")
def http(info: SandboxInfo) -> Iterator[httpx.Client]:
    with web_session(info) as client:
        yield client


@pytest.fixture(scope="module")
def sandbox_admin(info: SandboxInfo) -> Iterator[SandboxAdmin]:
    """The harness's admin client, as its `sandbox_admin` fixture makes it (on the API's base URL)."""
    with httpx.Client(base_url=info.api_url, timeout=10) as api:
        yield SandboxAdmin(api, info.admin_key)


def is_calcom(info: SandboxInfo) -> bool:
    return info.persona == "calcom"


def assert_error(info: SandboxInfo, response: httpx.Response, status: int, error: str) -> None:
    """calcom: {"error"} only; reference: with an error_description too."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert set(body) == ({"error"} if is_calcom(info) else {"error", "error_description"})


# --- seed and consent calls ------------------------------------------------------------------------------------------
def test_the_seed_hands_out_two_oauth2_clients(info):
    assert re.fullmatch(r"[0-9a-f]{64}", info.oauth2_client_id) and len(info.oauth2_client_secret) == 64
    assert info.oauth2_public_client_id not in ("", info.oauth2_client_id)
    assert info.oauth2_client_name == "Sandbox Booking App" and info.oauth2_scopes == "READ_PROFILE"
    assert info.oauth2_other_redirect_uri != info.oauth2_redirect_uri
    assert info.oauth2_client_secret not in repr(info)
    block = info.env_block()
    assert f"CAL_OAUTH2_CLIENT_ID={info.oauth2_client_id}\n" in block
    assert f"CAL_OAUTH2_OTHER_REDIRECT_URI={info.oauth2_other_redirect_uri}\n" in block


def test_the_consent_calls_need_a_session(info):
    with httpx.Client(base_url=info.web_url, timeout=10) as anonymous:
        assert client_for_authorization(anonymous, info).status_code == 401
        assert allow(anonymous, info).status_code == 401


@pytest.mark.parametrize(
    "client_id, redirect_uri, scope, message",
    [
        ("nope", None, None, "OAuth client with ID not found"),
        (
            None,
            "https://booking-app.example/other",
            None,
            "redirect_uri does not match any of the OAuth client's registered redirect URIs",
        ),
        (None, None, "READ_PROFILE,NOT_A_SCOPE", "Requested scope is not a recognized scope"),
    ],
)
def test_get_client_for_authorization_refuses(http, info, client_id, redirect_uri, scope, message):
    response = client_for_authorization(http, info, client_id, redirect_uri, scope)
    assert response.status_code >= 400 and response.json()["error"]["message"] == message


def test_scoped_clients_need_a_scope_within_their_registration(http, info):
    made = create_client(info, scopes=["BOOKING_READ", "PROFILE_READ"])
    need_scope = client_for_authorization(http, info, made["client_id"])
    assert need_scope.json()["error"]["message"] == "scope parameter is required for this OAuth client"
    exceeds = client_for_authorization(http, info, made["client_id"], scope="BOOKING_WRITE")
    assert exceeds.json()["error"]["message"] == "Requested scope exceeds the client's registered scopes"
    ok = client_for_authorization(http, info, made["client_id"], scope="BOOKING_READ PROFILE_READ")
    assert ok.status_code == 200 and ok.json()["permissions"] == {
        "groups": [["user", ["View bookings", "View personal info and primary email address"]]]
    }


@pytest.mark.parametrize(
    "status, owned, message",
    [
        ("PENDING", False, "OAuth client is not approved"),
        ("PENDING", True, None),
        ("REJECTED", False, "OAuth client has been rejected"),
        ("REJECTED", True, "OAuth client has been rejected"),
    ],
)
def test_client_status_is_enforced_on_the_page(http, info, status, owned, message):
    """ensureClientAccessAllowed: the page's call and Allow's are refused (401 UNAUTHORIZED, no code)."""
    made = create_client(info, status=status, owner_id=info.user_id if owned else None)
    response = client_for_authorization(http, info, made["client_id"])
    allowed = allow(http, info, client_id=made["client_id"])
    if message is None:
        assert response.status_code == 200 and allowed.status_code == 200
    else:
        for refused in (response, allowed):
            assert refused.status_code == 401
            assert refused.json()["error"] == {"message": message, "code": "UNAUTHORIZED"}


def test_sandbox_admin_creates_oauth2_clients(http, info, sandbox_admin):
    """SandboxAdmin.create_oauth2_client (the harness's): public, PENDING, REJECTED, scoped or a second client."""
    uris = [info.oauth2_redirect_uri]
    second = sandbox_admin.create_oauth2_client(uris, name="Second App")
    assert re.fullmatch(r"[0-9a-f]{64}", second["client_id"]) and len(second["secret"]) == 64
    named = client_for_authorization(http, info, second["client_id"]).json()
    assert named["client"]["name"] == "Second App"
    public = sandbox_admin.create_oauth2_client(uris, type="public")
    assert public["secret"] is None
    refused = allow(http, info, client_id=public["client_id"]).json()["error"]
    assert refused == {"message": "code_challenge required for public clients", "code": "BAD_REQUEST"}
    refusals = {"PENDING": "OAuth client is not approved", "REJECTED": "OAuth client has been rejected"}
    for status, message in refusals.items():
        made = sandbox_admin.create_oauth2_client(uris, status=status)
        assert client_for_authorization(http, info, made["client_id"]).json()["error"]["message"] == message
    owned = sandbox_admin.create_oauth2_client(uris, status="PENDING", owner_id=info.user_id)
    assert client_for_authorization(http, info, owned["client_id"]).status_code == 200
    scoped = sandbox_admin.create_oauth2_client(uris, scopes=["BOOKING_READ"])
    assert client_for_authorization(http, info, scoped["client_id"], scope="BOOKING_READ").status_code == 200
    with pytest.raises(httpx.HTTPStatusError):
        sandbox_admin.create_oauth2_client(uris, status="APPROVED?")


def test_allow_builds_the_redirect_url_server_side(http, info):
    response = allow(http, info, state="a b&c=d")
    body = response.json()
    assert CODE.fullmatch(body["authorizationCode"])
    assert body["redirectUrl"] == f"{info.oauth2_redirect_uri}?code={body['authorizationCode']}&state=a+b%26c%3Dd"
    no_state = allow(http, info).json()
    assert "state" not in no_state["redirectUrl"]


# --- the token endpoint ----------------------------------------------------------------------------------------------
def test_exchange_answers_a_pair_with_no_store_headers_and_cal_com_s_claims(http, info):
    response = token(http, info, new_code(http, info))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "refresh_token", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    access, refresh_ = claims(body["access_token"]), claims(body["refresh_token"])
    assert access["token_type"] == "Access Token" and refresh_["token_type"] == "Refresh Token"
    for payload in (access, refresh_):
        assert payload["userId"] == info.user_id and payload["teamId"] is None
        assert payload["clientId"] == info.oauth2_client_id and payload["scope"] == ["READ_PROFILE"]
    assert access["exp"] - access["iat"] == 1800 and refresh_["exp"] - refresh_["iat"] == 30 * 86400
    assert refresh_["secret"]
    assert ("jti" in access) != is_calcom(info)


def test_the_token_endpoint_s_error_table(http, info):
    code = new_code(http, info)
    assert_error(info, token(http, info, code, code=None), 400, "invalid_request")
    assert_error(info, token(http, info, code, client_id="f" * 64), 401, "invalid_client")
    assert_error(info, token(http, info, code, redirect_uri="https://booking-app.example/x"), 400, "invalid_grant")
    assert_error(info, token(http, info, code, client_secret=None), 401, "invalid_client")
    assert_error(info, token(http, info, code, client_secret="0" * 64), 401, "invalid_client")
    assert_error(info, token(http, info, "not-a-code"), 400, "invalid_grant")
    grant = token(http, info, code, grant_type="password")
    assert_error(info, grant, 400, "invalid_request" if is_calcom(info) else "unsupported_grant_type")
    as_json = http.post(
        f"{info.web_url}/api/auth/oauth/token",
        json={"grant_type": "authorization_code", "code": code, "client_id": info.oauth2_client_id},
    )
    assert_error(info, as_json, 400, "invalid_request")
    assert token(http, info, code).status_code == 200  # none of those refusals spent the code


@pytest.mark.parametrize("missing", ["code", "redirect_uri", "client_id"])
def test_a_token_request_missing_a_parameter_is_refused_by_the_route(http, info, missing):
    """Route L19-21: 400 {"error": "invalid_request"} before the service and the grant_type check, so whatever else
    is wrong with the request; the code is not spent."""
    code = new_code(http, info)
    for wrong in ({}, {"client_id": "f" * 64}, {"client_secret": "0" * 64}, {"grant_type": "password"}):
        assert_error(info, token(http, info, code, **{**wrong, missing: None}), 400, "invalid_request")
    assert token(http, info, code).status_code == 200


def test_a_code_works_once(http, info):
    code = new_code(http, info)
    assert token(http, info, code).status_code == 200
    assert_error(info, token(http, info, code), 400, "invalid_grant")


def test_a_code_is_another_client_s_to_nobody(http, info):
    code = new_code(http, info)
    other = token(http, info, code, client_id=info.oauth2_public_client_id, client_secret=None)
    assert_error(info, other, 400, "invalid_grant")


def test_a_code_expires_after_ten_minutes(http, info):
    fresh, old = new_code(http, info), new_code(http, info)
    shift_clock(info, 9 * 60_000)
    assert token(http, info, fresh).status_code == 200
    shift_clock(info, 61_000)
    assert_error(info, token(http, info, old), 400, "invalid_grant")


def test_the_other_registered_redirect_uri_at_exchange(http, info):
    """calcom: a code is not bound to its redirect_uri; reference: it is (RFC 6749 §4.1.3)."""
    response = token(http, info, new_code(http, info), redirect_uri=info.oauth2_other_redirect_uri)
    if is_calcom(info):
        assert response.status_code == 200
    else:
        assert_error(info, response, 400, "invalid_grant")


# --- PKCE ------------------------------------------------------------------------------------------------------------
def public(info: SandboxInfo, **extra: str | None) -> dict:
    return {"client_id": info.oauth2_public_client_id, "client_secret": None, **extra}


def test_a_public_client_needs_an_s256_challenge(http, info):
    refused = allow(http, info, client_id=info.oauth2_public_client_id)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "code_challenge required for public clients"
    _, challenge = pkce_pair()
    for method in ("plain", None):
        refused = allow(
            http, info, client_id=info.oauth2_public_client_id, codeChallenge=challenge, codeChallengeMethod=method
        )
        assert refused.json()["error"]["message"] == "code_challenge_method must be S256"


def test_pkce_verifier_checks(http, info):
    verifier, challenge = pkce_pair()

    def code() -> str:
        return new_code(
            http, info, client_id=info.oauth2_public_client_id, codeChallenge=challenge, codeChallengeMethod="S256"
        )

    assert_error(info, token(http, info, code(), **public(info)), 400, "invalid_request")
    wrong = code()
    assert_error(info, token(http, info, wrong, **public(info, code_verifier="x" * 43)), 400, "invalid_grant")
    # the failed check spent the code
    assert_error(info, token(http, info, wrong, **public(info, code_verifier=verifier)), 400, "invalid_grant")
    ok = token(http, info, code(), **public(info, code_verifier=verifier))
    assert ok.status_code == 200 and claims(ok.json()["access_token"])["clientId"] == info.oauth2_public_client_id


def test_a_confidential_client_may_use_pkce_too(http, info):
    verifier, challenge = pkce_pair()
    code = new_code(http, info, codeChallenge=challenge, codeChallengeMethod="S256")
    assert_error(info, token(http, info, code), 400, "invalid_request")
    code = new_code(http, info, codeChallenge=challenge, codeChallengeMethod="S256")
    assert token(http, info, code, code_verifier=verifier).status_code == 200


# --- refresh ---------------------------------------------------------------------------------------------------------
def test_refresh_rotates_and_refuses_a_replay(http, info):
    first = tokens(http, info)
    response = refresh(http, info, first["refresh_token"])
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 1800
    assert_error(info, refresh(http, info, first["refresh_token"]), 400, "invalid_grant")
    successor = refresh(http, info, second["refresh_token"])
    if is_calcom(info):  # no family revocation
        assert successor.status_code == 200
    else:
        assert_error(info, successor, 400, "invalid_grant")


def test_refresh_refusals(http, info):
    pair = tokens(http, info)
    assert_error(info, refresh(http, info, pair["access_token"]), 400, "invalid_grant")
    assert_error(info, refresh(http, info, pair["refresh_token"], client_secret="0" * 64), 401, "invalid_client")
    assert_error(info, refresh(http, info, pair["refresh_token"], client_id="f" * 64), 401, "invalid_client")
    other = refresh(http, info, pair["refresh_token"], client_id=info.oauth2_public_client_id, client_secret=None)
    assert_error(info, other, 400, "invalid_grant")
    grant = refresh(http, info, pair["refresh_token"], grant_type="authorization_code")
    assert_error(info, grant, 400, "invalid_request" if is_calcom(info) else "unsupported_grant_type")
    assert refresh(http, info, pair["refresh_token"]).status_code == 200  # none of those spent it


def test_refresh_refuses_another_client_s_token(http, info, sandbox_admin):
    """refreshAccessToken step 4: decoded.clientId !== client_id is 400 invalid_grant (client_id_mismatch), even for a
    client that authenticates; the token stays usable by its own client."""
    second = sandbox_admin.create_oauth2_client([info.oauth2_redirect_uri])
    pair = tokens(http, info)
    response = refresh(http, info, pair["refresh_token"], client_id=second["client_id"], client_secret=second["secret"])
    assert_error(info, response, 400, "invalid_grant")
    if not is_calcom(info):
        assert response.json()["error_description"] == "client_id_mismatch"
    assert refresh(http, info, pair["refresh_token"]).status_code == 200


def test_a_new_exchange_rotates_out_the_user_s_older_refresh_token(http, info):
    older = tokens(http, info)
    tokens(http, info)
    assert_error(info, refresh(http, info, older["refresh_token"]), 400, "invalid_grant")


# --- me --------------------------------------------------------------------------------------------------------------
def test_oauth_me_answers_201_for_a_read_profile_access_token_only(http, info):
    pair = tokens(http, info)
    response = oauth_me(http, info, pair["access_token"])
    assert response.status_code == 201 and response.json() == {"username": info.user_email.split("@")[0]}
    assert (
        http.post("/api/auth/oauth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code == 201
    )
    unauthorized = {"message": "Unauthorized"}
    for bad in (pair["refresh_token"], jwt.encode(claims(pair["access_token"]), "another-key-" * 4), "nope"):
        response = oauth_me(http, info, bad)
        assert response.status_code == 401 and response.json() == unauthorized


def test_oauth_me_refuses_a_token_without_read_profile(http, info):
    """me/route.ts L8: isAuthorized(token, ["READ_PROFILE"]); PROFILE_READ (the new scope) does not count."""
    for scopes in (["PROFILE_READ"], ["READ_BOOKING"], []):
        response = oauth_me(http, info, tokens(http, info, scopes=scopes)["access_token"])
        assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}


def test_an_access_token_expires_after_1800_seconds(http, info):
    pair = tokens(http, info)
    shift_clock(info, 1801_000)
    assert oauth_me(http, info, pair["access_token"]).status_code == 401


def test_v2_me_takes_third_party_tokens_by_scope(http, info):
    legacy = tokens(http, info)
    response = v2_me(http, info, legacy["access_token"])
    assert response.status_code == 200 and response.json()["data"]["id"] == info.user_id
    profile = tokens(http, info, scopes=["PROFILE_READ"])
    assert v2_me(http, info, profile["access_token"]).status_code == 200
    made = create_client(info, scopes=["BOOKING_READ"])
    code = new_code(http, info, client_id=made["client_id"], scopes=["BOOKING_READ"])
    booking = token(http, info, code, client_id=made["client_id"], client_secret=made["secret"]).json()
    refused = v2_me(http, info, booking["access_token"])
    assert refused.status_code == 403 and refused.json()["status"] == "error"
    assert refused.json()["error"]["message"] == (
        "insufficient_scope: token does not have the required scopes. Required: PROFILE_READ. Token has: BOOKING_READ"
    )
    read_booking = tokens(http, info, scopes=["READ_BOOKING"])  # legacy: the guard lets it through
    assert v2_me(http, info, read_booking["access_token"]).status_code == 200
    assert v2_me(http, info, legacy["refresh_token"]).status_code == 401


def test_the_single_layout_serves_the_whole_flow(single_sandbox):
    info = single_sandbox
    assert info.web_url == info.api_url
    with web_session(info) as http:
        pair = tokens(http, info)
        assert oauth_me(http, info, pair["access_token"]).status_code == 201
        assert v2_me(http, info, pair["access_token"]).status_code == 200
        assert refresh(http, info, pair["refresh_token"]).status_code == 200
