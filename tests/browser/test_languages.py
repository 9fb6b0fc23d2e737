"""In a real Chromium at 375 px (axe-core checks every page, tests/browser/conftest.py): a visitor switches the
sign-in page to French with the keyboard, signs in as a contact who then reads the portal in French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from domain.models import User, db
from tests.browser.conftest import tab_until

pytestmark = pytest.mark.browser


def test_a_visitor_switches_to_french_with_the_keyboard_and_keeps_it_once_signed_in(app, live_server,
                                                                                   page: Page):
    app.test_cli_runner().invoke(args=["demo"])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch = page.get_by_role("button", name="Français")
    expect(switch).to_have_attribute("lang", "fr-CA")
    tab_until(page, re.compile(r"^Français$"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    page.get_by_label("Courriel").fill("maria@keystone-concrete.example")
    page.get_by_label("Mot de passe", exact=True).fill("demo-contact")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()  # the portal's switch, beside it
    # the choice made before signing in is the contact's own now, for e-mails too
    contact = db.session.scalars(db.select(User).where(User.email == "maria@keystone-concrete.example")).one()
    assert contact.language is None  # chosen while signed out: kept for this browser only
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, contact.id).language == "en"  # chosen while signed in: the contact's setting
