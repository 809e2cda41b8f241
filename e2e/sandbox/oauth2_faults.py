"""Faults of the OAuth2 provider flow ("Sign in with Cal.com"): each breaks one oauth2.* rule.

REFERENCE only where the calcom persona already does it. See faults.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from .behaviour import Behaviour
from .oauth2_behaviour import TOKEN_HEADERS, Refusal
from .oauth2_scopes import ALL_KNOWN_SCOPES
from .oauth2_store import OAuth2Client, OAuth2Store
from .oauth2_tokens import ACCESS, REFRESH, decode
from .overrides import BOTH, REFERENCE, B, Fault, faults_into
from .store import Store, User

GENERIC_CLIENT_NAME = "Acme.com"  # the platform consent mock-up's name
CACHEABLE_TOKEN_HEADERS: Mapping[str, str] = MappingProxyType({"Content-Type": TOKEN_HEADERS["Content-Type"]})

OAUTH2_FAULTS: dict[str, Fault] = {}
fault = faults_into(OAUTH2_FAULTS)


def oauth2_fault(name: str, rule: str, breaks: str, personas: tuple[str, ...] = BOTH) -> Callable[[B], B]:
    """@fault with the area's prefixes: the name `oauth2-<name>`, the rule `oauth2.<rule>`."""
    return fault(f"oauth2-{name}", f"oauth2.{rule}", breaks, personas)


@oauth2_fault(
    "consent-without-login",
    "consent.requires_login",
    "the page shows consent (for the first user) without a session",
)
class OAuth2ConsentWithoutLogin(Behaviour):
    def sessionless_consent_user(self, store: Store) -> User | None:
        return store.user_by_id(1)

    def authorize_page_settings(self) -> dict[str, bool]:
        return {**super().authorize_page_settings(), "requireSession": False}


@oauth2_fault(
    "consent-generic",
    "consent.names_client_and_scopes",
    "the H1 names 'Acme.com' whatever the client, no permission list",
)
class OAuth2ConsentGeneric(Behaviour):
    def client_display_name(self, name: str) -> str:
        return GENERIC_CLIENT_NAME

    def permission_list(self, permissions: dict[str, Any]) -> dict[str, Any] | None:
        return None


@oauth2_fault("allow-drops-state", "consent.allow_redirects_with_code", "the redirect after Allow carries no state")
class OAuth2AllowDropsState(Behaviour):
    def authorization_response_query(self, params: list[tuple[str, str]], state: str | None) -> str:
        return super().authorization_response_query(params, None)


@oauth2_fault("state-unencoded", "consent.state_round_trip", "state is appended raw (not URL-encoded)")
class OAuth2StateUnencoded(Behaviour):
    def authorization_response_query(self, params: list[tuple[str, str]], state: str | None) -> str:
        if state is None:
            return super().authorization_response_query(params, None)
        params = [(key, value) for key, value in params if key != "state"]
        return super().authorization_response_query(params, None) + f"&state={state}"


@oauth2_fault("go-back-without-error", "consent.go_back_access_denied", "Go back lands on redirect_uri with no error")
class OAuth2GoBackWithoutError(Behaviour):
    def authorize_page_settings(self) -> dict[str, bool]:
        return {**super().authorize_page_settings(), "goBackWithoutError": True}


@oauth2_fault(
    "unknown-client-redirects",
    "consent.unknown_client_error",
    "an unknown client redirects to redirect_uri?error=unauthorized_client",
)
class OAuth2UnknownClientRedirects(Behaviour):
    def authorize_page_settings(self) -> dict[str, bool]:
        return {**super().authorize_page_settings(), "unknownClientRedirects": True}


@oauth2_fault(
    "redirect-uri-prefix-match",
    "consent.unregistered_redirect_uri_error",
    "a redirect_uri starting with a registered one is accepted (page and token)",
)
class OAuth2RedirectUriPrefixMatch(Behaviour):
    def redirect_uri_registered(self, redirect_uri: str, registered: list[str]) -> bool:
        return any(redirect_uri.startswith(uri) for uri in registered)


@oauth2_fault(
    "unknown-scope-ignored",
    "consent.unknown_scope_redirects",
    "unknown scope names are dropped: consent shown, code issued",
)
class OAuth2UnknownScopeIgnored(Behaviour):
    def requested_scopes(self, scopes: list[str]) -> list[str]:
        return [scope for scope in scopes if scope in ALL_KNOWN_SCOPES]


@oauth2_fault(
    "unapproved-client-allowed",
    "consent.unapproved_client_error",
    "a PENDING or REJECTED client's consent page shows consent, and Allow gives a code (the exchange still refuses it)",
)
class OAuth2UnapprovedClientAllowed(Behaviour):
    def consent_status_refusal(self, refusal: str | None) -> str | None:
        return None


