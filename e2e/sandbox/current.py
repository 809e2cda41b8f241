"""The behaviour serving a request: the reference with the app's active deviations over it (behaviour.py).

A module of its own so that the reference steps (platform_behaviour.py, oauth2_behaviour.py) can use the same
helpers as the handlers without an import cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from .behaviour import Behaviour


def behaviour(request: Request) -> Behaviour:
    return request.app.state.deviations.behaviour
