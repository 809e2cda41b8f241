"""The web pages of CONTRACT §2: login (NextAuth's JavaScript sign-in, as Cal.com's) and the platform consent
page (the working page of the reference behaviour; the calcom persona serves Cal.com's static mock-up instead)."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .current import behaviour
from .nextauth import csrf_token, set_csrf_cookie
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
    steps = behaviour(request)
    token, cookie = csrf_token(request)
    heading, subtitle = steps.login_heading
    context = {
        "design": config.login_design,
        "heading": heading,
        "subtitle": subtitle,
        "submit_text": "Continue" if config.login_design == "current" else "Sign in",
        "csrf_token": token,
        "settings": {
            "callbackUrl": steps.login_callback_url(request.query_params.get("callbackUrl", "/")),
            "hydrationDelayMs": config.hydration_delay_ms,
            "incorrect": steps.login_error,
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
    steps = behaviour(request)
    if instead := steps.consent_page_instead(request):
        return instead
    query = request.query_params
    user = session_user(request)
    if user is None:
        return RedirectResponse(steps.consent_login_redirect(str(request.url)), status_code=302)
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    client = _store(request).client(client_id) if client_id else None
    if client is None:
        error = f"OAuth client with ID '{client_id}' not found"
        if redirect_uri and (location := steps.unknown_client_redirect(redirect_uri)):
            return RedirectResponse(location, status_code=302)
    elif not steps.redirect_allowed(redirect_uri, client.redirect_uris):
        error = "Invalid 'redirect_uri' value."
        if redirect_uri and (location := steps.disallowed_redirect_redirect(redirect_uri)):
            return RedirectResponse(location, status_code=302)
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
        "client_name": steps.consent_client_name(client),
        "go_back_submits": steps.go_back_submits,
        # Allow posts the form to the API's origin: a top-level POST carries the session cookie there
        # (cookies ignore ports), and the reference API reads a form body as well as JSON.
        "api_url": "" if request.app.state.config.layout == "single" else request.app.state.config.api_url,
    }
    return templates.TemplateResponse(request, "consent.html", context)


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
