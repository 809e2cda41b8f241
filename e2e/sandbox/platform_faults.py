"""Faults of the platform flow: each breaks one rule of CONTRACT §1-§4 (API, envelope, login and consent pages).

REFERENCE only: the consent-page faults (the calcom persona's page is a mock-up that breaks every consent rule);
faults whose rule the calcom persona already breaks (exchange.requires_bearer_header: 500 without the header;
refresh.rejects_expired_token; tokens.claims: no jti; the advisories no_store, entropy (cuid codes),
registered_query_kept, state_round_trip, replay_revokes_family); exchange-race (tokens without a jti collide,
so racers cannot all win there) and refresh-race.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import tzinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .behaviour import Behaviour
from .errors import ApiError
from .keys import issue_keys
from .overrides import REFERENCE, Fault, faults_into
from .platform_behaviour import MISSING_BEARER, NO_SECRET
from .redirects import is_redirect_allowed, with_query_params
from .store import Client, RefreshToken, Store, TokenGrant, User
from .tokens import new_secret_token, token_key

PLATFORM_FAULTS: dict[str, Fault] = {}
fault = faults_into(PLATFORM_FAULTS)
RACE_WINDOW_S = 0.2  # how long the race faults wait between reading and writing (racers arrive within it under load)


# --- the error envelope ------------------------------------------------------------------------


@fault("envelope-no-timestamp", "envelope.shape", "error bodies lack timestamp")
class EnvelopeNoTimestamp(Behaviour):
    def envelope_body(self, body: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in super().envelope_body(body).items() if key != "timestamp"}


@fault("envelope-generic-code", "envelope.shape", "error.code is 'HttpException' whatever the status")
class EnvelopeGenericCode(Behaviour):
    def error_code(self, status: int, code: str | None) -> str:
        return "HttpException"


# --- authorize ---------------------------------------------------------------------------------


@fault("authorize-without-session", "authorize.requires_session", "authorize acts for the first user without a session")
class AuthorizeWithoutSession(Behaviour):
    def user_without_session(self, store: Store) -> User | None:
        return store.user_by_id(1)


@fault(
    "authorize-default-redirect",
    "authorize.rejects_invalid_body",
    "a missing or non-string redirectUri falls back to the first registered URI",
)
class AuthorizeDefaultRedirect(Behaviour):
    def authorize_body(self, body: dict[str, Any], client: Client | None) -> dict[str, Any]:
        if client and not isinstance(body.get("redirectUri"), str):
            return {**body, "redirectUri": client.redirect_uris[0]}
        return body


@fault("authorize-unknown-client-message", "authorize.rejects_unknown_client", "unknown client says 'Client not found'")
class AuthorizeUnknownClientMessage(Behaviour):
    def unknown_client_message(self, client_id: str) -> str:
        return "Client not found"


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


@fault(
    "authorize-many-pending-codes", "authorize.one_pending_code_per_client", "a user may hold several unexchanged codes"
)
class AuthorizeManyPendingCodes(Behaviour):
    def store_code(self, store: Store, client_id: str, user_id: int, code: str | None) -> str | None:
        store.db.execute("DELETE FROM codes WHERE client_id = ? AND user_id = ?", (client_id, user_id))
        return super().store_code(store, client_id, user_id, code)


@fault("authorize-json-not-redirect", "authorize.redirects_with_code", "authorize answers 200 with the code in JSON")
class AuthorizeJsonNotRedirect(Behaviour):
    def code_response(self, request: Request, location: str, code: str) -> Response:
        return JSONResponse({"status": "success", "data": {"code": code}})


# --- exchange ----------------------------------------------------------------------------------


@fault("exchange-missing-bearer-401", "exchange.requires_bearer_header", "a missing Bearer header is 401", REFERENCE)
class ExchangeMissingBearer401(Behaviour):
    def missing_bearer(self, header_absent: bool) -> Exception:
        return ApiError(401, MISSING_BEARER)


@fault("exchange-ignores-secret", "exchange.rejects_wrong_secret", "exchange does not check the client secret")
class ExchangeIgnoresSecret(Behaviour):
    def exchange_secret_matches(self, client: Client, secret: str) -> bool:
        return True


@fault("exchange-unknown-client-404", "exchange.rejects_unknown_client", "exchange for an unknown client is 404")
class ExchangeUnknownClient404(Behaviour):
    def unknown_exchange_client(self) -> ApiError:
        return ApiError(404, "Client not found")


@fault("exchange-unknown-code-message", "exchange.rejects_unknown_code", "an unknown code says 'Invalid code'")
class ExchangeUnknownCodeMessage(Behaviour):
    def unknown_code(self) -> ApiError:
        return ApiError(400, "Invalid code")


@fault("code-reusable", "exchange.code_single_use", "an exchanged code can be exchanged again")
class CodeReusable(Behaviour):
    """An exchanged code moves to a table of its own: the user's pending slot is freed, the code keeps working."""

    def peek_code(self, store: Store, code: str, client_id: str) -> int | None:
        return super().peek_code(store, code, client_id) or self._reused(store, code, self.code_client(client_id))

    async def spend_code(self, store: Store, code: str, client_id: str) -> int | None:
        user_id = store.take_code(code, client_id)
        if user_id is None:
            return self._reused(store, code, client_id)
        self._table(store)
        store.db.execute("INSERT OR IGNORE INTO reusable_codes VALUES (?, ?, ?)", (code, client_id, user_id))
        return user_id

    def _reused(self, store: Store, code: str, client_id: str | None) -> int | None:
        self._table(store)
        row = store.db.execute(
            "SELECT user_id FROM reusable_codes WHERE code = ? AND (? IS NULL OR client_id = ?)",
            (code, client_id, client_id),
        ).fetchone()
        return row["user_id"] if row else None

    @staticmethod
    def _table(store: Store) -> None:
        store.db.execute(
            "CREATE TABLE IF NOT EXISTS reusable_codes (code TEXT PRIMARY KEY, client_id TEXT NOT NULL, "
            "user_id INTEGER NOT NULL)"
        )


