"""Real persistence: what the sandbox issued survives a restart on the same --db file."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from e2e.sandbox.launcher import SandboxProcess


def test_tokens_and_users_survive_a_restart(tmp_path):
    db = tmp_path / "kept.sqlite3"
    with SandboxProcess.start(["--db", str(db)]) as first:
        info = first.info
        with httpx.Client(base_url=info.api_url, timeout=10) as http:
            http.post("/auth/login", data={"email": info.user_email, "password": info.user_password})
            location = http.post(f"/v2/oauth/{info.client_id}/authorize", json={"redirectUri": info.redirect_uri})
            code = parse_qs(urlsplit(location.headers["location"]).query)["code"][0]
            keys = http.post(f"/v2/oauth/{info.client_id}/exchange", json={"clientSecret": info.client_secret},
                             headers={"Authorization": f"Bearer {code}"}).json()["data"]
    assert db.is_file()
    with SandboxProcess.start(["--db", str(db)]) as second:
        with httpx.Client(base_url=second.info.api_url, timeout=10) as http:
            me = http.get("/v2/me", headers={"Authorization": f"Bearer {keys['accessToken']}"})
            assert me.status_code == 200
            assert me.json()["data"]["email"] == info.user_email
            refreshed = http.post(f"/v2/oauth/{info.client_id}/refresh", json={"refreshToken": keys["refreshToken"]},
                                  headers={"x-cal-secret-key": info.client_secret})
            assert refreshed.status_code == 200
            login = http.post("/auth/login", data={"email": info.user_email, "password": info.user_password})
            assert login.status_code == 303


def test_default_database_is_temporary_and_removed(tmp_path):
    with SandboxProcess.start() as process:
        pid = process.process.pid
    assert pid > 0 and process.process.returncode is not None
