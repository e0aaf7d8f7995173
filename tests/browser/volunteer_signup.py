"""Signing up on the volunteer page as a person does: the form, the link in the mail that arrived at the
stack's SMTP catcher, then logging in."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from streetcare.testing import CONFIRM_LINK_MARK, Stack, mailed_confirmation_link


def mailed_link_on_this_stack(stack: Stack, email: str) -> str:
    """The confirmation link from the mail, pointed at this stack's gateway (the services' public URL
    is the default one, not the test stack's port)."""
    token = mailed_confirmation_link(stack.mail_catcher_dir, email).split(CONFIRM_LINK_MARK, 1)[1]
    return f"{stack.gateway_url}{CONFIRM_LINK_MARK}{token}"


def sign_up_and_log_in(page: Any, stack: Stack, name: str, email: str, password: str = "a-long-password") -> None:
    """Sign up on the page, follow the mailed link in the same tab, log in: the page ends logged in."""
    page.locator("#signup-name").fill(name)
    page.locator("#signup-email").fill(email)
    page.locator("#signup-password").fill(password)
    page.locator("#signup-form button[type=submit]").click()
    page.locator("#resend-confirmation").wait_for()  # shown with "check your mail"
    page.goto(mailed_link_on_this_stack(stack, email))
    expect(page.locator("#login-email")).to_have_value(email)  # no wait_for_function: its eval breaks the CSP
    page.locator("#login-password").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.locator("#me-name").wait_for()
