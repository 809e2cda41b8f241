"""Checks on HTTP responses: the error envelope, error status and message, the KeysResponseDto."""

from __future__ import annotations

from datetime import datetime

import httpx

from ..client import error_message
from ..models import KeysResponseDto
from . import require

# CONTRACT §1: error.code is the NestJS exception name of the status; errors raised by Prisma carry Cal.com's
# platform codes instead, Zod's BAD_REQUEST (apps/api/v2/src/filters/prisma-exception.filter.ts, zod-exception...).
ERROR_CODES = {
    400: ("BadRequestException", "BAD_REQUEST"),
    401: ("UnauthorizedException",),
    403: ("ForbiddenException",),
    404: ("NotFoundException", "NOT_FOUND"),
    409: ("CONFLICT",),
    413: ("PayloadTooLargeException",),
    498: ("TokenExpiredException",),
    500: ("InternalServerErrorException", "INTERNAL_SERVER_ERROR"),
}
# Cal.com rewrites /api/v2/... to /v2/... before routing; the envelope's path is the rewritten one.
API_PREFIX_REWRITE = ("/api/v2/", "/v2/")


def check_error_envelope(response: httpx.Response) -> dict:
    """envelope.shape: {status: "error", timestamp: ISO-8601, path, error: {code, message}}."""
    try:
        body = response.json()
    except ValueError:
        body = None
    require(isinstance(body, dict), "envelope.shape", f"HTTP {response.status_code} body is not a JSON object")
    require(body.get("status") == "error", "envelope.shape", f"status is {body.get('status')!r}, expected 'error'")
    require(
        _is_iso8601(body.get("timestamp")), "envelope.shape", f"timestamp {body.get('timestamp')!r} is not ISO-8601"
    )
    require(
        isinstance(body.get("path"), str) and body["path"].startswith("/"),
        "envelope.shape",
        f"path {body.get('path')!r} is not the request path",
    )
    sent = _rewritten(response.request.url.raw_path.decode().split("?")[0])
    require(
        _rewritten(body["path"].split("?")[0]) == sent,
        "envelope.shape",
        f"path {body['path']!r} is not the request path {response.request.url.path!r}",
    )
    error = body.get("error")
    require(
        isinstance(error, dict) and isinstance(error.get("message"), str), "envelope.shape", "error.message is missing"
    )
    expected_codes = ERROR_CODES.get(response.status_code)
    require(
        expected_codes is None or error.get("code") in expected_codes,
        "envelope.shape",
        f"error.code is {error.get('code')!r} for HTTP {response.status_code}, expected "
        + " or ".join(repr(c) for c in expected_codes or ()),
    )
    return body


def check_error(
    response: httpx.Response, rule_id: str, status: int | tuple[int, ...], message: str | tuple[str, ...] | None = None
) -> str:
    """The rule's status and Cal.com's message (when the contract gives one), in the envelope. Where released
    Cal.com versions differ, `status` and `message` list every variant; returns the message seen."""
    statuses = status if isinstance(status, tuple) else (status,)
    require(
        response.status_code in statuses,
        rule_id,
        f"expected HTTP {' or '.join(map(str, statuses))}, got {response.status_code}" + _message_hint(response),
    )
    body = check_error_envelope(response)
    actual = body["error"]["message"]
    if message is not None:
        variants = message if isinstance(message, tuple) else (message,)
        require(
            actual in variants,
            rule_id,
            f"error.message is {actual!r}, expected {' or '.join(repr(v) for v in variants)}",
        )
    return actual


def check_keys_response(response: httpx.Response, rule_id: str) -> KeysResponseDto:
    require(
        response.status_code == 200, rule_id, f"expected HTTP 200, got {response.status_code}" + _message_hint(response)
    )
    try:
        keys = KeysResponseDto.from_json(response.json())
    except ValueError as error:
        raise_for(rule_id, f"body is not a KeysResponseDto: {error}")
    require(keys.status == "success", rule_id, f"status is {keys.status!r}, expected 'success'")
    return keys


def raise_for(rule_id: str, reason: str) -> None:
    require(False, rule_id, reason)


def _message_hint(response: httpx.Response) -> str:
    """The server's own message, to follow an unexpected status: " (message)", or what the body is instead."""
    message = error_message(response)
    if message:
        return f" ({message})"
    try:
        response.json()
    except ValueError:
        return " (body is not JSON)" if response.content else ""
    return ""


def _rewritten(path: str) -> str:
    old, new = API_PREFIX_REWRITE
    return new + path[len(old) :] if path.startswith(old) else path


def _is_iso8601(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
