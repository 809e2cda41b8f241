"""The OAuth2 provider's consent page, /auth/oauth2/authorize, and the two JSON calls its script makes.

As Cal.com's (apps/web/modules/auth/oauth2/authorize-view.tsx @ 5517f34d, "V5"), the page is client-side only:
its script asks /api/auth/session, sends a visitor without a session to the login page (location.replace, a
relative callbackUrl), asks getClientForAuthorization, renders the consent or the error, and moves the browser
with window.location.href on Allow (to the server-built redirectUrl) and on Go back (error=access_denied).
The calls stand for Cal.com's tRPC procedures at /api/trpc/oAuth/<procedure>; their shapes are the sandbox's.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .current import behaviour
from .oauth2_scopes import LEGACY_PERMISSIONS, LEGACY_SCOPES, grouped_labels, is_legacy_client, parse_scope_param
from .oauth2_service import (
    AuthorizeError,
    check_pkce_request,
    client_for_authorization,
    oauth2_store,
    redirect_with_code,
)
from .sessions import session_user
from .store import User
from .web import page_post, templates

STATUS = {"NOT_FOUND": 404, "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403}


def _user(request: Request) -> User | None:
    user = session_user(request)
    if user is None:
        user = behaviour(request).sessionless_consent_user(request.app.state.store)
    return user


def _trpc_error(message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "code": code}}, status_code=STATUS.get(code, 500))


async def authorize_page(request: Request) -> Response:
    settings = behaviour(request).authorize_page_settings()
    return templates.TemplateResponse(request, "oauth2_authorize.html", {"settings": settings})


async def get_client_for_authorization(request: Request) -> Response:
    """GET ?clientId&redirectUri&scope: the client and what the page shows, or {error: {message, code}}."""
    user = _user(request)
    if user is None:
        return _trpc_error("UNAUTHORIZED", "UNAUTHORIZED")
    steps = behaviour(request)
    query = request.query_params
    scopes = steps.requested_scopes(parse_scope_param(query.get("scope")))
    try:
        client = client_for_authorization(
            request, query.get("clientId", ""), query.get("redirectUri", ""), user.id, scopes
        )
    except AuthorizeError as error:
        return _trpc_error(error.message, error.code)
    name = steps.client_display_name(client.name)
    permissions: dict[str, Any]
    if is_legacy_client(client.scopes) and all(scope in LEGACY_SCOPES for scope in scopes):
        permissions = {"legacy": [line.format(client=name) for line in LEGACY_PERMISSIONS]}
    else:
        permissions = {"groups": grouped_labels(scopes)}
    return JSONResponse(
        {
            "client": {"clientId": client.client_id, "name": name, "logo": None, "isTrusted": client.trusted},
            "user": {"email": user.email},
            "scopes": scopes,
            "permissions": steps.permission_list(permissions),
        }
    )


async def generate_auth_code(request: Request) -> Response:
    """POST JSON {clientId, redirectUri, scopes, state?, codeChallenge?, codeChallengeMethod?}:
    {authorizationCode, redirectUrl}, or {error: {message, code}} (the page then redirects with the error)."""
    user = _user(request)
    if user is None:
        return _trpc_error("UNAUTHORIZED", "UNAUTHORIZED")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _trpc_error("Expected a JSON body", "BAD_REQUEST")  # a cross-site form cannot post here
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _trpc_error("Malformed JSON", "BAD_REQUEST")
    if not isinstance(body, dict):
        return _trpc_error("Expected a JSON object", "BAD_REQUEST")
    names = ("clientId", "redirectUri", "state", "codeChallenge", "codeChallengeMethod")
    fields = {key: body.get(key) for key in names}
    if any(value is not None and not isinstance(value, str) for value in fields.values()):
        return _trpc_error("Invalid input", "BAD_REQUEST")
    raw_scopes = body.get("scopes") or []
    if not isinstance(raw_scopes, list) or not all(isinstance(scope, str) for scope in raw_scopes):
        return _trpc_error("Invalid input", "BAD_REQUEST")
    redirect_uri = fields["redirectUri"] or ""
    scopes = behaviour(request).requested_scopes(raw_scopes)
    try:
        client = client_for_authorization(request, fields["clientId"] or "", redirect_uri, user.id, scopes)
        check_pkce_request(request, client, fields["codeChallenge"], fields["codeChallengeMethod"])
    except AuthorizeError as error:
        return _trpc_error(error.message, error.code)
    challenge = fields["codeChallenge"] or None
    code = oauth2_store(request).create_code(
        client.client_id,
        user.id,
        scopes,
        redirect_uri,
        challenge,
        fields["codeChallengeMethod"] if challenge else None,
    )
    return JSONResponse(
        {"authorizationCode": code, "redirectUrl": redirect_with_code(request, redirect_uri, code, fields["state"])}
    )


routes = [
    Route("/auth/oauth2/authorize", authorize_page, methods=["GET"]),
    Route("/auth/oauth2/authorize", page_post, methods=["POST", "PUT", "PATCH", "DELETE"]),
    Route("/api/trpc/oAuth/getClientForAuthorization", get_client_for_authorization, methods=["GET"]),
    Route("/api/trpc/oAuth/generateAuthCode", generate_auth_code, methods=["POST"]),
]
