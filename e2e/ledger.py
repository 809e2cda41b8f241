"""Remembers every code the suite obtains and exchanges it, so the test user is never locked out.

Cal.com's codes never expire, and a user holding an unexchanged code for a client cannot authorize that client
again (CONTRACT §1). So a code stays on the books, and in a journal on disk against a remote target, until an
exchange of it succeeds or is refused because the code is spent; a failed exchange (a 5xx, a network error) is
retried with a short back-off. A run first settles what earlier runs left (`recover`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .client import OAuthApi, bearer, describe, error_message
from .models import ExchangeAuthorizationCodeInput, RefreshTokenInput

# Cal.com's 2025 tokens carry no jti: a pair minted within the same second as another is identical and the
# exchange fails (HTTP 500) until the clock reaches the next second. So the back-off crosses a second boundary.
RETRY_DELAYS_S = (0.3, 1.1, 2.0)
SPENT_MESSAGES = ("Invalid OAuth Client.",)


@dataclass(frozen=True)
class _PendingCode:
    code: str
    client_id: str
    client_secret: str


@dataclass
class Settlement:
    """What the run knows about its codes across tests: those it could not exchange, and whether the client
    secret is right (which tells a spent code's 400 from a wrong secret's, both 'Invalid OAuth Client.')."""

    stuck: dict[str, str] = field(default_factory=dict)  # code -> the last exchange's error, one line
    secret_ok: bool | None = None


class CodeLedger:
    def __init__(
        self,
        api: OAuthApi,
        journal: Path | None = None,
        settlement: Settlement | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.journal = journal
        self.settlement = settlement if settlement is not None else Settlement()
        self._codes: list[_PendingCode] = []
        self._spent: set[str] = set()
        self._sleep = sleep

    def track(self, code: str, client_id: str, client_secret: str) -> None:
        self._codes.append(_PendingCode(code, client_id, client_secret))
        self._write_journal([*self._journaled(), {"code": code, "client_id": client_id}])

    def unspent(self) -> list[str]:
        """Codes of this ledger not yet known to be exchanged."""
        return [p.code for p in self._codes if p.code not in self._spent]

    def spent(self, code: str) -> None:
        """The code was exchanged: nothing left to settle for it."""
        self._spent.add(code)
        self.settlement.stuck.pop(code, None)
        self._write_journal([e for e in self._journaled() if e["code"] != code])

    def stuck(self) -> dict[str, str]:
        """Codes of this run that no exchange could spend, with the last error of each."""
        return dict(self.settlement.stuck)

    def settle(self) -> int:
        """Exchanges every tracked code not known to be spent; returns how many are still held (stuck)."""
        codes, self._codes = self._codes, []
        for pending in codes:
            if pending.code not in self._spent:
                self._settle_one(pending)
        return len(self.settlement.stuck)

    def recover(self, client_id: str, client_secret: str) -> dict[str, str]:
        """Settles the codes earlier runs left in the journal for this client; returns those still held, with their
        errors. An entry for another client is none of this run's (a journal is one per client): it is dropped,
        and the secret is never sent for it."""
        entries = self._journaled()
        ours = [entry for entry in entries if entry["client_id"] == client_id]
        if len(ours) < len(entries):
            self._write_journal(ours)
        left = {}
        for entry in ours:
            pending = _PendingCode(entry["code"], client_id, client_secret)
            error = self._settle_one(pending)
            if error is not None:
                left[pending.code] = error
        return left

    def _settle_one(self, pending: _PendingCode) -> str | None:
        """None once the code is spent (by us or before); else the last error, and the code stays journaled."""
        error = "not tried"
        for delay in (0.0, *RETRY_DELAYS_S):
            if delay:
                self._sleep(delay)
            outcome, error = self._exchange(pending)
            if outcome == "spent":
                self.spent(pending.code)
                return None
            if outcome == "refused":
                break  # a wrong secret or client: trying again changes nothing
        self.settlement.stuck[pending.code] = error
        return error

    def _exchange(self, pending: _PendingCode) -> tuple[str, str]:
        """('spent', ...) when the code is gone, ('refused', why) when the exchange cannot work as configured,
        ('failed', why) when trying again may work."""
        try:
            response = self.api.o_auth_flow_controller_exchange_raw(
                bearer(pending.code), pending.client_id, ExchangeAuthorizationCodeInput(pending.client_secret)
            )
        except httpx.HTTPError as error:
            return "failed", f"{type(error).__name__} on POST /v2/oauth/{pending.client_id}/exchange"
        why = describe(response)
        if response.status_code == 200:
            return "spent", why
        if response.status_code == 404 and _error_code(response) == "NOT_FOUND":
            return "spent", why  # a concurrent exchange deleted it first (Cal.com's race loser)
        if response.status_code == 400 and error_message(response) in SPENT_MESSAGES:
            # the same answer for a spent code and a wrong secret: only a secret known to be right tells them apart
            return ("spent", why) if self._secret_ok(pending) else ("refused", why + " (is CAL_CLIENT_SECRET right?)")
        if 400 <= response.status_code < 500:
            return "refused", why
        return "failed", why

    def _secret_ok(self, pending: _PendingCode) -> bool:
        if self.settlement.secret_ok is None:
            self.settlement.secret_ok = secret_is_right(self.api, pending.client_id, pending.client_secret)
        return self.settlement.secret_ok

    def journaled_codes(self) -> list[str]:
        return [entry["code"] for entry in self._journaled()]

    def _journaled(self) -> list[dict]:
        if self.journal is None or not self.journal.exists():
            return []
        try:
            entries = json.loads(self.journal.read_text())
        except ValueError:
            return []
        if not isinstance(entries, list):
            return []
        return [e for e in entries if isinstance(e, dict) and {"code", "client_id"} <= set(e)]

    def _write_journal(self, entries: list[dict]) -> None:
        if self.journal is None:
            return
        if not entries:  # nothing pending: no file left behind per target, client and user
            self.journal.unlink(missing_ok=True)
            return
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.journal.with_suffix(".tmp")
        # the journal holds live codes: readable by its owner only, replaced atomically
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(entries, handle)
        os.replace(temporary, self.journal)


def secret_is_right(api: OAuthApi, client_id: str, client_secret: str) -> bool:
    """A refresh with a token that cannot exist: past the client check (400 'Invalid refresh token') only with the
    right secret; a wrong one is 401. Changes nothing on the server."""
    try:
        response = api.o_auth_flow_controller_refresh_access_token_raw(
            client_id, client_secret, RefreshTokenInput("calcom-e2e-probe")
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 400


def _error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return error.get("code", "") if isinstance(error, dict) else ""


def journal_path(state_dir: Path, api_url: str, client_id: str, user_email: str) -> Path:
    key = hashlib.sha256(f"{api_url}\n{client_id}\n{user_email}".encode()).hexdigest()[:16]
    return state_dir / f"pending-codes-{key}.json"
