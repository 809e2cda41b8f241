"""Checks on the tokens themselves: JWT form, claims, lifetimes, distinctness, strength."""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from datetime import datetime, timezone

from ..models import KeysDto
from . import require

ACCESS_MS = 60 * 60 * 1000


def jwt_parts(token: str, rule_id: str = "tokens.are_hs256_jwts") -> tuple[dict, dict]:
    """Header and payload of a JWT (signature not verified: the harness does not know the key)."""
    segments = token.split(".")
    require(len(segments) == 3 and all(segments), rule_id, f"token has {len(segments)} segments, expected 3")
    try:
        header, payload = (json.loads(_b64url(s)) for s in segments[:2])
    except ValueError:
        header = payload = None
    require(isinstance(header, dict) and isinstance(payload, dict), rule_id, "header or payload is not base64url JSON")
    return header, payload  # type: ignore[return-value]


def check_hs256_jwt(token: str) -> dict:
    header, payload = jwt_parts(token)
    require(header.get("alg") == "HS256", "tokens.are_hs256_jwts", f"alg is {header.get('alg')!r}, expected 'HS256'")
    return payload


def check_claims(payload: dict, kind: str, client_id: str, expires_at: int, from_refresh: bool) -> None:
    rule = "tokens.claims"
    require(payload.get("type") == kind, rule, f"type is {payload.get('type')!r}, expected {kind!r}")
    require(payload.get("clientId") == client_id, rule, "clientId is not the client's id")
    require(_is_int(payload.get("ownerId")), rule, f"ownerId {payload.get('ownerId')!r} is not an integer")
    require(payload.get("expiresAt") == expires_at, rule,
            f"{kind} expiresAt {payload.get('expiresAt')!r} differs from the response's {expires_at}")
    require(_is_int(payload.get("iat")) and payload["iat"] > 0, rule, f"iat {payload.get('iat')!r} is not an int > 0")
    require(isinstance(payload.get("jti"), str) and payload["jti"], rule, "jti is missing")
    if from_refresh:
        require(payload.get("userId") == payload.get("ownerId"), rule,
                f"userId {payload.get('userId')!r} is not ownerId {payload.get('ownerId')!r} on a refreshed token")


def check_access_lifetime(iat_s: int, expires_at: int) -> None:
    """60 minutes from issue, floored to the minute; iat only has second precision, so allow its last second."""
    allowed = {_floor_minute(iat_s * 1000 + ms + ACCESS_MS) for ms in (0, 999)}
    require(expires_at in allowed, "tokens.access_lifetime",
            f"accessTokenExpiresAt {_iso(expires_at)} is not 60 min after iat {_iso(iat_s * 1000)} floored to the minute "
            f"(expected {' or '.join(sorted(_iso(a) for a in allowed))})")


def check_refresh_lifetime(iat_s: int, expires_at: int) -> None:
    allowed = {_start_of_day_next_year(iat_s * 1000 + ms) for ms in (0, 999)}
    require(expires_at in allowed, "tokens.refresh_lifetime",
            f"refreshTokenExpiresAt {_iso(expires_at)} is not 1 year after iat {_iso(iat_s * 1000)} floored to the day "
            f"(expected {' or '.join(sorted(_iso(a) for a in allowed))})")


def check_keys(keys: KeysDto, client_id: str, from_refresh: bool) -> tuple[dict, dict]:
    """Every rule on one KeysDto; returns the access and refresh payloads."""
    access = check_hs256_jwt(keys.access_token)
    refresh = check_hs256_jwt(keys.refresh_token)
    check_claims(access, "access_token", client_id, keys.access_token_expires_at, from_refresh)
    check_claims(refresh, "refresh_token", client_id, keys.refresh_token_expires_at, from_refresh)
    check_access_lifetime(access["iat"], keys.access_token_expires_at)
    check_refresh_lifetime(refresh["iat"], keys.refresh_token_expires_at)
    require(access.get("ownerId") == refresh.get("ownerId"), "tokens.claims", "access and refresh ownerId differ")
    require(keys.access_token != keys.refresh_token, "tokens.all_distinct", "access and refresh token are equal")
    return access, refresh


def estimated_entropy_bits(value: str) -> float:
    """Shannon estimate over the value's own characters, times its length (as the conformance suite does)."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _floor_minute(ms: int) -> int:
    return ms - ms % 60_000


# Written again here, not imported from the sandbox: a check must not share the code it checks.
def _start_of_day_next_year(ms: int) -> int:
    issued = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    try:
        later = issued.replace(year=issued.year + 1)
    except ValueError:
        later = issued.replace(year=issued.year + 1, day=28)
    return int(later.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
