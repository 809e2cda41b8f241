"""The calcom persona's quirks of the platform flow: how Cal.com of 2025-05-12 does these steps.

Each quirk is declared on its override (overrides.py); personas.py gathers them into the calcom persona.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from . import codes
from .behaviour import Behaviour, active
from .errors import NOT_FOUND_RECORD, ApiError
from .keys import issue_keys
from .overrides import Quirk, quirks_into
from .store import Store
from .tokens import new_secret_token, token_key

# Cal.com reads, then writes, in separate database round trips: requests racing on one code or refresh token
# all read it before the first write lands (a real deployment's round trip is longer than this).
DB_ROUND_TRIP_S = 0.01
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def cuid() -> str:
    """A code shaped like Prisma's cuid(): 'c' and 24 lowercase base36 characters, here all from a CSPRNG."""
    return "c" + "".join(secrets.choice(_BASE36) for _ in range(24))


def append_code_blindly(redirect_uri: str, code: str) -> str:
    """`${redirectUri}?code=${id}`: a second '?' when the registered URI already has a query."""
    return f"{redirect_uri}?code={code}"


def express_redirect(request: Request, location: str, status: int, headers: dict[str, str]) -> Response:
    """Express's res.redirect(): the Location, and a body saying so (HTML for a browser, else text)."""
    phrase = HTTPStatus(status).phrase
    headers = {**headers, "Location": location, "Vary": "Accept"}
    if "text/html" in request.headers.get("accept", ""):
        shown = html.escape(location)
        return HTMLResponse(f'<p>{phrase}. Redirecting to <a href="{shown}">{shown}</a></p>', status, headers)
    return PlainTextResponse(f"{phrase}. Redirecting to {location}", status, headers)


async def exchange_deleting_code_last(request: Request, store: Store, code: str, client_id: str) -> dict:
    """Reads the code, writes the tokens, then deletes the code. A loser of a race that read the code before the
    winner deleted it has its tokens written, then fails the delete: 404 NOT_FOUND (Prisma P2025). A failed
    token insert (a collision, tokens-without-jti) leaves the code pending."""
    user_id = codes.peek(request, store, code, client_id)
    if user_id is None:
        raise codes.unknown_code(request)
    earlier = request.app.state.first_keys.get((client_id, user_id)) if active(request, "tokens-repeat") else None
    await asyncio.sleep(DB_ROUND_TRIP_S)
    body = earlier or issue_keys(request, client_id, user_id, family=new_secret_token(16), from_refresh=False)
    if await codes.spend(request, store, code, client_id) is None:
        raise ApiError(404, NOT_FOUND_RECORD, code="NOT_FOUND", details=None)
    return body


async def refresh_deleting_token(
    request: Request, store: Store, client_id: str, refresh_token: str, invalid: ApiError
) -> dict:
    """One transaction: delete the client's expired access tokens and the used refresh token, create the new
    pair. The loser of a race fails the delete (404 NOT_FOUND); a colliding pair fails the insert (500); either
    way nothing changes. Replaying a deleted token finds nothing: nothing is revoked."""
    key = token_key(refresh_token)
    row = store.refresh_token(key)
    if row is None or (row.client_id != client_id and not active(request, "refresh-any-client")):
        raise invalid
    expiry_checked = not active(request, "refresh-expiry-unchecked")
    if expiry_checked and row.expires_ms <= store.now_ms():
        raise invalid
    await asyncio.sleep(DB_ROUND_TRIP_S)
    with store.transaction():
        store.delete_expired_access_tokens(client_id)
        if not active(request, "refresh-no-rotation") and not store.delete_refresh_token(key):
            raise ApiError(404, NOT_FOUND_RECORD, code="NOT_FOUND", details=None)
        return issue_keys(
            request, client_id, row.user_id, family=row.family, from_refresh=True, given_refresh_token=refresh_token
        )