@fault(
    "exchange-race",
    "exchange.concurrent_single_use",
    "exchange reads, waits, then deletes: racing exchanges all win",
    REFERENCE,
)
class ExchangeRace(Behaviour):
    async def spend_code(self, store: Store, code: str, client_id: str) -> int | None:
        user_id = store.peek_code(code, client_id)
        await asyncio.sleep(RACE_WINDOW_S)
        store.take_code(code, client_id)
        return user_id


@fault("code-any-client", "exchange.code_bound_to_client", "a code is accepted from any client")
class CodeAnyClient(Behaviour):
    def code_client(self, client_id: str) -> str | None:
        return None


@fault(
    "exchange-keeps-pending", "exchange.reauthorize_after_exchange", "an exchanged code still blocks a new authorize"
)
class ExchangeKeepsPending(Behaviour):
    async def spend_code(self, store: Store, code: str, client_id: str) -> int | None:
        """The code stops working, but its row, renamed, still counts as the user's pending code."""
        user_id = store.peek_code(code, client_id)
        if user_id is not None:
            store.db.execute(
                "UPDATE codes SET code = code || ':retired:' || ? WHERE code = ?", (new_secret_token(8), code)
            )
        return user_id


# on calcom the one check of this rule often meets the identical-token 500 (a known defect) before the body
@fault("keys-missing-expiry", "exchange.returns_keys", "the exchange response lacks refreshTokenExpiresAt", REFERENCE)
class KeysMissingExpiry(Behaviour):
    def keys_data(self, data: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in super().keys_data(data).items() if key != "refreshTokenExpiresAt"}


# --- refresh -----------------------------------------------------------------------------------


@fault("refresh-missing-secret-400", "refresh.requires_secret_header", "a missing x-cal-secret-key is 400")
class RefreshMissingSecret400(Behaviour):
    def missing_secret(self) -> ApiError:
        return ApiError(400, NO_SECRET)


@fault("refresh-unknown-client-message", "refresh.rejects_unknown_client", "unknown client says 'Unauthorized'")
class RefreshUnknownClientMessage(Behaviour):
    def refresh_unknown_client(self, client_id: str) -> ApiError:
        return ApiError(401, "Unauthorized")


@fault("refresh-ignores-secret", "refresh.rejects_wrong_secret", "refresh does not check the client secret")
class RefreshIgnoresSecret(Behaviour):
    def refresh_secret_matches(self, client: Client, secret: str) -> bool:
        return True


@fault("refresh-unknown-token-401", "refresh.rejects_unknown_token", "an unknown refresh token is 401")
class RefreshUnknownToken401(Behaviour):
    def invalid_refresh_token(self) -> ApiError:
        return ApiError(401, "Invalid refresh token")


@fault("refresh-accepts-access-token", "refresh.rejects_access_token", "an access token is accepted as refresh token")
class RefreshAcceptsAccessToken(Behaviour):
    def refresh_with_other_token(
        self, request: Request, store: Store, client_id: str, payload: dict, token: str
    ) -> dict:
        grant = store.access_grant(token_key(token)) if payload.get("type") == "access_token" else None
        if grant is None:
            return super().refresh_with_other_token(request, store, client_id, payload, token)
        return issue_keys(request, client_id, grant.user_id, family=new_secret_token(16), from_refresh=True)


