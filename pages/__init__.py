"""Page objects for Cal.com's login and platform consent pages (CONTRACT §2)."""

from .consent_page import ConsentPage
from .login_page import LoginPage
from .redirect_catcher import CaughtRedirect, RedirectCatcher, codes_in
from .selectors import Selectors

__all__ = ["CaughtRedirect", "ConsentPage", "LoginPage", "RedirectCatcher", "Selectors", "codes_in"]
