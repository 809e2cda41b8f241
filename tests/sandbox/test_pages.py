"""The web pages in a real browser: the login page (hydration included, both designs), Cal.com's consent
mock-up (calcom persona) and the working consent page (reference persona, split and single layouts)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Cookie, Page, expect

from e2e.sandbox.info import SandboxInfo
from e2e.sandbox.launcher import SandboxProcess

HYDRATION_MS = 400
SLOW_HYDRATION_MS = 60_000
TIMEOUT_MS = 10_000


def _started(args: list[str]) -> Iterator[SandboxInfo]:
    with SandboxProcess.start(args) as process:
        yield process.info


@pytest.fixture(scope="module")
def slow_hydration_sandbox() -> Iterator[SandboxInfo]:
    yield from _started(["--hydration-delay-ms", str(SLOW_HYDRATION_MS)])


@pytest.fixture(scope="module")
def current_design_sandbox() -> Iterator[SandboxInfo]:
    yield from _started(["--login-design", "current"])


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    # the seeded redirect URIs are not reachable: the browser's arrival there is caught
    context.route("https://app.acme.test/**", lambda route: route.fulfill(status=200, body="caught"))
    yield context
    context.close()


def open_login(context: BrowserContext, info: SandboxInfo, callback: str = "/auth/platform/authorize") -> Page:
    page = context.new_page()
    page.goto(f"{info.web_url}/auth/login?callbackUrl={quote(callback, safe='')}")
    return page


def wait_for_hydration(page: Page) -> None:
    """Cal.com's page shows no sign of hydration: wait for load, then longer than the hydration takes."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(HYDRATION_MS + 300)


