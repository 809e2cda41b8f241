"""The web pages of CONTRACT §2: login (NextAuth's JavaScript sign-in, as Cal.com's) and the platform consent
page (working on the reference persona, Cal.com's static mock-up with the consent-mock-up quirk)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .api import redirect_allowed
from .behaviour import active
from .nextauth import csrf_token, set_csrf_cookie
from .redirects import with_query_params
from .sessions import session_user
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
INCORRECT = "Email or password is incorrect."  # en: incorrect_email_password
SOMETHING_WRONG = "Something went wrong."
NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html><head><title>404: This page could not be found.</title></head>"
    "<body><h1>404</h1><h2>This page could not be found.</h2></body></html>"
)


def _store(request: Request) -> Store:
    return request.app.state.store


async def home(request: Request) -> Response:
    return templates.TemplateResponse(request, "home.html", {"user": session_user(request)})


async def login_page(request: Request) -> Response:
    """Cal.com's login page. Its form has no method nor action: until the page's script takes it over
    (after --hydration-delay-ms, as React hydrates), a submit is a native GET of this page with the fields in
    the query, which is rendered again, the query ignored."""
    config = request.app.state.config
    callback_url = "/" if active(request, "login-ignores-callback") else request.query_params.get("callbackUrl", "/")
    token, cookie = csrf_token(request)
    heading_changed = active(request, "login-heading-changed")
    context = {
        "design": config.login_design,
        "heading": "Sign in" if heading_changed else "Welcome back",
        "subtitle": "Sign in to your account" if heading_changed else "Welcome back! Sign in to your account",
        "submit_text": "Continue" if config.login_design == "current" else "Sign in",
        "csrf_token": token,
        "settings": {
            "callbackUrl": callback_url,
            "hydrationDelayMs": config.hydration_delay_ms,
            "incorrect": None if active(request, "login-silent-failure") else INCORRECT,
            "somethingWrong": SOMETHING_WRONG,
        },
    }
    response = templates.TemplateResponse(request, "login.html", context)
    if cookie:
        set_csrf_cookie(response, cookie)
    return response


async def page_post(request: Request) -> Response:
    """Cal.com's middleware answers a POST to a page route (anything outside /api/) with 405."""
    return Response(status_code=405, headers={"Allow": "GET"})


async def consent_page(request: Request) -> Response:
    if active(request, "consent-mock-up"):
        return templates.TemplateResponse(request, "consent_mockup.html", {})
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
            return RedirectResponse(_with_error(redirect_uri, "invalid_client"), status_code=302)
    elif not redirect_allowed(request, redirect_uri, client):
        error = "Invalid 'redirect_uri' value."
        if active(request, "consent-bad-redirect-redirects") and redirect_uri:
            return RedirectResponse(_with_error(redirect_uri, "invalid_request"), status_code=302)
    else:
        error = None
    if error or client is None:  # (client is None only with an error)
        return templates.TemplateResponse(
            request, "consent_error.html", {"error": error, "user": user}, status_code=400
        )
    context = {
        "client": client,
        "user": user,
        "permissions": [PERMISSION_LABELS.get(p, p) for p in client.permissions],
        "redirect_uri": redirect_uri,
        "state": query.get("state"),
        "client_name": "An application" if active(request, "consent-anonymous-client") else client.name,
        "go_back_submits": active(request, "go-back-issues-code"),
        # Allow posts the form to the API's origin: a top-level POST carries the session cookie there
        # (cookies ignore ports), and the reference API reads a form body as well as JSON.
        "api_url": "" if request.app.state.config.layout == "single" else request.app.state.config.api_url,
    }
    return templates.TemplateResponse(request, "consent.html", context)


def _with_error(redirect_uri: str, error: str) -> str:
    return with_query_params(redirect_uri, {"error": error})


async def http_error(request: Request, exc: Exception) -> Response:
    """The web app's answer to a route it does not have: Next.js's 404 page."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404)
    return Response(status_code=exc.status_code, headers=exc.headers)


PAGES = [("/", home), ("/auth/login", login_page), ("/auth/platform/authorize", consent_page)]
routes = [
    *(Route(path, page, methods=["GET"]) for path, page in PAGES),
    *(Route(path, page_post, methods=["POST", "PUT", "PATCH", "DELETE"]) for path, _ in PAGES),
]
