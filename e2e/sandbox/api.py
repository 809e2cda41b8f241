"""The OAuth API of CONTRACT §1: authorize, exchange, refresh, and GET /v2/me."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .http_input import bearer_token, optional_string, read_body, required_string
from .redirects import is_redirect_allowed, with_query_params
from .sessions import session_user
from .store import Store, TokenGrant
from .tokens import access_token_expiry, decode, mint, new_secret_token, refresh_token_expiry

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _store(request: Request) -> Store:
    return request.app.state.store


async def authorize(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    user = session_user(request)
    if user is None:
        raise ApiError(401, "Invalid Access Token.")
    body = await read_body(request)
    redirect_uri = required_string(body, "redirectUri")
    state = optional_string(body, "state")
    client = store.client(client_id)
    if client is None:
        raise ApiError(400, f"OAuth client with ID '{client_id}' not found")
    if not is_redirect_allowed(redirect_uri, client.redirect_uris):
        raise ApiError(400, "Invalid 'redirect_uri' value.")
    code = store.create_code(client.id, user.id)
    if code is None:
        raise ApiError(400, f"User with id={user.id} has already authorized client with id={client.id}.")
    params = {"code": code} if state is None else {"code": code, "state": state}
    return RedirectResponse(with_query_params(redirect_uri, params), status_code=302, headers=NO_STORE)


async def exchange(request: Request) -> Response:
    store = _store(request)
    body = await read_body(request)
    client_secret = required_string(body, "clientSecret")
    code = bearer_token(request)
    if code is None:
        raise ApiError(400, "Missing 'Bearer' Authorization header.")
    client = store.client(request.path_params["client_id"])
    if client is None or not client.secret_matches(client_secret):
        raise ApiError(400, "Invalid OAuth Client.")
    user_id = store.take_code(code, client.id)
    if user_id is None:
        raise ApiError(400, "Invalid OAuth Client.")
    return _issue_keys(store, client.id, user_id, family=new_secret_token(16), from_refresh=False)


async def refresh(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    secret = request.headers.get("x-cal-secret-key")
    if secret is None:
        raise ApiError(401, "Missing 'x-cal-secret-key' header.")
    client = store.client(client_id)
    if client is None:
        raise ApiError(401, f"Client with ID {client_id} not found")
    if not client.secret_matches(secret):
        raise ApiError(401, "Invalid client secret")
    body = await read_body(request)
    refresh_token = required_string(body, "refreshToken")
    payload = decode(store.signing_key(), refresh_token)
    if payload is None or payload.get("type") != "refresh_token" or not isinstance(payload.get("jti"), str):
        raise ApiError(400, "Invalid refresh token")
    grant = store.rotate_refresh_token(payload["jti"], client.id)
    if grant is None:
        raise ApiError(400, "Invalid refresh token")
    return _issue_keys(store, client.id, grant.user_id, family=grant.family, from_refresh=True)


async def me(request: Request) -> Response:
    store = _store(request)
    token = bearer_token(request)
    payload = decode(store.signing_key(), token) if token else None
    if payload is None or payload.get("type") != "access_token" or not isinstance(payload.get("jti"), str):
        raise ApiError(401, "Invalid Access Token.")
    grant = store.access_grant(payload["jti"])
    user = store.user_by_id(grant.user_id) if grant else None
    if user is None:
        raise ApiError(401, "Invalid Access Token.")
    return JSONResponse({"status": "success", "data": {"id": user.id, "email": user.email, "username": user.username}})


def _issue_keys(store: Store, client_id: str, user_id: int, family: str, from_refresh: bool) -> Response:
    now = store.now_ms()
    key = store.signing_key()
    access = mint(key, "access_token", client_id, user_id, access_token_expiry(now), now, from_refresh)
    refresh_ = mint(key, "refresh_token", client_id, user_id, refresh_token_expiry(now), now, from_refresh)
    store.record_tokens(access.jti, refresh_.jti, TokenGrant(client_id, user_id, family, refresh_.expires_at), access.expires_at)
    data = {
        "accessToken": access.token,
        "accessTokenExpiresAt": access.expires_at,
        "refreshToken": refresh_.token,
        "refreshTokenExpiresAt": refresh_.expires_at,
    }
    return JSONResponse({"status": "success", "data": data}, headers=NO_STORE)


routes = [
    Route("/v2/oauth/{client_id}/authorize", authorize, methods=["POST"]),
    Route("/v2/oauth/{client_id}/exchange", exchange, methods=["POST"]),
    Route("/v2/oauth/{client_id}/refresh", refresh, methods=["POST"]),
    Route("/v2/me", me, methods=["GET"]),
]
