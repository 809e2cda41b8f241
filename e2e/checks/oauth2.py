"""Checks of the OAuth 2.0 provider flow's responses and redirects (CONTRACT §6): RFC 6749's shapes, with the
variants Cal.com's releases answer named where they differ."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from . import require
from .redirects import TOKEN_PARAMS

ACCESS_LIFETIME_S = 1800  # OAUTH_TOKEN_EXPIRY.ACCESS_TOKEN (packages/features/oauth/lib/constants.ts)
REFRESH_LIFETIME_S = 30 * 24 * 3600  # OAUTH_TOKEN_EXPIRY.REFRESH_TOKEN


def check_oauth2_error(
    response: httpx.Response, rule_id: str, status: int | tuple[int, ...], error: str | tuple[str, ...]
) -> str:
    """RFC 6749 §5.2: the status, and a JSON object whose `error` is the expected code. Returns the code seen."""
    statuses = status if isinstance(status, tuple) else (status,)
    errors = error if isinstance(error, tuple) else (error,)
    body = _body(response)
    seen = body.get("error") if isinstance(body, dict) else None
    hint = f" (error {seen!r})" if isinstance(seen, str) else _shape(response, body)
    require(
        response.status_code in statuses,
        rule_id,
        f"expected HTTP {' or '.join(map(str, statuses))}, got {response.status_code}{hint}",
    )
    require(isinstance(body, dict), rule_id, f"the error body is not a JSON object{_shape(response, body)}")
    require(
        seen in errors,
        rule_id,
        f"error is {seen!r}, expected {' or '.join(repr(e) for e in errors)}"
        + ("" if isinstance(seen, str) else _shape(response, body)),
    )
    return str(seen)


def check_token_response(response: httpx.Response, rule_id: str) -> dict[str, Any]:
    """200 {access_token, token_type: bearer, refresh_token, expires_in: 1800} (RFC 6749 §5.1; Cal.com's route)."""
    body = _body(response)
    seen = f" (error {body.get('error')!r})" if isinstance(body, dict) and "error" in body else ""
    require(response.status_code == 200, rule_id, f"expected HTTP 200, got {response.status_code}{seen}")
    require(isinstance(body, dict), rule_id, f"the token response is not a JSON object{_shape(response, body)}")
    assert isinstance(body, dict)
    missing = [name for name in ("access_token", "refresh_token") if not isinstance(body.get(name), str)]
    require(not missing, rule_id, f"the token response lacks {', '.join(missing)}")
    token_type = body.get("token_type")
    require(
        isinstance(token_type, str) and token_type.lower() == "bearer",
        rule_id,
        f"token_type is {token_type!r}, expected 'bearer'",
    )
    require(
        body.get("expires_in") == ACCESS_LIFETIME_S,
        rule_id,
        f"expires_in is {body.get('expires_in')!r}, expected {ACCESS_LIFETIME_S}",
    )
    return body


def check_no_store(response: httpx.Response, rule_id: str) -> None:
    cache_control = [part.strip().lower() for part in response.headers.get("cache-control", "").split(",")]
    require("no-store" in cache_control, rule_id, f"Cache-Control is {response.headers.get('cache-control')!r}")
    pragma = response.headers.get("pragma", "").lower()
    require("no-cache" in pragma, rule_id, f"Pragma is {response.headers.get('pragma')!r}, expected 'no-cache'")


def check_oauth2_landing(url: str, registered_uri: str, rule_id: str) -> dict[str, list[str]]:
    """The browser landed on the registered URI (scheme, host, path; a bare origin's empty path equals '/', as
    WHATWG URL normalises it), and no token rides in the URL. Returns the landing's query parameters."""
    landed, registered = urlsplit(url), urlsplit(registered_uri)
    require(
        (landed.scheme, landed.netloc.lower(), landed.path or "/")
        == (registered.scheme, registered.netloc.lower(), registered.path or "/"),
        rule_id,
        f"landed on {landed.scheme}://{landed.netloc}{landed.path}, "
        f"expected {registered.scheme}://{registered.netloc}{registered.path}",
    )
    params = parse_qs(landed.query, keep_blank_values=True)
    leaked = [name for name in TOKEN_PARAMS if name in params] + (["#fragment"] if "token" in landed.fragment else [])
    require(not leaked, rule_id, f"the redirect URL carries a token: {', '.join(leaked)}")
    for name, registered_values in parse_qs(registered.query, keep_blank_values=True).items():
        require(
            params.get(name, [])[: len(registered_values)] == registered_values,
            rule_id,
            f"the registered URI's query parameter {name!r} was not kept",
        )
    return params


def check_error_redirect(
    url: str, registered_uri: str, rule_id: str, error: str | tuple[str, ...], *, state: str
) -> None:
    """An authorization error sent back to the app (RFC 6749 §4.1.2.1): error=..., the state sent, no code."""
    params = check_oauth2_landing(url, registered_uri, rule_id)
    errors = error if isinstance(error, tuple) else (error,)
    seen = params.get("error", [])
    require(
        len(seen) == 1 and seen[0] in errors,
        rule_id,
        f"error is {seen[0] if len(seen) == 1 else seen!r}, expected {' or '.join(errors)}",
    )
    require("code" not in params, rule_id, "the error redirect carries a code")
    require(params.get("state") == [state], rule_id, f"state came back as {params.get('state')!r}")


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _shape(response: httpx.Response, body: object) -> str:
    if body is None:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        return f" (body is not JSON: {kind})" if response.content else " (empty body)"
    if isinstance(body, dict):
        return f" (body keys: {', '.join(sorted(map(str, body))) or 'none'})"
    return f" (body is a JSON {type(body).__name__})"
