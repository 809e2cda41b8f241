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

from .behaviour import active
from .http_input import MAX_BODY_BYTES
from .oauth2_scopes import LEGACY_PROFILE_SCOPE
from .oauth2_service import oauth2_store, redirect_registered, status_refusal
from .oauth2_store import CONFIDENTIAL, PUBLIC, AuthCode, OAuth2Client
from .oauth2_tokens import ACCESS, ACCESS_TOKEN_SECONDS, REFRESH, decode, mint_pair, pkce_matches
from .store import Store

TOKEN_HEADERS = {"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", "Pragma": "no-cache"}
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
    body = {"error": error}
    if not active(request, "oauth2-errors-without-description"):
        body["error_description"] = reason
    return JSONResponse(body, status_code=status)


def _grant_type_error(request: Request, grant_type: str | None, expected: str) -> JSONResponse | None:
    if grant_type == expected:
        return None
    if grant_type and not (
        active(request, "oauth2-grant-type-invalid-request") or active(request, "oauth2-unknown-grant-invalid-request")
    ):
        return _error(request, 400, "unsupported_grant_type", f"grant_type must be '{expected}'")
    return _error(request, 400, "invalid_request", f"grant_type must be '{expected}'")


def _client_error(
    request: Request, client: OAuth2Client | None, secret: str | None, unchecked_fault: str
) -> JSONResponse | None:
    """Client authentication: the client exists and, when confidential, the body's client_secret matches.
    unchecked_fault: the route's fault that skips the secret check."""
    if client is None:
        return _error(request, 401, "invalid_client", "client_not_found")
    secret_checked = not active(request, unchecked_fault)
    if client.client_type == CONFIDENTIAL and secret_checked and not client.secret_matches(secret):
        return _error(request, 401, "invalid_client", "invalid_client_credentials")
    return None


