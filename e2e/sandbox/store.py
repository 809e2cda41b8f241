"""SQLite persistence for the sandbox. Each state change that must be atomic is one SQL statement."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .passwords import hash_password, verify_password
from .tokens import new_secret_token

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE,
    username TEXT, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_sha256 TEXT NOT NULL,
    redirect_uris TEXT NOT NULL, permissions TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    UNIQUE (client_id, user_id));
CREATE TABLE IF NOT EXISTS access_tokens (
    token_key TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    family TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_key TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    family TEXT NOT NULL, expires_ms INTEGER NOT NULL, rotated INTEGER NOT NULL DEFAULT 0);
"""
# 2: tokens kept under the hash of the token (token_key), no longer under their jti
SCHEMA_VERSION = "2"

SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class User:
    id: int
    email: str
    username: str | None


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    secret_sha256: str
    redirect_uris: list[str]
    permissions: list[str]

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(_sha256(secret), self.secret_sha256)


@dataclass(frozen=True)
class TokenGrant:
    client_id: str
    user_id: int
    family: str
    expires_ms: int


@dataclass(frozen=True)
class RefreshToken(TokenGrant):
    rotated: bool


class TokenCollision(Exception):
    """A token byte-identical to a stored one: Cal.com's unique `secret` column refuses the insert."""