@fault("refresh-no-rotation", "refresh.rejects_rotated_token", "a used refresh token stays valid")
class RefreshNoRotation(Behaviour):
    rotates_refresh_tokens = False


@fault("refresh-any-client", "refresh.token_bound_to_client", "a refresh token is accepted from any client")
class RefreshAnyClient(Behaviour):
    def refresh_token_usable_by(self, token_client_id: str, client_id: str) -> bool:
        return True


@fault("refresh-ignores-expiry", "refresh.rejects_expired_token", "expired refresh tokens still refresh", REFERENCE)
class RefreshIgnoresExpiry(Behaviour):
    def refresh_token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return False


@fault("refresh-same-refresh-token", "refresh.returns_new_pair", "refresh hands back the refresh token it was given")
class RefreshSameRefreshToken(Behaviour):
    def returned_refresh_token(self, minted: str, given: str | None) -> str:
        return given or minted


# --- GET /v2/me --------------------------------------------------------------------------------


@fault("me-no-username", "me.accepts_access_token", "GET /v2/me omits username")
class MeNoUsername(Behaviour):
    def me_data(self, data: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in super().me_data(data).items() if key != "username"}


@fault("me-accepts-any-token", "me.rejects_unknown_token", "GET /v2/me answers for the first user whatever the token")
class MeAcceptsAnyToken(Behaviour):
    def me_user_without_grant(self, store: Store) -> User | None:
        return store.user_by_id(1)


@fault("me-accepts-refresh-token", "me.rejects_refresh_token", "GET /v2/me accepts refresh tokens")
class MeAcceptsRefreshToken(Behaviour):
    def me_grant_of_other_token(self, store: Store, payload: dict, token: str) -> TokenGrant | None:
        row = store.refresh_token(token_key(token)) if payload.get("type") == "refresh_token" else None
        if row is None:
            return super().me_grant_of_other_token(store, payload, token)
        return TokenGrant(row.client_id, row.user_id, row.family, store.now_ms() + 1)


@fault("me-ignores-expiry", "me.rejects_expired_token", "GET /v2/me accepts expired access tokens")
class MeIgnoresExpiry(Behaviour):
    def me_token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return False


# --- token pairs -------------------------------------------------------------------------------


@fault("tokens-hs512", "tokens.are_hs256_jwts", "tokens are signed with HS512")
class TokensHs512(Behaviour):
    token_algorithm = "HS512"


@fault("tokens-no-client-id", "tokens.claims", "token payloads lack clientId", REFERENCE)
class TokensNoClientId(Behaviour):
    omitted_claims = ("clientId",)


@fault("refreshed-tokens-no-user-id", "tokens.claims", "tokens from a refresh lack userId", REFERENCE)
class RefreshedTokensNoUserId(Behaviour):
    def user_id_claim(self, from_refresh: bool) -> bool:
        return False


@fault("tokens-wrong-owner", "tokens.owner_is_user", "ownerId is not the user's id")
class TokensWrongOwner(Behaviour):
    def token_owner(self, user_id: int) -> int:
        return user_id + 1000


@fault("access-lifetime-30-minutes", "tokens.access_lifetime", "access tokens live 30 minutes")
class AccessLifetime30Minutes(Behaviour):
    def access_expiry(self, now_ms: int) -> int:
        return super().access_expiry(now_ms) - 30 * 60_000


@fault("access-lifetime-not-floored", "tokens.access_lifetime", "access expiry is not rounded down to the minute")
class AccessLifetimeNotFloored(Behaviour):
    def access_expiry(self, now_ms: int) -> int:
        expires = now_ms + 60 * 60_000
        return expires + 1 if expires % 60_000 == 0 else expires


@fault("refresh-lifetime-not-floored", "tokens.refresh_lifetime", "refresh expiry is not rounded down to the day")
class RefreshLifetimeNotFloored(Behaviour):
    def refresh_expiry(self, now_ms: int, timezone: tzinfo) -> int:
        return super().refresh_expiry(now_ms, timezone) + (now_ms % 86_400_000 or 1)


@fault("tokens-repeat", "tokens.all_distinct", "a second exchange hands out the user's first pair again")
class TokensRepeat(Behaviour):
    """The first pair an exchange issues for a user and client is remembered while the fault is on, and handed
    out again after."""

    def exchange_pair(self, request: Request, client_id: str, user_id: int) -> dict:
        first_pairs = request.app.state.deviations.memory.setdefault("tokens-repeat", {})
        if (client_id, user_id) not in first_pairs:
            first_pairs[(client_id, user_id)] = super().exchange_pair(request, client_id, user_id)
        return first_pairs[(client_id, user_id)]


