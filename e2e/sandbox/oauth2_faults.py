"""Faults of the OAuth2 provider flow ("Sign in with Cal.com"): each breaks one oauth2.* rule.

REFERENCE only where the calcom persona already does it. See faults.py.
"""

from __future__ import annotations

from .overrides import BOTH, REFERENCE, Fault


def _oauth2(name: str, rule: str, breaks: str, personas: tuple[str, ...] = BOTH) -> Fault:
    return Fault(f"oauth2-{name}", f"oauth2.{rule}", breaks, personas)


_DECLARED = (
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
OAUTH2_FAULTS: dict[str, Fault] = {fault.name: fault for fault in _DECLARED}
