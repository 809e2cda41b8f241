"""The login endpoints Cal.com's login form calls: NextAuth's credentials provider.

Cal.com's login page posts to NextAuth (`GET /api/auth/csrf`, then `POST /api/auth/callback/credentials` with
the CSRF token, email and password; `GET /api/auth/session` tells who is logged in). The sandbox's login page
does the same from its script; a client can do it over HTTP too, so API-level checks need no browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .http_input import read_body
from .sessions import SESSION_COOKIE, login_target, session_user
from .store import SESSION_LIFETIME_MS

CSRF_COOKIE = "next-auth.csrf-token"
LOGIN_ERROR = "incorrect-email-password"  # Cal.com's ErrorCode.IncorrectEmailPassword
SECOND_FACTOR_REQUIRED = "second-factor-required"  # ErrorCode.SecondFactorRequired: the form then asks for a code


def _csrf_hash(request: Request, token: str) -> str:
    return hashlib.sha256(f"{token}{request.app.state.admin_key}".encode()).hexdigest()


def csrf_token(request: Request) -> tuple[str, str | None]:
    """The CSRF token, and the cookie to set when the request's is missing or forged (NextAuth keeps a valid one)."""
    token, _, digest = request.cookies.get(CSRF_COOKIE, "").partition("|")
    if token and hmac.compare_digest(digest, _csrf_hash(request, token)):
        return token, None
    token = secrets.token_hex(32)
    return token, f"{token}|{_csrf_hash(request, token)}"


def set_csrf_cookie(response: Response, value: str) -> None:
    response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax", path="/")


async def csrf(request: Request) -> Response:
    token, cookie = csrf_token(request)
    response = JSONResponse({"csrfToken": token})
    if cookie:
        set_csrf_cookie(response, cookie)
    return response


def _csrf_valid(request: Request, submitted: object) -> bool:
    token, _, digest = request.cookies.get(CSRF_COOKIE, "").partition("|")
    return (
        isinstance(submitted, str)
        and bool(token)
        and hmac.compare_digest(token, submitted)
        and hmac.compare_digest(digest, _csrf_hash(request, token))
    )


async def credentials_callback(request: Request) -> Response:
    try:
        form = await read_body(request)
    except ApiError as error:
        return JSONResponse({"url": _error_url(request, "Configuration")}, status_code=error.status)
    wants_json = form.get("json") == "true"
    if not _csrf_valid(request, form.get("csrfToken")):
        return _answer(wants_json, _absolute(request, "/api/auth/signin?csrf=true"), 403)
    email, password = form.get("email"), form.get("password")
    user = None
    if isinstance(email, str) and isinstance(password, str):
        user = request.app.state.store.authenticate(email, password)
    if user is None:
        return _answer(wants_json, _error_url(request, LOGIN_ERROR), 401)
    if user.email in request.app.state.two_factor_emails:
        return _answer(wants_json, _error_url(request, SECOND_FACTOR_REQUIRED), 401)
    callback_url = form.get("callbackUrl")
    callback = callback_url if isinstance(callback_url, str) else "/"
    response = _answer(wants_json, _absolute(request, login_target(request, callback)), 200)
    response.set_cookie(
        SESSION_COOKIE, request.app.state.store.create_session(user.id), httponly=True, samesite="lax", path="/"
    )
    return response


async def session(request: Request) -> Response:
    user = session_user(request)
    if user is None:
        return JSONResponse({})
    expires = datetime.fromtimestamp((request.app.state.store.now_ms() + SESSION_LIFETIME_MS) / 1000, UTC)
    return JSONResponse(
        {
            "user": {"id": user.id, "email": user.email, "username": user.username},
            "expires": expires.isoformat().replace("+00:00", "Z"),
        }
    )


def _error_url(request: Request, error: str) -> str:
    return _absolute(request, f"/auth/error?error={error}")


def _absolute(request: Request, target: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{target}" if target.startswith("/") else target


def _answer(wants_json: bool, url: str, status: int) -> Response:
    """NextAuth answers `json=true` with {url}, and a plain form post with a redirect there."""
    if wants_json:
        return JSONResponse({"url": url}, status_code=status)
    return RedirectResponse(url, status_code=302)


routes = [
    Route("/api/auth/csrf", csrf, methods=["GET"]),
    Route("/api/auth/callback/credentials", credentials_callback, methods=["POST"]),
    Route("/api/auth/session", session, methods=["GET"]),
]
