"""Baseline (a): one full flow with plain Playwright and httpx, nothing else.

Launch Chromium, log in, allow, catch the code, exchange, refresh, GET /v2/me. Reads the CONTRACT §3
variables from --env-file. Prints one JSON line of phase timings (ms). Used by benchmarks/run.py.
`--flow oauth2`: the OAuth2 provider's flow instead (CONTRACT §6): log in back to its consent page, Allow,
catch code and state, the token endpoint, refresh, /api/auth/oauth/me.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from dotenv import dotenv_values
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pages.login_page import NATIVE_SUBMIT_GUARD

QUIET = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--flow", choices=["platform", "oauth2"], default="platform")
    args = parser.parse_args()
    env = {name: value for name, value in dotenv_values(args.env_file).items() if value is not None}
    oauth2 = args.flow == "oauth2"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = env["CAL_OAUTH2_REDIRECT_URI"] if oauth2 else env["CAL_REDIRECT_URI"]
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round((now - mark) * 1000, 1)
        mark = now

    with sync_playwright() as playwright:
        bundled = Path(playwright.chromium.executable_path).exists()
        browser = playwright.chromium.launch(
            args=QUIET,
            executable_path=None if bundled else shutil.which("chromium") or shutil.which("chromium-browser"),
        )
        lap("browser start")
        page = browser.new_page()
        web = env.get("CAL_WEB_URL") or env["CAL_API_URL"]
        if oauth2:
            consent = "auth/oauth2/authorize?" + urlencode(
                {
                    "client_id": env["CAL_OAUTH2_CLIENT_ID"],
                    "redirect_uri": redirect_uri,
                    "response_type": "code",
                    "state": "s1",
                    "scope": env.get("CAL_OAUTH2_SCOPES", "READ_PROFILE"),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            )
        else:
            query = urlencode({"client_id": env["CAL_CLIENT_ID"], "redirect_uri": redirect_uri})
            consent = f"auth/platform/authorize?{query}"
        page.goto(f"{web}/auth/login?{urlencode({'callbackUrl': f'{web}/{consent}'})}")
        # Cal.com's form submits natively (a GET with the password in the URL) until its script takes it over:
        # as any careful script must, hold such a submit back and try again until the page takes it
        page.evaluate(NATIVE_SUBMIT_GUARD)
        page.fill("#email", env["E2E_USER_EMAIL"])
        page.fill("#password", env["E2E_USER_PASSWORD"])
        while True:
            page.click("button[type=submit]")
            try:
                blocked = page.evaluate("() => window.__calcomE2eBlockedSubmits")
            except PlaywrightError:  # the page's script took the submit and is moving on
                break
            if not blocked:
                break
            page.evaluate("() => { window.__calcomE2eBlockedSubmits = 0 }")
            page.wait_for_timeout(50)
        page.wait_for_selector("[data-testid=allow-button]")
        lap("login + consent")
        page.route(lambda url: url.startswith(redirect_uri), lambda route: route.abort())
        with page.expect_request(lambda request: request.url.startswith(redirect_uri)) as caught:
            page.click("[data-testid=allow-button]")
        code = parse_qs(urlsplit(caught.value.url).query)["code"][0]
        lap("redirect")
        browser.close()
    if oauth2:
        oauth2_flow(env, web, code, verifier, redirect_uri, lap)
    else:
        platform_flow(env, code, lap)
    print(json.dumps(phases))


def oauth2_flow(
    env: dict[str, str], web: str, code: str, verifier: str, redirect_uri: str, lap: Callable[[str], None]
) -> None:
    client = {"client_id": env["CAL_OAUTH2_CLIENT_ID"], "client_secret": env["CAL_OAUTH2_CLIENT_SECRET"]}
    with httpx.Client() as http:
        tokens = http.post(
            f"{web}/api/auth/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                **client,
            },
        ).json()
        lap("exchange")
        tokens = http.post(
            f"{web}/api/auth/oauth/refreshToken",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **client},
        ).json()
        lap("refresh")
        me = http.get(f"{web}/api/auth/oauth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 201
        lap("me")


def platform_flow(env: dict[str, str], code: str, lap: Callable[[str], None]) -> None:
    with httpx.Client(base_url=env["CAL_API_URL"]) as http:
        client = env["CAL_CLIENT_ID"]
        keys = http.post(
            f"/v2/oauth/{client}/exchange",
            json={"clientSecret": env["CAL_CLIENT_SECRET"]},
            headers={"Authorization": f"Bearer {code}"},
        ).json()["data"]
        lap("exchange")
        keys = http.post(
            f"/v2/oauth/{client}/refresh",
            json={"refreshToken": keys["refreshToken"]},
            headers={"x-cal-secret-key": env["CAL_CLIENT_SECRET"]},
        ).json()["data"]
        lap("refresh")
        assert http.get("/v2/me", headers={"Authorization": f"Bearer {keys['accessToken']}"}).status_code == 200
        lap("me")


if __name__ == "__main__":
    main()
