"""Remembers every code the suite obtains and exchanges it at the end, so the user can authorize again.

Cal.com refuses a new authorize while the user holds an unexchanged code for the client (CONTRACT §1);
a test that fails between authorize and exchange would otherwise lock the test user out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .client import OAuthApi, bearer
from .models import ExchangeAuthorizationCodeInput


@dataclass(frozen=True)
class _PendingCode:
    code: str
    client_id: str
    client_secret: str


class CodeLedger:
    def __init__(self, api: OAuthApi) -> None:
        self.api = api
        self._codes: list[_PendingCode] = []

    def track(self, code: str, client_id: str, client_secret: str) -> None:
        self._codes.append(_PendingCode(code, client_id, client_secret))

    def settle(self) -> int:
        """Exchanges every tracked code (already exchanged ones are refused, harmlessly); returns how many took."""
        settled = 0
        codes, self._codes = self._codes, []
        for pending in codes:
            response = self.api.o_auth_flow_controller_exchange_raw(
                bearer(pending.code), pending.client_id, ExchangeAuthorizationCodeInput(pending.client_secret)
            )
            settled += response.status_code == 200
        return settled
