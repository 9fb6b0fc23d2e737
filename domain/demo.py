"""Demo data (SPEC §8): two projects a contractor would recognise, and a third in Ontario (issue 17: CAD, HST 13%,
10% holdback). Loading twice adds nothing."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from domain import claims, sales_taxes
from domain.accounts import hash_password
from domain.clock import utcnow
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    ClaimLine,
    ClaimStatus,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Country,
    Currency,
    Invite,
    InviteStatus,
    LineReview,
    PeriodStatus,
    Project,
    ProjectPermission,
    ProjectTax,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import cents

CONTACT_PASSWORD = "demo-contact"  # noqa: S105 - the documented demo password
INTERNAL = [
    # email, name, password, company admin
    ("admin@example.com", "Avery Morgan", "demo-admin", True),
    ("standard@example.com", "Sam Patel", "demo-standard", False),
    ("readonly@example.com", "Riley Chen", "demo-readonly", False),
]


@dataclass(frozen=True)
class VendorSpec:
    name: str
    trade: str
    address: str
    contact: tuple[str, str] | None  # (name, email)
    activated: bool = True
    tax_number: str = ""  # GST/HST registration number (Canadian vendors)


VENDORS = [
    VendorSpec("Keystone Concrete Co.", "Concrete", "88 Quarry Rd, Gresham, OR 97030",
               ("Maria Gonzalez", "maria@keystone-concrete.example")),
    VendorSpec("Brightline Electric LLC", "Electrical", "410 SE Powell Blvd, Portland, OR 97202",
               ("Dev Kapoor", "dev@brightline-electric.example")),
    VendorSpec("Summit Mechanical Inc.", "HVAC", "2200 NW Front Ave, Portland, OR 97209",
               ("Lena Novak", "lena@summit-mech.example")),
    VendorSpec("Ironclad Steel Erectors", "Structural steel", "15 Foundry Way, Vancouver, WA 98661",
               ("Tom Becker", "tom@ironclad-steel.example")),
    VendorSpec("ClearView Glazing", "Glazing", "731 N Interstate Ave, Portland, OR 97227",
               ("Priya Shah", "priya@clearview-glazing.example"), activated=False),
    VendorSpec("Evergreen Landscaping", "Landscaping", "5600 SW Boones Ferry Rd, Lake Oswego, OR 97035", None),
    VendorSpec("Northstar Drywall & Acoustics", "Drywall", "1900 NE Sandy Blvd, Portland, OR 97232",
               ("Jordan Lee", "jordan@northstar-drywall.example")),
    VendorSpec("Pacific Plumbing Supply", "Plumbing supply", "300 Industrial Pkwy, Tualatin, OR 97062",
               ("Kim Tran", "kim@pacific-plumbing.example")),
    VendorSpec("Allied Roofing Systems", "Roofing", "1200 Columbia Blvd, Portland, OR 97217",
               ("Chris Walker", "chris@allied-roofing.example")),
    VendorSpec("Vertical Lift Co.", "Elevators", "77 Mill St, Salem, OR 97301",
               ("Dana Ortiz", "dana@verticallift.example")),
    VendorSpec("Timberline Framing", "Framing", "940 Cedar Hills Blvd, Beaverton, OR 97005",
               ("Sam Okafor", "sam@timberline-framing.example")),
    # Ontario: two registered for GST/HST (printed on their claims), one not yet (its claims say so)
    VendorSpec("Lakeview Mechanical Ltd.", "Mechanical", "1180 Caledonia Rd, Toronto, ON M6A 2W5",
               ("Marc Tremblay", "marc@lakeview-mechanical.example"), tax_number="123456789RT0001"),
    VendorSpec("Don Valley Electric Inc.", "Electrical", "45 Esandar Dr, Toronto, ON M4G 4C5",
               ("Aisha Rahman", "aisha@donvalley-electric.example"), tax_number="987654321RT0001"),
    VendorSpec("Humber Concrete Forming", "Concrete", "20 Milvan Dr, Toronto, ON M9L 1Y8",
               ("Luca Moretti", "luca@humber-concrete.example")),
]


@dataclass(frozen=True)
class CommitmentSpec:
    number: str
    title: str
    vendor: str
    lines: list[tuple[str, str, str]]  # cost code, description, scheduled value
    kind: CommitmentKind = CommitmentKind.SUBCONTRACT
    status: CommitmentStatus = CommitmentStatus.APPROVED
    sov_approved: bool = True
    private: bool = False
    retention: str = "10.00"
    # Fractions of each line's value billed in earlier, approved claims (period 1, period 2, ...).
    history: tuple[str, ...] = ()


RIVERSIDE = [
    CommitmentSpec("SC-001", "Concrete foundations and slabs", "Keystone Concrete Co.", [
        ("03 11 00", "Concrete forming", "186500.00"),
        ("03 21 00", "Reinforcing steel", "142250.00"),
        ("03 31 00", "Structural concrete placement", "318900.00"),
        ("03 35 00", "Slab finishing and sealing", "64200.00"),
    ], history=("0.20", "0.25")),
    CommitmentSpec("SC-002", "Electrical distribution and lighting", "Brightline Electric LLC", [
        ("26 05 00", "Rough-in, conduit and boxes", "212400.00"),
        ("26 24 00", "Switchboards and panelboards", "98750.00"),
        ("26 51 00", "Interior lighting", "156300.00"),
    ], history=("0.10",)),
    CommitmentSpec("SC-003", "HVAC systems", "Summit Mechanical Inc.", [
        ("23 31 00", "Ductwork", "174800.00"),
        ("23 73 00", "Air handling units", "226500.00"),
        ("23 09 00", "Controls", "61250.00"),
    ], history=("0.15", "0.20")),
    CommitmentSpec("SC-004", "Structural steel", "Ironclad Steel Erectors", [
        ("05 12 00", "Structural steel framing", "412000.00"),
        ("05 31 00", "Steel decking", "88600.00"),
    ], retention="5.00", history=("0.35", "0.40")),
    CommitmentSpec("SC-005", "Curtain wall and glazing", "ClearView Glazing", [
        ("08 44 13", "Glazed aluminium curtain wall", "298700.00"),
        ("08 80 00", "Interior glazing", "42300.00"),
    ]),
    CommitmentSpec("SC-006", "Site landscaping and irrigation", "Evergreen Landscaping", [
        ("32 84 00", "Irrigation", "38400.00"),
        ("32 93 00", "Plants and trees", "51750.00"),
    ]),
    CommitmentSpec("SC-007", "Drywall and acoustical ceilings", "Northstar Drywall & Acoustics", [
        ("09 21 16", "Gypsum board assemblies", "164900.00"),
        ("09 51 13", "Acoustical panel ceilings", "72350.00"),
    ], sov_approved=False),
    CommitmentSpec("PO-001", "Plumbing fixtures supply", "Pacific Plumbing Supply", [
        ("22 41 00", "Commercial plumbing fixtures", "84625.00"),
        ("22 33 00", "Electric water heaters", "18940.00"),
    ], kind=CommitmentKind.PURCHASE_ORDER, retention="0.00"),
    CommitmentSpec("SC-008", "Roofing and sheet metal", "Allied Roofing Systems", [
        ("07 54 00", "TPO membrane roofing", "132800.00"),
        ("07 62 00", "Sheet metal flashing and trim", "27450.00"),
    ], private=True),
    CommitmentSpec("SC-009", "Elevators", "Vertical Lift Co.", [
        ("14 21 00", "Traction elevators (2)", "365000.00"),
    ], status=CommitmentStatus.OUT_FOR_SIGNATURE),
]

MAPLE = [
    CommitmentSpec("SC-101", "Foundations and flatwork", "Keystone Concrete Co.", [
        ("03 30 00", "Cast-in-place foundations", "96400.00"),
        ("32 13 13", "Driveways and walks", "28750.00"),
    ], history=("0.45",)),
    CommitmentSpec("SC-102", "Wood framing", "Timberline Framing", [
        ("06 11 00", "Wall and floor framing", "148200.00"),
        ("06 17 53", "Roof trusses", "36900.00"),
    ], history=("0.30",)),
    CommitmentSpec("SC-103", "Electrical", "Brightline Electric LLC", [
        ("26 05 00", "Rough-in and service", "74300.00"),
        ("26 51 00", "Lighting fixtures", "21800.00"),
    ]),
]


# Ontario: 10% holdback on every subcontract (Construction Act s.22); one closed, approved period and this
# month's, in which Lakeview's claim is submitted and waits for review.
LAKESHORE = [
    CommitmentSpec("SC-201", "Mechanical: HVAC and plumbing", "Lakeview Mechanical Ltd.", [
        ("23 00 00", "HVAC", "284000.00"),
        ("22 00 00", "Plumbing", "136500.00"),
    ], history=("0.25",)),
    CommitmentSpec("SC-202", "Electrical", "Don Valley Electric Inc.", [
        ("26 05 00", "Power distribution", "198400.00"),
        ("26 51 00", "Lighting", "74600.00"),
    ], history=("0.20",)),
    CommitmentSpec("SC-203", "Concrete forming and placing", "Humber Concrete Forming", [
        ("03 11 00", "Concrete forming", "152300.00"),
        ("03 31 00", "Structural concrete", "211750.00"),
    ], history=("0.40",)),
]
LAKESHORE_SUBMITTED = ("SC-201", "0.15")  # this period's submitted claim: a share of each line
# This period, Humber's forming is done and its lien period has ended: all its holdback is released, and the
# release claim (the holdback and its HST) is submitted and waits for review.
LAKESHORE_RELEASE = ("SC-203", 5)  # the commitment, and how many days ago the lien period ended


@dataclass(frozen=True)
class HeadContractSpec:
    """The project's head contract: the client, and its SOV with the commitments' cost codes, marked up."""

    number: str
    title: str
    client: str
    client_address: str
    contact: tuple[str, str]  # (name, email): not a user, they never sign in
    own_lines: list[tuple[str, str, str]]  # the contractor's own work (general conditions), not subcontracted
    markup: str = "1.12"
    retention: str = "10.00"


RIVERSIDE_HEAD = HeadContractSpec(
    "HC-1001", "Riverside Medical Office Building: prime contract", "Riverside Health Partners",
    "900 NE Multnomah St, Portland, OR 97232", ("Elena Brooks", "elena.brooks@riverside-health.example"),
    [("01 50 00", "General conditions and site management", "420000.00")])
MAPLE_HEAD = HeadContractSpec(
    "HC-1002", "Maple Street Townhomes: prime contract", "Maple Street Development LLC",
    "1100 Main St, Vancouver, WA 98660", ("Marcus Hale", "marcus@maplestreetdev.example"),
    [("01 50 00", "General conditions", "64000.00")], markup="1.10", retention="5.00")


def load_demo(today: date | None = None) -> list[tuple[str, str, str | None]]:
    """Load the demo data once; returns every demo sign-in as (role, e-mail, password)."""
    today = today or date.today()
    own = _own_company()
    admin = None
    for email, name, password, is_admin in INTERNAL:
        user = _user(own, email, name, password)
        user.is_company_admin = is_admin
        admin = admin or user
    vendors = {spec.name: _vendor(spec) for spec in VENDORS}
    db.session.flush()

    users = {u.email: u for u in db.session.scalars(select(User))}
    standard, readonly = users["standard@example.com"], users["readonly@example.com"]
    if _project_missing("P-1001"):
        riverside = _project(
            "P-1001", "Riverside Medical Office Building", "1450 NE Riverside Dr, Portland, OR 97232"
        )
        _periods(riverside, today, closed=2)
        _commitments(riverside, RIVERSIDE, vendors, admin)
        _head_contract(riverside, RIVERSIDE_HEAD, RIVERSIDE, admin, history=())
        _grant(riverside, standard, AccessLevel.STANDARD)
        _grant(riverside, readonly, AccessLevel.READ_ONLY)
        private = next(c for c in riverside.commitments if c.is_private)
        private.private_users.append(standard)
    if _project_missing("P-1002"):
        maple = _project("P-1002", "Maple Street Townhomes", "2280 Maple St, Vancouver, WA 98660")
        _periods(maple, today, closed=1)
        _commitments(maple, MAPLE, vendors, admin)
        _head_contract(maple, MAPLE_HEAD, MAPLE, admin, history=("0.30",))
        _grant(maple, standard, AccessLevel.STANDARD)
        _grant(maple, readonly, AccessLevel.NONE)
    if _project_missing("P-1003"):
        lakeshore = _project("P-1003", "Lakeshore Community Health Centre",
                             "250 Lake Shore Blvd W, Toronto, ON M5V 1A1", country=Country.CA)
        lakeshore.taxes.extend(ProjectTax(position=n, name=t.name, rate=t.rate)
                               for n, t in enumerate(sales_taxes.JURISDICTIONS["ON"].taxes, start=1))
        _periods(lakeshore, today, closed=1)
        _commitments(lakeshore, LAKESHORE, vendors, admin)
        _submitted_claim(lakeshore, *LAKESHORE_SUBMITTED, admin)
        _submitted_release(lakeshore, *LAKESHORE_RELEASE, today, admin)
        _grant(lakeshore, standard, AccessLevel.STANDARD)
        _grant(lakeshore, readonly, AccessLevel.READ_ONLY)
    db.session.commit()
    return _sign_ins()


def _sign_ins() -> list[tuple[str, str, str | None]]:
    """(who, e-mail, password) per demo sign-in; None: no password yet (activates from an invite link)."""
    rows: list[tuple[str, str, str | None]] = [("company admin" if admin else "internal user", email, password)
            for email, _, password, admin in INTERNAL]
    for spec in VENDORS:
        if spec.contact:
            password = CONTACT_PASSWORD if spec.activated else None
            rows.append((f"claim contact, {spec.name}", spec.contact[1], password))
    return rows


def _own_company() -> Company:
    own = db.session.scalar(select(Company).where(Company.is_own.is_(True)))
    if own is None:
        own = Company(
            name="Harbor & Pine Builders",
            is_own=True,
            address="500 SW Harbor Way, Portland, OR 97201",
            invite_message=(
                "Please submit your progress claim for this period by the due date. "
                "Call the project office at 503-555-0142 with any questions."
            ),
            time_zone="America/Los_Angeles",
        )
        db.session.add(own)
    return own


def _user(company: Company, email: str, name: str, password: str | None) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = User(company=company, email=email, name=name)
        user.password_hash = hash_password(password) if password else None
        db.session.add(user)
    return user


def _vendor(spec: VendorSpec) -> Company:
    vendor = db.session.scalar(select(Company).where(Company.name == spec.name, Company.is_own.is_(False)))
    if vendor is None:
        vendor = Company(name=spec.name, trade=spec.trade, address=spec.address, tax_number=spec.tax_number)
        db.session.add(vendor)
    if spec.contact:
        name, email = spec.contact
        contact = _user(vendor, email, name, CONTACT_PASSWORD if spec.activated else None)
        vendor.default_claim_contact = contact
    return vendor


def _project_missing(number: str) -> bool:
    return db.session.scalar(select(Project.id).where(Project.number == number)) is None


def _project(number: str, name: str, address: str, country: Country = Country.US) -> Project:
    canadian = country is Country.CA
    project = Project(
        number=number, name=name, address=address, country=country,
        currency=Currency.CAD if canadian else Currency.USD,
        time_zone="America/Toronto" if canadian else "America/Los_Angeles",
        jurisdiction="ON" if canadian else None,  # the demo's Canadian project is in Toronto: prompt payment
    )
    db.session.add(project)
    return project


def _month(day: date, back: int) -> tuple[date, date]:
    year, month = day.year, day.month - back
    while month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _periods(project: Project, today: date, closed: int) -> None:
    """`closed` earlier monthly periods, then an Open one for this month due in ten days."""
    for number, back in enumerate(range(closed, -1, -1), start=1):
        start, end = _month(today, back)
        is_open = back == 0
        due = max(today + timedelta(days=10), start) if is_open else date(start.year, start.month, 25)
        project.billing_periods.append(BillingPeriod(
            number=number, start_date=start, end_date=end, due_date=due,
            status=PeriodStatus.OPEN if is_open else PeriodStatus.CLOSED,
        ))


def _grant(project: Project, user: User, level: AccessLevel) -> None:
    db.session.add(ProjectPermission(project=project, user=user, level=level))


def _commitments(project: Project, specs: list[CommitmentSpec], vendors: dict[str, Company], admin: User) -> None:
    periods = sorted(project.billing_periods, key=lambda p: p.number)
    for spec in specs:
        vendor = vendors[spec.vendor]
        commitment = Commitment(
            project=project, kind=spec.kind, number=spec.number, title=spec.title, vendor=vendor,
            status=spec.status, is_private=spec.private, retention_pct=Decimal(spec.retention),
            sov_status=SovStatus.APPROVED if spec.sov_approved else SovStatus.DRAFT,
            sov_approved_at=utcnow() if spec.sov_approved else None,
        )
        for position, (code, description, value) in enumerate(spec.lines, start=1):
            commitment.sov_lines.append(SovLine(
                position=position, cost_code=code, description=description, original_value=Decimal(value)
            ))
        if vendor.default_claim_contact is not None:
            commitment.claim_contacts.append(vendor.default_claim_contact)
            commitment.private_users.append(vendor.default_claim_contact)
        db.session.add(commitment)
        db.session.flush()
        _approved_history(commitment, periods, spec.history, admin)


def _approved_history(
    commitment: Commitment, periods: list[BillingPeriod], history: tuple[str, ...], admin: User
) -> None:
    """Invites and Approved claims in earlier, closed periods, so 'previous' figures show."""
    contact = commitment.claim_contacts[0] if commitment.claim_contacts else admin
    for number, (period, fraction) in enumerate(zip(periods, history, strict=False), start=1):
        sent = utcnow() - timedelta(days=30 * (len(periods) - number))
        db.session.add(Invite(
            commitment=commitment, billing_period=period, status=InviteStatus.ACCEPTED, sent_by=admin,
            first_sent_at=sent, last_sent_at=sent, answered_at=sent, answered_by=contact,
        ))
        claim = Claim(
            commitment=commitment, billing_period=period, number=number, status=ClaimStatus.APPROVED,
            created_by=contact, submitted_at=sent, decided_at=sent, decided_by_id=admin.id,
        )
        for line in commitment.sov_lines:
            amount = cents(line.original_value * Decimal(fraction))
            claim.lines.append(ClaimLine(
                sov_line=line, work_completed_this_period=amount, review=LineReview.APPROVED
            ))
        db.session.add(claim)
        db.session.flush()
        claims.snapshot_contract(claim)
        claims.refresh_snapshot(claim)


def _submitted_claim(project: Project, number: str, fraction: str, admin: User) -> None:
    """This period's claim of commitment `number`, signed and submitted by its contact, waiting for review."""
    commitment = next(c for c in project.commitments if c.number == number)
    period = next(p for p in project.billing_periods if p.status is PeriodStatus.OPEN)
    contact = commitment.claim_contacts[0]
    sent, submitted = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)  # inside this period
    db.session.add(Invite(
        commitment=commitment, billing_period=period, status=InviteStatus.ACCEPTED, sent_by=admin,
        first_sent_at=sent, last_sent_at=sent, answered_at=sent, answered_by=contact,
    ))
    earlier = db.session.scalar(select(func.count(Claim.id)).where(Claim.commitment_id == commitment.id)) or 0
    claim = Claim(
        commitment=commitment, billing_period=period, number=earlier + 1, status=ClaimStatus.UNDER_REVIEW,
        created_by=contact, submitted_at=submitted, signed_name=contact.name, signed_at=submitted,
        signed_by_id=contact.id,
    )
    for line in commitment.sov_lines:
        claim.lines.append(ClaimLine(sov_line=line, work_completed_this_period=cents(
            line.original_value * Decimal(fraction)), review=LineReview.PENDING))
    db.session.add(claim)
    db.session.flush()
    claims.snapshot_contract(claim)
    claims.refresh_snapshot(claim)


