"""The OAuth API of CONTRACT §1: authorize, exchange, refresh, and GET /v2/me.

Calls to `active(request, "...")` are fault injection (faults.py): with no fault on, they are all False.
"""

from __future__ import annotations

import asyncio
import re
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .faults import active
from .http_input import bearer_token, optional_string, read_body, required_string
from .redirects import is_redirect_allowed, with_query_params
from .sessions import session_user
from .store import Client, Store, TokenGrant
from .tokens import (
    access_token_expiry,
    decode,
    mint,
    new_secret_token,
    refresh_token_expiry,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
RACE_WINDOW_S = 0.05  # how long the race faults wait between reading and writing


def _store(request: Request) -> Store:
    return request.app.state.store


def redirect_allowed(request: Request, candidate: str, client: Client) -> bool:
    registered = client.redirect_uris
    if active(request, "redirect-prefix-match"):
        return any(candidate.startswith(uri) for uri in registered)
    if active(request, "redirect-case-folding"):
        return is_redirect_allowed(candidate.lower(), [uri.lower() for uri in registered])
    if active(request, "wildcard-ignored"):
        return candidate in registered
    if active(request, "wildcard-unanchored"):
        patterns = [".*".join(re.escape(part) for part in uri.split("*")) for uri in registered]
        return any(re.match(pattern, candidate) for pattern in patterns)
    return is_redirect_allowed(candidate, registered)


async def authorize(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    user = session_user(request)
    if user is None and active(request, "authorize-without-session"):
        user = store.user_by_id(1)
    if user is None:
        raise ApiError(401, "Invalid Access Token.")
    body = await read_body(request)
    client = store.client(client_id)
    if active(request, "authorize-default-redirect") and client and not isinstance(body.get("redirectUri"), str):
        body["redirectUri"] = client.redirect_uris[0]
    redirect_uri = required_string(body, "redirectUri")
    state = optional_string(body, "state")
    if client is None:
        raise ApiError(400, "Client not found" if active(request, "authorize-unknown-client-message")
                       else f"OAuth client with ID '{client_id}' not found")
    if not redirect_allowed(request, redirect_uri, client):
        raise ApiError(400, "Invalid 'redirect_uri' value.")
    short = secrets.token_hex(4) if active(request, "short-codes") else None
    if active(request, "authorize-many-pending-codes"):
        code = store.replace_code(client.id, user.id, short)
    else:
        code = store.create_code(client.id, user.id, short)
    if code is None:
        raise ApiError(400, f"User with id={user.id} has already authorized client with id={client.id}.")
    if active(request, "authorize-json-not-redirect"):
        return JSONResponse({"status": "success", "data": {"code": code}})
    params = {"code": code}
    if state is not None and not active(request, "state-dropped"):
        params["state"] = state
    if active(request, "consent-leaks-token") and "form" in request.headers.get("content-type", ""):
        params["access_token"] = new_secret_token()
    target = redirect_uri.split("?")[0] if active(request, "query-dropped") else redirect_uri
    status = 307 if active(request, "redirect-307") else 302
    return RedirectResponse(with_query_params(target, params), status_code=status, headers=NO_STORE)


async def exchange(request: Request) -> Response:
    store = _store(request)
    body = await read_body(request)
    client_secret = required_string(body, "clientSecret")
    code = bearer_token(request)
    if code is None:
        raise ApiError(401 if active(request, "exchange-missing-bearer-401") else 400,
                       "Missing 'Bearer' Authorization header.")
    client = store.client(request.path_params["client_id"])
    if client is None and active(request, "exchange-unknown-client-404"):
        raise ApiError(404, "Client not found")
    if client is None or not (client.secret_matches(client_secret) or active(request, "exchange-ignores-secret")):
        raise ApiError(400, "Invalid OAuth Client.")
    user_id = await _spend_code(request, store, code, client.id)
    if user_id is None:
        raise ApiError(400, "Invalid code" if active(request, "exchange-unknown-code-message") else "Invalid OAuth Client.")
    if active(request, "tokens-repeat"):
        earlier = request.app.state.first_keys.get((client.id, user_id))
        if earlier is not None:
            return JSONResponse(earlier, headers=NO_STORE)
    return _issue_keys(request, client.id, user_id, family=new_secret_token(16), from_refresh=False)


async def _spend_code(request: Request, store: Store, code: str, client_id: str) -> int | None:
    if active(request, "code-reusable"):
        return store.take_code_keeping_it_usable(code, client_id)
    if active(request, "exchange-keeps-pending"):
        user_id = store.peek_code(code, client_id)
        if user_id is not None:
            store.retire_code(code)
        return user_id
    if active(request, "exchange-race"):
        user_id = store.peek_code(code, client_id)
        await asyncio.sleep(RACE_WINDOW_S)
        store.take_code(code, client_id)
        return user_id
    return store.take_code(code, None if active(request, "code-any-client") else client_id)


async def refresh(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    secret = request.headers.get("x-cal-secret-key")
    if secret is None:
        raise ApiError(400 if active(request, "refresh-missing-secret-400") else 401, "Missing 'x-cal-secret-key' header.")
    client = store.client(client_id)
    if client is None:
        raise ApiError(401, "Unauthorized" if active(request, "refresh-unknown-client-message")
                       else f"Client with ID {client_id} not found")
    if not client.secret_matches(secret) and not active(request, "refresh-ignores-secret"):
        raise ApiError(401, "Invalid client secret")
    body = await read_body(request)
    refresh_token = required_string(body, "refreshToken")
    invalid = ApiError(401 if active(request, "refresh-unknown-token-401") else 400, "Invalid refresh token")
    payload = decode(store.signing_key(), refresh_token, _algorithms(request))
    if payload is None or not isinstance(payload.get("jti"), str):
        raise invalid
    if payload.get("type") == "access_token" and active(request, "refresh-accepts-access-token"):
        grant = store.access_grant(payload["jti"])
        if grant is None:
            raise invalid
        return _issue_keys(request, client.id, grant.user_id, family=new_secret_token(16), from_refresh=True)
    if payload.get("type") != "refresh_token":
        raise invalid
    grant = await _rotate(request, store, payload["jti"], client.id)
    if grant is None:
        raise invalid
    return _issue_keys(request, client.id, grant.user_id, family=grant.family, from_refresh=True,
                       given_refresh_token=refresh_token)


async def _rotate(request: Request, store: Store, jti: str, client_id: str) -> TokenGrant | None:
    """The refresh token's grant if it may be used now, marking it used; a replay revokes its family."""
    row = store.refresh_token(jti)
    if row is None or (row.client_id != client_id and not active(request, "refresh-any-client")):
        return None
    if row.expires_ms <= store.now_ms() and not active(request, "refresh-ignores-expiry"):
        return None
    if row.rotated and not active(request, "refresh-no-rotation"):
        if not active(request, "replay-no-revoke"):
            store.revoke_family(row.family)
        return None
    if active(request, "refresh-no-rotation"):
        return row
    if active(request, "refresh-race"):
        await asyncio.sleep(RACE_WINDOW_S)
        store.mark_rotated(jti)
        return row
    return row if store.mark_rotated(jti) else None


async def me(request: Request) -> Response:
    store = _store(request)
    token = bearer_token(request)
    payload = decode(store.signing_key(), token, _algorithms(request)) if token else None
    user = _me_user(request, store, payload)
    if user is None and active(request, "me-accepts-any-token"):
        user = store.user_by_id(1)
    if user is None:
        raise ApiError(401, "Invalid Access Token.")
    data: dict[str, object] = {"id": user.id, "email": user.email, "username": user.username}
    if active(request, "me-no-username"):
        del data["username"]
    return JSONResponse({"status": "success", "data": data})


def _me_user(request: Request, store: Store, payload: dict | None):
    if payload is None or not isinstance(payload.get("jti"), str):
        return None
    expiry_checked = not active(request, "me-ignores-expiry")
    if payload.get("type") == "refresh_token" and active(request, "me-accepts-refresh-token"):
        row = store.refresh_token(payload["jti"])
        return store.user_by_id(row.user_id) if row else None
    if payload.get("type") != "access_token":
        return None
    grant = store.access_grant(payload["jti"], check_expiry=expiry_checked)
    return store.user_by_id(grant.user_id) if grant else None


def _algorithms(request: Request) -> list[str]:
    return ["HS512"] if active(request, "tokens-hs512") else ["HS256"]


def _issue_keys(request: Request, client_id: str, user_id: int, family: str, from_refresh: bool,
                given_refresh_token: str | None = None) -> Response:
    store = _store(request)
    now = store.now_ms()
    key = store.signing_key()
    access_expires = access_token_expiry(now)
    if active(request, "access-lifetime-30-minutes"):
        access_expires -= 30 * 60_000
    if active(request, "access-lifetime-not-floored"):
        access_expires = now + 60 * 60_000
        access_expires += 1 if access_expires % 60_000 == 0 else 0
    refresh_expires = refresh_token_expiry(now)
    if active(request, "refresh-lifetime-not-floored"):
        refresh_expires += now % 86_400_000 or 1
    owner = user_id + 1000 if active(request, "tokens-wrong-owner") else user_id
    user_id_claim = from_refresh and not active(request, "refreshed-tokens-no-user-id")
    omit = ("clientId",) if active(request, "tokens-no-client-id") else ()
    algorithm = _algorithms(request)[0]
    access = mint(key, "access_token", client_id, owner, access_expires, now, user_id_claim, omit, algorithm)
    refresh_ = mint(key, "refresh_token", client_id, owner, refresh_expires, now, user_id_claim, omit, algorithm)
    store.record_tokens(access.jti, refresh_.jti, TokenGrant(client_id, user_id, family, refresh_.expires_at),
                        access.expires_at)
    data = {
        "accessToken": access.token,
        "accessTokenExpiresAt": access.expires_at,
        "refreshToken": given_refresh_token if active(request, "refresh-same-refresh-token") and given_refresh_token
        else refresh_.token,
        "refreshTokenExpiresAt": refresh_.expires_at,
    }
    if active(request, "keys-missing-expiry"):
        del data["refreshTokenExpiresAt"]
    body = {"status": "success", "data": data}
    if active(request, "tokens-repeat"):
        request.app.state.first_keys.setdefault((client_id, user_id), body)
    return JSONResponse(body, headers={} if active(request, "no-cache-control") else NO_STORE)


routes = [
    Route("/v2/oauth/{client_id}/authorize", authorize, methods=["POST"]),
    Route("/v2/oauth/{client_id}/exchange", exchange, methods=["POST"]),
    Route("/v2/oauth/{client_id}/refresh", refresh, methods=["POST"]),
    Route("/v2/me", me, methods=["GET"]),
]
