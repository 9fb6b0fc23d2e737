"""Remind now on the board: an admin reminds the ticked rows that are invited and not yet submitted, with htmx
(only what changed) or a plain post (303 and a flash); every refusal says why and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from domain import claims
from domain.clock import project_today, utcnow
from domain.emails import INVITE_REMINDER
from domain.models import (
    AuditEvent,
    BillingPeriod,
    ClaimStatus,
    Invite,
    InviteStatus,
    OutboxMessage,
    PeriodStatus,
    Reminder,
    ReminderKind,
    User,
    db,
)
from tests import factories
from tests.helpers import billings_url, count
from tests.web.portal_helpers import send_invites

HX = {"HX-Request": "true"}


@pytest.fixture
def site(client, world):  # type: ignore[no-untyped-def]
    """SC-001 invited, SC-002 accepted with a Draft, SC-003 declined, SC-004 submitted, SC-005 not invited."""
    contracts = {}
    for n, name in enumerate(("Keystone Concrete", "Northern Steel", "Clear Glass", "Bright Electric", "Roofs Ltd."),
                             start=1):
        vendor = factories.vendor(name, f"contact{n}@v{n}.example")
        contracts[f"SC-00{n}"] = factories.commitment(world.project, vendor, number=f"SC-00{n}", title=f"Work {n}")
    db.session.commit()
    invites = send_invites(client, world, *[contracts[f"SC-00{n}"] for n in range(1, 5)])
    admin = db.session.get(User, world.admin.id)
    invites[contracts["SC-002"].id].status = InviteStatus.ACCEPTED
    claims.start_claim(contracts["SC-002"], world.period, admin)
    invites[contracts["SC-003"].id].status = InviteStatus.DECLINED
    invites[contracts["SC-004"].id].status = InviteStatus.ACCEPTED
    claims.start_claim(contracts["SC-004"], world.period, admin).status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    return contracts


@pytest.fixture
def admin(client, world, site, auth):  # type: ignore[no-untyped-def]
    auth.sign_in(world.admin.email)
    return client


def ids(site, *numbers: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(site[n].id) for n in numbers]


def written() -> tuple:
    db.session.expire_all()
    return (count(Reminder), count(OutboxMessage, OutboxMessage.kind == INVITE_REMINDER),
            count(AuditEvent, AuditEvent.action == "reminder queued"),
            tuple(db.session.scalars(select(Invite.last_reminded_at).order_by(Invite.id))))


def remind(client, world, site, *numbers: str, headers=None):  # type: ignore[no-untyped-def]
    return client.post(billings_url(world, "/reminders"), headers=headers or {},
                       data={"period": world.period.id, "remind_ids": ids(site, *numbers)})


def text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def row_of(html: str, site, number: str) -> str:  # type: ignore[no-untyped-def]
    return html.split(f'id="row-{site[number].id}"')[1].split("</tr>")[0]


def test_the_board_offers_remind_now_on_the_rows_that_can_be_reminded(admin, world, site):
    html = text(admin.get(billings_url(world)))
    assert "Remind now" in html and "2 can be reminded." in html
    for number in ("SC-001", "SC-002"):
        assert 'name="remind_ids"' in row_of(html, site, number), number
    for number in ("SC-003", "SC-004", "SC-005"):
        assert 'name="remind_ids"' not in row_of(html, site, number), number


def test_remind_now_with_htmx_answers_the_rows_the_bar_and_the_banner(admin, world, site):
    response = remind(admin, world, site, "SC-001", "SC-002", headers=HX)
    html = text(response)
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert 'id="board-list"' not in html and "<html" not in html
    assert "Reminder sent for 2 contracts." in html and 'id="flash" hx-swap-oob' in html
    assert '<div id="send-bar" class="d-flex flex-wrap align-items-center gap-2 mb-2" hx-swap-oob="true">' in html
    today = project_today(world.project)
    for number in ("SC-001", "SC-002"):
        assert f"Last reminder {today.strftime('%b')} {today.day}" in row_of(html, site, number)
    assert f'id="row-{site["SC-005"].id}"' not in html  # rows not reminded stay as they are
    # one reminder each, its e-mail to the contact, in the invite's history
    reminders = list(db.session.scalars(select(Reminder).order_by(Reminder.id)))
    assert [(r.kind, r.day, r.sent_by_id) for r in reminders] == [(ReminderKind.MANUAL, today, world.admin.id)] * 2
    mails = sorted(m.to_address for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == INVITE_REMINDER)))
    assert mails == ["contact1@v1.example", "contact2@v2.example"]
    invite = db.session.scalar(select(Invite).where(Invite.commitment_id == site["SC-001"].id))
    history = text(admin.get(billings_url(world, f"/invites/{invite.id}/history")))
    assert "Reminder queued" in history and "Remind now, to Keystone Concrete" not in history
    assert "Remind now, to" in history


def test_remind_now_without_javascript_redirects_with_a_flash(admin, world, site):
    response = remind(admin, world, site, "SC-001")
    assert response.status_code == 303
    assert f"period={world.period.id}" in response.headers["Location"]
    html = text(admin.get(response.headers["Location"]))
    assert "Reminder sent for 1 contract." in html
    assert "Last reminder" in row_of(html, site, "SC-001")
    assert count(Reminder) == 1


def test_a_second_remind_now_the_same_day_sends_nothing_again(admin, world, site):
    remind(admin, world, site, "SC-001")
    before = written()
    response = remind(admin, world, site, "SC-001", "SC-002", headers=HX)
    assert "1 reminded, 1 reminded earlier today (SC-001)." in text(response)
    assert written()[0] == before[0] + 1
    before = written()
    response = remind(admin, world, site, "SC-001", "SC-002", headers=HX)
    assert "Nothing sent: 2 reminded earlier today (SC-001, SC-002)." in text(response)
    assert written() == before


def test_rows_that_cannot_be_reminded_are_named_and_the_others_reminded(admin, world, site):
    response = remind(admin, world, site, "SC-001", "SC-003", headers=HX)
    assert "1 reminded, 1 not reminded (SC-003: declined)." in text(response)
    assert count(Reminder) == 1


@pytest.mark.parametrize(("numbers", "why"), [
    (("SC-003",), "SC-003: declined"),
    (("SC-004",), "SC-004: claim Under Review"),
    (("SC-005",), "SC-005: not invited yet"),
    (("SC-003", "SC-005"), "SC-003: declined; SC-005: not invited yet"),
])
@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_rows_none_of_which_can_be_reminded_are_refused_and_nothing_is_written(admin, world, site, numbers,
                                                                                 why, headers):
    before = written()
    response = remind(admin, world, site, *numbers, headers=headers)
    message = f"Nobody was reminded: only contracts invited and not yet submitted can be reminded ({why})."
    if headers:
        assert response.status_code == 409 and message in text(response)
    else:
        assert response.status_code == 303
        assert message in text(admin.get(response.headers["Location"]))
    assert written() == before


def test_a_muted_invite_is_not_reminded(admin, world, site):
    invite = db.session.scalar(select(Invite).where(Invite.commitment_id == site["SC-001"].id))
    invite.reminders_muted_at = utcnow()
    db.session.commit()
    html = text(admin.get(billings_url(world)))
    assert "Reminders muted" in row_of(html, site, "SC-001") and 'name="remind_ids"' not in row_of(html, site, "SC-001")
    before = written()
    response = remind(admin, world, site, "SC-001", headers=HX)
    assert response.status_code == 409 and "SC-001: reminders muted by the contact" in text(response)
    assert written() == before


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_nothing_selected_is_refused(admin, world, site, headers):
    before = written()
    response = admin.post(billings_url(world, "/reminders"), headers=headers, data={"period": world.period.id})
    if headers:
        assert response.status_code == 422
        assert "Select at least one invited contract to remind." in text(response)
    else:
        assert response.status_code == 303
        assert "Select at least one invited contract to remind." in text(admin.get(response.headers["Location"]))
    assert written() == before


def test_a_closed_period_is_refused_and_the_current_one_shown(admin, world, site):
    period = db.session.get(BillingPeriod, world.period.id)
    period.status = PeriodStatus.CLOSED
    db.session.add(BillingPeriod(project_id=world.project.id, number=2, start_date=period.end_date + timedelta(days=1),
                                 end_date=period.end_date + timedelta(days=30),
                                 due_date=period.end_date + timedelta(days=25)))
    db.session.commit()
    before = written()
    response = remind(admin, world, site, "SC-001", headers=HX)
    assert response.status_code == 409
    assert "Nobody was reminded: billing period #1 is closed." in text(response)
    assert written() == before


@pytest.mark.parametrize(("who", "status"), [("standard", 403), ("readonly", 403), ("nobody", 404)])
def test_only_admins_remind(client, world, site, auth, who, status):
    auth.sign_in(getattr(world, who).email)
    before = written()
    assert remind(client, world, site, "SC-001", headers=HX).status_code == status
    assert remind(client, world, site, "SC-001").status_code == status
    assert written() == before
    if status == 403:
        html = text(client.get(billings_url(world)))
        assert "Remind now" not in html and 'name="remind_ids"' not in html