class Store:
    def __init__(self, path: Path) -> None:
        # One connection, used from the server's event loop thread only; autocommit mode,
        # so every statement below is its own transaction (transaction() groups several).
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        if self.get_meta("schema_version") != SCHEMA_VERSION:  # tokens of an older sandbox are not kept
            self.db.executescript("DROP TABLE IF EXISTS access_tokens; DROP TABLE IF EXISTS refresh_tokens;")
        self.db.executescript(SCHEMA)
        self.set_meta("schema_version", SCHEMA_VERSION)
        self._savepoints = itertools.count()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside or none (nestable). Never await inside: the connection is shared."""
        name = f"sp{next(self._savepoints)}"
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        self.db.execute(f"RELEASE {name}")

    # --- server clock (shiftable by the test-support API) ---------------------------------
    def clock_offset_ms(self) -> int:
        return int(self.get_meta("clock_offset_ms") or 0)

    def shift_clock(self, delta_ms: int) -> int:
        offset = self.clock_offset_ms() + delta_ms
        self.set_meta("clock_offset_ms", str(offset))
        return offset

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def signing_key(self) -> str:
        key = self.get_meta("signing_key")
        if key is None:
            key = new_secret_token(32)
            self.set_meta("signing_key", key)
        return key

    # --- users and sessions ----------------------------------------------------------------
    def create_user(self, email: str, password: str, username: str | None) -> User:
        cursor = self.db.execute(
            "INSERT INTO users (email, username, password_hash) VALUES (?, ?, ?)",
            (email, username, hash_password(password)),
        )
        return User(int(cursor.lastrowid or 0), email, username)

    def user_by_id(self, user_id: int) -> User | None:
        row = self.db.execute("SELECT id, email, username FROM users WHERE id = ?", (user_id,)).fetchone()
        return User(row["id"], row["email"], row["username"]) if row else None

    def authenticate(self, email: str, password: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE email = ?", (email.strip().lower(),)).fetchone()
        if row is None or not verify_password(password, row["password_hash"]):
            return None
        return User(row["id"], row["email"], row["username"])

    def create_session(self, user_id: int) -> str:
        token = new_secret_token()
        self.db.execute(
            "INSERT INTO sessions (token, user_id, expires_ms) VALUES (?, ?, ?)",
            (token, user_id, self.now_ms() + SESSION_LIFETIME_MS),
        )
        return token

    def user_for_session(self, token: str) -> User | None:
        row = self.db.execute(
            "SELECT user_id FROM sessions WHERE token = ? AND expires_ms > ?", (token, self.now_ms())
        ).fetchone()
        return self.user_by_id(row["user_id"]) if row else None

    # --- clients ---------------------------------------------------------------------------
    def create_client(self, name: str, redirect_uris: list[str], permissions: list[str]) -> tuple[Client, str]:
        client_id = "clxx" + new_secret_token(12).replace("-", "a").replace("_", "b").lower()
        secret = new_secret_token(32)
        self.db.execute(
            "INSERT INTO clients (id, name, secret_sha256, redirect_uris, permissions) VALUES (?, ?, ?, ?, ?)",
            (client_id, name, _sha256(secret), json.dumps(redirect_uris), json.dumps(permissions)),
        )
        return Client(client_id, name, _sha256(secret), redirect_uris, permissions), secret

    def client(self, client_id: str) -> Client | None:
        row = self.db.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()
        if row is None:
            return None
        return Client(
            row["id"],
            row["name"],
            row["secret_sha256"],
            json.loads(row["redirect_uris"]),
            json.loads(row["permissions"]),
        )

    # --- authorization codes ---------------------------------------------------------------
    def create_code(self, client_id: str, user_id: int, code: str | None = None) -> str | None:
        """A new code, or None when the user already holds an unexchanged one for this client."""
        code = code or new_secret_token(32)
        try:
            self.db.execute("INSERT INTO codes (code, client_id, user_id) VALUES (?, ?, ?)", (code, client_id, user_id))
        except sqlite3.IntegrityError:
            return None
        return code

    def take_code(self, code: str, client_id: str | None) -> int | None:
        """Deletes the code and returns its user, in one statement: of racing callers one wins."""
        row = self.db.execute(
            "DELETE FROM codes WHERE code = ? AND (? IS NULL OR client_id = ?) RETURNING user_id",
            (code, client_id, client_id),
        ).fetchone()
        return row["user_id"] if row else None

    def peek_code(self, code: str, client_id: str | None) -> int | None:
        """The code's user if the code is pending (for client_id; any client when None), without spending it."""
        row = self.db.execute(
            "SELECT user_id FROM codes WHERE code = ? AND (? IS NULL OR client_id = ?)", (code, client_id, client_id)
        ).fetchone()
        return row["user_id"] if row else None

    # --- access and refresh tokens ---------------------------------------------------------
    def record_tokens(self, access_key: str, refresh_key: str, grant: TokenGrant, access_expires_ms: int) -> None:
        """Stores a pair, both or neither; TokenCollision when either token is already stored."""
        try:
            with self.transaction():
                self.db.execute(
                    "INSERT INTO access_tokens (token_key, client_id, user_id, family, expires_ms)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (access_key, grant.client_id, grant.user_id, grant.family, access_expires_ms),
                )
                self.db.execute(
                    "INSERT INTO refresh_tokens (token_key, client_id, user_id, family, expires_ms)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (refresh_key, grant.client_id, grant.user_id, grant.family, grant.expires_ms),
                )
        except sqlite3.IntegrityError:
            raise TokenCollision() from None

    def refresh_token(self, key: str) -> RefreshToken | None:
        row = self.db.execute("SELECT * FROM refresh_tokens WHERE token_key = ?", (key,)).fetchone()
        if row is None:
            return None
        return RefreshToken(row["client_id"], row["user_id"], row["family"], row["expires_ms"], bool(row["rotated"]))

    def mark_rotated(self, key: str) -> bool:
        """Marks the refresh token used; True for the one caller that did it.

        One statement, so racing refreshes have one winner.
        """
        return (
            self.db.execute(
                "UPDATE refresh_tokens SET rotated = 1 WHERE token_key = ? AND rotated = 0", (key,)
            ).rowcount
            == 1
        )

    def delete_refresh_token(self, key: str) -> bool:
        """Cal.com's rotation: the used refresh token is deleted; True for the one caller that did it."""
        return self.db.execute("DELETE FROM refresh_tokens WHERE token_key = ?", (key,)).rowcount == 1

    def delete_expired_access_tokens(self, client_id: str) -> None:
        self.db.execute("DELETE FROM access_tokens WHERE client_id = ? AND expires_ms <= ?", (client_id, self.now_ms()))

    def revoke_family(self, family: str) -> None:
        """Replaying a rotated-out refresh token revokes the whole family (RFC 9700 §4.14.2)."""
        self.db.execute("DELETE FROM refresh_tokens WHERE family = ? AND rotated = 0", (family,))
        self.db.execute("DELETE FROM access_tokens WHERE family = ?", (family,))

    def access_grant(self, key: str) -> TokenGrant | None:
        """The stored access token, expired or not (the caller compares expires_ms with now_ms())."""
        row = self.db.execute(
            "SELECT client_id, user_id, family, expires_ms FROM access_tokens WHERE token_key = ?", (key,)
        ).fetchone()
        return TokenGrant(row["client_id"], row["user_id"], row["family"], row["expires_ms"]) if row else None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
