"""`flask --app app remind` as an operator runs it, and the e-mails it sends as a contact or an admin reads
them, delivered to a real SMTP server on loopback (tests/smtp.py); the mute link a contact clicks."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from domain import claims, reminders, tokens
from domain.clock import project_today
from domain.emails import ADMIN_DIGEST, INVITE_REMINDER
from domain.models import (
    AccessLevel,
    AuditEvent,
    BillingPeriod,
    ClaimStatus,
    Invite,
    InviteStatus,
    OutboxMessage,
    PeriodStatus,
    Project,
    ProjectPermission,
    Reminder,
    User,
    db,
)
from domain.outbox import deliver_due
from extensions import mail
from tests import factories
from tests.helpers import AuthActions, count
from tests.smtp import Received, SmtpServer
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`
from tests.web.portal_helpers import send_invites


@pytest.fixture
def setting(app: Flask, client: FlaskClient, world: factories.World):  # type: ignore[no-untyped-def]
    """Three contracts invited for a period due in ten days: SC-001 not answered, SC-002 accepted with a
    Draft, SC-003 sent back for revision. The invite e-mails are sent and forgotten."""
    today = project_today(world.project)
    world.period.start_date, world.period.end_date = today - timedelta(days=14), today + timedelta(days=15)
    world.period.due_date = today + timedelta(days=10)
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    steel = factories.vendor("Northern Steel", "lee@steel.example")
    glass = factories.vendor("Clear Glass", "ada@glass.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    framing = factories.commitment(world.project, steel, number="SC-002", title="Steel framing")
    glazing = factories.commitment(world.project, glass, number="SC-003", title="Glazing")
    db.session.commit()
    invites = send_invites(client, world, concrete, framing, glazing)
    admin = db.session.get(User, world.admin.id)
    for commitment, status in ((framing, ClaimStatus.DRAFT), (glazing, ClaimStatus.REVISE_AND_RESUBMIT)):
        invites[commitment.id].status = InviteStatus.ACCEPTED
        claim = claims.start_claim(commitment, world.period, admin)
        claim.status = status
    db.session.commit()
    db.session.execute(OutboxMessage.__table__.delete())  # the invites' own e-mails: not what is tested here
    db.session.commit()
    return {"due": world.period.due_date, "invites": invites, "concrete": concrete, "framing": framing,
            "glazing": glazing}


def remind(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["remind", *args])
    db.session.expire_all()
    return result


def delivered(smtp: SmtpServer) -> list[Received]:
    with smtp:
        report = deliver_due(mail)
    assert report.failed == 0
    return smtp.messages


def link(text: str, path: str) -> str:
    found = re.search(r"http://pb\.example" + re.escape(path) + r"\S*", text)
    assert found, f"no link to {path} in:\n{text}"
    return found.group(0)


def by_recipient(received: list[Received]) -> dict[str, Received]:
    return {m.rcpt_tos[0]: m for m in received}


# --- the daily run ------------------------------------------------------------------------------------------


def test_remind_prints_what_it_queued_and_the_emails_say_what_is_expected(app, world, setting, smtp):
    reminders.save_company_policy(world.company, reminders.Policy(message="Tom & Jerry <3 paperwork:\nattach the "
                                                                          "lien waiver."),
                                  db.session.get(User, world.admin.id))
    day = setting["due"] - timedelta(days=5)

    result = remind(app, "--date", day.isoformat())

    assert result.exit_code == 0, result.output
    head = f"P-1 Riverside Medical: {day}, period 1 due {setting['due']}: Before the due date, 3 queued"
    assert head in result.output
    assert {m.kind for m in db.session.scalars(select(OutboxMessage))} == {INVITE_REMINDER}
    assert "queued   SC-001 Concrete (Keystone Concrete Co.) to Maria <maria@keystone.example>" in result.output
    assert "3 reminder(s) queued, 3 e-mail(s)" in result.output
    mails = by_recipient(delivered(smtp))
    assert set(mails) == {"maria@keystone.example", "lee@steel.example", "ada@glass.example"}

    invited = mails["maria@keystone.example"]
    assert invited.subject.startswith("Riverside Medical: reminder, 5 days left to bill SC-001 for ")
    assert "5 days left to bill SC-001." in invited.text
    assert "Please answer the invite" in invited.text
    answer = link(invited.text, f"/portal/invites/{setting['invites'][setting['concrete'].id].id}?token=")
    assert answer in invited.html.replace("&amp;", "&")
    assert "Tom & Jerry <3 paperwork:\nattach the lien waiver." in invited.text
    assert "Tom &amp; Jerry &lt;3 paperwork:" in invited.html and "<3" not in invited.html
    mute = link(invited.text, "/portal/reminders/mute/")
    assert mute in invited.html

    draft = mails["lee@steel.example"]
    framing_claim = claims.invite_claim(setting["invites"][setting["framing"].id])
    assert "is a Draft: finish it and submit it" in draft.text
    assert link(draft.text, f"/portal/claims/{framing_claim.id}")
    sent_back = mails["ada@glass.example"]
    assert "sent back for revision: correct it and submit it again" in sent_back.text
    assert "Revise and resubmit" in sent_back.html

    history = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "invite",
                                                                 AuditEvent.action == "reminder queued")).all()
    assert len(history) == 3


def test_on_the_due_date_and_after_it_the_email_says_so(app, world, setting, smtp):
    assert remind(app, "--date", setting["due"].isoformat()).exit_code == 0
    late = remind(app, "--date", (setting["due"] + timedelta(days=3)).isoformat())
    assert "Overdue, 3 queued" in late.output
    mails = [m for m in delivered(smtp) if m.rcpt_tos == ("maria@keystone.example",)]
    subjects = sorted(m.subject.strip() for m in mails)
    assert [s.split(" for SC-001")[0] for s in subjects] == [
        "Riverside Medical: reminder, progress claim 3 days late",
        "Riverside Medical: reminder, progress claim due today"]
    late_mail = next(m for m in mails if "3 days late" in m.subject)
    assert "Your progress claim for SC-001 is 3 days late." in late_mail.text
    # past the due date the portal starts no claim: the e-mail says whom to ask instead
    assert ("The due date has passed, so the progress claim can no longer be started in the portal: ask "
            "Avery Admin (admin@pb.example) to create it for you.") in " ".join(late_mail.text.split())
    on_time = next(m for m in mails if "due today" in m.subject)
    assert "can no longer be started" not in on_time.text


def test_a_second_run_the_same_day_queues_and_sends_nothing(app, world, setting, smtp):
    day = (setting["due"] - timedelta(days=1)).isoformat()
    assert "3 reminder(s) queued" in remind(app, "--date", day).output
    second = remind(app, "--date", day)
    assert second.exit_code == 0
    assert "0 reminder(s) queued" in second.output and second.output.count("already reminded today") == 3
    assert len(delivered(smtp)) == 3


def test_a_day_without_reminders_says_when_the_next_one_is(app, world, setting):
    day = setting["due"] - timedelta(days=7)
    result = remind(app, "--date", day.isoformat())
    assert f"no reminder due (next reminder {setting['due'] - timedelta(days=5)})" in result.output
    assert count(Reminder) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "2026-1-5", "2026-12-01T07:00", ""])
def test_a_bad_date_is_refused_in_words_and_nothing_is_queued(app, world, setting, bad):
    result = remind(app, "--date", bad)
    assert result.exit_code == 2
    assert f"Invalid value for '--date': {bad!r} is not a calendar date; write it as YYYY-MM-DD" in result.output
    assert count(Reminder) == 0 and count(OutboxMessage) == 0
    assert count(AuditEvent, AuditEvent.action == "reminder queued") == 0


# --- muting -----------------------------------------------------------------------------------------------


def mute_url_for(app: Flask, smtp: SmtpServer, setting, address: str = "maria@keystone.example") -> str:  # type: ignore[no-untyped-def]
    remind(app, "--date", (setting["due"] - timedelta(days=5)).isoformat())
    mail_ = by_recipient(delivered(smtp))[address]
    return link(mail_.text, "/portal/reminders/mute/").removeprefix("http://pb.example")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_contact_mutes_one_invite_from_the_email_signed_out(app, client, world, setting, smtp):
    url = mute_url_for(app, smtp, setting)
    invite = setting["invites"][setting["concrete"].id]
    app.config["WTF_CSRF_ENABLED"] = True

    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop reminders for this invite?" in html and "Stop reminders for SC-001" in html
    assert db.session.get(Invite, invite.id).reminders_muted_at is None  # a GET changes nothing

    assert client.post(url).status_code == 400  # no CSRF token: nothing changed
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).reminders_muted_at is None

    done = client.post(url, data={"csrf_token": csrf_of(html)})
    assert done.status_code == 200
    assert "Done: you will get no more reminders about SC-001" in done.get_data(as_text=True)
    db.session.expire_all()
    muted = db.session.get(Invite, invite.id)
    maria = db.session.scalar(select(User).where(User.email == "maria@keystone.example"))
    assert muted.reminders_muted_at is not None and muted.reminders_muted_by_id == maria.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminders muted")).all()
    assert [(e.entity_id, e.actor_id) for e in events] == [(invite.id, maria.id)]

    again = client.post(url, data={"csrf_token": csrf_of(html)})
    assert "They were stopped already; nothing was changed." in again.get_data(as_text=True)
    assert count(AuditEvent, AuditEvent.action == "reminders muted") == 1

    # the next reminder day skips the muted invite only
    result = remind(app, "--date", (setting["due"] - timedelta(days=1)).isoformat())
    assert "skipped  SC-001 Concrete (Keystone Concrete Co.): reminders muted by the contact" in result.output
    assert "2 reminder(s) queued" in result.output


def _invite_state() -> tuple:
    db.session.expire_all()
    return (tuple(db.session.execute(select(Invite.id, Invite.reminders_muted_at, Invite.reminders_muted_by_id)
                                     .order_by(Invite.id)).all()), count(AuditEvent))


def test_a_tampered_link_says_so_and_mutes_nothing(app, client, world, setting, smtp):
    url = mute_url_for(app, smtp, setting)
    before = _invite_state()
    for tampered in (url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"), url + "x",
                     "/portal/reminders/mute/not-a-token"):
        for answer in (client.get(tampered), client.post(tampered)):
            assert answer.status_code == 400
            text = answer.get_data(as_text=True)
            assert "This link does not work" in text and "Nothing was changed: reminders still go out." in text
    assert _invite_state() == before


def test_an_expired_link_says_so_and_mutes_nothing(app, client, world, setting):
    invite = setting["invites"][setting["concrete"].id]
    maria = db.session.scalar(select(User).where(User.email == "maria@keystone.example"))
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - 91 * 86400  # type: ignore[method-assign]
    try:
        token = tokens.make_mute_token(app.config["SECRET_KEY"], invite.id, maria.id, maria.email)
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]
    before = _invite_state()
    for answer in (client.get(f"/portal/reminders/mute/{token}"), client.post(f"/portal/reminders/mute/{token}")):
        assert answer.status_code == 410
        assert "This link has expired" in answer.get_data(as_text=True)
        assert "Links to stop reminders work for 90 days" in answer.get_data(as_text=True)
    assert _invite_state() == before


def test_a_link_never_mutes_another_invite(app, client, world, setting):
    """Signed, but naming an invite the contact is not a contact of; or sent to an address the contact no
    longer has: refused, whoever is signed in."""
    maria = db.session.scalar(select(User).where(User.email == "maria@keystone.example"))
    someone_elses = setting["invites"][setting["framing"].id]
    own = setting["invites"][setting["concrete"].id]
    secret = app.config["SECRET_KEY"]
    foreign = tokens.make_mute_token(secret, someone_elses.id, maria.id, maria.email)
    old_address = tokens.make_mute_token(secret, own.id, maria.id, "maria@old-address.example")
    invite_link_token = tokens.make_invite_token(secret, own.id, maria.id, maria.email)  # another kind of link
    before = _invite_state()
    AuthActions(client).sign_in(maria.email)
    for token in (foreign, old_address, invite_link_token):
        for answer in (client.get(f"/portal/reminders/mute/{token}"), client.post(f"/portal/reminders/mute/{token}")):
            assert answer.status_code == 400
            assert "it belongs to another invite or another person" in answer.get_data(as_text=True)
    assert _invite_state() == before


# --- the admins' weekly digest -----------------------------------------------------------------------------


@pytest.fixture
def digest_world(app, world, setting):  # type: ignore[no-untyped-def]
    """P-1 (due in ten days... moved to five): SC-001 not answered, SC-002 Draft, SC-003 Under Review.
    P-2: its period's due date passed three days ago, SC-201 accepted with no claim. Ann is Admin on P-2
    only; Sam is Standard; Bea is a company admin who turned the digest off."""
    today = project_today(world.project)
    world.period.due_date = today + timedelta(days=5)
    review = claims.invite_claim(setting["invites"][setting["glazing"].id])
    review.status, review.submitted_at = ClaimStatus.UNDER_REVIEW, review.created_at
    second = Project(number="P-2", name="Harbor Clinic", address="2 Pier Rd")
    db.session.add(second)
    late = BillingPeriod(project=second, number=1, start_date=today - timedelta(days=30),
                         end_date=today - timedelta(days=5), due_date=today - timedelta(days=3),
                         status=PeriodStatus.OPEN)
    db.session.add(late)
    hvac = factories.commitment(second, factories.vendor("Cool Air", "kim@coolair.example"), number="SC-201",
                                title="HVAC")
    ann = factories.user(world.company, "ann@pb.example", "Ann Admin")
    db.session.add(ProjectPermission(project=second, user=ann, level=AccessLevel.ADMIN))
    bea = factories.user(world.company, "bea@pb.example", "Bea Boss", admin=True)
    bea.weekly_digest = False
    db.session.commit()
    db.session.add(Invite(commitment=hvac, billing_period=late, status=InviteStatus.ACCEPTED,
                          sent_by_id=world.admin.id))
    db.session.commit()
    return {"today": today, "second": second, "late": late, "review": review}


def test_the_digest_lists_what_waits_per_project_with_links_once_a_week(app, world, setting, digest_world, smtp):
    today = digest_world["today"]
    monday = today - timedelta(days=today.weekday())

    first = remind(app, "--digest", "--date", monday.isoformat())

    assert first.exit_code == 0, first.output
    assert ("queued   Avery Admin <admin@pb.example>: P-1: 1 to review, 1 unanswered, 0 overdue, 1 period(s) due "
            "this week; P-2: 0 to review, 0 unanswered, 1 overdue, 0 period(s) due this week") in first.output
    assert "queued   Ann Admin <ann@pb.example>: P-2: 0 to review, 0 unanswered, 1 overdue" in first.output
    assert "bea@pb.example" not in first.output and "standard@pb.example" not in first.output
    assert "2 digest(s) queued for " in first.output
    assert count(Reminder) == 0  # --digest sends no reminders
    assert {m.kind for m in db.session.scalars(select(OutboxMessage))} == {ADMIN_DIGEST}

    later = remind(app, "--digest", "--date", (monday + timedelta(days=3)).isoformat())
    assert "0 digest(s) queued" in later.output
    assert "skipped  Avery Admin <admin@pb.example>: this week's digest is queued already" in later.output

    mails = by_recipient(delivered(smtp))
    assert set(mails) == {"admin@pb.example", "ann@pb.example"}
    avery = mails["admin@pb.example"]
    assert avery.subject == "Progress Billings this week: 1 to review, 1 unanswered, 1 late"
    text = avery.text
    assert "== P-1 Riverside Medical ==" in text and "== P-2 Harbor Clinic ==" in text
    assert "Progress Claims waiting for your review (1):\n- SC-003 Glazing (Clear Glass): claim #1, submitted" in text
    assert link(text, f"/projects/{world.project.id}/billings/claims/{digest_world['review'].id}")
    assert "Invites not answered (1):\n- SC-001 Concrete (Keystone Concrete Co.): invited" in text
    assert "Progress Claims overdue (1):\n- SC-201 HVAC (Cool Air): no claim yet, 3 days late" in text
    assert link(text, f"/projects/{digest_world['second'].id}/billings?period={digest_world['late'].id}")
    assert "Billing period #1 is due" in text and "(in 5 days)" in text
    assert "To turn it off, open your account page:\nhttp://pb.example/account" in text
    assert 'href="http://pb.example/account"' in avery.html
    ann = mails["ann@pb.example"]
    assert "Riverside Medical" not in ann.text and "SC-201 HVAC" in ann.text

    # the next week is another digest
    assert "2 digest(s) queued" in remind(app, "--digest", "--date", (monday + timedelta(days=7)).isoformat()).output
    assert count(OutboxMessage, OutboxMessage.kind == ADMIN_DIGEST) == 4


def test_an_admin_with_nothing_waiting_gets_no_digest(app, world):
    world.period.due_date = date(2026, 12, 25)  # no invite yet, and not due within the week
    db.session.commit()
    result = remind(app, "--digest", "--date", date(2026, 12, 7).isoformat())
    assert "skipped  Avery Admin <admin@pb.example>: nothing waits" in result.output
    assert count(OutboxMessage) == 0



def test_a_reminder_delivered_after_the_claim_was_submitted_asks_for_nothing(app, world, setting, smtp):
    remind(app, "--date", setting["due"].isoformat())
    claim = claims.invite_claim(setting["invites"][setting["framing"].id])
    claim.status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    lee = by_recipient(delivered(smtp))["lee@steel.example"]
    assert f"Your progress claim #{claim.number} is Under Review now: nothing more is needed." in lee.text
    assert "finish it" not in lee.text
