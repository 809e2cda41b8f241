"""The OAuth2 provider's consent page, /auth/oauth2/authorize, in a real browser under both personas: the
client-side login redirect and back, the consent's shape, Allow and Go back, the on-page errors and the error
redirects; and the faults that act in the page's script."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.sandbox.info import SandboxInfo

from .oauth2_helpers import create_client, fault_on, pkce_pair, web_session
from .test_pages import fill_and_submit, wait_for_hydration

TIMEOUT_MS = 10_000
STATE = "s 1&x"


@pytest.fixture(scope="module")
def info(any_sandbox: SandboxInfo) -> SandboxInfo:
    return any_sandbox


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    # the seeded redirect URIs' host does not exist: the browser's arrival there is caught
    context.route("https://booking-app.example/**", lambda route: route.fulfill(status=200, body="caught"))
    yield context
    context.close()


def signed_in(context: BrowserContext, info: SandboxInfo) -> BrowserContext:
    """The seeded user's session cookie, from an HTTP login, in the browser."""
    with web_session(info) as http:
        value = http.cookies["next-auth.session-token"]
    context.add_cookies([{"name": "next-auth.session-token", "value": value, "url": info.web_url}])
    return context


def consent_url(info: SandboxInfo, **params: str | None) -> str:
    query = {
        "client_id": info.oauth2_client_id,
        "redirect_uri": info.oauth2_redirect_uri,
        "response_type": "code",
        "scope": "READ_PROFILE",
        "state": STATE,
        **params,
    }
    return f"{info.web_url}/auth/oauth2/authorize?{urlencode({k: v for k, v in query.items() if v is not None})}"


def open_consent(context: BrowserContext, info: SandboxInfo, **params: str | None) -> Page:
    page = context.new_page()
    page.goto(consent_url(info, **params))
    return page


def landed_query(page: Page, info: SandboxInfo) -> dict[str, list[str]]:
    page.wait_for_url(f"{info.oauth2_redirect_uri}?*")
    return parse_qs(urlsplit(page.url).query)


def test_without_a_session_the_page_sends_the_browser_to_login_and_back(context, info):
    page = open_consent(context, info)
    page.wait_for_url("**/auth/login?callbackUrl=*")
    callback = parse_qs(urlsplit(page.url).query)["callbackUrl"][0]
    assert callback.startswith("auth/oauth2/authorize?")  # relative, no leading slash
    assert parse_qs(urlsplit(callback).query)["state"] == [STATE]
    wait_for_hydration(page)
    fill_and_submit(page, info.user_email, info.user_password)
    page.wait_for_url("**/auth/oauth2/authorize?*")
    expect(page.locator("h1")).to_have_text(f"{info.oauth2_client_name} would like access to your Cal.com account")


def test_the_consent_names_the_client_and_allow_lands_with_code_and_state(context, info):
    page = open_consent(signed_in(context, info), info)
    name = info.oauth2_client_name
    expect(page.locator("h1")).to_have_text(f"{name} would like access to your Cal.com account")
    expect(page.locator("[data-testid=signed-in-user]")).to_have_text(f"Signed in as {info.user_email}")
    expect(page.get_by_text(f"This will allow {name} to", exact=True)).to_be_visible()
    items = page.locator("[data-testid=legacy-permissions-list] li")
    expect(items).to_have_count(7)
    expect(items.first).to_have_text(f"Associate you with your personal info from {name}")
    expect(page.get_by_role("button", name="Go back")).to_be_visible()
    page.locator("[data-testid=allow-button]").click()
    query = landed_query(page, info)
    assert len(query["code"][0]) == 54 and query["state"] == [STATE] and "error" not in query


def test_a_scoped_client_lists_the_requested_scopes(context, info):
    made = create_client(info, scopes=["BOOKING_READ", "BOOKING_WRITE", "PROFILE_READ"])
    page = open_consent(signed_in(context, info), info, client_id=made["client_id"], scope="BOOKING_READ,BOOKING_WRITE")
    expect(page.locator("[data-testid=scope-permissions-list] li")).to_have_text(
        ["Create, read, update, and delete bookings"]
    )
    assert page.locator("[data-testid=legacy-permissions-list]").count() == 0


