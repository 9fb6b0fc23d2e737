"""In a real Chromium, from an empty install to the first Invite to Bill, all through the pages:
first-run setup, a project, a vendor and its contact (activation e-mail), a commitment with a
schedule of values, a billing period, and Send Invites without a page load."""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from domain.dates import day
from tests.browser.conftest import COUNT_LOADS
from tests.smtp import Received, SmtpServer

pytestmark = pytest.mark.browser

TIME_ZONE = "America/Toronto"
CONTACT = "lena@northshore-drywall.example"


def _mail_to(smtp: SmtpServer, address: str, subject: str) -> Received:
    """The first e-mail to `address` whose subject contains `subject`, delivered by the app right after
    the request that queued it (in a thread: Werkzeug's server skips response.close() when the browser
    resets the connection after a 303, so close callbacks were not enough)."""

    def arrived() -> list[Received]:
        return [m for m in smtp.to(address) if subject in m.subject]

    deadline = time.monotonic() + 30
    while not arrived() and time.monotonic() < deadline:
        time.sleep(0.1)
    found = arrived()
    assert found, f"no e-mail to {address} about {subject!r}; got {[m.subject for m in smtp.messages]}"
    return found[0]


def _loads(page: Page) -> str:
    page.wait_for_load_state("load")
    return page.evaluate("sessionStorage.getItem('loads')")


