"""SQLite tables of the OAuth2 provider ("Sign in with Cal.com"): clients, authorization codes, refresh-token
secrets. They share the Store's connection and its shiftable clock, so a clock advance ages codes and tokens.

Cal.com's tables (packages/prisma/schema.prisma @ e0ef2d8d): `OAuthClient`, `AccessCode`, `OAuthRefreshToken`.
Unlike Cal.com, a spent code is marked, not deleted (so an unknown code can be told from a used one), and a
rotated-out refresh secret is kept, marked, with its family (so the reference persona can revoke a replayed
token's successor).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from .store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth2_clients (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_sha256 TEXT, redirect_uris TEXT NOT NULL,
    client_type TEXT NOT NULL, scopes TEXT NOT NULL, status TEXT NOT NULL, owner_id INTEGER,
    trusted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth2_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL, scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, code_challenge TEXT, code_challenge_method TEXT, expires_ms INTEGER NOT NULL,
    spent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth2_refresh_secrets (
    secret TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL, family TEXT NOT NULL,
    expires_ms INTEGER NOT NULL, live INTEGER NOT NULL DEFAULT 1);
"""
CODE_LIFETIME_MS = 10 * 60 * 1000  # AccessCodeRepository.create: dayjs().add(10, "minutes")
CONFIDENTIAL, PUBLIC = "CONFIDENTIAL", "PUBLIC"
STATUSES = ("APPROVED", "PENDING", "REJECTED")


@dataclass(frozen=True)
class OAuth2Client:
    client_id: str
    name: str
    secret_sha256: str | None
    redirect_uris: list[str]
    client_type: str
    scopes: list[str]
    status: str
    owner_id: int | None
    trusted: bool = False  # OAuthClient.isTrusted: the consent page authorizes without asking

    def secret_matches(self, secret: str | None) -> bool:
        """sha256 hex of the secret against the stored one (OAuthService.validateClientSecret, L485-509)."""
        if not secret or self.secret_sha256 is None:
            return False
        return hmac.compare_digest(_sha256(secret), self.secret_sha256)


@dataclass(frozen=True)
class AuthCode:
    code: str
    client_id: str
    user_id: int
    scopes: list[str]
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_ms: int
    spent: bool


@dataclass(frozen=True)
class RefreshSecret:
    secret: str
    client_id: str
    user_id: int
    family: str
    expires_ms: int
    live: bool


def new_code() -> str:
    """randomBytes(40) as unpadded base64url: 54 characters (OAuthService @ e0ef2d8d L537-538)."""
    return secrets.token_urlsafe(40)


