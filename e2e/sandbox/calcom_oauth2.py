"""The calcom persona's quirks of the OAuth2 provider ("Sign in with Cal.com").

The provider imitates current upstream, not the 2025-05-12 snapshot (whose own provider predates PKCE and
rotation): personas.OAUTH2_VERSION, evidence in docs/contract.md §6. Each quirk is declared on its override
(overrides.py); personas.py gathers them into the calcom persona.
"""

from __future__ import annotations

from .behaviour import Behaviour
from .oauth2_store import OAuth2Store
from .overrides import Quirk, quirks_into

OAUTH2_QUIRKS: dict[str, Quirk] = {}
quirk = quirks_into(OAUTH2_QUIRKS)


@quirk(
    "oauth2-errors-without-description",
    'the web token routes\' errors are {"error": code} only, no error_description',
    "apps/web/app/api/auth/oauth/token/route.ts @ 5b6d63e6 L54-56 (and refreshToken/route.ts)",
)
class OAuth2ErrorsWithoutDescription(Behaviour):
    def token_error_body(self, code: str, description: str) -> dict[str, str]:
        return {"error": code}


@quirk(
    "oauth2-grant-type-invalid-request",
    "an unknown grant_type is 400 invalid_request, not unsupported_grant_type",
    "apps/web/app/api/auth/oauth/token/route.ts @ 5b6d63e6 L23-25; refreshToken/route.ts L18-24",
)
class OAuth2GrantTypeInvalidRequest(Behaviour):
    unsupported_grant_type_error = "invalid_request"


@quirk(
    "oauth2-any-registered-redirect-uri",
    "a code is not bound to its redirect_uri: any URI registered for the client is accepted at exchange",
    "AccessCode has no redirectUri column (schema.prisma @ e0ef2d8d); OAuthService @ e0ef2d8d L364-367",
)
class OAuth2AnyRegisteredRedirectUri(Behaviour):
    def redirect_uri_bound(self, redirect_uri: str, code_redirect_uri: str) -> bool:
        return True


@quirk(
    "oauth2-replay-spares-successor",
    "replaying a rotated-out refresh token is 400 invalid_grant, but its successor stays valid (no family revocation)",
    "OAuthService.refreshAccessToken @ e0ef2d8d L439-446: nothing deleted on reuse",
)
class OAuth2ReplaySparesSuccessor(Behaviour):
    def refresh_replay(self, clients: OAuth2Store, family: str) -> bool:
        return True


@quirk(
    "oauth2-tokens-without-jti",
    "access tokens carry no jti: two minted for one user and client within a second are identical",
    "OAuthService.mintTokens @ e0ef2d8d L559-565",
)
class OAuth2TokensWithoutJti(Behaviour):
    access_token_jti = False
