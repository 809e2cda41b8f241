"""The calcom persona's quirks of the platform flow: how Cal.com of 2025-05-12 does these steps.

Each quirk is declared on its override (overrides.py); personas.py gathers them into the calcom persona.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from .behaviour import Behaviour
from .errors import DEFAULT_DETAILS, NOT_FOUND_RECORD, ApiError, ExpressError, UncaughtError, nest_response
from .http_input import read_json_only_body
from .keys import issue_keys
from .overrides import Quirk, quirks_into
from .store import Store
from .tokens import token_key
from .web import templates

# Cal.com reads, then writes, in separate database round trips: requests racing on one code or refresh token
# all read it before the first write lands (a real deployment's round trip is longer than this).
DB_ROUND_TRIP_S = 0.01
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def cuid() -> str:
    """A code shaped like Prisma's cuid(): 'c' and 24 lowercase base36 characters, here all from a CSPRNG."""
    return "c" + "".join(secrets.choice(_BASE36) for _ in range(24))


def express_redirect(request: Request, location: str, status: int, headers: dict[str, str]) -> Response:
    """Express's res.redirect(): the Location, and a body saying so (HTML for a browser, else text)."""
    phrase = HTTPStatus(status).phrase
    headers = {**headers, "Location": location, "Vary": "Accept"}
    if "text/html" in request.headers.get("accept", ""):
        shown = html.escape(location)
        return HTMLResponse(f'<p>{phrase}. Redirecting to <a href="{shown}">{shown}</a></p>', status, headers)
    return PlainTextResponse(f"{phrase}. Redirecting to {location}", status, headers)


PLATFORM_QUIRKS: dict[str, Quirk] = {}
quirk = quirks_into(PLATFORM_QUIRKS)


@quirk(
    "api-v2-prefix-rewrite",
    "requests under /api/v2/... are served as /v2/...; the envelope's path is the rewritten one",
    "apps/api/v2/src/middleware/app.rewrites.middleware.ts (on by default)",
)
class ApiV2PrefixRewrite(Behaviour):
    rewrites_api_v2_prefix = True


@quirk(
    "envelope-details",
    "error envelopes carry error.details, and every API response an X-Request-Id header",
    "filters/http-exception.filter.ts outside production; calcom-observed.md",
)
class EnvelopeDetails(Behaviour):
    adds_request_id = True

    def error_details(self, status: int, message: str, details: object) -> object | None:
        if details is None:
            return None
        return nest_response(status, message) if details is DEFAULT_DETAILS else details


@quirk(
    "json-only-body",
    "API bodies are JSON only: a form (or any other) body reads as {} and fails validation (400 'Bad Request "
    "Exception' with details.errors)",
    "main.ts bodyParser:false + JsonBodyMiddleware; calcom-observed.md run 2",
)
class JsonOnlyBody(Behaviour):
    async def read_api_body(self, request: Request) -> dict[str, Any]:
        return await read_json_only_body(request, self.body_parser_error)


@quirk(
    "body-parser-errors-html",
    "a malformed (or oversized) JSON body gets Express's HTML error page ('SyntaxError: Unexpected token ... "
    "in JSON at position N'), not the envelope",
    "JsonBodyMiddleware errors reach Express's final handler (nestjs/nest#422, #2615)",
)
class BodyParserErrorsHtml(Behaviour):
    def body_parser_error(self, status: int, text: str) -> Exception:
        name = "PayloadTooLargeError" if status == 413 else "SyntaxError"
        return ExpressError(status, f"{name}: {text}")


@quirk(
    "session-as-bearer",
    "authorize also takes the session token as 'Authorization: Bearer <session>'",
    "NextAuth getToken() reads the Authorization header too; calcom-observed.md run 2",
)
class SessionAsBearer(Behaviour):
    def bearer_session(self, authorization: str) -> str | None:
        return authorization[len("Bearer ") :].strip() if authorization.startswith("Bearer ") else None


@quirk(
    "authorize-drops-state",
    "authorize silently drops a state sent in its body",
    "ValidationPipe whitelist strips unknown fields (inputs/authorize.input.ts)",
)
class AuthorizeDropsState(Behaviour):
    def authorize_state(self, body: dict[str, Any]) -> str | None:
        return None


@quirk(
    "code-appended-blindly",
    "the code is appended as ?code= even to a redirect URI that has a query",
    "oauth-flow.controller.ts: res.redirect(`${body.redirectUri}?code=${id}`)",
)
class CodeAppendedBlindly(Behaviour):
    def code_location(self, redirect_uri: str, params: dict[str, str]) -> str:
        return f"{redirect_uri}?code={params['code']}"  # `${redirectUri}?code=${id}`: a second '?' after a query


@quirk(
    "without-cache-control",
    "authorize, exchange and refresh responses carry no Cache-Control",
    "calcom-observed.md",
)
class WithoutCacheControl(Behaviour):
    cache_headers: tuple[tuple[str, str], ...] = ()


