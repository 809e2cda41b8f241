"""CONTRACT §6.1: the OAuth2 provider's consent page, driven as a person would (Cal.com's authorize-view.tsx)."""

from __future__ import annotations

import contextlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.checks import require
from e2e.checks.oauth2 import check_error_redirect, landing_params
from e2e.oauth2_flow import ConsentDriver, Pkce, consent_params
from pages import LoginPage, OAuth2ConsentPage

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
BOUND_MS = 5_000  # a working page shows its outcome within; one that does not is reported, not waited on longer
# on-page errors (OAUTH_ERROR_REASONS; the 2025 page says only "Unauthorized" for an unknown client)
UNKNOWN_CLIENT_TEXTS = ("OAuth client with ID not found", "Unauthorized")
REDIRECT_MISMATCH_TEXT = "does not match"  # "redirect_uri does not match [any of] the OAuth client's ..."
AWKWARD_STATE = 'a b&c=d/é?#%+"<x>'


def _visible(locator: Locator, timeout_ms: float = BOUND_MS) -> bool:
    with contextlib.suppress(PlaywrightTimeout):
        locator.wait_for(state="visible", timeout=timeout_ms)
        return True
    return False


def _allowed(driver: ConsentDriver, params: dict[str, str], rule_id: str) -> str:
    """Allow clicked; the URL the browser landed on, or the rule's failure saying what the page did instead."""
    try:
        return driver.allow(params).url
    except PlaywrightError as error:
        shown = driver.page.locator("body").inner_text()[:200].strip()
        require(False, rule_id, f"no redirect after Allow ({str(error).splitlines()[0]}); the page shows {shown!r}")
        raise


@pytest.mark.rule("oauth2.consent.requires_login")
def test_consent_without_session_goes_to_login_and_back(page, settings, oauth2_settings, page_selectors):
    rule = "oauth2.consent.requires_login"
    login = LoginPage(page, settings.web_url, page_selectors)
    consent = OAuth2ConsentPage(page, settings.web_url, page_selectors)
    params = consent_params(oauth2_settings)
    consent.open(params)
    _visible(login.form.or_(consent.allow_button).first)
    require(login.is_current(), rule, "the consent page did not send the browser to log in: it rendered without one")
    callback = parse_qs(urlsplit(page.url).query).get("callbackUrl", [""])[0]
    require(
        OAuth2ConsentPage.PATH.lstrip("/") in callback and oauth2_settings.client_id in callback,
        rule,
        "the login page's callbackUrl does not lead back to this consent page",
    )
    login.login(settings.user_email, settings.user_password.reveal())
    require(
        _visible(consent.allow_button, 15_000),
        rule,
        f"after logging in the browser is on {urlsplit(page.url).path}, not back on the consent page",
    )
    back = parse_qs(urlsplit(page.url).query)
    require(back.get("client_id") == [oauth2_settings.client_id], rule, "the consent page came back for another client")


