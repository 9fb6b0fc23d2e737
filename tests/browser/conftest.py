"""What every browser test shares: a real SMTP server, delivery right after the request, a load counter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
