"""Seeds one OAuth client and one user with fresh random credentials."""

from __future__ import annotations

from .config import SandboxConfig
from .info import SandboxInfo
from .personas import PERSONAS
from .store import Store
from .support import DEFAULT_PERMISSIONS
from .tokens import new_secret_token

REDIRECT_URI = "https://app.acme.test/oauth/callback"
QUERY_REDIRECT_URI = "https://app.acme.test/oauth/callback?tenant=acme"
WILDCARD_REDIRECT_URI = "https://*.preview.acme.test/oauth/callback"


def seed(store: Store, config: SandboxConfig, admin_key: str) -> SandboxInfo:
    """A fresh user and a client holding DEFAULT_PERMISSIONS (PROFILE_READ included: GET /v2/me needs it)."""
    suffix = new_secret_token(6).lower().replace("_", "x").replace("-", "y")
    email = f"e2e-{suffix}@example.test"
    password = new_secret_token(18)
    user = store.create_user(email, password, f"e2e-{suffix}")
    client, secret = store.create_client(
        "Acme Scheduling", [REDIRECT_URI, QUERY_REDIRECT_URI, WILDCARD_REDIRECT_URI], DEFAULT_PERMISSIONS
    )
    return SandboxInfo(
        api_url=config.api_url,
        web_url=config.web_url,
        client_id=client.id,
        client_secret=secret,
        redirect_uri=REDIRECT_URI,
        user_email=email,
        user_password=password,
        user_id=user.id,
        admin_key=admin_key,
        persona=config.persona,
        imitates=PERSONAS[config.persona].imitates,
        client_name=client.name,
        extra_redirect_uris=(QUERY_REDIRECT_URI, WILDCARD_REDIRECT_URI),
    )
