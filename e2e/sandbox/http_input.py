"""Reading request bodies and headers defensively: every bad input becomes an ApiError (4xx), or, under the
calcom persona's quirks, what Cal.com's Express layer answers instead."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from .errors import ApiError, validation_error

MAX_BODY_BYTES = 100 * 1024  # Express's body-parser default, which Cal.com's API inherits


async def _raw_body(request: Request, too_large: Exception) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request) -> dict[str, Any]:
    """The body as a dict: a JSON object or a url-encoded form; an empty body is {}."""
    raw = await _raw_body(request, ApiError(413, f"Request body is larger than the limit of {MAX_BODY_BYTES} bytes."))
    if not raw.strip():
        return {}
    media_type = _media_type(request)
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Malformed JSON in request body.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Request body must be a JSON object.")
        return data
    if media_type == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ApiError(400, "Form body is not valid UTF-8.") from None
    raise ApiError(400, f"Unsupported content type '{media_type or 'none'}': send application/json.")


async def read_json_only_body(request: Request, refused: Callable[[int, str], Exception]) -> dict[str, Any]:
    """Cal.com's API body: its JSON body-parser, other bodies left unread ({}, which validation refuses).
    `refused(status, text)` is what a body the parser refuses raises."""
    if _media_type(request) != "application/json":
        return {}
    raw = await _raw_body(request, refused(413, "request entity too large"))
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return {}
    try:
        data = _strict_json(text)
    except SyntaxError as error:
        raise refused(400, error.msg) from None
    return data if isinstance(data, dict) else {}  # an array fails validation like an empty body


def _strict_json(text: str) -> object:
    """body-parser's strict JSON.parse, with Node's messages: only an object or an array at the top."""
    stripped = text.lstrip(" \t\n\r")
    if stripped[0] not in "{[":
        raise SyntaxError(f"Unexpected token {stripped[0]} in JSON at position {len(text) - len(stripped)}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text):
            raise SyntaxError("Unexpected end of JSON input") from None
        raise SyntaxError(f"Unexpected token {text[error.pos]} in JSON at position {error.pos}") from None


def required_string(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str):
        raise validation_error(field, body)
    return value


def optional_string(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise validation_error(field, body)
    return value


def authorization_value(request: Request) -> str | None:
    """Cal.com's reading of the Authorization header: `authorization.replace("Bearer ", "").trim()`, so "Bearer"
    alone or "Basic abc" come back whole and a bare value works; None when the header is missing."""
    header = request.headers.get("authorization")
    return None if header is None else header.replace("Bearer ", "", 1).strip()
