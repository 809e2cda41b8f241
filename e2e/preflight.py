"""Before any check: one probe per configuration mistake, so that one cause gives one message (exit 2), not
dozens of failures each blamed on a rule that never broke. Each probe changes nothing on the server, or spends
what it obtains (a code is exchanged through the ledger)."""

from __future__ import annotations

import httpx

from pages import codes_in

from .client import OAuthApi, describe, json_object
from .ledger import CodeLedger
from .models import ExchangeAuthorizationCodeInput, OAuthAuthorizeInput, RefreshTokenInput
from .settings import OAuth2Settings, Settings


class Misconfigured(Exception):
    """One line: what is wrong and what to do."""


def check_api_and_client(api: OAuthApi, settings: Settings) -> None:
    """CAL_API_URL is Cal.com's API, CAL_CLIENT_ID exists there and CAL_CLIENT_SECRET is its secret."""
    probe = api.o_auth_flow_controller_exchange_raw(
        "Bearer calcom-e2e-probe", settings.client_id, ExchangeAuthorizationCodeInput("calcom-e2e-probe")
    )
    if probe.status_code != 400 or not _is_json_object(probe):
        raise Misconfigured(
            f"CAL_API_URL={settings.api_url} does not answer like Cal.com's API v2 (POST "
            f"/v2/oauth/{{clientId}}/exchange answered {describe(probe)}): it must be the API's base "
            "URL (e.g. https://api.cal.com), not the web app"
        )
    login_page = f"{settings.web_url}/auth/login"
    try:
        web = httpx.get(login_page, timeout=10.0)
    except httpx.HTTPError:
        web = None  # unreachable: the run's reachability probe and the login say so
    if web is not None and web.status_code == 404:
        raise Misconfigured(
            f"CAL_WEB_URL={settings.web_url} does not serve the login page ({login_page} answered "
            "HTTP 404): it must be the web app (e.g. https://app.cal.com), not the API"
        )
    secret = api.o_auth_flow_controller_refresh_access_token_raw(
        settings.client_id, settings.client_secret.reveal(), RefreshTokenInput("calcom-e2e-probe")
    )
    if secret.status_code == 401:
        text = describe(secret)
        if "not found" in text:
            raise Misconfigured(f"CAL_CLIENT_ID={settings.client_id} is unknown to the API ({text})")
        if "secret" in text.lower():
            raise Misconfigured(f"CAL_CLIENT_SECRET is refused for client {settings.client_id} ({text})")


def check_authorize(api: OAuthApi, settings: Settings, cookies: dict[str, str], ledger: CodeLedger) -> None:
    """With the test user's session: authorize works for CAL_REDIRECT_URI, the user holds no code from elsewhere,
    and the client may read the profile (PROFILE_READ, for GET /v2/me). The code obtained is spent."""
    response = api.o_auth_flow_controller_authorize_raw(
        settings.client_id, OAuthAuthorizeInput(settings.redirect_uri), cookies=cookies
    )
    text = describe(response)
    if response.status_code == 401 and cookies:
        raise Misconfigured(
            f"the test user's login worked but authorize with its session cookie answered {text}: "
            f"the web app's session cookie ({', '.join(sorted(cookies))}) does not reach "
            f"{settings.api_url}: NEXTAUTH_COOKIE_DOMAIN must cover both hosts and the API must share "
            "the web app's NEXTAUTH_SECRET (CONTRACT §3)"
        )
    if response.status_code == 400 and "Invalid 'redirect_uri' value." in text:
        raise Misconfigured(
            f"CAL_REDIRECT_URI={settings.redirect_uri} is not registered for client "
            f"{settings.client_id} ({text}): register it exactly, or set the one registered"
        )
    if response.status_code == 400 and "already authorized" in text:
        raise Misconfigured(
            f"{settings.user_email} holds an unexchanged code for client {settings.client_id} "
            f"({text}) that this harness did not journal: Cal.com refuses a new authorize until it "
            "is exchanged. Exchange it if you have it, else delete the user's "
            "PlatformAuthorizationToken row for this client, or use another test user"
        )
    codes = codes_in(response.headers.get("location", "")) or _json_code(response)
    if len(codes) != 1:
        return  # not a configuration matter: the authorize checks will say what is wrong
    ledger.track(codes[0], settings.client_id, settings.client_secret.reveal())
    exchanged = api.o_auth_flow_controller_exchange_raw(
        f"Bearer {codes[0]}", settings.client_id, ExchangeAuthorizationCodeInput(settings.client_secret.reveal())
    )
    if exchanged.status_code != 200:
        return  # the ledger settles it (with retries); the exchange checks report it
    ledger.spent(codes[0])
    token = exchanged.json().get("data", {}).get("accessToken")
    if isinstance(token, str):
        me = api.me_raw(token)
        if me.status_code == 403 and "permission" in describe(me).lower():
            raise Misconfigured(
                f"client {settings.client_id} lacks the PROFILE_READ permission GET /v2/me needs "
                f"({describe(me)}): give it PROFILE_READ (CONTRACT §3)"
            )
        user_id = _json_field(me, "id")
        if settings.user_id is not None and isinstance(user_id, int) and user_id != settings.user_id:
            raise Misconfigured(
                f"E2E_USER_ID={settings.user_id}, but GET /v2/me says {settings.user_email} has id "
                f"{user_id}: set E2E_USER_ID={user_id} or leave it unset"
            )


