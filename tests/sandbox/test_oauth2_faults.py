"""Each OAuth2 provider fault changes the behaviour it names, on each persona it applies to: the check of a fault
holds with the fault on and fails with it off. Go back's and the unknown client's faults act in the page's script:
test_oauth2_pages.py drives them in a browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import jwt
import pytest

from e2e.sandbox.faults import FAULTS
from e2e.sandbox.info import SandboxInfo

from .conftest import shift_clock
from .oauth2_helpers import (
    allow,
    claims,
    client_for_authorization,
    create_client,
    fault_on,
    new_code,
    oauth_me,
    pkce_pair,
    refresh,
    token,
    tokens,
    v2_me,
    web_session,
)

BROWSER_CHECKED = {"oauth2-go-back-without-error", "oauth2-unknown-client-redirects"}
Check = Callable[[httpx.Client, SandboxInfo], None]


def public_code(http: httpx.Client, info: SandboxInfo, challenge: str, method: str = "S256") -> str:
    return new_code(
        http, info, client_id=info.oauth2_public_client_id, codeChallenge=challenge, codeChallengeMethod=method
    )


def exchange_public(http: httpx.Client, info: SandboxInfo, code: str, verifier: str | None) -> httpx.Response:
    return token(http, info, code, client_id=info.oauth2_public_client_id, client_secret=None, code_verifier=verifier)


def consent_without_login(http, info):
    with httpx.Client(base_url=info.web_url, timeout=10) as anonymous:
        assert client_for_authorization(anonymous, info).status_code == 200


def consent_generic(http, info):
    body = client_for_authorization(http, info, scope="READ_PROFILE").json()
    assert body["client"]["name"] == "Acme.com" and body["permissions"] is None


def allow_drops_state(http, info):
    assert "state=" not in allow(http, info, state="s1").json()["redirectUrl"]


def state_unencoded(http, info):
    assert allow(http, info, state="a b&c").json()["redirectUrl"].endswith("&state=a b&c")


def redirect_uri_prefix_match(http, info):
    longer = info.oauth2_redirect_uri + "/../evil"
    assert client_for_authorization(http, info, redirect_uri=longer).status_code == 200
    assert token(http, info, new_code(http, info, redirect_uri=longer), redirect_uri=longer).status_code == 200


def unknown_scope_ignored(http, info):
    assert client_for_authorization(http, info, scope="READ_PROFILE,NOPE").status_code == 200
    assert allow(http, info, scopes=["READ_PROFILE", "NOPE"]).status_code == 200


def unapproved_client_allowed(http, info):
    for status in ("PENDING", "REJECTED"):
        made = create_client(info, status=status)
        assert client_for_authorization(http, info, made["client_id"]).status_code == 200
        assert allow(http, info, client_id=made["client_id"]).status_code == 200


def public_client_without_pkce(http, info):
    response = allow(http, info, client_id=info.oauth2_public_client_id, state="s1")
    assert response.status_code == 200 and "code=" in response.json()["redirectUrl"]


def plain_pkce_accepted(http, info):
    verifier = "v" * 43
    assert exchange_public(http, info, public_code(http, info, verifier, "plain"), verifier).status_code == 200


def token_without_expires_in(http, info):
    body = tokens(http, info)
    assert "expires_in" not in body and "token_type" not in body


def token_cacheable(http, info):
    refreshed = refresh(http, info, tokens(http, info)["refresh_token"])
    for response in (refreshed, token(http, info, new_code(http, info))):
        assert response.status_code == 200
        assert "cache-control" not in response.headers and "pragma" not in response.headers


def code_reusable(http, info):
    code = new_code(http, info)
    assert token(http, info, code).status_code == 200 and token(http, info, code).status_code == 200


def unknown_code_500(http, info):
    response = token(http, info, "no-such-code")
    assert response.status_code == 500 and response.json() == {"error": "error_code_exchange"}


def secret_unchecked(http, info):
    """The exchange only: refresh still checks the secret."""
    response = token(http, info, new_code(http, info), client_secret="0" * 64)
    assert response.status_code == 200
    assert refresh(http, info, response.json()["refresh_token"], client_secret="0" * 64).status_code == 401


def refresh_secret_unchecked(http, info):
    """Refresh only: the exchange still checks the secret."""
    assert token(http, info, new_code(http, info), client_secret="0" * 64).status_code == 401
    assert refresh(http, info, tokens(http, info)["refresh_token"], client_secret="0" * 64).status_code == 200


def missing_code_500(http, info):
    code = new_code(http, info)
    for missing in ({"code": None}, {"redirect_uri": None}):
        response = token(http, info, code, **missing)
        assert response.status_code == 500 and response.json() == {"error": "error_code_exchange"}
    assert token(http, info, code, client_id=None).status_code == 400  # a missing client_id is still refused


def unknown_client_400(http, info):
    response = token(http, info, new_code(http, info), client_id="f" * 64)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def token_redirect_uri_unchecked(http, info):
    response = token(http, info, new_code(http, info), redirect_uri="https://elsewhere.example/cb")
    assert response.status_code == 200


def redirect_uri_unbound(http, info):
    assert token(http, info, new_code(http, info), redirect_uri=info.oauth2_other_redirect_uri).status_code == 200


def pkce_unchecked(http, info):
    _, challenge = pkce_pair()
    assert exchange_public(http, info, public_code(http, info, challenge), "x" * 43).status_code == 200


def pkce_hex_digest(http, info):
    verifier, challenge = pkce_pair()
    response = exchange_public(http, info, public_code(http, info, challenge), verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def pkce_verifier_optional(http, info):
    _, challenge = pkce_pair()
    assert exchange_public(http, info, public_code(http, info, challenge), None).status_code == 200


def pkce_failure_keeps_code(http, info):
    verifier, challenge = pkce_pair()
    code = public_code(http, info, challenge)
    assert exchange_public(http, info, code, "x" * 43).status_code == 400
    assert exchange_public(http, info, code, verifier).status_code == 200


def unknown_grant_invalid_request(http, info):
    response = token(http, info, new_code(http, info), grant_type="password")
    assert response.json()["error"] == "invalid_request"


def code_never_expires(http, info):
    code = new_code(http, info)
    shift_clock(info, 11 * 60_000)
    assert token(http, info, code).status_code == 200


def refresh_no_rotation(http, info):
    pair = tokens(http, info)
    assert refresh(http, info, pair["refresh_token"]).json()["refresh_token"] == pair["refresh_token"]


def refresh_replay_accepted(http, info):
    pair = tokens(http, info)
    assert refresh(http, info, pair["refresh_token"]).status_code == 200
    assert refresh(http, info, pair["refresh_token"]).status_code == 200


def refresh_accepts_access_token(http, info):
    assert refresh(http, info, tokens(http, info)["access_token"]).status_code == 200


def refresh_any_client(http, info):
    response = refresh(
        http, info, tokens(http, info)["refresh_token"], client_id=info.oauth2_public_client_id, client_secret=None
    )
    assert response.status_code == 200
    assert claims(response.json()["access_token"])["clientId"] == info.oauth2_public_client_id


def replay_keeps_family(http, info):
    pair = tokens(http, info)
    successor = refresh(http, info, pair["refresh_token"]).json()["refresh_token"]
    assert refresh(http, info, pair["refresh_token"]).status_code == 400
    assert refresh(http, info, successor).status_code == 200


def me_refuses_tokens(http, info):
    assert oauth_me(http, info, tokens(http, info)["access_token"]).status_code == 401


def me_accepts_refresh_token(http, info):
    assert oauth_me(http, info, tokens(http, info)["refresh_token"]).status_code == 201


def me_signature_unchecked(http, info):
    forged = jwt.encode(claims(tokens(http, info)["access_token"]), "another-key-" * 4, algorithm="HS256")
    assert oauth_me(http, info, forged).status_code == 201


def me_ignores_scope(http, info):
    assert oauth_me(http, info, tokens(http, info, scopes=["PROFILE_READ"])["access_token"]).status_code == 201
    made = create_client(info, scopes=["BOOKING_READ"])
    code = new_code(http, info, client_id=made["client_id"], scopes=["BOOKING_READ"])
    booking = token(http, info, code, client_id=made["client_id"], client_secret=made["secret"]).json()
    assert v2_me(http, info, booking["access_token"]).status_code == 200


def access_lifetime_1h(http, info):
    body = tokens(http, info)
    access = claims(body["access_token"])
    assert access["exp"] - access["iat"] == 3600 and body["expires_in"] == 1800


def claims_wrong_client(http, info):
    assert claims(tokens(http, info)["access_token"])["clientId"] != info.oauth2_client_id


CHECKS: dict[str, Check] = {
    f"oauth2-{check.__name__.replace('_', '-')}": check
    for check in (
        consent_without_login,
        consent_generic,
        allow_drops_state,
        state_unencoded,
        redirect_uri_prefix_match,
        unknown_scope_ignored,
        unapproved_client_allowed,
        plain_pkce_accepted,
        public_client_without_pkce,
        token_without_expires_in,
        token_cacheable,
        code_reusable,
        unknown_code_500,
        secret_unchecked,
        refresh_secret_unchecked,
        unknown_client_400,
        missing_code_500,
        token_redirect_uri_unchecked,
        redirect_uri_unbound,
        pkce_unchecked,
        pkce_hex_digest,
        pkce_verifier_optional,
        pkce_failure_keeps_code,
        unknown_grant_invalid_request,
        code_never_expires,
        refresh_no_rotation,
        refresh_replay_accepted,
        refresh_accepts_access_token,
        refresh_any_client,
        replay_keeps_family,
        me_refuses_tokens,
        me_accepts_refresh_token,
        me_signature_unchecked,
        me_ignores_scope,
        access_lifetime_1h,
        claims_wrong_client,
    )
}


@pytest.fixture(scope="module")
def info(any_sandbox: SandboxInfo) -> SandboxInfo:
    return any_sandbox


@pytest.fixture(scope="module")
def http(info: SandboxInfo) -> Iterator[httpx.Client]:
    with web_session(info) as client:
        yield client


def test_every_oauth2_fault_has_a_check_and_names_an_oauth2_rule():
    oauth2_faults = {name for name in FAULTS if name.startswith("oauth2-")}
    assert len(oauth2_faults) == 38
    assert set(CHECKS) | BROWSER_CHECKED == oauth2_faults
    assert all(FAULTS[name].rule_id.startswith("oauth2.") for name in oauth2_faults)
    reference_only = {name for name in oauth2_faults if FAULTS[name].personas == ("reference",)}
    assert reference_only == {
        "oauth2-redirect-uri-unbound",
        "oauth2-unknown-grant-invalid-request",
        "oauth2-replay-keeps-family",
    }


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_fault_changes_what_it_names(http, info, name):
    if not FAULTS[name].applies_to(info.persona):
        pytest.skip(f"{name} does not apply to the {info.persona} persona")
    check = CHECKS[name]
    with pytest.raises(AssertionError):
        check(http, info)
    with fault_on(info, name):
        check(http, info)
