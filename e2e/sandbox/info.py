"""What a started sandbox hands out: its URLs, persona, the seeded client and user, and the admin key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SandboxInfo:
    api_url: str
    web_url: str  # the web app (login, consent page, /api/auth/*); == api_url in the single layout
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    user_email: str
    user_password: str = field(repr=False)
    user_id: int
    admin_key: str = field(repr=False)
    persona: str  # "calcom" or "reference"
    imitates: str  # the Cal.com version the persona imitates; "" for the reference persona
    client_name: str = ""
    # further redirect URIs registered for the seeded client (query-carrying, wildcard)
    extra_redirect_uris: tuple[str, ...] = ()

    def env_block(self) -> str:
        """One NAME=value line per CONTRACT §3 variable."""
        lines = [
            f"CAL_API_URL={self.api_url}",
            f"CAL_WEB_URL={self.web_url}",
            f"CAL_CLIENT_ID={self.client_id}",
            f"CAL_CLIENT_SECRET={self.client_secret}",
            f"CAL_REDIRECT_URI={self.redirect_uri}",
            f"E2E_USER_EMAIL={self.user_email}",
            f"E2E_USER_PASSWORD={self.user_password}",
            f"E2E_USER_ID={self.user_id}",
        ]
        return "\n".join(lines) + "\n"
