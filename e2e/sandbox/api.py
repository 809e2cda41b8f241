"""The OAuth API of CONTRACT §1: authorize, exchange, refresh, and GET /v2/me.

Calls to `active(request, "...")` ask for a deviation (deviations.py): a fault, or a quirk of the persona,
whose bigger steps live in calcom.py. With the reference persona and no fault on, they are all False.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import calcom, codes
from .behaviour import active, behaviour
from .errors import ApiError, UncaughtError
from .http_input import authorization_value, optional_string, read_api_body, required_string
from .keys import algorithms, cache_headers, issue_keys, keys_response
from .oauth2_api import third_party_user
from .redirects import with_query_params
from .sessions import session_user
from .store import Client, Store, TokenGrant, User
from .tokens import decode, new_secret_token, token_key

NO_SESSION = "NextAuthStrategy - Authentication token is missing or invalid."
NO_SECRET = (
    "ApiAuthStrategy - Only 'x-cal-client-id' header provided. Please also provide 'x-cal-secret-key' "
    "header or Auth bearer token as 'Authentication' header"
)
NO_AUTHENTICATION = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header "
    "or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)
ME_DEFAULTS = {"timeFormat": 12, "defaultScheduleId": None, "weekStart": "Sunday", "timeZone": "Europe/London"}


def _store(request: Request) -> Store:
    return request.app.state.store


def redirect_allowed(request: Request, candidate: str, client: Client) -> bool:
    return behaviour(request).redirect_allowed(candidate, client.redirect_uris)


def _authorizing_user(request: Request) -> User | None:
    """The session's user: its cookie, or (session-as-bearer) the session token as a Bearer header."""
    user = session_user(request)
    header = request.headers.get("authorization", "")
    if user is None and active(request, "session-as-bearer") and header.startswith("Bearer "):
        user = _store(request).user_for_session(header[len("Bearer ") :].strip())
    return user


