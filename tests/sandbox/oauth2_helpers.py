"""Helpers for the OAuth2 provider's tests: the consent page's JSON calls, the web token routes, PKCE, faults."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import jwt

from e2e.sandbox.info import SandboxInfo

from .conftest import admin_headers, log_in


@contextmanager
def web_session(info: SandboxInfo) -> Iterator[httpx.Client]:
    """A client of the web app (base_url) holding the seeded user's session."""
    with httpx.Client(base_url=info.web_url, timeout=10) as http:
        assert log_in(http, info).status_code == 200
        yield http


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def client_for_authorization(
    http: httpx.Client,
    info: SandboxInfo,
    client_id: str | None = None,
    redirect_uri: str | None = None,
    scope: str | None = None,
) -> httpx.Response:
    params = {"clientId": client_id or info.oauth2_client_id, "redirectUri": redirect_uri or info.oauth2_redirect_uri}
    if scope is not None:
        params["scope"] = scope
    return http.get("/api/trpc/oAuth/getClientForAuthorization", params=params)


def allow(
    http: httpx.Client,
    info: SandboxInfo,
    client_id: str | None = None,
    redirect_uri: str | None = None,
    scopes: list[str] | None = None,
    **extra: str | None,
) -> httpx.Response:
    """What the consent page's Allow posts (generateAuthCode)."""
    body = {
        "clientId": client_id or info.oauth2_client_id,
        "redirectUri": redirect_uri or info.oauth2_redirect_uri,
        "scopes": ["READ_PROFILE"] if scopes is None else scopes,
        **extra,
    }
    return http.post("/api/trpc/oAuth/generateAuthCode", json=body)


def new_code(
    http: httpx.Client,
    info: SandboxInfo,
    client_id: str | None = None,
    redirect_uri: str | None = None,
    scopes: list[str] | None = None,
    **extra: str | None,
) -> str:
    """A code from what the consent page's Allow posts (allow's parameters)."""
    response = allow(http, info, client_id, redirect_uri, scopes, **extra)
    assert response.status_code == 200, response.text
    return response.json()["authorizationCode"]


def token(http: httpx.Client, info: SandboxInfo, auth_code: str, /, **fields: str | None) -> httpx.Response:
    """POST /api/auth/oauth/token as a form; a field given as None is left out."""
    form = {
        "grant_type": "authorization_code",
        "code": auth_code,
        "client_id": info.oauth2_client_id,
        "client_secret": info.oauth2_client_secret,
        "redirect_uri": info.oauth2_redirect_uri,
        **fields,
    }
    return http.post(f"{info.web_url}/api/auth/oauth/token", data={k: v for k, v in form.items() if v is not None})


def tokens(
    http: httpx.Client,
    info: SandboxInfo,
    client_id: str | None = None,
    redirect_uri: str | None = None,
    scopes: list[str] | None = None,
    **extra: str | None,
) -> dict:
    """The token response for a new code (allow's parameters)."""
    response = token(http, info, new_code(http, info, client_id, redirect_uri, scopes, **extra))
    assert response.status_code == 200, response.text
    return response.json()


def refresh(http: httpx.Client, info: SandboxInfo, refresh_token: str, **fields: str | None) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": info.oauth2_client_id,
        "client_secret": info.oauth2_client_secret,
        **fields,
    }
    url = f"{info.web_url}/api/auth/oauth/refreshToken"
    return http.post(url, data={k: v for k, v in form.items() if v is not None})


def oauth_me(http: httpx.Client, info: SandboxInfo, access_token: str) -> httpx.Response:
    return http.get(f"{info.web_url}/api/auth/oauth/me", headers={"Authorization": f"Bearer {access_token}"})


def v2_me(http: httpx.Client, info: SandboxInfo, access_token: str) -> httpx.Response:
    return http.get(f"{info.api_url}/v2/me", headers={"Authorization": f"Bearer {access_token}"})


def claims(token_: str) -> dict:
    return jwt.decode(token_, options={"verify_signature": False})


def create_client(info: SandboxInfo, **body: object) -> dict:
    """An OAuth2 client through the admin API; default: confidential, legacy, the seeded redirect URIs."""
    body = {"redirect_uris": [info.oauth2_redirect_uri, info.oauth2_other_redirect_uri], **body}
    response = httpx.post(f"{info.api_url}/__sandbox/oauth2/clients", json=body, headers=admin_headers(info))
    assert response.status_code == 201, response.text
    return response.json()


def set_faults(info: SandboxInfo, enable: list[str] | None = None, disable: list[str] | None = None) -> None:
    response = httpx.post(
        f"{info.api_url}/__sandbox/faults",
        json={"enable": enable or [], "disable": disable or []},
        headers=admin_headers(info),
    )
    assert response.status_code == 200, response.text


@contextmanager
def fault_on(info: SandboxInfo, name: str) -> Iterator[None]:
    set_faults(info, enable=[name])
    try:
        yield
    finally:
        set_faults(info, disable=[name])
