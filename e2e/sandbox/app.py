"""Assembles the sandbox's ASGI apps: the API (errors always the envelope, or what Cal.com answers instead) and
the web app, on two ports as in a real deployment, or one app serving both (the single layout)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import admin_api, api, nextauth, oauth2_consent, oauth2_web, openapi, web
from .config import SandboxConfig
from .deviations import ActiveDeviations
from .errors import (
    ApiError,
    ExpressError,
    UncaughtError,
    envelope,
    error_response,
    express_error_page,
    nest_default_500,
)
from .oauth2_store import OAuth2Store
from .store import Store

log = logging.getLogger(__name__)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):  # as NestJS answers a route it does not have
        return envelope(request, 404, f"Cannot {request.method} {request.url.path}")
    return envelope(request, exc.status_code, str(exc.detail))


async def _uncaught_error(request: Request, exc: Exception) -> Response:
    return nest_default_500()


async def _express_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ExpressError)
    return express_error_page(exc)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(request, 500, "Internal server error")


API_ERRORS = {
    ApiError: _api_error,
    HTTPException: _http_error,
    UncaughtError: _uncaught_error,
    ExpressError: _express_error,
    Exception: _unexpected_error,
}
WEB_ERRORS = {ApiError: _api_error, HTTPException: web.http_error, Exception: _unexpected_error}


def create_app(
    store: Store,
    admin_key: str,
    deviations: set[str] | None = None,
    config: SandboxConfig | None = None,
    role: str = "single",
    shared: dict[str, Any] | None = None,
) -> ASGIApp:
    """role "api": the API's routes; "web": the web app's; "single": both in one app (errors as the API's).
    Apps made with the same `shared` dict share their state (the active deviations)."""
    shared = (
        shared if shared is not None else {"deviations": ActiveDeviations(deviations or ()), "two_factor_emails": set()}
    )
    api_routes = [*api.routes, *openapi.routes, *admin_api.routes]
    web_routes = [*web.routes, *nextauth.routes, *oauth2_consent.routes, *oauth2_web.routes]
    routes = {"api": api_routes, "web": web_routes, "single": [*api_routes, *web_routes]}[role]
    app = Starlette(routes=routes, exception_handlers=WEB_ERRORS if role == "web" else API_ERRORS)
    app.state.store = store
    app.state.oauth2 = OAuth2Store(store)
    app.state.admin_key = admin_key
    app.state.deviations = shared["deviations"]
    app.state.config = config or SandboxConfig()
    app.state.two_factor_emails = shared.setdefault("two_factor_emails", set())  # users whose login asks a code
    web.compile_templates()
    return app if role == "web" else CalcomHttpQuirks(app, shared["deviations"])


def create_split_app(
    store: Store, admin_key: str, deviations: set[str], config: SandboxConfig, web_port: int
) -> ASGIApp:
    """One ASGI app for both listeners: the web app for connections to web_port, the API for the others."""
    shared: dict[str, Any] = {"deviations": ActiveDeviations(deviations)}
    api_app = create_app(store, admin_key, config=config, role="api", shared=shared)
    web_app = create_app(store, admin_key, config=config, role="web", shared=shared)
    return PortDispatch({web_port: web_app}, api_app)


class PortDispatch:
    """Routes each connection by the local port it came in on (scope["server"])."""

    def __init__(self, by_port: dict[int, ASGIApp], default: ASGIApp) -> None:
        self.by_port, self.default = by_port, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")  # (host, port), or None
        app = self.by_port.get(server[1], self.default) if server else self.default
        await app(scope, receive, send)


class CalcomHttpQuirks:
    """What Cal.com's Express layer may do around every API request: the /api/v2 -> /v2 rewrite and an
    X-Request-Id on every response (Behaviour.rewrites_api_v2_prefix, .adds_request_id)."""

    def __init__(self, app: ASGIApp, deviations: ActiveDeviations) -> None:
        self.app, self.deviations = app, deviations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        steps = self.deviations.behaviour
        if steps.rewrites_api_v2_prefix and scope["path"].startswith("/api/v2"):
            raw = scope.get("raw_path") or scope["path"].encode()
            scope = {
                **scope,
                "path": "/v2" + scope["path"][len("/api/v2") :],
                "raw_path": b"/v2" + raw[len(b"/api/v2") :],
            }
        if not steps.adds_request_id:
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4()).encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id)]}
            await send(message)

        await self.app(scope, receive, send_with_id)
