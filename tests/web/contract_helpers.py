"""Building a contract with a claim, submitting it, and changing the contract after (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from domain import claims, commitments, sov
from domain.models import BillingPeriod, Claim, Commitment, PeriodStatus, User, db
from tests import factories
from tests.web.portal_helpers import SIGNED

D = Decimal


@dataclass
class Contract:
    world: factories.World
    contact: User
    commitment: Commitment
    claim: Claim

    def fresh(self, claim: Claim | None = None) -> Claim:
        db.session.expire_all()
        return db.session.get(Claim, (claim or self.claim).id)


def commitment_data(commitment: Commitment, **changes: object) -> commitments.CommitmentData:
    fields = {f: getattr(commitment, f) for f in commitments.FIELDS}
    return commitments.CommitmentData(**fields | changes)


def submit(contract: Contract, claim: Claim, *values: tuple[str, str]) -> None:
    lines = claims.contract(claim).sov_lines
    entries = [claims.LineEntry(s.id, this_period=e, stored=f) for s, (e, f) in zip(lines, values, strict=False)]
    entered = claims.save_entries(claim, entries, contract.contact, submit=True, signature=SIGNED)
    assert entered.ok, (entered.errors, entered.claim_error)


def change_the_contract(contract: Contract) -> None:
    """After the claim was submitted: a change order raises line B to 44,000.00, another adds a 5,000.00 line
    (contract 99,000.00), and retention goes to 15% on work and 10% on stored materials."""
    admin = contract.world.admin
    commitment = contract.commitment
    sov.change_scheduled_value(commitment.sov_lines[1], D("44000.00"), admin)
    sov.add_change_order_line(commitment, sov.LineData("03 00 00", "Change order 2: entrance canopy",
                                                       D("5000.00")), admin)
    raised = commitment_data(commitment, retention_pct=D("15.00"), stored_materials_retention_pct=D("10.00"))
    commitments.update_commitment(commitment, raised, admin)


def next_period(contract: Contract) -> BillingPeriod:
    first = contract.world.period
    first.status = PeriodStatus.CLOSED
    start = first.end_date + timedelta(days=1)
    later = factories.period(contract.world.project, number=2, start=start)
    db.session.commit()
    return later
