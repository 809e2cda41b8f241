"""Assembles the sandbox ASGI app: routes, and errors that always come back as the envelope."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from . import api, nextauth, openapi, support, web
from .errors import ApiError, envelope
from .store import Store

log = logging.getLogger("e2e.sandbox")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return envelope(request, exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):  # as NestJS answers a route it does not have
        return envelope(request, 404, f"Cannot {request.method} {request.url.path}")
    return envelope(request, exc.status_code, str(exc.detail))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(request, 500, "Internal server error")


def create_app(store: Store, admin_key: str, faults: set[str] | None = None) -> Starlette:
    app = Starlette(
        routes=[*api.routes, *web.routes, *nextauth.routes, *openapi.routes, *support.routes],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected_error},
    )
    app.state.store = store
    app.state.admin_key = admin_key
    app.state.faults = set(faults or ())
    app.state.first_keys = {}  # for the tokens-repeat fault
    web.compile_templates()
    return app