def _json_field(response: httpx.Response, name: str) -> object:
    try:
        return response.json().get("data", {}).get(name)
    except (ValueError, AttributeError):
        return None


def _json_code(response: httpx.Response) -> list[str]:
    """A code answered in a JSON body instead of a redirect (a broken authorize): still the user's to spend."""
    try:
        code = response.json().get("data", {}).get("code")
    except (ValueError, AttributeError):
        return []
    return [code] if isinstance(code, str) else []


def _is_json_object(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except ValueError:
        return False


def check_oauth2_client(http: httpx.Client, oauth2: OAuth2Settings) -> None:
    """The OAuth2 flow's token endpoint is Cal.com's, knows CAL_OAUTH2_CLIENT_ID and takes its secret. An exchange
    of a code that does not exist is refused on the code (400 invalid_grant) once the client, the redirect URI and
    the secret passed (OAuthService.exchangeCodeForTokens checks them in that order). A redirect URI that is not
    registered is also invalid_grant, told apart only where the body says redirect_uri_mismatch (API v2, newer
    routes); elsewhere the consent page says so, in oauth2.consent.allow_redirects_with_code, and the secret is then
    left unverified here."""
    form = {
        "grant_type": "authorization_code",
        "code": "calcom-e2e-probe",
        "client_id": oauth2.client_id,
        "redirect_uri": oauth2.redirect_uri,
    }
    if oauth2.client_secret is not None:
        form["client_secret"] = oauth2.client_secret.reveal()
    probe = http.post(oauth2.token_url, data=form)
    body = json_object(probe)
    error = body.get("error")
    if probe.status_code == 400 and error == "invalid_grant":
        if body.get("error_description") == "redirect_uri_mismatch":
            raise Misconfigured(
                f"CAL_OAUTH2_REDIRECT_URI={oauth2.redirect_uri} is not registered for client {oauth2.client_id} "
                f"({describe(probe)}): register it exactly, or correct the variable"
            )
        return
    answered = describe(probe)
    if probe.status_code == 401 and error == "invalid_client":
        secret = (
            "CAL_OAUTH2_CLIENT_SECRET is wrong"
            if oauth2.client_secret is not None
            else "it is a confidential client: set CAL_OAUTH2_CLIENT_SECRET"
        )
        raise Misconfigured(
            f"CAL_OAUTH2_CLIENT_ID={oauth2.client_id} is unknown to {oauth2.token_url}, or {secret} ({answered})"
        )
    if probe.status_code == 401 and body.get("message") == "Unauthorized":
        raise Misconfigured(
            f"{oauth2.token_url} answers {answered} to a probe: an unknown client, a wrong secret, an unregistered "
            "CAL_OAUTH2_REDIRECT_URI, or a Cal.com whose OAuth2 provider predates RFC 6749 errors and PKCE "
            "(docs/contract.md §6.7)"
        )
    if error is None:
        raise Misconfigured(
            f"CAL_OAUTH2_TOKEN_URL={oauth2.token_url} does not answer like Cal.com's OAuth2 token endpoint "
            f"({answered}): it is {{CAL_WEB_URL}}/api/auth/oauth/token on the web app"
        )
