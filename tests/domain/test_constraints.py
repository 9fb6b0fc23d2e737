"""What must never happen is refused by the database itself, whatever the code above it does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain.models import (
    BillingPeriod,
    Claim,
    Commitment,
    Company,
    Invite,
    PeriodStatus,
    SovLine,
    User,
    db,
)
from tests import factories


def _refused(add) -> None:
    with pytest.raises(IntegrityError):
        add()
        db.session.commit()
    db.session.rollback()


def test_one_invite_per_commitment_and_period(world):
    c = factories.commitment(world.project, factories.vendor())
    db.session.add(Invite(commitment=c, billing_period=world.period, sent_by=world.admin))
    db.session.commit()
    _refused(lambda: db.session.add(Invite(commitment=c, billing_period=world.period, sent_by=world.admin)))
    assert db.session.scalar(select(func.count(Invite.id))) == 1


def test_one_claim_per_commitment_and_period(world):
    c = factories.commitment(world.project, factories.vendor())
    db.session.add(Claim(commitment=c, billing_period=world.period, number=1, created_by=world.admin))
    db.session.commit()
    _refused(lambda: db.session.add(
        Claim(commitment=c, billing_period=world.period, number=2, created_by=world.admin)))
    assert db.session.scalar(select(func.count(Claim.id))) == 1


def test_at_most_one_open_period_per_project(world):
    _refused(lambda: factories.period(world.project, number=2, start=date(2030, 1, 1)))
    # a Closed one is fine, and so is an Open one on another project
    factories.period(world.project, number=3, start=date(2030, 2, 1), status=PeriodStatus.CLOSED)
    db.session.commit()
    statuses = db.session.scalars(select(BillingPeriod.status).where(BillingPeriod.project_id == world.project.id))
    assert sorted(s.name for s in statuses) == ["CLOSED", "OPEN"]


def test_period_cannot_end_before_it_starts(world):
    _refused(lambda: db.session.add(BillingPeriod(
        project=world.project, number=9, start_date=date(2030, 5, 10), end_date=date(2030, 5, 1),
        due_date=date(2030, 5, 25), status=PeriodStatus.CLOSED)))


def test_commitment_number_unique_per_project(world):
    v = factories.vendor()
    factories.commitment(world.project, v, number="SC-100")
    db.session.commit()
    _refused(lambda: factories.commitment(world.project, v, number="SC-100"))
    assert db.session.scalar(select(func.count(Commitment.id))) == 1


def test_same_commitment_number_on_another_project_is_fine(world):
    from domain.models import Project

    other = Project(number="P-2", name="Other")
    db.session.add(other)
    v = factories.vendor()
    factories.commitment(world.project, v, number="SC-100")
    factories.commitment(other, v, number="SC-100")
    db.session.commit()
    assert db.session.scalar(select(func.count(Commitment.id))) == 2


def test_user_email_unique_whatever_the_case(world):
    _refused(lambda: factories.user(world.company, "ADMIN@PB.Example"))
    assert db.session.scalar(select(func.count(User.id)).where(func.lower(User.email) == "admin@pb.example")) == 1


def test_only_one_own_company(world):
    _refused(lambda: db.session.add(Company(name="Second own", is_own=True)))


def test_money_comes_back_as_exact_decimal(world):
    c = factories.commitment(world.project, factories.vendor(), lines=("1234567890.12", "0.01"))
    db.session.commit()
    db.session.expire_all()
    values = db.session.scalars(select(SovLine.original_value).where(SovLine.commitment_id == c.id)
                                .order_by(SovLine.position)).all()
    assert values == [Decimal("1234567890.12"), Decimal("0.01")]
    assert all(type(v) is Decimal for v in values)
