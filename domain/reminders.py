"""Reminders of an Invite to Bill (SPEC §2 reminder policy, §8 `flask --app app remind`).

The policy: the company's, or a project's own. It says on which days, counted from the billing
period's due date, the progress claim contacts are reminded: some days before it, on it, and every
N days after it a few times. `schedule` turns a policy and a period into those days; `describe`
says them in words for the settings page. `queue_reminder` queues one reminder of an invite once:
the `reminders` table's unique key (invite, kind, day) is what makes a second one impossible.
`run` is the daily job (every project's due reminders), `remind_now` an admin's reminder from the board,
`mute` a contact's answer to the e-mail's mute link, `queue_digests` the admins' weekly digest, `digest_for`
what it lists and `set_weekly_digest` an admin's own switch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import LazyString, gettext, lazy_gettext, ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import contains_eager, joinedload

from domain import audit, prompt_dates
from domain.clock import project_today, utcnow
from domain.dates import day as day_text
from domain.errors import Invalid, check_all
from domain.locales import N_, current_language
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
    Company,
    Invite,
    InviteStatus,
    PeriodStatus,
    Project,
    Reminder,
    ReminderKind,
    ReminderPolicy,
    User,
    db,
)
from domain.permissions import (
    can_admin_project,
    gets_admin_digest,
    project_admins,
    require,
    require_company_admin,
)
from domain.statuses import EDITABLE
from domain.text import without_control_characters

MOST_DAYS_BEFORE = 10  # reminders before the due date, at most
LONGEST_LEAD = 365  # days before the due date, at most
MOST_OVERDUE_EVERY = 60  # days between two overdue reminders, at most
MOST_OVERDUE_TIMES = 10
MAX_MESSAGE = 2000
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


@dataclass(frozen=True)
class Policy:
    """A reminder policy's values, whoever holds them (a row, a form, the defaults)."""

    enabled: bool = True
    days_before: tuple[int, ...] = (5, 1)
    on_due_date: bool = True
    overdue_every_days: int = 3
    overdue_times: int = 3
    message: str = ""


DEFAULT = Policy()


def policy_of(row: ReminderPolicy | None) -> Policy:
    """The values a stored policy holds; the defaults when there is none."""
    if row is None:
        return DEFAULT
    return Policy(enabled=row.enabled, days_before=parse_days(row.days_before), on_due_date=row.on_due_date,
                  overdue_every_days=row.overdue_every_days, overdue_times=row.overdue_times, message=row.message)


def company_policy(company: Company | None) -> Policy:
    return policy_of(company.reminder_policy if company is not None else None)


def effective_policy(project: Project, company: Company | None) -> Policy:
    """The project's own policy when it has one, else the company's, else the defaults."""
    if project.reminder_policy is not None:
        return policy_of(project.reminder_policy)
    return company_policy(company)


