"""Configuration: .env file and environment -> one validated Settings object (CONTRACT §3).

This is the only module that reads the process environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from .sandbox.info import SandboxInfo

CONTRACT_VARIABLES = {
    "CAL_API_URL": "API base URL, e.g. https://api.cal.com (unset: the embedded sandbox is started)",
    "CAL_WEB_URL": "web base URL for the login and consent pages (default: CAL_API_URL)",
    "CAL_CLIENT_ID": "the platform OAuth client's id",
    "CAL_CLIENT_SECRET": "the platform OAuth client's secret",
    "CAL_REDIRECT_URI": "a redirect URI registered for that client, exactly as registered",
    "E2E_USER_EMAIL": "the email of a test user who can log in",
    "E2E_USER_PASSWORD": "that user's password",
    "E2E_USER_ID": "optional: that user's numeric id, to check ownerId",
}
# Cal.com's OAuth 2.0 provider ("Sign in with Cal.com", docs/contract.md §6): its flow runs when a client is given
OAUTH2_VARIABLES = {
    "CAL_OAUTH2_CLIENT_ID": "optional: an OAuth2 (third-party app) client's id; set, the consent-page flow runs too",
    "CAL_OAUTH2_CLIENT_SECRET": "that client's secret (leave unset for a public client: PKCE only)",
    "CAL_OAUTH2_REDIRECT_URI": "a redirect URI registered for that client, exactly as registered",
    "CAL_OAUTH2_SCOPES": "the scopes to request, comma or space separated (default READ_PROFILE)",
    "CAL_OAUTH2_OTHER_REDIRECT_URI": "optional: a second URI registered for that client (code-binding check)",
    "CAL_OAUTH2_CLIENT_NAME": "optional: that client's name as registered (the consent page must show it)",
    "CAL_OAUTH2_TOKEN_URL": "optional: the token endpoint (default {CAL_WEB_URL}/api/auth/oauth/token)",
    "CAL_OAUTH2_REFRESH_URL": "optional: the refresh endpoint (default {CAL_WEB_URL}/api/auth/oauth/refreshToken)",
    "CAL_OAUTH2_ME_URL": "optional: the token's profile endpoint (default {CAL_WEB_URL}/api/auth/oauth/me with "
    "READ_PROFILE, else {CAL_API_URL}/v2/me)",
}
EXTRA_VARIABLES = {
    "E2E_USERS": "optional: one test user per pytest-xdist worker, as email:password pairs separated by ';'",
    "E2E_BROWSER_WS_ENDPOINT": "optional: a Playwright server's WebSocket endpoint (playwright run-server) to run the "
    "browser on",
}
VARIABLES = {**CONTRACT_VARIABLES, **OAUTH2_VARIABLES, **EXTRA_VARIABLES}
# variables that describe a remote target: any of them without CAL_API_URL is a mistake, not a sandbox run
TARGET_VARIABLES = [name for name in CONTRACT_VARIABLES if name != "CAL_API_URL"] + [*OAUTH2_VARIABLES, "E2E_USERS"]
LEGACY_PROFILE_SCOPE = "READ_PROFILE"  # what /api/auth/oauth/me asks of a token (apps/web/app/api/auth/oauth/me)
REQUIRED_WITH_REMOTE = ["CAL_CLIENT_ID", "CAL_CLIENT_SECRET", "CAL_REDIRECT_URI", "E2E_USER_EMAIL", "E2E_USER_PASSWORD"]


class ConfigError(Exception):
    """A missing or malformed variable; the message is one line naming it and what is expected."""


class Secret(str):
    """A str whose repr and str-formatting in messages never show the value; use .reveal()."""

    def reveal(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"


@dataclass(frozen=True)
class UserCredentials:
    email: str
    password: Secret


@dataclass(frozen=True)
class OAuth2Settings:
    """The OAuth 2.0 provider flow's client (docs/contract.md §6); client_secret None means a public client."""

    client_id: str
    client_secret: Secret | None
    redirect_uri: str
    scopes: tuple[str, ...]
    token_url: str
    refresh_url: str
    me_url: str
    other_redirect_uri: str | None = None
    client_name: str | None = None  # CAL_OAUTH2_CLIENT_NAME: the consent page must show it

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    @property
    def scope(self) -> str:
        return ",".join(self.scopes)

    @property
    def takes_verifier_with_secret(self) -> bool:
        """Whether the token endpoint takes code_verifier beside client_secret: the web app's route does; API v2's
        input pipe (forbidNonWhitelisted) refuses it, so PKCE there is for public clients."""
        return "/v2/" not in urlsplit(self.token_url).path


