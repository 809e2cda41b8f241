"""Personas: the reference behaviour plus a named set of quirks, each a way Cal.com really behaves.

A quirk is a deviation like a fault (deviations.py), but one Cal.com ships: it names where Cal.com does it
(source file, or the verbatim responses in the project's research notes) instead of a harness rule it breaks.
Quirks marked (defect) are Cal.com defects the harness must recognise (CONTRACT.md).
"""

from __future__ import annotations

from dataclasses import dataclass

CALCOM_VERSION = "Cal.com API v2 and web app, upstream main of 2025-05-12 (commit 2dbbdc21)"
DEFAULT_PERSONA = "calcom"
OAUTH2_VERSION = (
    "Cal.com upstream's OAuth2 provider (consent page V5 @ 5517f34d, OAuthService @ e0ef2d8d, web token routes "
    "@ 5b6d63e6)"
)


@dataclass(frozen=True)
class Quirk:
    name: str
    description: str
    evidence: str


@dataclass(frozen=True)
class Persona:
    name: str
    imitates: str  # the Cal.com version, "" for the reference persona
    summary: str
    quirks: tuple[str, ...]


def _quirks(*quirks: Quirk) -> dict[str, Quirk]:
    return {quirk.name: quirk for quirk in quirks}


QUIRKS = _quirks(
    Quirk(
        "api-v2-prefix-rewrite",
        "requests under /api/v2/... are served as /v2/...; the envelope's path is the rewritten one",
        "apps/api/v2/src/middleware/app.rewrites.middleware.ts (on by default)",
    ),
    Quirk(
        "envelope-details",
        "error envelopes carry error.details, and every API response an X-Request-Id header",
        "filters/http-exception.filter.ts outside production; calcom-observed.md",
    ),
    Quirk(
        "json-only-body",
        "API bodies are JSON only: a form (or any other) body reads as {} and fails validation "
        "(400 'Bad Request Exception' with details.errors)",
        "main.ts bodyParser:false + JsonBodyMiddleware; calcom-observed.md run 2",
    ),
    Quirk(
        "body-parser-errors-html",
        "a malformed (or oversized) JSON body gets Express's HTML error page "
        "('SyntaxError: Unexpected token ... in JSON at position N'), not the envelope",
        "JsonBodyMiddleware errors reach Express's final handler (nestjs/nest#422, #2615)",
    ),
    Quirk(
        "session-as-bearer",
        "authorize also takes the session token as 'Authorization: Bearer <session>'",
        "NextAuth getToken() reads the Authorization header too; calcom-observed.md run 2",
    ),
    Quirk(
        "authorize-drops-state",
        "authorize silently drops a state sent in its body",
        "ValidationPipe whitelist strips unknown fields (inputs/authorize.input.ts)",
    ),
    Quirk(
        "code-appended-blindly",
        "the code is appended as ?code= even to a redirect URI that has a query",
        "oauth-flow.controller.ts: res.redirect(`${body.redirectUri}?code=${id}`)",
    ),
    Quirk(
        "without-cache-control",
        "authorize, exchange and refresh responses carry no Cache-Control",
        "calcom-observed.md",
    ),
    Quirk(
        "redirect-text-body",
        "authorize's 302 has Express's text/plain body 'Found. Redirecting to <url>'",
        "Express res.redirect(); calcom-observed.md",
    ),
    Quirk(
        "cuid-codes",
        "codes look like cuids: 'c' and 24 lowercase base36 characters (from a CSPRNG here)",
        "PlatformAuthorizationToken.id @default(cuid()); calcom-observed.md",
    ),
    Quirk(
        "exchange-header-crash",
        "exchange without an Authorization header answers 500 with Nest's default body, no envelope (defect)",
        "oauth-flow.controller.ts: authorization.replace(...) on undefined; calcom-observed.md",
    ),
    Quirk(
        "exchange-deletes-code-last",
        "exchange writes the tokens, then deletes the code: a racing loser that read "
        "the code gets 404 NOT_FOUND, its tokens already written (defect)",
        "oauth-flow.service.ts createOAuthTokens then invalidateAuthorizationToken; prisma-exception.filter.ts P2025",
    ),
    Quirk(
        "tokens-without-jti",
        "tokens carry no jti: two pairs minted for one user and client within a second are "
        "identical and the second insert fails: 500 (Nest's default body), the code left pending, the refresh "
        "token not rotated (defect)",
        "tokens.repository.ts at 2dbbdc21; real-calcom-run.md",
    ),
    Quirk(
        "refresh-expiry-unchecked",
        "a refresh token past its expiry still refreshes (defect)",
        "tokens.repository.ts refreshOAuthTokens never reads expiresAt",
    ),
    Quirk(
        "refresh-deletes-token",
        "refresh deletes the used refresh token (and the client's expired access tokens) "
        "in one transaction: replaying it revokes nothing, racing refreshes lose with 404 NOT_FOUND",
        "tokens.repository.ts refreshOAuthTokens $transaction; prisma-exception.filter.ts P2025",
    ),
    Quirk(
        "consent-mock-up",
        "the platform consent page is a static mock-up: 'Acme.com', hard-coded permissions, no "
        "login redirect, no errors, an Allow that does nothing, a Go back without test id (defect)",
        "apps/web/modules/auth/platform/authorize-view.tsx; calcom-pages.md",
    ),
    # The OAuth2 provider ("Sign in with Cal.com") imitates current upstream, not the 2025-05-12 snapshot (whose
    # own provider predates PKCE and rotation): OAUTH2_VERSION. Evidence: /work/shared/research/calcom-oauth2.md.
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

PERSONAS = {
    "calcom": Persona(
        "calcom",
        CALCOM_VERSION,
        f"imitates {CALCOM_VERSION}, as observed; its OAuth2 provider (/auth/oauth2/authorize, /api/auth/oauth/*) "
        f"imitates {OAUTH2_VERSION}: the snapshot's own provider predates PKCE and rotation",
        tuple(QUIRKS),
    ),
    "reference": Persona("reference", "", "the intended behaviour: CONTRACT §1-§2 and every §4 advisory", ()),
}


def listing() -> str:
    """Each persona with its quirks, one `name: description` line each."""
    lines = []
    for persona in PERSONAS.values():
        lines.append(f"{persona.name}: {persona.summary}")
        lines += [f"  {name}: {QUIRKS[name].description}" for name in persona.quirks] or ["  (no quirks)"]
    return "\n".join(lines)