def test_empty_install_to_first_invite(app, live_server, page: Page, smtp: SmtpServer):
    page.add_init_script(COUNT_LOADS)

    # First run: every page leads to the setup form.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    page.get_by_label("Your company's name").fill("Harbourfront Builders Ltd.")
    page.get_by_label("Your name").fill("Jordan Reyes")
    page.get_by_label("E-mail").fill("jordan@harbourfront.example")
    page.get_by_label("Password", exact=True).fill("first-admin-password")
    page.get_by_label("Repeat the password").fill("first-admin-password")
    page.get_by_role("button", name="Create company and admin").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    # 1. A project.
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project number").fill("P-2001")
    page.get_by_label("Name").fill("Lakeshore Library Renovation")
    page.get_by_label("Address").fill("120 Lakeshore Blvd W, Toronto, ON")
    page.get_by_label("Country").select_option(label="Canada")
    expect(page.get_by_label("Currency")).to_have_value("CAD")  # the country's currency, picked for the admin
    page.get_by_label("Time zone").select_option(TIME_ZONE)
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Lakeshore Library Renovation")).to_be_visible()
    project_home = page.url

    # 2. A vendor and its progress claim contact, who is e-mailed an activation link.
    page.get_by_role("link", name="Directory").click()
    page.get_by_role("link", name="Add vendor").click()
    page.get_by_label("Name").fill("Northshore Drywall Inc.")
    page.get_by_label("Trade").fill("Drywall")
    page.get_by_role("button", name="Add vendor").click()
    expect(page.get_by_role("status")).to_contain_text("Northshore Drywall Inc. is added")
    page.get_by_role("link", name="Add person").click()
    expect(page.get_by_label("Company", exact=True)).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Name").fill("Lena Okafor")
    page.get_by_label("E-mail").fill(CONTACT)
    page.get_by_role("button", name=re.compile("Add person")).click()
    expect(page.get_by_role("status")).to_contain_text("Lena Okafor is added; an activation e-mail is on its way")
    expect(page.get_by_role("status")).to_contain_text("Lena Okafor is now Northshore Drywall Inc.'s default contact.")
    activation = _mail_to(smtp, CONTACT, "has set up your Progress Billings account")
    assert re.search(r"http://\S+/activate\?token=\S+", activation.text), activation.text

    # 3. An approved subcontract for the vendor; its default contact becomes the progress claim contact.
    page.goto(project_home)
    page.get_by_role("link", name="New commitment").click()
    page.get_by_label("Type").select_option(label="Subcontract")
    page.get_by_label("Number").fill("SC-01")
    page.get_by_label("Status").select_option(label="Approved")
    page.get_by_label("Title").fill("Drywall and ceilings")
    page.get_by_label("Vendor").select_option(label="Northshore Drywall Inc.")
    page.get_by_role("button", name="Create commitment").click()
    expect(page.get_by_role("status")).to_contain_text("with Lena Okafor as progress claim contact")
    expect(page.get_by_role("button", name="Remove Lena Okafor as progress claim contact")).to_be_visible()

    # 4. Three SOV lines through the inline form; the total follows; approve.
    loads = _loads(page)
    sov = page.get_by_role("region", name=re.compile("Schedule of values"))
    lines = [("09 21 16", "Gypsum board assemblies", Decimal("48250.00")),
             ("09 51 13", "Acoustical panel ceilings", Decimal("21400.50")),
             ("09 29 00", "Taping and finishing", Decimal("12349.50"))]
    total = sov.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Total")))
    for count, (code, description, value) in enumerate(lines, start=1):
        sov.get_by_label("Cost code").fill(code)
        sov.get_by_label("Description").fill(description)
        sov.get_by_label("Scheduled value").fill(f"{value:,}")
        sov.get_by_role("button", name="Add line").click()
        expect(sov.get_by_role("row").filter(has_text=description)).to_contain_text(f"${value:,}")
        running = sum(v for _, _, v in lines[:count])
        expect(total).to_contain_text(f"({count} line{'s' if count > 1 else ''})")
        expect(total).to_contain_text(f"${running:,}")
        expect(sov.get_by_label("Cost code")).to_have_value("")  # the form is ready for the next line
    expect(total).to_contain_text("$82,000.00")
    expect(total).not_to_contain_text("CA$")  # a Canadian project writes its own dollars plain
    assert _loads(page) == loads, "adding SOV lines reloaded the page"
    sov.get_by_role("button", name="Approve SOV").click()
    expect(page.get_by_role("heading", name=re.compile("Approve the schedule of values"))).to_be_visible()
    expect(page.get_by_text("only approved change orders add lines")).to_be_visible()  # what it locks
    page.get_by_role("button", name="Yes, approve and lock").click()
    expect(page.get_by_role("heading", name=re.compile("Schedule of values"))).to_contain_text("Approved")

    # 5. The Progress Billings page: open this month's billing period.
    page.goto(project_home)
    page.get_by_role("link", name="Open Progress Billings").click()
    expect(page.get_by_role("heading", name="Progress Billings")).to_be_visible()
    expect(page.get_by_text("No billing period yet.")).to_be_visible()
    today = datetime.now(ZoneInfo(TIME_ZONE)).date()
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    due = today + timedelta(days=10)
    # With no period yet the Billing periods panel starts open, where the page says to look.
    page.get_by_label("Start date").fill(first.isoformat())
    page.get_by_label("End date").fill(last.isoformat())
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Open period").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Billing period 1 is open: {first:%B %Y}, due {day(due)}.")  # the year shown when it is another one

    # 6. Tick the commitment and Send Invites: banner and row change in place; the e-mail arrives.
    row = page.get_by_role("row").filter(has_text="Drywall and ceilings")
    expect(row).to_contain_text("Lena Okafor")
    expect(row.get_by_text("Not Invited", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Not Invited 1", exact=True)).to_be_visible()  # the counts above the list
    send = page.get_by_role("button", name=re.compile("Send Invites"))
    expect(send).to_be_disabled()
    page.get_by_label("Invite SC-01 Drywall and ceilings").check()
    expect(send).to_be_enabled()
    loads = _loads(page)
    send.click()
    expect(page.get_by_role("status")).to_have_text("Invites sent for 1 contract.")
    expect(row.get_by_text("Invited", exact=True)).to_be_visible()
    expect(row.get_by_text("Not Invited")).to_have_count(0)
    expect(page.get_by_role("link", name="Invited 1", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Not Invited 0", exact=True)).to_be_visible()
    expect(send).to_be_disabled()
    assert _loads(page) == loads, "Send Invites reloaded the page"

    invite = _mail_to(smtp, CONTACT, ": invite to bill ")
    assert invite.subject.strip() == f"Lakeshore Library Renovation: invite to bill SC-01 for {first:%B %Y}"
    assert invite.rcpt_tos == (CONTACT,)
    assert "Lakeshore Library Renovation" in invite.text
