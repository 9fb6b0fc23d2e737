"""What every browser test shares: a real SMTP server, delivery right after the request, a load counter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.smtp import SmtpServer

# Counts full page loads in sessionStorage: htmx 4 calls history.replaceState, so navigation
# events prove nothing; an unchanged count proves there was no reload.
COUNT_LOADS = """
window.addEventListener("load", () => {
  sessionStorage.setItem("loads", String(Number(sessionStorage.getItem("loads") || 0) + 1));
});
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {**smtp.config, "OUTBOX_DELIVER_AFTER_REQUEST": True}


def sign_in_as(page: Page, base: str, email: str = "admin@example.com", password: str = "demo-admin") -> None:
    """Through the sign-in form, as a person does (the demo's company admin unless told)."""
    page.goto(base + "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
