"""The web login session: a cookie named as next-auth names Cal.com's."""

from __future__ import annotations

from starlette.requests import Request

from .store import User

SESSION_COOKIE = "next-auth.session-token"


def session_user(request: Request) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    return request.app.state.store.user_for_session(token) if token else None
