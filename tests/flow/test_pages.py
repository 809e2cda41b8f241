"""CONTRACT §2: the login and consent pages, driven in a real browser as a user would."""

from __future__ import annotations

import secrets
from fnmatch import fnmatch
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from e2e.checks import require
from e2e.checks.redirects import check_landing
from e2e.checks.responses import check_keys_response
from pages import ConsentPage, LoginPage
from pages.redirect_catcher import AUTHORIZE_PATH

pytestmark = pytest.mark.browser


@pytest.mark.rule("login.page_shape")
def test_login_page_shows_its_form(login_page: LoginPage):
    login_page.open()
    expect(login_page.heading).to_be_visible()
    for field in (login_page.email, login_page.password, login_page.submit):
        expect(field).to_be_visible()


@pytest.mark.smoke
@pytest.mark.rule("login.good_credentials")
def test_good_credentials_sign_in_and_return_to_callback(signed_in, settings):
    """Checks the session's one real login (the `signed_in` fixture), whose callbackUrl is the consent page."""
    landed = urlsplit(signed_in.landed_url).path
    require(landed == ConsentPage.PATH, "login.good_credentials", f"login landed on {landed}, not on its callbackUrl")
    require(signed_in.consent_shown, "login.good_credentials", "back on the consent page, Allow was not offered")
    web_host = urlsplit(settings.web_url).hostname
    require(any(c["domain"].lstrip(".") in web_host for c in signed_in.storage_state["cookies"]),
            "login.good_credentials", "no session cookie was set for the web host")


@pytest.mark.rule("login.bad_credentials")
def test_bad_credentials_stay_on_login_with_error(login_page: LoginPage, settings):
    login_page.open()
    login_page.login(settings.user_email, "wrong-" + secrets.token_urlsafe(12))
    expect(login_page.error).to_be_visible()
    require(login_page.is_current(), "login.bad_credentials", f"left the login page for {urlsplit(login_page.page.url).path}")


@pytest.mark.rule("consent.requires_login")
def test_consent_without_session_redirects_to_login(page, settings, login_page: LoginPage, page_selectors):
    consent = ConsentPage(page, settings.web_url, page_selectors)
    target = consent.url(settings.client_id, settings.redirect_uri, state="s")
    consent.open(settings.client_id, settings.redirect_uri, state="s")
    login_page.wait_until_loaded()
    require(login_page.is_current(), "consent.requires_login", "the consent page did not send the user to log in")
    callback = parse_qs(urlsplit(page.url).query).get("callbackUrl", [""])[0]
    require(_same_page(callback, target, settings.web_url), "consent.requires_login",
            "callbackUrl does not lead back to the consent page")


@pytest.mark.rule("consent.names_client")
def test_consent_names_client_and_offers_allow_and_go_back(signed_in_consent: ConsentPage, settings):
    signed_in_consent.open(settings.client_id, settings.redirect_uri)
    signed_in_consent.wait_until_loaded()
    expect(signed_in_consent.allow_button).to_have_text("Allow")
    expect(signed_in_consent.deny_button).to_have_text("Go back")
    if settings.sandbox is not None:  # a remote client's name is not among CONTRACT §3's variables
        expect(signed_in_consent.text_shown(settings.sandbox.client_name).first).to_be_visible()
        expect(signed_in_consent.page.get_by_role("listitem").first).to_be_visible()


@pytest.mark.smoke
@pytest.mark.rule("consent.allow_lands_with_code")
def test_allow_lands_on_redirect_uri_with_one_code(signed_in, settings):
    """Checks the session's one real flow (the `signed_in` fixture): Allow on the consent page, the code caught
    on the redirect URI and exchanged."""
    require(signed_in.allow_error is None, "consent.allow_lands_with_code", str(signed_in.allow_error))
    check_landing(signed_in.allow_landed_url or "", settings.redirect_uri, "consent.allow_lands_with_code")
    require(signed_in.exchange_response is not None, "consent.allow_lands_with_code", "no code to exchange")
    check_keys_response(signed_in.exchange_response, "exchange.returns_keys")


@pytest.mark.rule("consent.go_back_issues_no_code")
def test_go_back_issues_no_code(signed_in_consent: ConsentPage, signed_in_catcher, settings, authorizer):
    page = signed_in_consent.page
    page.goto(settings.web_url + "/", wait_until="commit")  # a page to go back to
    signed_in_consent.open(settings.client_id, settings.redirect_uri)
    signed_in_consent.wait_until_loaded()
    signed_in_consent.go_back()
    # settled: off the consent page, and not on the authorize endpoint on the way to the redirect URI
    page.wait_for_url(lambda url: urlsplit(url).path != ConsentPage.PATH and not fnmatch(urlsplit(url).path, AUTHORIZE_PATH),
                      wait_until="commit")
    with_code = [c for c in signed_in_catcher.caught if "code" in c.params]
    require(not with_code, "consent.go_back_issues_no_code", "Go back landed on the redirect URI with a code")
    # Had Go back issued a code, the user could not authorize again (CONTRACT §1).
    response = authorizer.authorize_raw()
    require(300 <= response.status_code < 400, "consent.go_back_issues_no_code",
            f"after Go back, authorize answered HTTP {response.status_code}: a code was issued")


@pytest.mark.rule("consent.unknown_client_error")
def test_unknown_client_shows_error_and_stays(signed_in_consent: ConsentPage, signed_in_catcher, settings):
    unknown = "unknown" + secrets.token_hex(6)
    signed_in_consent.open(unknown, settings.redirect_uri)
    expect(signed_in_consent.text_shown(f"OAuth client with ID '{unknown}' not found")).to_be_visible()
    require(not signed_in_catcher.caught, "consent.unknown_client_error", "the browser was sent to the redirect URI")


@pytest.mark.rule("consent.disallowed_redirect_error")
def test_disallowed_redirect_uri_shows_error_and_stays(signed_in_consent: ConsentPage, signed_in_catcher, settings):
    signed_in_consent.open(settings.client_id, settings.redirect_uri + "/evil")
    expect(signed_in_consent.text_shown("Invalid 'redirect_uri' value.")).to_be_visible()
    require(not signed_in_catcher.caught, "consent.disallowed_redirect_error", "the browser was sent to the redirect URI")


def _same_page(callback: str, target: str, web_url: str) -> bool:
    absolute = callback if callback.startswith("http") else web_url + callback
    a, b = urlsplit(absolute), urlsplit(target)
    return (a.path, parse_qs(a.query)) == (b.path, parse_qs(b.query))
