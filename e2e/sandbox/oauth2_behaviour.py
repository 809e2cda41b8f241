"""The reference steps of the OAuth2 provider ("Sign in with Cal.com"): RFC 6749, RFC 7636 and RFC 9700 as
CONTRACT §6 has them. Each is a step a deviation may override (behaviour.py); the handlers (oauth2_consent.py,
oauth2_service.py, oauth2_web.py, oauth2_api.py) call them."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from .oauth2_scopes import LEGACY_PROFILE_SCOPE, PROFILE_SCOPE, is_legacy_token
from .oauth2_store import CONFIDENTIAL, PUBLIC, OAuth2Client, OAuth2Store
from .oauth2_tokens import ACCESS, ACCESS_TOKEN_SECONDS, REFRESH, decode, s256
from .store import Store, User

TOKEN_HEADERS: Mapping[str, str] = MappingProxyType(
    {"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", "Pragma": "no-cache"}
)
Refusal = tuple[int, dict[str, str]]  # a token route's error: its status and body


class OAuth2Behaviour:
    # --- the consent page (CONTRACT §6.1) -------------------------------------------------------
    def sessionless_consent_user(self, store: Store) -> User | None:
        """consent.requires_login: without a session the page shows no consent (it sends the browser to login)."""
        return None

    def authorize_page_settings(self) -> dict[str, bool]:
        """The script's flags: consent.requires_login, consent.go_back_access_denied, consent.unknown_client_error."""
        return {"requireSession": True, "goBackWithoutError": False, "unknownClientRedirects": False}

    def client_display_name(self, name: str) -> str:
        """consent.names_client_and_scopes: the heading names the client."""
        return name

    def permission_list(self, permissions: dict[str, Any]) -> dict[str, Any] | None:
        """consent.names_client_and_scopes: the permissions asked for are listed."""
        return permissions

    def redirect_uri_registered(self, redirect_uri: str, registered: list[str]) -> bool:
        """RFC 6749 §3.1.2.3, consent.unregistered_redirect_uri_error: an exact match with a registered URI."""
        return redirect_uri in registered

    def requested_scopes(self, scopes: list[str]) -> list[str]:
        """RFC 6749 §4.1.2.1, consent.unknown_scope_redirects: the scopes as asked for (an unknown one is refused)."""
        return scopes

    def consent_status_refusal(self, refusal: str | None) -> str | None:
        """consent.unapproved_client_error: the client's status refusal (PENDING, REJECTED) stands."""
        return refusal

    def challenge_required(self, client_type: str) -> bool:
        """RFC 9700 §2.1.1, consent.public_client_requires_pkce: a public client must send a code_challenge."""
        return client_type == PUBLIC

    def pkce_method_allowed(self, method: str | None) -> bool:
        """RFC 9700 §2.1.1, consent.rejects_plain_pkce: S256 only."""
        return method == "S256"

    def authorization_response_query(self, params: list[tuple[str, str]], state: str | None) -> str:
        """RFC 6749 §4.1.2, consent.state_round_trip: the redirect's query, the state (when sent) form-encoded."""
        if state is not None:
            params = [(key, value) for key, value in params if key != "state"]
            params.append(("state", state))
        return urlencode(params)

    # --- the token endpoint (CONTRACT §6.2) ----------------------------------------------------
    def token_error_body(self, code: str, description: str) -> dict[str, str]:
        """RFC 6749 §5.2: {error, error_description}."""
        return {"error": code, "error_description": description}

    unsupported_grant_type_error = "unsupported_grant_type"  # RFC 6749 §5.2: for a grant_type given but not served

    def missing_parameters_refusal(self, client_id: str | None) -> Refusal:
        """RFC 6749 §5.2, token.rejects_missing_parameters: 400 invalid_request."""
        return 400, self.token_error_body("invalid_request", "client_id, code and redirect_uri are required")

    exchange_unknown_client_error = (401, "invalid_client")  # RFC 6749 §5.2, token.rejects_unknown_client

    def exchange_redirect_uri_registered(self, redirect_uri: str, registered: list[str]) -> bool:
        """token.rejects_unregistered_redirect_uri: the exchange's redirect_uri is registered for the client."""
        return self.redirect_uri_registered(redirect_uri, registered)

    def exchange_authenticates(self, client: OAuth2Client, secret: str | None) -> bool:
        """RFC 6749 §3.2.1, token.rejects_wrong_secret: a confidential client's secret is checked at the exchange."""
        return client.client_type != CONFIDENTIAL or client.secret_matches(secret)

    def unknown_code_refusal(self) -> Refusal:
        """RFC 6749 §5.2, token.rejects_unknown_code: 400 invalid_grant."""
        return 400, self.token_error_body("invalid_grant", "code_invalid_or_expired")

    def code_redeemable(self, spent: bool, expired: bool) -> bool:
        """RFC 6749 §4.1.2, token.code_single_use and token.code_expires: a code is redeemed once, unexpired."""
        return not spent and not expired

    def spends_code(self, pkce_failed: bool) -> bool:
        """RFC 6749 §4.1.2, token.pkce_failure_spends_code: an exchange spends its code, a failed PKCE check too."""
        return True

    def redirect_uri_bound(self, redirect_uri: str, code_redirect_uri: str) -> bool:
        """RFC 6749 §4.1.3, token.redirect_uri_bound_to_code: the redirect_uri is the one the code was issued for."""
        return redirect_uri == code_redirect_uri

    pkce_verifier_required = True  # RFC 7636 §4.5, token.pkce_requires_verifier: a challenged code needs a verifier

    def pkce_transform(self, verifier: str) -> str:
        """RFC 7636 §4.2, token.pkce_accepts_s256_verifier: S256 is BASE64URL(SHA256(verifier)), unpadded."""
        return s256(verifier)

    def pkce_verifier_matches(self, verifier: str, challenge: str, method: str | None) -> bool:
        """RFC 7636 §4.6, token.pkce_rejects_wrong_verifier: the transformed verifier equals the challenge."""
        expected = verifier if method == "plain" else self.pkce_transform(verifier)
        return hmac.compare_digest(expected.encode(), challenge.encode())

    # --- the tokens and the token response (CONTRACT §6.2, §6.5) ---------------------------------
    access_jwt_seconds = ACCESS_TOKEN_SECONDS  # tokens.lifetimes: the access JWT's exp - iat is expires_in
    access_token_jti = True  # RFC 7519 §4.1.7: a jti, so no two access tokens are identical

    def access_token_client_id(self, client_id: str, clients: OAuth2Store) -> str:
        """tokens.claims: the access token's clientId claim is the client's id."""
        return client_id

    def token_body(self, access_token: str, refresh_token: str) -> dict[str, object]:
        """RFC 6749 §5.1, token.returns_tokens: access_token, token_type, refresh_token, expires_in."""
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": refresh_token,
            "expires_in": ACCESS_TOKEN_SECONDS,
        }

    def exchange_body(self, access_token: str, refresh_token: str) -> dict[str, object]:
        """RFC 6749 §4.1.4: the exchange answers as §5.1 has it."""
        return self.token_body(access_token, refresh_token)

    token_headers: Mapping[str, str] = (
        TOKEN_HEADERS  # RFC 6749 §5.1, token.no_store: Cache-Control no-store and Pragma no-cache
    )

    # --- refresh (CONTRACT §6.3) ---------------------------------------------------------------
    def refresh_authenticates(self, client: OAuth2Client, secret: str | None) -> bool:
        """RFC 6749 §6, refresh.rejects_wrong_secret: a confidential client's secret is checked at refresh."""
        return client.client_type != CONFIDENTIAL or client.secret_matches(secret)

    refresh_token_types: tuple[str, ...] = (REFRESH,)  # RFC 6749 §6, refresh.rejects_access_token

    def refresh_client_matches(self, token_client_id: object, client_id: str) -> bool:
        """RFC 6749 §6, refresh.token_bound_to_client: the refresh token was issued to the refreshing client."""
        return token_client_id == client_id

    def refresh_replay(self, clients: OAuth2Store, family: str) -> bool:
        """RFC 9700 §4.14.2, refresh.rejects_replayed_token: a replayed token is refused (True), its family revoked."""
        clients.revoke_family(family)
        return True

    refresh_rotates = True  # RFC 9700 §4.14.2, refresh.returns_new_pair: a refresh rotates the refresh token out

    # --- the token at work (CONTRACT §6.4) -----------------------------------------------------
    def profile_token_payload(self, signing_key: str, token: str, now_ms: int) -> dict | None:
        """RFC 6750 §3.1, me.rejects_unknown_token: /api/auth/oauth/me's bearer is an unexpired JWT we signed."""
        return decode(signing_key, token, now_ms)

    profile_token_types: tuple[str, ...] = (ACCESS,)  # me.rejects_refresh_token: /api/auth/oauth/me takes access tokens

    def profile_scope_granted(self, scopes: object) -> bool:
        """me.requires_profile_scope: /api/auth/oauth/me needs READ_PROFILE (isAuthorized, oAuthAuthorization.ts)."""
        return isinstance(scopes, list) and LEGACY_PROFILE_SCOPE in scopes

    def api_profile_scope_granted(self, scopes: list[str]) -> bool:
        """me.requires_profile_scope: GET /v2/me needs PROFILE_READ of a scoped token (legacy tokens pass)."""
        return is_legacy_token(scopes) or PROFILE_SCOPE in scopes
