"""The Progress Billings page: the board, Send Invites, Resend, history, and who may do what."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import periods
from domain.clock import project_today
from domain.models import (
    AuditEvent,
    BillingPeriod,
    Claim,
    ClaimStatus,
    CommitmentStatus,
    Invite,
    InviteStatus,
    OutboxMessage,
    PeriodStatus,
    db,
)
from tests import factories
from tests.helpers import billings_url, count

HX = {"HX-Request": "true"}


@pytest.fixture
def board(world):
    """Two eligible commitments, one with two contacts, and one of each ineligible kind."""
    v1 = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    v2 = factories.vendor("Brightline Electric", "dev@brightline.example")
    second = factories.user(v2, "ana@brightline.example", "Ana Brightline")
    no_contact = factories.vendor("Evergreen Landscaping", with_contact=False)
    p = world.project
    c = {
        "concrete": factories.commitment(p, v1, number="SC-001", title="Concrete"),
        "electric": factories.commitment(p, v2, number="SC-002", title="Electrical",
                                         contacts=[v2.default_claim_contact, second]),
        "landscape": factories.commitment(p, no_contact, number="SC-003", title="Landscaping", contacts=[]),
        "drywall": factories.commitment(p, v1, number="SC-004", title="Drywall", sov_approved=False),
        "elevator": factories.commitment(p, v1, number="SC-005", title="Elevators",
                                         status=CommitmentStatus.OUT_FOR_SIGNATURE),
    }
    db.session.commit()
    return c


def _ids(*commitments) -> list[str]:
    return [str(c.id) for c in commitments]


def _counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">[^<]*<span>(\d+)', html)}


# --- the board ----------------------------------------------------------------------------------


def test_admin_sees_rows_counts_reasons_and_the_send_button(client, world, board, auth):
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world)).get_data(as_text=True)
    assert _counts(html)["not_invited"] == 5
    assert "Send Invites" in html
    assert "No progress claim contact" in html
    assert "Schedule of values not approved" in html
    assert "Not approved (status: Out for Signature)" in html
    # only the eligible rows have an active checkbox
    assert sorted(re.findall(r'name="commitment_ids" value="(\d+)"', html)) == sorted(
        _ids(board["concrete"], board["electric"]))


def test_a_fully_billed_row_says_so_and_cannot_be_picked(client, world, board, auth):
    earlier = factories.period(world.project, number=0, start=world.period.start_date - timedelta(days=60),
                               status=PeriodStatus.CLOSED)
    # SC-001's SOV is 150,000.00; an Approved claim of an earlier period billed all of it.
    db.session.add(Claim(commitment=board["concrete"], billing_period=earlier, number=1, created_by=world.admin,
                         status=ClaimStatus.APPROVED, work_completed_to_date=Decimal("150000.00"),
                         total_completed_and_stored=Decimal("150000.00")))
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world)).get_data(as_text=True)
    row = html.split(f'id="row-{board["concrete"].id}"')[1].split("</tr>")[0]
    assert "100% billed" in row and "100.0%" in row
    assert 'name="commitment_ids"' not in row
    response = client.post(billings_url(world, "/invites"),
                           data={"period": world.period.id, "commitment_ids": _ids(board["concrete"])}, headers=HX)
    assert "0 sent, 1 not sent (SC-001: 100% billed)." in response.get_data(as_text=True)
    assert count(Invite) == 0 and count(OutboxMessage) == 0


def test_rows_past_the_due_date_say_why_and_cannot_be_picked(client, world, board, auth):
    world.period.start_date = date.today() - timedelta(days=40)
    world.period.end_date = date.today() - timedelta(days=10)
    world.period.due_date = date.today() - timedelta(days=5)  # passed in every time zone
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world)).get_data(as_text=True)
    assert html.count("Due date has passed") == 5 and "(passed)" in html
    assert 'name="commitment_ids"' not in html
    response = client.post(billings_url(world, "/invites"), headers=HX,
                           data={"period": world.period.id, "commitment_ids": _ids(board["concrete"])})
    assert "0 sent, 1 not sent (SC-001: Due date has passed)." in response.get_data(as_text=True)
    assert count(Invite) == 0 and count(OutboxMessage) == 0


def test_read_only_and_standard_see_the_page_without_checkboxes_or_button(client, world, board, auth):
    for user in (world.readonly, world.standard):
        auth.sign_in(user.email)
        response = client.get(billings_url(world))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "SC-001" in html and "Send Invites" not in html and 'name="commitment_ids"' not in html
        assert "Open a new period" not in html
        client.post("/sign-out")


def test_private_commitments_show_only_to_admins_and_the_private_list(client, world, board, auth):
    secret = factories.commitment(world.project, factories.vendor(), number="SC-099", title="Roofing", private=True)
    secret.private_users.append(world.standard)
    db.session.commit()
    for user, sees in [(world.admin, True), (world.standard, True), (world.readonly, False)]:
        auth.sign_in(user.email)
        assert ("SC-099" in client.get(billings_url(world)).get_data(as_text=True)) is sees, user.email
        client.post("/sign-out")


def test_a_count_filters_the_list_and_the_url_keeps_it(client, world, board, auth):
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": _ids(board["concrete"])})
    html = client.get(billings_url(world, f"?period={world.period.id}&status=invited")).get_data(as_text=True)
    assert "SC-001" in html and "SC-002" not in html
    assert 'aria-current="true"' in html
    # with htmx the board fragment comes back alone, and says so in Vary
    response = client.get(billings_url(world, f"?period={world.period.id}&status=not_invited"), headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith("<section id=\"board\"") and "<html" not in fragment
    assert "SC-002" in fragment and "SC-001" not in fragment
    assert fragment.rstrip().endswith('<div id="flash" hx-swap-oob="innerHTML"></div>')  # an old banner goes
    # another period keeps the filter
    assert 'name="status" value="not_invited"' in fragment.split('id="period-picker"')[1].split("</form>")[0]
    # an unknown filter shows everything rather than failing
    assert "SC-001" in client.get(billings_url(world, "?status=bogus")).get_data(as_text=True)


def test_an_earlier_period_shows_its_own_rows_and_counts(client, world, board, auth):
    old = factories.period(world.project, number=0, start=world.period.start_date - timedelta(days=60),
                           status=PeriodStatus.CLOSED)
    old.due_date = old.start_date + timedelta(days=20)
    db.session.add(Invite(commitment=board["concrete"], billing_period=old, sent_by=world.admin,
                          status=InviteStatus.ACCEPTED))
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world, f"?period={old.id}")).get_data(as_text=True)
    assert _counts(html)["accepted"] == 1 and _counts(html)["not_invited"] == 4
    assert "This period is closed" in html and 'name="commitment_ids"' not in html
    current = client.get(billings_url(world)).get_data(as_text=True)
    assert _counts(current)["accepted"] == 0


# --- Send Invites -------------------------------------------------------------------------------


def test_send_invites_as_a_plain_form_post(client, world, board, auth):
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"),
                           data={"period": world.period.id,
                                         "commitment_ids": _ids(board["concrete"], board["electric"])})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invites sent for 2 contracts." in html
    assert _counts(html)["invited"] == 2 and _counts(html)["not_invited"] == 3
    invites = db.session.scalars(select(Invite)).all()
    assert {i.commitment_id for i in invites} == {board["concrete"].id, board["electric"].id}
    assert all(i.sent_by_id == world.admin.id and i.status is InviteStatus.INVITED for i in invites)
    recipients = sorted(m.to_address for m in db.session.scalars(select(OutboxMessage)))
    assert recipients == ["ana@brightline.example", "dev@brightline.example", "maria@keystone.example"]
    assert count(AuditEvent) == 2


def test_send_invites_with_htmx_returns_the_sent_rows_banner_and_counts(client, world, board, auth):
    """Only what changed (tests/web/test_board_rows.py has the rest): the rows, the counts, the banner."""
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"), headers=HX,
                           data={"period": world.period.id,
                                         "commitment_ids": _ids(board["concrete"], board["electric"])})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'id="board-list"' not in html and "<html" not in html
    assert '<div id="flash" hx-swap-oob="innerHTML">' in html and "Invites sent for 2 contracts." in html
    assert '<span id="invite-state-counts" hx-swap-oob="true">' in html  # the invite states' counts
    assert _counts(html)["invited"] == 2
    row = html.split(f'id="row-{board["concrete"].id}"')[1].split("</tr>")[0]
    assert "Invited" in row and "by Avery Admin" in row and "Resend" in row
    # the selection is cleared: no ticked boxes come back
    assert "checked" not in html


def test_invites_and_their_emails_are_written_together_or_not_at_all(client, world, board, monkeypatch, auth):
    """If queueing the e-mails fails, the invites made a moment before in the same transaction go too."""
    from domain import outbox

    def the_database_fails(rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("the outbox insert failed")

    monkeypatch.setattr(outbox, "queue_rows", the_database_fails)
    auth.sign_in(world.admin.email)
    with pytest.raises(RuntimeError, match="the outbox insert failed"):
        client.post(billings_url(world, "/invites"),
                    data={"period": world.period.id, "commitment_ids": _ids(board["concrete"], board["electric"])})
    db.session.rollback()
    assert count(Invite) == 0 and count(OutboxMessage) == 0 and count(AuditEvent) == 0


def test_nothing_selected_says_so_and_writes_nothing(client, world, board, auth):
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"), headers=HX, data={"period": world.period.id})
    assert response.status_code == 422
    assert "Select at least one contract to invite." in response.get_data(as_text=True)
    plain = client.post(billings_url(world, "/invites"), data={"period": world.period.id})
    assert plain.status_code == 303
    assert "Select at least one contract" in client.get(plain.headers["Location"]).get_data(as_text=True)
    assert count(Invite) == 0 and count(OutboxMessage) == 0


def test_ineligible_and_unknown_rows_are_reported_not_invited(client, world, board, auth):
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"), headers=HX, data={
        "period": world.period.id,
        "commitment_ids": _ids(board["concrete"], board["landscape"]) + ["999999", "not-a-number"]})
    html = response.get_data(as_text=True)
    assert "1 sent" in html and "1 not sent (SC-003: No progress claim contact)" in html
    assert "1 no longer available" in html
    assert [i.commitment_id for i in db.session.scalars(select(Invite))] == [board["concrete"].id]


def test_the_same_request_twice_invites_and_mails_once(client, world, board, auth):
    auth.sign_in(world.admin.email)
    data = {"period": world.period.id, "commitment_ids": _ids(board["concrete"], board["electric"])}
    client.post(billings_url(world, "/invites"), data=data)
    second = client.post(billings_url(world, "/invites"), headers=HX, data=data)
    assert "0 sent, 2 already invited." in second.get_data(as_text=True)
    assert count(Invite) == 2 and count(OutboxMessage) == 3


def test_invites_go_out_only_for_the_open_period(client, world, board, auth):
    old = factories.period(world.project, number=0, start=world.period.start_date - timedelta(days=60),
                           status=PeriodStatus.CLOSED)
    db.session.commit()
    auth.sign_in(world.admin.email)
    data = {"period": old.id, "commitment_ids": _ids(board["concrete"])}
    # A page loaded before the period closed: nothing is written, the banner says why, and the
    # whole board turns to the current period, where the contracts can be chosen again.
    response = client.post(billings_url(world, "/invites"), headers=HX, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nothing was sent: billing period #0 was closed after this page was loaded." in html
    assert response.headers["HX-Retarget"] == "#board" and response.headers["HX-Reswap"] == "outerHTML"
    assert response.headers["HX-Replace-Url"] == billings_url(world, f"?period={world.period.id}")
    assert html.lstrip().startswith('<section id="board"') and 'id="flash" hx-swap-oob' in html
    assert f'<option value="{world.period.id}" selected>' in html
    assert sorted(re.findall(r'name="commitment_ids" value="(\d+)"', html)) == sorted(
        _ids(board["concrete"], board["electric"]))
    response = client.post(billings_url(world, "/invites"), data=data)
    assert response.status_code == 303 and response.location == billings_url(world, f"?period={world.period.id}")
    assert "was closed after this page was loaded" in client.get(response.location).get_data(as_text=True)
    assert count(Invite) == 0 and count(OutboxMessage) == 0


# --- Resend and history -------------------------------------------------------------------------


def test_resend_queues_again_once_per_click_and_shows_on_the_row(client, world, board, auth):
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": _ids(board["electric"])})
    url = billings_url(world, f"/invites/{board['electric'].id}/resend?seen=1&period={world.period.id}")
    response = client.post(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invite sent again for SC-002 (sent 2 times)." in html
    assert "sent 2 times" in html.split(f'id="row-{board["electric"].id}"')[1]
    assert count(OutboxMessage) == 4  # two contacts, twice
    # the same click again (a double click) sends nothing more
    repeat = client.post(url)
    assert repeat.status_code == 303
    assert "already sent again a moment ago" in client.get(repeat.headers["Location"]).get_data(as_text=True)
    assert count(OutboxMessage) == 4
    assert db.session.scalar(select(Invite.send_count)) == 2
    history = client.get(billings_url(world, f"/invites/{db.session.scalar(select(Invite.id))}/history"))
    text = history.get_data(as_text=True)
    assert "Invite resent" in text and "Invite sent" in text and "E-mail to ana@brightline.example" in text


def test_resend_of_a_row_without_invite_is_404(client, world, board, auth):
    auth.sign_in(world.admin.email)
    assert client.post(billings_url(world, f"/invites/{board['concrete'].id}/resend?seen=1")).status_code == 404
    assert count(OutboxMessage) == 0


def test_resend_after_the_contact_answered_is_refused_and_sends_nothing(client, world, board, auth):
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": _ids(board["concrete"])})
    invite = db.session.scalar(select(Invite))
    invite.status = InviteStatus.ACCEPTED
    db.session.commit()
    before = count(OutboxMessage), count(AuditEvent)
    url = billings_url(world, f"/invites/{board['concrete'].id}/resend?seen=1&period={world.period.id}")
    response = client.post(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "SC-001 was already answered (Accepted); only an invite still waiting for an answer is sent again." in html
    assert 'id="board-list"' not in html and "Resend" not in html  # the row alone, with no Resend
    plain = client.post(url)
    assert plain.status_code == 303
    assert "already answered (Accepted)" in client.get(plain.location).get_data(as_text=True)
    db.session.expire_all()
    assert (count(OutboxMessage), count(AuditEvent)) == before
    assert db.session.scalar(select(Invite.send_count)) == 1


def test_resend_with_no_active_contact_says_so_and_writes_nothing(client, world, board, auth):
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": _ids(board["concrete"])})
    contact = board["concrete"].claim_contacts[0]
    contact.active = False
    db.session.commit()
    before = count(OutboxMessage), count(AuditEvent)
    url = billings_url(world, f"/invites/{board['concrete'].id}/resend?seen=1&period={world.period.id}")
    response = client.post(url, headers=HX)
    assert response.status_code == 409
    assert ("Nothing was sent: SC-001 has no active progress claim contact. Add one on the commitment, then resend."
            in response.get_data(as_text=True))
    db.session.expire_all()
    assert (count(OutboxMessage), count(AuditEvent)) == before
    assert db.session.scalar(select(Invite.send_count)) == 1


# --- Billing periods ----------------------------------------------------------------------------


def _period_data(start: date, end: date, due: date) -> dict[str, str]:
    return {"start_date": start.isoformat(), "end_date": end.isoformat(), "due_date": due.isoformat()}


def test_opening_a_period_closes_the_previous_one(client, world, auth):
    auth.sign_in(world.admin.email)
    start = world.period.end_date + timedelta(days=1)
    response = client.post(billings_url(world, "/periods"),
                           data=_period_data(start, start + timedelta(days=29), start + timedelta(days=24)))
    assert response.status_code == 303
    assert "Billing period 2 is open" in client.get(response.headers["Location"]).get_data(as_text=True)
    periods = db.session.scalars(select(BillingPeriod).order_by(BillingPeriod.number)).all()
    assert [(p.number, p.status) for p in periods] == [(1, PeriodStatus.CLOSED), (2, PeriodStatus.OPEN)]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "billing_period")) == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end_date": "2031-01-01"}, "end_date", "The end date is before the start date."),
        ({"due_date": "2031-01-05"}, "due_date", "The due date is before the period starts."),
        ({"due_date": "2031-06-30"}, "due_date", "more than 60 days after the period ends"),
        ({"start_date": ""}, "start_date", "Enter the start date."),
        ({"end_date": "next tuesday"}, "end_date", "Enter a date like 2026-11-30."),
        ({"start_date": "OVERLAP"}, "start_date", "These dates overlap period 1"),
    ],
)
def test_period_bad_input_says_what_is_wrong_and_writes_nothing(client, world, change, field, message, auth):
    auth.sign_in(world.admin.email)
    data = _period_data(date(2031, 1, 10), date(2031, 2, 9), date(2031, 2, 5))
    if change.get("start_date") == "OVERLAP":
        change = {"start_date": world.period.end_date.isoformat()}
        data["end_date"] = (world.period.end_date + timedelta(days=20)).isoformat()
        data["due_date"] = (world.period.end_date + timedelta(days=15)).isoformat()
    data.update(change)
    before = count(BillingPeriod), count(AuditEvent)
    response = client.post(billings_url(world, "/periods"), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    kept = data["due_date"] if field != "due_date" else data["start_date"]
    assert f'value="{kept}"' in html  # what was typed stays
    assert (count(BillingPeriod), count(AuditEvent)) == before
    assert db.session.get(BillingPeriod, world.period.id).status is PeriodStatus.OPEN


def test_editing_a_period_changes_its_dates_and_records_it(client, world, auth):
    auth.sign_in(world.admin.email)
    new_due = world.period.due_date + timedelta(days=2)
    response = client.post(billings_url(world, f"/periods/{world.period.id}/edit"), data=_period_data(
        world.period.start_date, world.period.end_date, new_due))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(BillingPeriod, world.period.id).due_date == new_due
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.field == "due_date"))
    assert event.new_value == new_due.isoformat()
    bad = client.post(billings_url(world, f"/periods/{world.period.id}/edit"), data=_period_data(
        world.period.start_date, world.period.start_date - timedelta(days=1), new_due))
    assert bad.status_code == 422 and "The end date is before the start date." in bad.get_data(as_text=True)


def test_monthly_rule_and_the_periods_command(app, client, world, auth):
    auth.sign_in(world.admin.email)
    bad = client.post(billings_url(world, "/period-rule"), data={"auto_periods": "y", "period_start_day": "30",
                                                                 "period_end_day": "", "period_due_day": "25"})
    assert bad.status_code == 422 and "Enter a day from 1 to 28." in bad.get_data(as_text=True)
    assert not db.session.get(type(world.project), world.project.id).auto_periods
    ok = client.post(billings_url(world, "/period-rule"), data={"auto_periods": "y", "period_start_day": "1",
                                                                "period_end_day": "", "period_due_day": "25"})
    assert ok.status_code == 303
    page = client.get(billings_url(world, "")).get_data(as_text=True)
    assert ("On: a new period opens by itself on the 1st of each month and runs to the month&#39;s last day; "
            "claims are due on the 25th.") in page and "flask --app app" not in page  # the command is the README's
    # the world's period covers today, so nothing is due; move it into the past and it opens one
    world.period.start_date, world.period.end_date = date(2020, 1, 1), date(2020, 1, 31)
    world.period.due_date = date(2020, 1, 25)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["periods"])
    assert "opened period 2" in first.output, first.output
    second = runner.invoke(args=["periods"])
    assert "No new billing periods were due." in second.output
    periods = db.session.scalars(select(BillingPeriod).order_by(BillingPeriod.number)).all()
    assert [p.status for p in periods] == [PeriodStatus.CLOSED, PeriodStatus.OPEN]
    today = project_today(world.project)  # the command goes by the project's own calendar
    assert periods[1].start_date == today.replace(day=1) and periods[1].due_date.day == min(25, periods[1].end_date.day)


def test_the_periods_command_opens_nothing_between_the_rules_periods(app, world):
    world.project.auto_periods, world.project.period_start_day = True, 1
    world.project.period_end_day, world.project.period_due_day = 10, 8
    world.period.start_date, world.period.end_date = date(2020, 1, 1), date(2020, 1, 31)
    world.period.due_date = date(2020, 1, 25)
    db.session.commit()
    assert periods.open_due_periods(date(2031, 3, 15)) == []  # after the 10th: the next period opens Apr 1
    [opened] = periods.open_due_periods(date(2031, 4, 1))
    assert (opened.start_date, opened.end_date, opened.due_date) == (date(2031, 4, 1), date(2031, 4, 10),
                                                                     date(2031, 4, 8))
    assert periods.open_due_periods(date(2031, 4, 1)) == []


# --- permissions on every route -----------------------------------------------------------------


def _routes(world, board):
    c = board["concrete"]
    invite = db.session.scalar(select(Invite).where(Invite.commitment_id == board["electric"].id))
    if invite is None:
        invite = Invite(commitment=board["electric"], billing_period=world.period, sent_by=world.admin)
        db.session.add(invite)
        db.session.commit()
    return [
        ("get", billings_url(world), {}),
        ("get", billings_url(world, f"/invites/{invite.id}/history"), {}),
        ("post", billings_url(world, f"/invites/{board['electric'].id}/resend?seen=1"), {}),
        ("post", billings_url(world, "/invites"), {"commitment_ids": [str(c.id)]}),
        ("post", billings_url(world, f"/invites/{c.id}/resend?seen=1"), {}),
        ("post", billings_url(world, "/periods"), _period_data(date(2031, 1, 1), date(2031, 1, 31), date(2031, 1, 25))),
        ("get", billings_url(world, f"/periods/{world.period.id}/edit"), {}),
        ("post", billings_url(world, f"/periods/{world.period.id}/edit"),
         _period_data(date(2031, 1, 1), date(2031, 1, 31), date(2031, 1, 25))),
        ("post", billings_url(world, "/period-rule"), {"period_start_day": "1", "period_due_day": "20"}),
    ]


@pytest.mark.parametrize(("who", "read", "write"), [
    ("standard", 200, 403), ("readonly", 200, 403), ("nobody", 404, 404), ("contact", 404, 404)])
def test_who_may_do_what(client, world, board, who, read, write, auth):
    email = board["concrete"].claim_contacts[0].email if who == "contact" else getattr(world, who).email
    auth.sign_in(email)
    routes = _routes(world, board)
    before = (count(Invite), count(BillingPeriod), count(OutboxMessage), count(AuditEvent))
    for method, url, data in routes:
        response = getattr(client, method)(url, data=data)
        expected = read if method == "get" and "/edit" not in url else write
        assert response.status_code == expected, (who, method, url, response.status_code)
    assert (count(Invite), count(BillingPeriod), count(OutboxMessage), count(AuditEvent)) == before
    rule = db.session.get(type(world.project), world.project.id)
    assert rule.period_due_day == 25


def test_anonymous_is_sent_to_sign_in_everywhere(client, world, board):
    routes = _routes(world, board)
    before = (count(Invite), count(OutboxMessage), count(AuditEvent))
    for method, url, data in routes:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    assert (count(Invite), count(OutboxMessage), count(AuditEvent)) == before


def test_history_of_a_private_commitment_is_hidden_from_others(client, world, board, auth):
    secret = factories.commitment(world.project, factories.vendor(), number="SC-098", private=True)
    db.session.flush()
    invite = Invite(commitment=secret, billing_period=world.period, sent_by=world.admin)
    db.session.add(invite)
    db.session.commit()
    auth.sign_in(world.readonly.email)
    assert client.get(billings_url(world, f"/invites/{invite.id}/history")).status_code == 404


@pytest.fixture
def config_overrides(request):  # type: ignore[no-untyped-def]
    return getattr(request, "param", {})


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_every_change_needs_the_csrf_token(client, world, board):
    html = client.get("/sign-in").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD, "csrf_token": token})
    routes = [(url, data) for method, url, data in _routes(world, board) if method == "post"]
    before = (count(Invite), count(BillingPeriod), count(OutboxMessage), count(AuditEvent))
    for url, data in routes:
        assert client.post(url, data=data).status_code == 400, url
        wrong = client.post(url, data=data, headers={**HX, "X-CSRFToken": "forged"})
        assert wrong.status_code == 400 and wrong.headers["HX-Reswap"] == "none", url
    assert (count(Invite), count(BillingPeriod), count(OutboxMessage), count(AuditEvent)) == before
    # the page's token, as htmx sends it (hx-headers on <body>), is taken
    page = client.get(billings_url(world)).get_data(as_text=True)
    header = re.search(r'hx-headers:inherited=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
    assert header is not None, "the page gives htmx the CSRF token"
    sent = client.post(billings_url(world, "/invites"), headers={**HX, "X-CSRFToken": header.group(1)},
                       data={"period": world.period.id, "commitment_ids": _ids(board["concrete"])})
    assert sent.status_code == 200 and "Invites sent for 1 contract." in sent.get_data(as_text=True)


@pytest.mark.parametrize(("who", "links"), [("admin", True), ("standard", False)])
def test_an_empty_board_says_what_to_do_next(client, world, auth, who, links):
    auth.sign_in(getattr(world, who).email)
    html = client.get(billings_url(world)).get_data(as_text=True)
    assert "This project has no commitments yet." in html
    new, sheet = f'href="/projects/{world.project.id}/commitments/new"', f'href="/projects/{world.project.id}/import"'
    assert (new in html and sheet in html) is links
    assert ("A project Admin sets them up." in html) is not links