@quirk(
    "redirect-text-body",
    "authorize's 302 has Express's text/plain body 'Found. Redirecting to <url>'",
    "Express res.redirect(); calcom-observed.md",
)
class RedirectTextBody(Behaviour):
    def code_response(self, request: Request, location: str, code: str) -> Response:
        return express_redirect(request, location, self.redirect_status, dict(self.cache_headers))


@quirk(
    "cuid-codes",
    "codes look like cuids: 'c' and 24 lowercase base36 characters (from a CSPRNG here)",
    "PlatformAuthorizationToken.id @default(cuid()); calcom-observed.md",
)
class CuidCodes(Behaviour):
    def new_code(self) -> str | None:
        return cuid()


@quirk(
    "exchange-header-crash",
    "exchange without an Authorization header answers 500 with Nest's default body, no envelope (defect)",
    "oauth-flow.controller.ts: authorization.replace(...) on undefined; calcom-observed.md",
)
class ExchangeHeaderCrash(Behaviour):
    def missing_bearer(self, header_absent: bool) -> Exception:
        if header_absent:
            return UncaughtError("TypeError: Cannot read properties of undefined (reading 'replace')")
        return super().missing_bearer(header_absent)


@quirk(
    "exchange-deletes-code-last",
    "exchange writes the tokens, then deletes the code: a racing loser that read the code gets 404 NOT_FOUND, "
    "its tokens already written (defect)",
    "oauth-flow.service.ts createOAuthTokens then invalidateAuthorizationToken; prisma-exception.filter.ts P2025",
)
class ExchangeDeletesCodeLast(Behaviour):
    async def exchange_code(self, request: Request, store: Store, code: str, client_id: str) -> dict:
        """Reads the code, writes the tokens, then deletes the code. A loser of a race that read the code
        before the winner deleted it has its tokens written, then fails the delete: 404 NOT_FOUND (Prisma
        P2025). A failed token insert (a collision, tokens-without-jti) leaves the code pending."""
        user_id = self.peek_code(store, code, client_id)
        if user_id is None:
            raise self.unknown_code()
        await asyncio.sleep(DB_ROUND_TRIP_S)
        body = self.exchange_pair(request, client_id, user_id)
        if await self.spend_code(store, code, client_id) is None:
            raise ApiError(404, NOT_FOUND_RECORD, code="NOT_FOUND", details=None)
        return body


@quirk(
    "tokens-without-jti",
    "tokens carry no jti: two pairs minted for one user and client within a second are identical and the "
    "second insert fails: 500 (Nest's default body), the code left pending, the refresh token not rotated "
    "(defect)",
    "tokens.repository.ts at 2dbbdc21; real-calcom-run.md",
)
class TokensWithoutJti(Behaviour):
    tokens_have_jti = False


@quirk(
    "refresh-expiry-unchecked",
    "a refresh token past its expiry still refreshes (defect)",
    "tokens.repository.ts refreshOAuthTokens never reads expiresAt",
)
class RefreshExpiryUnchecked(Behaviour):
    def refresh_token_expired(self, expires_ms: int, now_ms: int) -> bool:
        return False


@quirk(
    "refresh-deletes-token",
    "refresh deletes the used refresh token (and the client's expired access tokens) in one transaction: "
    "replaying it revokes nothing, racing refreshes lose with 404 NOT_FOUND",
    "tokens.repository.ts refreshOAuthTokens $transaction; prisma-exception.filter.ts P2025",
)
class RefreshDeletesToken(Behaviour):
    async def refresh_pair(self, request: Request, store: Store, client_id: str, refresh_token: str) -> dict:
        """One transaction: delete the client's expired access tokens and the used refresh token, create the
        new pair. The loser of a race fails the delete (404 NOT_FOUND); a colliding pair fails the insert
        (500); either way nothing changes. Replaying a deleted token finds nothing: nothing is revoked."""
        key = token_key(refresh_token)
        row = self.usable_refresh_token(store, key, client_id)
        await asyncio.sleep(DB_ROUND_TRIP_S)
        with store.transaction():
            store.delete_expired_access_tokens(client_id)
            if self.rotates_refresh_tokens and not store.delete_refresh_token(key):
                raise ApiError(404, NOT_FOUND_RECORD, code="NOT_FOUND", details=None)
            return issue_keys(
                request, client_id, row.user_id, family=row.family, from_refresh=True, given_refresh_token=refresh_token
            )


@quirk(
    "consent-mock-up",
    "the platform consent page is a static mock-up: 'Acme.com', hard-coded permissions, no login redirect, no "
    "errors, an Allow that does nothing, a Go back without test id (defect)",
    "apps/web/modules/auth/platform/authorize-view.tsx; calcom-pages.md",
)
class ConsentMockUp(Behaviour):
    def consent_page_instead(self, request: Request) -> Response | None:
        return templates.TemplateResponse(request, "consent_mockup.html", {})
