"""What several page tests do the same way: a dispatcher's planned day, a refusal said beside its field."""

from __future__ import annotations

from typing import Any

import httpx

from conftest import seed_demo_crews
from streetcare.testing import Stack

API = "/api/v1/scheduling"
DISPATCHER_LOGIN = {"email": "dispatcher@test.example", "password": "dispatcher-password"}
"""The stack's dispatcher (conftest makes it)."""


def dispatcher_token(stack: Stack) -> str:
    answer = httpx.post(f"{stack.gateway_url}/api/v1/auth/login", json=DISPATCHER_LOGIN)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def dispatching(stack: Stack, which: str = "today") -> tuple[dict[str, str], str]:
    """The demo crews in place, and a dispatcher's headers with the plan day `which` (today, tomorrow)."""
    seed_demo_crews(stack)
    headers = {"Authorization": f"Bearer {dispatcher_token(stack)}"}
    day: str = httpx.get(f"{stack.gateway_url}{API}/plan-days", headers=headers).json()[which]
    return headers, day


def log_in(
    page: Any, stack: Stack, email: str = DISPATCHER_LOGIN["email"], password: str = DISPATCHER_LOGIN["password"]
) -> None:
    """Log in on the dispatch page (as the stack's dispatcher unless told otherwise)."""
    page.goto(f"{stack.gateway_url}/dispatch")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


def error_beside(page: Any, field: str) -> str:
    """The message about `field`, which must come right after it and describe it; "" when there is none."""
    note = page.locator(f"#{field}-error")
    if note.count() == 0:
        return ""
    assert page.evaluate(f"document.getElementById('{field}').nextElementSibling.id") == f"{field}-error"
    assert f"{field}-error" in (page.locator(f"#{field}").get_attribute("aria-describedby") or "").split()
    return str(note.inner_text())
