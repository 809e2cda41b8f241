"""Faults of the platform flow: each breaks one rule of CONTRACT §1-§4 (API, envelope, login and consent pages).

REFERENCE only: the consent-page faults (the calcom persona's page is a mock-up that breaks every consent rule);
faults whose rule the calcom persona already breaks (exchange.requires_bearer_header: 500 without the header;
refresh.rejects_expired_token; tokens.claims: no jti; the advisories no_store, entropy (cuid codes),
registered_query_kept, state_round_trip, replay_revokes_family); exchange-race (tokens without a jti collide,
so racers cannot all win there) and refresh-race.
"""

from __future__ import annotations

import re
import secrets

from .behaviour import Behaviour
from .overrides import REFERENCE, Fault, faults_into
from .redirects import is_redirect_allowed

_DECLARED = (
    Fault("envelope-no-timestamp", "envelope.shape", "error bodies lack timestamp"),
    Fault("envelope-generic-code", "envelope.shape", "error.code is 'HttpException' whatever the status"),
    Fault(
        "authorize-without-session", "authorize.requires_session", "authorize acts for the first user without a session"
    ),
    Fault(
        "authorize-default-redirect",
        "authorize.rejects_invalid_body",
        "a missing or non-string redirectUri falls back to the first registered URI",
    ),
    Fault(
        "authorize-unknown-client-message", "authorize.rejects_unknown_client", "unknown client says 'Client not found'"
    ),
    Fault(
        "authorize-many-pending-codes",
        "authorize.one_pending_code_per_client",
        "a user may hold several unexchanged codes",
    ),
    Fault(
        "authorize-json-not-redirect", "authorize.redirects_with_code", "authorize answers 200 with the code in JSON"
    ),
    Fault(
        "exchange-missing-bearer-401", "exchange.requires_bearer_header", "a missing Bearer header is 401", REFERENCE
    ),
    Fault("exchange-ignores-secret", "exchange.rejects_wrong_secret", "exchange does not check the client secret"),
    Fault("exchange-unknown-client-404", "exchange.rejects_unknown_client", "exchange for an unknown client is 404"),
    Fault("exchange-unknown-code-message", "exchange.rejects_unknown_code", "an unknown code says 'Invalid code'"),
    Fault("code-reusable", "exchange.code_single_use", "an exchanged code can be exchanged again"),
    Fault(
        "exchange-race",
        "exchange.concurrent_single_use",
        "exchange reads, waits, then deletes: racing exchanges all win",
        REFERENCE,
    ),
    Fault("code-any-client", "exchange.code_bound_to_client", "a code is accepted from any client"),
    Fault(
        "exchange-keeps-pending",
        "exchange.reauthorize_after_exchange",
        "an exchanged code still blocks a new authorize",
    ),
    # on calcom the one check of this rule often meets the identical-token 500 (a known defect) before the body
    Fault(
        "keys-missing-expiry", "exchange.returns_keys", "the exchange response lacks refreshTokenExpiresAt", REFERENCE
    ),
    Fault("refresh-missing-secret-400", "refresh.requires_secret_header", "a missing x-cal-secret-key is 400"),
    Fault("refresh-unknown-client-message", "refresh.rejects_unknown_client", "unknown client says 'Unauthorized'"),
    Fault("refresh-ignores-secret", "refresh.rejects_wrong_secret", "refresh does not check the client secret"),
    Fault("refresh-unknown-token-401", "refresh.rejects_unknown_token", "an unknown refresh token is 401"),
    Fault(
        "refresh-accepts-access-token", "refresh.rejects_access_token", "an access token is accepted as refresh token"
    ),
    Fault("refresh-no-rotation", "refresh.rejects_rotated_token", "a used refresh token stays valid"),
    Fault("refresh-any-client", "refresh.token_bound_to_client", "a refresh token is accepted from any client"),
    Fault("refresh-ignores-expiry", "refresh.rejects_expired_token", "expired refresh tokens still refresh", REFERENCE),
    Fault(
        "refresh-same-refresh-token", "refresh.returns_new_pair", "refresh hands back the refresh token it was given"
    ),
    Fault("me-no-username", "me.accepts_access_token", "GET /v2/me omits username"),
    Fault(
        "me-accepts-any-token", "me.rejects_unknown_token", "GET /v2/me answers for the first user whatever the token"
    ),
    Fault("me-accepts-refresh-token", "me.rejects_refresh_token", "GET /v2/me accepts refresh tokens"),
    Fault("me-ignores-expiry", "me.rejects_expired_token", "GET /v2/me accepts expired access tokens"),
    Fault("tokens-hs512", "tokens.are_hs256_jwts", "tokens are signed with HS512"),
    Fault("tokens-no-client-id", "tokens.claims", "token payloads lack clientId", REFERENCE),
    Fault("refreshed-tokens-no-user-id", "tokens.claims", "tokens from a refresh lack userId", REFERENCE),
    Fault("tokens-wrong-owner", "tokens.owner_is_user", "ownerId is not the user's id"),
    Fault("access-lifetime-30-minutes", "tokens.access_lifetime", "access tokens live 30 minutes"),
    Fault("access-lifetime-not-floored", "tokens.access_lifetime", "access expiry is not rounded down to the minute"),
    Fault("refresh-lifetime-not-floored", "tokens.refresh_lifetime", "refresh expiry is not rounded down to the day"),
    Fault("tokens-repeat", "tokens.all_distinct", "a second exchange hands out the user's first pair again"),
    Fault("login-heading-changed", "login.page_shape", "the login page says 'Sign in' instead of 'Welcome back'"),
    Fault("login-ignores-callback", "login.good_credentials", "login always redirects to /"),
    Fault("login-silent-failure", "login.bad_credentials", "bad credentials show no error at all"),
    Fault("consent-loses-callback", "consent.requires_login", "the login redirect drops callbackUrl", REFERENCE),
    Fault("consent-anonymous-client", "consent.names_client", "the consent page does not name the client", REFERENCE),
    Fault(
        "consent-leaks-token",
        "consent.allow_lands_with_code",
        "the browser's redirect also carries an access_token",
        REFERENCE,
    ),
    Fault("go-back-issues-code", "consent.go_back_issues_no_code", "Go back submits the consent form", REFERENCE),
    Fault(
        "consent-unknown-client-redirects",
        "consent.unknown_client_error",
        "an unknown client redirects to redirect_uri with an error",
        REFERENCE,
    ),
    Fault(
        "consent-bad-redirect-redirects",
        "consent.disallowed_redirect_error",
        "a disallowed redirect_uri is redirected to with an error",
        REFERENCE,
    ),
    Fault("no-cache-control", "advisory.no_store", "token responses carry no Cache-Control", REFERENCE),
    Fault("query-dropped", "advisory.registered_query_kept", "the registered query is replaced by ?code=", REFERENCE),
    Fault("state-dropped", "advisory.state_round_trip", "state is not returned", REFERENCE),
    Fault(
        "replay-no-revoke",
        "advisory.replay_revokes_family",
        "replaying a rotated-out refresh token revokes nothing",
        REFERENCE,
    ),
    Fault(
        "refresh-race",
        "advisory.concurrent_refresh_single_use",
        "refresh reads, waits, then rotates: racing refreshes all win",
        REFERENCE,
    ),
    Fault("redirect-307", "advisory.redirect_status", "authorize redirects with 307"),
)
PLATFORM_FAULTS: dict[str, Fault] = {fault.name: fault for fault in _DECLARED}
fault = faults_into(PLATFORM_FAULTS)


