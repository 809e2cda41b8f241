"""The sandbox's admin API (test support) for sandbox-only tests, behind the admin key handed out at start."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .deviations import ActiveDeviations, faults_refused
from .errors import ApiError
from .faults import FAULTS
from .http_input import read_body
from .oauth2_scopes import ALL_KNOWN_SCOPES
from .oauth2_store import CONFIDENTIAL, PUBLIC, STATUSES, OAuth2Store
from .store import Store
from .tokens import new_secret_token

ADMIN_KEY_HEADER = "x-sandbox-admin-key"
DEFAULT_PERMISSIONS = ["EVENT_TYPE_READ", "EVENT_TYPE_WRITE", "BOOKING_READ", "BOOKING_WRITE", "PROFILE_READ"]


def _admin_store(request: Request) -> Store:
    given = request.headers.get(ADMIN_KEY_HEADER, "")
    if not hmac.compare_digest(given.encode(), request.app.state.admin_key.encode()):
        raise ApiError(401, f"Missing or wrong '{ADMIN_KEY_HEADER}' header.")
    return request.app.state.store


async def create_user(request: Request) -> Response:
    store = _admin_store(request)
    body = await read_body(request)
    suffix = new_secret_token(6).lower().replace("_", "x").replace("-", "y")
    email = str(body.get("email") or f"user-{suffix}@example.test").lower()
    password = str(body.get("password") or new_secret_token(18))
    username = body.get("username", f"user-{suffix}")
    user = store.create_user(email, password, username if isinstance(username, str) else None)
    if body.get("twoFactor") is True:  # the login then asks for a TOTP code (which the sandbox never accepts)
        request.app.state.two_factor_emails.add(user.email)
    return JSONResponse({"id": user.id, "email": user.email, "username": user.username, "password": password}, 201)


async def create_client(request: Request) -> Response:
    store = _admin_store(request)
    body = await read_body(request)
    redirect_uris = body.get("redirectUris")
    if not isinstance(redirect_uris, list) or not redirect_uris or not all(isinstance(u, str) for u in redirect_uris):
        raise ApiError(400, "redirectUris must be a non-empty list of strings")
    permissions = body.get("permissions", DEFAULT_PERMISSIONS)
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise ApiError(400, "permissions must be a list of strings")
    client, secret = store.create_client(str(body.get("name") or "Sandbox Test Client"), redirect_uris, permissions)
    return JSONResponse(
        {"id": client.id, "secret": secret, "name": client.name, "redirectUris": client.redirect_uris}, 201
    )


async def create_oauth2_client(request: Request) -> Response:
    """An OAuth2 provider client: {name?, redirect_uris, type? confidential|public, scopes?, status?
    APPROVED|PENDING|REJECTED, owner_id?, trusted?} -> {client_id, secret} (secret null for a public client)."""
    store = _admin_store(request)
    body = await read_body(request)
    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris or not all(isinstance(u, str) for u in redirect_uris):
        raise ApiError(400, "redirect_uris must be a non-empty list of strings")
    scopes = body.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s in ALL_KNOWN_SCOPES for s in scopes):
        raise ApiError(400, "scopes must be a list of Cal.com access scopes")
    client_type = str(body.get("type", "confidential")).upper()
    status = str(body.get("status", "APPROVED")).upper()
    owner_id = body.get("owner_id")
    if client_type not in (CONFIDENTIAL, PUBLIC) or status not in STATUSES:
        raise ApiError(400, "type must be confidential or public; status APPROVED, PENDING or REJECTED")
    if owner_id is not None and (not isinstance(owner_id, int) or isinstance(owner_id, bool)):
        raise ApiError(400, "owner_id must be a user id")
    trusted = body.get("trusted", False)
    if not isinstance(trusted, bool):
        raise ApiError(400, "trusted must be true or false")
    client, secret = OAuth2Store(store).create_client(
        str(body.get("name") or "Sandbox OAuth2 Client"), redirect_uris, client_type, scopes, status, owner_id, trusted
    )
    return JSONResponse({"client_id": client.client_id, "secret": secret}, 201)


async def shift_clock(request: Request) -> Response:
    store = _admin_store(request)
    body = await read_body(request)
    advance = body.get("advanceMs")
    if not isinstance(advance, int) or isinstance(advance, bool):
        raise ApiError(400, "advanceMs must be an integer")
    return JSONResponse({"offsetMs": store.shift_clock(advance), "nowMs": store.now_ms()})


async def set_faults(request: Request) -> Response:
    """{"enable": [...], "disable": [...]} -> the faults now on. A fault that does not apply to the persona
    is refused, as --fault refuses it; the persona's quirks cannot be turned off."""
    _admin_store(request)
    body = await read_body(request)
    deviations: ActiveDeviations = request.app.state.deviations
    persona = request.app.state.config.persona
    enable, disable = body.get("enable", []), body.get("disable", [])
    for names, key in ((enable, "enable"), (disable, "disable")):
        if not isinstance(names, list) or any(not isinstance(name, str) or name not in FAULTS for name in names):
            raise ApiError(400, f"{key} must be a list of fault names (python -m e2e.sandbox --list-faults)")
    names = (deviations.names | set(enable)) - set(disable)
    refused = faults_refused(persona, enable, names)
    if refused:
        raise ApiError(400, refused)
    deviations.set(names)
    return JSONResponse({"faults": sorted(deviations.names & set(FAULTS))})


routes = [
    Route("/__sandbox/faults", set_faults, methods=["POST"]),
    Route("/__sandbox/users", create_user, methods=["POST"]),
    Route("/__sandbox/clients", create_client, methods=["POST"]),
    Route("/__sandbox/oauth2/clients", create_oauth2_client, methods=["POST"]),
    Route("/__sandbox/clock", shift_clock, methods=["POST"]),
]
