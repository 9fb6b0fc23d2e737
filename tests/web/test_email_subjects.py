"""Every e-mail about one contract's billing names the contract and the month in its subject, and writes
money as the pages do; delivered to a real SMTP server on loopback (tests/smtp.py)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cli import serve_demo_mail
from domain import claims
from domain.emails import (
    CLAIM_APPROVED,
    CLAIM_RETURNED,
    CLAIM_SUBMITTED,
    INVITE_ANSWERED,
    INVITE_TO_BILL,
)
from domain.models import Claim, ClaimStatus, Country, Currency, LineReview, OutboxMessage, User, db
from domain.outbox import deliver_due
from extensions import mail
from tests import factories
from tests.helpers import AuthActions
from tests.smtp import Received, SmtpServer
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`
from tests.web.portal_helpers import SIGN, send_invites


def this_month(world: factories.World) -> str:
    """Make the world's period exactly this calendar month (due in ten days); its name, as a person says it."""
    today = date.today()
    start = today.replace(day=1)
    world.period.start_date = start
    world.period.end_date = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    world.period.due_date = today + timedelta(days=10)
    db.session.commit()
    return start.strftime("%B %Y")  # e.g. "November 2026"


def delivered(smtp: SmtpServer) -> list[Received]:
    with smtp:
        report = deliver_due(mail)
    assert report.failed == 0
    return smtp.messages


def kinds_and_subjects() -> dict[str, set[str]]:
    db.session.expire_all()
    found: dict[str, set[str]] = {}
    for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        found.setdefault(row.kind, set()).add(row.subject)
    return found


def test_each_kind_of_email_names_the_contract_and_the_month(app: Flask, client: FlaskClient, world: factories.World,
                                                              smtp: SmtpServer):
    month = this_month(world)
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    paving = factories.commitment(world.project, keystone, number="SC-002", title="Paving")
    db.session.commit()
    invites = send_invites(client, world, concrete, paving)
    auth = AuthActions(client)
    auth.sign_in("maria@keystone.example")
    claim_url = client.post(f"/portal/invites/{invites[concrete.id].id}/accept").headers["Location"]
    assert client.post(f"/portal/invites/{invites[paving.id].id}/decline", data={"reason": "Nothing done"}
                       ).status_code == 303
    first, _ = concrete.sov_lines
    submitted = client.post(claim_url, data={f"line-{first.id}-this_period": "45375.00", "action": "submit", **SIGN})
    assert submitted.status_code == 303
    claim = db.session.scalar(select(Claim).where(Claim.commitment_id == concrete.id))
    admin = db.session.get(User, world.admin.id)
    claims.review(claim, [claims.LineDecision(claim.lines[0].id, LineReview.REJECTED, "Attach the delivery tickets")],
                  ClaimStatus.REVISE_AND_RESUBMIT, admin)
    resubmitted = client.post(claim_url, data={f"line-{first.id}-this_period": "45375.00", "action": "submit", **SIGN})
    assert resubmitted.status_code == 303
    claim = db.session.get(Claim, claim.id)
    claims.review(claim, [claims.LineDecision(line.id, LineReview.APPROVED) for line in claim.lines],
                  ClaimStatus.APPROVED, db.session.get(User, world.admin.id))

    received = delivered(smtp)
    subjects = {m.subject.strip() for m in received}  # a long Subject is folded after "Subject:"
    assert subjects == {
        f"Riverside Medical: invite to bill SC-001 for {month}",
        f"Riverside Medical: invite to bill SC-002 for {month}",
        f"Riverside Medical: Keystone Concrete Co. will bill SC-001 for {month}",
        f"Riverside Medical: Keystone Concrete Co. will not bill SC-002 for {month}",
        f"Riverside Medical: Keystone Concrete Co. submitted progress claim #1 on SC-001 for {month}",
        f"Riverside Medical: please revise progress claim #1 on SC-001 for {month}",
        f"Riverside Medical: progress claim #1 on SC-001 for {month} is Approved",
    }
    assert set(kinds_and_subjects()) == {INVITE_TO_BILL, INVITE_ANSWERED, CLAIM_SUBMITTED, CLAIM_RETURNED,
                                         CLAIM_APPROVED}
    # 45,375.00 of work less 10% retention: the amount due as the claim page writes it.
    for message in received:
        if "progress claim #1" in message.subject:
            assert "Current amount due: $40,837.50" in message.text
            assert "$40,837.50" in message.html
            assert "40837.50" not in message.text and "USD" not in message.text