# --- the login and consent pages ---------------------------------------------------------------


@fault("login-heading-changed", "login.page_shape", "the login page says 'Sign in' instead of 'Welcome back'")
class LoginHeadingChanged(Behaviour):
    login_heading = ("Sign in", "Sign in to your account")


@fault("login-ignores-callback", "login.good_credentials", "login always redirects to /")
class LoginIgnoresCallback(Behaviour):
    def login_callback_url(self, given: str) -> str:
        return "/"


@fault("login-silent-failure", "login.bad_credentials", "bad credentials show no error at all")
class LoginSilentFailure(Behaviour):
    login_error = None


@fault("consent-loses-callback", "consent.requires_login", "the login redirect drops callbackUrl", REFERENCE)
class ConsentLosesCallback(Behaviour):
    def consent_login_redirect(self, page_url: str) -> str:
        return "/auth/login"


@fault("consent-anonymous-client", "consent.names_client", "the consent page does not name the client", REFERENCE)
class ConsentAnonymousClient(Behaviour):
    def consent_client_name(self, client: Client) -> str:
        return "An application"


@fault(
    "consent-leaks-token",
    "consent.allow_lands_with_code",
    "the browser's redirect also carries an access_token",
    REFERENCE,
)
class ConsentLeaksToken(Behaviour):
    def code_redirect_params(self, code: str, state: str | None, from_form: bool) -> dict[str, str]:
        params = super().code_redirect_params(code, state, from_form)
        return {**params, "access_token": new_secret_token()} if from_form else params


@fault("go-back-issues-code", "consent.go_back_issues_no_code", "Go back submits the consent form", REFERENCE)
class GoBackIssuesCode(Behaviour):
    go_back_submits = True


@fault(
    "consent-unknown-client-redirects",
    "consent.unknown_client_error",
    "an unknown client redirects to redirect_uri with an error",
    REFERENCE,
)
class ConsentUnknownClientRedirects(Behaviour):
    def unknown_client_redirect(self, redirect_uri: str) -> str | None:
        return with_query_params(redirect_uri, {"error": "invalid_client"})


@fault(
    "consent-bad-redirect-redirects",
    "consent.disallowed_redirect_error",
    "a disallowed redirect_uri is redirected to with an error",
    REFERENCE,
)
class ConsentBadRedirectRedirects(Behaviour):
    def disallowed_redirect_redirect(self, redirect_uri: str) -> str | None:
        return with_query_params(redirect_uri, {"error": "invalid_request"})


# --- advisories --------------------------------------------------------------------------------


@fault("no-cache-control", "advisory.no_store", "token responses carry no Cache-Control", REFERENCE)
class NoCacheControl(Behaviour):
    cache_headers = ()


@fault("short-codes", "advisory.entropy", "codes are 8 hex characters", REFERENCE)
class ShortCodes(Behaviour):
    def new_code(self) -> str | None:
        return secrets.token_hex(4)


@fault("query-dropped", "advisory.registered_query_kept", "the registered query is replaced by ?code=", REFERENCE)
class QueryDropped(Behaviour):
    def code_location(self, redirect_uri: str, params: dict[str, str]) -> str:
        return super().code_location(redirect_uri.split("?")[0], params)


@fault("state-dropped", "advisory.state_round_trip", "state is not returned", REFERENCE)
class StateDropped(Behaviour):
    def code_redirect_params(self, code: str, state: str | None, from_form: bool) -> dict[str, str]:
        return super().code_redirect_params(code, None, from_form)


@fault(
    "replay-no-revoke",
    "advisory.replay_revokes_family",
    "replaying a rotated-out refresh token revokes nothing",
    REFERENCE,
)
class ReplayNoRevoke(Behaviour):
    def replayed(self, store: Store, row: RefreshToken) -> None:
        pass


@fault(
    "refresh-race",
    "advisory.concurrent_refresh_single_use",
    "refresh reads, waits, then rotates: racing refreshes all win",
    REFERENCE,
)
class RefreshRace(Behaviour):
    async def rotate(self, store: Store, key: str, row: RefreshToken) -> RefreshToken | None:
        if row.rotated or not self.rotates_refresh_tokens:
            return await super().rotate(store, key, row)
        await asyncio.sleep(RACE_WINDOW_S)
        store.mark_rotated(key)
        return row


@fault("redirect-307", "advisory.redirect_status", "authorize redirects with 307")
class Redirect307(Behaviour):
    redirect_status = 307
