"""Token lifetimes and JWT minting per CONTRACT §1 (KeysResponseDto)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import jwt

ACCESS_TOKEN_MINUTES = 60


def access_token_expiry(now_ms: int) -> int:
    """60 minutes from issue, rounded down to the minute."""
    expires = now_ms + ACCESS_TOKEN_MINUTES * 60_000
    return expires - expires % 60_000


def refresh_token_expiry(now_ms: int) -> int:
    """One calendar year from issue, rounded down to the start of that day (UTC)."""
    issued = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    try:
        later = issued.replace(year=issued.year + 1)
    except ValueError:  # 29 February: a year later is 28 February, as luxon does it
        later = issued.replace(year=issued.year + 1, day=28)
    start_of_day = later.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(start_of_day.timestamp() * 1000)


def new_secret_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: int


def mint(
    signing_key: str, kind: str, client_id: str, owner_id: int, expires_at: int, now_ms: int, with_user_id: bool,
    omit: tuple[str, ...] = (), algorithm: str = "HS256",
) -> IssuedToken:
    jti = new_secret_token()
    payload: dict[str, object] = {
        "type": kind,
        "clientId": client_id,
        "ownerId": owner_id,
        "expiresAt": expires_at,
        "iat": now_ms // 1000,
        "jti": jti,
    }
    if with_user_id:  # tokens issued by a refresh
        payload["userId"] = owner_id
    for claim in omit:
        payload.pop(claim, None)
    return IssuedToken(jwt.encode(payload, signing_key, algorithm=algorithm), jti, expires_at)


def decode(signing_key: str, token: str, algorithms: list[str] | None = None) -> dict | None:
    """The payload of a token this server signed, or None. Expiry is checked by the caller's clock."""
    try:
        payload = jwt.decode(token, signing_key, algorithms=algorithms or ["HS256"],
                             options={"verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError:
        return None
    return payload if isinstance(payload, dict) else None