def fill_and_submit(page: Page, email: str, password: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("[data-testid=login-form] button[type=submit]").click()


def session_cookie(context: BrowserContext) -> Cookie | None:
    return next((c for c in context.cookies() if c["name"] == "next-auth.session-token"), None)


# --- login ----------------------------------------------------------------------------------------------------------
def test_the_2025_login_page_has_cal_com_s_shape(context, own_sandbox):
    page = open_login(context, own_sandbox)
    expect(page.get_by_role("heading", name="Welcome back", exact=True)).to_be_visible()
    assert page.locator("h2").inner_text() == "Welcome back"
    form = page.locator("form[data-testid=login-form]")
    assert form.get_attribute("novalidate") is not None
    assert form.get_attribute("method") is None and form.get_attribute("action") is None
    assert page.locator("input[type=hidden][name=csrfToken]").get_attribute("value")
    assert page.locator("#email").get_attribute("name") == "email"
    assert page.locator("#password").get_attribute("name") == "password"
    expect(page.locator("button[type=submit]")).to_have_text("Sign in")
    assert page.locator("[data-testid=login-subtitle]").count() == 0


def test_before_hydration_a_submit_is_a_native_get_with_the_password_in_the_url(context, slow_hydration_sandbox):
    info = slow_hydration_sandbox
    page = open_login(context, info)
    fill_and_submit(page, info.user_email, info.user_password)
    page.wait_for_url("**/auth/login?csrfToken=*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["email"] == [info.user_email] and query["password"] == [info.user_password]
    assert "callbackUrl" not in query  # the form carries none: it is lost
    expect(page.locator("[data-testid=login-form]")).to_be_visible()  # the page again, the query ignored
    assert session_cookie(context) is None


def test_after_hydration_the_script_signs_in_and_moves_to_the_callback(context, own_sandbox):
    info = own_sandbox
    page = open_login(context, info)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    wait_for_hydration(page)
    fill_and_submit(page, info.user_email, info.user_password)
    page.wait_for_url(f"{info.web_url}/auth/platform/authorize")
    cookie = session_cookie(context)
    assert cookie is not None, "no session cookie"
    assert cookie["domain"] == "localhost"
    assert not [url for url in urls if "password" in url]
    assert f"{info.web_url}/api/auth/csrf" in urls and f"{info.web_url}/api/auth/callback/credentials" in urls


def test_after_hydration_bad_credentials_stay_on_the_page_with_cal_com_s_alert(context, own_sandbox):
    page = open_login(context, own_sandbox)
    before = page.url
    wait_for_hydration(page)
    fill_and_submit(page, own_sandbox.user_email, "wrong")
    alert = page.locator("[data-testid=login-form] [data-testid=alert] h3")
    expect(alert).to_have_text("Email or password is incorrect.")
    assert page.url == before and session_cookie(context) is None


def test_an_off_site_callback_is_replaced_by_the_web_app_s_root(context, own_sandbox):
    page = open_login(context, own_sandbox, "https://evil.test/x")
    wait_for_hydration(page)
    fill_and_submit(page, own_sandbox.user_email, own_sandbox.user_password)
    page.wait_for_url(f"{own_sandbox.web_url}/")


def test_the_current_login_design_logs_in_too(context, current_design_sandbox):
    info = current_design_sandbox
    page = open_login(context, info)
    expect(page.locator("h1")).to_have_text("Cal.com")
    expect(page.locator("p[data-testid=login-subtitle]")).to_have_text("Welcome back! Sign in to your account")
    assert page.get_by_role("heading", name="Welcome back").count() == 0
    expect(page.locator("button[type=submit]")).to_have_text("Continue")
    wait_for_hydration(page)
    fill_and_submit(page, info.user_email, info.user_password)
    page.wait_for_url(f"{info.web_url}/auth/platform/authorize")


# --- consent: Cal.com's mock-up ------------------------------------------------------------------------------------
def test_cal_com_s_consent_page_is_a_static_mock_up(context, own_sandbox):
    info = own_sandbox
    page = context.new_page()
    url = (
        f"{info.web_url}/auth/platform/authorize?client_id={info.client_id}&redirect_uri="
        f"{quote(info.redirect_uri, safe='')}&state=s1"
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)  # no session: no login redirect
    assert page.url == url
    expect(page.locator("h1")).to_have_text("Acme.com would like access to your Cal.com account")
    expect(page.locator("li")).to_have_text(["Read, write your event types", "Read your bookings"])
    allow = page.locator("button[data-testid=allow-button][type=button]")
    expect(allow).to_have_text("Allow")
    go_back = page.get_by_role("button", name="Go back")
    assert go_back.get_attribute("type") == "button" and go_back.get_attribute("data-testid") is None
    assert page.locator("[data-testid=deny-button]").count() == 0 and page.locator("form").count() == 0
    requests.clear()
    allow.click()
    page.wait_for_timeout(300)
    assert page.url == url and not requests  # Allow does nothing


# --- consent: the reference persona's working page -----------------------------------------------------------------
@pytest.fixture(scope="module", params=["split", "single"])
def reference_layout(request: pytest.FixtureRequest) -> Iterator[SandboxInfo]:
    yield from _started(["--persona", "reference", "--layout", request.param])


def consent_url(info: SandboxInfo, client_id: str | None = None, redirect_uri: str | None = None) -> str:
    return (
        f"{info.web_url}/auth/platform/authorize?client_id={client_id or info.client_id}"
        f"&redirect_uri={quote(redirect_uri or info.redirect_uri, safe='')}&state=s%201"
    )


def log_in_through_consent(context: BrowserContext, info: SandboxInfo) -> Page:
    page = context.new_page()
    page.goto(consent_url(info))
    page.wait_for_url("**/auth/login?callbackUrl=*")
    assert parse_qs(urlsplit(page.url).query)["callbackUrl"] == [consent_url(info)]
    wait_for_hydration(page)
    fill_and_submit(page, info.user_email, info.user_password)
    page.wait_for_url(consent_url(info))
    return page


def test_reference_consent_allow_lands_on_the_redirect_uri_with_code_and_state(context, reference_layout):
    info = reference_layout
    page = log_in_through_consent(context, info)
    expect(page.locator("h1")).to_have_text(f"{info.client_name} would like access to your Cal.com account")
    expect(page.locator("[data-testid=permissions] li").first).to_be_visible()
    page.locator("[data-testid=allow-button]").click()
    page.wait_for_url(f"{info.redirect_uri}?*")
    query = parse_qs(urlsplit(page.url).query)
    assert len(query["code"]) == 1 and query["state"] == ["s 1"]


def test_reference_consent_go_back_issues_no_code(context, reference_layout):
    info = reference_layout
    page = log_in_through_consent(context, info)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.locator("[data-testid=deny-button]").click()
    page.wait_for_timeout(300)
    assert not [url for url in requests if "/authorize" in url and "/v2/" in url]
    assert not page.url.startswith(info.redirect_uri)


@pytest.mark.parametrize(
    "client_id, redirect_uri, message",
    [
        ("nope", None, "OAuth client with ID 'nope' not found"),
        (None, "https://evil.test/cb", "Invalid 'redirect_uri' value."),
    ],
)
def test_reference_consent_shows_the_api_s_error_and_stays(context, reference_layout, client_id, redirect_uri, message):
    info = reference_layout
    log_in_through_consent(context, info).close()
    page = context.new_page()
    url = consent_url(info, client_id, redirect_uri)
    page.goto(url)
    expect(page.locator("[data-testid=authorize-error]")).to_have_text(message)
    assert page.url == url
