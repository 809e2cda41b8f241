"""The OAuth2 provider's access scopes, as Cal.com's `AccessScope` enum and consent page name them
(packages/prisma/schema.prisma @ e0ef2d8d `enum AccessScope`; apps/web/modules/auth/oauth2/scopes.ts @ 23cde4ae)."""

from __future__ import annotations

import re

LEGACY_SCOPES = ("READ_BOOKING", "READ_PROFILE")
_PERSONAL = ("EVENT_TYPE", "BOOKING", "SCHEDULE", "APPS", "PROFILE")
_TEAM = ("EVENT_TYPE", "BOOKING", "SCHEDULE", "PROFILE", "MEMBERSHIP")
_ACCESS = ("READ", "WRITE")
ALL_KNOWN_SCOPES = frozenset(
    [
        *LEGACY_SCOPES,
        *(f"{resource}_{access}" for resource in _PERSONAL for access in _ACCESS),
        *(f"{prefix}_{resource}_{access}" for prefix in ("TEAM", "ORG") for resource in _TEAM for access in _ACCESS),
    ]
)
PROFILE_SCOPE = "PROFILE_READ"  # what GET /v2/me asks of a scoped token (OAuthPermissionsGuard @ 58bd767a)
LEGACY_PROFILE_SCOPE = "READ_PROFILE"  # what /api/auth/oauth/me asks (apps/web/app/api/auth/oauth/me/route.ts L8)

# the fixed list a legacy client's consent shows (authorize-view.tsx @ 5517f34d L245-275; locale en L2422-2428)
LEGACY_PERMISSIONS = (
    "Associate you with your personal info from {client}",
    "See your personal info, including any personal info you've made publicly available",
    "See your primary email address",
    "Connect to your installed apps",
    "Read, edit, delete your event-types",
    "Read, edit, delete your availability",
    "Read, edit, delete your bookings",
)
_NOUNS = {
    "EVENT_TYPE": "event types",
    "BOOKING": "bookings",
    "SCHEDULE": "availability",
    "APPS": "installed apps",
    "PROFILE": "personal info and primary email address",
    "MEMBERSHIP": "memberships",
}
_LEGACY_LABELS = {"READ_BOOKING": "View bookings", "READ_PROFILE": "View personal info and primary email address"}
CATEGORIES = {"": "user", "TEAM": "team", "ORG": "organization"}


def parse_scope_param(scope: str | None) -> list[str]:
    """`parseScopeParam`: split on commas and spaces (packages/features/oauth/constants.ts @ e29cf559)."""
    return [part for part in re.split(r"[, ]+", scope or "") if part]


def is_legacy_client(client_scopes: list[str]) -> bool:
    """Empty, or legacy scopes only (OAuthService @ e0ef2d8d L124-128)."""
    return all(scope in LEGACY_SCOPES for scope in client_scopes)


def is_legacy_token(scopes: list[str]) -> bool:
    """A token the API's scope guard lets through unchecked: no scopes, or only READ_* (guard @ 58bd767a L35-45)."""
    return all(scope.startswith("READ_") for scope in scopes)


def _split(scope: str) -> tuple[str, str, str]:
    """(category prefix, resource, access) of a non-legacy scope."""
    prefix = scope.split("_", 1)[0] if scope.startswith(("TEAM_", "ORG_")) else ""
    rest = scope[len(prefix) + 1 :] if prefix else scope
    resource, _, access = rest.rpartition("_")
    return prefix, resource, access


def _label(prefix: str, resource: str, accesses: set[str]) -> str:
    whose = {"": "", "TEAM": "team ", "ORG": "organization "}[prefix]
    noun = f"{whose}{_NOUNS.get(resource, resource.lower())}"
    if accesses == {"READ"}:
        return f"View {noun}"
    if accesses == {"WRITE"}:
        return f"Create, update, and delete {noun}"
    return f"Create, read, update, and delete {noun}"


def grouped_labels(scopes: list[str]) -> list[tuple[str, list[str]]]:
    """`getGroupedScopeDisplayItems`: (category, labels) pairs, a READ+WRITE pair merged into one label."""
    merged: dict[tuple[str, str], set[str]] = {}
    legacy: list[str] = []
    for scope in scopes:
        if scope in _LEGACY_LABELS:
            legacy.append(_LEGACY_LABELS[scope])
            continue
        prefix, resource, access = _split(scope)
        merged.setdefault((prefix, resource), set()).add(access)
    groups: dict[str, list[str]] = {}
    if legacy:
        groups["user"] = list(dict.fromkeys(legacy))
    for (prefix, resource), accesses in merged.items():
        groups.setdefault(CATEGORIES[prefix], []).append(_label(prefix, resource, accesses))
    return [(category, groups[category]) for category in CATEGORIES.values() if category in groups]