def parse_days(text: str) -> tuple[int, ...]:
    """"5, 1" -> (5, 1): whole days before the due date, largest first, each once; refuses anything else."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not all(re.fullmatch(r"-?[0-9]+", p) for p in parts):
        raise Invalid("days_before", lazy_gettext("Write whole numbers of days, separated by commas (e.g. 5, 1)."))
    days = sorted({int(p) for p in parts}, reverse=True)
    if any(d < 1 or d > LONGEST_LEAD for d in days):
        raise Invalid("days_before", lazy_gettext("Each number of days must be between 1 and %(most)s.",
                                                      most=LONGEST_LEAD))
    if len(days) > MOST_DAYS_BEFORE:
        raise Invalid("days_before", lazy_gettext("At most %(most)s reminders before the due date.",
                                                      most=MOST_DAYS_BEFORE))
    return tuple(days)


def checked(policy: Policy) -> Policy:
    """The policy as it may be stored, or Invalid naming every field at fault at once."""
    def message() -> str:
        text = without_control_characters(policy.message, multi_line=True).strip()
        if len(text) > MAX_MESSAGE:
            raise Invalid("message", lazy_gettext("Keep the message to %(limit)s characters or fewer.",
                                                  limit=format(MAX_MESSAGE, ",")))
        if _TAG.search(text):
            raise Invalid("message", lazy_gettext("Write the message as plain text, without HTML tags."))
        return text

    def every() -> int:
        if not 1 <= policy.overdue_every_days <= MOST_OVERDUE_EVERY:
            raise Invalid("overdue_every_days", lazy_gettext("Choose between 1 and %(most)s days.",
                                                             most=MOST_OVERDUE_EVERY))
        return policy.overdue_every_days

    def times() -> int:
        if not 0 <= policy.overdue_times <= MOST_OVERDUE_TIMES:
            raise Invalid("overdue_times", lazy_gettext("Choose between 0 and %(most)s times.",
                                                        most=MOST_OVERDUE_TIMES))
        return policy.overdue_times

    def days() -> tuple[int, ...]:
        if len(policy.days_before) > MOST_DAYS_BEFORE:
            raise Invalid("days_before", lazy_gettext("At most %(most)s reminders before the due date.",
                                                      most=MOST_DAYS_BEFORE))
        if any(d < 1 or d > LONGEST_LEAD for d in policy.days_before):
            raise Invalid("days_before", lazy_gettext("Each number of days must be between 1 and %(most)s.",
                                                      most=LONGEST_LEAD))
        return tuple(sorted(set(policy.days_before), reverse=True))

    text, every_days, overdue_times, days_before = check_all(message, every, times, days)
    return replace(policy, message=text, overdue_every_days=every_days, overdue_times=overdue_times,
                   days_before=days_before)


def save_company_policy(company: Company, policy: Policy, by: User) -> list[str]:
    """Store the company's policy (a company admin only); returns the fields that changed, each audited."""
    require_company_admin(by)
    policy = checked(policy)
    if company.reminder_policy is None:
        company.reminder_policy = ReminderPolicy(**_columns(DEFAULT))
        db.session.flush()
    changed = audit.record_changes(company.reminder_policy, _columns(policy), by)
    db.session.commit()
    return changed


def save_project_policy(project: Project, policy: Policy | None, by: User) -> list[str]:
    """Give the project its own policy, or (None) let it follow the company's again; audited on the project."""
    require(can_admin_project(by, project), "Only an Admin on this project may change its reminders.")
    if policy is None:
        if project.reminder_policy is None:
            return []
        old = project.reminder_policy
        project.reminder_policy = None
        audit.record(actor=by, entity_type="project", entity_id=project.id, project_id=project.id,
                     action="changed", field="reminder_policy", old="its own", new="the company's")
        db.session.delete(old)
        db.session.commit()
        return ["reminder_policy"]
    policy = checked(policy)
    changed = []
    if project.reminder_policy is None:
        project.reminder_policy = ReminderPolicy(**_columns(policy))
        audit.record(actor=by, entity_type="project", entity_id=project.id, project_id=project.id,
                     action="changed", field="reminder_policy", old="the company's", new="its own")
        changed.append("reminder_policy")
    else:
        changed += audit.record_changes(project.reminder_policy, _columns(policy), by)
    db.session.commit()
    return changed


def _columns(policy: Policy) -> dict[str, object]:
    return {"enabled": policy.enabled, "days_before": ", ".join(str(d) for d in policy.days_before),
            "on_due_date": policy.on_due_date, "overdue_every_days": policy.overdue_every_days,
            "overdue_times": policy.overdue_times, "message": policy.message}


def schedule(policy: Policy, due: date) -> list[tuple[date, ReminderKind]]:
    """The days a policy reminds on, for a period due on `due`, in order (none when it is off)."""
    if not policy.enabled:
        return []
    days = [(due - timedelta(days=n), ReminderKind.BEFORE_DUE) for n in policy.days_before]
    if policy.on_due_date:
        days.append((due, ReminderKind.ON_DUE))
    days += [(due + timedelta(days=policy.overdue_every_days * k), ReminderKind.OVERDUE)
             for k in range(1, policy.overdue_times + 1)]
    return sorted(days)


