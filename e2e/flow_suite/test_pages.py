"""CONTRACT §2: the login and consent pages, driven in a real browser as a user would."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.checks import Blocked, require
from e2e.checks.redirects import check_landing
from e2e.checks.responses import check_keys_response
from e2e.flow import SESSION_COOKIES, cookies_for, session_cookie_name
from pages import ConsentPage, LoginPage

pytestmark = pytest.mark.browser
PAGE_BOUND_MS = 5_000  # a working page shows this within; a page that does not is reported, not waited on for 15 s


@pytest.mark.rule("login.page_shape")
def test_login_page_shows_its_form(login_page: LoginPage):
    login_page.open()
    require(
        _visible(login_page.heading.first),
        "login.page_shape",
        "the login page shows neither the heading 'Welcome back' nor [data-testid=login-subtitle]",
    )
    for name, field in (
        ("#email", login_page.email),
        ("#password", login_page.password),
        ("the submit button", login_page.submit),
    ):
        require(_visible(field), "login.page_shape", f"the login form has no visible {name}")


@pytest.mark.smoke
@pytest.mark.rule("login.good_credentials")
def test_good_credentials_sign_in_and_return_to_callback(session_evidence, settings):
    """Checks the session's one real login (the `signed_in` fixture), whose callbackUrl is the consent page."""
    signed_in = session_evidence
    require(signed_in.login_error is None, "login.good_credentials", str(signed_in.login_error))
    landed = urlsplit(signed_in.landed_url).path
    require(landed == ConsentPage.PATH, "login.good_credentials", f"login landed on {landed}, not on its callbackUrl")
    if signed_in.session_email is not None:  # NextAuth's /api/auth/session says who is logged in
        require(
            signed_in.session_email.lower() == settings.user_email.lower(),
            "login.good_credentials",
            "the session is not the test user's",
        )
    else:  # then the session cookie must be there, under NextAuth's name, for the web app's host
        web_host = urlsplit(settings.web_url).hostname
        held = sorted(cookies_for(signed_in.storage_state, settings.web_url))
        require(
            session_cookie_name(signed_in.storage_state, settings.web_url) is not None,
            "login.good_credentials",
            f"no NextAuth session cookie ({' or '.join(SESSION_COOKIES)}) for {web_host}: "
            f"the browser holds {', '.join(held) or 'no cookie'} for it",
        )


@pytest.mark.rule("login.bad_credentials")
def test_bad_credentials_stay_on_login_with_error(login_page: LoginPage, settings):
    login_page.open()
    login_page.login(settings.user_email, "wrong-" + secrets.token_urlsafe(12))
    require(
        _visible(login_page.error.first, PAGE_BOUND_MS),
        "login.bad_credentials",
        "no error alert appeared after a wrong password",
    )
    require(
        login_page.is_current(),
        "login.bad_credentials",
        f"left the login page for {urlsplit(login_page.page.url).path}",
    )


@pytest.mark.rule("consent.requires_login")
def test_consent_without_session_redirects_to_login(page, settings, login_page: LoginPage, page_selectors):
    consent = ConsentPage(page, settings.web_url, page_selectors)
    target = consent.url(settings.client_id, settings.redirect_uri, state="s")
    consent.open(settings.client_id, settings.redirect_uri, state="s")
    _visible(login_page.form.or_(consent.allow_button).first, PAGE_BOUND_MS)
    require(
        login_page.is_current(),
        "consent.requires_login",
        "the consent page did not send the user to log in: it rendered without a session",
    )
    callback = parse_qs(urlsplit(page.url).query).get("callbackUrl", [""])[0]
    require(
        _same_page(callback, target, settings.web_url),
        "consent.requires_login",
        "callbackUrl does not lead back to the consent page",
    )