@oauth2_fault(
    "plain-pkce-accepted",
    "consent.rejects_plain_pkce",
    "code_challenge_method=plain is accepted (the verifier compared as-is)",
)
class OAuth2PlainPkceAccepted(Behaviour):
    def pkce_method_allowed(self, method: str | None) -> bool:
        return method == "plain" or super().pkce_method_allowed(method)


@oauth2_fault(
    "public-client-without-pkce",
    "consent.public_client_requires_pkce",
    "Allow for a public client without code_challenge gives a code (no challenge stored)",
)
class OAuth2PublicClientWithoutPkce(Behaviour):
    def challenge_required(self, client_type: str) -> bool:
        return False


@oauth2_fault("token-without-expires-in", "token.returns_tokens", "the token response lacks expires_in and token_type")
class OAuth2TokenWithoutExpiresIn(Behaviour):
    def exchange_body(self, access_token: str, refresh_token: str) -> dict[str, object]:
        body = super().exchange_body(access_token, refresh_token)
        del body["token_type"], body["expires_in"]
        return body


@oauth2_fault("token-cacheable", "token.no_store", "token and refresh responses lack Cache-Control no-store and Pragma")
class OAuth2TokenCacheable(Behaviour):
    token_headers: Mapping[str, str] = CACHEABLE_TOKEN_HEADERS


@oauth2_fault("code-reusable", "token.code_single_use", "a code is not spent when exchanged")
class OAuth2CodeReusable(Behaviour):
    def code_redeemable(self, spent: bool, expired: bool) -> bool:
        return super().code_redeemable(False, expired)

    def spends_code(self, pkce_failed: bool) -> bool:
        return False


@oauth2_fault(
    "unknown-code-500", "token.rejects_unknown_code", 'an unknown code is 500 {"error":"error_code_exchange"}'
)
class OAuth2UnknownCode500(Behaviour):
    def unknown_code_refusal(self) -> Refusal:
        return 500, {"error": "error_code_exchange"}


@oauth2_fault(
    "secret-unchecked",
    "token.rejects_wrong_secret",
    "the exchange does not check the confidential client's secret (refresh still does)",
)
class OAuth2SecretUnchecked(Behaviour):
    def exchange_authenticates(self, client: OAuth2Client, secret: str | None) -> bool:
        return True


@oauth2_fault("unknown-client-400", "token.rejects_unknown_client", "an unknown client_id is 400 invalid_request")
class OAuth2UnknownClient400(Behaviour):
    exchange_unknown_client_error = (400, "invalid_request")


@oauth2_fault(
    "missing-code-500",
    "token.rejects_missing_parameters",
    'a token request with a client_id but without code or redirect_uri is 500 {"error":"error_code_exchange"}',
)
class OAuth2MissingCode500(Behaviour):
    def missing_parameters_refusal(self, client_id: str | None) -> Refusal:
        if client_id:  # the service's throw, caught as any other
            return 500, {"error": "error_code_exchange"}
        return super().missing_parameters_refusal(client_id)


@oauth2_fault(
    "token-redirect-uri-unchecked", "token.rejects_unregistered_redirect_uri", "the exchange ignores redirect_uri"
)
class OAuth2TokenRedirectUriUnchecked(Behaviour):
    def exchange_redirect_uri_registered(self, redirect_uri: str, registered: list[str]) -> bool:
        return True

    def redirect_uri_bound(self, redirect_uri: str, code_redirect_uri: str) -> bool:
        return True


@oauth2_fault(
    "redirect-uri-unbound",
    "token.redirect_uri_bound_to_code",
    "any registered redirect_uri is accepted at exchange (as the calcom persona does)",
    REFERENCE,
)
class OAuth2RedirectUriUnbound(Behaviour):
    def redirect_uri_bound(self, redirect_uri: str, code_redirect_uri: str) -> bool:
        return True


@oauth2_fault("pkce-unchecked", "token.pkce_rejects_wrong_verifier", "the code_verifier is not compared")
class OAuth2PkceUnchecked(Behaviour):
    def pkce_verifier_matches(self, verifier: str, challenge: str, method: str | None) -> bool:
        return True


@oauth2_fault(
    "pkce-hex-digest",
    "token.pkce_accepts_s256_verifier",
    "the S256 check compares the challenge with hex(sha256(verifier)): the right verifier is 400 invalid_grant",
)
class OAuth2PkceHexDigest(Behaviour):
    def pkce_transform(self, verifier: str) -> str:
        return hashlib.sha256(verifier.encode()).hexdigest()


@oauth2_fault(
    "pkce-verifier-optional",
    "token.pkce_requires_verifier",
    "a code with a challenge is exchanged without code_verifier",
)
class OAuth2PkceVerifierOptional(Behaviour):
    pkce_verifier_required = False


