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
EXTRA_VARIABLES = {
    "E2E_USERS": "optional: one test user per pytest-xdist worker, as email:password pairs separated by ';'",
    "E2E_BROWSER_WS_ENDPOINT": "optional: a Playwright server's WebSocket endpoint (playwright run-server) to run the "
    "browser on",
}
VARIABLES = {**CONTRACT_VARIABLES, **EXTRA_VARIABLES}
# variables that describe a remote target: any of them without CAL_API_URL is a mistake, not a sandbox run
TARGET_VARIABLES = [name for name in CONTRACT_VARIABLES if name != "CAL_API_URL"] + ["E2E_USERS"]
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
    )


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
    )


def _base_url(values: Mapping[str, str], name: str) -> str:
    url = values[name]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={url!r} is malformed: expected an http(s) base URL such as https://api.cal.com")
    return url.rstrip("/")
