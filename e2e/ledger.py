"""Remembers every code the suite obtains and exchanges it at the end, so the user can authorize again.

Cal.com refuses a new authorize while the user holds an unexchanged code for the client (CONTRACT §1);
a test that fails between authorize and exchange would otherwise lock the test user out. Against a remote
target the ledger also keeps a journal on disk, so a run that was killed outright is cleaned up by the next.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .client import OAuthApi, bearer
from .models import ExchangeAuthorizationCodeInput


@dataclass(frozen=True)
class _PendingCode:
    code: str
    client_id: str
    client_secret: str


class CodeLedger:
    def __init__(self, api: OAuthApi, journal: Path | None = None) -> None:
        self.api = api
        self.journal = journal
        self._codes: list[_PendingCode] = []
        self._spent: set[str] = set()

    def track(self, code: str, client_id: str, client_secret: str) -> None:
        self._codes.append(_PendingCode(code, client_id, client_secret))
        self._write_journal(self._journaled() + [{"code": code, "client_id": client_id}])

    def unspent(self) -> list[str]:
        """Codes of this ledger not yet known to be exchanged."""
        return [p.code for p in self._codes if p.code not in self._spent]

    def spent(self, code: str) -> None:
        """The code was exchanged: nothing left to settle for it."""
        self._spent.add(code)

    def settle(self) -> int:
        """Exchanges every tracked code not known to be spent; returns how many took."""
        codes, self._codes = self._codes, []
        settled = sum(self._exchange(p.code, p.client_id, p.client_secret) for p in codes if p.code not in self._spent)
        done = {p.code for p in codes}
        self._write_journal([entry for entry in self._journaled() if entry["code"] not in done])
        return settled

    def recover(self, client_secret: str) -> int:
        """Exchanges the codes a killed earlier run left in the journal; returns how many took."""
        leftovers = self._journaled()
        settled = sum(self._exchange(e["code"], e["client_id"], client_secret) for e in leftovers)
        self._write_journal([])
        return settled

    def _exchange(self, code: str, client_id: str, client_secret: str) -> bool:
        response = self.api.o_auth_flow_controller_exchange_raw(
            bearer(code), client_id, ExchangeAuthorizationCodeInput(client_secret))
        return response.status_code == 200

    def _journaled(self) -> list[dict]:
        if self.journal is None or not self.journal.exists():
            return []
        try:
            entries = json.loads(self.journal.read_text())
        except ValueError:
            return []
        return [e for e in entries if isinstance(e, dict) and {"code", "client_id"} <= set(e)]

    def _write_journal(self, entries: list[dict]) -> None:
        if self.journal is None:
            return
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.journal.with_suffix(".tmp")
        # the journal holds live codes: readable by its owner only, replaced atomically
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(entries, handle)
        os.replace(temporary, self.journal)


def journal_path(state_dir: Path, api_url: str, client_id: str, user_email: str) -> Path:
    key = hashlib.sha256(f"{api_url}\n{client_id}\n{user_email}".encode()).hexdigest()[:16]
    return state_dir / f"pending-codes-{key}.json"
