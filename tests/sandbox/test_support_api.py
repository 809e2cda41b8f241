"""The test-support API: only with the admin key; users, clients, and the clock."""

from __future__ import annotations

import httpx
import pytest

from e2e.checks.responses import check_error_envelope

from .conftest import admin_headers


@pytest.mark.parametrize("path", ["/__sandbox/users", "/__sandbox/clients", "/__sandbox/clock"])
@pytest.mark.parametrize("key", [None, "wrong"])
def test_needs_the_admin_key(client, path, key):
    response = client.post(path, json={}, headers={"x-sandbox-admin-key": key} if key else {})
    assert response.status_code == 401
    check_error_envelope(response)


def test_created_user_can_log_in(client, own_sandbox):
    user = client.post("/__sandbox/users", json={}, headers=admin_headers(own_sandbox)).json()
    with httpx.Client(base_url=own_sandbox.api_url) as http:
        assert http.post("/auth/login", data={"email": user["email"], "password": user["password"]}).status_code == 303
        assert http.post("/auth/login", data={"email": user["email"], "password": "nope"}).status_code == 401


def test_created_client_has_its_own_secret_and_uris(signed_in, own_sandbox):
    made = signed_in.post("/__sandbox/clients", json={"redirectUris": ["https://other.test/cb"]},
                          headers=admin_headers(own_sandbox)).json()
    assert made["id"] != own_sandbox.client_id and made["secret"] != own_sandbox.client_secret
    ok = signed_in.post(f"/v2/oauth/{made['id']}/authorize", json={"redirectUri": "https://other.test/cb"})
    assert ok.status_code == 302
    refused = signed_in.post(f"/v2/oauth/{made['id']}/authorize", json={"redirectUri": own_sandbox.redirect_uri})
    assert refused.status_code == 400


@pytest.mark.parametrize("body", [{}, {"redirectUris": []}, {"redirectUris": "x"}, {"redirectUris": [1]}])
def test_client_needs_redirect_uris(client, own_sandbox, body):
    response = client.post("/__sandbox/clients", json=body, headers=admin_headers(own_sandbox))
    assert response.status_code == 400


def test_clock_shift_moves_the_server_clock(client, own_sandbox):
    before = client.post("/__sandbox/clock", json={"advanceMs": 0}, headers=admin_headers(own_sandbox)).json()
    after = client.post("/__sandbox/clock", json={"advanceMs": 3_600_000}, headers=admin_headers(own_sandbox)).json()
    assert after["offsetMs"] - before["offsetMs"] == 3_600_000
    assert after["nowMs"] - before["nowMs"] >= 3_600_000
    client.post("/__sandbox/clock", json={"advanceMs": -3_600_000}, headers=admin_headers(own_sandbox))
    assert client.post("/__sandbox/clock", json={"advanceMs": "1"}, headers=admin_headers(own_sandbox)).status_code == 400
