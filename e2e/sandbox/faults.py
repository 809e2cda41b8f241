"""Fault injection: each fault makes the sandbox break exactly one rule of the contract.

`--fault NAME` (repeatable) or POST /__sandbox/faults turns them on; `--list-faults` lists them.
The rule ids are the harness's (e2e/checks/rules.py), so a report can say which check must catch which fault.
Faults are one kind of deviation from the reference behaviour (deviations.py); a persona's quirks are the other.
A fault applies to the personas named in `personas`: one whose rule a persona already breaks, or whose code
path the persona does not have (the calcom persona's consent page is a mock-up), proves nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass

BOTH = ("calcom", "reference")
REFERENCE = ("reference",)


@dataclass(frozen=True)
class Fault:
    name: str
    rule_id: str
    breaks: str
    personas: tuple[str, ...] = BOTH

    @property
    def description(self) -> str:
        return self.breaks

    def applies_to(self, persona: str) -> bool:
        return persona in self.personas


def _faults(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


def _oauth2(name: str, rule: str, breaks: str, personas: tuple[str, ...] = BOTH) -> Fault:
    return Fault(f"oauth2-{name}", f"oauth2.{rule}", breaks, personas)


OAUTH2_FAULTS = (
    _oauth2(
        "consent-without-login",
        "consent.requires_login",
        "the page shows consent (for the first user) without a session",
    ),
    _oauth2(
        "consent-generic",
        "consent.names_client_and_scopes",
        "the H1 names 'Acme.com' whatever the client, no permission list",
    ),
    _oauth2("allow-drops-state", "consent.allow_redirects_with_code", "the redirect after Allow carries no state"),
    _oauth2("state-unencoded", "consent.state_round_trip", "state is appended raw (not URL-encoded)"),
    _oauth2("go-back-without-error", "consent.go_back_access_denied", "Go back lands on redirect_uri with no error"),
    _oauth2(
        "unknown-client-redirects",
        "consent.unknown_client_error",
        "an unknown client redirects to redirect_uri?error=unauthorized_client",
    ),
    _oauth2(
        "redirect-uri-prefix-match",
        "consent.unregistered_redirect_uri_error",
        "a redirect_uri starting with a registered one is accepted (page and token)",
    ),
    _oauth2(
        "unknown-scope-ignored",
        "consent.unknown_scope_redirects",
        "unknown scope names are dropped: consent shown, code issued",
    ),
    _oauth2(
        "unapproved-client-allowed",
        "consent.unapproved_client_error",
        "a PENDING or REJECTED client's consent page shows consent, and Allow gives a code (the exchange still "
        "refuses it)",
    ),
    _oauth2(
        "plain-pkce-accepted",
        "consent.rejects_plain_pkce",
        "code_challenge_method=plain is accepted (the verifier compared as-is)",
    ),
    _oauth2(
        "public-client-without-pkce",
        "consent.public_client_requires_pkce",
        "Allow for a public client without code_challenge gives a code (no challenge stored)",
    ),
    _oauth2("token-without-expires-in", "token.returns_tokens", "the token response lacks expires_in and token_type"),
    _oauth2("token-cacheable", "token.no_store", "token and refresh responses lack Cache-Control no-store and Pragma"),
    _oauth2("code-reusable", "token.code_single_use", "a code is not spent when exchanged"),
    _oauth2("unknown-code-500", "token.rejects_unknown_code", 'an unknown code is 500 {"error":"error_code_exchange"}'),
    _oauth2(
        "secret-unchecked",
        "token.rejects_wrong_secret",
        "the exchange does not check the confidential client's secret (refresh still does)",
    ),
    _oauth2("unknown-client-400", "token.rejects_unknown_client", "an unknown client_id is 400 invalid_request"),
    _oauth2(
        "missing-code-500",
        "token.rejects_missing_parameters",
        'a token request with a client_id but without code or redirect_uri is 500 {"error":"error_code_exchange"}',
    ),
    _oauth2(
        "token-redirect-uri-unchecked", "token.rejects_unregistered_redirect_uri", "the exchange ignores redirect_uri"
    ),
    _oauth2(
        "redirect-uri-unbound",
        "token.redirect_uri_bound_to_code",
        "any registered redirect_uri is accepted at exchange (as the calcom persona does)",
        REFERENCE,
    ),
    _oauth2("pkce-unchecked", "token.pkce_rejects_wrong_verifier", "the code_verifier is not compared"),
    _oauth2(
        "pkce-hex-digest",
        "token.pkce_accepts_s256_verifier",
        "the S256 check compares the challenge with hex(sha256(verifier)): the right verifier is 400 invalid_grant",
    ),
    _oauth2(
        "pkce-verifier-optional",
        "token.pkce_requires_verifier",
        "a code with a challenge is exchanged without code_verifier",
    ),
    _oauth2("pkce-failure-keeps-code", "token.pkce_failure_spends_code", "a failed PKCE check leaves the code usable"),
    _oauth2(
        "unknown-grant-invalid-request",
        "token.rejects_unsupported_grant_type",
        "an unknown grant_type is 400 invalid_request (as the calcom persona answers)",
        REFERENCE,
    ),
    _oauth2("code-never-expires", "token.code_expires", "codes older than 10 minutes still work"),
    _oauth2("refresh-no-rotation", "refresh.returns_new_pair", "refresh answers the refresh token it was given"),
    _oauth2("refresh-replay-accepted", "refresh.rejects_replayed_token", "a rotated-out refresh token still works"),
    _oauth2(
        "refresh-accepts-access-token", "refresh.rejects_access_token", "refresh does not check the token_type claim"
    ),
    _oauth2(
        "refresh-secret-unchecked",
        "refresh.rejects_wrong_secret",
        "refresh does not check the confidential client's secret (the exchange still does)",
    ),
    _oauth2(
        "refresh-any-client",
        "refresh.token_bound_to_client",
        "refresh does not compare the refresh token's clientId claim with client_id: another client's token is "
        "refreshed, the new pair issued to the requesting client",
    ),
    _oauth2(
        "replay-keeps-family",
        "advisory.replay_revokes_family",
        "replaying a rotated-out refresh token leaves its successor valid (as the calcom persona does)",
        REFERENCE,
    ),
    _oauth2("me-refuses-tokens", "me.accepts_access_token", "/api/auth/oauth/me answers 401 for a good token"),
    _oauth2("me-accepts-refresh-token", "me.rejects_refresh_token", "me does not check the token_type claim"),
    _oauth2("me-signature-unchecked", "me.rejects_unknown_token", "me accepts a JWT signed with another key"),
    _oauth2(
        "me-ignores-scope",
        "me.requires_profile_scope",
        "/api/auth/oauth/me answers a token without READ_PROFILE, and GET /v2/me a scoped token without PROFILE_READ",
    ),
    _oauth2("access-lifetime-1h", "tokens.lifetimes", "the access JWT lives 3600 s while expires_in says 1800"),
    _oauth2("claims-wrong-client", "tokens.claims", "the access token's clientId claim is another client's id"),
)


# REFERENCE only: the consent-page faults (the calcom persona's page is a mock-up that breaks every consent rule);
# faults whose rule the calcom persona already breaks (exchange.requires_bearer_header: 500 without the header;
# refresh.rejects_expired_token; tokens.claims: no jti; the advisories no_store, entropy (cuid codes),
# registered_query_kept, state_round_trip, replay_revokes_family); exchange-race (tokens without a jti collide,
# so racers cannot all win there) and refresh-race.
FAULTS = _faults(
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
        "redirect-prefix-match",
        "authorize.rejects_unregistered_redirect_uri",
        "a redirectUri starting with a registered URI is allowed",
    ),
    Fault(
        "redirect-case-folding",
        "authorize.rejects_unregistered_redirect_uri",
        "redirect URIs are compared case-insensitively",
    ),
    Fault(
        "wildcard-unanchored",
        "authorize.accepts_wildcard_pattern",
        "a * pattern matches at the start only, not anchored at the end",
    ),
    Fault("wildcard-ignored", "authorize.accepts_wildcard_pattern", "* in a registered URI is matched literally"),
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
    Fault("short-codes", "advisory.entropy", "codes are 8 hex characters", REFERENCE),
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
    # the OAuth2 provider ("Sign in with Cal.com"); REFERENCE only where the calcom persona already does it
    *OAUTH2_FAULTS,
)


def listing(persona: str | None = None) -> str:
    """One line a fault: its name, the rule it breaks, and the personas it applies to when not both."""
    shown = [f for f in FAULTS.values() if persona is None or f.applies_to(persona)]
    width = max(len(f.name) for f in shown)
    return "\n".join(
        f"{f.name:<{width}}  breaks {f.rule_id}: {f.breaks}"
        + ("" if f.personas == BOTH else f"  [{', '.join(f.personas)} only]")
        for f in shown
    )
