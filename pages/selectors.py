"""Every selector the page objects use, in one place (CONTRACT §2). Override for markup that differs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selectors:
    # Cal.com's login heading differs by release: "Welcome back" (a heading, 2025 and older) or, in the current
    # design, <h1>Cal.com</h1> with a subtitle that has a test id. Either one identifies the page.
    login_heading: str = "Welcome back"
    login_subtitle: str = "[data-testid=login-subtitle]"
    login_form: str = "[data-testid=login-form]"
    email_input: str = "#email"
    password_input: str = "#password"
    submit_button: str = "button[type=submit]"
    login_error: str = "[data-testid=alert], [role=alert]"
    login_error_text: str = "incorrect"  # a fallback for markup without the alert's test id (English UI)
    allow_button: str = "[data-testid=allow-button]"
    deny_button: str = "[data-testid=deny-button]"
    # the OAuth2 provider's consent page (apps/web/modules/auth/oauth2/authorize-view.tsx)
    oauth2_allow_button: str = "[data-testid=allow-button]"
    oauth2_go_back_button: str = "button:has-text('Go back')"  # no test id in Cal.com
    oauth2_scope_permissions: str = "[data-testid=scope-permissions-list]"
    oauth2_legacy_permissions: str = "[data-testid=legacy-permissions-list]"  # a legacy client's fixed seven lines
    oauth2_signed_in_user: str = "[data-testid=signed-in-user]"