def _pkce_error(request: Request, client: OAuth2Client, code: AuthCode, verifier: str | None) -> JSONResponse | None:
    """`verifyPKCE`: enforced for a public client, or a code issued with a challenge."""
    if client.client_type != PUBLIC and not code.code_challenge:
        return None
    missing = _error(request, 400, "invalid_request", "pkce_missing_parameters_or_invalid_method")
    if not code.code_challenge:
        return missing
    if not verifier:
        return None if active(request, "oauth2-pkce-verifier-optional") else missing
    if active(request, "oauth2-pkce-unchecked"):
        return None
    hex_digest = active(request, "oauth2-pkce-hex-digest")
    if pkce_matches(verifier, code.code_challenge, code.code_challenge_method, hex_digest=hex_digest):
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
    a code). given_refresh: answered instead of the new refresh token (oauth2-refresh-no-rotation), nothing rotated."""
    store = _store(request)
    pair = mint_pair(
        store.signing_key(),
        client_id,
        user_id,
        scopes,
        store.now_ms(),
        access_seconds=3600 if active(request, "oauth2-access-lifetime-1h") else ACCESS_TOKEN_SECONDS,
        access_client_id=oauth2_store(request).other_client_id(client_id)
        if active(request, "oauth2-claims-wrong-client")
        else None,
        with_jti=not active(request, "oauth2-tokens-without-jti"),
    )
    if given_refresh is None:
        oauth2_store(request).rotate(pair.refresh_secret, client_id, user_id, family, pair.refresh_expires_ms)
    body: dict[str, object] = {
        "access_token": pair.access_token,
        "token_type": "bearer",
        "refresh_token": given_refresh or pair.refresh_token,
        "expires_in": ACCESS_TOKEN_SECONDS,
    }
    if exchange and active(request, "oauth2-token-without-expires-in"):
        del body["token_type"], body["expires_in"]
    headers = dict(TOKEN_HEADERS)
    if active(request, "oauth2-token-cacheable"):
        del headers["Cache-Control"], headers["Pragma"]
    return JSONResponse(body, headers=headers)


async def token(request: Request) -> Response:
    """The authorization_code grant, its checks in exchangeCodeForTokens's order (research §3.B)."""
    form = await _form(request)
    client_id, code, redirect_uri = form.get("client_id"), form.get("code"), form.get("redirect_uri")
    if not client_id or not code or not redirect_uri:
        if client_id and active(request, "oauth2-missing-code-500"):  # the service's throw, caught as any other
            return JSONResponse({"error": "error_code_exchange"}, status_code=500)
        return _error(request, 400, "invalid_request", "client_id, code and redirect_uri are required")
    refused = _grant_type_error(request, form.get("grant_type"), "authorization_code")
    if refused:
        return refused
    o2 = oauth2_store(request)
    client = o2.client(client_id)
    if client is None and active(request, "oauth2-unknown-client-400"):
        return _error(request, 400, "invalid_request", "client_not_found")
    redirect_checked = not active(request, "oauth2-token-redirect-uri-unchecked")
    if client is not None and redirect_checked and not redirect_registered(request, redirect_uri, client):
        return _error(request, 400, "invalid_grant", "redirect_uri_mismatch")
    refused = _client_error(request, client, form.get("client_secret"), "oauth2-secret-unchecked")
    if refused or client is None:
        return refused or Response(status_code=500)
    row = o2.code(code)
    if row is None and active(request, "oauth2-unknown-code-500"):
        return JSONResponse({"error": "error_code_exchange"}, status_code=500)
    reusable = active(request, "oauth2-code-reusable")
    invalid_code = _error(request, 400, "invalid_grant", "code_invalid_or_expired")
    if row is None or row.client_id != client.client_id or (row.spent and not reusable):
        return invalid_code
    if row.expires_ms <= _store(request).now_ms() and not active(request, "oauth2-code-never-expires"):
        return invalid_code
    pkce_refusal = _pkce_error(request, client, row, form.get("code_verifier"))
    keeps_code = reusable or (pkce_refusal is not None and active(request, "oauth2-pkce-failure-keeps-code"))
    # spent after the lookup, before the status and PKCE checks: their failures burn the code too (L360-386)
    if not keeps_code and not o2.spend_code(code):
        return invalid_code
    unbound = active(request, "oauth2-any-registered-redirect-uri") or active(request, "oauth2-redirect-uri-unbound")
    if redirect_checked and not unbound and row.redirect_uri != redirect_uri:
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
    refused = _client_error(request, client, form.get("client_secret"), "oauth2-refresh-secret-unchecked")
    if refused or client is None:
        return refused or Response(status_code=500)
    store = _store(request)
    payload = decode(store.signing_key(), presented, store.now_ms())
    accepted_types = (REFRESH, ACCESS) if active(request, "oauth2-refresh-accepts-access-token") else (REFRESH,)
    user_id = payload.get("userId") if payload else None
    if payload is None or payload.get("token_type") not in accepted_types or not isinstance(user_id, int):
        return _error(request, 400, "invalid_grant", "invalid_refresh_token")
    if payload.get("clientId") != client.client_id and not active(request, "oauth2-refresh-any-client"):
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
        if not row.live and not active(request, "oauth2-refresh-replay-accepted"):
            keeps_family = active(request, "oauth2-replay-spares-successor") or active(
                request, "oauth2-replay-keeps-family"
            )
            if not keeps_family:
                o2.revoke_family(row.family)
            return revoked
        if active(request, "oauth2-refresh-no-rotation"):
            return _tokens(request, client.client_id, user_id, scopes, family, given_refresh=presented)
        if row.live and not o2.retire(secret):
            return revoked  # a racing refresh spent it first
    return _tokens(request, client.client_id, user_id, scopes, family)


async def me(request: Request) -> Response:
    """201 {"username"} for an access token holding READ_PROFILE; anything else 401 {"message": "Unauthorized"}."""
    header = request.headers.get("authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    if not token or active(request, "oauth2-me-refuses-tokens"):
        return JSONResponse(UNAUTHORIZED, status_code=401)
    store = _store(request)
    signature_checked = not active(request, "oauth2-me-signature-unchecked")
    payload = decode(store.signing_key(), token, store.now_ms(), verify_signature=signature_checked)
    accepted_types = (ACCESS, REFRESH) if active(request, "oauth2-me-accepts-refresh-token") else (ACCESS,)
    if payload is None or payload.get("token_type") not in accepted_types:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    scopes = payload.get("scope")
    user_id = payload.get("userId")
    scope_checked = not active(request, "oauth2-me-ignores-scope")
    if not isinstance(user_id, int) or (scope_checked and not _has_profile_scope(scopes)):
        return JSONResponse(UNAUTHORIZED, status_code=401)
    user = store.user_by_id(user_id)
    if user is None:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    return JSONResponse({"username": user.username}, status_code=201)


def _has_profile_scope(scopes: object) -> bool:
    """`isAuthorized(token, ["READ_PROFILE"])` (packages/features/auth/lib/oAuthAuthorization.ts L15-19)."""
    return isinstance(scopes, list) and LEGACY_PROFILE_SCOPE in scopes


def _reason(message: str) -> str:
    return "client_rejected" if "rejected" in message else "client_not_approved"


routes = [
    Route("/api/auth/oauth/token", token, methods=["POST"]),
    Route("/api/auth/oauth/refreshToken", refresh_token, methods=["POST"]),
    Route("/api/auth/oauth/me", me, methods=["GET", "POST"]),
]