@oauth2_fault("pkce-failure-keeps-code", "token.pkce_failure_spends_code", "a failed PKCE check leaves the code usable")
class OAuth2PkceFailureKeepsCode(Behaviour):
    def spends_code(self, pkce_failed: bool) -> bool:
        return not pkce_failed and super().spends_code(pkce_failed)


@oauth2_fault(
    "unknown-grant-invalid-request",
    "token.rejects_unsupported_grant_type",
    "an unknown grant_type is 400 invalid_request (as the calcom persona answers)",
    REFERENCE,
)
class OAuth2UnknownGrantInvalidRequest(Behaviour):
    unsupported_grant_type_error = "invalid_request"


@oauth2_fault("code-never-expires", "token.code_expires", "codes older than 10 minutes still work")
class OAuth2CodeNeverExpires(Behaviour):
    def code_redeemable(self, spent: bool, expired: bool) -> bool:
        return super().code_redeemable(spent, False)


@oauth2_fault("refresh-no-rotation", "refresh.returns_new_pair", "refresh answers the refresh token it was given")
class OAuth2RefreshNoRotation(Behaviour):
    refresh_rotates = False


@oauth2_fault("refresh-replay-accepted", "refresh.rejects_replayed_token", "a rotated-out refresh token still works")
class OAuth2RefreshReplayAccepted(Behaviour):
    def refresh_replay(self, clients: OAuth2Store, family: str) -> bool:
        return False


@oauth2_fault(
    "refresh-accepts-access-token", "refresh.rejects_access_token", "refresh does not check the token_type claim"
)
class OAuth2RefreshAcceptsAccessToken(Behaviour):
    refresh_token_types = (REFRESH, ACCESS)


@oauth2_fault(
    "refresh-secret-unchecked",
    "refresh.rejects_wrong_secret",
    "refresh does not check the confidential client's secret (the exchange still does)",
)
class OAuth2RefreshSecretUnchecked(Behaviour):
    def refresh_authenticates(self, client: OAuth2Client, secret: str | None) -> bool:
        return True


@oauth2_fault(
    "refresh-any-client",
    "refresh.token_bound_to_client",
    "refresh does not compare the refresh token's clientId claim with client_id: another client's token is "
    "refreshed, the new pair issued to the requesting client",
)
class OAuth2RefreshAnyClient(Behaviour):
    def refresh_client_matches(self, token_client_id: object, client_id: str) -> bool:
        return True


@oauth2_fault(
    "replay-keeps-family",
    "advisory.replay_revokes_family",
    "replaying a rotated-out refresh token leaves its successor valid (as the calcom persona does)",
    REFERENCE,
)
class OAuth2ReplayKeepsFamily(Behaviour):
    def refresh_replay(self, clients: OAuth2Store, family: str) -> bool:
        return True


@oauth2_fault("me-refuses-tokens", "me.accepts_access_token", "/api/auth/oauth/me answers 401 for a good token")
class OAuth2MeRefusesTokens(Behaviour):
    def profile_token_payload(self, signing_key: str, token: str, now_ms: int) -> dict | None:
        return None


@oauth2_fault("me-accepts-refresh-token", "me.rejects_refresh_token", "me does not check the token_type claim")
class OAuth2MeAcceptsRefreshToken(Behaviour):
    profile_token_types = (ACCESS, REFRESH)


@oauth2_fault("me-signature-unchecked", "me.rejects_unknown_token", "me accepts a JWT signed with another key")
class OAuth2MeSignatureUnchecked(Behaviour):
    def profile_token_payload(self, signing_key: str, token: str, now_ms: int) -> dict | None:
        return decode(signing_key, token, now_ms, verify_signature=False)


@oauth2_fault(
    "me-ignores-scope",
    "me.requires_profile_scope",
    "/api/auth/oauth/me answers a token without READ_PROFILE, and GET /v2/me a scoped token without PROFILE_READ",
)
class OAuth2MeIgnoresScope(Behaviour):
    def profile_scope_granted(self, scopes: object) -> bool:
        return True

    def api_profile_scope_granted(self, scopes: list[str]) -> bool:
        return True


@oauth2_fault("access-lifetime-1h", "tokens.lifetimes", "the access JWT lives 3600 s while expires_in says 1800")
class OAuth2AccessLifetime1h(Behaviour):
    access_jwt_seconds = 3600


@oauth2_fault("claims-wrong-client", "tokens.claims", "the access token's clientId claim is another client's id")
class OAuth2ClaimsWrongClient(Behaviour):
    def access_token_client_id(self, client_id: str, clients: OAuth2Store) -> str:
        return clients.other_client_id(client_id)
