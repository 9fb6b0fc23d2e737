"""Reminders of an Invite to Bill (SPEC §2 reminder policy, §8 `flask --app app remind`).

The policy: the company's, or a project's own. It says on which days, counted from the billing
period's due date, the progress claim contacts are reminded: some days before it, on it, and every
N days after it a few times. `schedule` turns a policy and a period into those days; `describe`
says them in words for the settings page. `queue_reminder` queues one reminder of an invite once:
the `reminders` table's unique key (invite, kind, day) is what makes a second one impossible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from domain import audit
from domain.clock import utcnow
from domain.dates import day as day_text
from domain.errors import Invalid, check_all
from domain.models import (
    BillingPeriod,
    ClaimStatus,
    Company,
    Invite,
    InviteStatus,
    Project,
    Reminder,
    ReminderKind,
    ReminderPolicy,
    User,
    db,
)
from domain.permissions import can_admin_project, require, require_company_admin
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
        raise Invalid("days_before", "Write whole numbers of days, separated by commas (e.g. 5, 1).")
    days = sorted({int(p) for p in parts}, reverse=True)
    if any(d < 1 or d > LONGEST_LEAD for d in days):
        raise Invalid("days_before", f"Each number of days must be between 1 and {LONGEST_LEAD}.")
    if len(days) > MOST_DAYS_BEFORE:
        raise Invalid("days_before", f"At most {MOST_DAYS_BEFORE} reminders before the due date.")
    return tuple(days)


def checked(policy: Policy) -> Policy:
    """The policy as it may be stored, or Invalid naming every field at fault at once."""
    def message() -> str:
        text = without_control_characters(policy.message, multi_line=True).strip()
        if len(text) > MAX_MESSAGE:
            raise Invalid("message", f"Keep the message to {MAX_MESSAGE:,} characters or fewer.")
        if _TAG.search(text):
            raise Invalid("message", "Write the message as plain text, without HTML tags.")
        return text

    def every() -> int:
        if not 1 <= policy.overdue_every_days <= MOST_OVERDUE_EVERY:
            raise Invalid("overdue_every_days", f"Choose between 1 and {MOST_OVERDUE_EVERY} days.")
        return policy.overdue_every_days

    def times() -> int:
        if not 0 <= policy.overdue_times <= MOST_OVERDUE_TIMES:
            raise Invalid("overdue_times", f"Choose between 0 and {MOST_OVERDUE_TIMES} times.")
        return policy.overdue_times

    def days() -> tuple[int, ...]:
        if len(policy.days_before) > MOST_DAYS_BEFORE:
            raise Invalid("days_before", f"At most {MOST_DAYS_BEFORE} reminders before the due date.")
        if any(d < 1 or d > LONGEST_LEAD for d in policy.days_before):
            raise Invalid("days_before", f"Each number of days must be between 1 and {LONGEST_LEAD}.")
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
    """The policy in words, with the dates it gives for `period` when there is one."""
    if not policy.enabled:
        return "No reminders: contacts get the Invite to Bill and nothing after it."
    parts = []
    if policy.days_before:
        parts.append(_counted(policy.days_before) + " before the due date")
    if policy.on_due_date:
        parts.append("on the due date")
    if policy.overdue_times:
        every = "day" if policy.overdue_every_days == 1 else f"{policy.overdue_every_days} days"
        parts.append(f"once {_counted((policy.overdue_every_days,))} after it if the claim is late"
                     if policy.overdue_times == 1 else
                     f"every {every} after it, up to {policy.overdue_times} times, while the claim is late")
    if not parts:
        return "No reminders: the policy is on but names no day."
    words = "Contacts who have not submitted are reminded " + _joined(parts) + "."
    if period is not None:
        dates = [day_text(when, time_zone) for when, _ in schedule(policy, period.due_date)]
        words += (f" For billing period #{period.number}, due {day_text(period.due_date, time_zone)}: "
                  f"reminders go out on {_joined(dates)}.")
    return words


def _counted(days: tuple[int, ...]) -> str:
    numbers = [str(d) for d in days]
    unit = "day" if days == (1,) else "days"
    return f"{_joined(numbers)} {unit}"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def why_not_reminded(invite_status: InviteStatus | None, claim_status: ClaimStatus | None, *, muted: bool,
                     eligible: bool, active_contacts: int) -> str | None:
    """Whether an invite's contacts are reminded (None) or why not, in words for the admin (SPEC §3):
    an invite not answered yet, or accepted with no claim submitted (a Draft, or a claim sent back for
    revision until it is resubmitted), of a commitment still eligible, with an active contact, not muted."""
    if invite_status is None:
        return "not invited yet"
    if invite_status is InviteStatus.DECLINED:
        return "declined"
    if claim_status is not None and claim_status not in EDITABLE:
        return f"claim {claim_status.value}"
    if not eligible:
        return "no longer eligible"
    if muted:
        return "reminders muted by the contact"
    if not active_contacts:
        return "no active progress claim contact"
    return None


def queue_reminder(invite: Invite, kind: ReminderKind, on: date, contacts: list[User], by: User | None) -> bool:
    """Record one reminder of `invite` for the day `on` (the project's local date) and queue its e-mails,
    in the caller's transaction; False, with nothing written, when that reminder exists already."""
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
    invite.last_reminded_at = reminder.queued_at
    outbox.queue_rows([{"dedupe_key": f"reminder:{reminder.id}:to:{u.id}", "kind": INVITE_REMINDER,
                        "to_address": u.email, "to_user_id": u.id, "actor_id": by.id if by else None,
                        "invite_id": invite.id} for u in contacts])
    audit.record(actor=by, entity_type="invite", entity_id=invite.id,
                 project_id=invite.billing_period.project_id, action="reminder queued",
                 field="reminder", new=f"{kind.value}, to {recipients}" if recipients else kind.value)
    return True
