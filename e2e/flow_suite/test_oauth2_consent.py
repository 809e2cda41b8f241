"""CONTRACT §6.1: the OAuth2 provider's consent page, driven as a person would (Cal.com's authorize-view.tsx)."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.checks import require
from e2e.checks.oauth2 import check_error_redirect, check_oauth2_landing
from e2e.oauth2_flow import ConsentDriver, ConsentRefused, Pkce, consent_params
from e2e.run_state import ARTIFACT_DIR
from e2e.settings import OAuth2Settings
from pages import LoginPage, OAuth2ConsentPage

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
PAGE_MS = 15_000  # what a page may take to show its outcome (a dev server compiles a route on first use)
UNKNOWN_CLIENT_TEXT = "OAuth client with ID not found"  # OAUTH_ERROR_REASONS.client_not_found
REDIRECT_MISMATCH_TEXT = "does not match"  # "redirect_uri does not match [any of] the OAuth client's ..."
UNAPPROVED_TEXTS = {"PENDING": "OAuth client is not approved", "REJECTED": "OAuth client has been rejected"}
LEGACY_SCOPES = {"READ_BOOKING", "READ_PROFILE"}  # a legacy client's page lists its fixed seven lines for these
AWKWARD_STATE = 'a b&c=d/é?#%+"<x>'


def _visible(locator: Locator, timeout_ms: float = PAGE_MS) -> bool:
    with contextlib.suppress(PlaywrightTimeout):
        locator.wait_for(state="visible", timeout=timeout_ms)
        return True
    return False


def _shown(driver: ConsentDriver) -> str:
    return driver.page.locator("body").inner_text()[:200].strip()


def _landing_after_allow(driver: ConsentDriver, params: dict[str, str], rule_id: str) -> str:
    """Allow clicked; the URL the browser landed on (also an error sent back before Allow was offered), or the
    rule's failure saying what the page did instead."""
    try:
        return driver.allow(params).url
    except ConsentRefused:
        return driver.page.url
    except PlaywrightError as error:
        require(False, rule_id, f"no redirect after Allow: {str(error).splitlines()[0]}")
        raise


@pytest.mark.rule("oauth2.consent.requires_login")
def test_consent_without_session_goes_to_login_and_back(
    oauth2_session, page, settings, oauth2_settings, page_selectors, redactor
):
    rule = "oauth2.consent.requires_login"
    login = LoginPage(page, settings.web_url, page_selectors)
    driver = ConsentDriver(page, oauth2_settings, settings.web_url, page_selectors, redactor, PAGE_MS)
    consent = driver.consent
    consent.open(consent_params(oauth2_settings, pkce=Pkce.new() if oauth2_settings.is_public else None))
    _visible(login.form.or_(consent.allow_button).first)
    require(not consent.allow_button.is_visible(), rule, "the consent page offered Allow without a session")
    require(login.is_current(), rule, f"no login page within {PAGE_MS / 1000:.0f}s; the browser is on {page.url!r}")
    callback = parse_qs(urlsplit(page.url).query).get("callbackUrl", [""])[0]
    require(
        OAuth2ConsentPage.PATH.lstrip("/") in callback and oauth2_settings.client_id in callback,
        rule,
        "the login page's callbackUrl does not lead back to this consent page",
    )
    login.login(settings.user_email, settings.user_password.reveal())
    with contextlib.suppress(PlaywrightError):  # back on the consent page, or already past it
        page.wait_for_url(lambda url: urlsplit(url).path == OAuth2ConsentPage.PATH or driver.landed(), timeout=PAGE_MS)
    on_consent = urlsplit(page.url).path == OAuth2ConsentPage.PATH
    require(
        on_consent or driver.landed(),
        rule,
        f"after logging in the browser is on {urlsplit(page.url).path}, not back on the consent page",
    )
    if on_consent:
        back = parse_qs(urlsplit(page.url).query)
        require(
            back.get("client_id") == [oauth2_settings.client_id], rule, "the consent page came back for another client"
        )


