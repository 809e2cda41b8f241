"""Checks on the tokens themselves: JWT form, claims, lifetimes, distinctness, strength."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import UTC, datetime
from typing import NamedTuple

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
    return header, payload


def check_hs256_jwt(token: str) -> dict:
    header, payload = jwt_parts(token)
    require(header.get("alg") == "HS256", "tokens.are_hs256_jwts", f"alg is {header.get('alg')!r}, expected 'HS256'")
    return payload


def check_claims(payload: dict, kind: str, client_id: str, expires_at: int, from_refresh: bool) -> None:
    rule = "tokens.claims"
    require(payload.get("type") == kind, rule, f"type is {payload.get('type')!r}, expected {kind!r}")
    require(payload.get("clientId") == client_id, rule, "clientId is not the client's id")
    require(_is_int(payload.get("ownerId")), rule, f"ownerId {payload.get('ownerId')!r} is not an integer")
    require(
        payload.get("expiresAt") == expires_at,
        rule,
        f"{kind} expiresAt {payload.get('expiresAt')!r} differs from the response's {expires_at}",
    )
    require(_is_int(payload.get("iat")) and payload["iat"] > 0, rule, f"iat {payload.get('iat')!r} is not an int > 0")
    require(isinstance(payload.get("jti"), str) and payload["jti"], rule, "jti is missing")
    if from_refresh:
        require(
            payload.get("userId") == payload.get("ownerId"),
            rule,
            f"userId {payload.get('userId')!r} is not ownerId {payload.get('ownerId')!r} on a refreshed token",
        )


def check_access_lifetime(iat_s: int, expires_at: int) -> None:
    """60 minutes from issue, floored to the minute; iat only has second precision, so allow its last second."""
    allowed = {_floor_minute(iat_s * 1000 + ms + ACCESS_MS) for ms in (0, 999)}
    require(
        expires_at in allowed,
        "tokens.access_lifetime",
        f"accessTokenExpiresAt {_iso(expires_at)} is not 60 min after iat {_iso(iat_s * 1000)} floored to the minute "
        f"(expected {' or '.join(sorted(_iso(a) for a in allowed))})",
    )


def check_refresh_lifetime(iat_s: int, expires_at: int) -> str:
    """1 year from issue, floored to the start of a day in the API server's time zone (luxon's
    `DateTime.now().plus({year: 1}).startOf("day")`, oauth-flow.service.ts). The zone is not known to the harness:
    the expiry must be a local midnight of some real UTC offset (a multiple of 15 minutes, -12h to +14h) and lie
    within the day before issue + 1 year. Returns the offset seen, e.g. "UTC+00:00"."""
    offsets = _midnight_offsets_ms(expires_at)
    require(
        offsets,
        "tokens.refresh_lifetime",
        f"refreshTokenExpiresAt {_iso(expires_at)} is not the start of a day in any time zone",
    )
    fitting = [o for o in offsets if _within_day_before(expires_at, _one_year_later(iat_s * 1000, o))]
    offset_ms = (fitting or offsets)[0]
    require(
        fitting,
        "tokens.refresh_lifetime",
        f"refreshTokenExpiresAt {_iso(expires_at)} is not 1 year after iat {_iso(iat_s * 1000)} floored to the "
        f"start of that day (in UTC{_offset_text(offset_ms)})",
    )
    return "UTC" + _offset_text(offset_ms)


DAY_MS = 24 * 3600 * 1000
QUARTER_HOUR_MS = 15 * 60 * 1000


def _midnight_offsets_ms(instant_ms: int) -> list[int]:
    """The real UTC offsets (-12h to +14h, in quarter hours) in whose local time instant_ms is midnight."""
    base = -instant_ms % DAY_MS  # local = instant + offset is a multiple of a day
    return [o for o in (base, base - DAY_MS) if o % QUARTER_HOUR_MS == 0 and -12 * 3600 * 1000 <= o <= 14 * 3600 * 1000]


def _within_day_before(expires_at: int, year_later: int) -> bool:
    """iat's last millisecond is unknown (iat has second precision): allow it."""
    return expires_at <= year_later + 999 and year_later < expires_at + DAY_MS


def _one_year_later(ms: int, offset_ms: int) -> int:
    """ms plus one calendar year, counted in local time at offset_ms (as luxon's plus({year: 1}))."""
    local = datetime.fromtimestamp((ms + offset_ms) / 1000, tz=UTC)
    try:
        later = local.replace(year=local.year + 1)
    except ValueError:  # 29 February
        later = local.replace(year=local.year + 1, day=28)
    return int(later.timestamp() * 1000) - offset_ms


def _offset_text(offset_ms: int) -> str:
    sign = "+" if offset_ms >= 0 else "-"
    minutes = abs(offset_ms) // 60_000
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


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


class Entropy(NamedTuple):
    """How many random bits a value carries, and on what assumption: `kind` names the format recognised
    (e.g. "uuid4"), `assumption` says in words what that format was taken to hold."""

    kind: str
    bits: float
    assumption: str