def test_the_invite_names_the_sender_and_the_company_as_the_portal_does(app: Flask, client: FlaskClient,
                                                                         world: factories.World, smtp: SmtpServer):
    this_month(world)
    world.company.invite_message = "Bill by the due date, please."
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    db.session.commit()
    invite = send_invites(client, world, concrete)[concrete.id]
    (received,) = delivered(smtp)
    said = "Avery Admin of Harbor & Pine Builders has invited you to bill"
    assert said in received.text and "Message from Harbor & Pine Builders:" in received.text
    assert said.replace("&", "&amp;") in received.html
    assert "Message from Harbor &amp; Pine Builders" in received.html
    assert "Sent by Harbor &amp; Pine Builders through Progress Billings." in received.html
    AuthActions(client).sign_in("maria@keystone.example")
    page = client.get(f"/portal/invites/{invite.id}").get_data(as_text=True)
    assert said.replace("&", "&amp;") in page and "Message from Harbor &amp; Pine Builders" in page
    assert "invites to bill from Harbor &amp; Pine Builders" in client.get("/portal").get_data(as_text=True)


def test_a_period_that_is_not_a_calendar_month_is_named_by_its_dates(app: Flask, client: FlaskClient,
                                                                       world: factories.World, smtp: SmtpServer):
    today = date.today()
    world.period.start_date = today - timedelta(days=20)
    world.period.end_date = today + timedelta(days=9)  # thirty days, across a month's end or not whole
    world.period.due_date = today + timedelta(days=10)
    concrete = factories.commitment(world.project, factories.vendor("Keystone Concrete Co.", "maria@keystone.example"),
                                    number="SC-001")
    db.session.commit()
    send_invites(client, world, concrete)
    (received,) = delivered(smtp)
    start, end = world.period.start_date, world.period.end_date
    dates = (f"{start:%b %-d} to {end:%b %-d, %Y}" if start.year == end.year
             else f"{start:%b %-d, %Y} to {end:%b %-d, %Y}")
    assert received.subject.strip() == f"Riverside Medical: invite to bill SC-001 for {dates}"


@pytest.mark.parametrize(("country", "written"), [
    (Country.CA, "$40,837.50"),  # a Canadian project reads en_CA: its own dollars need no prefix
    (Country.US, "CA$40,837.50"),  # a US project billing in CAD reads en_US
])
def test_a_project_in_cad_writes_its_money_in_its_currency(app: Flask, client: FlaskClient, world: factories.World,
                                                           smtp: SmtpServer, country: Country, written: str):
    month = this_month(world)
    world.project.country, world.project.currency = country, Currency.CAD
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    db.session.commit()
    invite = send_invites(client, world, concrete)[concrete.id]
    AuthActions(client).sign_in("maria@keystone.example")
    claim_url = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    first, _ = concrete.sov_lines
    client.post(claim_url, data={f"line-{first.id}-this_period": "45375.00", "action": "submit", **SIGN})
    received = [m for m in delivered(smtp) if "submitted" in m.subject]
    expected = f"Riverside Medical: Keystone Concrete Co. submitted progress claim #1 on SC-001 for {month}"
    assert received and all(m.subject.strip() == expected for m in received)
    assert all(f"Current amount due: {written}" in m.text for m in received)


@pytest.mark.parametrize(("base_url", "expected"), [(None, "http://127.0.0.1:5310/portal/invites/"),
                                                    ("https://demo.example", "https://demo.example/portal/invites/")])
def test_the_demo_s_links_follow_the_port_it_serves_on_unless_base_url_says_otherwise(
        app: Flask, client: FlaskClient, world: factories.World, smtp: SmtpServer, monkeypatch, base_url, expected):
    if base_url is None:
        monkeypatch.delenv("FLASK_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("FLASK_BASE_URL", base_url)
        app.config["BASE_URL"] = base_url  # what create_app read from it
    serve_demo_mail(app, "127.0.0.1", 5310, smtp.port)
    concrete = factories.commitment(world.project, factories.vendor(), number="SC-001", title="Concrete")
    db.session.commit()
    send_invites(client, world, concrete)
    (received,) = delivered(smtp)
    assert expected in received.text and "127.0.0.1:5000" not in received.text
