"""Secrets are masked in text: known values, and codes and tokens by their shape."""

from __future__ import annotations

import httpx

from e2e.http_log import HttpRecorder
from e2e.redaction import Redactor, fingerprint

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoiYWNjZXNzX3Rva2VuIn0.c2lnbmF0dXJlLXZhbHVl"


def test_known_secret_is_masked_everywhere():
    redactor = Redactor(["super-secret-value"])
    assert "super-secret-value" not in redactor.mask("x=super-secret-value and again super-secret-value")


def test_shapes_are_masked_without_knowing_the_values():
    redactor = Redactor()
    text = (
        f"Location: https://app.test/cb?code=abcDEF123_-xyz&state=ok Authorization: Bearer abc.def-123 "
        f'{{"accessToken": "{JWT}", "clientSecret": "hush-hush", "password": "pw-1"}} {JWT} password=pw-2'
    )
    masked = redactor.mask(text)
    for secret in ("abcDEF123_-xyz", "abc.def-123", JWT, "hush-hush", "pw-1", "pw-2"):
        assert secret not in masked, secret
    assert "state=ok" in masked


def test_fingerprints_tell_secrets_apart():
    assert fingerprint("a-token") != fingerprint("b-token") and fingerprint("a-token") == fingerprint("a-token")


def test_recorded_exchange_masks_headers_and_bodies():
    recorder = HttpRecorder(Redactor(["client-secret-1"]))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "success", "data": {"accessToken": JWT, "refreshToken": JWT}})

    with httpx.Client(transport=httpx.MockTransport(handler), event_hooks=recorder.hooks()) as http:
        http.post(
            "https://api.test/v2/oauth/c/refresh",
            json={"refreshToken": JWT},
            headers={"x-cal-secret-key": "client-secret-1", "Cookie": "next-auth.session-token=abcdef"},
        )
    rendered = recorder.records[0].render()
    for secret in ("client-secret-1", JWT, "abcdef"):
        assert secret not in rendered, secret
    assert "POST https://api.test/v2/oauth/c/refresh -> 200" in rendered
