"""Spending authorization codes at exchange, with the faults that break single use."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from .behaviour import active
from .errors import ApiError
from .store import Store

RACE_WINDOW_S = 0.05  # how long the race faults wait between reading and writing


def unknown_code(request: Request) -> ApiError:
    return ApiError(
        400, "Invalid code" if active(request, "exchange-unknown-code-message") else "Invalid OAuth Client."
    )


def _bound_client(request: Request, client_id: str) -> str | None:
    return None if active(request, "code-any-client") else client_id


def peek(request: Request, store: Store, code: str, client_id: str) -> int | None:
    """The code's user if this client may exchange it now, without spending it."""
    return store.peek_code(code, _bound_client(request, client_id), reusable_too=active(request, "code-reusable"))


async def spend(request: Request, store: Store, code: str, client_id: str) -> int | None:
    """Spends the code; its user, or None when it was not (or no longer) pending for this client."""
    if active(request, "code-reusable"):
        return store.take_code_keeping_it_usable(code, client_id)
    if active(request, "exchange-keeps-pending"):
        user_id = store.peek_code(code, client_id)
        if user_id is not None:
            store.retire_code(code)
        return user_id
    if active(request, "exchange-race"):
        user_id = store.peek_code(code, client_id)
        await asyncio.sleep(RACE_WINDOW_S)
        store.take_code(code, client_id)
        return user_id
    return store.take_code(code, _bound_client(request, client_id))