def kind_on(policy: Policy, due: date, today: date) -> ReminderKind | None:
    """Which reminder the policy sends on `today` for a period due on `due`, if any."""
    return next((kind for when, kind in schedule(policy, due) if when == today), None)


def describe(policy: Policy, period: BillingPeriod | None, time_zone: str | None = None) -> str:
    """The policy in words, in the reader's language, with the dates it gives for `period` when there is one."""
    if not policy.enabled:
        return gettext("No reminders: contacts get the Invite to Bill and nothing after it.")
    parts = []
    if policy.days_before:
        parts.append(gettext("%(days)s before the due date", days=_counted(policy.days_before)))
    if policy.on_due_date:
        parts.append(gettext("on the due date"))
    if policy.overdue_times == 1:
        parts.append(gettext("once %(days)s after it if the claim is late",
                             days=_counted((policy.overdue_every_days,))))
    elif policy.overdue_times and policy.overdue_every_days == 1:
        parts.append(gettext("every day after it, up to %(times)s times, while the claim is late",
                             times=policy.overdue_times))
    elif policy.overdue_times:
        parts.append(gettext("every %(every)s days after it, up to %(times)s times, while the claim is late",
                             every=policy.overdue_every_days, times=policy.overdue_times))
    if not parts:
        return gettext("No reminders: the policy is on but names no day.")
    words = gettext("Contacts who have not submitted are reminded %(when)s.", when=_joined(parts))
    if period is not None:
        dates = [day_text(when, time_zone) for when, _ in schedule(policy, period.due_date)]
        words += " " + gettext("For billing period #%(number)s, due %(due)s: reminders go out on %(dates)s.",
                               number=period.number, due=day_text(period.due_date, time_zone),
                               dates=_joined(dates))
    return words


def _counted(days: tuple[int, ...]) -> str:
    """(5, 1) -> "5 days and 1 day": each number with its own unit."""
    return _joined([ngettext("%(num)s day", "%(num)s days", d) for d in days])


def _joined(items: list[str]) -> str:
    """"a, b and c" in the reader's language."""
    return items[0] if len(items) == 1 else gettext("%(first)s and %(last)s", first=", ".join(items[:-1]),
                                                    last=items[-1])


def sample_period() -> tuple[Project, BillingPeriod] | None:
    """A project whose Open period shows what the company's policy does: the first by number that follows
    the company's policy, else the first with an Open period at all; None when no period is open."""
    periods = open_periods()
    following = [p for p in periods if p.project.reminder_policy is None]
    chosen = (following or periods or [None])[0]
    return (chosen.project, chosen) if chosen is not None else None


def why_not_reminded(invite_status: InviteStatus | None, claim_status: ClaimStatus | None, *, muted: bool,
                     eligible: bool, active_contacts: int) -> LazyString | None:
    """Whether an invite's contacts are reminded (None) or why not, in words for the admin (SPEC §3):
    an invite not answered yet, or accepted with no claim submitted (a Draft, or a claim sent back for
    revision until it is resubmitted), of a commitment still eligible, with an active contact, not muted.
    The reason is lazy: the board asks only whether it is None, on every row, and a message reads it in the
    reader's language."""
    if invite_status is None:
        return lazy_gettext("not invited yet")
    if invite_status is InviteStatus.DECLINED:
        return lazy_gettext("declined")
    if claim_status is not None and claim_status not in EDITABLE:
        return lazy_gettext("claim %(status)s", status=lazy_gettext(claim_status.value))
    if not eligible:
        return lazy_gettext("no longer eligible")
    if muted:
        return lazy_gettext("reminders muted by the contact")
    if not active_contacts:
        return lazy_gettext("no active progress claim contact")
    return None