async def authorize(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    user = _authorizing_user(request)
    if user is None and active(request, "authorize-without-session"):
        user = store.user_by_id(1)
    if user is None:
        raise ApiError(401, NO_SESSION)
    body = await read_api_body(request)
    client = store.client(client_id)
    if active(request, "authorize-default-redirect") and client and not isinstance(body.get("redirectUri"), str):
        body["redirectUri"] = client.redirect_uris[0]
    redirect_uri = required_string(body, "redirectUri")
    state = None if active(request, "authorize-drops-state") else optional_string(body, "state")
    if client is None:
        raise ApiError(
            400,
            "Client not found"
            if active(request, "authorize-unknown-client-message")
            else f"OAuth client with ID '{client_id}' not found",
        )
    if not redirect_allowed(request, redirect_uri, client):
        raise ApiError(400, "Invalid 'redirect_uri' value.")
    if active(request, "authorize-many-pending-codes"):
        code = store.replace_code(client.id, user.id, behaviour(request).new_code())
    else:
        code = store.create_code(client.id, user.id, behaviour(request).new_code())
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
    location = (
        calcom.append_code_blindly(target, code)
        if active(request, "code-appended-blindly")
        else with_query_params(target, params)
    )
    status = 307 if active(request, "redirect-307") else 302
    if active(request, "redirect-text-body"):
        return calcom.express_redirect(request, location, status, cache_headers(request))
    return RedirectResponse(location, status_code=status, headers=cache_headers(request))


async def exchange(request: Request) -> Response:
    store = _store(request)
    body = await read_api_body(request)
    client_secret = required_string(body, "clientSecret")
    code = authorization_value(request)
    if code is None and active(request, "exchange-header-crash"):
        raise UncaughtError("TypeError: Cannot read properties of undefined (reading 'replace')")
    if not code:
        raise ApiError(
            401 if active(request, "exchange-missing-bearer-401") else 400, "Missing 'Bearer' Authorization header."
        )
    client = store.client(request.path_params["client_id"])
    if client is None and active(request, "exchange-unknown-client-404"):
        raise ApiError(404, "Client not found")
    if client is None or not (client.secret_matches(client_secret) or active(request, "exchange-ignores-secret")):
        raise ApiError(400, "Invalid OAuth Client.")
    if active(request, "exchange-deletes-code-last"):
        return keys_response(request, await calcom.exchange_deleting_code_last(request, store, code, client.id))
    user_id = await codes.spend(request, store, code, client.id)
    if user_id is None:
        raise codes.unknown_code(request)
    if active(request, "tokens-repeat"):
        earlier = request.app.state.first_keys.get((client.id, user_id))
        if earlier is not None:
            return keys_response(request, earlier)
    return keys_response(
        request, issue_keys(request, client.id, user_id, family=new_secret_token(16), from_refresh=False)
    )


async def refresh(request: Request) -> Response:
    store = _store(request)
    client_id = request.path_params["client_id"]
    secret = request.headers.get("x-cal-secret-key")
    if secret is None:
        raise ApiError(400 if active(request, "refresh-missing-secret-400") else 401, NO_SECRET)
    client = store.client(client_id)
    if client is None:
        raise ApiError(
            401,
            "Unauthorized"
            if active(request, "refresh-unknown-client-message")
            else f"ApiAuthStrategy - oAuth client - Client with ID {client_id} not found",
        )
    if not client.secret_matches(secret) and not active(request, "refresh-ignores-secret"):
        raise ApiError(401, "ApiAuthStrategy - oAuth client - Invalid client secret")
    body = await read_api_body(request)
    refresh_token = required_string(body, "refreshToken")
    invalid = ApiError(401 if active(request, "refresh-unknown-token-401") else 400, "Invalid refresh token")
    payload = decode(store.signing_key(), refresh_token, algorithms(request))
    if payload is None:
        raise invalid
    if payload.get("type") == "access_token" and active(request, "refresh-accepts-access-token"):
        grant = store.access_grant(token_key(refresh_token))
        if grant is None:
            raise invalid
        return keys_response(
            request, issue_keys(request, client.id, grant.user_id, family=new_secret_token(16), from_refresh=True)
        )
    if payload.get("type") != "refresh_token":
        raise invalid
    if active(request, "refresh-deletes-token"):
        return keys_response(
            request, await calcom.refresh_deleting_token(request, store, client.id, refresh_token, invalid)
        )
    grant = await _rotate(request, store, token_key(refresh_token), client.id)
    if grant is None:
        raise invalid
    return keys_response(
        request,
        issue_keys(
            request, client.id, grant.user_id, family=grant.family, from_refresh=True, given_refresh_token=refresh_token
        ),
    )


async def _rotate(request: Request, store: Store, key: str, client_id: str) -> TokenGrant | None:
    """The refresh token's grant if it may be used now, marking it used; a replay revokes its family."""
    row = store.refresh_token(key)
    if row is None or (row.client_id != client_id and not active(request, "refresh-any-client")):
        return None
    expiry_checked = not (active(request, "refresh-ignores-expiry") or active(request, "refresh-expiry-unchecked"))
    if expiry_checked and row.expires_ms <= store.now_ms():
        return None
    if row.rotated and not active(request, "refresh-no-rotation"):
        if not active(request, "replay-no-revoke"):
            store.revoke_family(row.family)
        return None
    if active(request, "refresh-no-rotation"):
        return row
    if active(request, "refresh-race"):
        await asyncio.sleep(codes.RACE_WINDOW_S)
        store.mark_rotated(key)
        return row
    return row if store.mark_rotated(key) else None


async def me(request: Request) -> Response:
    store = _store(request)
    header = request.headers.get("authorization")
    token = "" if header is None else header.replace("Bearer ", "", 1).strip()
    # a third-party (OAuth2 provider) token has no platform client, so no PermissionsGuard: its scope is checked
    user = third_party_user(request, token) if token else None
    if user is None:
        user = _platform_user(request, store, token)
    if user is None:
        raise ApiError(401, "Invalid Access Token.")
    data: dict[str, object] = {
        "id": user.id,
        "email": user.email,
        **ME_DEFAULTS,
        "username": user.username,
        "organizationId": None,
    }
    if active(request, "me-no-username"):
        del data["username"]
    return JSONResponse({"status": "success", "data": data})


def _platform_user(request: Request, store: Store, token: str) -> User | None:
    grant = _me_grant(request, store, token) if token else None
    if grant is None and active(request, "me-accepts-any-token"):
        return store.user_by_id(1)
    if not token:
        raise ApiError(401, NO_AUTHENTICATION)
    if grant is None:
        raise ApiError(401, "Invalid Access Token.")
    if grant.expires_ms <= store.now_ms() and not active(request, "me-ignores-expiry"):
        raise ApiError(498, "ACCESS_TOKEN_IS_EXPIRED", details="ACCESS_TOKEN_IS_EXPIRED")
    _require_permission(store, grant.client_id, "PROFILE_READ")
    return store.user_by_id(grant.user_id)


def _me_grant(request: Request, store: Store, token: str) -> TokenGrant | None:
    """The stored access token the bearer names (expired or not), or None."""
    payload = decode(store.signing_key(), token, algorithms(request))
    if payload is None:
        return None
    if payload.get("type") == "refresh_token" and active(request, "me-accepts-refresh-token"):
        row = store.refresh_token(token_key(token))
        return TokenGrant(row.client_id, row.user_id, row.family, store.now_ms() + 1) if row else None
    if payload.get("type") != "access_token":
        return None
    return store.access_grant(token_key(token))


def _require_permission(store: Store, client_id: str, permission: str) -> None:
    client = store.client(client_id)
    if client is not None and permission not in client.permissions:
        raise ApiError(
            403,
            f"PermissionsGuard - oAuth client with id={client_id} does not have the required "
            f"permissions={permission}. Go to platform dashboard settings and add the required "
            "permissions to the oAuth client.",
        )


routes = [
    Route("/v2/oauth/{client_id}/authorize", authorize, methods=["POST"]),
    Route("/v2/oauth/{client_id}/exchange", exchange, methods=["POST"]),
    Route("/v2/oauth/{client_id}/refresh", refresh, methods=["POST"]),
    Route("/v2/me", me, methods=["GET"]),
]
