"""In a real Chromium: the demo admin signs in and sees the project list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_demo_admin_signs_in_and_sees_projects(app, live_server, page: Page):
    app.test_cli_runner().invoke(args=["demo"])
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/sign-in?next=%2F")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password", exact=True).fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("E-mail or password is incorrect.")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("admin@example.com")
    page.get_by_label("Password", exact=True).fill("demo-admin")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("P-1001 Riverside Medical Office Building"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("P-1002 Maple Street Townhomes"))).to_be_visible()
    page.get_by_role("link", name=re.compile("P-1001 Riverside Medical Office Building")).click()
    expect(page.get_by_role("link", name="Open Progress Billings")).to_be_visible()
