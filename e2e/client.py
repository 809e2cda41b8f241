"""An httpx client mirroring the seed's OAuthApi (same method and parameter names), plus GET /v2/me.

Each operation has a `_raw` twin that returns the httpx.Response untouched, for error-path checks.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .models import (
    ExchangeAuthorizationCodeInput,
    KeysResponseDto,
    OAuthAuthorizeInput,
    RefreshTokenInput,
)

UNSET: Any = object()


def no_delay_transport(tls: bool) -> httpx.HTTPTransport:
    """A transport with TCP_NODELAY, for every client the harness makes."""
    # httpcore writes a request's headers and body separately; with Nagle's algorithm on, the body then waits
    # for the server's delayed ACK (about 40 ms a request). Loading CA certificates costs ~50 ms: only for TLS.
    return httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)], verify=tls)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_message(response: httpx.Response) -> str:
    """The server's own message in an error body: Cal.com's envelope's error.message, a plain {message}, or an
    RFC 6749 §5.2 error (`error: error_description`, the OAuth2 provider's token endpoint); "" when there is none."""
    body = json_object(response)
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    if isinstance(error, str):
        description = body.get("error_description")
        return error + (f": {description}" if isinstance(description, str) else "")
    return body["message"] if isinstance(body.get("message"), str) else ""


def describe(response: httpx.Response) -> str:
    """One line: the status and the server's own message."""
    message = error_message(response)
    return f"HTTP {response.status_code}" + (f" {message!r}" if message else "")


class ApiCallError(Exception):
    """A call that did not answer as the happy path expects; says status and error message only."""

    def __init__(self, operation: str, response: httpx.Response) -> None:
        self.response = response
        message = error_message(response)
        super().__init__(f"{operation}: HTTP {response.status_code}" + (f": {message}" if message else ""))


class OAuthApi:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    # --- POST /v2/oauth/{clientId}/authorize -----------------------------------------------
    def o_auth_flow_controller_authorize_raw(
        self,
        client_id: str,
        o_auth_authorize_input: OAuthAuthorizeInput | None,
        cookies: Mapping[str, str] | None = None,
        json: Any = UNSET,
    ) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        return self.http.post(
            f"/v2/oauth/{_segment(client_id)}/authorize",
            json=_body(o_auth_authorize_input, json),
            headers=headers,
            follow_redirects=False,
        )

    def o_auth_flow_controller_authorize(
        self, client_id: str, o_auth_authorize_input: OAuthAuthorizeInput, cookies: Mapping[str, str] | None = None
    ) -> str:
        """Returns the redirect's Location (which carries the code)."""
        response = self.o_auth_flow_controller_authorize_raw(client_id, o_auth_authorize_input, cookies)
        if not response.is_redirect or "location" not in response.headers:
            raise ApiCallError("authorize", response)
        return response.headers["location"]

    # --- POST /v2/oauth/{clientId}/exchange ------------------------------------------------
    def o_auth_flow_controller_exchange_raw(
        self,
        authorization: str | None,
        client_id: str,
        exchange_authorization_code_input: ExchangeAuthorizationCodeInput | None,
        json: Any = UNSET,
    ) -> httpx.Response:
        headers = {"Authorization": authorization} if authorization is not None else {}
        return self.http.post(
            f"/v2/oauth/{_segment(client_id)}/exchange",
            headers=headers,
            json=_body(exchange_authorization_code_input, json),
        )

    def o_auth_flow_controller_exchange(
        self, authorization: str, client_id: str, exchange_authorization_code_input: ExchangeAuthorizationCodeInput
    ) -> KeysResponseDto:
        response = self.o_auth_flow_controller_exchange_raw(authorization, client_id, exchange_authorization_code_input)
        return _keys("exchange", response)

    # --- POST /v2/oauth/{clientId}/refresh -------------------------------------------------
    def o_auth_flow_controller_refresh_access_token_raw(
        self,
        client_id: str,
        x_cal_secret_key: str | None,
        refresh_token_input: RefreshTokenInput | None,
        json: Any = UNSET,
    ) -> httpx.Response:
        headers = {"x-cal-secret-key": x_cal_secret_key} if x_cal_secret_key is not None else {}
        return self.http.post(
            f"/v2/oauth/{_segment(client_id)}/refresh", headers=headers, json=_body(refresh_token_input, json)
        )

    def o_auth_flow_controller_refresh_access_token(
        self, client_id: str, x_cal_secret_key: str, refresh_token_input: RefreshTokenInput
    ) -> KeysResponseDto:
        response = self.o_auth_flow_controller_refresh_access_token_raw(
            client_id, x_cal_secret_key, refresh_token_input
        )
        return _keys("refresh", response)

    # --- GET /v2/me ------------------------------------------------------------------------
    def me_raw(self, access_token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token is not None else {}
        return self.http.get("/v2/me", headers=headers)

    def me(self, access_token: str) -> dict[str, Any]:
        response = self.me_raw(access_token)
        if response.status_code != 200:
            raise ApiCallError("GET /v2/me", response)
        return response.json()["data"]


def bearer(code: str) -> str:
    return f"Bearer {code}"


def _segment(value: str) -> str:
    return quote(value, safe="")


def _body(model: Any, override: Any) -> Any:
    """The JSON to send: the model's, unless a raw call overrides it (None sends no body)."""
    if override is not UNSET:
        return override
    return model.to_json() if model is not None else None


def _keys(operation: str, response: httpx.Response) -> KeysResponseDto:
    if response.status_code != 200:
        raise ApiCallError(operation, response)
    try:
        return KeysResponseDto.from_json(response.json())
    except ValueError as error:
        raise ApiCallError(f"{operation}: malformed KeysResponseDto ({error})", response) from None
