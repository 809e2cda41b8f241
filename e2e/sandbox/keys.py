"""Issuing a token pair (KeysResponseDto, CONTRACT §1), as exchange and refresh both do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from .current import behaviour
from .errors import UncaughtError
from .store import Store, TokenCollision, TokenGrant
from .tokens import IssuedToken, mint


def cache_headers(request: Request) -> dict[str, str]:
    """The cache headers of every token response: no-store (CONTRACT §4)."""
    return dict(behaviour(request).cache_headers)


def algorithms(request: Request) -> list[str]:
    return [behaviour(request).token_algorithm]


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
    steps = behaviour(request)
    now = store.now_ms()
    key = store.signing_key()
    owner = steps.token_owner(user_id)
    with_user_id = steps.user_id_claim(from_refresh)

    def minted(kind: str, expires_at: int) -> IssuedToken:
        return mint(
            key,
            kind,
            client_id,
            owner,
            expires_at,
            now,
            with_user_id,
            steps.omitted_claims,
            steps.token_algorithm,
            steps.tokens_have_jti,
        )

    access = minted("access_token", steps.access_expiry(now))
    refresh_ = minted("refresh_token", steps.refresh_expiry(now, request.app.state.config.timezone))
    try:
        store.record_tokens(
            access.key, refresh_.key, TokenGrant(client_id, user_id, family, refresh_.expires_at), access.expires_at
        )
    except TokenCollision:
        raise UncaughtError("Unique constraint failed on the fields: (`secret`)") from None
    data: dict[str, object] = {
        "accessToken": access.token,
        "accessTokenExpiresAt": access.expires_at,
        "refreshToken": steps.returned_refresh_token(refresh_.token, given_refresh_token),
        "refreshTokenExpiresAt": refresh_.expires_at,
    }
    return {"status": "success", "data": steps.keys_data(data)}


def keys_response(request: Request, body: dict) -> JSONResponse:
    return JSONResponse(body, headers=cache_headers(request))
