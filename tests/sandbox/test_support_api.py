"""The test-support API: only with the admin key; users, clients (with their permissions), the clock, faults."""

from __future__ import annotations

import httpx
import pytest

from e2e.checks.responses import check_error_envelope

from .conftest import admin_headers, authorize, code_from, log_in, me, signed_in_client, spend


@pytest.mark.parametrize("path", ["/__sandbox/users", "/__sandbox/clients", "/__sandbox/clock", "/__sandbox/faults"])
@pytest.mark.parametrize("key", [None, "wrong"])
def test_needs_the_admin_key(client, path, key):
    response = client.post(path, json={}, headers={"x-sandbox-admin-key": key} if key else {})
    assert response.status_code == 401
    check_error_envelope(response)


def test_the_support_api_is_on_the_api_port_only(own_sandbox):
    response = httpx.post(f"{own_sandbox.web_url}/__sandbox/users", json={}, headers=admin_headers(own_sandbox))
    assert response.status_code == 404


def test_created_user_can_log_in(client, own_sandbox):
    user = client.post("/__sandbox/users", json={}, headers=admin_headers(own_sandbox)).json()
    with httpx.Client() as http:
        assert log_in(http, own_sandbox, user["email"], user["password"]).status_code == 200
        assert log_in(http, own_sandbox, user["email"], "nope").status_code == 401


def test_created_client_has_its_own_secret_and_uris(own_sandbox):
    with signed_in_client(own_sandbox) as http:
        made = http.post(
            "/__sandbox/clients", json={"redirectUris": ["https://other.test/cb"]}, headers=admin_headers(own_sandbox)
        ).json()
        assert made["id"] != own_sandbox.client_id and made["secret"] != own_sandbox.client_secret
        ok = http.post(f"/v2/oauth/{made['id']}/authorize", json={"redirectUri": "https://other.test/cb"})
        assert ok.status_code == 302
        refused = http.post(f"/v2/oauth/{made['id']}/authorize", json={"redirectUri": own_sandbox.redirect_uri})
        assert refused.status_code == 400


def test_a_client_without_profile_read_gets_403_on_me(own_sandbox):
    """Both personas: GET /v2/me needs the client's PROFILE_READ (PermissionsGuard); the seeded client has it."""
    with signed_in_client(own_sandbox) as http:
        made = http.post(
            "/__sandbox/clients",
            json={"redirectUris": ["https://other.test/cb"], "permissions": ["EVENT_TYPE_READ"]},
            headers=admin_headers(own_sandbox),
        ).json()
        info = own_sandbox
        code = code_from(http.post(f"/v2/oauth/{made['id']}/authorize", json={"redirectUri": "https://other.test/cb"}))
        keys = http.post(
            f"/v2/oauth/{made['id']}/exchange",
            json={"clientSecret": made["secret"]},
            headers={"Authorization": f"Bearer {code}"},
        ).json()["data"]
        response = me(http, info, keys["accessToken"])
        assert response.status_code == 403
        assert response.json()["error"]["message"].startswith(
            f"PermissionsGuard - oAuth client with id={made['id']} does not have the required permissions"
        )
        seeded = spend(http, info, code_from(authorize(http, info)))
        assert me(http, info, seeded["accessToken"]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"redirectUris": []},
        {"redirectUris": "x"},
        {"redirectUris": [1]},
        {"redirectUris": ["https://x.test"], "permissions": "PROFILE_READ"},
    ],
)
def test_client_needs_redirect_uris_and_a_permission_list(client, own_sandbox, body):
    response = client.post("/__sandbox/clients", json=body, headers=admin_headers(own_sandbox))
    assert response.status_code == 400


def test_clock_shift_moves_the_server_clock(client, own_sandbox):
    before = client.post("/__sandbox/clock", json={"advanceMs": 0}, headers=admin_headers(own_sandbox)).json()
    after = client.post("/__sandbox/clock", json={"advanceMs": 3_600_000}, headers=admin_headers(own_sandbox)).json()
    assert after["offsetMs"] - before["offsetMs"] == 3_600_000
    assert after["nowMs"] - before["nowMs"] >= 3_600_000
    client.post("/__sandbox/clock", json={"advanceMs": -3_600_000}, headers=admin_headers(own_sandbox))
    assert (
        client.post("/__sandbox/clock", json={"advanceMs": "1"}, headers=admin_headers(own_sandbox)).status_code == 400
    )


def test_faults_are_turned_on_and_off(client, own_sandbox):
    on = client.post("/__sandbox/faults", json={"enable": ["redirect-307"]}, headers=admin_headers(own_sandbox))
    assert on.json() == {"faults": ["redirect-307"]}  # the persona's quirks are not listed as faults
    off = client.post("/__sandbox/faults", json={"disable": ["redirect-307"]}, headers=admin_headers(own_sandbox))
    assert off.json() == {"faults": []}


@pytest.mark.parametrize("name", ["state-dropped", "consent-anonymous-client", "no-such-fault", "cuid-codes"])
def test_a_fault_that_does_not_apply_to_the_persona_is_refused(client, own_sandbox, name):
    """The default persona is calcom: a fault of the reference persona only, an unknown name and a quirk's name
    are refused, and nothing changes."""
    response = client.post(
        "/__sandbox/faults", json={"enable": ["redirect-307", name]}, headers=admin_headers(own_sandbox)
    )
    assert response.status_code == 400
    check_error_envelope(response)
    assert client.post("/__sandbox/faults", json={}, headers=admin_headers(own_sandbox)).json() == {"faults": []}
