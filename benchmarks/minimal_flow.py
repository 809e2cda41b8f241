"""Baseline (a): one full flow with plain Playwright and httpx, nothing else.

Launch Chromium, log in, allow, catch the code, exchange, refresh, GET /v2/me. Reads the CONTRACT §3
variables from --env-file. Prints one JSON line of phase timings (ms). Used by benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
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
    env = {name: value for name, value in dotenv_values(parser.parse_args().env_file).items() if value is not None}
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
        query = urlencode({"client_id": env["CAL_CLIENT_ID"], "redirect_uri": env["CAL_REDIRECT_URI"]})
        page.goto(f"{web}/auth/login?{urlencode({'callbackUrl': f'{web}/auth/platform/authorize?{query}'})}")
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
        page.route(lambda url: url.startswith(env["CAL_REDIRECT_URI"]), lambda route: route.abort())
        with page.expect_request(lambda request: request.url.startswith(env["CAL_REDIRECT_URI"])) as caught:
            page.click("[data-testid=allow-button]")
        code = parse_qs(urlsplit(caught.value.url).query)["code"][0]
        lap("redirect")
        browser.close()
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
    print(json.dumps(phases))


if __name__ == "__main__":
    main()
