"""GET /v2/me with a third-party (OAuth2 provider) access token, as API v2 takes one: ApiAuthStrategy's
THIRD_PARTY_ACCESS_TOKEN method (api-auth.strategy.ts @ 5b6d63e6) and OAuthPermissionsGuard (@ 58bd767a)."""

from __future__ import annotations

from starlette.requests import Request

from .current import behaviour
from .errors import ApiError
from .oauth2_scopes import PROFILE_SCOPE
from .oauth2_tokens import ACCESS, decode
from .store import Store, User


def third_party_user(request: Request, token: str) -> User | None:
    """The user of a valid third-party access token, or None when the token is not one (the caller then tries it
    as a platform token). A scoped token without PROFILE_READ: 403; legacy tokens (no scope, or READ_* only)
    bypass the scope guard."""
    store: Store = request.app.state.store
    payload = decode(store.signing_key(), token, store.now_ms())
    if payload is None or payload.get("token_type") != ACCESS or not isinstance(payload.get("userId"), int):
        return None
    scopes = payload.get("scope")
    scopes = [scope for scope in scopes if isinstance(scope, str)] if isinstance(scopes, list) else []
    if not behaviour(request).api_profile_scope_granted(scopes):
        raise ApiError(
            403,
            f"insufficient_scope: token does not have the required scopes. Required: {PROFILE_SCOPE}. "
            f"Token has: {', '.join(scopes)}",
        )
    return store.user_by_id(payload["userId"])
