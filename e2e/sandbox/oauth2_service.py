"""The OAuth2 provider's shared steps, after Cal.com's `OAuthService` (packages/features/oauth/services/
OAuthService.ts @ e0ef2d8d): checking a client for authorization, scopes, client status, redirect URLs.

Messages are Cal.com's `OAUTH_ERROR_REASONS` (L641-644 and the e2e tests of oauth-authorize-approval-status.e2e.ts
@ 703c5416).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from starlette.requests import Request

from .current import behaviour
from .oauth2_scopes import ALL_KNOWN_SCOPES, is_legacy_client
from .oauth2_store import OAuth2Client, OAuth2Store

CLIENT_NOT_FOUND = "OAuth client with ID not found"
REDIRECT_URI_MISMATCH = "redirect_uri does not match any of the OAuth client's registered redirect URIs"
CLIENT_NOT_APPROVED = "OAuth client is not approved"
CLIENT_REJECTED = "OAuth client has been rejected"
SCOPE_REQUIRED = "scope parameter is required for this OAuth client"
UNKNOWN_SCOPE = "Requested scope is not a recognized scope"
SCOPE_EXCEEDS = "Requested scope exceeds the client's registered scopes"
CHALLENGE_REQUIRED = "code_challenge required for public clients"
METHOD_S256 = "code_challenge_method must be S256"


@dataclass
class AuthorizeError(Exception):
    """A refusal on the consent page: the message shown (or sent as error_description) and its tRPC code."""

    message: str
    code: str  # NOT_FOUND, BAD_REQUEST, UNAUTHORIZED, FORBIDDEN


def oauth2_store(request: Request) -> OAuth2Store:
    return request.app.state.oauth2


def status_refusal(client: OAuth2Client, user_id: int) -> str | None:
    """`ensureClientAccessAllowed` (L237-257): REJECTED blocks everyone, PENDING all but the client's owner."""
    if client.status == "REJECTED":
        return CLIENT_REJECTED
    if client.status == "PENDING" and client.owner_id != user_id:
        return CLIENT_NOT_APPROVED
    return None


def client_for_authorization(
    request: Request, client_id: str, redirect_uri: str, user_id: int, scopes: list[str]
) -> OAuth2Client:
    """`getClientForAuthorization` (L102-141): the client, or AuthorizeError, checked in Cal.com's order."""
    steps = behaviour(request)
    client = oauth2_store(request).client(client_id)
    if client is None:
        raise AuthorizeError(CLIENT_NOT_FOUND, "NOT_FOUND")
    if not steps.redirect_uri_registered(redirect_uri, client.redirect_uris):
        raise AuthorizeError(REDIRECT_URI_MISMATCH, "BAD_REQUEST")
    refusal = steps.consent_status_refusal(status_refusal(client, user_id))
    if refusal:
        raise AuthorizeError(refusal, "UNAUTHORIZED")
    if not is_legacy_client(client.scopes) and not scopes:
        raise AuthorizeError(SCOPE_REQUIRED, "BAD_REQUEST")
    if any(scope not in ALL_KNOWN_SCOPES for scope in scopes):
        raise AuthorizeError(UNKNOWN_SCOPE, "BAD_REQUEST")
    if not is_legacy_client(client.scopes) and not set(scopes) <= set(client.scopes):
        raise AuthorizeError(SCOPE_EXCEEDS, "BAD_REQUEST")
    return client


def check_pkce_request(request: Request, client: OAuth2Client, challenge: str | None, method: str | None) -> None:
    """`generateAuthorizationCode`'s PKCE checks (L170-184): a public client needs a challenge, a challenge S256."""
    steps = behaviour(request)
    if not challenge and steps.challenge_required(client.client_type):
        raise AuthorizeError(CHALLENGE_REQUIRED, "BAD_REQUEST")
    if challenge and not steps.pkce_method_allowed(method):
        raise AuthorizeError(METHOD_S256, "BAD_REQUEST")


def redirect_with_code(request: Request, redirect_uri: str, code: str, state: str | None) -> str:
    """`buildRedirectUrl` (L288-296): new URL(redirectUri), searchParams.set("code"), set("state") when given.
    As WHATWG's URL does, a bare origin gains its "/" and the query is re-serialised form-style."""
    parts = urlsplit(redirect_uri)
    params = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "code"]
    params.append(("code", code))
    query = behaviour(request).authorization_response_query(params, state)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))
