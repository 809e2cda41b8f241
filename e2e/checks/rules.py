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


A, E, R, M, K, P = (
    "CONTRACT §1 authorize",
    "CONTRACT §1 exchange",
    "CONTRACT §1 refresh",
    "CONTRACT §1 GET /v2/me",
    "CONTRACT §1 KeysResponseDto",
    "CONTRACT §2",
)
W = Level.WARNING

RULES = _rules(
    Rule(
        "envelope.shape",
        "every 4xx/5xx body is the error envelope, error.code naming the status",
        "CONTRACT §1 envelope",
    ),
    # authorize
    Rule("authorize.requires_session", "authorize without a valid session is 401", A),
    Rule("authorize.rejects_invalid_body", "authorize with a missing, non-string or malformed redirectUri is 400", A),
    Rule("authorize.rejects_unknown_client", "authorize for an unknown client is 400 'OAuth client ... not found'", A),
    Rule(
        "authorize.rejects_unregistered_redirect_uri",
        "a redirectUri that is no registered URI nor pattern match is 400",
        A,
    ),
    Rule("authorize.accepts_wildcard_pattern", "a redirectUri matching a registered * pattern is accepted", A),
    Rule("authorize.one_pending_code_per_client", "a second authorize before the code is exchanged is 400", A),
    Rule("authorize.redirects_with_code", "authorize answers 302 to redirectUri?code=...", A),
    # exchange
    Rule(
        "exchange.requires_bearer_header",
        "exchange without a code in 'Authorization: Bearer <code>' is refused with 400",
        E,
    ),
    Rule("exchange.rejects_wrong_secret", "exchange with a wrong client secret is 400 'Invalid OAuth Client.'", E),
    Rule("exchange.rejects_unknown_client", "exchange for an unknown client is 400 'Invalid OAuth Client.'", E),
    Rule("exchange.rejects_unknown_code", "exchange of an unknown code is 400 'Invalid OAuth Client.'", E),
    Rule("exchange.code_single_use", "a code exchanged once is refused the second time", E),
    Rule("exchange.concurrent_single_use", "of N concurrent exchanges of one code exactly one succeeds", E),
    Rule("exchange.code_bound_to_client", "a code issued to one client is refused to another", E),
    Rule("exchange.reauthorize_after_exchange", "once its code is exchanged the user may authorize again", E),
    Rule("exchange.returns_keys", "exchange answers 200 with a KeysResponseDto", E),
    # refresh
    Rule("refresh.requires_secret_header", "refresh without x-cal-secret-key is 401", R),
    Rule(
        "refresh.rejects_unknown_client",
        "refresh for an unknown client is 401 '[ApiAuthStrategy - oAuth client - ]Client with ID ... not found'",
        R,
    ),
    Rule(
        "refresh.rejects_wrong_secret",
        "refresh with a wrong secret is 401 '[ApiAuthStrategy - oAuth client - ]Invalid client secret'",
        R,
    ),
    Rule("refresh.rejects_unknown_token", "refresh with an unknown token is 400 'Invalid refresh token'", R),
    Rule("refresh.rejects_access_token", "refresh with an access token is 400 'Invalid refresh token'", R),
    Rule("refresh.rejects_rotated_token", "a refresh token used once is refused the second time", R),
    Rule("refresh.token_bound_to_client", "a refresh token of one client is refused to another", R),
    Rule("refresh.rejects_expired_token", "a refresh token past its refreshTokenExpiresAt is refused", R),
    Rule("refresh.returns_new_pair", "refresh answers 200 with a new pair that differs from the old", R),
    # /v2/me
    Rule(
        "me.accepts_access_token",
        "GET /v2/me with an issued access token is 200 {status, data: {id, email, username: str}}"
        " (client holds PROFILE_READ)",
        M,
    ),
    Rule("me.rejects_unknown_token", "GET /v2/me with an unknown token is 401", M),
    Rule("me.rejects_refresh_token", "GET /v2/me with a refresh token is 401", M),
    Rule(
        "me.rejects_expired_token", "GET /v2/me with an expired access token is 498 TokenExpiredException (or 401)", M
    ),
    # tokens
    Rule("tokens.are_hs256_jwts", "tokens are HS256 JWTs", K),
    Rule(
        "tokens.claims",
        "token payloads carry type, clientId, ownerId, expiresAt, iat, jti (and userId after refresh)",
        K,
    ),
    Rule("tokens.owner_is_user", "ownerId is the id GET /v2/me reports (and E2E_USER_ID when set)", K),
    Rule("tokens.access_lifetime", "access tokens live 60 minutes from issue, rounded down to the minute", K),
    Rule(
        "tokens.refresh_lifetime",
        "refresh tokens live 1 year from issue, rounded down to the start of a day (API server's time zone)",
        K,
    ),
    Rule("tokens.all_distinct", "every token differs from every token issued before", K),
    # pages
    Rule(
        "login.page_shape",
        "the login page has its heading (either design), the login form, #email, #password and a submit",
        P,
    ),
    Rule("login.good_credentials", "good credentials set the session and redirect to callbackUrl", P),
    Rule("login.bad_credentials", "bad credentials stay on the login page and show its error alert", P),
    Rule("consent.requires_login", "the consent page without a session redirects to login with callbackUrl back", P),
    Rule("consent.names_client", "the consent page names the client and lists its permissions", P),
    Rule(
        "consent.allow_lands_with_code", "Allow lands on the registered redirect URI with exactly one code, no token", P
    ),
    Rule("consent.go_back_issues_no_code", "Go back issues no code and never lands on the redirect URI with one", P),
    Rule("consent.unknown_client_error", "an unknown client shows the API's error and never redirects", P),
    Rule("consent.disallowed_redirect_error", "a disallowed redirect_uri shows the API's error and never redirects", P),
    # advisories (CONTRACT §4)
    Rule("advisory.no_store", "exchange and refresh responses carry Cache-Control: no-store", "RFC 6749 §5.1", W),
    Rule("advisory.entropy", "codes and tokens carry at least 128 bits of randomness", "RFC 6749 §10.10", W),
    Rule(
        "advisory.registered_query_kept",
        "a registered redirect URI's query is kept; the code is appended with &",
        "RFC 6749 §3.1.2",
        W,
    ),
    Rule(
        "advisory.state_round_trip",
        "state in the authorize body comes back unchanged next to code",
        "RFC 6749 §4.1.2, RFC 9700 §4.7",
        W,
    ),
    Rule(
        "advisory.replay_revokes_family",
        "replaying a rotated-out refresh token revokes its replacement",
        "RFC 9700 §4.14.2",
        W,
    ),
    Rule(
        "advisory.concurrent_refresh_single_use",
        "of N concurrent refreshes with one token exactly one succeeds",
        "RFC 9700 §4.14.2",
        W,
    ),
    Rule("advisory.redirect_status", "the authorize redirect is 302 or 303, never 307", "RFC 9700 §4.12", W),
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