# Formats, narrowest first. A value is classed by its shape (length and which alphabet it fits), never by
# how often its characters repeat, so one value always gets one verdict. A value drawn from a wide alphabet
# lands in a narrower class only if every character happens to fall in it; at the lengths where that would
# change the verdict the chance is below 1e-5 for every class up to base64 (worst: a 22-character base64url
# value read as base36, (36/64)^22 ~ 3e-6). base62 is read as base64url: at 128 bits that changes no verdict.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# cuid v1 (Prisma's @default(cuid()), the Rust `cuid` crate / ericelliott/cuid): "c" + the time in ms in base36
# (8 chars until 2059) + a 4-char counter + a 4-char host/process fingerprint + two random blocks of 4 base36
# chars (each below 36^4). Only those last 8 characters are random: 2 * log2(36^4) ~ 41.4 bits.
_CUID = re.compile(r"c[0-9a-z]{24}")
CUID_RANDOM_BITS = 2 * math.log2(36**4)
# Random bits of each UUID version (RFC 9562): v4 fixes 4 version + 2 variant bits; v7 is a 48-bit ms
# timestamp then 74 random bits; v1/v6 are time + node, only the 14-bit clock sequence random (v2 keeps 6 of
# it); v3/v5 are hashes of a name, with none; v8's layout is the vendor's (at most 122 bits, assumed).
_UUID_BITS = {
    "1": (14, "a UUIDv1 is time-based: only its 14-bit clock sequence is random"),
    "2": (6, "a UUIDv2 is time-based: only 6 bits of its clock sequence are random"),
    "3": (0, "a UUIDv3 is an MD5 hash of a name: no random bits"),
    "4": (122, "a UUIDv4 has 122 random bits"),
    "5": (0, "a UUIDv5 is a SHA-1 hash of a name: no random bits"),
    "6": (14, "a UUIDv6 is time-based: only its 14-bit clock sequence is random"),
    "7": (74, "a UUIDv7 is a 48-bit timestamp and 74 random bits"),
    "8": (122, "a UUIDv8 has a vendor-defined layout: at most 122 random bits, assumed"),
}
_ALPHABETS = (  # (kind, pattern, alphabet size, name)
    ("decimal", re.compile(r"[0-9]+"), 10, "decimal"),
    ("hex", re.compile(r"[0-9a-f]+|[0-9A-F]+"), 16, "hex"),
    ("base36", re.compile(r"[0-9a-z]+"), 36, "lowercase base36"),
    ("base64url", re.compile(r"[0-9A-Za-z_-]+"), 64, "base64url (or base62)"),
    ("base64", re.compile(r"[0-9A-Za-z+/]+={0,2}"), 64, "base64"),
    ("ascii", re.compile(r"[!-~]+"), 94, "printable ASCII"),
)


def entropy(value: object) -> Entropy:
    """The random bits `value` carries, by its recognised format and length (see the tables above)."""
    if value is None or value == "":
        return Entropy("absent", 0, "absent")
    text = str(value)
    if _UUID.fullmatch(text):
        version = text[14]
        if text.replace("-", "").strip("0") == "":
            return Entropy("uuid-nil", 0, "the nil UUID has no random bits")
        if version in _UUID_BITS:
            bits, why = _UUID_BITS[version]
            return Entropy(f"uuid{version}", bits, why)
        return Entropy("uuid-shaped", 122, f"UUID-shaped with undefined version {version}: assumed 122 random bits")
    if len(text) == 25 and _CUID.fullmatch(text):
        return Entropy(
            "cuid",
            CUID_RANDOM_BITS,
            "a cuid (v1) has 8 random base36 characters after its timestamp, counter and fingerprint",
        )
    for kind, pattern, size, name in _ALPHABETS:
        if pattern.fullmatch(text):
            chars = len(text.rstrip("=")) if kind == "base64" else len(text)
            per_char = math.log2(size)
            return Entropy(kind, chars * per_char, f"{chars} {name} characters at {per_char:.3g} bits each")
    size = len(text.encode())
    return Entropy("bytes", size * 8, f"unrecognised format: at most 8 bits for each of its {size} UTF-8 bytes")


def estimated_entropy_bits(value: object) -> float:
    """The random bits of `value` by its format (see `entropy`)."""
    return entropy(value).bits


def check_entropy(name: str, value: object, min_bits: float, rule_id: str = "advisory.entropy") -> Entropy:
    """Require `value` to carry at least `min_bits` random bits; the failure says what was assumed."""
    found = entropy(value)
    shown = f"{found.bits:.0f}" if found.bits == int(found.bits) else f"about {found.bits:.1f}"
    why = "it is absent" if found.kind == "absent" else found.assumption
    require(found.bits >= min_bits, rule_id, f"{name} carries {shown} bits ({why}), expected >= {min_bits}")
    return found


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _floor_minute(ms: int) -> int:
    return ms - ms % 60_000


# Written again here, not imported from the sandbox: a check must not share the code it checks.
def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
