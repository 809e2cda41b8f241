"""The OAuth 2.0 provider flow's steps (CONTRACT §6): a code through the consent page, as a person obtains it, then
the token endpoint, refresh and the token's profile endpoint over HTTP.

Codes of this flow are not journaled (unlike the platform flow's, e2e/ledger.py): Cal.com lets a user hold any
number of them, so one left unexchanged locks nobody out, and it expires after 10 minutes.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from pages import CaughtRedirect, OAuth2ConsentPage, RedirectCatcher, Selectors

from .checks import Blocked
from .client import json_object
from .redaction import Redactor
from .settings import OAuth2Settings

log = logging.getLogger(__name__)
ALLOW_RULE = "oauth2.consent.allow_redirects_with_code"
POLL_S = 0.05
# What Cal.com's consent page says on the page about a client it will not authorize as configured
# (OAUTH_ERROR_REASONS, packages/features/oauth/...): the settings' mistake, not the page's.
CONFIGURATION_ERRORS = (
    "OAuth client with ID not found",
    "does not match",  # redirect_uri does not match [any of] the OAuth client's registered redirect URI[s]
    "OAuth client is not approved",
    "OAuth client has been rejected",
    "scope parameter is required",
)


class Keep(enum.Enum):
    """A request parameter left at the flow's own value (None leaves it out of the request instead)."""

    VALUE = enum.auto()


KEEP = Keep.VALUE


@dataclass(frozen=True)
class Pkce:
    """An RFC 7636 pair: the verifier kept by the app, its S256 challenge sent to the consent page."""

    verifier: str = field(repr=False)

    @classmethod
    def new(cls) -> Pkce:
        return cls(secrets.token_urlsafe(48))  # 64 characters, within §4.1's 43-128

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IssuedCode:
    """A code the consent page's Allow brought back, with what its exchange must repeat."""

    code: str = field(repr=False)
    redirect_uri: str
    pkce: Pkce | None = None
    state: str | None = None


class ConsentRefused(PlaywrightError):
    """The consent page sent the browser back to the app with an error instead of offering Allow (a scope the
    client may not ask for, a public client without PKCE, ...): says which, as the page's redirect did."""


def consent_params(
    settings: OAuth2Settings,
    *,
    client_id: str | Keep = KEEP,
    redirect_uri: str | Keep = KEEP,
    state: str | Keep | None = KEEP,
    scope: str | Keep | None = KEEP,
    pkce: Pkce | None = None,
    method: str = "S256",
) -> dict[str, str]:
    """The consent page's query, as an app builds it (response_type=code, as RFC 6749 §4.1.1 has it)."""
    values = {
        "client_id": settings.client_id if client_id is KEEP else client_id,
        "redirect_uri": settings.redirect_uri if redirect_uri is KEEP else redirect_uri,
        "response_type": "code",
        "state": secrets.token_urlsafe(12) if state is KEEP else state,
        "scope": settings.scope if scope is KEEP else scope,
        "code_challenge": pkce.challenge if pkce is not None else None,
        "code_challenge_method": method if pkce is not None else None,
    }
    return {name: value for name, value in values.items() if isinstance(value, str)}


