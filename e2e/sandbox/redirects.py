"""Redirect URI matching as CONTRACT §1 states it: exact, or a `*` pattern anchored at both ends."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode, urlsplit, urlunsplit


def is_redirect_allowed(candidate: str, registered: list[str]) -> bool:
    return any(_matches(candidate, pattern) for pattern in registered)


def _matches(candidate: str, pattern: str) -> bool:
    if "*" not in pattern:
        return candidate == pattern
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, candidate, flags=re.DOTALL) is not None


def with_query_params(uri: str, params: dict[str, str]) -> str:
    """Append params to uri, keeping any query it already has (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    extra = urlencode(params, quote_via=quote)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
