"""Seeds one platform OAuth client, two OAuth2 provider clients and one user with fresh random credentials."""

from __future__ import annotations

from .admin_api import DEFAULT_PERMISSIONS
from .config import SandboxConfig
from .info import SandboxInfo
from .oauth2_scopes import LEGACY_PROFILE_SCOPE
from .oauth2_store import CONFIDENTIAL, PUBLIC, OAuth2Store
from .personas import PERSONAS
from .store import Store
from .tokens import new_secret_token

REDIRECT_URI = "https://app.acme.test/oauth/callback"
QUERY_REDIRECT_URI = "https://app.acme.test/oauth/callback?tenant=acme"
WILDCARD_REDIRECT_URI = "https://*.preview.acme.test/oauth/callback"
# the OAuth2 provider's clients redirect to a host that does not exist: a browser's arrival there is caught
OAUTH2_REDIRECT_URI = "https://booking-app.example/callback"
OAUTH2_OTHER_REDIRECT_URI = "https://booking-app.example/callback-2"
OAUTH2_CLIENT_NAME = "Sandbox Booking App"
OAUTH2_PUBLIC_CLIENT_NAME = "Sandbox Mobile App"


def seed(store: Store, config: SandboxConfig, admin_key: str) -> SandboxInfo:
    """A fresh user, a platform client holding DEFAULT_PERMISSIONS (PROFILE_READ included: GET /v2/me needs it),
    and two OAuth2 provider clients, APPROVED and legacy (no registered scopes, so READ_PROFILE and PROFILE_READ are
    both allowed): a confidential one and a public (PKCE) one, both registered for the same two redirect URIs."""
    suffix = new_secret_token(6).lower().replace("_", "x").replace("-", "y")
    email = f"e2e-{suffix}@example.test"
    password = new_secret_token(18)
    user = store.create_user(email, password, f"e2e-{suffix}")
    client, secret = store.create_client(
        "Acme Scheduling", [REDIRECT_URI, QUERY_REDIRECT_URI, WILDCARD_REDIRECT_URI], DEFAULT_PERMISSIONS
    )
    oauth2 = OAuth2Store(store)
    oauth2_uris = [OAUTH2_REDIRECT_URI, OAUTH2_OTHER_REDIRECT_URI]
    oauth2_client, oauth2_secret = oauth2.create_client(OAUTH2_CLIENT_NAME, oauth2_uris, CONFIDENTIAL)
    public_client, _ = oauth2.create_client(OAUTH2_PUBLIC_CLIENT_NAME, oauth2_uris, PUBLIC)
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
        oauth2_client_id=oauth2_client.client_id,
        oauth2_client_secret=oauth2_secret or "",
        oauth2_redirect_uri=OAUTH2_REDIRECT_URI,
        oauth2_other_redirect_uri=OAUTH2_OTHER_REDIRECT_URI,
        oauth2_scopes=LEGACY_PROFILE_SCOPE,
        oauth2_client_name=oauth2_client.name,
        oauth2_public_client_id=public_client.client_id,
    )
