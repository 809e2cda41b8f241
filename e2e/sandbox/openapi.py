"""The OpenAPI document of the three OAuth operations, shaped like the seed client (OAuthApi.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _client_id_param() -> dict:
    return {"name": "clientId", "in": "path", "required": True, "schema": {"type": "string"}}


def _json_body(model: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}


def _keys_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeysResponseDto"}}},
    }


DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": "Cal.com API v2 (sandbox: platform OAuth)", "version": "1.0.0"},
    "paths": {
        "/v2/oauth/{clientId}/authorize": {
            "post": {
                "operationId": "OAuthFlowController_authorize",
                "summary": "Authorize an OAuth client",
                "description": "Redirects the user to the specified 'redirect_uri' with an authorization code in "
                "query parameter if the client is authorized successfully. The code is then exchanged for access "
                "and refresh tokens via the `/exchange` endpoint.",
                "tags": ["OAuth"],
                "parameters": [_client_id_param()],
                "requestBody": _json_body("OAuthAuthorizeInput"),
                "responses": {
                    "200": {
                        "description": "The user is redirected to the 'redirect_uri' with an authorization code "
                        "in query parameter e.g. `redirectUri?code=secretcode.`"
                    },
                    "400": {
                        "description": "Bad request if the OAuth client is not found, if the redirect URI is "
                        "invalid, or if the user has already authorized the client."
                    },
                },
            }
        },
        "/v2/oauth/{clientId}/exchange": {
            "post": {
                "operationId": "OAuthFlowController_exchange",
                "summary": "Exchange authorization code for access tokens",
                "description": "Exchanges the authorization code received from the `/authorize` endpoint for access "
                "and refresh tokens. The authorization code should be provided in the 'Authorization' header "
                "prefixed with 'Bearer '.",
                "tags": ["OAuth"],
                "parameters": [
                    {"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"}},
                    _client_id_param(),
                ],
                "requestBody": _json_body("ExchangeAuthorizationCodeInput"),
                "responses": {
                    "200": _keys_response("Successfully exchanged authorization code for access and refresh tokens."),
                    "400": {
                        "description": "Bad request if the authorization code is missing, invalid, or if the "
                        "client ID and secret do not match."
                    },
                },
            }
        },
        "/v2/oauth/{clientId}/refresh": {
            "post": {
                "operationId": "OAuthFlowController_refreshAccessToken",
                "tags": ["OAuth"],
                "parameters": [
                    _client_id_param(),
                    {
                        "name": "x-cal-secret-key",
                        "in": "header",
                        "required": True,
                        "description": "OAuth client secret key.",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": _json_body("RefreshTokenInput"),
                "responses": {"200": _keys_response("")},
            }
        },
    },
    "components": {
        "schemas": {
            "OAuthAuthorizeInput": {
                "type": "object",
                "properties": {"redirectUri": {"type": "string"}, "state": {"type": "string"}},
                "required": ["redirectUri"],
            },
            "ExchangeAuthorizationCodeInput": {
                "type": "object",
                "properties": {"clientSecret": {"type": "string"}},
                "required": ["clientSecret"],
            },
            "RefreshTokenInput": {
                "type": "object",
                "properties": {"refreshToken": {"type": "string"}},
                "required": ["refreshToken"],
            },
            "KeysDto": {
                "type": "object",
                "properties": {
                    "accessToken": {"type": "string"},
                    "refreshToken": {"type": "string"},
                    "accessTokenExpiresAt": {"type": "number"},
                    "refreshTokenExpiresAt": {"type": "number"},
                },
                "required": ["accessToken", "refreshToken", "accessTokenExpiresAt", "refreshTokenExpiresAt"],
            },
            "KeysResponseDto": {
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["success", "error"], "example": "success"},
                    "data": {"$ref": "#/components/schemas/KeysDto"},
                },
                "required": ["status", "data"],
            },
        }
    },
}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(DOCUMENT)


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
