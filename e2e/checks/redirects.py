"""Checks on where the browser (or an authorize response) was sent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from . import require

TOKEN_PARAMS = ("access_token", "refresh_token", "accessToken", "refreshToken", "token", "id_token")


def check_landing(url: str, registered_uri: str, rule_id: str) -> str:
    """Scheme, host and path equal the registered URI; exactly one code; no token in the URL. Returns the code."""
    landed, registered = urlsplit(url), urlsplit(registered_uri)
    require(
        (landed.scheme, landed.netloc.lower(), landed.path)
        == (registered.scheme, registered.netloc.lower(), registered.path),
        rule_id,
        f"landed on {landed.scheme}://{landed.netloc}{landed.path}, "
        f"expected {registered.scheme}://{registered.netloc}{registered.path}",
    )
    params = parse_qs(landed.query, keep_blank_values=True)
    codes = params.get("code", [])
    require(len(codes) == 1 and codes[0], rule_id, f"expected exactly one non-empty code, found {len(codes)}")
    leaked = [name for name in TOKEN_PARAMS if name in params] + (["#fragment"] if "token" in landed.fragment else [])
    require(not leaked, rule_id, f"the redirect URL carries a token: {', '.join(leaked)}")
    return codes[0]
