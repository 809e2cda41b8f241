"""Redirect URIs that are almost, but not exactly, a registered one (RFC 9700 §4.1.3; Keycloak's list)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

KINDS = (
    "suffix",
    "extra-path",
    "trailing-slash",
    "traversal",
    "encoded-traversal",
    "path-case",
    "host-case",
    "encoded-char",
    "other-scheme",
    "other-host",
    "host-suffix",
    "userinfo",
    "prefix-only",
    "added-query",
)


def near_misses(registered: str) -> dict[str, str]:
    """kind -> a URI that differs from registered in that way only (kinds that coincide with it are left out)."""
    parts = urlsplit(registered)
    path = parts.path or "/"
    other_scheme = "http" if parts.scheme == "https" else "https"

    def build(
        scheme: str = parts.scheme, netloc: str = parts.netloc, path_: str = path, query: str = parts.query
    ) -> str:
        return urlunsplit((scheme, netloc, path_, query, ""))

    misses = [
        ("suffix", registered + "x"),
        ("extra-path", build(path_=path.rstrip("/") + "/extra")),
        ("trailing-slash", build(path_=path + "/") if not path.endswith("/") else build(path_=path.rstrip("/"))),
        ("traversal", build(path_=path.rstrip("/") + "/../evil")),
        ("encoded-traversal", build(path_=path.rstrip("/") + "/%2E%2E/evil")),
        ("path-case", build(path_=path.swapcase()) if path.swapcase() != path else build(path_=path + "X")),
        ("host-case", build(netloc=parts.netloc.upper())),
        ("encoded-char", build(path_=_percent_encode_last_letter(path))),
        ("other-scheme", build(scheme=other_scheme)),
        ("other-host", build(netloc="evil.example")),
        ("host-suffix", build(netloc=parts.netloc + ".evil.example")),
        ("userinfo", build(netloc=f"evil.example@{parts.netloc}")),
        ("prefix-only", build(path_="/")),
        ("added-query", build(query=(parts.query + "&" if parts.query else "") + "x=1")),
    ]
    return {kind: uri for kind, uri in misses if uri != registered}


def _percent_encode_last_letter(path: str) -> str:
    for index in range(len(path) - 1, -1, -1):
        if path[index].isalpha():
            return f"{path[:index]}%{ord(path[index]):02X}{path[index + 1 :]}"
    return path + "%2F"
