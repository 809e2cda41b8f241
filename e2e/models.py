"""The seed client's models (OAuthApi.md), as typed dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OAuthAuthorizeInput:
    redirect_uri: str
    state: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"redirectUri": self.redirect_uri}
        if self.state is not None:
            body["state"] = self.state
        return body


@dataclass(frozen=True)
class ExchangeAuthorizationCodeInput:
    client_secret: str

    def __repr__(self) -> str:
        return "ExchangeAuthorizationCodeInput(client_secret='***')"

    def to_json(self) -> dict[str, Any]:
        return {"clientSecret": self.client_secret}


@dataclass(frozen=True)
class RefreshTokenInput:
    refresh_token: str

    def __repr__(self) -> str:
        return "RefreshTokenInput(refresh_token='***')"

    def to_json(self) -> dict[str, Any]:
        return {"refreshToken": self.refresh_token}


@dataclass(frozen=True)
class KeysDto:
    access_token: str
    access_token_expires_at: int
    refresh_token: str
    refresh_token_expires_at: int

    def __repr__(self) -> str:
        return (
            f"KeysDto(access_token='***', access_token_expires_at={self.access_token_expires_at}, "
            f"refresh_token='***', refresh_token_expires_at={self.refresh_token_expires_at})"
        )


@dataclass(frozen=True)
class KeysResponseDto:
    status: str
    data: KeysDto

    @classmethod
    def from_json(cls, body: Any) -> KeysResponseDto:
        """Parses a KeysResponseDto; raises ValueError naming what is missing or of the wrong type."""
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise ValueError("body is not {status, data: {...}}")
        data = body["data"]
        for name, kind in (
            ("accessToken", str),
            ("refreshToken", str),
            ("accessTokenExpiresAt", int),
            ("refreshTokenExpiresAt", int),
        ):
            if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
                raise ValueError(f"data.{name} is missing or not {kind.__name__}")
        return cls(
            status=str(body.get("status")),
            data=KeysDto(
                data["accessToken"], data["accessTokenExpiresAt"], data["refreshToken"], data["refreshTokenExpiresAt"]
            ),
        )
