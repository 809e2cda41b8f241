"""One mechanism: the reference behaviour plus named deviations, faults (each breaks one harness rule) and the
personas' quirks (each a way Cal.com really behaves). Also, in process, a race Cal.com loses only across a
second boundary (a loser's token pair then differs from the winner's): the loser's 404 NOT_FOUND."""

from __future__ import annotations

import ast
import asyncio
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from e2e.checks.rules import RULES
from e2e.sandbox.app import create_app
from e2e.sandbox.behaviour import Behaviour
from e2e.sandbox.config import SandboxConfig
from e2e.sandbox.deviations import DEVIATIONS, ActiveDeviations, deviations_for, fault_conflict, fault_problem, steps_of
from e2e.sandbox.faults import FAULTS
from e2e.sandbox.personas import CALCOM_VERSION, PERSONAS, QUIRKS
from e2e.sandbox.seed import seed
from e2e.sandbox.store import Store, TokenGrant


def test_faults_keep_their_attributes_and_name_harness_rules():
    for fault in FAULTS.values():
        assert fault.name and fault.breaks and fault.rule_id in RULES, fault
        assert "reference" in fault.personas and set(fault.personas) <= set(PERSONAS), fault


def test_quirks_and_faults_are_one_registry_without_shared_names():
    assert not set(QUIRKS) & set(FAULTS)
    assert set(DEVIATIONS) == set(QUIRKS) | set(FAULTS)
    assert all(quirk.description and quirk.evidence for quirk in QUIRKS.values())


def test_a_persona_is_a_named_set_of_quirks():
    assert PERSONAS["calcom"].imitates == CALCOM_VERSION and set(PERSONAS["calcom"].quirks) == set(QUIRKS)
    assert PERSONAS["reference"].quirks == () and PERSONAS["reference"].imitates == ""
    assert deviations_for("calcom", ["redirect-307"]) == set(QUIRKS) | {"redirect-307"}
    assert deviations_for("reference", []) == set()


def test_faults_meaningless_on_cal_com_are_refused_there_only():
    reference_only = {name for name, fault in FAULTS.items() if fault.personas == ("reference",)}
    assert {
        "state-dropped",
        "query-dropped",
        "no-cache-control",
        "replay-no-revoke",
        "refresh-race",
        "refresh-ignores-expiry",
        "exchange-missing-bearer-401",
        "consent-anonymous-client",
    } <= reference_only
    assert all(
        FAULTS[name].rule_id.startswith(("consent.", "advisory.", "exchange.", "refresh.", "tokens.", "oauth2."))
        for name in reference_only
    )
    for name in FAULTS:
        assert fault_problem("reference", name) is None
        assert (fault_problem("calcom", name) is None) == (name not in reference_only)
    problem = fault_problem("calcom", "cuid-codes")
    assert problem is not None and "unknown fault" in problem  # a quirk is no fault


SANDBOX = Path(__file__).resolve().parents[2] / "e2e" / "sandbox"
# where deviations are declared (by name); every other module of the sandbox is the reference and names none
DECLARING = {"platform_faults.py", "oauth2_faults.py", "calcom.py", "calcom_oauth2.py", "overrides.py"}


