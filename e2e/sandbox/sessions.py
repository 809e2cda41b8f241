"""The web login session: a cookie named as next-auth names Cal.com's."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from .store import User

SESSION_COOKIE = "next-auth.session-token"


def session_user(request: Request) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    return request.app.state.store.user_for_session(token) if token else None


def login_target(request: Request, target: str) -> str:
    """Where a login may send the user: callbackUrl only within this site, so login is no open redirector."""
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    if parts.scheme == request.url.scheme and parts.netloc == request.url.netloc:
        return target
    return "/"
