"""`flask --app app demo` loads what SPEC §8 promises, once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from domain import claims, sales_taxes
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
    CommitmentStatus,
    Company,
    Country,
    Currency,
    PeriodStatus,
    Project,
    ProjectPermission,
    SovStatus,
    User,
    db,
)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Company, User, Project, Commitment, BillingPeriod, Claim, ProjectPermission)}


def test_demo_command_loads_once_and_prints_sign_ins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for line in ["admin@example.com", "demo-admin", "standard@example.com", "demo-standard",
                 "readonly@example.com", "demo-readonly", "demo-contact"]:
        assert line in first.output
    rows = [line for line in first.output.splitlines() if "@" in line and "claim contact" in line]
    assert len({line.index("claim contact") for line in rows}) == 1  # the columns line up
    assert "(none yet*)" in first.output and "* no password yet" in first.output
    counts = _counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "admin@example.com" in second.output
    assert _counts() == counts


def test_demo_data_has_what_the_spec_promises(app):
    app.test_cli_runner().invoke(args=["demo"])
    projects = db.session.scalars(select(Project).order_by(Project.number)).all()
    assert len(projects) == 3
    first, second, _ontario = projects
    open_periods = [p for p in first.billing_periods if p.status is PeriodStatus.OPEN]
    assert len(open_periods) == 1
    commitments = first.commitments
    assert len(commitments) >= 8
    assert any(not c.claim_contacts for c in commitments)
    assert any(c.sov_status is SovStatus.DRAFT for c in commitments)
    assert any(c.is_private for c in commitments)
    eligible = [c for c in commitments if c.claim_contacts and c.sov_status is SovStatus.APPROVED
                and c.status is CommitmentStatus.APPROVED]
    assert len(eligible) >= 4
    # the second project has a closed period with an Approved claim
    closed = [p for p in second.billing_periods if p.status is PeriodStatus.CLOSED]
    assert closed
    approved = db.session.scalars(select(Claim).where(Claim.billing_period_id.in_([p.id for p in closed]),
                                                       Claim.status == ClaimStatus.APPROVED)).all()
    assert approved
    # one contact has never signed in: no password, activates from an invite
    contacts = [u for c in commitments for u in c.claim_contacts]
    assert any(u.password_hash is None for u in contacts)
    # permissions as SPEC §8 says
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users["admin@example.com"].is_company_admin
    levels = {(p.user.email, p.project.number): p.level for p in db.session.scalars(select(ProjectPermission))}
    assert levels[("standard@example.com", "P-1001")] is AccessLevel.STANDARD
    assert levels[("standard@example.com", "P-1002")] is AccessLevel.STANDARD
    assert levels[("readonly@example.com", "P-1001")] is AccessLevel.READ_ONLY
    assert levels[("readonly@example.com", "P-1002")] is AccessLevel.NONE


def test_the_ontario_project_bills_cad_with_hst_and_a_10_percent_holdback(app):
    app.test_cli_runner().invoke(args=["demo"])
    project = db.session.scalar(select(Project).where(Project.number == "P-1003"))
    assert (project.country, project.currency, project.time_zone) == (Country.CA, Currency.CAD, "America/Toronto")
    assert [(t.name, t.rate) for t in project.taxes] == [("HST", Decimal("13"))]
    subcontracts = [c for c in project.commitments if c.is_subcontract]
    assert len(subcontracts) >= 3 and all(c.retention_pct == Decimal("10.00") for c in subcontracts)
    closed = [p for p in project.billing_periods if p.status is PeriodStatus.CLOSED]
    current = [p for p in project.billing_periods if p.status is PeriodStatus.OPEN]
    assert len(closed) == 1 and len(current) == 1
    in_closed = db.session.scalars(select(Claim).where(Claim.billing_period_id == closed[0].id)).all()
    assert in_closed and all(c.status is ClaimStatus.APPROVED for c in in_closed)
    in_current = db.session.scalars(select(Claim).where(Claim.billing_period_id == current[0].id)).all()
    submitted = [c for c in in_current if not c.is_holdback_release]
    assert [c.status for c in submitted] == [ClaimStatus.UNDER_REVIEW]
    claim = submitted[0]
    assert claim.signed_name and [(t.name, t.rate) for t in claim.taxes] == [("HST", Decimal("13"))]
    # SC-201 (420,500.00): 25% approved last period, 15% more this one, 40% to date = 168,200.00, of which 10%
    # held back (16,820.00); this period 63,075.00 less its holdback 6,307.50 = 56,767.50 due before tax, and
    # HST 13% on that (tax on holdback waits for its release, Excise Tax Act s.168(7)): 7,379.78 (7,379.775)
    _, totals = claims.figures(claim)
    assert (totals.this_period, totals.retention_total, totals.current_amount_due) == (
        Decimal("63075.00"), Decimal("16820.00"), Decimal("56767.50"))
    assert [t.amount for t in totals.taxes] == [Decimal("7379.78")]
    assert claim.retention_total == Decimal("16820.00")
    assert claim.commitment.vendor.tax_number == "123456789RT0001"
    assert "123456789RT0001" in sales_taxes.registration(claim, totals.taxes)


def test_the_ontario_project_has_one_holdback_release_waiting_for_review(app):
    app.test_cli_runner().invoke(args=["demo"])
    project = db.session.scalar(select(Project).where(Project.number == "P-1003"))
    releases = db.session.scalars(select(Claim).join(Commitment).where(
        Commitment.project_id == project.id, Claim.holdback_release.is_not(None))).all()
    assert len(releases) == 1
    release = releases[0]
    assert (release.commitment.number, release.status) == ("SC-203", ClaimStatus.UNDER_REVIEW)
    # SC-203 billed 40% of 364,050.00 = 145,620.00 before, 10% held: 14,562.00, all released, with HST 13%
    assert release.holdback_release == Decimal("14562.00") and release.current_amount_due == Decimal("14562.00")
    assert release.sales_tax == Decimal("1893.06") and release.retention_total == Decimal("0.00")
    assert all(line.work_completed_this_period == 0 for line in release.lines)
    _, totals = claims.figures(release)
    assert totals.current_amount_due_with_tax == Decimal("16455.06")
