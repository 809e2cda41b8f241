"""Checks on HTTP responses: the error envelope, error status and message, the KeysResponseDto."""

from __future__ import annotations

from datetime import datetime

import httpx

from ..models import KeysResponseDto
from . import require

# CONTRACT §1: error.code is the NestJS exception name of the status.
EXCEPTION_NAMES = {400: "BadRequestException", 401: "UnauthorizedException", 403: "ForbiddenException",
                   404: "NotFoundException", 413: "PayloadTooLargeException", 500: "InternalServerErrorException"}


def check_error_envelope(response: httpx.Response) -> dict:
    """envelope.shape: {status: "error", timestamp: ISO-8601, path, error: {code, message}}."""
    try:
        body = response.json()
    except ValueError:
        body = None
    require(isinstance(body, dict), "envelope.shape", f"HTTP {response.status_code} body is not a JSON object")
    require(body.get("status") == "error", "envelope.shape", f"status is {body.get('status')!r}, expected 'error'")
    require(_is_iso8601(body.get("timestamp")), "envelope.shape", f"timestamp {body.get('timestamp')!r} is not ISO-8601")
    require(isinstance(body.get("path"), str) and body["path"].startswith("/"), "envelope.shape",
            f"path {body.get('path')!r} is not the request path")
    require(body["path"].split("?")[0] == response.request.url.raw_path.decode().split("?")[0], "envelope.shape",
            f"path {body['path']!r} is not the request path {response.request.url.path!r}")
    error = body.get("error")
    require(isinstance(error, dict) and isinstance(error.get("message"), str), "envelope.shape",
            "error.message is missing")
    expected_code = EXCEPTION_NAMES.get(response.status_code)
    require(expected_code is None or error.get("code") == expected_code, "envelope.shape",
            f"error.code is {error.get('code')!r} for HTTP {response.status_code}, expected {expected_code!r}")
    return body


def check_error(response: httpx.Response, rule_id: str, status: int, message: str | None = None) -> None:
    """The rule's status and Cal.com's message (when the contract gives one), in the envelope."""
    require(response.status_code == status, rule_id, f"expected HTTP {status}, got {response.status_code}"
            + _message_hint(response))
    body = check_error_envelope(response)
    if message is not None:
        actual = body["error"]["message"]
        require(actual == message, rule_id, f"error.message is {actual!r}, expected {message!r}")


def check_keys_response(response: httpx.Response, rule_id: str) -> KeysResponseDto:
    require(response.status_code == 200, rule_id, f"expected HTTP 200, got {response.status_code}" + _message_hint(response))
    try:
        keys = KeysResponseDto.from_json(response.json())
    except ValueError as error:
        raise_for(rule_id, f"body is not a KeysResponseDto: {error}")
    require(keys.status == "success", rule_id, f"status is {keys.status!r}, expected 'success'")
    return keys


def raise_for(rule_id: str, reason: str) -> None:
    require(False, rule_id, reason)


def _message_hint(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f" ({message})"


def _is_iso8601(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
