"""The calcom persona's quirks of the OAuth2 provider ("Sign in with Cal.com").

The provider imitates current upstream, not the 2025-05-12 snapshot (whose own provider predates PKCE and
rotation): personas.OAUTH2_VERSION, evidence in docs/contract.md §6. Each quirk is declared on its override
(overrides.py); personas.py gathers them into the calcom persona.
"""

from __future__ import annotations

from .overrides import Quirk

_DECLARED = (
    Quirk(
        "oauth2-errors-without-description",
        'the web token routes\' errors are {"error": code} only, no error_description',
        "apps/web/app/api/auth/oauth/token/route.ts @ 5b6d63e6 L54-56 (and refreshToken/route.ts)",
    ),
    Quirk(
        "oauth2-grant-type-invalid-request",
        "an unknown grant_type is 400 invalid_request, not unsupported_grant_type",
        "apps/web/app/api/auth/oauth/token/route.ts @ 5b6d63e6 L23-25; refreshToken/route.ts L18-24",
    ),
    Quirk(
        "oauth2-any-registered-redirect-uri",
        "a code is not bound to its redirect_uri: any URI registered for the client is accepted at exchange",
        "AccessCode has no redirectUri column (schema.prisma @ e0ef2d8d); OAuthService @ e0ef2d8d L364-367",
    ),
    Quirk(
        "oauth2-replay-spares-successor",
        "replaying a rotated-out refresh token is 400 invalid_grant, but its successor stays valid "
        "(no family revocation)",
        "OAuthService.refreshAccessToken @ e0ef2d8d L439-446: nothing deleted on reuse",
    ),
    Quirk(
        "oauth2-tokens-without-jti",
        "access tokens carry no jti: two minted for one user and client within a second are identical",
        "OAuthService.mintTokens @ e0ef2d8d L559-565",
    ),
)
OAUTH2_QUIRKS: dict[str, Quirk] = {quirk.name: quirk for quirk in _DECLARED}