class InviteRef(Protocol):
    """An invite, as a model or as a board row's view of one."""

    id: int
    last_reminded_at: datetime | None


class Person(Protocol):
    id: int
    name: str
    email: str


def queue_reminder(invite: InviteRef, project_id: int, kind: ReminderKind, on: date, contacts: list[Person],
                   by: User | None) -> bool:
    """Record one reminder of `invite` for the day `on` (the project's local date) and queue its e-mails,
    in the caller's transaction; False, with nothing written, when that reminder exists already. The invite
    may be a model or a board row's view of one: its `last_reminded_at` is set on both."""
    from domain import outbox  # the outbox imports the e-mail renderers, which import this module
    from domain.emails import INVITE_REMINDER

    recipients = ", ".join(f"{u.name} <{u.email}>" for u in contacts)
    reminder = Reminder(invite_id=invite.id, kind=kind, day=on, sent_by_id=by.id if by else None,
                        recipients=recipients, queued_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(reminder)
    except IntegrityError:
        return False
    db.session.execute(update(Invite).where(Invite.id == invite.id).values(last_reminded_at=reminder.queued_at)
                       .execution_options(synchronize_session=False))
    invite.last_reminded_at = reminder.queued_at
    outbox.queue_rows([{"dedupe_key": f"reminder:{reminder.id}:to:{u.id}", "kind": INVITE_REMINDER,
                        "to_address": u.email, "to_user_id": u.id, "actor_id": by.id if by else None,
                        "invite_id": invite.id} for u in contacts])
    audit.record(actor=by, entity_type="invite", entity_id=invite.id, project_id=project_id,
                 action="reminder queued", field="reminder",
                 new=f"{kind.value}, to {recipients}" if recipients else kind.value)
    return True


# --- the daily job (`flask --app app remind`) -----------------------------------------------------


@dataclass(frozen=True)
class Queued:
    """One reminder the run queued: to whom, about what."""

    invite_id: int
    contract: str  # "SC-001 Concrete works (Vendor Ltd.)"
    kind: ReminderKind
    recipients: list[str]


@dataclass(frozen=True)
class Skipped:
    """An invite of the Open period the run did not remind, and why, in words."""

    invite_id: int
    contract: str
    why: str


@dataclass
class ProjectRun:
    """What one project's run did, on the project's own date."""

    project: str  # "P-1 Riverside Medical"
    day: date
    period_number: int
    due_date: date
    kind: ReminderKind | None  # None: the policy sends nothing on this day
    policy_words: str = ""
    queued: list[Queued] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    error: str = ""  # the project's reminders were not queued: the database refused them (nothing written)


@dataclass
class RunReport:
    projects: list[ProjectRun] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(len(p.queued) for p in self.projects)

    @property
    def failed(self) -> list[ProjectRun]:
        return [p for p in self.projects if p.error]

    @property
    def e_mails(self) -> int:
        return sum(len(q.recipients) for p in self.projects for q in p.queued)


class _DailyJob:
    """Who the daily job is on the board: it sees every commitment of a project, private ones too, as an
    Admin does; it is nobody's user."""

    id = None
    is_collaborator = False


ALREADY = "already reminded today"


def _still_eligible(reasons: list) -> bool:  # type: ignore[type-arg]
    """The board's reasons not to invite, read for a reminder: a passed due date is what overdue reminders
    are for, and a missing contact is said on its own (why_not_reminded); any other reason (not Approved,
    SOV not approved, fully billed, another claim to finish first) means the commitment is no longer eligible."""
    from domain.board import Reason

    return all(r in (Reason.DUE_PASSED, Reason.NO_CONTACT) for r in reasons)


def _contract(commitment: Commitment) -> str:
    return f"{commitment.number} {commitment.title} ({commitment.vendor.name})"


def open_periods() -> list[BillingPeriod]:
    """Every Open billing period with its project, in one statement, by project number."""
    return list(db.session.scalars(
        select(BillingPeriod).join(BillingPeriod.project).where(BillingPeriod.status == PeriodStatus.OPEN)
        .options(contains_eager(BillingPeriod.project)).order_by(Project.number)
    ))


def run(today: date | None = None) -> RunReport:
    """Queue every reminder due today (each project's local date, or `today` in every project's zone), each
    once however often it runs; commits project by project, so one project's trouble costs only its own."""
    from domain.board import load_rows

    company = db.session.scalar(select(Company).where(Company.is_own.is_(True)))
    report = RunReport()
    for period_id, project_id in [(p.id, p.project_id) for p in open_periods()]:
        period = db.session.get(BillingPeriod, period_id)
        project = db.session.get(Project, project_id)
        day = today or project_today(project)
        policy = effective_policy(project, company)
        done = ProjectRun(project=f"{project.number} {project.name}", day=day, period_number=period.number,
                          due_date=period.due_date, kind=kind_on(policy, period.due_date, day))
        report.projects.append(done)
        if done.kind is None:
            done.policy_words = _next_words(policy, period.due_date, day)
            continue
        try:
            _remind_period(project, period, done, load_rows)
            db.session.commit()
        except SQLAlchemyError as exc:  # the database refused this project's work: the others go on
            db.session.rollback()
            done.queued.clear()
            done.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return report


def why_row_not_reminded(row) -> LazyString | None:  # type: ignore[no-untyped-def]
    """why_not_reminded for a board row: None when its contacts may be reminded now."""
    if row.invite is None:
        return "not invited yet"
    return why_not_reminded(row.invite.status, row.claim.status if row.claim else None,
                            muted=row.invite.reminders_muted_at is not None, eligible=_still_eligible(row.reasons),
                            active_contacts=sum(1 for u in row.contacts if u.active))


def remindable_count(board) -> int:  # type: ignore[no-untyped-def]
    """How many rows the board shows whose contacts Remind now would remind."""
    return sum(1 for row in board.rows if row.invite is not None and why_row_not_reminded(row) is None)


def _remind_period(project: Project, period: BillingPeriod, done: ProjectRun, load_rows) -> None:  # type: ignore[no-untyped-def]
    """Remind each invite of the period that why_not_reminded allows: two statements for the rows (the board's),
    then each reminder's own writes."""
    for row in load_rows(project, period, _DailyJob(), AccessLevel.ADMIN, done.day):
        if row.invite is None:
            continue
        contacts = [u for u in row.contacts if u.active]
        why = why_row_not_reminded(row)
        contract = _contract(row.commitment)
        if why is None and not queue_reminder(row.invite, project.id, done.kind, done.day, contacts, None):
            why = ALREADY
        if why is None:
            done.queued.append(Queued(row.invite.id, contract, done.kind,
                                      [f"{u.name} <{u.email}>" for u in contacts]))
        else:
            done.skipped.append(Skipped(row.invite.id, contract, str(why)))


def _next_words(policy: Policy, due: date, day: date) -> str:
    if not policy.enabled:
        return "reminders are off"
    coming = [when for when, _ in schedule(policy, due) if when > day]
    return f"next reminder {coming[0].isoformat()}" if coming else "no reminder left for this period"


# --- Remind now, on the board ---------------------------------------------------------------------------


class NothingRemindable(Exception):
    """None of the chosen rows may be reminded: nothing was written; the message says why, for the banner."""


class PeriodClosed(NothingRemindable):
    """The page showed a period closed since: reminders go out only for the Open period."""


@dataclass
class RemindOutcome:
    reminded: list = field(default_factory=list)  # the board's rows, their views carrying the new reminder
    already: list = field(default_factory=list)  # reminded now earlier today
    refused: list = field(default_factory=list)  # (row, why) rows that are not reminded
    unknown: int = 0

    @property
    def banner(self) -> str:
        n = len(self.reminded)
        if not (self.already or self.refused or self.unknown):
            return ngettext("Reminder sent for %(num)s contract.", "Reminder sent for %(num)s contracts.", n)
        parts = [gettext("%(count)s reminded", count=n)] if n else []
        if self.already:
            parts.append(gettext("%(count)s reminded earlier today (%(numbers)s)", count=len(self.already),
                                 numbers=", ".join(r.commitment.number for r in self.already)))
        if self.refused:
            parts.append(gettext("%(count)s not reminded (%(why)s)", count=len(self.refused),
                                 why="; ".join(f"{r.commitment.number}: {why}" for r, why in self.refused)))
        if self.unknown:
            parts.append(gettext("%(count)s no longer available", count=self.unknown))
        listed = ", ".join(parts)
        return f"{listed}." if n else gettext("Nothing sent: %(list)s.", list=listed)

    @property
    def category(self) -> str:
        return "success" if not (self.already or self.refused or self.unknown) else "info"


def remind_now(board, commitment_ids: list[int], by: User) -> RemindOutcome:  # type: ignore[no-untyped-def]
    """Remind the contacts of each chosen row that may be reminded (Invited, or Accepted with no claim submitted),
    once a day per invite (the reminders' unique key), through the outbox, in each invite's history.
    Raises invites.NothingSelected, PeriodClosed or NothingRemindable with nothing written."""
    from domain.invites import NothingSelected

    require(can_admin_project(by, board.project), "Only an Admin on this project may send reminders.")
    if not commitment_ids:
        raise NothingSelected
    if not board.can_send:
        raise PeriodClosed(gettext("Nobody was reminded: billing period #%(number)s is closed. Reminders go out "
                                   "only for the current period.", number=board.period.number))
    outcome = RemindOutcome()
    wanted = []
    for commitment_id in dict.fromkeys(commitment_ids):
        row = board.row_for(commitment_id)
        why = why_row_not_reminded(row) if row is not None else None
        if row is None:
            outcome.unknown += 1
        elif why is not None:
            outcome.refused.append((row, why))
        else:
            wanted.append(row)
    if not wanted:
        why = ("; ".join(f"{row.commitment.number}: {why}" for row, why in outcome.refused)
               or gettext("no longer available"))
        raise NothingRemindable(gettext("Nobody was reminded: only contracts invited and not yet submitted can be "
                                        "reminded (%(why)s).", why=why))
    today = project_today(board.project)
    for row in wanted:
        contacts = [u for u in row.contacts if u.active]
        if queue_reminder(row.invite, board.project.id, ReminderKind.MANUAL, today, contacts, by):
            outcome.reminded.append(row)
        else:
            outcome.already.append(row)
    db.session.commit()
    return outcome


# --- muting, from the reminder e-mail ---------------------------------------------------------------


def mute(invite: Invite, contact: User) -> bool:
    """Stop the reminders of one invite, at a contact's request from the e-mail's link (the caller checked
    the link); recorded in the invite's history. False, with nothing written, when they are muted already."""
    if invite.reminders_muted_at is not None:
        return False
    invite.reminders_muted_at = utcnow()
    invite.reminders_muted_by_id = contact.id
    audit.record(actor=contact, entity_type="invite", entity_id=invite.id,
                 project_id=invite.billing_period.project_id, action="reminders muted",
                 field="reminders", old="on", new="off, from the reminder e-mail's link")
    db.session.commit()
    return True


# --- the admins' weekly digest (`flask --app app remind --digest`) ----------------------------------------


@dataclass(frozen=True)
class DigestItem:
    text: str
    url_path: str  # under BASE_URL


@dataclass
class ProjectDigest:
    project: Project
    period: BillingPeriod | None
    to_review: list[DigestItem] = field(default_factory=list)
    unanswered: list[DigestItem] = field(default_factory=list)
    overdue: list[DigestItem] = field(default_factory=list)
    due_soon: list[DigestItem] = field(default_factory=list)
    # Prompt payment: payment due dates and notice deadlines within the coming week, or passed unpaid.
    payments: list[DigestItem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.to_review or self.unanswered or self.overdue or self.due_soon or self.payments)


DUE_SOON_DAYS = 7


_PAYMENT = N_("%(contract)s: claim #%(number)s, %(what)s %(day)s")
_PAYMENT_PASSED = N_("%(contract)s: claim #%(number)s, %(what)s %(day)s (passed)")
PROMPT_DATE_WORDS = (N_("Payment due"), N_("Notice of non-payment by"))  # prompt_dates' `what`, said in the digest


def _digest_day(value: date | datetime | None, time_zone: str | None) -> str:
    """A day in the digest's language: en_US in English (as it always read), fr_CA in French."""
    return day_text(value, time_zone, locale="fr_CA" if current_language() == "fr" else "en_US")


def digest_for(admin: User, today: date | None = None) -> list[ProjectDigest]:
    """What waits for `admin` on each project they administer (the projects with nothing left out):
    claims to review, invites not answered, claims late, a period due within a week, prompt payment dates
    within a week or passed unpaid. Four statements whatever the lists' length (two more when a project is
    under a prompt payment law) (and, for an admin who is not a company admin, one per project to check they
    are Admin)."""
    projects = [p for p in db.session.scalars(select(Project).order_by(Project.number))
                if can_admin_project(admin, p)]
    if not projects:
        return []
    ids = [p.id for p in projects]
    digests = {p.id: ProjectDigest(project=p, period=None) for p in projects}
    for period in db.session.scalars(select(BillingPeriod).where(BillingPeriod.project_id.in_(ids),
                                                                  BillingPeriod.status == PeriodStatus.OPEN)):
        digests[period.project_id].period = period
    for claim in db.session.scalars(
        select(Claim).join(Claim.commitment).where(Commitment.project_id.in_(ids),
                                                   Claim.status == ClaimStatus.UNDER_REVIEW)
        .options(contains_eager(Claim.commitment), joinedload(Claim.commitment, Commitment.vendor))
        .order_by(Commitment.number)
    ):
        c = claim.commitment
        digests[c.project_id].to_review.append(DigestItem(
            gettext("%(contract)s: claim #%(number)s, submitted %(day)s", contract=_contract(c), number=claim.number,
                    day=_digest_day(claim.submitted_at, c.project.time_zone)),
            f"/projects/{c.project_id}/billings/claims/{claim.id}"))
    open_ids = [d.period.id for d in digests.values() if d.period is not None]
    rows = db.session.execute(
        select(Invite, Claim.status).join(Invite.commitment)
        .outerjoin(Claim, (Claim.commitment_id == Invite.commitment_id)
                   & (Claim.billing_period_id == Invite.billing_period_id))
        .where(Invite.billing_period_id.in_(open_ids), Invite.status != InviteStatus.DECLINED)
        .options(contains_eager(Invite.commitment)).order_by(Commitment.number)
    ).all() if open_ids else []
    for invite, claim_status in rows:
        digest = digests[invite.commitment.project_id]
        board = f"/projects/{digest.project.id}/billings?period={digest.period.id}"
        local_today = today or project_today(digest.project)
        if invite.status is InviteStatus.INVITED:
            digest.unanswered.append(DigestItem(
                gettext("%(contract)s: invited %(day)s", contract=_contract(invite.commitment),
                        day=_digest_day(invite.last_sent_at, digest.project.time_zone)),
                board))
        if digest.period.due_date < local_today and (claim_status is None or claim_status in EDITABLE):
            late = (local_today - digest.period.due_date).days
            digest.overdue.append(DigestItem(
                ngettext("%(contract)s: %(state)s, %(num)s day late", "%(contract)s: %(state)s, %(num)s days late",
                         late, contract=_contract(invite.commitment),
                         state=gettext("no claim yet") if claim_status is None else gettext(claim_status.value)),
                board))
    for digest in digests.values():
        local_today = today or project_today(digest.project)
        period = digest.period
        if period is not None and local_today <= period.due_date <= local_today + timedelta(days=DUE_SOON_DAYS):
            left = (period.due_date - local_today).days
            when = gettext("today") if left == 0 else ngettext("in %(num)s day", "in %(num)s days", left)
            digest.due_soon.append(DigestItem(
                gettext("Billing period #%(number)s is due %(day)s (%(when)s)", number=period.number,
                        day=_digest_day(period.due_date, digest.project.time_zone), when=when),
                f"/projects/{digest.project.id}/billings?period={period.id}"))
    todays = {p.id: today or project_today(p) for p in projects}
    for project_id, items in prompt_dates.items_for(projects, todays).items():
        zone = digests[project_id].project.time_zone
        digests[project_id].payments = [DigestItem(
            (gettext(_PAYMENT_PASSED if item.passed else _PAYMENT, contract=_contract(item.claim.commitment),
                     number=item.claim.number, what=gettext(item.what).lower(), day=_digest_day(item.on, zone))),
            item.url_path) for item in items]
    return [d for d in digests.values() if not d.empty]


def set_weekly_digest(user: User, on: bool) -> bool:
    """An admin turns their own weekly digest off or on; False, with nothing written, when it is so already."""
    require(gets_admin_digest(user), "Only project admins get the weekly digest.")
    if user.weekly_digest == on:
        return False
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="changed", field="weekly_digest",
                 old="on" if user.weekly_digest else "off", new="on" if on else "off")
    user.weekly_digest = on
    db.session.commit()
    return True


