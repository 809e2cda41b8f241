"""The harness's client for the sandbox's test-support API (admin_api.py): a second client (of the platform
OAuth flow or of the OAuth2 provider), a fresh user, the clock moved on. Sandbox-only checks use it through the
`sandbox_admin` fixture."""

from __future__ import annotations

from typing import Any

import httpx


class SandboxAdmin:
    def __init__(self, http: httpx.Client, admin_key: str) -> None:
        # imported here: admin_api.py brings the sandbox's server side (Starlette, its store: ~50 ms), which only a
        # run that uses the test-support API needs in the harness's process
        from .admin_api import ADMIN_KEY_HEADER

        self.http, self.headers = http, {ADMIN_KEY_HEADER: admin_key}

    def create_client(self, redirect_uris: list[str], name: str = "Second Client") -> dict[str, Any]:
        response = self.http.post(
            "/__sandbox/clients", json={"name": name, "redirectUris": redirect_uris}, headers=self.headers
        )
        response.raise_for_status()
        return response.json()

    def create_oauth2_client(
        self,
        redirect_uris: list[str],
        type: str = "confidential",
        scopes: list[str] | None = None,
        status: str = "APPROVED",
        name: str = "Second OAuth2 Client",
        owner_id: int | None = None,
        trusted: bool = False,
    ) -> dict[str, Any]:
        """An OAuth2 provider client (POST /__sandbox/oauth2/clients): type confidential|public, scopes Cal.com
        access scopes (None: a legacy client), status APPROVED|PENDING|REJECTED, owner_id the owning user (None:
        nobody, so a PENDING client is refused to every user), trusted: its consent page authorizes without asking.
        Returns {client_id, secret} (secret None if public)."""
        body: dict[str, Any] = {
            "name": name,
            "redirect_uris": redirect_uris,
            "type": type,
            "scopes": scopes or [],
            "status": status,
            "trusted": trusted,
        }
        if owner_id is not None:
            body["owner_id"] = owner_id
        response = self.http.post("/__sandbox/oauth2/clients", json=body, headers=self.headers)
        response.raise_for_status()
        return response.json()

    def create_user(self) -> dict[str, Any]:
        response = self.http.post("/__sandbox/users", json={}, headers=self.headers)
        response.raise_for_status()
        return response.json()

    def advance_clock(self, milliseconds: int) -> None:
        self.http.post("/__sandbox/clock", json={"advanceMs": milliseconds}, headers=self.headers).raise_for_status()
