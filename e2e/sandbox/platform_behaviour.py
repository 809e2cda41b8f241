"""The reference steps of the platform flow (CONTRACT §1-§2, every §4 advisory): the OAuth API, its error
envelope, its tokens, and the web app's login and consent pages. Each is a step a deviation may override
(behaviour.py); the handlers (api.py, keys.py, errors.py, web.py, app.py) call them."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .errors import EXCEPTION_NAMES, ApiError
from .http_input import optional_string, read_body
from .keys import issue_keys
from .redirects import is_redirect_allowed, with_query_params
from .store import Client, RefreshToken, Store, TokenGrant, User
from .tokens import access_token_expiry, new_secret_token, refresh_token_expiry, token_key

INVALID_CLIENT = "Invalid OAuth Client."
MISSING_BEARER = "Missing 'Bearer' Authorization header."
NO_SECRET = (
    "ApiAuthStrategy - Only 'x-cal-client-id' header provided. Please also provide 'x-cal-secret-key' "
    "header or Auth bearer token as 'Authentication' header"
)
INCORRECT_LOGIN = "Email or password is incorrect."  # en: incorrect_email_password
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


class PlatformBehaviour:
    # --- HTTP layer around the API (app.py) ---------------------------------------------------
    rewrites_api_v2_prefix = False  # serve /api/v2/... as /v2/...
    adds_request_id = False  # an X-Request-Id header on every API response

    async def read_api_body(self, request: Request) -> dict[str, Any]:
        """An OAuth API body: JSON or a url-encoded form (the consent page's Allow posts a form)."""
        return await read_body(request)

    def body_parser_error(self, status: int, text: str) -> Exception:
        """How a body that a JSON-only body parser refuses is answered (read_api_body overrides use it)."""
        return ApiError(status, text)

    # --- the error envelope (errors.py) -------------------------------------------------------
    def error_code(self, status: int, code: str | None) -> str:
        """error.code: the exception's name for the status, or the platform code the error carries."""
        return code or EXCEPTION_NAMES.get(status, "HttpException")

    def error_details(self, status: int, message: str, details: object) -> object | None:
        """error.details, None for none: the reference envelope has none."""
        return None

    def envelope_body(self, body: dict[str, object]) -> dict[str, object]:
        """The whole envelope, {status, timestamp, path, error}, as sent."""
        return body

    # --- authorize (CONTRACT §1.1) --------------------------------------------------------------
    def bearer_session(self, authorization: str) -> str | None:
        """A session token read from the Authorization header; the reference takes the session from its cookie only."""
        return None

    def user_without_session(self, store: Store) -> User | None:
        """Whom authorize acts for without a session: nobody (401)."""
        return None

    def authorize_body(self, body: dict[str, Any], client: Client | None) -> dict[str, Any]:
        """The authorize body as validated."""
        return body

    def authorize_state(self, body: dict[str, Any]) -> str | None:
        """The state to hand back with the code."""
        return optional_string(body, "state")

    def unknown_client_message(self, client_id: str) -> str:
        return f"OAuth client with ID '{client_id}' not found"

    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        """Exact match, or a registered `*` pattern matching the whole URI."""
        return is_redirect_allowed(candidate, registered)

    def new_code(self) -> str | None:
        """A new authorization code's value; None for the store's default (256 random bits)."""
        return None

    def store_code(self, store: Store, client_id: str, user_id: int, code: str | None) -> str | None:
        """The new pending code; None while the user holds an unexchanged one for this client."""
        return store.create_code(client_id, user_id, code)

    def code_redirect_params(self, code: str, state: str | None, from_form: bool) -> dict[str, str]:
        """The parameters added to the redirect URI: the code, and the state when one was sent."""
        return {"code": code} if state is None else {"code": code, "state": state}

    def code_location(self, redirect_uri: str, params: dict[str, str]) -> str:
        """The redirect URI with the parameters added to its own query."""
        return with_query_params(redirect_uri, params)

    redirect_status = 302

    def code_response(self, request: Request, location: str, code: str) -> Response:
        """authorize's answer: a redirect to the location, no-store."""
        return RedirectResponse(location, status_code=self.redirect_status, headers=dict(self.cache_headers))

    # --- exchange (CONTRACT §1.2) -------------------------------------------------------------
    def missing_bearer(self, header_absent: bool) -> Exception:
        """The answer when the Authorization header carries no code."""
        return ApiError(400, MISSING_BEARER)

    def unknown_exchange_client(self) -> ApiError:
        return ApiError(400, INVALID_CLIENT)

    def exchange_secret_matches(self, client: Client, secret: str) -> bool:
        return client.secret_matches(secret)

    def unknown_code(self) -> ApiError:
        """An unknown, spent or other client's code: the same answer as an unknown client."""
        return ApiError(400, INVALID_CLIENT)

    def code_client(self, client_id: str) -> str | None:
        """The client a code must belong to (None: any)."""
        return client_id

    def peek_code(self, store: Store, code: str, client_id: str) -> int | None:
        """The code's user if this client may exchange it now, without spending it."""
        return store.peek_code(code, self.code_client(client_id))

    async def spend_code(self, store: Store, code: str, client_id: str) -> int | None:
        """Spends the code in one step (of racing exchanges one wins); its user, or None."""
        return store.take_code(code, self.code_client(client_id))

    async def exchange_code(self, request: Request, store: Store, code: str, client_id: str) -> dict:
        """Spends the code, then issues the pair: the KeysResponseDto body."""
        user_id = await self.spend_code(store, code, client_id)
        if user_id is None:
            raise self.unknown_code()
        return self.exchange_pair(request, client_id, user_id)

    def exchange_pair(self, request: Request, client_id: str, user_id: int) -> dict:
        """A new pair, of a new family, for the code's user."""
        return issue_keys(request, client_id, user_id, family=new_secret_token(16), from_refresh=False)

    # --- refresh (CONTRACT §1.3) --------------------------------------------------------------
    def missing_secret(self) -> ApiError:
        return ApiError(401, NO_SECRET)

    def refresh_unknown_client(self, client_id: str) -> ApiError:
        return ApiError(401, f"ApiAuthStrategy - oAuth client - Client with ID {client_id} not found")

    def refresh_secret_matches(self, client: Client, secret: str) -> bool:
        return client.secret_matches(secret)

    def invalid_refresh_token(self) -> ApiError:
        return ApiError(400, "Invalid refresh token")

    def refresh_with_other_token(
        self, request: Request, store: Store, client_id: str, payload: dict, token: str
    ) -> dict:
        """Refresh given a valid JWT that is not a refresh token: refused."""
        raise self.invalid_refresh_token()

    def refresh_token_usable_by(self, token_client_id: str, client_id: str) -> bool:
        """A refresh token serves only the client it was issued to."""
        return token_client_id == client_id

    def token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return expires_ms <= now_ms

    def refresh_token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return self.token_expired(expires_ms, now_ms)

    rotates_refresh_tokens = True  # a refresh token works once

    def usable_refresh_token(self, store: Store, key: str, client_id: str) -> RefreshToken:
        """The stored refresh token, if this client may use it now; else the refusal is raised."""
        row = store.refresh_token(key)
        if row is None or not self.refresh_token_usable_by(row.client_id, client_id):
            raise self.invalid_refresh_token()
        if self.refresh_token_expired(row.expires_ms, store.now_ms()):
            raise self.invalid_refresh_token()
        return row

    async def refresh_pair(self, request: Request, store: Store, client_id: str, refresh_token: str) -> dict:
        """Rotates the refresh token, then issues the family's next pair."""
        key = token_key(refresh_token)
        row = self.usable_refresh_token(store, key, client_id)
        grant = await self.rotate(store, key, row)
        if grant is None:
            raise self.invalid_refresh_token()
        return issue_keys(
            request, client_id, grant.user_id, family=grant.family, from_refresh=True, given_refresh_token=refresh_token
        )

    async def rotate(self, store: Store, key: str, row: RefreshToken) -> RefreshToken | None:
        """Marks the refresh token used and returns it; a used one is a replay (None)."""
        if row.rotated:
            self.replayed(store, row)
            return None
        if not self.rotates_refresh_tokens:
            return row
        return row if store.mark_rotated(key) else None

    def replayed(self, store: Store, row: RefreshToken) -> None:
        """A rotated-out refresh token came back: its whole family is revoked (RFC 9700 §4.14.2)."""
        store.revoke_family(row.family)

    # --- token pairs (CONTRACT §1.4) ----------------------------------------------------------
    cache_headers: tuple[tuple[str, str], ...] = NO_STORE  # on authorize, exchange and refresh responses
    token_algorithm = "HS256"
    omitted_claims: tuple[str, ...] = ()
    tokens_have_jti = True

    def access_expiry(self, now_ms: int) -> int:
        return access_token_expiry(now_ms)

    def refresh_expiry(self, now_ms: int, timezone: tzinfo) -> int:
        return refresh_token_expiry(now_ms, timezone)

    def token_owner(self, user_id: int) -> int:
        """The ownerId claim."""
        return user_id

    def user_id_claim(self, from_refresh: bool) -> bool:
        """Whether the pair carries a userId claim: pairs from a refresh do."""
        return from_refresh

    def returned_refresh_token(self, minted: str, given: str | None) -> str:
        """The refresh token the response hands out: the new one."""
        return minted

    def keys_data(self, data: dict[str, object]) -> dict[str, object]:
        """KeysResponseDto's data, as sent."""
        return data

    # --- GET /v2/me (CONTRACT §1.5) -----------------------------------------------------------
    def me_grant_of_other_token(self, store: Store, payload: dict, token: str) -> TokenGrant | None:
        """The grant of a valid JWT that is not an access token: none."""
        return None

    def me_user_without_grant(self, store: Store) -> User | None:
        """Whom /v2/me answers for when no stored access token matches: nobody."""
        return None

    def me_token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return self.token_expired(expires_ms, now_ms)

    def me_data(self, data: dict[str, object]) -> dict[str, object]:
        return data

    # --- the web app's pages (CONTRACT §2) ----------------------------------------------------
    login_heading = ("Welcome back", "Welcome back! Sign in to your account")  # the older design's h1 and subtitle
    login_error: str | None = INCORRECT_LOGIN  # shown for bad credentials

    def login_callback_url(self, given: str) -> str:
        """Where the login page sends the browser after signing in: its callbackUrl."""
        return given

    def consent_page_instead(self, request: Request) -> Response | None:
        """A page served in place of the platform consent page: none, the reference serves the working page."""
        return None

    def consent_login_redirect(self, page_url: str) -> str:
        """Where the consent page sends a visitor without a session: the login page, back here after."""
        return "/auth/login?" + urlencode({"callbackUrl": page_url})

    def unknown_client_redirect(self, redirect_uri: str) -> str | None:
        """Where the consent page sends the browser for an unknown client: nowhere, it shows the error itself."""
        return None

    def disallowed_redirect_redirect(self, redirect_uri: str) -> str | None:
        """Where it sends the browser for a redirect_uri the client did not register: nowhere, it shows the error."""
        return None

    def consent_client_name(self, client: Client) -> str:
        return client.name

    go_back_submits = False  # Go back submits the consent form (instead of leaving without a code)
