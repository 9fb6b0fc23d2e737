"""Who the daily `remind` job reminds, on which day, and that it never reminds anyone twice.

What an operator notices: the reminders the run reports and queues (one row per reminder, one e-mail per
contact in the outbox, one line in the invite's history), on the days the policy names, by each project's
own calendar.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain import claims, reminders
from domain.emails import INVITE_REMINDER
from domain.models import (
    AuditEvent,
    BillingPeriod,
    ClaimStatus,
    Commitment,
    CommitmentStatus,
    Invite,
    InviteStatus,
    OutboxMessage,
    PeriodStatus,
    Project,
    Reminder,
    ReminderKind,
    ReminderPolicy,
    SovStatus,
    User,
    db,
)
from tests import factories
from tests.helpers import count

DUE = date(2026, 12, 11)  # a Friday; the period runs Nov 16 to Dec 15, across the month's end


def open_period(project: Project, due: date = DUE, start: date = date(2026, 11, 16), days: int = 30) -> BillingPeriod:
    for old in project.billing_periods:
        old.status = PeriodStatus.CLOSED
    number = len(project.billing_periods) + 1
    period = BillingPeriod(project=project, number=number, start_date=start,
                           end_date=start + timedelta(days=days - 1), due_date=due, status=PeriodStatus.OPEN)
    db.session.add(period)
    db.session.commit()
    return period


def invited(world: factories.World, period: BillingPeriod, commitment: Commitment,
            status: InviteStatus = InviteStatus.INVITED) -> Invite:
    invite = Invite(commitment=commitment, billing_period=period, status=status, sent_by_id=world.admin.id)
    db.session.add(invite)
    db.session.commit()
    return invite


def with_claim(world: factories.World, period: BillingPeriod, commitment: Commitment, status: ClaimStatus) -> None:
    claim = claims.start_claim(commitment, period, db.session.get(User, world.admin.id))
    claim.status = status
    db.session.commit()


def reminded_on(day: date | None = None) -> reminders.RunReport:
    report = reminders.run(day)
    db.session.expire_all()
    return report


def contact_of(commitment: Commitment) -> User:
    return commitment.claim_contacts[0]


# --- which day -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "kind"), [
    (date(2026, 12, 5), None),
    (date(2026, 12, 6), ReminderKind.BEFORE_DUE),  # 5 days before
    (date(2026, 12, 7), None),
    (date(2026, 12, 10), ReminderKind.BEFORE_DUE),  # 1 day before
    (date(2026, 12, 11), ReminderKind.ON_DUE),
    (date(2026, 12, 12), None),
    (date(2026, 12, 14), ReminderKind.OVERDUE),  # every 3 days after it, 3 times: Dec 14, 17, 20
    (date(2026, 12, 17), ReminderKind.OVERDUE),
    (date(2026, 12, 20), ReminderKind.OVERDUE),
    (date(2026, 12, 23), None),  # no fourth time
])
def test_the_default_policy_reminds_on_its_days_only(app, world, day, kind):
    period = open_period(world.project)
    commitment = factories.commitment(world.project, factories.vendor())
    invite = invited(world, period, commitment)

    report = reminded_on(day)

    reminders_made = db.session.scalars(select(Reminder)).all()
    if kind is None:
        assert reminders_made == [] and report.queued == 0
        assert count(OutboxMessage) == 0
        assert report.projects[0].kind is None
    else:
        assert [(r.invite_id, r.kind, r.day) for r in reminders_made] == [(invite.id, kind, day)]
        assert [q.kind for q in report.projects[0].queued] == [kind]
        mail = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.kind, m.to_address, m.invite_id) for m in mail] == [
            (INVITE_REMINDER, contact_of(commitment).email, invite.id)]
        history = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "invite",
                                                                AuditEvent.entity_id == invite.id)).all()
        assert [(e.action, e.new_value) for e in history] == [
            ("reminder queued", f"{kind.value}, to {contact_of(commitment).name} <{contact_of(commitment).email}>")]
        assert db.session.get(Invite, invite.id).last_reminded_at is not None


def test_a_due_date_on_a_saturday_is_reminded_on_that_saturday(app, world):
    saturday = date(2026, 12, 12)
    period = open_period(world.project, due=saturday)
    invited(world, period, factories.commitment(world.project, factories.vendor()))

    assert reminded_on(date(2026, 12, 7)).queued == 1  # Monday, 5 days before
    assert reminded_on(saturday).projects[0].kind is ReminderKind.ON_DUE
    assert sorted((r.day, r.kind) for r in db.session.scalars(select(Reminder))) == [
        (date(2026, 12, 7), ReminderKind.BEFORE_DUE), (saturday, ReminderKind.ON_DUE)]


def test_a_project_with_its_own_policy_follows_it_and_one_with_reminders_off_sends_none(app, world):
    period = open_period(world.project)
    invited(world, period, factories.commitment(world.project, factories.vendor()))
    world.project.reminder_policy = ReminderPolicy(enabled=True, days_before="2", on_due_date=False,
                                                   overdue_every_days=1, overdue_times=1, message="")
    db.session.commit()

    assert reminded_on(date(2026, 12, 6)).queued == 0  # the company's 5 days no longer apply
    assert reminded_on(date(2026, 12, 9)).queued == 1
    assert reminded_on(DUE).queued == 0
    assert reminded_on(date(2026, 12, 12)).queued == 1

    world.project.reminder_policy.enabled = False
    db.session.commit()
    report = reminded_on(date(2026, 12, 10))
    assert report.queued == 0 and report.projects[0].policy_words == "reminders are off"


def test_a_closed_period_is_never_reminded(app, world):
    period = open_period(world.project)
    invited(world, period, factories.commitment(world.project, factories.vendor()))
    period.status = PeriodStatus.CLOSED
    db.session.commit()

    assert reminded_on(date(2026, 12, 6)).projects == []
    assert count(Reminder) == 0


# --- each project's own calendar ---------------------------------------------------------------------


ZONES = ["Pacific/Honolulu", "America/St_Johns", "Asia/Tokyo", "Pacific/Kiritimati"]


@pytest.mark.parametrize("zone", ZONES)
def test_the_run_goes_by_the_projects_own_date(app, world, zone):
    """Five days before the due date where the project is: the reminder is dated that local day."""
    local_today = datetime.now(ZoneInfo(zone)).date()
    world.project.time_zone = zone
    period = open_period(world.project, due=local_today + timedelta(days=5),
                         start=local_today - timedelta(days=20))
    invited(world, period, factories.commitment(world.project, factories.vendor()))

    report = reminded_on()

    assert report.projects[0].day == local_today
    assert [(r.kind, r.day) for r in db.session.scalars(select(Reminder))] == [
        (ReminderKind.BEFORE_DUE, local_today)]


def test_at_one_moment_projects_on_either_side_of_the_date_line_are_on_different_days(app, world):
    """Kiritimati (UTC+14) is always a calendar day ahead of Honolulu (UTC-10): with the same due date, the
    one is 5 days before it and reminded, the other 6 days before and not; `--date` puts both on one day."""
    ahead = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    due = ahead + timedelta(days=5)
    world.project.time_zone = "Pacific/Kiritimati"
    island = open_period(world.project, due=due, start=due - timedelta(days=25))
    honolulu = Project(number="P-2", name="Harbor Clinic", address="2 Pier Rd", time_zone="Pacific/Honolulu")
    db.session.add(honolulu)
    db.session.commit()
    hawaii = open_period(honolulu, due=due, start=due - timedelta(days=25))
    invited(world, island, factories.commitment(world.project, factories.vendor()))
    invited(world, hawaii, factories.commitment(honolulu, factories.vendor()))

    report = reminded_on()

    by_project = {p.project: p for p in report.projects}
    assert by_project["P-1 Riverside Medical"].day == ahead and by_project["P-1 Riverside Medical"].queued
    assert by_project["P-2 Harbor Clinic"].day == ahead - timedelta(days=1)
    assert by_project["P-2 Harbor Clinic"].kind is None and not by_project["P-2 Harbor Clinic"].queued

    caught_up = reminded_on(due - timedelta(days=5))  # --date: that calendar day in every project's zone
    assert [len(p.queued) for p in caught_up.projects] == [0, 1]  # P-1 was reminded already, P-2 now
    assert sorted(r.day for r in db.session.scalars(select(Reminder))) == [ahead, ahead]


# --- who --------------------------------------------------------------------------------------------


CASES = {
    # name: (invite status, claim status, reminded?, why not)
    "invited": (InviteStatus.INVITED, None, None),
    "accepted, no claim yet": (InviteStatus.ACCEPTED, None, None),
    "accepted, Draft": (InviteStatus.ACCEPTED, ClaimStatus.DRAFT, None),
    "sent back to revise": (InviteStatus.ACCEPTED, ClaimStatus.REVISE_AND_RESUBMIT, None),
    "declined": (InviteStatus.DECLINED, None, "declined"),
    "under review": (InviteStatus.ACCEPTED, ClaimStatus.UNDER_REVIEW, "claim Under Review"),
    "pending owner approval": (InviteStatus.ACCEPTED, ClaimStatus.PENDING_OWNER_APPROVAL,
                               "claim Pending Owner Approval"),
    "approved as noted": (InviteStatus.ACCEPTED, ClaimStatus.APPROVED_AS_NOTED, "claim Approved as Noted"),
    "approved": (InviteStatus.ACCEPTED, ClaimStatus.APPROVED, "claim Approved"),
    "withdrawn": (InviteStatus.ACCEPTED, ClaimStatus.WITHDRAWN, "claim Withdrawn"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_invite_and_claim_status(app, world, case):
    invite_status, claim_status, why = CASES[case]
    period = open_period(world.project)
    commitment = factories.commitment(world.project, factories.vendor(), number="SC-100")
    invite = invited(world, period, commitment, invite_status)
    if claim_status is not None:
        with_claim(world, period, commitment, claim_status)

    report = reminded_on(DUE)

    run = report.projects[0]
    if why is None:
        assert [(q.invite_id, q.contract) for q in run.queued] == [(invite.id, "SC-100 Concrete works (" +
                                                                     commitment.vendor.name + ")")]
        assert count(Reminder) == 1 and count(OutboxMessage) == 1
    else:
        assert run.queued == [] and [(s.invite_id, s.why) for s in run.skipped] == [(invite.id, why)]
        assert count(Reminder) == 0 and count(OutboxMessage) == 0
        assert db.session.get(Invite, invite.id).last_reminded_at is None


@pytest.mark.parametrize(("change", "why"), [
    ("terminated", "no longer eligible"),
    ("sov back to draft", "no longer eligible"),
    ("contact deactivated", "no active progress claim contact"),
    ("contact removed", "no active progress claim contact"),
    ("muted", "reminders muted by the contact"),
])
def test_what_happened_since_the_invite_stops_its_reminders(app, world, change, why):
    period = open_period(world.project)
    commitment = factories.commitment(world.project, factories.vendor())
    invite = invited(world, period, commitment)
    contact = contact_of(commitment)
    if change == "terminated":
        commitment.status = CommitmentStatus.TERMINATED
    elif change == "sov back to draft":
        commitment.sov_status = SovStatus.DRAFT
    elif change == "contact deactivated":
        contact.active = False
    elif change == "contact removed":
        commitment.claim_contacts.remove(contact)
    else:
        assert reminders.mute(invite, contact) is True
    db.session.commit()

    report = reminded_on(DUE)

    assert [(s.invite_id, s.why) for s in report.projects[0].skipped] == [(invite.id, why)]
    assert count(Reminder) == 0 and count(OutboxMessage) == 0


def test_only_active_contacts_get_the_reminder(app, world):
    period = open_period(world.project)
    vendor = factories.vendor()
    second = factories.user(vendor, "second@vendor.example", "Second Contact")
    gone = factories.user(vendor, "gone@vendor.example", "Gone Contact")
    gone.active = False
    commitment = factories.commitment(world.project, vendor, contacts=[vendor.default_claim_contact, second, gone])
    invited(world, period, commitment)

    report = reminded_on(DUE)

    assert sorted(report.projects[0].queued[0].recipients) == sorted(
        f"{u.name} <{u.email}>" for u in (vendor.default_claim_contact, second))
    assert sorted(db.session.scalars(select(OutboxMessage.to_address))) == sorted(
        [vendor.default_claim_contact.email, "second@vendor.example"])


def test_a_private_commitment_is_reminded_like_any_other(app, world):
    period = open_period(world.project)
    invite = invited(world, period, factories.commitment(world.project, factories.vendor(), private=True))

    assert [q.invite_id for q in reminded_on(DUE).projects[0].queued] == [invite.id]


# --- once ---------------------------------------------------------------------------------------------


def test_running_twice_on_one_day_reminds_once(app, world):
    period = open_period(world.project)
    invites = [invited(world, period, factories.commitment(world.project, factories.vendor())) for _ in range(3)]

    first = reminded_on(DUE)
    second = reminded_on(DUE)

    assert first.queued == 3 and second.queued == 0
    assert sorted(s.invite_id for s in second.projects[0].skipped) == sorted(i.id for i in invites)
    assert {s.why for s in second.projects[0].skipped} == {reminders.ALREADY}
    assert count(Reminder) == 3 and count(OutboxMessage) == 3
    assert count(AuditEvent, AuditEvent.action == "reminder queued") == 3
    # the next day of the schedule is another reminder
    assert reminded_on(DUE + timedelta(days=3)).queued == 3


def test_runs_in_parallel_on_postgresql_remind_each_invite_once(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    period = open_period(world.project)
    for _ in range(6):
        invited(world, period, factories.commitment(world.project, factories.vendor()))
    threads_n = 4
    start = threading.Barrier(threads_n)
    queued: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            try:
                queued.append(reminders.run(DUE).queued)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sum(queued) == 6
    per_invite = db.session.execute(select(Reminder.invite_id, func.count()).group_by(Reminder.invite_id)).all()
    assert sorted(n for _, n in per_invite) == [1] * 6
    assert count(OutboxMessage) == 6
    assert count(AuditEvent, AuditEvent.action == "reminder queued") == 6


# --- cost ------------------------------------------------------------------------------------------------


def statements_of_a_run(day: date) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count_it(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count_it)
    try:
        reminders.run(day)
    finally:
        event.remove(engine, "before_cursor_execute", count_it)
    db.session.expire_all()
    return len(seen)


def test_the_reads_of_a_run_do_not_grow_with_the_invites(app, world):
    """Reading who to remind costs the same for 2 invites or 12 (the board's two statements per project); only
    the writes of each reminder queued add statements."""
    period = open_period(world.project)
    declined = [invited(world, period, factories.commitment(world.project, factories.vendor()), InviteStatus.DECLINED)
                for _ in range(2)]
    few = statements_of_a_run(DUE)
    declined += [invited(world, period, factories.commitment(world.project, factories.vendor()),
                         InviteStatus.DECLINED) for _ in range(10)]
    many = statements_of_a_run(DUE)
    assert len(declined) == 12 and few == many