@pytest.mark.rule("consent.names_client")
def test_consent_names_client_and_lists_permissions(signed_in_consent: ConsentPage, settings):
    unknown = "unknown" + secrets.token_hex(6)
    signed_in_consent.open(unknown, settings.redirect_uri)
    _visible(signed_in_consent.heading, PAGE_BOUND_MS)
    for_unknown = signed_in_consent.heading_text()
    signed_in_consent.open(settings.client_id, settings.redirect_uri)
    require(_visible(signed_in_consent.allow_button, PAGE_BOUND_MS), "consent.names_client", "no Allow button")
    heading = signed_in_consent.heading_text()
    require(
        heading != for_unknown,
        "consent.names_client",
        f"the consent page reads the same for this client and for an unknown one ({heading!r}): "
        "it does not name the client",
    )
    if settings.sandbox is not None:  # a remote client's name is not among CONTRACT §3's variables
        require(
            _visible(signed_in_consent.text_shown(settings.sandbox.client_name).first),
            "consent.names_client",
            f"the client's name {settings.sandbox.client_name!r} is not shown",
        )
    require(
        _visible(signed_in_consent.permissions.first),
        "consent.names_client",
        "no permissions are listed",
    )


@pytest.mark.smoke
@pytest.mark.rule("consent.allow_lands_with_code")
def test_allow_lands_on_redirect_uri_with_one_code(session_evidence, settings):
    """Checks the session's one real flow (the `signed_in` fixture): Allow on the consent page, the code caught
    on the redirect URI and exchanged."""
    signed_in = session_evidence
    if signed_in.login_error is not None:
        raise Blocked(f"the session's login failed, see login.good_credentials: {signed_in.login_error}")
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
    require(
        _visible(signed_in_consent.deny_button, PAGE_BOUND_MS),
        "consent.go_back_issues_no_code",
        "the consent page has no Go back button [data-testid=deny-button]",
    )
    signed_in_consent.go_back()
    signed_in_consent.wait_until_left()
    with_code = [c for c in signed_in_catcher.caught if "code" in c.params]
    require(not with_code, "consent.go_back_issues_no_code", "Go back landed on the redirect URI with a code")
    # Had Go back issued a code, the user could not authorize again (CONTRACT §1).
    response = authorizer.authorize_raw()
    require(
        300 <= response.status_code < 400,
        "consent.go_back_issues_no_code",
        f"after Go back, authorize answered HTTP {response.status_code}: a code was issued",
    )


@pytest.mark.rule("consent.unknown_client_error")
def test_unknown_client_shows_error_and_stays(signed_in_consent: ConsentPage, signed_in_catcher, settings):
    unknown = "unknown" + secrets.token_hex(6)
    signed_in_consent.open(unknown, settings.redirect_uri)
    expected = f"OAuth client with ID '{unknown}' not found"
    require(
        _visible(signed_in_consent.text_shown(expected), PAGE_BOUND_MS),
        "consent.unknown_client_error",
        f"the consent page shows no error for an unknown client (expected {expected!r})",
    )
    require(not signed_in_catcher.caught, "consent.unknown_client_error", "the browser was sent to the redirect URI")


@pytest.mark.rule("consent.disallowed_redirect_error")
def test_disallowed_redirect_uri_shows_error_and_stays(signed_in_consent: ConsentPage, signed_in_catcher, settings):
    signed_in_consent.open(settings.client_id, settings.redirect_uri + "/evil")
    expected = "Invalid 'redirect_uri' value."
    require(
        _visible(signed_in_consent.text_shown(expected), PAGE_BOUND_MS),
        "consent.disallowed_redirect_error",
        f"the consent page shows no error for a disallowed redirect_uri (expected {expected!r})",
    )
    require(
        not signed_in_catcher.caught, "consent.disallowed_redirect_error", "the browser was sent to the redirect URI"
    )


def _visible(locator, timeout_ms: float = 0) -> bool:
    """Whether the locator shows within timeout_ms (0: now); a check then says what was missing."""
    if not timeout_ms:
        return locator.is_visible()
    try:
        locator.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


def _same_page(callback: str, target: str, web_url: str) -> bool:
    absolute = callback if callback.startswith("http") else web_url + callback
    a, b = urlsplit(absolute), urlsplit(target)
    return (a.path, parse_qs(a.query)) == (b.path, parse_qs(b.query))