class OAuth2Store:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.db.executescript(SCHEMA)

    # --- clients ---------------------------------------------------------------------------
    def create_client(
        self,
        name: str,
        redirect_uris: list[str],
        client_type: str = CONFIDENTIAL,
        scopes: list[str] | None = None,
        status: str = "APPROVED",
        owner_id: int | None = None,
        trusted: bool = False,
    ) -> tuple[OAuth2Client, str | None]:
        """A client with a 64-hex id and, when confidential, a 64-hex secret (shown once, stored hashed)."""
        client_id = secrets.token_hex(32)
        secret = secrets.token_hex(32) if client_type == CONFIDENTIAL else None
        client = OAuth2Client(
            client_id,
            name,
            _sha256(secret) if secret else None,
            redirect_uris,
            client_type,
            scopes or [],
            status,
            owner_id,
            trusted,
        )
        self.db.execute(
            "INSERT INTO oauth2_clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                client.client_id,
                client.name,
                client.secret_sha256,
                json.dumps(client.redirect_uris),
                client.client_type,
                json.dumps(client.scopes),
                client.status,
                client.owner_id,
                int(client.trusted),
            ),
        )
        return client, secret

    def client(self, client_id: str) -> OAuth2Client | None:
        row = self.db.execute("SELECT * FROM oauth2_clients WHERE client_id = ?", (client_id,)).fetchone()
        if row is None:
            return None
        return OAuth2Client(
            row["client_id"],
            row["name"],
            row["secret_sha256"],
            json.loads(row["redirect_uris"]),
            row["client_type"],
            json.loads(row["scopes"]),
            row["status"],
            row["owner_id"],
            bool(row["trusted"]),
        )

    def other_client_id(self, client_id: str) -> str:
        """Some other client's id (a fault puts it in the access token's clientId claim)."""
        row = self.db.execute(
            "SELECT client_id FROM oauth2_clients WHERE client_id != ? LIMIT 1", (client_id,)
        ).fetchone()
        return row["client_id"] if row else secrets.token_hex(32)

    # --- codes -----------------------------------------------------------------------------
    def create_code(
        self,
        client_id: str,
        user_id: int,
        scopes: list[str],
        redirect_uri: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = new_code()
        self.db.execute(
            "INSERT INTO oauth2_codes (code, client_id, user_id, scopes, redirect_uri, code_challenge,"
            " code_challenge_method, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                client_id,
                user_id,
                json.dumps(scopes),
                redirect_uri,
                code_challenge,
                code_challenge_method,
                self.store.now_ms() + CODE_LIFETIME_MS,
            ),
        )
        return code

    def code(self, code: str) -> AuthCode | None:
        """The code's row, spent or expired or not: the caller judges."""
        row = self.db.execute("SELECT * FROM oauth2_codes WHERE code = ?", (code,)).fetchone()
        if row is None:
            return None
        return AuthCode(
            row["code"],
            row["client_id"],
            row["user_id"],
            json.loads(row["scopes"]),
            row["redirect_uri"],
            row["code_challenge"],
            row["code_challenge_method"],
            row["expires_ms"],
            bool(row["spent"]),
        )

    def spend_code(self, code: str) -> bool:
        """Marks the code spent; True for the one caller that did it (one statement: racing exchanges, one winner)."""
        return self.db.execute("UPDATE oauth2_codes SET spent = 1 WHERE code = ? AND spent = 0", (code,)).rowcount == 1

    # --- refresh-token secrets -------------------------------------------------------------
    def refresh_secret(self, secret: str) -> RefreshSecret | None:
        row = self.db.execute("SELECT * FROM oauth2_refresh_secrets WHERE secret = ?", (secret,)).fetchone()
        if row is None:
            return None
        return RefreshSecret(
            row["secret"], row["client_id"], row["user_id"], row["family"], row["expires_ms"], bool(row["live"])
        )

    def rotate(self, secret: str, client_id: str, user_id: int, family: str, expires_ms: int) -> None:
        """The new secret becomes the one live secret of (client, user): every other is rotated out
        (`rotateTokenForUser`: deleteMany + create in one transaction, OAuthRefreshTokenRepository.ts @ a0b47ffc
        L36-52)."""
        with self.store.transaction():
            self.db.execute(
                "UPDATE oauth2_refresh_secrets SET live = 0 WHERE client_id = ? AND user_id = ?", (client_id, user_id)
            )
            self.db.execute(
                "INSERT INTO oauth2_refresh_secrets (secret, client_id, user_id, family, expires_ms)"
                " VALUES (?, ?, ?, ?, ?)",
                (secret, client_id, user_id, family, expires_ms),
            )

    def retire(self, secret: str) -> bool:
        """Takes the presented secret out of service; True for the one caller that did it."""
        return (
            self.db.execute(
                "UPDATE oauth2_refresh_secrets SET live = 0 WHERE secret = ? AND live = 1", (secret,)
            ).rowcount
            == 1
        )

    def revoke_family(self, family: str) -> None:
        """RFC 9700 §4.14.2: a replayed refresh token revokes its successors."""
        self.db.execute("UPDATE oauth2_refresh_secrets SET live = 0 WHERE family = ?", (family,))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
