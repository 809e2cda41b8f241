"""CONTRACT §6.2: the OAuth2 provider's token endpoint (Cal.com's /api/auth/oauth/token and OAuthService
.exchangeCodeForTokens), every error of its table, PKCE and the code's single use; codes come from the consent page."""

from __future__ import annotations

import secrets

import pytest

from e2e.checks import Blocked
from e2e.checks.oauth2 import check_no_store, check_oauth2_error, check_token_response
from e2e.fixtures.oauth2 import SessionExchange
from e2e.oauth2_flow import ConsentDriver, IssuedCode, OAuth2Endpoints, Pkce

pytestmark = [pytest.mark.oauth2, pytest.mark.browser]
CODE_LIFETIME_MS = 10 * 60 * 1000


def _unknown_code(oauth2_settings) -> IssuedCode:
    return IssuedCode(secrets.token_urlsafe(40), oauth2_settings.redirect_uri)


@pytest.mark.smoke
@pytest.mark.rule("oauth2.token.returns_tokens")
def test_exchange_returns_tokens(oauth2_session: SessionExchange):
    check_token_response(oauth2_session.exchanged(), "oauth2.token.returns_tokens")


@pytest.mark.rule("oauth2.token.no_store")
def test_token_response_is_not_cacheable(oauth2_session: SessionExchange):
    check_no_store(oauth2_session.exchanged(), "oauth2.token.no_store")


@pytest.mark.rule("oauth2.token.pkce_accepts_s256_verifier")
def test_right_verifier_is_accepted(oauth2_session: SessionExchange):
    response = oauth2_session.exchanged()
    if oauth2_session.issued is None or oauth2_session.issued.pkce is None:
        pytest.skip("the session's code carries no challenge: API v2's token endpoint with a confidential client")
    check_token_response(response, "oauth2.token.pkce_accepts_s256_verifier")


@pytest.mark.rule("oauth2.token.code_single_use")
def test_exchanged_code_is_refused_the_second_time(consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints):
    issued = consent_driver.code()
    oauth2_endpoints.tokens(issued)
    check_oauth2_error(oauth2_endpoints.exchange(issued), "oauth2.token.code_single_use", 400, "invalid_grant")


@pytest.mark.api
@pytest.mark.rule("oauth2.token.rejects_unknown_code")
def test_unknown_code_is_invalid_grant(oauth2_endpoints: OAuth2Endpoints, oauth2_settings):
    response = oauth2_endpoints.exchange(_unknown_code(oauth2_settings))
    check_oauth2_error(response, "oauth2.token.rejects_unknown_code", 400, "invalid_grant")


@pytest.mark.rule("oauth2.token.rejects_wrong_secret")
@pytest.mark.parametrize("secret", ["wrong", None], ids=["wrong", "missing"])
def test_exchange_with_wrong_secret_is_invalid_client(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, confidential, secret
):
    issued = consent_driver.code()
    wrong = "wrong-" + secrets.token_urlsafe(16) if secret else None
    response = oauth2_endpoints.exchange(issued, client_secret=wrong)
    check_oauth2_error(response, "oauth2.token.rejects_wrong_secret", 401, "invalid_client")


@pytest.mark.api
@pytest.mark.rule("oauth2.token.rejects_unknown_client")
def test_unknown_client_is_invalid_client(oauth2_endpoints: OAuth2Endpoints, oauth2_settings):
    response = oauth2_endpoints.exchange(_unknown_code(oauth2_settings), client_id="unknown" + secrets.token_hex(8))
    check_oauth2_error(response, "oauth2.token.rejects_unknown_client", 401, "invalid_client")


@pytest.mark.api
@pytest.mark.rule("oauth2.token.rejects_missing_parameters")
@pytest.mark.parametrize("missing", ["code", "redirect_uri"])
def test_missing_parameter_is_invalid_request(oauth2_endpoints: OAuth2Endpoints, oauth2_settings, missing):
    response = oauth2_endpoints.exchange(_unknown_code(oauth2_settings), **{missing: None})
    check_oauth2_error(response, "oauth2.token.rejects_missing_parameters", 400, "invalid_request")


