"""The web pages of CONTRACT §2: login and the platform consent page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .api import redirect_allowed
from .errors import ApiError
from .faults import active
from .http_input import read_body
from .redirects import with_query_params
from .sessions import SESSION_COOKIE, login_target, session_user
from .store import Store

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def compile_templates() -> None:
    """Compiles every page template now, at start, rather than on the first request for it (10-40 ms each)."""
    for name in templates.env.list_templates():
        templates.get_template(name)

PERMISSION_LABELS = {
    "EVENT_TYPE_READ": "Read your event types",
    "EVENT_TYPE_WRITE": "Create and edit your event types",
    "BOOKING_READ": "Read your bookings",
    "BOOKING_WRITE": "Create, reschedule and cancel your bookings",
    "SCHEDULE_READ": "Read your availability",
    "SCHEDULE_WRITE": "Edit your availability",
    "PROFILE_READ": "Read your profile",
}


def _store(request: Request) -> Store:
    return request.app.state.store


async def home(request: Request) -> Response:
    return templates.TemplateResponse(request, "home.html", {"user": session_user(request)})


def _login(request: Request, callback_url: str, error: str | None, status_code: int = 200, email: object = None) -> Response:
    heading = "Sign in" if active(request, "login-heading-changed") else "Welcome back"
    context = {"callback_url": callback_url, "error": error, "email": email, "heading": heading}
    return templates.TemplateResponse(request, "login.html", context, status_code=status_code)


async def login_page(request: Request) -> Response:
    return _login(request, request.query_params.get("callbackUrl", "/"), None)


async def login_submit(request: Request) -> Response:
    try:
        form = await read_body(request)
    except ApiError as error:
        return _login(request, "/", error.message, error.status)
    email, password = form.get("email"), form.get("password")
    callback_url = form.get("callbackUrl") if isinstance(form.get("callbackUrl"), str) else "/"
    user = None
    if isinstance(email, str) and isinstance(password, str):
        user = _store(request).authenticate(email, password)
    if user is None:
        message = None if active(request, "login-silent-failure") else "Email or password is incorrect."
        return _login(request, callback_url, message, 401, email)
    target = "/" if active(request, "login-ignores-callback") else login_target(request, callback_url)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, _store(request).create_session(user.id), httponly=True, samesite="lax", path="/")
    return response


async def consent_page(request: Request) -> Response:
    query = request.query_params
    user = session_user(request)
    if user is None:
        if active(request, "consent-loses-callback"):
            return RedirectResponse("/auth/login", status_code=302)
        return RedirectResponse("/auth/login?" + urlencode({"callbackUrl": str(request.url)}), status_code=302)
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    client = _store(request).client(client_id) if client_id else None
    if client is None:
        error = f"OAuth client with ID '{client_id}' not found"
        if active(request, "consent-unknown-client-redirects") and redirect_uri:
            return RedirectResponse(with_query_params(redirect_uri, {"error": "invalid_client"}), status_code=302)
    elif not redirect_allowed(request, redirect_uri, client):
        error = "Invalid 'redirect_uri' value."
        if active(request, "consent-bad-redirect-redirects") and redirect_uri:
            return RedirectResponse(with_query_params(redirect_uri, {"error": "invalid_request"}), status_code=302)
    else:
        error = None
    if error:
        return templates.TemplateResponse(request, "consent_error.html", {"error": error, "user": user}, status_code=400)
    context = {
        "client": client,
        "user": user,
        "permissions": [PERMISSION_LABELS.get(p, p) for p in client.permissions],
        "redirect_uri": redirect_uri,
        "state": query.get("state"),
        "client_name": "An application" if active(request, "consent-anonymous-client") else client.name,
        "go_back_submits": active(request, "go-back-issues-code"),
    }
    return templates.TemplateResponse(request, "consent.html", context)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/auth/login", login_page, methods=["GET"]),
    Route("/auth/login", login_submit, methods=["POST"]),
    Route("/auth/platform/authorize", consent_page, methods=["GET"]),
]