def test_go_back_lands_with_access_denied_and_the_state(context, info):
    page = open_consent(signed_in(context, info), info)
    page.get_by_role("button", name="Go back").click()
    query = landed_query(page, info)
    assert query == {"error": ["access_denied"], "state": [STATE]}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"client_id": "f" * 64}, "OAuth client with ID not found"),
        (
            {"redirect_uri": "https://booking-app.example/elsewhere"},
            "redirect_uri does not match any of the OAuth client's registered redirect URIs",
        ),
    ],
)
def test_an_unknown_client_or_unregistered_redirect_uri_is_an_error_on_the_page(context, info, params, message):
    page = open_consent(signed_in(context, info), info, **params)
    expect(page.locator("[data-testid=authorize-error]")).to_have_text(message)
    page.wait_for_timeout(200)
    assert urlsplit(page.url).path == "/auth/oauth2/authorize"


def test_a_trusted_client_is_authorized_at_once_without_consent(context, info):
    """isTrusted (o2-view l.120-131): the page calls generateAuthCode as soon as the client loads; no Allow."""
    made = create_client(info, trusted=True)
    page = open_consent(signed_in(context, info), info, client_id=made["client_id"])
    query = landed_query(page, info)
    assert len(query["code"][0]) == 54 and query["state"] == [STATE] and "error" not in query


@pytest.mark.parametrize(
    "status, message", [("PENDING", "OAuth client is not approved"), ("REJECTED", "OAuth client has been rejected")]
)
def test_an_unapproved_client_is_an_error_on_the_page(context, info, status, message):
    """A PENDING client the viewer does not own, a REJECTED one: the error on the page, no consent, no redirect."""
    made = create_client(info, status=status)
    page = open_consent(signed_in(context, info), info, client_id=made["client_id"])
    expect(page.locator("[data-testid=authorize-error]")).to_have_text(message)
    page.wait_for_timeout(200)
    assert urlsplit(page.url).path == "/auth/oauth2/authorize"
    assert page.locator("[data-testid=allow-button]").count() == 0


def test_an_unknown_scope_redirects_with_invalid_scope(context, info):
    page = open_consent(signed_in(context, info), info, scope="READ_PROFILE,NOT_A_SCOPE")
    query = landed_query(page, info)
    assert query == {
        "error": ["invalid_scope"],
        "error_description": ["Requested scope is not a recognized scope"],
        "state": [STATE],
    }


def test_plain_pkce_is_refused_after_allow(context, info):
    verifier, _ = pkce_pair()
    page = open_consent(
        signed_in(context, info),
        info,
        client_id=info.oauth2_public_client_id,
        code_challenge=verifier,
        code_challenge_method="plain",
    )
    page.locator("[data-testid=allow-button]").click()
    query = landed_query(page, info)
    assert query["error"] == ["invalid_request"] and "code" not in query
    assert query["error_description"] == ["code_challenge_method must be S256"]


def test_a_public_client_without_code_challenge_is_refused_after_allow(context, info):
    page = open_consent(signed_in(context, info), info, client_id=info.oauth2_public_client_id)
    page.locator("[data-testid=allow-button]").click()
    assert landed_query(page, info) == {
        "error": ["invalid_request"],
        "error_description": ["code_challenge required for public clients"],
        "state": [STATE],
    }


# --- the faults that act in the page ---------------------------------------------------------------------------------
def test_fault_go_back_without_error(context, info):
    with fault_on(info, "oauth2-go-back-without-error"):
        page = open_consent(signed_in(context, info), info)
        page.get_by_role("button", name="Go back").click()
        page.wait_for_url(info.oauth2_redirect_uri)
    assert urlsplit(page.url).query == ""


def test_fault_unknown_client_redirects(context, info):
    with fault_on(info, "oauth2-unknown-client-redirects"):
        page = open_consent(signed_in(context, info), info, client_id="f" * 64)
        assert landed_query(page, info)["error"] == ["unauthorized_client"]


def test_fault_consent_without_login(context, info):
    with fault_on(info, "oauth2-consent-without-login"):
        page = open_consent(context, info)
        expect(page.locator("[data-testid=allow-button]")).to_be_visible()
    assert "/auth/oauth2/authorize" in page.url


def test_fault_consent_generic(context, info):
    with fault_on(info, "oauth2-consent-generic"):
        page = open_consent(signed_in(context, info), info)
        expect(page.locator("h1")).to_have_text("Acme.com would like access to your Cal.com account")
    assert page.locator("ul").count() == 0


def test_the_single_layout_serves_the_page(context, single_sandbox):
    info = single_sandbox
    page = open_consent(signed_in(context, info), info)
    page.locator("[data-testid=allow-button]").click()
    assert landed_query(page, info)["state"] == [STATE]
