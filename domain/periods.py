"""Billing periods: at most one Open per project; a new one closes the previous (SPEC §2)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_interval, format_skeleton
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain import audit
from domain.clock import project_today
from domain.errors import Invalid
from domain.locales import current_language
from domain.models import (
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
    Invite,
    InviteStatus,
    PeriodStatus,
    Project,
    User,
    db,
)
from domain.permissions import can_admin_project, require

LONGEST_PERIOD = timedelta(days=92)
LATEST_DUE_AFTER_END = timedelta(days=60)


@dataclass(frozen=True)
class PeriodDates:
    start: date
    end: date
    due: date


def period_name(period: BillingPeriod) -> str:
    """How e-mails and pages name a period: "November 2026" when it is exactly that calendar month,
    else its dates ("Oct 26 to Nov 25, 2026"), so two periods never share a name."""
    return dates_name(period.start_date, period.end_date)


def dates_name(start: date, end: date) -> str:
    """`period_name` from the dates alone (for rows that carry them without the period). In French (the language
    being written, domain/locales.current_language) as Babel writes fr_CA: "novembre 2026", "1–30 déc. 2026",
    "26 oct. – 25 nov. 2026"."""
    last_day = calendar.monthrange(start.year, start.month)[1]
    whole_month = start.day == 1 and end == start.replace(day=last_day)
    if current_language() == "fr":
        if whole_month:
            return format_skeleton("yMMMM", start, locale="fr_CA")
        return format_interval(start, end, "yMMMd", locale="fr_CA")
    if whole_month:
        return f"{start:%B %Y}"
    if start.year == end.year:
        return f"{start:%b %-d} to {end:%b %-d, %Y}"
    return f"{start:%b %-d, %Y} to {end:%b %-d, %Y}"


def check_dates(dates: PeriodDates, project: Project, editing: BillingPeriod | None = None) -> None:
    """Raise Invalid naming the field at fault; nothing is written."""
    if dates.end < dates.start:
        raise Invalid("end_date", gettext("The end date is before the start date."))
    if dates.end - dates.start > LONGEST_PERIOD:
        raise Invalid("end_date", gettext("A billing period can be at most three months long."))
    if dates.due < dates.start:
        raise Invalid("due_date", gettext("The due date is before the period starts."))
    if dates.due > dates.end + LATEST_DUE_AFTER_END:
        raise Invalid("due_date", gettext("The due date is more than 60 days after the period ends."))
    overlapping = db.session.scalar(
        select(BillingPeriod).where(
            BillingPeriod.project_id == project.id,
            BillingPeriod.start_date <= dates.end,
            BillingPeriod.end_date >= dates.start,
            BillingPeriod.id != (editing.id if editing else -1),
        ).limit(1)
    )
    if overlapping is not None:
        raise Invalid(
            "start_date",
            gettext("These dates overlap period %(number)s (%(dates)s).", number=overlapping.number,
                    dates=period_name(overlapping)),
        )


# What still waits in a period, in the order the confirmation lists it (board filter key, label).
OPEN_CLAIM_GROUPS = (
    ("claim_draft", "Draft", (ClaimStatus.DRAFT,)),
    ("claim_under_review", "Under Review", (ClaimStatus.UNDER_REVIEW,)),
    ("claim_pending_owner_approval", "Pending Owner Approval", (ClaimStatus.PENDING_OWNER_APPROVAL,)),
    ("claim_revise_and_resubmit", "Revise and Resubmit", (ClaimStatus.REVISE_AND_RESUBMIT,)),
)


@dataclass(frozen=True)
class OpenWork:
    """The current period's work that is not done: claims not yet decided or withdrawn, invites unanswered."""

    period: BillingPeriod
    claims: list[Claim]  # by commitment number
    invites_unanswered: int

    def claims_in(self, statuses: tuple[ClaimStatus, ...]) -> list[Claim]:
        return [c for c in self.claims if c.status in statuses]

    @property
    def groups(self) -> list[tuple[str, str, list[Claim]]]:
        """(board filter, status, claims) for each status that has any."""
        return [(key, label, found) for key, label, statuses in OPEN_CLAIM_GROUPS
                if (found := self.claims_in(statuses))]

    def __bool__(self) -> bool:
        return bool(self.claims) or self.invites_unanswered > 0


class OpenWorkLeft(Exception):
    """Opening a new period would close one with open work; the admin confirms first. Nothing is written."""

    def __init__(self, work: OpenWork) -> None:
        super().__init__(f"Billing period {work.period.number} still has open work.")
        self.work = work


def open_period_of(project: Project) -> BillingPeriod | None:
    """The project's Open billing period, if it has one (at most one: a partial unique index)."""
    return db.session.scalar(select(BillingPeriod).where(BillingPeriod.project_id == project.id,
                                                         BillingPeriod.status == PeriodStatus.OPEN))


def open_work(project: Project) -> OpenWork | None:
    """What is still open in the project's Open period (None without one): two statements."""
    current = open_period_of(project)
    if current is None:
        return None
    waiting = [key for _, _, statuses in OPEN_CLAIM_GROUPS for key in statuses]
    claims = list(db.session.scalars(
        select(Claim).join(Commitment, Claim.commitment_id == Commitment.id)
        .where(Claim.billing_period_id == current.id, Claim.status.in_(waiting), Commitment.is_subcontract)
        .order_by(Commitment.number)))
    unanswered = db.session.scalar(select(func.count(Invite.id)).where(
        Invite.billing_period_id == current.id, Invite.status == InviteStatus.INVITED)) or 0
    return OpenWork(period=current, claims=claims, invites_unanswered=unanswered)