@pytest.mark.rule("oauth2.consent.names_client_and_scopes")
def test_consent_names_client_and_lists_permissions(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.names_client_and_scopes"
    consent = consent_driver.consent
    consent_driver.open(consent_params(oauth2_settings))
    require(
        _visible(consent.allow_button),
        rule,
        f"no Allow button; the page shows {consent.page.locator('body').inner_text()[:200].strip()!r}",
    )
    heading = consent.heading_text()
    require(heading.strip(), rule, "the consent page has no heading naming who asks")
    if oauth2_settings.client_name:  # the sandbox's, or CAL_OAUTH2_CLIENT_NAME
        require(
            oauth2_settings.client_name in heading,
            rule,
            f"the heading {heading!r} does not name the client {oauth2_settings.client_name!r}",
        )
    require(
        consent.permissions_text().strip(),
        rule,
        "no permission list (scope-permissions-list or legacy-permissions-list)",
    )
    require(_visible(consent.go_back_button, 1_000), rule, "no Go back button")


@pytest.mark.smoke
@pytest.mark.rule("oauth2.consent.allow_redirects_with_code")
def test_allow_lands_with_code_and_state(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.allow_redirects_with_code"
    params = consent_params(oauth2_settings, pkce=Pkce.new() if oauth2_settings.is_public else None)
    landed = landing_params(_allowed(consent_driver, params, rule), oauth2_settings.redirect_uri, rule)
    codes = landed.get("code", [])
    require(len(codes) == 1 and codes[0], rule, f"expected exactly one non-empty code, found {len(codes)}")
    require("error" not in landed, rule, f"the redirect carries error={landed.get('error')}")
    require(landed.get("state") == [params["state"]], rule, f"state came back as {landed.get('state')!r}")


@pytest.mark.rule("oauth2.consent.state_round_trip")
def test_awkward_state_comes_back_unchanged(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.state_round_trip"
    params = consent_params(
        oauth2_settings, state=AWKWARD_STATE, pkce=Pkce.new() if oauth2_settings.is_public else None
    )
    landed = landing_params(_allowed(consent_driver, params, rule), oauth2_settings.redirect_uri, rule)
    require(
        landed.get("state") == [AWKWARD_STATE],
        rule,
        f"state {AWKWARD_STATE!r} came back as {landed.get('state')!r}",
    )


@pytest.mark.rule("oauth2.consent.go_back_access_denied")
def test_go_back_lands_with_access_denied(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.go_back_access_denied"
    params = consent_params(oauth2_settings)
    try:
        url = consent_driver.go_back(params).url
    except PlaywrightError as error:
        require(False, rule, f"Go back did not land on the redirect URI: {str(error).splitlines()[0]}")
        raise
    check_error_redirect(url, oauth2_settings.redirect_uri, rule, "access_denied", params["state"])


def _stays_with_error(driver: ConsentDriver, params: dict[str, str], texts: tuple[str, ...], rule: str) -> None:
    """The page shows one of texts, stays on the consent page, and nothing reached the redirect URI."""
    driver.open(params)
    shown = driver.consent.text_shown(texts[0])
    for text in texts[1:]:
        shown = shown.or_(driver.consent.text_shown(text))
    _visible(shown.first.or_(driver.consent.allow_button).first)
    require(not driver.catcher.caught, rule, "the browser was sent to the redirect URI")
    require(
        urlsplit(driver.page.url).path == OAuth2ConsentPage.PATH,
        rule,
        f"the browser left the consent page for {urlsplit(driver.page.url).path}",
    )
    require(not driver.consent.allow_button.is_visible(), rule, "the consent page offers Allow instead of an error")
    require(
        shown.first.is_visible(),
        rule,
        f"no error shown (expected {' or '.join(map(repr, texts))}); "
        f"the page shows {driver.page.locator('body').inner_text()[:200].strip()!r}",
    )


@pytest.mark.rule("oauth2.consent.unknown_client_error")
def test_unknown_client_shows_error_without_redirect(consent_driver: ConsentDriver, oauth2_settings):
    params = consent_params(oauth2_settings, client_id="unknown" + secrets.token_hex(8))
    _stays_with_error(consent_driver, params, UNKNOWN_CLIENT_TEXTS, "oauth2.consent.unknown_client_error")


@pytest.mark.rule("oauth2.consent.unregistered_redirect_uri_error")
def test_unregistered_redirect_uri_shows_error_without_redirect(consent_driver: ConsentDriver, oauth2_settings):
    # the registered URI with more path: what a prefix match would let through to an attacker's page
    unregistered = oauth2_settings.redirect_uri.split("?")[0].rstrip("/") + "/evil"
    params = consent_params(oauth2_settings, redirect_uri=unregistered)
    _stays_with_error(
        consent_driver, params, (REDIRECT_MISMATCH_TEXT,), "oauth2.consent.unregistered_redirect_uri_error"
    )


@pytest.mark.rule("oauth2.consent.unknown_scope_redirects")
def test_unknown_scope_redirects_with_invalid_scope(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.unknown_scope_redirects"
    params = consent_params(oauth2_settings, scope="NOT_A_CALCOM_SCOPE")
    consent_driver.open(params)
    try:
        url = consent_driver.catcher.wait(consent_driver.page, BOUND_MS).url
    except PlaywrightError:
        shown = consent_driver.page.locator("body").inner_text()[:200].strip()
        require(False, rule, f"no redirect within {BOUND_MS / 1000:.0f}s; the page shows {shown!r}")
        raise
    check_error_redirect(url, oauth2_settings.redirect_uri, rule, "invalid_scope", params["state"])


@pytest.mark.rule("oauth2.consent.rejects_plain_pkce")
def test_plain_pkce_is_refused(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.rejects_plain_pkce"
    pkce = Pkce.new()
    params = {**consent_params(oauth2_settings, pkce=pkce), "code_challenge": pkce.verifier}
    params["code_challenge_method"] = "plain"
    url = _allowed(consent_driver, params, rule)
    check_error_redirect(url, oauth2_settings.redirect_uri, rule, "invalid_request", params["state"])
