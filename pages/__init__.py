"""Page objects for Cal.com's login page, its platform consent page (CONTRACT §2) and its OAuth2 provider's consent
page (CONTRACT §6.1)."""

from .consent_page import ConsentPage
from .login_page import LoginPage
from .oauth2_consent_page import OAuth2ConsentPage
from .redirect_catcher import CaughtRedirect, RedirectCatcher, codes_in
from .selectors import Selectors

__all__ = [
    "CaughtRedirect",
    "ConsentPage",
    "LoginPage",
    "OAuth2ConsentPage",
    "RedirectCatcher",
    "Selectors",
    "codes_in",
]