@dataclass(frozen=True)
class Settings:
    api_url: str
    web_url: str
    client_id: str
    client_secret: Secret
    redirect_uri: str
    user_email: str
    user_password: Secret
    user_id: int | None
    sandbox: SandboxInfo | None = field(default=None, repr=False)
    extra_users: tuple[UserCredentials, ...] = ()
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    oauth2: OAuth2Settings | None = None  # None: no OAuth2 client configured, that flow is skipped

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    def for_worker(self, index: int) -> Settings:
        """The settings of pytest-xdist worker `index`: its own test user from E2E_USERS when given."""
        if not self.extra_users or self.sandbox is not None:
            return self
        if index >= len(self.extra_users):
            raise ConfigError(
                f"E2E_USERS lists {len(self.extra_users)} users but worker {index + 1} needs one: "
                "give one test user per pytest-xdist worker"
            )
        user = self.extra_users[index]
        return replace(self, user_email=user.email, user_password=user.password, user_id=None)

    def secret_values(self) -> list[str]:
        values = [
            self.client_secret.reveal(),
            self.user_password.reveal(),
            *(u.password.reveal() for u in self.extra_users),
        ]
        if self.oauth2 is not None and self.oauth2.client_secret is not None:
            values.append(self.oauth2.client_secret.reveal())
        if self.sandbox:
            values.append(self.sandbox.admin_key)
        return values


def read_environment(env_file: Path | None = None) -> dict[str, str]:
    """The CONTRACT §3 variables from the .env file, overridden by the process environment."""
    if env_file is not None and not env_file.is_file():
        raise ConfigError(f"--env-file {env_file}: no such file")
    path = env_file or Path.cwd() / ".env"
    from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.is_file() else {}
    from_env = {k: v for k, v in os.environ.items() if k in VARIABLES}
    return {k: v.strip() for k, v in {**from_file, **from_env}.items() if k in VARIABLES and v.strip()}


def default_state_dir() -> Path:
    """Where the harness keeps state between runs (the codes a killed run left unexchanged)."""
    cache = os.environ.get("XDG_CACHE_HOME")
    return (Path(cache) if cache else Path.home() / ".cache") / "calcom-e2e"


def use_node_compile_cache(cache_dir: Path) -> None:
    """Lets Node cache the Playwright driver's compiled code between runs (NODE_COMPILE_CACHE, Node 22.1+): its
    start takes ~0.12 s less. The driver inherits this process's environment; a value already set is kept."""
    os.environ.setdefault("NODE_COMPILE_CACHE", str(cache_dir))


def wants_sandbox(values: Mapping[str, str]) -> bool:
    return "CAL_API_URL" not in values


def remote_settings(values: Mapping[str, str], require_target: bool = False) -> Settings | None:
    """Validated settings for the remote target the values name, or None when they ask for the sandbox.

    The embedded sandbox is used only when no target variable at all is set: a CAL_CLIENT_ID (say) without
    CAL_API_URL is a mistake (a CI secret that is missing arrives as an empty string), and so is any fallback
    under require_target (--require-target)."""
    if not wants_sandbox(values):
        return settings_from_values(values)
    stray = [name for name in TARGET_VARIABLES if name in values]
    if stray:
        raise ConfigError(
            f"CAL_API_URL is empty or unset but {', '.join(stray)} {'is' if len(stray) == 1 else 'are'} "
            "set: set CAL_API_URL to test that deployment, or unset them all to use the embedded sandbox"
        )
    if require_target:
        raise ConfigError(
            "CAL_API_URL is empty or unset and --require-target forbids falling back to the embedded "
            "sandbox: set CAL_API_URL (a CI secret that is missing arrives empty)"
        )
    return None


