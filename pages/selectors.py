"""Every selector the page objects use, in one place (CONTRACT §2). Override for markup that differs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selectors:
    login_heading: str = "Welcome back"
    login_form: str = "[data-testid=login-form]"
    email_input: str = "#email"
    password_input: str = "#password"
    submit_button: str = "button[type=submit]"
    login_error_text: str = "incorrect"
    allow_button: str = "[data-testid=allow-button]"
    deny_button: str = "[data-testid=deny-button]"