def create_period(project: Project, dates: PeriodDates, by: User | None, *, confirmed: bool = False) -> BillingPeriod:
    """Open a new period and close the previous Open one, in one transaction. A person who has not
    `confirmed` gets OpenWorkLeft while the closing period has open work; the monthly rule (`by` None)
    opens the next period regardless, as the project asked it to."""
    if by is not None:
        _require_admin(project, by)
    check_dates(dates, project)
    if by is not None and not confirmed:
        work = open_work(project)
        if work:
            raise OpenWorkLeft(work)
    previous = open_period_of(project)
    if previous is not None:
        previous.status = PeriodStatus.CLOSED
        audit.record(actor=by, entity_type="billing_period", entity_id=previous.id, project_id=project.id,
                     action="closed", field="status", old="Open", new="Closed")
        db.session.flush()  # the one-Open index must see it closed before the new one is Open
    number = (db.session.scalar(select(func.max(BillingPeriod.number))
                                .where(BillingPeriod.project_id == project.id)) or 0) + 1
    period = BillingPeriod(project_id=project.id, number=number, start_date=dates.start, end_date=dates.end,
                           due_date=dates.due, status=PeriodStatus.OPEN)
    db.session.add(period)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("start_date", "Someone opened another period just now; reload and check.") from None
    audit.record(actor=by, entity_type="billing_period", entity_id=period.id, project_id=project.id,
                 action="opened", new=f"{dates.start} to {dates.end}, due {dates.due}")
    db.session.commit()
    return period


def update_period(period: BillingPeriod, dates: PeriodDates, by: User) -> BillingPeriod:
    _require_admin(period.project, by)
    check_dates(dates, period.project, editing=period)
    audit.record_changes(period, {"start_date": dates.start, "end_date": dates.end, "due_date": dates.due}, by)
    db.session.commit()
    return period


@dataclass(frozen=True)
class Rule:
    auto: bool
    start_day: int
    end_day: int | None  # None: the last day of the month
    due_day: int


def update_rule(project: Project, rule: Rule, by: User) -> None:
    _require_admin(project, by)
    if rule.end_day is not None and rule.end_day < rule.start_day:
        raise Invalid("end_day", gettext("The end day must not be before the start day."))
    old = f"{project.auto_periods}/{project.period_start_day}/{project.period_end_day}/{project.period_due_day}"
    project.auto_periods = rule.auto
    project.period_start_day, project.period_end_day, project.period_due_day = (
        rule.start_day, rule.end_day, rule.due_day)
    audit.record(actor=by, entity_type="project", entity_id=project.id, project_id=project.id,
                 action="billing period rule changed", old=old,
                 new=f"{rule.auto}/{rule.start_day}/{rule.end_day}/{rule.due_day}")
    db.session.commit()


def rule_words(project: Project) -> str:
    """What the monthly rule does, in words for the admin (the daily job that does it is in the README)."""
    nth = _premier if current_language() == "fr" else _nth
    start, due = nth(project.period_start_day), nth(project.period_due_day)
    end = (gettext("the %(day)s", day=nth(project.period_end_day)) if project.period_end_day
           else gettext("the month's last day"))
    if not project.auto_periods:
        return gettext("Off: a period opens only when an admin opens one. On, a new period opens by itself on the "
                       "%(start)s of each month.", start=start)
    due_on = (gettext("the %(day)s", day=due) if project.period_due_day >= project.period_start_day  # else before
              else gettext("the period's last day"))  # it opens: dates_from_rule makes it due at its end
    return gettext("On: a new period opens by itself on the %(start)s of each month and runs to %(end)s; claims are "
                   "due on %(due)s. Opening it closes the one before.", start=start, end=end, due=due_on)


def _premier(day: int) -> str:
    """A day of the month as French writes it: 1er, 2, 3..."""
    return "1er" if day == 1 else str(day)


def _nth(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def dates_from_rule(project: Project, today: date) -> PeriodDates:
    """The rule's period that contains `today` (or the next one to start)."""
    year, month = today.year, today.month
    start = date(year, month, project.period_start_day)
    if today < start:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        start = date(year, month, project.period_start_day)
    last = calendar.monthrange(year, month)[1]
    end = date(year, month, min(project.period_end_day, last)) if project.period_end_day else date(year, month, last)
    due = date(year, month, min(project.period_due_day, last))
    if due < start:
        due = end
    return PeriodDates(start=start, end=end, due=due)


def open_due_periods(today: date | None = None) -> list[BillingPeriod]:
    """For every project on the monthly rule, open the period that covers today, where the project
    is, if none does yet. Running it again the same day finds the period there and changes nothing;
    on a day the rule leaves between two periods (an end day before the month's end) nothing is due.
    """
    opened = []
    for project in db.session.scalars(select(Project).where(Project.auto_periods.is_(True)).order_by(Project.id)):
        day = today or project_today(project)
        dates = dates_from_rule(project, day)
        if dates.end < day:
            continue  # between the rule's periods: the next one opens on its start day
        covered = db.session.scalar(select(BillingPeriod.id).where(
            BillingPeriod.project_id == project.id,
            BillingPeriod.start_date <= day, BillingPeriod.end_date >= day).limit(1))
        if covered is not None:
            continue
        try:
            opened.append(create_period(project, dates, by=None))
        except Invalid:
            db.session.rollback()  # an overlapping hand-made period: leave it to the admin
    return opened


def _require_admin(project: Project, by: User) -> None:
    require(can_admin_project(by, project),
            "Only an Admin on this project's Commitments tool may change billing periods.")
