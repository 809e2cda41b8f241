"""The ledger never locks the test user out: a code stays journaled until an exchange spends it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from e2e.client import OAuthApi, error_message
from e2e.ledger import CodeLedger, Settlement

INVALID_CLIENT = {"status": "error", "error": {"code": "BadRequestException", "message": "Invalid OAuth Client."}}
NEST_500 = {"statusCode": 500, "message": "Internal server error"}


class FakeCalcom:
    """Answers exchanges from a script of (status, body), and the refresh probe with the secret's verdict."""

    def __init__(self, exchanges: list[tuple[int, dict]], secret_right: bool = True) -> None:
        self.exchanges = list(exchanges)
        self.secret_right = secret_right
        self.exchange_calls = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh"):
            return httpx.Response(
                400 if self.secret_right else 401,
                json={
                    "status": "error",
                    "error": {
                        "code": "X",
                        "message": "Invalid refresh token" if self.secret_right else "Invalid client secret",
                    },
                },
            )
        self.exchange_calls += 1
        status, body = self.exchanges.pop(0) if self.exchanges else (500, NEST_500)
        return httpx.Response(status, json=body)


def ledger_for(fake: FakeCalcom, journal: Path) -> CodeLedger:
    http = httpx.Client(base_url="http://calcom.test", transport=httpx.MockTransport(fake.handle))
    return CodeLedger(OAuthApi(http), journal, Settlement(), sleep=lambda seconds: None)


def journaled(journal: Path) -> list[str]:
    return [entry["code"] for entry in json.loads(journal.read_text())] if journal.exists() else []


def test_a_failed_exchange_is_retried_until_it_works(tmp_path):
    # Cal.com 2025-05: an exchange within the second of another answers 500; a second later it works
    fake = FakeCalcom([(500, NEST_500), (200, {"status": "success", "data": {}})])
    ledger = ledger_for(fake, tmp_path / "journal.json")
    ledger.track("code-1", "client", "secret")
    assert ledger.settle() == 0
    assert fake.exchange_calls == 2
    assert journaled(tmp_path / "journal.json") == []


def test_a_code_no_exchange_can_spend_stays_journaled_and_the_next_run_settles_it(tmp_path):
    journal = tmp_path / "journal.json"
    first_run = ledger_for(FakeCalcom([]), journal)  # every exchange answers 500
    first_run.track("code-1", "client", "secret")
    assert first_run.settle() == 1
    assert "HTTP 500 'Internal server error'" in first_run.stuck()["code-1"]
    assert journaled(journal) == ["code-1"]  # the lockout is remembered, not forgotten

    still_broken = ledger_for(FakeCalcom([]), journal).recover("client", "secret")
    assert list(still_broken) == ["code-1"] and journaled(journal) == ["code-1"]

    recovered = ledger_for(FakeCalcom([(200, {"status": "success", "data": {}})]), journal).recover("client", "secret")
    assert recovered == {} and journaled(journal) == [] and not journal.exists()  # nothing pending: no file


def test_a_journal_entry_for_another_client_is_dropped_without_sending_the_secret(tmp_path):
    """A journal is one per client; an entry naming another (planted in a CI cache, say) is not ours to spend."""
    journal = tmp_path / "journal.json"
    journal.write_text(
        json.dumps([{"code": "planted", "client_id": "someone-else"}, {"code": "ours", "client_id": "client"}])
    )
    fake = FakeCalcom([(200, {"status": "success", "data": {}})])
    assert ledger_for(fake, journal).recover("client", "secret") == {}
    assert fake.exchange_calls == 1 and not journal.exists()


def test_invalid_client_means_spent_only_when_the_secret_is_right(tmp_path):
    spent = ledger_for(FakeCalcom([(400, INVALID_CLIENT)], secret_right=True), tmp_path / "a.json")
    spent.track("code-1", "client", "secret")
    assert spent.settle() == 0 and journaled(tmp_path / "a.json") == []

    wrong_secret = ledger_for(FakeCalcom([(400, INVALID_CLIENT)], secret_right=False), tmp_path / "b.json")
    wrong_secret.track("code-1", "client", "wrong")
    assert wrong_secret.settle() == 1
    assert "CAL_CLIENT_SECRET" in wrong_secret.stuck()["code-1"]
    assert journaled(tmp_path / "b.json") == ["code-1"]


def test_a_race_losers_404_counts_as_spent(tmp_path):
    not_found = {
        "status": "error",
        "error": {"code": "NOT_FOUND", "message": "Invalid Query: The requested record was not found."},
    }
    ledger = ledger_for(FakeCalcom([(404, not_found)]), tmp_path / "journal.json")
    ledger.track("code-1", "client", "secret")
    assert ledger.settle() == 0


@pytest.mark.parametrize("status", [502, 503])
def test_retries_are_bounded(tmp_path, status):
    fake = FakeCalcom([(status, {})] * 10)
    ledger = ledger_for(fake, tmp_path / "journal.json")
    ledger.track("code-1", "client", "secret")
    assert ledger.settle() == 1
    assert fake.exchange_calls == 4  # the first try and three retries


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (INVALID_CLIENT, "Invalid OAuth Client."),
        (NEST_500, "Internal server error"),
        ({"error": "invalid_grant", "error_description": "code spent"}, "invalid_grant: code spent"),
        ({"error": "invalid_client"}, "invalid_client"),
        ({"error": {"code": "X"}}, ""),
        (["not", "an", "object"], ""),
        ("a string", ""),
    ],
    ids=["envelope", "plain", "rfc6749", "rfc6749-bare", "no-message", "list", "string"],
)
def test_error_message_is_the_server_s_own_whatever_the_body(body, message):
    assert error_message(httpx.Response(400, json=body)) == message
    assert error_message(httpx.Response(502, text="<html>bad gateway</html>")) == ""