def digest_key(admin_id: int, day: date) -> str:
    """One digest per admin and ISO week: a second run in the same week queues nothing."""
    year, week, _ = day.isocalendar()
    return f"digest:{admin_id}:{year}-W{week:02d}"


@dataclass
class DigestReport:
    week: str  # "2026-W49"
    queued: list[tuple[User, list[ProjectDigest]]] = field(default_factory=list)
    already: list[User] = field(default_factory=list)  # had this week's digest queued by an earlier run
    nothing: list[User] = field(default_factory=list)  # nothing waits for them: no e-mail


def queue_digests(today: date | None = None) -> DigestReport:
    """Queue this week's digest for every active project admin who has it on and has something waiting;
    each admin once per ISO week (the outbox's unique key), whoever runs it how often."""
    from domain import outbox
    from domain.emails import ADMIN_DIGEST
    from domain.models import OutboxMessage

    week_of = today or utcnow().date()
    report = DigestReport(week="{}-W{:02d}".format(*week_of.isocalendar()[:2]))
    admins: dict[int, User] = {}
    for project_id in db.session.scalars(select(Project.id).order_by(Project.number)):
        for admin in project_admins(project_id):
            if admin.weekly_digest and not admin.is_collaborator:
                admins.setdefault(admin.id, admin)
    keys = {admin_id: digest_key(admin_id, week_of) for admin_id in admins}
    sent = set(db.session.scalars(select(OutboxMessage.dedupe_key)
                                  .where(OutboxMessage.dedupe_key.in_(list(keys.values()))))) if keys else set()
    rows = []
    for admin in sorted(admins.values(), key=lambda u: u.email):
        if keys[admin.id] in sent:
            report.already.append(admin)
            continue
        digests = digest_for(admin, today)
        if not digests:
            report.nothing.append(admin)
            continue
        rows.append({"dedupe_key": keys[admin.id], "kind": ADMIN_DIGEST, "to_address": admin.email,
                     "to_user_id": admin.id, "actor_id": None})
        report.queued.append((admin, digests))
    outbox.queue_rows(rows)
    db.session.commit()
    return report
