"""Token lifetimes and JWT minting per CONTRACT §1 (KeysResponseDto)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import jwt

ACCESS_TOKEN_MINUTES = 60


def access_token_expiry(now_ms: int) -> int:
    """60 minutes from issue, rounded down to the minute."""
    expires = now_ms + ACCESS_TOKEN_MINUTES * 60_000
    return expires - expires % 60_000


def refresh_token_expiry(now_ms: int, zone: tzinfo = UTC) -> int:
    """One calendar year from issue, rounded down to the start of that day in the server's zone (luxon's
    `DateTime.now().plus({year: 1}).startOf("day")` in the API process's local zone)."""
    issued = datetime.fromtimestamp(now_ms / 1000, tz=zone)
    try:
        later = issued.replace(year=issued.year + 1)
    except ValueError:  # 29 February: a year later is 28 February, as luxon does it
        later = issued.replace(year=issued.year + 1, day=28)
    start_of_day = later.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(start_of_day.timestamp() * 1000)


def new_secret_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_key(token: str) -> str:
    """What the store keeps a token under: its hash. Cal.com keeps the token itself in a unique column, so two
    byte-identical tokens (possible without a jti) cannot both be stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    key: str
    expires_at: int


def mint(
    signing_key: str,
    kind: str,
    client_id: str,
    owner_id: int,
    expires_at: int,
    now_ms: int,
    with_user_id: bool,
    omit: tuple[str, ...] = (),
    algorithm: str = "HS256",
    with_jti: bool = True,
) -> IssuedToken:
    payload: dict[str, object] = {
        "type": kind,
        "clientId": client_id,
        "ownerId": owner_id,
        "expiresAt": expires_at,
    }
    if with_user_id:  # tokens issued by a refresh
        payload["userId"] = owner_id
    payload["iat"] = now_ms // 1000
    if with_jti:  # Cal.com's later versions; the one of 2025-05-12 has none
        payload["jti"] = new_secret_token()
    for claim in omit:
        payload.pop(claim, None)
    token = jwt.encode(payload, signing_key, algorithm=algorithm)
    return IssuedToken(token, token_key(token), expires_at)


def decode(signing_key: str, token: str, algorithms: list[str] | None = None) -> dict | None:
    """The payload of a token this server signed, or None. Expiry is checked by the caller's clock."""
    try:
        payload = jwt.decode(
            token, signing_key, algorithms=algorithms or ["HS256"], options={"verify_exp": False, "verify_iat": False}
        )
    except jwt.PyJWTError:
        return None
    return payload if isinstance(payload, dict) else None