@fault(
    "redirect-prefix-match",
    "authorize.rejects_unregistered_redirect_uri",
    "a redirectUri starting with a registered URI is allowed",
)
class RedirectPrefixMatch(Behaviour):
    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        return any(candidate.startswith(uri) for uri in registered)


@fault(
    "redirect-case-folding",
    "authorize.rejects_unregistered_redirect_uri",
    "redirect URIs are compared case-insensitively",
)
class RedirectCaseFolding(Behaviour):
    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        return is_redirect_allowed(candidate.lower(), [uri.lower() for uri in registered])


@fault(
    "wildcard-unanchored",
    "authorize.accepts_wildcard_pattern",
    "a * pattern matches at the start only, not anchored at the end",
)
class WildcardUnanchored(Behaviour):
    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        patterns = [".*".join(re.escape(part) for part in uri.split("*")) for uri in registered]
        return any(re.match(pattern, candidate) for pattern in patterns)


@fault("wildcard-ignored", "authorize.accepts_wildcard_pattern", "* in a registered URI is matched literally")
class WildcardIgnored(Behaviour):
    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        return candidate in registered


@fault("short-codes", "advisory.entropy", "codes are 8 hex characters", REFERENCE)
class ShortCodes(Behaviour):
    def new_code(self) -> str | None:
        return secrets.token_hex(4)
