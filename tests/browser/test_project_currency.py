"""In a real Chromium: the project form's currency follows the country until the admin picks one, and the
Canadian project it makes writes its money as en_CA does."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser


def test_choosing_canada_picks_cad_unless_the_admin_chose_a_currency(app, live_server, page: Page):
    app.test_cli_runner().invoke(args=["demo"])
    sign_in_as(page, live_server.url)
    page.goto(live_server.url + "/projects/new")
    country, currency = page.get_by_label("Country"), page.get_by_label("Currency")
    expect(currency).to_have_value("USD")  # the United States' currency, shown at once
    country.select_option(label="Canada")
    expect(currency).to_have_value("CAD")
    country.select_option(label="United States")
    expect(currency).to_have_value("USD")

    currency.select_option(label="CAD")  # the admin's own choice stays whatever the country
    country.select_option(label="Canada")
    country.select_option(label="United States")
    expect(currency).to_have_value("CAD")

    currency.select_option(label="The country's (USD or CAD)")  # left to the country again
    country.select_option(label="Canada")
    expect(currency).to_have_value("CAD")
    page.get_by_label("Project number").fill("P-3001")
    page.get_by_label("Name").fill("Lakeshore Library")
    page.get_by_label("Time zone").select_option("America/Toronto")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Lakeshore Library")).to_be_visible()
    expect(page.get_by_text("Canada · CAD")).to_be_visible()