@pytest.mark.rule("oauth2.consent.names_client_and_scopes")
def test_consent_names_client_and_lists_permissions(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.names_client_and_scopes"
    consent = consent_driver.consent
    consent_driver.open(consent_params(oauth2_settings, pkce=Pkce.new() if oauth2_settings.is_public else None))
    consent_driver.wait_for_outcome(consent.allow_button)
    refused = consent_driver.refusal()
    require(refused is None, rule, f"the consent page sent the browser back with {refused}")
    require(consent.allow_button.is_visible(), rule, f"no Allow button; the page shows {_shown(consent_driver)!r}")
    heading = consent.heading_text()
    require(heading.strip(), rule, "the consent page has no heading naming who asks")
    if oauth2_settings.client_name:  # the sandbox's, or CAL_OAUTH2_CLIENT_NAME (without it, only a heading is asked)
        require(
            oauth2_settings.client_name in heading,
            rule,
            f"the heading {heading!r} does not name the client {oauth2_settings.client_name!r}",
        )
    if set(oauth2_settings.scopes) <= LEGACY_SCOPES:
        lines = consent.permission_lines(consent.legacy_permissions)
        require(lines, rule, "no legacy permission list ([data-testid=legacy-permissions-list]) for legacy scopes")
    else:
        lines = consent.permission_lines(consent.scope_permissions)
        resources = {scope.rsplit("_", 1)[0] for scope in oauth2_settings.scopes}  # READ+WRITE show as one line
        require(
            len(lines) >= len(resources),
            rule,
            f"the permission list ([data-testid=scope-permissions-list]) shows {len(lines)} line(s) for the scopes "
            f"{', '.join(oauth2_settings.scopes)}",
        )
    require(consent.go_back_button.is_visible(), rule, "no Go back button")


@pytest.mark.smoke
@pytest.mark.rule("oauth2.consent.allow_redirects_with_code")
def test_allow_lands_with_code_and_state(oauth2_session, oauth2_settings, request):
    """Checks the worker's one path through the consent page (oauth2_session), as the platform flow's Allow check
    reads the session login's: its evidence is linked here when it failed."""
    rule = "oauth2.consent.allow_redirects_with_code"
    if oauth2_session.evidence_dir is not None:
        request.node.stash[ARTIFACT_DIR] = oauth2_session.evidence_dir
    require(oauth2_session.landing_url is not None, rule, f"no code: {oauth2_session.problem}")
    landed = check_oauth2_landing(oauth2_session.landing_url, oauth2_settings.redirect_uri, rule)
    codes = landed.get("code", [])
    require(len(codes) == 1 and codes[0], rule, f"expected exactly one non-empty code, found {len(codes)}")
    require("error" not in landed, rule, f"the redirect carries error={landed.get('error')}")
    state = oauth2_session.params["state"]
    require(landed.get("state") == [state], rule, f"state came back as {landed.get('state')!r}")


@pytest.mark.rule("oauth2.consent.state_round_trip")
def test_awkward_state_comes_back_unchanged(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.state_round_trip"
    pkce = Pkce.new() if oauth2_settings.is_public else None
    params = consent_params(oauth2_settings, state=AWKWARD_STATE, pkce=pkce)
    landed = check_oauth2_landing(
        _landing_after_allow(consent_driver, params, rule), oauth2_settings.redirect_uri, rule
    )
    require(
        landed.get("state") == [AWKWARD_STATE], rule, f"state {AWKWARD_STATE!r} came back as {landed.get('state')!r}"
    )


@pytest.mark.rule("oauth2.consent.go_back_access_denied")
def test_go_back_lands_with_access_denied(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.go_back_access_denied"
    params = consent_params(oauth2_settings, pkce=Pkce.new() if oauth2_settings.is_public else None)
    try:
        url = consent_driver.go_back(params).url
    except PlaywrightError as error:
        require(False, rule, f"Go back did not land on the redirect URI: {str(error).splitlines()[0]}")
        raise
    check_error_redirect(url, oauth2_settings.redirect_uri, rule, "access_denied", state=params["state"])


def _stays_with_error(driver: ConsentDriver, params: dict[str, str], text: str, rule: str) -> None:
    """The page shows text, stays on the consent page, offers no Allow, and nothing reached a redirect URI."""
    driver.open(params)
    shown = driver.consent.text_shown(text)
    driver.wait_for_outcome(shown.or_(driver.consent.allow_button))
    require(not driver.caught, rule, "the browser was sent to the redirect URI")
    path = urlsplit(driver.page.url).path
    require(path == OAuth2ConsentPage.PATH, rule, f"the browser left the consent page for {path}")
    require(not driver.consent.allow_button.is_visible(), rule, "the consent page offers Allow instead of an error")
    require(shown.first.is_visible(), rule, f"no error {text!r} shown; the page shows {_shown(driver)!r}")


@pytest.mark.rule("oauth2.consent.unknown_client_error")
def test_unknown_client_shows_error_without_redirect(consent_driver: ConsentDriver, oauth2_settings):
    params = consent_params(oauth2_settings, client_id="unknown" + secrets.token_hex(8))
    _stays_with_error(consent_driver, params, UNKNOWN_CLIENT_TEXT, "oauth2.consent.unknown_client_error")


@pytest.mark.rule("oauth2.consent.unregistered_redirect_uri_error")
def test_unregistered_redirect_uri_shows_error_without_redirect(consent_driver: ConsentDriver, oauth2_settings):
    # the registered URI with more path: what a prefix match would let through to an attacker's page
    unregistered = oauth2_settings.redirect_uri.split("?")[0].rstrip("/") + "/evil"
    params = consent_params(oauth2_settings, redirect_uri=unregistered)
    _stays_with_error(consent_driver, params, REDIRECT_MISMATCH_TEXT, "oauth2.consent.unregistered_redirect_uri_error")


@pytest.mark.sandbox_only
@pytest.mark.rule("oauth2.consent.unapproved_client_error")
@pytest.mark.parametrize("status", ["PENDING", "REJECTED"])
def test_unapproved_client_shows_error_without_redirect(
    consent_driver: ConsentDriver, oauth2_settings, sandbox_admin, status
):
    client = sandbox_admin.create_oauth2_client([oauth2_settings.redirect_uri], status=status, name=f"{status} App")
    params = consent_params(oauth2_settings, client_id=client["client_id"])
    _stays_with_error(consent_driver, params, UNAPPROVED_TEXTS[status], "oauth2.consent.unapproved_client_error")


@pytest.mark.rule("oauth2.consent.unknown_scope_redirects")
def test_unknown_scope_redirects_with_invalid_scope(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.unknown_scope_redirects"
    params = consent_params(oauth2_settings, scope="NOT_A_CALCOM_SCOPE")
    consent_driver.open(params)
    consent_driver.wait_for_outcome(consent_driver.consent.allow_button)
    require(consent_driver.landed(), rule, f"no redirect back to the app; the page shows {_shown(consent_driver)!r}")
    check_error_redirect(
        consent_driver.page.url, oauth2_settings.redirect_uri, rule, "invalid_scope", state=params["state"]
    )


@pytest.mark.rule("oauth2.consent.rejects_plain_pkce")
def test_plain_pkce_is_refused(consent_driver: ConsentDriver, oauth2_settings):
    rule = "oauth2.consent.rejects_plain_pkce"
    pkce = Pkce.new()
    params = {**consent_params(oauth2_settings, pkce=pkce), "code_challenge": pkce.verifier}
    params["code_challenge_method"] = "plain"
    url = _landing_after_allow(consent_driver, params, rule)
    check_error_redirect(url, oauth2_settings.redirect_uri, rule, "invalid_request", state=params["state"])


@pytest.fixture
def public_client(oauth2_settings: OAuth2Settings, settings, request) -> OAuth2Settings:
    """The configured client when it is public, else (sandbox) a public client registered for the same URI."""
    if oauth2_settings.is_public:
        return oauth2_settings
    if settings.sandbox is None:
        pytest.skip("needs a public client: CAL_OAUTH2_CLIENT_ID is confidential (run again with a public one)")
    admin = request.getfixturevalue("sandbox_admin")
    client = admin.create_oauth2_client([oauth2_settings.redirect_uri], type="public", name="Public App")
    return replace(oauth2_settings, client_id=client["client_id"], client_secret=None, client_name="Public App")


@pytest.mark.rule("oauth2.consent.public_client_requires_pkce")
def test_public_client_without_pkce_is_refused(
    oauth2_session, signed_in_page, public_client: OAuth2Settings, settings, page_selectors, redactor
):
    rule = "oauth2.consent.public_client_requires_pkce"
    driver = ConsentDriver(signed_in_page, public_client, settings.web_url, page_selectors, redactor, PAGE_MS)
    params = consent_params(public_client)  # no code_challenge
    url = _landing_after_allow(driver, params, rule)
    check_error_redirect(url, public_client.redirect_uri, rule, "invalid_request", state=params["state"])
