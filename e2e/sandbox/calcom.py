"""The calcom persona's overrides of the reference handlers: how Cal.com of 2025-05-12 does these steps.

Each function is reached only when its quirk (personas.py) is active.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from . import codes
from .deviations import active
from .errors import NOT_FOUND_RECORD, ApiError
from .keys import issue_keys
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
