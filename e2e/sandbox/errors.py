"""The error envelope of CONTRACT §1, as Cal.com's HTTP exception filter writes it, and the two errors Cal.com
answers without it: Nest's default body for an uncaught error, and Express's page for a body-parser error."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from .current import behaviour

EXCEPTION_NAMES = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    498: "TokenExpiredException",
    500: "InternalServerErrorException",
}
DEFAULT_DETAILS = object()
NOT_FOUND_RECORD = "Invalid Query: The requested record was not found."  # Cal.com's Prisma filter, P2025


class ApiError(Exception):
    """Raised by a handler; rendered as the envelope with its status.

    `code` replaces the exception name (Cal.com's Prisma errors carry platform codes such as NOT_FOUND);
    `details` is what Nest's exception.getResponse() would give (shown where the behaviour's error_details does; None:
    none).
    """

    def __init__(self, status: int, message: str, code: str | None = None, details: object = DEFAULT_DETAILS) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.details = details


class UncaughtError(Exception):
    """An error Cal.com does not catch (a TypeError, a failed insert): Nest's default 500 body, no envelope."""


class ExpressError(Exception):
    """An error Express's body-parser raises before Nest runs: Express's own HTML page."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def validation_error(field: str, body: dict | None = None) -> ApiError:
    """Nest's ValidationPipe refusing a body whose `field` is missing or not a string (exceptionFactory {errors})."""
    error: dict[str, object] = {
        "target": dict(body or {}),
        "property": field,
        "children": [],
        "constraints": {"isString": f"{field} must be a string"},
    }
    if body and field in body:
        error["value"] = body[field]
    return ApiError(400, "Bad Request Exception", details={"errors": [error]})


def request_path(request: Request) -> str:
    """The path and query as the client sent them (still percent-encoded; after the /api/v2 rewrite, if on)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def envelope(
    request: Request, status: int, message: str, code: str | None = None, details: object = DEFAULT_DETAILS
) -> JSONResponse:
    steps = behaviour(request)
    error: dict[str, object] = {"code": steps.error_code(status, code), "message": message}
    shown_details = steps.error_details(status, message, details)
    if shown_details is not None:
        error["details"] = shown_details
    body: dict[str, object] = {
        "status": "error",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "path": request_path(request),
        "error": error,
    }
    body = steps.envelope_body(body)
    return JSONResponse(body, status_code=status)


def error_response(request: Request, error: ApiError) -> JSONResponse:
    return envelope(request, error.status, error.message, error.code, error.details)


def nest_default_500() -> JSONResponse:
    return JSONResponse({"statusCode": 500, "message": "Internal server error"}, status_code=500)


def express_error_page(error: ExpressError) -> Response:
    """Express's final handler outside production: the error's stack in a <pre>."""
    stack = (
        f"{error.text}\n    at JSON.parse (<anonymous>)"
        "\n    at parse (/app/node_modules/body-parser/lib/types/json.js:92:19)"
    )
    shown = html.escape(stack, quote=False).replace("\n", "<br>").replace("  ", " &nbsp;")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
        f"<body>\n<pre>{shown}</pre>\n</body>\n</html>\n"
    )
    return HTMLResponse(
        page,
        status_code=error.status,
        headers={"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"},
    )


def nest_response(status: int, message: str) -> dict[str, object]:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"message": message, "error": reason, "statusCode": status}