@pytest.mark.rule("oauth2.token.rejects_unregistered_redirect_uri")
def test_unregistered_redirect_uri_is_invalid_grant(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, oauth2_settings
):
    issued = consent_driver.code()
    unregistered = oauth2_settings.redirect_uri.split("?")[0].rstrip("/") + "/evil"
    response = oauth2_endpoints.exchange(issued, redirect_uri=unregistered)
    check_oauth2_error(response, "oauth2.token.rejects_unregistered_redirect_uri", 400, "invalid_grant")


@pytest.mark.rule("oauth2.token.redirect_uri_bound_to_code")
def test_code_is_bound_to_its_redirect_uri(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, oauth2_settings
):
    other = oauth2_settings.other_redirect_uri
    if not other:
        pytest.skip("needs a second redirect URI registered for the client: set CAL_OAUTH2_OTHER_REDIRECT_URI")
    # the code is issued for the other URI, which proves it registered, then exchanged naming the main one
    issued = consent_driver.code(redirect_uri=other)
    response = oauth2_endpoints.exchange(issued, redirect_uri=oauth2_settings.redirect_uri)
    check_oauth2_error(response, "oauth2.token.redirect_uri_bound_to_code", 400, "invalid_grant")


@pytest.mark.rule("oauth2.token.pkce_rejects_wrong_verifier")
def test_wrong_verifier_is_invalid_grant(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, pkce_with_any_client
):
    issued = consent_driver.code(pkce=Pkce.new())
    response = oauth2_endpoints.exchange(issued, verifier=Pkce.new().verifier)
    check_oauth2_error(response, "oauth2.token.pkce_rejects_wrong_verifier", 400, "invalid_grant")


@pytest.mark.rule("oauth2.token.pkce_requires_verifier")
def test_missing_verifier_is_refused(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, pkce_with_any_client
):
    issued = consent_driver.code(pkce=Pkce.new())
    response = oauth2_endpoints.exchange(issued, verifier=None)
    # Cal.com: invalid_request (pkce_missing_parameters_or_invalid_method); RFC 7636 §4.6 reads as invalid_grant
    check_oauth2_error(response, "oauth2.token.pkce_requires_verifier", 400, ("invalid_request", "invalid_grant"))


@pytest.mark.rule("oauth2.token.pkce_failure_spends_code")
def test_failed_pkce_check_spends_the_code(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, oauth2_session, pkce_with_any_client
):
    if oauth2_session.exchanged().status_code != 200:  # the right verifier must work, or a refusal proves nothing
        raise Blocked("the right verifier was not accepted; see oauth2.token.pkce_accepts_s256_verifier")
    issued = consent_driver.code(pkce=Pkce.new())
    if oauth2_endpoints.exchange(issued, verifier=Pkce.new().verifier).status_code == 200:
        raise Blocked("the wrong verifier was accepted; see oauth2.token.pkce_rejects_wrong_verifier")
    response = oauth2_endpoints.exchange(issued)
    check_oauth2_error(response, "oauth2.token.pkce_failure_spends_code", 400, "invalid_grant")


@pytest.mark.api
@pytest.mark.rule("oauth2.token.rejects_unsupported_grant_type")
def test_unknown_grant_type_is_unsupported(oauth2_endpoints: OAuth2Endpoints, oauth2_settings):
    response = oauth2_endpoints.exchange(_unknown_code(oauth2_settings), grant_type="urn:example:not-a-grant")
    check_oauth2_error(response, "oauth2.token.rejects_unsupported_grant_type", 400, "unsupported_grant_type")


@pytest.mark.sandbox_only
@pytest.mark.rule("oauth2.token.code_expires")
def test_code_older_than_ten_minutes_is_refused(
    consent_driver: ConsentDriver, oauth2_endpoints: OAuth2Endpoints, shifted_clock
):
    issued = consent_driver.code()
    shifted_clock(CODE_LIFETIME_MS + 1_000)
    check_oauth2_error(oauth2_endpoints.exchange(issued), "oauth2.token.code_expires", 400, "invalid_grant")