def _submitted_release(project: Project, number: str, days_ago: int, today: date, admin: User) -> None:
    """This period's holdback release claim of commitment `number`: all it holds, signed and submitted by its
    contact (as domain/holdback.release_holdback opens it: no work, stored materials carried), waiting for
    review. Written directly, as the other demo claims are, so loading the demo e-mails no one."""
    from domain.holdback import holdback_held, last_approved_claim

    commitment = next(c for c in project.commitments if c.number == number)
    period = next(p for p in project.billing_periods if p.status is PeriodStatus.OPEN)
    contact = commitment.claim_contacts[0]
    submitted = utcnow() - timedelta(minutes=30)
    last = last_approved_claim(commitment)
    carried = {line.sov_line_id: line.materials_presently_stored for line in (last.lines if last else [])}
    claim = Claim(
        commitment=commitment, billing_period=period, number=(last.number if last else 0) + 1,
        status=ClaimStatus.UNDER_REVIEW, created_by=admin, submitted_at=submitted, signed_name=contact.name,
        signed_at=submitted, signed_by_id=contact.id, holdback_release=holdback_held(commitment),
        holdback_release_date=today - timedelta(days=days_ago),
    )
    for line in commitment.sov_lines:
        claim.lines.append(ClaimLine(sov_line=line, work_completed_this_period=Decimal("0.00"),
                                     materials_presently_stored=carried.get(line.id, Decimal("0.00")),
                                     review=LineReview.PENDING))
    db.session.add(claim)
    db.session.flush()
    claims.snapshot_contract(claim)
    claims.refresh_snapshot(claim)


