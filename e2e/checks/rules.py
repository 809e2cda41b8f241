"""Every rule the harness checks: an id, what it says, where it comes from, and its level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from fnmatch import fnmatchcase


class Level(Enum):
    FAILURE = "failure"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    reference: str
    level: Level = Level.FAILURE


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


AUTHORIZE = "CONTRACT §1 authorize"
EXCHANGE = "CONTRACT §1 exchange"
REFRESH = "CONTRACT §1 refresh"
ME = "CONTRACT §1 GET /v2/me"
KEYS = "CONTRACT §1 KeysResponseDto"
PAGES = "CONTRACT §2"
# the OAuth 2.0 provider flow (CONTRACT §6): Cal.com's section, then the standard's
OAUTH2_CONSENT = "CONTRACT §6.1"
OAUTH2_TOKEN = "CONTRACT §6.2"
OAUTH2_REFRESH = "CONTRACT §6.3"
OAUTH2_ME = "CONTRACT §6.4"
OAUTH2_TOKENS = "CONTRACT §6.5"
WARNING = Level.WARNING

RULES = _rules(
    Rule(
        "envelope.shape",
        "every 4xx/5xx body is the error envelope, error.code naming the status",
        "CONTRACT §1 envelope",
    ),
    # authorize
    Rule("authorize.requires_session", "authorize without a valid session is 401", AUTHORIZE),
    Rule(
        "authorize.rejects_invalid_body",
        "authorize with a missing, non-string or malformed redirectUri is 400",
        AUTHORIZE,
    ),
    Rule(
        "authorize.rejects_unknown_client",
        "authorize for an unknown client is 400 'OAuth client ... not found'",
        AUTHORIZE,
    ),
    Rule(
        "authorize.rejects_unregistered_redirect_uri",
        "a redirectUri that is no registered URI nor pattern match is 400",
        AUTHORIZE,
    ),
    Rule("authorize.accepts_wildcard_pattern", "a redirectUri matching a registered * pattern is accepted", AUTHORIZE),
    Rule("authorize.one_pending_code_per_client", "a second authorize before the code is exchanged is 400", AUTHORIZE),
    Rule("authorize.redirects_with_code", "authorize answers 302 to redirectUri?code=...", AUTHORIZE),
    # exchange
    Rule(
        "exchange.requires_bearer_header",
        "exchange without a code in 'Authorization: Bearer <code>' is refused with 400",
        EXCHANGE,
    ),
    Rule(
        "exchange.rejects_wrong_secret", "exchange with a wrong client secret is 400 'Invalid OAuth Client.'", EXCHANGE
    ),
    Rule("exchange.rejects_unknown_client", "exchange for an unknown client is 400 'Invalid OAuth Client.'", EXCHANGE),
    Rule("exchange.rejects_unknown_code", "exchange of an unknown code is 400 'Invalid OAuth Client.'", EXCHANGE),
    Rule("exchange.code_single_use", "a code exchanged once is refused the second time", EXCHANGE),
    Rule("exchange.concurrent_single_use", "of N concurrent exchanges of one code exactly one succeeds", EXCHANGE),
    Rule("exchange.code_bound_to_client", "a code issued to one client is refused to another", EXCHANGE),
    Rule("exchange.reauthorize_after_exchange", "once its code is exchanged the user may authorize again", EXCHANGE),
    Rule("exchange.returns_keys", "exchange answers 200 with a KeysResponseDto", EXCHANGE),
    # refresh
    Rule("refresh.requires_secret_header", "refresh without x-cal-secret-key is 401", REFRESH),
    Rule(
        "refresh.rejects_unknown_client",
        "refresh for an unknown client is 401 '[ApiAuthStrategy - oAuth client - ]Client with ID ... not found'",
        REFRESH,
    ),
    Rule(
        "refresh.rejects_wrong_secret",
        "refresh with a wrong secret is 401 '[ApiAuthStrategy - oAuth client - ]Invalid client secret'",
        REFRESH,
    ),
    Rule("refresh.rejects_unknown_token", "refresh with an unknown token is 400 'Invalid refresh token'", REFRESH),
    Rule("refresh.rejects_access_token", "refresh with an access token is 400 'Invalid refresh token'", REFRESH),
    Rule("refresh.rejects_rotated_token", "a refresh token used once is refused the second time", REFRESH),
    Rule("refresh.token_bound_to_client", "a refresh token of one client is refused to another", REFRESH),
    Rule("refresh.rejects_expired_token", "a refresh token past its refreshTokenExpiresAt is refused", REFRESH),
    Rule("refresh.returns_new_pair", "refresh answers 200 with a new pair that differs from the old", REFRESH),
    # /v2/me
    Rule(
        "me.accepts_access_token",
        "GET /v2/me with an issued access token is 200 {status, data: {id, email, username: str}}"
        " (client holds PROFILE_READ)",
        ME,
    ),
    Rule("me.rejects_unknown_token", "GET /v2/me with an unknown token is 401", ME),
    Rule("me.rejects_refresh_token", "GET /v2/me with a refresh token is 401", ME),
    Rule(
        "me.rejects_expired_token", "GET /v2/me with an expired access token is 498 TokenExpiredException (or 401)", ME
    ),
    # tokens
    Rule("tokens.are_hs256_jwts", "tokens are HS256 JWTs", KEYS),
    Rule(
        "tokens.claims",
        "token payloads carry type, clientId, ownerId, expiresAt, iat, jti (and userId after refresh)",
        KEYS,
    ),
    Rule("tokens.owner_is_user", "ownerId is the id GET /v2/me reports (and E2E_USER_ID when set)", KEYS),
    Rule("tokens.access_lifetime", "access tokens live 60 minutes from issue, rounded down to the minute", KEYS),
    Rule(
        "tokens.refresh_lifetime",
        "refresh tokens live 1 year from issue, rounded down to the start of a day (API server's time zone)",
        KEYS,
    ),
    Rule("tokens.all_distinct", "every token differs from every token issued before", KEYS),
    # pages
    Rule(
        "login.page_shape",
        "the login page has its heading (either design), the login form, #email, #password and a submit",
        PAGES,
    ),
    Rule("login.good_credentials", "good credentials set the session and redirect to callbackUrl", PAGES),
    Rule("login.bad_credentials", "bad credentials stay on the login page and show its error alert", PAGES),
    Rule(
        "consent.requires_login", "the consent page without a session redirects to login with callbackUrl back", PAGES
    ),
    Rule("consent.names_client", "the consent page names the client and lists its permissions", PAGES),
    Rule(
        "consent.allow_lands_with_code",
        "Allow lands on the registered redirect URI with exactly one code, no token",
        PAGES,
    ),
    Rule(
        "consent.go_back_issues_no_code", "Go back issues no code and never lands on the redirect URI with one", PAGES
    ),
    Rule("consent.unknown_client_error", "an unknown client shows the API's error and never redirects", PAGES),
    Rule(
        "consent.disallowed_redirect_error",
        "a disallowed redirect_uri shows the API's error and never redirects",
        PAGES,
    ),
    # the OAuth 2.0 provider flow (CONTRACT §6): the consent page a third-party app sends its users to
    Rule(
        "oauth2.consent.requires_login",
        "the consent page without a session sends the browser to login and, after it, back to the consent page",
        f"{OAUTH2_CONSENT} no session",
    ),
    Rule(
        "oauth2.consent.names_client_and_scopes",
        "the consent page names the client and lists the permissions asked for, with Allow and Go back",
        f"{OAUTH2_CONSENT} success",
    ),
    Rule(
        "oauth2.consent.allow_redirects_with_code",
        "Allow lands on the redirect URI with exactly one code and the state sent, no error and no token",
        f"{OAUTH2_CONSENT} Allow; RFC 6749 §4.1.2",
    ),
    Rule(
        "oauth2.consent.state_round_trip",
        "a state with reserved characters comes back byte for byte",
        f"{OAUTH2_CONSENT} Allow; RFC 6749 §4.1.2, RFC 9700 §4.7.1",
    ),
    Rule(
        "oauth2.consent.go_back_access_denied",
        "Go back lands on the redirect URI with error=access_denied and the state, no code",
        f"{OAUTH2_CONSENT} Go back; RFC 6749 §4.1.2.1",
    ),
    Rule(
        "oauth2.consent.unknown_client_error",
        "an unknown client_id shows an error on the page and never redirects",
        f"{OAUTH2_CONSENT} errors; RFC 6749 §4.1.2.1",
    ),
    Rule(
        "oauth2.consent.unregistered_redirect_uri_error",
        "a redirect_uri that is not registered exactly shows an error on the page and never redirects to it",
        f"{OAUTH2_CONSENT} errors; RFC 6749 §3.1.2.4, RFC 9700 §4.1.3",
    ),
    Rule(
        "oauth2.consent.unapproved_client_error",
        "a PENDING or REJECTED client shows its error on the page (to a user who does not own it), never a code",
        f"{OAUTH2_CONSENT} errors; OAuthService.ensureClientAccessAllowed",
    ),
    Rule(
        "oauth2.consent.unknown_scope_redirects",
        "an unknown scope redirects with error=invalid_scope and the state, no code",
        f"{OAUTH2_CONSENT} errors; RFC 6749 §4.1.2.1",
    ),
    Rule(
        "oauth2.consent.rejects_plain_pkce",
        "code_challenge_method=plain redirects with error=invalid_request, no code (S256 only)",
        f"{OAUTH2_CONSENT} Allow errors; RFC 9700 §2.1.1",
    ),
    Rule(
        "oauth2.consent.public_client_requires_pkce",
        "Allow for a public client without code_challenge redirects with error=invalid_request, no code",
        f"{OAUTH2_CONSENT} Allow errors; RFC 9700 §2.1.1",
    ),
    # token endpoint
    Rule(
        "oauth2.token.returns_tokens",
        "the code's exchange answers 200 {access_token, token_type: bearer, refresh_token, expires_in: 1800}",
        f"{OAUTH2_TOKEN} success; RFC 6749 §5.1",
    ),
    Rule(
        "oauth2.token.no_store",
        "token responses carry Cache-Control: no-store and Pragma: no-cache",
        f"{OAUTH2_TOKEN} success; RFC 6749 §5.1",
    ),
    Rule(
        "oauth2.token.code_single_use",
        "a code exchanged once is refused the second time with invalid_grant",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §4.1.2",
    ),
    Rule(
        "oauth2.token.rejects_unknown_code",
        "an unknown code is 400 invalid_grant",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.token.rejects_wrong_secret",
        "a confidential client's exchange with a wrong or missing secret is 401 invalid_client",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.token.rejects_unknown_client",
        "an unknown client_id is 401 invalid_client",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.token.rejects_missing_parameters",
        "a token request without code or redirect_uri is 400 invalid_request",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.token.rejects_unregistered_redirect_uri",
        "an exchange naming a redirect_uri the client never registered is 400 invalid_grant",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §4.1.3",
    ),
    Rule(
        "oauth2.token.redirect_uri_bound_to_code",
        "an exchange naming another registered redirect_uri than the code's is 400 invalid_grant",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §4.1.3",
    ),
    Rule(
        "oauth2.token.pkce_rejects_wrong_verifier",
        "a code_verifier that does not match the code's S256 challenge is 400 invalid_grant",
        f"{OAUTH2_TOKEN} PKCE; RFC 7636 §4.6",
    ),
    Rule(
        "oauth2.token.pkce_accepts_s256_verifier",
        "a code issued with an S256 challenge is exchanged with its verifier (200)",
        f"{OAUTH2_TOKEN} PKCE; RFC 7636 §4.6",
    ),
    Rule(
        "oauth2.token.pkce_requires_verifier",
        "a code issued with a challenge and exchanged without code_verifier is refused",
        f"{OAUTH2_TOKEN} PKCE; RFC 7636 §4.4.1, §4.6",
    ),
    Rule(
        "oauth2.token.pkce_failure_spends_code",
        "after a failed PKCE check the code is spent: the right verifier is refused too",
        f"{OAUTH2_TOKEN} PKCE; OAuthService.exchangeCodeForTokens",
    ),
    Rule(
        "oauth2.token.rejects_unsupported_grant_type",
        "an unknown grant_type is 400 unsupported_grant_type",
        f"{OAUTH2_TOKEN} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.token.code_expires",
        "a code older than 10 minutes is refused with invalid_grant",
        f"{OAUTH2_TOKEN} codes; RFC 6749 §4.1.2",
    ),
    # refresh
    Rule(
        "oauth2.refresh.returns_new_pair",
        "refresh answers 200 with an access token and a new refresh token (rotation), no-store",
        f"{OAUTH2_REFRESH} success; RFC 9700 §4.14.2",
    ),
    Rule(
        "oauth2.refresh.rejects_replayed_token",
        "a rotated-out refresh token is 400 invalid_grant",
        f"{OAUTH2_REFRESH} reuse; RFC 9700 §4.14.2",
    ),
    Rule(
        "oauth2.refresh.rejects_access_token",
        "an access token sent as refresh_token is 400 invalid_grant",
        f"{OAUTH2_REFRESH} errors; RFC 6749 §5.2",
    ),
    Rule(
        "oauth2.refresh.rejects_wrong_secret",
        "a confidential client's refresh with a wrong secret is 401 invalid_client",
        f"{OAUTH2_REFRESH} errors; RFC 6749 §6",
    ),
    Rule(
        "oauth2.refresh.token_bound_to_client",
        "a refresh token issued to one client is refused to another with invalid_grant",
        f"{OAUTH2_REFRESH} errors; RFC 6749 §6",
    ),
    # the token at work
    Rule(
        "oauth2.me.accepts_access_token",
        "the profile endpoint answers an issued access token with the test user (201 {username} or 200 /v2/me)",
        f"{OAUTH2_ME}",
    ),
    Rule("oauth2.me.rejects_refresh_token", "the profile endpoint refuses a refresh token", f"{OAUTH2_ME}"),
    Rule(
        "oauth2.me.rejects_unknown_token",
        "the profile endpoint refuses a well-formed JWT it did not sign",
        f"{OAUTH2_ME}; RFC 6750 §3.1",
    ),
    Rule(
        "oauth2.me.requires_profile_scope",
        "the profile endpoint refuses an access token whose scope lacks the profile scope",
        f"{OAUTH2_ME}; RFC 6750 §3.1",
    ),
    Rule(
        "oauth2.tokens.lifetimes",
        "the access JWT lives expires_in (1800) seconds, the refresh JWT 30 days",
        f"{OAUTH2_TOKENS}",
    ),
    Rule(
        "oauth2.tokens.claims",
        "JWT claims: token_type 'Access Token'/'Refresh Token', clientId = the client, userId = the test user, "
        "scope = the scopes granted",
        f"{OAUTH2_TOKENS}",
    ),
    Rule(
        "oauth2.advisory.replay_revokes_family",
        "replaying a rotated-out refresh token revokes its successor too",
        "RFC 9700 §4.14.2",
        WARNING,
    ),
    # advisories (CONTRACT §4)
    Rule("advisory.no_store", "exchange and refresh responses carry Cache-Control: no-store", "RFC 6749 §5.1", WARNING),
    Rule("advisory.entropy", "codes and tokens carry at least 128 bits of randomness", "RFC 6749 §10.10", WARNING),
    Rule(
        "advisory.registered_query_kept",
        "a registered redirect URI's query is kept; the code is appended with &",
        "RFC 6749 §3.1.2",
        WARNING,
    ),
    Rule(
        "advisory.state_round_trip",
        "state in the authorize body comes back unchanged next to code",
        "RFC 6749 §4.1.2, RFC 9700 §4.7",
        WARNING,
    ),
    Rule(
        "advisory.replay_revokes_family",
        "replaying a rotated-out refresh token revokes its replacement",
        "RFC 9700 §4.14.2",
        WARNING,
    ),
    Rule(
        "advisory.concurrent_refresh_single_use",
        "of N concurrent refreshes with one token exactly one succeeds",
        "RFC 9700 §4.14.2",
        WARNING,
    ),
    Rule("advisory.redirect_status", "the authorize redirect is 302 or 303, never 307", "RFC 9700 §4.12", WARNING),
)


class UnknownRule(ValueError):
    """A --rule value that names no rule: an id not in RULES, or a glob matching none."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        super().__init__(
            f"--rule {', '.join(repr(p) for p in patterns)}: no such rule (`calcom-e2e --list-rules` lists them)"
        )


def select_rules(values: Iterable[str]) -> set[str]:
    """The rule ids that --rule values select: each value is one id, a glob (`refresh.*`), or several of them
    comma-separated (`--rule refresh.*,me.rejects_unknown_token`); the option repeats. Raises UnknownRule
    naming every id or glob that matches no rule."""
    chosen: set[str] = set()
    unmatched: list[str] = []
    for value in values:
        patterns = [p.strip() for p in value.split(",") if p.strip()]
        if not patterns:
            unmatched.append(value)
        for pattern in patterns:
            matched = {rule_id for rule_id in RULES if fnmatchcase(rule_id, pattern)}
            if not matched:
                unmatched.append(pattern)
            chosen |= matched
    if unmatched:
        raise UnknownRule(unmatched)
    return chosen
