"""What every browser test shares: a real SMTP server, delivery right after the request, a load counter,
and an axe-core check of every page and swap (see accessibility.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.accessibility import AxeWatch
from tests.helpers import PG_URL
from tests.smtp import SmtpServer


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A browser test proves what a person sees, which does not depend on the database: with PostgreSQL
    at hand each runs once, on PostgreSQL (the web and domain tests cover both databases), else on SQLite.
    The SQLite runs are deselected, and pytest says how many."""
    if not PG_URL:
        return
    once = [item for item in items if not (
        item.nodeid.startswith("tests/browser/")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_uri") == "sqlite")]
    if len(once) < len(items):
        kept = set(once)
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = once

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


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "body";
  return el.getAttribute("aria-label") || (el.labels && el.labels[0] && el.labels[0].innerText.trim())
    || el.innerText.trim().slice(0, 60) || el.tagName;
}"""


def tab_until(page: Page, stop: re.Pattern[str], limit: int = 80) -> list[str]:
    """Press Tab until the focused control's name matches `stop`; the names passed on the way."""
    names = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(FOCUSED)
        names.append(name)
        if stop.search(name):
            return names
    raise AssertionError(f"never reached {stop.pattern}: {names}")


# --- Accessibility: axe-core checks every page and every in-place swap of every browser test -----------------


@pytest.fixture(autouse=True)
def axe_watch(monkeypatch: pytest.MonkeyPatch) -> AxeWatch:
    """Every context a browser test opens (the `page` fixture's, or `browser.new_context()`) is checked."""
    watch = AxeWatch()
    new_context = Browser.new_context

    def checked_context(self: Browser, *args: object, **kwargs: object) -> BrowserContext:
        # Without motion (as a browser set to reduce it): a button caught halfway through Bootstrap's
        # 0.15 s colour transition when axe runs after a swap is not a contrast problem anyone sees.
        kwargs.setdefault("reduced_motion", "reduce")
        return watch.attach(new_context(self, *args, **kwargs))

    def checked_page(self: Browser, *args: object, **kwargs: object) -> Page:
        return checked_context(self, *args, **kwargs).new_page()

    monkeypatch.setattr(Browser, "new_context", checked_context)
    monkeypatch.setattr(Browser, "new_page", checked_page)
    return watch


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a browser test passed: a serious or critical axe violation anywhere it went fails it."""
    result = yield
    watch = item.funcargs.get("axe_watch")  # type: ignore[attr-defined]
    if isinstance(watch, AxeWatch):
        watch.finish()
        if watch.findings or watch.errors:
            pytest.fail(f"axe-core found serious or critical accessibility problems:\n{watch.problems()}",
                        pytrace=False)
    return result
