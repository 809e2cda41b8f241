"""Masks secrets (client secret, passwords, codes, tokens) in any text the harness shows: known values, and values
by what they are (a token by its shape, an OAuth code by where it stands; an error's code is no secret)."""

from __future__ import annotations

import hashlib
import re

JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
SENSITIVE_QUERY = re.compile(r"(?i)([?&](?:code|access_token|refresh_token|token)=)([^&#\s\"']+)")
SENSITIVE_JSON = re.compile(
    r'(?i)("(?:accessToken|refreshToken|clientSecret|password|code|x-cal-secret-key|authorization|access_token|'
    r'refresh_token|client_secret|code_verifier)"\s*:\s*")([^"]*)(")'
)
# An error code is not a secret: the `code` of an error object ({"error": {"code": "NotFoundException", ...}}, the
# envelope of CONTRACT §1) whose value is an error's name (a NestJS exception class, an upper-case constant such as
# NOT_FOUND, Zod's BAD_REQUEST) is shown. Any other `code` value (an OAuth code in a body, a code= parameter) is masked.
ERROR_OBJECT_CODE = re.compile(r'(?i)"error"\s*:\s*\{[^{}]*?"code"\s*:\s*"([^"]*)"')
ERROR_NAME = re.compile(r"(?:[A-Z][a-z0-9]+)+(?:Exception|Error)|[A-Z]+(?:_[A-Z]+)*")
SENSITIVE_HEADER = re.compile(r"(?i)\b(Bearer\s+)([A-Za-z0-9._~+/=-]+)")
# form bodies: the platform login's, and the OAuth2 token endpoint's (RFC 6749 §4.1.3, §6; RFC 7636 §4.5)
SENSITIVE_FORM = re.compile(
    r"(?i)\b((?:password|clientSecret|client_secret|code_verifier|refresh_token|code)=)([^&\s]+)"
)


def fingerprint(secret: str) -> str:
    """A short stand-in that lets a reader tell two secrets apart without seeing either."""
    return f"***{hashlib.sha256(secret.encode()).hexdigest()[:6]}"


class Redactor:
    """Knows the run's secret values and the shapes of tokens; masks both in text."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: set[str] = set()
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def secrets(self) -> frozenset[str]:
        """The values it masks as given (trace_scrub also masks their encoded forms)."""
        return frozenset(self._secrets)

    def mask(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, fingerprint(secret))
        text = JWT_PATTERN.sub(lambda m: fingerprint(m.group(0)), text)
        text = SENSITIVE_QUERY.sub(lambda m: m.group(1) + _masked(m.group(2)), text)
        error_codes = {m.start(1) for m in ERROR_OBJECT_CODE.finditer(text) if ERROR_NAME.fullmatch(m.group(1))}
        text = SENSITIVE_JSON.sub(
            lambda m: m.group(0) if m.start(2) in error_codes else m.group(1) + _masked(m.group(2)) + m.group(3), text
        )
        text = SENSITIVE_HEADER.sub(lambda m: m.group(1) + _masked(m.group(2)), text)
        return SENSITIVE_FORM.sub(lambda m: m.group(1) + _masked(m.group(2)), text)


def _masked(value: str) -> str:
    return value if value.startswith("***") or not value else fingerprint(value)
