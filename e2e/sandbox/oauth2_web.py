"""The OAuth2 provider's web-app token routes: /api/auth/oauth/token, /refreshToken and /me.

Cal.com's (apps/web/app/api/auth/oauth/{token,refreshToken}/route.ts @ 5b6d63e6, "T3"; OAuthService @ e0ef2d8d
exchangeCodeForTokens L353-405, refreshAccessToken L410-483; me/route.ts @ 03670679): form bodies only, errors
`{"error": code}` (the reference persona adds error_description, RFC 6749 §5.2), success
`{access_token, token_type: "bearer", refresh_token, expires_in: 1800}` with no-store headers.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .current import behaviour
from .http_input import MAX_BODY_BYTES
from .oauth2_behaviour import Refusal
from .oauth2_service import oauth2_store, status_refusal
from .oauth2_store import PUBLIC, AuthCode, OAuth2Client
from .oauth2_tokens import decode, mint_pair
from .store import Store

UNAUTHORIZED = {"message": "Unauthorized"}


def _store(request: Request) -> Store:
    return request.app.state.store


async def _form(request: Request) -> dict[str, str]:
    """`parseUrlFormData`: the body's text read as URLSearchParams whatever its type (a JSON body yields no field)."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return {}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


def _error(request: Request, status: int, error: str, reason: str) -> JSONResponse:
    return JSONResponse(behaviour(request).token_error_body(error, reason), status_code=status)


def _refused(refusal: Refusal) -> JSONResponse:
    status, body = refusal
    return JSONResponse(body, status_code=status)


def _grant_type_error(request: Request, grant_type: str | None, expected: str) -> JSONResponse | None:
    if grant_type == expected:
        return None
    error = behaviour(request).unsupported_grant_type_error if grant_type else "invalid_request"
    return _error(request, 400, error, f"grant_type must be '{expected}'")


def _pkce_error(request: Request, client: OAuth2Client, code: AuthCode, verifier: str | None) -> JSONResponse | None:
    """`verifyPKCE`: enforced for a public client, or a code issued with a challenge."""
    if client.client_type != PUBLIC and not code.code_challenge:
        return None
    steps = behaviour(request)
    missing = _error(request, 400, "invalid_request", "pkce_missing_parameters_or_invalid_method")
    if not code.code_challenge:
        return missing
    if not verifier:
        return missing if steps.pkce_verifier_required else None
    if steps.pkce_verifier_matches(verifier, code.code_challenge, code.code_challenge_method):
        return None
    return _error(request, 400, "invalid_grant", "pkce_verification_failed")


def _tokens(
    request: Request,
    client_id: str,
    user_id: int,
    scopes: list[str],
    family: str,
    exchange: bool = False,
    given_refresh: str | None = None,
) -> JSONResponse:
    """Mints a pair, makes its refresh secret the live one of (client, user), and answers with it (exchange: for
    a code). given_refresh: answered instead of the new refresh token, nothing rotated."""
    steps = behaviour(request)
    store = _store(request)
    o2 = oauth2_store(request)
    pair = mint_pair(
        store.signing_key(),
        client_id,
        user_id,
        scopes,
        store.now_ms(),
        access_seconds=steps.access_jwt_seconds,
        access_client_id=steps.access_token_client_id(client_id, o2),
        with_jti=steps.access_token_jti,
    )
    if given_refresh is None:
        o2.rotate(pair.refresh_secret, client_id, user_id, family, pair.refresh_expires_ms)
    refresh = given_refresh or pair.refresh_token
    body = steps.exchange_body(pair.access_token, refresh) if exchange else steps.token_body(pair.access_token, refresh)
    return JSONResponse(body, headers=dict(steps.token_headers))


