"""Issuing a token pair (KeysResponseDto, CONTRACT §1), as exchange and refresh both do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from .behaviour import active
from .errors import UncaughtError
from .store import Store, TokenCollision, TokenGrant
from .tokens import access_token_expiry, mint, refresh_token_expiry

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def cache_headers(request: Request) -> dict[str, str]:
    """Cache-Control: no-store on every token response (CONTRACT §4), unless a deviation drops it."""
    return {} if active(request, "no-cache-control") or active(request, "without-cache-control") else dict(NO_STORE)


def algorithms(request: Request) -> list[str]:
    return ["HS512"] if active(request, "tokens-hs512") else ["HS256"]


def issue_keys(
    request: Request,
    client_id: str,
    user_id: int,
    family: str,
    from_refresh: bool,
    given_refresh_token: str | None = None,
) -> dict:
    """Mints and stores a pair; the KeysResponseDto body. A pair identical to a stored one (possible only
    without a jti) fails to store, as Cal.com's insert does: UncaughtError, nothing stored."""
    store: Store = request.app.state.store
    now = store.now_ms()
    key = store.signing_key()
    access_expires = access_token_expiry(now)
    if active(request, "access-lifetime-30-minutes"):
        access_expires -= 30 * 60_000
    if active(request, "access-lifetime-not-floored"):
        access_expires = now + 60 * 60_000
        access_expires += 1 if access_expires % 60_000 == 0 else 0
    refresh_expires = refresh_token_expiry(now, request.app.state.config.timezone)
    if active(request, "refresh-lifetime-not-floored"):
        refresh_expires += now % 86_400_000 or 1
    owner = user_id + 1000 if active(request, "tokens-wrong-owner") else user_id
    user_id_claim = from_refresh and not active(request, "refreshed-tokens-no-user-id")
    omit = ("clientId",) if active(request, "tokens-no-client-id") else ()
    algorithm = algorithms(request)[0]
    with_jti = not active(request, "tokens-without-jti")
    access = mint(key, "access_token", client_id, owner, access_expires, now, user_id_claim, omit, algorithm, with_jti)
    refresh_ = mint(
        key, "refresh_token", client_id, owner, refresh_expires, now, user_id_claim, omit, algorithm, with_jti
    )
    try:
        store.record_tokens(
            access.key, refresh_.key, TokenGrant(client_id, user_id, family, refresh_.expires_at), access.expires_at
        )
    except TokenCollision:
        raise UncaughtError("Unique constraint failed on the fields: (`secret`)") from None
    data = {
        "accessToken": access.token,
        "accessTokenExpiresAt": access.expires_at,
        "refreshToken": given_refresh_token
        if active(request, "refresh-same-refresh-token") and given_refresh_token
        else refresh_.token,
        "refreshTokenExpiresAt": refresh_.expires_at,
    }
    if active(request, "keys-missing-expiry"):
        del data["refreshTokenExpiresAt"]
    body = {"status": "success", "data": data}
    if active(request, "tokens-repeat"):
        request.app.state.first_keys.setdefault((client_id, user_id), body)
    return body


def keys_response(request: Request, body: dict) -> JSONResponse:
    return JSONResponse(body, headers=cache_headers(request))
