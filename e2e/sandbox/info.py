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
    # the OAuth2 provider ("Sign in with Cal.com"): a confidential legacy client with two redirect URIs, and a
    # public (PKCE) client registered for the same URIs; "" when not seeded
    oauth2_client_id: str = ""
    oauth2_client_secret: str = field(default="", repr=False)
    oauth2_redirect_uri: str = ""
    oauth2_other_redirect_uri: str = ""
    oauth2_scopes: str = "READ_PROFILE"
    oauth2_client_name: str = ""
    oauth2_public_client_id: str = ""

    def env_block(self) -> str:
        """One NAME=value line per CONTRACT §3 variable, then the OAuth2 provider's CAL_OAUTH2_* ones."""
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
        if self.oauth2_client_id:
            lines += [
                f"CAL_OAUTH2_CLIENT_ID={self.oauth2_client_id}",
                f"CAL_OAUTH2_CLIENT_SECRET={self.oauth2_client_secret}",
                f"CAL_OAUTH2_REDIRECT_URI={self.oauth2_redirect_uri}",
                f"CAL_OAUTH2_OTHER_REDIRECT_URI={self.oauth2_other_redirect_uri}",
                f"CAL_OAUTH2_SCOPES={self.oauth2_scopes}",
            ]
        return "\n".join(lines) + "\n"