class ConsentDriver:
    """Drives the consent page in a signed-in browser page and catches where it sends the browser (either
    registered redirect URI; their hosts need not exist)."""

    def __init__(
        self,
        page: Page,
        settings: OAuth2Settings,
        web_url: str,
        selectors: Selectors,
        redactor: Redactor,
        timeout_ms: float,
    ) -> None:
        self.page, self.settings, self.redactor, self.timeout_ms = page, settings, redactor, timeout_ms
        self.consent = OAuth2ConsentPage(page, web_url, selectors)
        origins = {_origin(settings.redirect_uri): settings.redirect_uri}
        if settings.other_redirect_uri:
            origins.setdefault(_origin(settings.other_redirect_uri), settings.other_redirect_uri)
        # one catcher per origin: a second one on the same origin would take every request from the first
        self.catchers = [RedirectCatcher(page.context, uri, on_code=redactor.add) for uri in origins.values()]

    @property
    def caught(self) -> list[CaughtRedirect]:
        """Every request the browser sent to a redirect URI's origin (so far, on this page)."""
        return [redirect for catcher in self.catchers for redirect in catcher.caught]

    def lands_at(self, url: str) -> bool:
        """Whether url is on a redirect URI's origin (the app's side)."""
        return any(catcher.is_redirect_origin(url) for catcher in self.catchers)

    def landed(self) -> bool:
        return self.lands_at(self.page.url)

    def open(self, params: dict[str, str]) -> None:
        self.consent.open(params)

    def wait_for_outcome(self, shown: Locator, timeout_ms: float | None = None) -> None:
        """Waits until `shown` (a locator) is visible, the browser left the consent page, or the time is up;
        whichever comes first. Returns either way: the caller says what it found."""
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000
        while time.monotonic() < deadline:
            with contextlib.suppress(PlaywrightError):
                if self.landed() or urlsplit(self.page.url).path != OAuth2ConsentPage.PATH:
                    return
                if shown.first.is_visible():
                    return
            time.sleep(POLL_S)

    def refusal(self) -> str | None:
        """Where the page sent the browser back to the app with an error: what the redirect said; else None."""
        if not self.landed():
            return None
        query = parse_qs(urlsplit(self.page.url).query)
        if "error" not in query and "code" in query:
            return None  # not a refusal: the page authorized (a trusted client does so without asking)
        error = query.get("error", ["?"])[0]
        description = query.get("error_description", [""])[0]
        return f"error={error}" + (f" ({description})" if description else "")

    def authorized_without_asking(self) -> bool:
        """Whether the page sent the browser to the app with a code before anyone clicked Allow."""
        return self.landed() and self.refusal() is None

    def configuration_problem(self, params: dict[str, str]) -> str | None:
        """Opens the page as the settings have it and says what it refuses about them, if it does: an error on
        the page, or the browser sent back with one, where a working setup shows Allow. None otherwise (also
        where the page does something else: the checks say what)."""
        self.consent.open(params)
        errors = self.consent.allow_button
        for text in CONFIGURATION_ERRORS:
            errors = errors.or_(self.consent.text_shown(text))
        self.wait_for_outcome(errors)
        if self.authorized_without_asking():
            return (
                "the consent page authorized at once, without showing consent: the client is trusted "
                "(OAuthClient.isTrusted), and a trusted client has no consent page to check; use an untrusted client "
                "(isTrusted false, its default; docs/contract.md §6.6)"
            )
        refused = self.refusal()
        if refused is not None:
            return f"the consent page sends the browser back with {refused} instead of offering Allow"
        for text in CONFIGURATION_ERRORS:
            shown = self.consent.text_shown(text)
            with contextlib.suppress(PlaywrightError):
                if not self.consent.allow_button.is_visible() and shown.first.is_visible():
                    return f"the consent page says {shown.first.inner_text().strip()[:160]!r}"
        return None

    def allow_shown(self) -> CaughtRedirect:
        """Clicks the Allow of the page as it is (after configuration_problem found none) and returns where the
        browser landed; PlaywrightError when there is no Allow to click or no redirect came."""
        self._require_allow()
        self.consent.allow()
        return self._wait_landing()

    def shown(self) -> str:
        """The start of what the page shows, for a reason line."""
        with contextlib.suppress(PlaywrightError):
            return self.page.locator("body").inner_text()[:200].strip()
        return ""

    def allow(self, params: dict[str, str]) -> CaughtRedirect:
        """Opens the page with params, clicks Allow, and returns where the browser landed. Raises ConsentRefused
        when the page sent the browser back with an error instead, PlaywrightError (a timeout included) when there
        was no Allow to click or no redirect came."""
        self._offered(params)
        self.consent.allow()
        return self._wait_landing()

    def go_back(self, params: dict[str, str]) -> CaughtRedirect:
        self._offered(params)
        self.consent.go_back()
        return self._wait_landing()

    def _offered(self, params: dict[str, str]) -> None:
        self.consent.open(params)
        self.wait_for_outcome(self.consent.allow_button)
        if self.authorized_without_asking():
            raise PlaywrightError("the consent page authorized without offering Allow (a trusted client)")
        refused = self.refusal()
        if refused is not None:
            raise ConsentRefused(f"the consent page sent the browser back with {refused} instead of offering Allow")
        self._require_allow()

    def _require_allow(self) -> None:
        if not self.consent.allow_button.is_visible():
            raise PlaywrightError(
                f"no Allow button within {self.timeout_ms / 1000:.0f}s; the page shows {self.shown()!r}"
            )

    def _wait_landing(self) -> CaughtRedirect:
        return self.catchers[0].wait(self.page, self.timeout_ms, also=self.catchers[1:])

    def code(self, pkce: Pkce | None = None, redirect_uri: str | None = None, scope: str | None = None) -> IssuedCode:
        """A code for the checks of other rules: through the consent page, with PKCE when asked for (always for a
        public client). Raises Blocked when the page gives none: its own check reports why."""
        if pkce is None and self.settings.is_public:
            pkce = Pkce.new()
        uri = redirect_uri or self.settings.redirect_uri
        params = consent_params(self.settings, redirect_uri=uri, pkce=pkce, scope=scope or self.settings.scope)
        try:
            landed = self.allow(params)
        except PlaywrightError as error:
            raise Blocked(f"no code through the consent page: {str(error).splitlines()[0]}; see {ALLOW_RULE}") from None
        code = landed.code
        if code is None:
            raise Blocked(f"Allow landed without exactly one code; see {ALLOW_RULE}")
        return IssuedCode(code, uri, pkce, params.get("state"))


