"""The claim lifecycle table (SPEC §5): every (current, target) pair, allowed or refused."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from domain.models import AuditEvent, Claim, ClaimStatus, db
from domain.statuses import (
    ALLOWED,
    CLOSED,
    EDITABLE,
    FINAL,
    REVIEW_DECISIONS,
    SUBMITTED,
    InvalidTransition,
    transition,
)
from tests import factories

S = ClaimStatus
EXPECTED = {
    (S.DRAFT, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.REVISE_AND_RESUBMIT),
    (S.UNDER_REVIEW, S.PENDING_OWNER_APPROVAL),
    (S.UNDER_REVIEW, S.APPROVED_AS_NOTED),
    (S.UNDER_REVIEW, S.APPROVED),
    (S.REVISE_AND_RESUBMIT, S.UNDER_REVIEW),
    (S.PENDING_OWNER_APPROVAL, S.REVISE_AND_RESUBMIT),
    (S.PENDING_OWNER_APPROVAL, S.APPROVED_AS_NOTED),
    (S.PENDING_OWNER_APPROVAL, S.APPROVED),
    (S.DRAFT, S.WITHDRAWN),  # an admin withdraws a claim the contact is still writing or revising
    (S.REVISE_AND_RESUBMIT, S.WITHDRAWN),
}


def test_the_table_is_the_documented_lifecycle():
    assert set(ALLOWED) == set(ClaimStatus)
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED
    assert {S.DRAFT, S.REVISE_AND_RESUBMIT} == EDITABLE
    assert {S.APPROVED, S.APPROVED_AS_NOTED} == FINAL
    assert set(ClaimStatus) - {S.DRAFT} == SUBMITTED
    assert all(not ALLOWED[s] for s in FINAL)  # a decided claim stays decided
    assert not ALLOWED[S.WITHDRAWN]  # a withdrawn one stays withdrawn
    assert {S.APPROVED, S.APPROVED_AS_NOTED, S.WITHDRAWN} == CLOSED  # no longer keeps the next claim waiting
    assert {S.REVISE_AND_RESUBMIT, S.PENDING_OWNER_APPROVAL, S.APPROVED_AS_NOTED, S.APPROVED} == REVIEW_DECISIONS


@pytest.fixture
def claim(world) -> Claim:
    commitment = factories.commitment(world.project, factories.vendor())
    claim = Claim(commitment=commitment, billing_period=world.period, number=1, created_by=world.admin)
    db.session.add(claim)
    db.session.commit()
    return claim


def _events(claim: Claim) -> list[AuditEvent]:
    db.session.flush()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "claim",
                                                            AuditEvent.entity_id == claim.id)))


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ClaimStatus, repeat=2)),
                         ids=lambda s: s.name.lower())
def test_every_pair_moves_or_is_refused(world, claim, current, target):
    claim.status = current
    db.session.commit()
    if (current, target) in EXPECTED:
        transition(claim, target, by=world.admin)
        db.session.commit()
        db.session.expire_all()
        claim = db.session.get(Claim, claim.id)
        assert claim.status is target
        [event] = _events(claim)
        assert (event.action, event.field, event.old_value, event.new_value) == (
            "status changed", "status", current.value, target.value)
        assert event.actor_id == world.admin.id and event.project_id == world.project.id
        assert (claim.submitted_at is not None) is (target is S.UNDER_REVIEW)
        assert (claim.decided_at is not None) is (target in FINAL)
        assert claim.decided_by_id == (world.admin.id if target in FINAL else None)
    else:
        with pytest.raises(InvalidTransition) as refused:
            transition(claim, target, by=world.admin)
        assert str(refused.value) == f"A claim that is {current.value} cannot become {target.value}."
        assert (refused.value.current, refused.value.target) == (current, target)
        assert claim.status is current
        assert _events(claim) == []
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
