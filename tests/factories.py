"""Builders for test data. They write through the session and commit, as a person's actions would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from domain.accounts import SIGN_IN_ACTIONS, hash_password
from domain.models import (
    AccessLevel,
    AuditEvent,
    BillingPeriod,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Country,
    Currency,
    PeriodStatus,
    Project,
    ProjectPermission,
    ProjectTax,
    SovLine,
    SovStatus,
    User,
    db,
)

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@dataclass
class World:
    company: Company
    admin: User
    standard: User
    readonly: User
    nobody: User  # internal user with None on the project
    project: Project
    period: BillingPeriod
    vendors: list[Company] = field(default_factory=list)


def user(company: Company, email: str, name: str | None = None, *, admin: bool = False,
         password: bool = True) -> User:
    u = User(company=company, email=email, name=name or email.split("@")[0].title(), is_company_admin=admin,
             password_hash=hash_password(PASSWORD) if password else None)
    db.session.add(u)
    return u


def vendor(name: str | None = None, contact_email: str | None = None, *, with_contact: bool = True,
           password: bool = True) -> Company:
    n = next(_seq)
    company = Company(name=name or f"Vendor {n} Ltd.", trade="Concrete")
    db.session.add(company)
    if with_contact:
        contact = user(company, contact_email or f"contact{n}@vendor{n}.example", password=password)
        company.default_claim_contact = contact
    return company


def commitment(
    project: Project,
    vendor_company: Company,
    *,
    number: str | None = None,
    title: str = "Concrete works",
    status: CommitmentStatus = CommitmentStatus.APPROVED,
    sov_approved: bool = True,
    contacts: list[User] | None = None,
    lines: tuple[str, ...] = ("100000.00", "50000.00"),
    private: bool = False,
    retention: str = "10.00",
) -> Commitment:
    n = next(_seq)
    c = Commitment(
        project=project, kind=CommitmentKind.SUBCONTRACT, number=number or f"SC-{n:03d}", title=title,
        vendor=vendor_company, status=status, is_private=private, retention_pct=Decimal(retention),
        sov_status=SovStatus.APPROVED if sov_approved else SovStatus.DRAFT,
    )
    db.session.add(c)
    for position, value in enumerate(lines, start=1):
        c.sov_lines.append(SovLine(position=position, cost_code=f"0{position} 00 00",
                                   description=f"Line {position}", original_value=Decimal(value)))
    if contacts is None:
        contacts = [vendor_company.default_claim_contact] if vendor_company.default_claim_contact else []
    for contact in contacts:
        c.claim_contacts.append(contact)
        c.private_users.append(contact)
    return c


def period(project: Project, *, number: int = 1, start: date | None = None, days: int = 30,
           due_in: int = 10, status: PeriodStatus = PeriodStatus.OPEN) -> BillingPeriod:
    start = start or date.today().replace(day=1)
    p = BillingPeriod(project=project, number=number, start_date=start, end_date=start + timedelta(days=days - 1),
                      due_date=max(start, date.today() + timedelta(days=due_in)), status=status)
    db.session.add(p)
    return p


def build_world() -> World:
    company = Company(name="Harbor & Pine Builders", is_own=True)
    db.session.add(company)
    admin = user(company, "admin@pb.example", "Avery Admin", admin=True)
    standard = user(company, "standard@pb.example", "Sam Standard")
    readonly = user(company, "readonly@pb.example", "Riley Readonly")
    nobody = user(company, "nobody@pb.example", "Noel Nobody")
    project = Project(number="P-1", name="Riverside Medical", address="1 River St")
    db.session.add(project)
    db.session.add_all([
        ProjectPermission(project=project, user=standard, level=AccessLevel.STANDARD),
        ProjectPermission(project=project, user=readonly, level=AccessLevel.READ_ONLY),
        ProjectPermission(project=project, user=nobody, level=AccessLevel.NONE),
    ])
    p = period(project)
    db.session.commit()
    return World(company=company, admin=admin, standard=standard, readonly=readonly, nobody=nobody,
                 project=project, period=p)


def not_sign_ins(model) -> list:  # type: ignore[no-untyped-def]
    """Sign-ins are in the audit trail too (issue 10): counts of what an action wrote leave them out."""
    return [AuditEvent.action.not_in(SIGN_IN_ACTIONS)] if model is AuditEvent else []


def ontario(project: Project, *, hst: str = "13") -> Project:
    """`project` made an Ontario one (issue 17): Canada, CAD, Toronto's time zone, HST `hst`% on its claims.
    Its commitments' holdback is their retention % (the factories' 10 by default, Ontario's basic holdback)."""
    project.country, project.currency, project.time_zone = Country.CA, Currency.CAD, "America/Toronto"
    project.taxes[:] = [ProjectTax(position=1, name="HST", rate=Decimal(hst))]
    db.session.commit()
    return project