class OAuth2Endpoints:
    """The token, refresh and profile endpoints, called as an app calls them (form bodies, RFC 6749 §4.1.3, §6).
    Every token a 200 response issues is masked from then on."""

    def __init__(self, http: httpx.Client, settings: OAuth2Settings, redactor: Redactor) -> None:
        self.http, self.settings, self.redactor = http, settings, redactor

    def exchange(
        self,
        issued: IssuedCode,
        *,
        code: str | Keep | None = KEEP,
        redirect_uri: str | Keep | None = KEEP,
        verifier: str | Keep | None = KEEP,
        client_id: str | Keep | None = KEEP,
        client_secret: str | Keep | None = KEEP,
        grant_type: str = "authorization_code",
    ) -> httpx.Response:
        """POST the token endpoint for the issued code; any parameter can be replaced, or left out with None."""
        form = {
            "grant_type": grant_type,
            "code": issued.code if code is KEEP else code,
            "redirect_uri": issued.redirect_uri if redirect_uri is KEEP else redirect_uri,
            "code_verifier": (issued.pkce.verifier if issued.pkce else None) if verifier is KEEP else verifier,
            **self._client(client_id, client_secret),
        }
        return self._post(self.settings.token_url, form)

    def refresh(
        self,
        refresh_token: str,
        *,
        client_id: str | Keep | None = KEEP,
        client_secret: str | Keep | None = KEEP,
        grant_type: str = "refresh_token",
    ) -> httpx.Response:
        form = {"grant_type": grant_type, "refresh_token": refresh_token, **self._client(client_id, client_secret)}
        return self._post(self.settings.refresh_url, form)

    def tokens(self, issued: IssuedCode) -> dict[str, Any]:
        """The token response of a good exchange, for the checks of other rules (Blocked when there is none)."""
        return tokens_of(self.exchange(issued))

    def me(self, access_token: str) -> httpx.Response:
        return self.http.get(self.settings.me_url, headers={"Authorization": f"Bearer {access_token}"})

    def _client(self, client_id: str | Keep | None, client_secret: str | Keep | None) -> dict[str, str | None]:
        secret = self.settings.client_secret.reveal() if self.settings.client_secret is not None else None
        return {
            "client_id": self.settings.client_id if client_id is KEEP else client_id,
            "client_secret": secret if client_secret is KEEP else client_secret,
        }

    def _post(self, url: str, form: Mapping[str, object]) -> httpx.Response:
        response = self.http.post(url, data={k: v for k, v in form.items() if isinstance(v, str)})
        if response.status_code == 200:
            body = json_object(response)
            for name in ("access_token", "refresh_token"):
                if isinstance(body.get(name), str):
                    self.redactor.add(body[name])
        return response


def tokens_of(response: httpx.Response) -> dict[str, Any]:
    """A good exchange's tokens, for the checks of other rules; Blocked (oauth2.token.returns_tokens says why)
    when the response has none."""
    body = json_object(response)
    if response.status_code != 200 or not isinstance(body.get("access_token"), str):
        raise Blocked(
            f"the code's exchange answered HTTP {response.status_code}, no tokens; see oauth2.token.returns_tokens"
        )
    return body


def jwt_claims(token: str) -> dict[str, Any] | None:
    """A JWT's payload, unverified (the harness does not hold the signing key); None when token is no JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def forged_jwt(claims: dict[str, Any]) -> str:
    """An HS256 JWT with these claims, signed with a key the deployment cannot hold."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    signature = hashlib.sha256(secrets.token_bytes(32) + f"{head}.{body}".encode()).digest()
    return f"{head}.{body}.{part(signature)}"


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"
