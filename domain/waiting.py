"""What waits for a person on each project they see: claims to review, invites unanswered, and how
close the current period's due date is (the home page).

Counted in a fixed number of statements whatever the number of projects: one for the Open periods
and one grouped count each for claims and invites, with the same visibility rule as the board; and, when
some project is under a prompt payment law, two for its claims' payment dates (domain/prompt_dates.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from domain import prompt_dates
from domain.clock import project_today
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
from domain.permissions import visible_commitments_everywhere
from domain.prompt_dates import DateItem

TO_REVIEW = (ClaimStatus.UNDER_REVIEW, ClaimStatus.PENDING_OWNER_APPROVAL)
DUE_SOON_DAYS = 3  # a due date this close, or passed, is called out


@dataclass
class Waiting:
    project: Project
    period: BillingPeriod | None  # the Open period; nothing waits on a project without one
    today: date
    claims: dict[ClaimStatus, int] = field(default_factory=dict)  # of TO_REVIEW, in the Open period
    invites_unanswered: int = 0
    # Prompt payment dates within a week, ahead or passed (domain/prompt_dates.items_for).
    payments: list[DateItem] = field(default_factory=list)

    @property
    def days_left(self) -> int | None:
        return (self.period.due_date - self.today).days if self.period else None

    @property
    def due_soon(self) -> bool:
        """The due date is within DUE_SOON_DAYS days, or has passed."""
        return self.days_left is not None and self.days_left <= DUE_SOON_DAYS

    @property
    def due_words(self) -> str:
        days = self.days_left
        if days is None:
            return ""
        if days < 0:
            return ngettext("passed %(num)d day ago", "passed %(num)d days ago", -days)
        if days == 0:
            return gettext("due today")
        return ngettext("in %(num)d day", "in %(num)d days", days)


def waiting_for(user: User, projects: list[Project]) -> list[Waiting]:
    """One Waiting per project, in the order given, counting only the commitments `user` may see."""
    ids = [p.id for p in projects]
    periods = {period.project_id: period for period in db.session.scalars(
        select(BillingPeriod).where(BillingPeriod.project_id.in_(ids), BillingPeriod.status == PeriodStatus.OPEN)
    )} if ids else {}
    waiting = {p.id: Waiting(project=p, period=periods.get(p.id), today=project_today(p)) for p in projects}
    seen = visible_commitments_everywhere(user)
    for project_id, items in prompt_dates.items_for(projects, {w.project.id: w.today for w in waiting.values()},
                                                    seen).items():
        waiting[project_id].payments = items
    if not periods:
        return list(waiting.values())
    open_ids = [period.id for period in periods.values()]
    for project_id, status, n in db.session.execute(
        select(Commitment.project_id, Claim.status, func.count(Claim.id))
        .join(Commitment, Claim.commitment_id == Commitment.id)
        .where(Claim.billing_period_id.in_(open_ids), Claim.status.in_(TO_REVIEW), seen)
        .group_by(Commitment.project_id, Claim.status)
    ):
        waiting[project_id].claims[status] = n
    for project_id, n in db.session.execute(
        select(Commitment.project_id, func.count(Invite.id))
        .join(Commitment, Invite.commitment_id == Commitment.id)
        .where(Invite.billing_period_id.in_(open_ids), Invite.status == InviteStatus.INVITED, seen)
        .group_by(Commitment.project_id)
    ):
        waiting[project_id].invites_unanswered = n
    return list(waiting.values())


__all__ = ["DUE_SOON_DAYS", "TO_REVIEW", "Waiting", "waiting_for"]