async def token(request: Request) -> Response:
    """The authorization_code grant, its checks in exchangeCodeForTokens's order (research §3.B)."""
    form = await _form(request)
    steps = behaviour(request)
    client_id, code, redirect_uri = form.get("client_id"), form.get("code"), form.get("redirect_uri")
    if not client_id or not code or not redirect_uri:
        return _refused(steps.missing_parameters_refusal(client_id))
    refused = _grant_type_error(request, form.get("grant_type"), "authorization_code")
    if refused:
        return refused
    o2 = oauth2_store(request)
    client = o2.client(client_id)
    if client is None:
        status, error = steps.exchange_unknown_client_error
        return _error(request, status, error, "client_not_found")
    if not steps.exchange_redirect_uri_registered(redirect_uri, client.redirect_uris):
        return _error(request, 400, "invalid_grant", "redirect_uri_mismatch")
    if not steps.exchange_authenticates(client, form.get("client_secret")):
        return _error(request, 401, "invalid_client", "invalid_client_credentials")
    row = o2.code(code)
    if row is None:
        return _refused(steps.unknown_code_refusal())
    invalid_code = _error(request, 400, "invalid_grant", "code_invalid_or_expired")
    expired = row.expires_ms <= _store(request).now_ms()
    if row.client_id != client.client_id or not steps.code_redeemable(row.spent, expired):
        return invalid_code
    pkce_refusal = _pkce_error(request, client, row, form.get("code_verifier"))
    # spent after the lookup, before the status and PKCE checks: their failures burn the code too (L360-386)
    if steps.spends_code(pkce_refusal is not None) and not o2.spend_code(code):
        return invalid_code
    if not steps.redirect_uri_bound(redirect_uri, row.redirect_uri):
        return _error(request, 400, "invalid_grant", "redirect_uri_mismatch")
    refusal = status_refusal(client, row.user_id)
    if refusal:
        return _error(request, 401, "unauthorized_client", _reason(refusal))
    if pkce_refusal:
        return pkce_refusal
    return _tokens(request, client.client_id, row.user_id, row.scopes, secrets.token_urlsafe(16), exchange=True)


async def refresh_token(request: Request) -> Response:
    """The refresh_token grant (refreshAccessToken, research §4): rotation, one live secret per (client, user)."""
    form = await _form(request)
    steps = behaviour(request)
    client_id = form.get("client_id")
    if not client_id:
        return _error(request, 400, "invalid_request", "client_id is required")
    refused = _grant_type_error(request, form.get("grant_type"), "refresh_token")
    if refused:
        return refused
    header = request.headers.get("authorization", "")
    presented = form.get("refresh_token") or (header[len("Bearer ") :].strip() if header.startswith("Bearer ") else "")
    if not presented:
        return _error(request, 400, "invalid_request", "refresh_token is required")
    o2 = oauth2_store(request)
    client = o2.client(client_id)
    if client is None:
        return _error(request, 401, "invalid_client", "client_not_found")
    if not steps.refresh_authenticates(client, form.get("client_secret")):
        return _error(request, 401, "invalid_client", "invalid_client_credentials")
    store = _store(request)
    payload = decode(store.signing_key(), presented, store.now_ms())
    user_id = payload.get("userId") if payload else None
    if payload is None or payload.get("token_type") not in steps.refresh_token_types or not isinstance(user_id, int):
        return _error(request, 400, "invalid_grant", "invalid_refresh_token")
    if not steps.refresh_client_matches(payload.get("clientId"), client.client_id):
        return _error(request, 400, "invalid_grant", "client_id_mismatch")
    refusal = status_refusal(client, user_id)
    if refusal:
        return _error(request, 401, "unauthorized_client", _reason(refusal))
    claimed = payload.get("scope")
    scopes = [scope for scope in claimed if isinstance(scope, str)] if isinstance(claimed, list) else []
    family = secrets.token_urlsafe(16)
    secret = payload.get("secret")
    if isinstance(secret, str):  # a token without one (issued before rotation existed) is accepted once
        revoked = _error(request, 400, "invalid_grant", "refresh_token_revoked")
        row = o2.refresh_secret(secret)
        if row is None:
            return revoked
        family = row.family
        if not row.live and steps.refresh_replay(o2, row.family):
            return revoked
        if not steps.refresh_rotates:
            return _tokens(request, client.client_id, user_id, scopes, family, given_refresh=presented)
        if row.live and not o2.retire(secret):
            return revoked  # a racing refresh spent it first
    return _tokens(request, client.client_id, user_id, scopes, family)


async def me(request: Request) -> Response:
    """201 {"username"} for an access token holding READ_PROFILE; anything else 401 {"message": "Unauthorized"}."""
    header = request.headers.get("authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    if not token:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    steps = behaviour(request)
    store = _store(request)
    payload = steps.profile_token_payload(store.signing_key(), token, store.now_ms())
    if payload is None or payload.get("token_type") not in steps.profile_token_types:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    user_id = payload.get("userId")
    if not isinstance(user_id, int) or not steps.profile_scope_granted(payload.get("scope")):
        return JSONResponse(UNAUTHORIZED, status_code=401)
    user = store.user_by_id(user_id)
    if user is None:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    return JSONResponse({"username": user.username}, status_code=201)


def _reason(message: str) -> str:
    return "client_rejected" if "rejected" in message else "client_not_approved"


routes = [
    Route("/api/auth/oauth/token", token, methods=["POST"]),
    Route("/api/auth/oauth/refreshToken", refresh_token, methods=["POST"]),
    Route("/api/auth/oauth/me", me, methods=["GET", "POST"]),
]