def browser_ws_endpoint_from(values: Mapping[str, str]) -> str | None:
    """E2E_BROWSER_WS_ENDPOINT, validated. Not part of Settings: it does not depend on the target, so the browser
    can start while the embedded sandbox is still starting."""
    endpoint = values.get("E2E_BROWSER_WS_ENDPOINT")
    if endpoint is not None and urlsplit(endpoint).scheme not in ("ws", "wss"):
        raise ConfigError(f"E2E_BROWSER_WS_ENDPOINT={endpoint!r} is malformed: expected ws://host:port/...")
    return endpoint


def settings_from_values(values: Mapping[str, str]) -> Settings:
    """Validated settings for a remote target. Raises ConfigError naming the first bad variable."""
    api_url = _base_url(values, "CAL_API_URL")
    if api_url.endswith(("/v2", "/api/v2")):
        raise ConfigError(
            f"CAL_API_URL={values['CAL_API_URL']!r} ends in /v2: give the API's base URL without it "
            "(e.g. https://api.cal.com); the harness adds /v2/... itself"
        )
    web_url = _base_url(values, "CAL_WEB_URL") if "CAL_WEB_URL" in values else api_url
    for name in REQUIRED_WITH_REMOTE:
        if name not in values:
            raise ConfigError(
                f"{name} is not set: expected {VARIABLES[name]} (CAL_API_URL is set, so the target is remote)"
            )
    redirect = urlsplit(values["CAL_REDIRECT_URI"])
    if not redirect.scheme or not redirect.netloc:
        raise ConfigError(f"CAL_REDIRECT_URI={values['CAL_REDIRECT_URI']!r} is malformed: expected an absolute URI")
    if "@" not in values["E2E_USER_EMAIL"]:
        raise ConfigError("E2E_USER_EMAIL is malformed: expected an email address")
    user_id = values.get("E2E_USER_ID")
    if user_id is not None and not user_id.isdigit():
        raise ConfigError(f"E2E_USER_ID={user_id!r} is malformed: expected a positive integer")
    return Settings(
        api_url=api_url,
        web_url=web_url,
        client_id=values["CAL_CLIENT_ID"],
        client_secret=Secret(values["CAL_CLIENT_SECRET"]),
        redirect_uri=values["CAL_REDIRECT_URI"],
        user_email=values["E2E_USER_EMAIL"],
        user_password=Secret(values["E2E_USER_PASSWORD"]),
        user_id=int(user_id) if user_id else None,
        extra_users=_users(values.get("E2E_USERS", "")),
        oauth2=oauth2_settings_from_values(values, api_url, web_url),
    )


