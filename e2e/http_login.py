"""Logging the test user in over HTTP, as Cal.com's login form does: NextAuth's credentials provider.

GET /api/auth/csrf, then POST /api/auth/callback/credentials with the CSRF token, email and password, then
GET /api/auth/session to confirm who is logged in. API-level checks use the session this gives, so a run of
them alone never starts a browser. A deployment where this does not work (another login, a CAPTCHA) gets
HttpLoginUnavailable, and the harness logs the user in through the browser instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from .client import no_delay_transport

if TYPE_CHECKING:  # a browserless login: Playwright is not imported at run time
    from playwright.sync_api import StorageStateCookie

CSRF_PATH = "/api/auth/csrf"
CREDENTIALS_PATH = "/api/auth/callback/credentials"
SESSION_PATH = "/api/auth/session"
log = logging.getLogger(__name__)


class HttpLoginUnavailable(RuntimeError):
    pass


class HttpLoginRefused(RuntimeError):
    """The deployment refused these credentials: wrong password, a user with 2FA, or rate limiting."""


# NextAuth's error codes in the answer's url (Cal.com's ErrorCode)
REFUSALS = {
    "incorrect-email-password": "the password is refused (wrong E2E_USER_PASSWORD?)",
    "second-factor-required": "the user has two-factor authentication: use a test user without 2FA (CONTRACT §3)",
}


def http_login(web_url: str, email: str, password: str, timeout_s: float) -> list[StorageStateCookie]:
    """The session's cookies, as storage-state entries (name, value, domain, path)."""
    log.info("HTTP login: %s as %s", web_url + CREDENTIALS_PATH, email)
    with httpx.Client(
        base_url=web_url, timeout=timeout_s, transport=no_delay_transport(web_url.startswith("https"))
    ) as client:
        try:
            csrf = client.get(CSRF_PATH)
            token = _json(csrf).get("csrfToken")
            if csrf.status_code != 200 or not isinstance(token, str):
                raise HttpLoginUnavailable(f"GET {CSRF_PATH} answered HTTP {csrf.status_code} without a csrfToken")
            signed = client.post(
                CREDENTIALS_PATH,
                data={
                    "csrfToken": token,
                    "email": email,
                    "password": password,
                    "callbackUrl": web_url + "/",
                    "json": "true",
                },
            )
            _refused(email, _json(signed).get("url"))
            user = _json(client.get(SESSION_PATH)).get("user")
        except httpx.HTTPError as error:
            raise HttpLoginUnavailable(f"{type(error).__name__} on {error.request.url.path}") from None
        if not isinstance(user, dict) or str(user.get("email", "")).lower() != email.lower():
            raise HttpLoginUnavailable(
                f"POST {CREDENTIALS_PATH} answered HTTP {signed.status_code} and "
                f"{SESSION_PATH} shows no session for {email}"
            )
        host = httpx.URL(web_url).host
        return [
            {"name": c.name, "value": c.value or "", "domain": _cookie_domain(c.domain, host), "path": c.path}
            for c in client.cookies.jar
        ]


def _cookie_domain(domain: str, host: str) -> str:
    """Python's cookiejar files a cookie of a dotless host such as `localhost` under `localhost.local` (RFC 2965);
    a browser keeps it under the host, and sends it to every port of it: so do we."""
    return host if domain == f"{host}.local" else domain


def _refused(email: str, url: object) -> None:
    """Raises HttpLoginRefused when NextAuth's answer names a refusal of the credentials."""
    if not isinstance(url, str):
        return
    error = httpx.URL(url).params.get("error", "")
    if error in REFUSALS:
        raise HttpLoginRefused(f"E2E_USER_EMAIL={email}: {REFUSALS[error]}")
    if "rate" in error.lower() or "too many" in error.lower():
        raise HttpLoginRefused(f"E2E_USER_EMAIL={email}: logins are being rate-limited ({error}): wait, then run again")


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