def test_no_handler_names_a_deviation():
    """The handlers read as the reference: a deviation changes them only through a Behaviour step."""
    named = {}
    for module in SANDBOX.glob("*.py"):
        if module.name in DECLARING:
            continue
        strings = {
            node.value
            for node in ast.walk(ast.parse(module.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        if found := strings & set(DEVIATIONS):
            named[module.name] = sorted(found)
    assert named == {}


def test_every_override_changes_a_reference_step():
    """A misspelt step would be a deviation that silently changes nothing."""
    reference_steps = {name for name in dir(Behaviour) if not name.startswith("_")}
    for deviation in DEVIATIONS.values():
        own = steps_of(deviation)
        assert own, f"{deviation.name} overrides nothing"
        assert own <= reference_steps, f"{deviation.name} defines {sorted(own - reference_steps)}, not steps"
        assert issubclass(deviation.override, Behaviour)


def test_reference_persona_without_faults_is_the_reference_behaviour():
    assert type(ActiveDeviations(deviations_for("reference", [])).behaviour) is Behaviour


def test_faults_stack_over_quirks_over_the_reference():
    location = "https://app.test/cb?code=abc"
    calcom = ActiveDeviations(deviations_for("calcom", [])).behaviour
    assert (calcom.redirect_status, type(calcom).__mro__[1].__name__) == (302, "ApiV2PrefixRewrite")
    # a fault changing a value a quirk's step reads: redirect-307 under the quirk's Express text body
    over = ActiveDeviations(deviations_for("calcom", ["redirect-307"])).behaviour
    assert over.redirect_status == 307 and "RedirectTextBody" in type(over).__name__
    # a fault and a quirk changing one step: the fault's answer stands
    json_instead = ActiveDeviations(deviations_for("calcom", ["authorize-json-not-redirect"])).behaviour
    assert type(json_instead).__mro__[1].__name__ == "AuthorizeJsonNotRedirect"
    # a fault calling super() reaches the quirk below it (refresh-expiry-unchecked, then the reference)
    reference = ActiveDeviations(deviations_for("reference", [])).behaviour
    assert reference.refresh_token_expired(1, 2) and not calcom.refresh_token_expired(1, 2)
    assert reference.code_location(location.split("?")[0], {"code": "abc"}) == location


def test_two_faults_changing_one_step_are_refused_together():
    """Each fault breaks one rule; two changing one step would hide one another (the first declared would win)."""
    assert fault_conflict(["exchange-race", "exchange-keeps-pending"]) == (
        "faults exchange-race and exchange-keeps-pending both change the step spend_code: turn on one of them"
    )
    assert fault_conflict(["refresh-race", "refresh-no-rotation"]) is None  # different steps: they stack
    assert fault_conflict(["refresh-no-rotation", "go-back-issues-code", "oauth2-allow-drops-state"]) is None


def test_the_race_fault_keeps_a_refresh_token_usable_under_no_rotation(tmp_path):
    deviations = ActiveDeviations(deviations_for("reference", ["refresh-race", "refresh-no-rotation"]))
    store = Store(tmp_path / "stack.sqlite3")
    store.record_tokens("access", "refresh", TokenGrant("client", 1, "family", store.now_ms() + 60_000), 0)
    for _ in range(2):  # the same refresh token, twice: never marked used, never a replay
        row = store.refresh_token("refresh")
        assert row is not None and not row.rotated
        # a thread of its own: in a worker that already ran a Playwright test this thread has a running event loop
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(asyncio.run, deviations.behaviour.rotate(store, "refresh", row)).result() == row


def test_turning_a_fault_on_and_off_changes_the_behaviour_at_once():
    deviations = ActiveDeviations(deviations_for("reference", []))
    assert deviations.behaviour.redirect_status == 302
    deviations.set(deviations.names | {"redirect-307"})
    assert deviations.behaviour.redirect_status == 307 and "redirect-307" in deviations
    deviations.set(deviations.names - {"redirect-307"})
    assert deviations.behaviour.redirect_status == 302


def test_a_racing_exchange_that_wrote_its_pair_in_another_second_loses_with_404(tmp_path):
    store = Store(tmp_path / "race.sqlite3")
    config = SandboxConfig(persona="calcom", api_url="http://testserver", web_url="http://testserver")
    info = seed(store, config, "admin")
    ticks = itertools.count()
    base = int(time.time() * 1000)
    store.now_ms = lambda: base + next(ticks) * 1000  # type: ignore[method-assign]  # every reading a new second
    app = create_app(store, "admin", deviations_for("calcom", []), config)
    session = store.create_session(info.user_id)

    async def race() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies={"next-auth.session-token": session}
        ) as http:
            authorized = await http.post(
                f"/v2/oauth/{info.client_id}/authorize", json={"redirectUri": info.redirect_uri}
            )
            code = authorized.headers["location"].rsplit("code=", 1)[1]
            return list(
                await asyncio.gather(
                    *(
                        http.post(
                            f"/v2/oauth/{info.client_id}/exchange",
                            json={"clientSecret": info.client_secret},
                            headers={"Authorization": f"Bearer {code}"},
                        )
                        for _ in range(2)
                    )
                )
            )

    # a thread of its own: in a worker that already ran a Playwright test this thread has a running event loop
    with ThreadPoolExecutor(1) as pool:
        responses = pool.submit(asyncio.run, race()).result()
    assert sorted(r.status_code for r in responses) == [200, 404]
    loser = next(r for r in responses if r.status_code == 404).json()["error"]
    assert (loser["code"], loser["message"]) == ("NOT_FOUND", "Invalid Query: The requested record was not found.")
    # the loser's pair was written before its delete failed
    assert store.db.execute("SELECT COUNT(*) FROM access_tokens").fetchone()[0] == 2