def oauth2_settings_from_values(values: Mapping[str, str], api_url: str, web_url: str) -> OAuth2Settings | None:
    """The OAuth2 flow's settings, None when no CAL_OAUTH2_CLIENT_ID is given (its other variables alone are a
    mistake). Raises ConfigError naming the first bad variable."""
    if "CAL_OAUTH2_CLIENT_ID" not in values:
        stray = [name for name in OAUTH2_VARIABLES if name in values]
        if stray:
            raise ConfigError(
                f"{', '.join(stray)} {'is' if len(stray) == 1 else 'are'} set but CAL_OAUTH2_CLIENT_ID is not: "
                "set it to run the OAuth2 consent-page flow, or unset them"
            )
        return None
    if "CAL_OAUTH2_REDIRECT_URI" not in values:
        raise ConfigError(
            f"CAL_OAUTH2_REDIRECT_URI is not set: expected {OAUTH2_VARIABLES['CAL_OAUTH2_REDIRECT_URI']} "
            "(CAL_OAUTH2_CLIENT_ID is set)"
        )
    for name in ("CAL_OAUTH2_REDIRECT_URI", "CAL_OAUTH2_OTHER_REDIRECT_URI"):
        if name in values:
            parts = urlsplit(values[name])
            if not parts.scheme or not parts.netloc:
                raise ConfigError(f"{name}={values[name]!r} is malformed: expected an absolute URI")
    redirect = urlsplit(values["CAL_OAUTH2_REDIRECT_URI"])
    if (redirect.scheme, redirect.netloc) == (urlsplit(web_url).scheme, urlsplit(web_url).netloc):
        raise ConfigError(
            f"CAL_OAUTH2_REDIRECT_URI={values['CAL_OAUTH2_REDIRECT_URI']!r} is on the web app's origin: the harness "
            "catches every browser request to the redirect URI's origin, which would take the consent page too; "
            "register a redirect URI on another host (it need not exist)"
        )
    scopes = tuple(s for s in values.get("CAL_OAUTH2_SCOPES", LEGACY_PROFILE_SCOPE).replace(",", " ").split() if s)
    if not scopes:
        raise ConfigError("CAL_OAUTH2_SCOPES is empty: give at least one scope, e.g. READ_PROFILE")
    default_me = f"{web_url}/api/auth/oauth/me" if LEGACY_PROFILE_SCOPE in scopes else f"{api_url}/v2/me"
    secret = values.get("CAL_OAUTH2_CLIENT_SECRET")
    return OAuth2Settings(
        client_id=values["CAL_OAUTH2_CLIENT_ID"],
        client_secret=Secret(secret) if secret else None,
        redirect_uri=values["CAL_OAUTH2_REDIRECT_URI"],
        scopes=scopes,
        token_url=_endpoint(values, "CAL_OAUTH2_TOKEN_URL", f"{web_url}/api/auth/oauth/token"),
        refresh_url=_endpoint(values, "CAL_OAUTH2_REFRESH_URL", f"{web_url}/api/auth/oauth/refreshToken"),
        me_url=_endpoint(values, "CAL_OAUTH2_ME_URL", default_me),
        other_redirect_uri=values.get("CAL_OAUTH2_OTHER_REDIRECT_URI"),
        client_name=values.get("CAL_OAUTH2_CLIENT_NAME"),
    )


def _endpoint(values: Mapping[str, str], name: str, default: str) -> str:
    if name not in values:
        return default
    parts = urlsplit(values[name])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={values[name]!r} is malformed: expected an absolute http(s) URL")
    return values[name]


def _users(text: str) -> tuple[UserCredentials, ...]:
    users = []
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        email, sep, password = entry.partition(":")
        if not sep or "@" not in email or not password:
            raise ConfigError("E2E_USERS is malformed: expected email:password pairs separated by ';'")
        users.append(UserCredentials(email, Secret(password)))
    return tuple(users)


def settings_from_sandbox(info: SandboxInfo) -> Settings:
    """Settings for the embedded sandbox (of the environment, only E2E_BROWSER_WS_ENDPOINT still applies)."""
    return Settings(
        api_url=info.api_url,
        web_url=info.web_url or info.api_url,
        client_id=info.client_id,
        client_secret=Secret(info.client_secret),
        redirect_uri=info.redirect_uri,
        user_email=info.user_email,
        user_password=Secret(info.user_password),
        user_id=info.user_id,
        sandbox=info,
        oauth2=_sandbox_oauth2(info),
    )


def _sandbox_oauth2(info: SandboxInfo) -> OAuth2Settings | None:
    if not info.oauth2_client_id:  # a sandbox without the OAuth2 provider
        return None
    values = {
        "CAL_OAUTH2_CLIENT_ID": info.oauth2_client_id,
        "CAL_OAUTH2_CLIENT_SECRET": info.oauth2_client_secret,
        "CAL_OAUTH2_REDIRECT_URI": info.oauth2_redirect_uri,
        "CAL_OAUTH2_OTHER_REDIRECT_URI": info.oauth2_other_redirect_uri,
        "CAL_OAUTH2_SCOPES": info.oauth2_scopes,
        "CAL_OAUTH2_CLIENT_NAME": info.oauth2_client_name,
    }
    web_url = info.web_url or info.api_url
    present = {k: v for k, v in values.items() if v}
    return oauth2_settings_from_values(present, info.api_url, web_url)


def _base_url(values: Mapping[str, str], name: str) -> str:
    url = values[name]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={url!r} is malformed: expected an http(s) base URL such as https://api.cal.com")
    return url.rstrip("/")
