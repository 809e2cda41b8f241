"""The error envelope of CONTRACT §1, as Cal.com's HTTP exception filter writes it."""

from __future__ import annotations

from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse

from .faults import active

EXCEPTION_NAMES = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    500: "InternalServerErrorException",
}


class ApiError(Exception):
    """Raised by a handler; rendered as the envelope with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def request_path(request: Request) -> str:
    """The path and query as the client sent them (still percent-encoded)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def envelope(request: Request, status: int, message: str) -> JSONResponse:
    body: dict[str, object] = {
        "status": "error",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "path": request_path(request),
        "error": {
            "code": "HttpException" if active(request, "envelope-generic-code") else EXCEPTION_NAMES.get(status, "HttpException"),
            "message": message,
        },
    }
    if active(request, "envelope-no-timestamp"):
        del body["timestamp"]
    return JSONResponse(body, status_code=status)
