"""The OAuth API of CONTRACT §1: authorize, exchange, refresh, and GET /v2/me.

The handlers are the reference behaviour; each step a deviation (a fault, a persona's quirk) may change is
asked of `behaviour(request)` (platform_behaviour.py has the reference steps).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .current import behaviour
from .errors import ApiError
from .http_input import authorization_value, required_string
from .keys import algorithms, keys_response
from .oauth2_api import third_party_user
from .platform_behaviour import INVALID_CLIENT
from .sessions import session_user
from .store import Store, TokenGrant, User
from .tokens import decode, token_key

NO_SESSION = "NextAuthStrategy - Authentication token is missing or invalid."
NO_AUTHENTICATION = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header "
    "or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)
ME_DEFAULTS = {"timeFormat": 12, "defaultScheduleId": None, "weekStart": "Sunday", "timeZone": "Europe/London"}


def _store(request: Request) -> Store:
    return request.app.state.store


def _authorizing_user(request: Request) -> User | None:
    """The session's user: from its cookie (or, where the behaviour takes one, a session token as Bearer)."""
    user = session_user(request)
    header = request.headers.get("authorization", "")
    if user is None and (session_token := behaviour(request).bearer_session(header)):
        user = _store(request).user_for_session(session_token)
    return user


async def authorize(request: Request) -> Response:
    store = _store(request)
    steps = behaviour(request)
    client_id = request.path_params["client_id"]
    user = _authorizing_user(request) or steps.user_without_session(store)
    if user is None:
        raise ApiError(401, NO_SESSION)
    client = store.client(client_id)
    body = steps.authorize_body(await steps.read_api_body(request), client)
    redirect_uri = required_string(body, "redirectUri")
    state = steps.authorize_state(body)
    if client is None:
        raise ApiError(400, steps.unknown_client_message(client_id))
    if not steps.redirect_allowed(redirect_uri, client.redirect_uris):
        raise ApiError(400, "Invalid 'redirect_uri' value.")
    code = steps.store_code(store, client.id, user.id, steps.new_code())
    if code is None:
        raise ApiError(400, f"User with id={user.id} has already authorized client with id={client.id}.")
    from_form = "form" in request.headers.get("content-type", "")
    location = steps.code_location(redirect_uri, steps.code_redirect_params(code, state, from_form))
    return steps.code_response(request, location, code)


async def exchange(request: Request) -> Response:
    store = _store(request)
    steps = behaviour(request)
    body = await steps.read_api_body(request)
    client_secret = required_string(body, "clientSecret")
    code = authorization_value(request)
    if not code:
        raise steps.missing_bearer(header_absent=code is None)
    client = store.client(request.path_params["client_id"])
    if client is None:
        raise steps.unknown_exchange_client()
    if not steps.exchange_secret_matches(client, client_secret):
        raise ApiError(400, INVALID_CLIENT)
    return keys_response(request, await steps.exchange_code(request, store, code, client.id))


async def refresh(request: Request) -> Response:
    store = _store(request)
    steps = behaviour(request)
    client_id = request.path_params["client_id"]
    secret = request.headers.get("x-cal-secret-key")
    if secret is None:
        raise steps.missing_secret()
    client = store.client(client_id)
    if client is None:
        raise steps.refresh_unknown_client(client_id)
    if not steps.refresh_secret_matches(client, secret):
        raise ApiError(401, "ApiAuthStrategy - oAuth client - Invalid client secret")
    body = await steps.read_api_body(request)
    refresh_token = required_string(body, "refreshToken")
    payload = decode(store.signing_key(), refresh_token, algorithms(request))
    if payload is None:
        raise steps.invalid_refresh_token()
    if payload.get("type") != "refresh_token":
        return keys_response(request, steps.refresh_with_other_token(request, store, client.id, payload, refresh_token))
    return keys_response(request, await steps.refresh_pair(request, store, client.id, refresh_token))


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
    return JSONResponse({"status": "success", "data": behaviour(request).me_data(data)})


def _platform_user(request: Request, store: Store, token: str) -> User | None:
    steps = behaviour(request)
    grant = _me_grant(request, store, token) if token else None
    if grant is None and (anyone := steps.me_user_without_grant(store)):
        return anyone
    if not token:
        raise ApiError(401, NO_AUTHENTICATION)
    if grant is None:
        raise ApiError(401, "Invalid Access Token.")
    if steps.me_token_expired(grant.expires_ms, store.now_ms()):
        raise ApiError(498, "ACCESS_TOKEN_IS_EXPIRED", details="ACCESS_TOKEN_IS_EXPIRED")
    _require_permission(store, grant.client_id, "PROFILE_READ")
    return store.user_by_id(grant.user_id)


def _me_grant(request: Request, store: Store, token: str) -> TokenGrant | None:
    """The stored access token the bearer names (expired or not), or None."""
    payload = decode(store.signing_key(), token, algorithms(request))
    if payload is None:
        return None
    if payload.get("type") != "access_token":
        return behaviour(request).me_grant_of_other_token(store, payload, token)
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