def _head_contract(project: Project, spec: HeadContractSpec, commitments: list[CommitmentSpec], admin: User, *,
                   history: tuple[str, ...]) -> None:
    """The head contract, its SOV (the approved commitments' lines, marked up, and the contractor's own), and
    Approved claims in the earliest closed periods: each line billed at the subcontractors' figure marked up,
    which shows beside it, and the contractor's own lines at the share of `history`."""
    client = db.session.scalar(select(Company).where(Company.name == spec.client, Company.is_own.is_(False)))
    if client is None:
        client = Company(name=spec.client, address=spec.client_address)
        db.session.add(client)
    head = Commitment(
        project=project, kind=CommitmentKind.HEAD_CONTRACT, number=spec.number, title=spec.title, vendor=client,
        status=CommitmentStatus.APPROVED, retention_pct=Decimal(spec.retention), sov_status=SovStatus.APPROVED,
        sov_approved_at=utcnow(), client_contact_name=spec.contact[0], client_contact_email=spec.contact[1],
        contract_date=min(p.start_date for p in project.billing_periods) - timedelta(days=45),
    )
    markup = Decimal(spec.markup)
    lines = [(code, description, cents(Decimal(value) * markup))
             for c in commitments if c.status is CommitmentStatus.APPROVED for code, description, value in c.lines]
    lines += [(code, description, Decimal(value)) for code, description, value in spec.own_lines]
    for position, (code, description, value) in enumerate(lines, start=1):
        head.sov_lines.append(SovLine(position=position, cost_code=code, description=description,
                                      original_value=value))
    db.session.add(head)
    db.session.flush()
    periods = sorted(project.billing_periods, key=lambda p: p.number)
    for number, (period, fraction) in enumerate(zip(periods, history, strict=False), start=1):
        decided = utcnow() - timedelta(days=30 * (len(periods) - number))
        claim = Claim(commitment=head, billing_period=period, number=number, status=ClaimStatus.APPROVED,
                      created_by=admin, submitted_at=decided, decided_at=decided, decided_by_id=admin.id,
                      client_decision_date=period.end_date, client_decision_note="Paid in the next payment run.")
        # What the subcontractors' approved claims of the period said, by cost code.
        fed: dict[str, Decimal] = {}
        for sub in db.session.scalars(select(Claim).where(Claim.billing_period_id == period.id,
                                                          Claim.status == ClaimStatus.APPROVED)):
            for sub_line in sub.lines:
                code = sub_line.sov_line.cost_code
                fed[code] = fed.get(code, Decimal("0.00")) + sub_line.work_completed_this_period
        for line in head.sov_lines:
            prefilled = fed.get(line.cost_code, Decimal("0.00"))
            billed = cents(prefilled * markup) if line.cost_code in fed else cents(
                line.original_value * Decimal(fraction))  # the contractor's own work, not subcontracted
            claim.lines.append(ClaimLine(
                sov_line=line, work_completed_this_period=billed,
                materials_presently_stored=Decimal("0.00"), prefilled_this_period=prefilled,
                prefilled_stored=Decimal("0.00"), review=LineReview.APPROVED))
        db.session.add(claim)
        db.session.flush()
        claims.snapshot_contract(claim)
        claims.refresh_snapshot(claim)
        claim.client_approved_amount = claim.current_amount_due
