"""Real persistence: what the sandbox issued survives a restart on the same --db file."""

from __future__ import annotations

import httpx

from e2e.sandbox.launcher import SandboxProcess

from .conftest import fresh_keys, log_in, me, refresh


def test_tokens_and_users_survive_a_restart(tmp_path):
    db = tmp_path / "kept.sqlite3"
    with SandboxProcess.start(["--db", str(db)]) as first:
        info = first.info
        with httpx.Client(timeout=10) as http:
            assert log_in(http, info).status_code == 200
            keys = fresh_keys(http, info)
    assert db.is_file()
    with SandboxProcess.start(["--db", str(db)]) as second, httpx.Client(timeout=10) as http:
        response = me(http, second.info, keys["accessToken"])
        assert response.status_code == 200
        assert response.json()["data"]["email"] == info.user_email
        assert refresh(http, second.info, keys["refreshToken"], info.client_secret, info.client_id).status_code == 200
        assert log_in(http, second.info, info.user_email, info.user_password).status_code == 200


def test_default_database_is_temporary_and_removed(tmp_path):
    with SandboxProcess.start() as process:
        pid = process.process.pid
    assert pid > 0 and process.process.returncode is not None
