"""The OAuth2 provider's tokens: HS256 JWTs signed with the sandbox's key (Cal.com: CALENDSO_ENCRYPTION_KEY), with
`OAuthService.mintTokens`'s claims (@ e0ef2d8d L541-599), and PKCE's S256 transform (`verifyPKCE`, L511-534)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

import jwt

ACCESS_TOKEN_SECONDS = 1800  # OAUTH_TOKEN_EXPIRY.ACCESS_TOKEN (packages/features/oauth/lib/constants.ts @ 776bdf78)
REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60
ACCESS, REFRESH = "Access Token", "Refresh Token"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    refresh_secret: str
    refresh_expires_ms: int


def mint_pair(
    signing_key: str,
    client_id: str,
    user_id: int,
    scopes: list[str],
    now_ms: int,
    access_seconds: int = ACCESS_TOKEN_SECONDS,
    access_client_id: str | None = None,
    with_jti: bool = True,
) -> TokenPair:
    """An access JWT {userId, teamId, scope, token_type, clientId, iat, exp} and a refresh JWT with the same claims
    plus a random `secret` (the row that makes it revocable). access_client_id: the access token's clientId claim,
    when not client_id. with_jti: a random jti in the access token, so two minted within a second differ (Cal.com's
    have none: identical then)."""
    iat = now_ms // 1000
    claims = {"userId": user_id, "teamId": None, "scope": scopes}
    access = {**claims, "token_type": ACCESS, "clientId": access_client_id or client_id, "iat": iat}
    if with_jti:
        access["jti"] = secrets.token_urlsafe(16)
    refresh_secret = secrets.token_urlsafe(32)
    refresh = {**claims, "token_type": REFRESH, "clientId": client_id, "secret": refresh_secret, "iat": iat}
    return TokenPair(
        jwt.encode({**access, "exp": iat + access_seconds}, signing_key, algorithm="HS256"),
        jwt.encode({**refresh, "exp": iat + REFRESH_TOKEN_SECONDS}, signing_key, algorithm="HS256"),
        refresh_secret,
        (iat + REFRESH_TOKEN_SECONDS) * 1000,
    )


def decode(signing_key: str, token: str, now_ms: int, verify_signature: bool = True) -> dict | None:
    """The payload of an unexpired HS256 token this sandbox signed (expiry by the sandbox's clock), or None."""
    try:
        payload = jwt.decode(
            token,
            signing_key,
            algorithms=["HS256"],
            options={"verify_signature": verify_signature, "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(payload, dict):
        return None
    exp = payload.get("exp")
    if not isinstance(exp, int) or exp * 1000 <= now_ms:
        return None
    return payload


def s256(verifier: str) -> str:
    """base64url(sha256(verifier)), unpadded (packages/lib/pkce.ts @ a6af0c7f L8-10)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