_DECLARED = (
    Quirk(
        "api-v2-prefix-rewrite",
        "requests under /api/v2/... are served as /v2/...; the envelope's path is the rewritten one",
        "apps/api/v2/src/middleware/app.rewrites.middleware.ts (on by default)",
    ),
    Quirk(
        "envelope-details",
        "error envelopes carry error.details, and every API response an X-Request-Id header",
        "filters/http-exception.filter.ts outside production; calcom-observed.md",
    ),
    Quirk(
        "json-only-body",
        "API bodies are JSON only: a form (or any other) body reads as {} and fails validation "
        "(400 'Bad Request Exception' with details.errors)",
        "main.ts bodyParser:false + JsonBodyMiddleware; calcom-observed.md run 2",
    ),
    Quirk(
        "body-parser-errors-html",
        "a malformed (or oversized) JSON body gets Express's HTML error page "
        "('SyntaxError: Unexpected token ... in JSON at position N'), not the envelope",
        "JsonBodyMiddleware errors reach Express's final handler (nestjs/nest#422, #2615)",
    ),
    Quirk(
        "session-as-bearer",
        "authorize also takes the session token as 'Authorization: Bearer <session>'",
        "NextAuth getToken() reads the Authorization header too; calcom-observed.md run 2",
    ),
    Quirk(
        "authorize-drops-state",
        "authorize silently drops a state sent in its body",
        "ValidationPipe whitelist strips unknown fields (inputs/authorize.input.ts)",
    ),
    Quirk(
        "code-appended-blindly",
        "the code is appended as ?code= even to a redirect URI that has a query",
        "oauth-flow.controller.ts: res.redirect(`${body.redirectUri}?code=${id}`)",
    ),
    Quirk(
        "without-cache-control",
        "authorize, exchange and refresh responses carry no Cache-Control",
        "calcom-observed.md",
    ),
    Quirk(
        "redirect-text-body",
        "authorize's 302 has Express's text/plain body 'Found. Redirecting to <url>'",
        "Express res.redirect(); calcom-observed.md",
    ),
    Quirk(
        "exchange-header-crash",
        "exchange without an Authorization header answers 500 with Nest's default body, no envelope (defect)",
        "oauth-flow.controller.ts: authorization.replace(...) on undefined; calcom-observed.md",
    ),
    Quirk(
        "exchange-deletes-code-last",
        "exchange writes the tokens, then deletes the code: a racing loser that read "
        "the code gets 404 NOT_FOUND, its tokens already written (defect)",
        "oauth-flow.service.ts createOAuthTokens then invalidateAuthorizationToken; prisma-exception.filter.ts P2025",
    ),
    Quirk(
        "tokens-without-jti",
        "tokens carry no jti: two pairs minted for one user and client within a second are "
        "identical and the second insert fails: 500 (Nest's default body), the code left pending, the refresh "
        "token not rotated (defect)",
        "tokens.repository.ts at 2dbbdc21; real-calcom-run.md",
    ),
    Quirk(
        "refresh-expiry-unchecked",
        "a refresh token past its expiry still refreshes (defect)",
        "tokens.repository.ts refreshOAuthTokens never reads expiresAt",
    ),
    Quirk(
        "refresh-deletes-token",
        "refresh deletes the used refresh token (and the client's expired access tokens) "
        "in one transaction: replaying it revokes nothing, racing refreshes lose with 404 NOT_FOUND",
        "tokens.repository.ts refreshOAuthTokens $transaction; prisma-exception.filter.ts P2025",
    ),
    Quirk(
        "consent-mock-up",
        "the platform consent page is a static mock-up: 'Acme.com', hard-coded permissions, no "
        "login redirect, no errors, an Allow that does nothing, a Go back without test id (defect)",
        "apps/web/modules/auth/platform/authorize-view.tsx; calcom-pages.md",
    ),
)
PLATFORM_QUIRKS: dict[str, Quirk] = {quirk.name: quirk for quirk in _DECLARED}
quirk = quirks_into(PLATFORM_QUIRKS)


@quirk(
    "cuid-codes",
    "codes look like cuids: 'c' and 24 lowercase base36 characters (from a CSPRNG here)",
    "PlatformAuthorizationToken.id @default(cuid()); calcom-observed.md",
)
class CuidCodes(Behaviour):
    def new_code(self) -> str | None:
        return cuid()
