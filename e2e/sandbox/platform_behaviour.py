"""The reference steps of the platform flow (CONTRACT §1-§2, every §4 advisory): the OAuth API, its error
envelope, and the web app's login and consent pages. Each is a step a deviation may override (behaviour.py)."""

from __future__ import annotations

from .redirects import is_redirect_allowed


class PlatformBehaviour:
    def redirect_allowed(self, candidate: str, registered: list[str]) -> bool:
        """CONTRACT §1.1: exact match, or a registered `*` pattern matching the whole URI."""
        return is_redirect_allowed(candidate, registered)

    def new_code(self) -> str | None:
        """A new authorization code's value; None for the store's default (256 random bits)."""
        return None
