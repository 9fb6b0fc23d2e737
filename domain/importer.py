"""Import commitments with their schedules of values from a spreadsheet, all or nothing.

One row per SOV line: `commitment_number, kind, title, vendor, status, retention_pct,
cost_code, description, scheduled_value`. The rows of one commitment repeat its header
fields (kind to retention_pct): they must agree, and may be left empty after the first row.
`plan_import` reads what the file would create and every row's problem without writing;
`import_commitments` plans again against the database as it is now and writes the whole file
in one transaction, or nothing.

Between the preview and the confirmation the uploaded file waits in domain/upload_stash.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import BinaryIO

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain import accounts, audit
from domain.locales import N_
from domain.models import (
    SUBCONTRACT_KINDS,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Project,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import ZERO, cents, parse_money, parse_percent
from domain.permissions import can_edit_commitments, can_edit_head_contract, require
from domain.spreadsheet import Row, Table, looks_like_formula, read_table, unneutralise, write_csv
from domain.text import has_control_characters

COLUMNS = ("commitment_number", "kind", "title", "vendor", "status", "retention_pct",
           "cost_code", "description", "scheduled_value")
# Without a status column commitments are Draft; without retention_pct they take the company's default.
OPTIONAL = frozenset({"status", "retention_pct"})
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
HEADER_FIELDS = ("kind", "title", "vendor", "status", "retention_pct")
MAX_ROWS = 5000
MAX_LENGTH = {"commitment_number": 30, "title": 200, "cost_code": 40, "description": 300}


class ImportRefused(Exception):
    """Nothing was imported; `plan` holds the rows' problems when there are any."""

    def __init__(self, message: str, plan: Plan | None = None) -> None:
        message = str(message)  # a lazy message, read in the language it is raised in: flashed, kept in a session
        super().__init__(message)
        self.message = message
        self.plan = plan


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class PlannedLine:
    row: int
    cost_code: str
    description: str
    scheduled_value: Decimal | None


@dataclass
class PlannedCommitment:
    number: str
    first_row: int
    kind: CommitmentKind | None
    title: str
    vendor: Company | None
    status: CommitmentStatus | None
    retention_pct: Decimal | None
    vendor_name: str = ""  # as written in the file
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.scheduled_value or ZERO for line in self.lines), ZERO)

    @property
    def claim_contact(self) -> User | None:
        """Who will be the progress claim contact: the vendor's default contact, when active."""
        contact = self.vendor.default_claim_contact if self.vendor else None
        if contact is None or not contact.active or contact.company_id != self.vendor.id:  # type: ignore[union-attr]
            return None
        return contact


@dataclass
class Plan:
    commitments: list[PlannedCommitment]
    problems: list[Problem]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.commitments)

    @property
    def line_count(self) -> int:
        return sum(len(c.lines) for c in self.commitments)

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.commitments), ZERO)

    @property
    def problem_rows(self) -> int:
        return len({p.row for p in self.problems})


@dataclass(frozen=True)
class Imported:
    commitments: int
    lines: int
    total: Decimal


def read(stream: BinaryIO) -> Table:
    """The file as a table of text in our columns; SpreadsheetRefused if it cannot be."""
    return read_table(stream, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)


def plan_import(project: Project, table: Table) -> Plan:
    """What the file would create on the project, and every row's problem; writes nothing."""
    vendors = _vendors_by_name()
    # Numbers are unique on a project whatever their case, as when a person adds a commitment.
    taken = {n.casefold(): n for n in db.session.scalars(
        select(Commitment.number).where(Commitment.project_id == project.id))}
    own = accounts.own_company()
    default_retention = default_retention_of(own)
    planned: dict[str, PlannedCommitment] = {}
    spellings: dict[str, PlannedCommitment] = {}  # casefolded number -> the first commitment spelled so
    problems: list[Problem] = []
    for row, cells, problem in _rows(table, problems):
        number = _text(cells, "commitment_number", problem, "Enter the commitment number.")
        first = planned.get(number) if number else None
        header = _header(cells, problem, vendors, default_retention, own, required=first is None)
        line = _line(row, cells, problem)
        if not number:
            continue
        if first is None:
            first = planned[number] = PlannedCommitment(number=number, first_row=row.number,
                                                        vendor_name=cells.get("vendor", ""), **header)
            folded = number.casefold()
            if folded in taken:
                problem("commitment_number", gettext("Commitment %(number)s is already on this project.",
                                                     number=taken[folded]))
            elif folded in spellings:
                other = spellings[folded]
                problem("commitment_number", gettext("Differs only in case from %(number)s (row %(row)s): spell the "
                                                     "number the same way on every row.", number=other.number,
                                                     row=other.first_row))
            spellings.setdefault(folded, first)
        else:
            _agree(first, header, cells, problem)
        first.lines.append(line)
    _sort(problems)
    return Plan(commitments=list(planned.values()), problems=problems, rows=len(table.rows))


# --- what both imports read: the rows, and an SOV line of each --------------------------------------


def _rows(table: Table, problems: list[Problem]) -> Iterator[tuple[Row, dict[str, str], Callable[[str, str], None]]]:
    """Each row, its cells as typed, and how to note a problem in one of them; cells to the right of the last
    column are a problem of the row's own."""
    for row in table.rows:
        cells = {column: unneutralise(value) for column, value in row.cells.items()}

        def problem(column: str, message: str, row=row, cells=cells) -> None:  # type: ignore[no-untyped-def]
            problems.append(Problem(row.number, column, cells.get(column, ""), message))

        if row.extra:
            problems.append(Problem(row.number, "", ", ".join(row.extra),
                                    gettext("This row has cells to the right of the last column: remove them.")))
        yield row, cells, problem


def _line(row: Row, cells: dict[str, str], problem: Callable[[str, str], None]) -> PlannedLine:
    return PlannedLine(row=row.number,
                       cost_code=_text(cells, "cost_code", problem, "Enter the cost code."),
                       description=_text(cells, "description", problem, "Enter the description."),
                       scheduled_value=_amount(cells, problem))


def _sort(problems: list[Problem]) -> None:
    """By row, then in the order of the columns (a row's extra cells last)."""
    problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else len(COLUMNS)))


def default_retention_of(own: Company | None) -> Decimal:
    return own.default_retention_pct if own is not None else Decimal("10.00")


def default_retention() -> Decimal:
    """What an empty retention_pct becomes: the company's default."""
    return default_retention_of(accounts.own_company())


def _vendors_by_name() -> dict[str, list[Company]]:
    by_name: dict[str, list[Company]] = {}
    for company in db.session.scalars(select(Company).options(selectinload(Company.default_claim_contact))):
        by_name.setdefault(_fold(company.name), []).append(company)
    return by_name


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _text(cells: dict[str, str], column: str, problem, missing: str | None) -> str:  # type: ignore[no-untyped-def]
    value = cells.get(column, "")
    if not value:
        if missing:
            problem(column, missing)
        return ""
    limit = MAX_LENGTH.get(column)
    if limit and len(value) > limit:
        problem(column, gettext("Too long: %(length)s characters, at most %(limit)s.", length=len(value), limit=limit))
    if has_control_characters(value, multi_line=False):
        problem(column, gettext("Has invisible control characters (a line break, NUL, ...): take them out of the "
                                "cell."))
    return value


def _header(cells, problem, vendors, default_retention, own, *, required: bool) -> dict:  # type: ignore[no-untyped-def]
    """The commitment fields of one row; on a commitment's later rows an empty cell means "as above"."""
    kind = _choice(cells, "kind", SUBCONTRACT_KINDS, problem, required)
    title = _text(cells, "title", problem, gettext("Enter the title.") if required else None)
    vendor = None
    vendor_name = cells.get("vendor", "")
    if vendor_name:
        matches = vendors.get(_fold(vendor_name), [])
        if own is not None and any(m.id == own.id for m in matches):
            problem("vendor", gettext("\u201c%(name)s\u201d is your own company, not a vendor.", name=vendor_name))
        elif len(matches) > 1:
            problem("vendor", gettext("%(count)s vendor companies are called \u201c%(name)s\u201d: rename one in the "
                                      "directory.", count=len(matches), name=vendor_name))
        elif not matches:
            problem("vendor", gettext("No vendor company is called \u201c%(name)s\u201d. Add it to the directory "
                                      "first, or correct the name.", name=vendor_name))
        else:
            vendor = matches[0]
    elif required:
        problem("vendor", gettext("Enter the vendor: a vendor company's name as in the directory."))
    status = _choice(cells, "status", CommitmentStatus, problem, required=False)
    if required and not cells.get("status"):
        status = CommitmentStatus.DRAFT
    return {"kind": kind, "title": title, "vendor": vendor, "status": status,
            "retention_pct": _percent(cells, problem, default_retention if required else None)}


def _choice(cells, column: str, enum: Iterable[Enum], problem, required: bool):  # type: ignore[no-untyped-def]
    value = cells.get(column, "")
    labels = [m.value for m in enum]
    allowed = gettext("%(list)s or %(last)s", list=", ".join(labels[:-1]), last=labels[-1])
    if not value:
        if required:
            problem(column, gettext("Enter the %(column)s: %(allowed)s.", column=column, allowed=allowed))
        return None
    folded = _fold(value)
    for member in enum:
        if folded in (member.value.casefold(), member.name.casefold(), member.name.replace("_", " ").casefold()):
            return member
    problem(column, gettext("Unknown %(column)s: use %(allowed)s.", column=column, allowed=allowed))
    return None


def _percent(cells, problem, default: Decimal | None) -> Decimal | None:  # type: ignore[no-untyped-def]
    typed = cells.get("retention_pct", "")
    if not typed.removesuffix("%").strip():
        return default
    try:
        return parse_percent(typed)
    except ValueError as refused:
        problem("retention_pct", str(refused))
        return None


def _amount(cells, problem) -> Decimal | None:  # type: ignore[no-untyped-def]
    value = cells.get("scheduled_value", "")
    try:
        amount = parse_money(value)
    except ValueError as error:
        message = str(error)
        if looks_like_formula(value):
            message += " " + gettext("Formulas are not calculated: type the amount itself.")
        problem("scheduled_value", message)
        return None
    if amount < 0:
        problem("scheduled_value", gettext("A scheduled value cannot be negative."))
        return None
    return amount


def _agree(first: PlannedCommitment, header: dict, cells: dict[str, str], problem) -> None:  # type: ignore[no-untyped-def]
    """A later row of a commitment repeats its header fields; a different value is a problem on that row."""
    mine = {"kind": first.kind, "title": first.title, "vendor": first.vendor, "status": first.status,
            "retention_pct": first.retention_pct}
    for column in HEADER_FIELDS:
        if not cells.get(column) or header[column] is None or mine[column] is None:
            continue  # empty means "as above"; an unreadable value already has its own problem
        if header[column] != mine[column]:
            problem(column, gettext("Differs from row %(row)s, the first row of commitment %(number)s: every row of a "
                                    "commitment must have the same %(column)s.", row=first.first_row,
                                    number=first.number, column=column))


def import_commitments(project: Project, table: Table, by: User, source: str = "") -> Imported:
    """Create every commitment and SOV line of the file in one transaction, or raise ImportRefused and write nothing."""
    require(can_edit_commitments(by, project),  # the same people who create commitments by hand
            "Only a company admin or an Admin of this project may import commitments.")
    plan = plan_import(project, table)  # the database may have changed since the preview
    if not plan.ok:
        raise ImportRefused(lazy_gettext("Nothing was imported: the file has problems. Correct them and upload it "
                                         "again."), plan)
    created: list[tuple[Commitment, User | None]] = []
    for planned in plan.commitments:
        commitment = Commitment(project_id=project.id, kind=planned.kind, number=planned.number, title=planned.title,
                                vendor=planned.vendor, status=planned.status, retention_pct=planned.retention_pct,
                                sov_status=SovStatus.DRAFT)
        commitment.sov_lines = [SovLine(position=position, cost_code=line.cost_code, description=line.description,
                                        original_value=line.scheduled_value)
                                for position, line in enumerate(planned.lines, start=1)]
        contact = planned.claim_contact
        if contact is not None:  # as when a person adds the contact: it goes on the Private list too
            commitment.claim_contacts.append(contact)
            commitment.private_users.append(contact)
        db.session.add(commitment)
        created.append((commitment, contact))
    try:
        db.session.flush()
    except IntegrityError:  # another import or a person took one of these numbers a moment ago
        db.session.rollback()
        raise ImportRefused(lazy_gettext("Nothing was imported: one of these commitment numbers was added to the "
                                         "project a moment ago. Upload the file again to see which.")) from None
    origin = f" from {source}" if source else ""
    for commitment, contact in created:
        audit.record(actor=by, entity_type="commitment", entity_id=commitment.id, project_id=project.id,
                     action="imported", new=f"{commitment.kind.value} {commitment.label}: "
                                            f"{len(commitment.sov_lines)} SOV lines{origin}")
        if contact is not None:  # the same events as when a person adds the contact
            for action, field_name in [("claim contact added", "claim_contacts"),
                                       ("private list: added", "private_users")]:
                audit.record(actor=by, entity_type="commitment", entity_id=commitment.id, project_id=project.id,
                             action=action, field=field_name, new=f"{contact.name} <{contact.email}>")
    db.session.commit()
    return Imported(commitments=len(created), lines=plan.line_count, total=plan.total)


def commitment_count(project: Project) -> int:
    """How many commitments the project has (what the export will hold)."""
    return db.session.scalar(select(func.count(Commitment.id)).where(Commitment.project_id == project.id,
                                                                     Commitment.is_subcontract)) or 0


# --- export and sample ----------------------------------------------------------------------------


def export_csv(project: Project) -> bytes:
    """The project's commitments and SOV lines in the import's columns; text neutralised, amounts plain."""
    commitments = db.session.scalars(
        select(Commitment).where(Commitment.project_id == project.id, Commitment.is_subcontract)
        .order_by(Commitment.number)
        .options(selectinload(Commitment.sov_lines), selectinload(Commitment.vendor))
    ).all()
    rows: list[list[str | Decimal]] = []
    for c in commitments:
        header: list[str | Decimal] = [c.number, c.kind.value, c.title, c.vendor.name, c.status.value,
                                       cents(c.retention_pct)]
        # The current scheduled value: the original plus approved changes.
        rows.extend([*header, line.cost_code, line.description, cents(line.scheduled_value)] for line in c.sov_lines)
        if not c.sov_lines:
            rows.append([*header, "", "", ""])
    return write_csv(COLUMNS, rows)


SAMPLE = [
    ("SC-201", "Subcontract", "Concrete foundations and slabs", "Keystone Concrete Co.", "Approved", "10",
     "03 11 00", "Concrete forming", "186500.00"),
    ("SC-201", "Subcontract", "Concrete foundations and slabs", "Keystone Concrete Co.", "Approved", "10",
     "03 21 00", "Reinforcing steel", "142250.00"),
    ("SC-201", "Subcontract", "Concrete foundations and slabs", "Keystone Concrete Co.", "Approved", "10",
     "03 31 00", "Structural concrete, placing and finishing", "318900.00"),
    ("SC-202", "Subcontract", "Electrical distribution and lighting", "Brightline Electric LLC", "Draft", "10",
     "26 05 00", "Rough-in: conduit, boxes and wire", "212400.00"),
    ("SC-202", "Subcontract", "Electrical distribution and lighting", "Brightline Electric LLC", "Draft", "10",
     "26 51 00", "Interior lighting, supply and install", "156300.50"),
    ("PO-201", "Purchase Order", "Plumbing fixtures supply", "Pacific Plumbing Supply", "Out for Signature", "0",
     "22 41 00", "Commercial plumbing fixtures", "84625.00"),
    ("PO-201", "Purchase Order", "Plumbing fixtures supply", "Pacific Plumbing Supply", "Out for Signature", "0",
     "22 33 00", "Electric water heaters (2)", "18940.00"),
]


def sample_csv() -> bytes:
    """A small, realistic file to start from: three commitments and their SOV lines."""
    return write_csv(COLUMNS, [list(row) for row in SAMPLE])


# --- the head contract's schedule of values ---------------------------------------------------------

SOV_COLUMNS = ("cost_code", "description", "scheduled_value")
SOV_SAMPLE = [
    ("01 00 00", "General conditions", "96500.00"),
    ("03 30 00", "Cast-in-place concrete", "712400.00"),
    ("05 12 00", "Structural steel", "486250.00"),
    ("26 05 00", "Electrical", "318900.50"),
    ("26 05 00", "Electrical: owner's allowance", "25000.00"),
]


@dataclass
class SovPlan:
    """What a head contract SOV file would add: its lines after the SOV's own, and every row's problem."""

    lines: list[PlannedLine]
    problems: list[Problem]
    rows: int
    existing: int  # lines the SOV has already
    shared_codes: set[str] = field(default_factory=set)  # cost codes on more than one line, once added

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines)

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.scheduled_value or ZERO for line in self.lines), ZERO)

    @property
    def problem_rows(self) -> int:
        return len({p.row for p in self.problems})


def read_sov(stream: BinaryIO) -> Table:
    """A head contract SOV file as a table of text in its three columns; SpreadsheetRefused if it cannot be."""
    return read_table(stream, columns=SOV_COLUMNS, required=SOV_COLUMNS, max_rows=MAX_ROWS)


def plan_sov_import(head: Commitment, table: Table) -> SovPlan:
    """The lines the file would add to the head contract's SOV, and every row's problem; writes nothing.
    Lines may share a cost code (allowed: prefill then asks which line a subcontractor's line goes to)."""
    problems: list[Problem] = []
    lines = [_line(row, cells, problem) for row, cells, problem in _rows(table, problems)]
    _sort(problems)
    codes = Counter(line.cost_code.casefold() for line in [*head.sov_lines, *lines])
    shared = {line.cost_code for line in [*head.sov_lines, *lines]
              if line.cost_code and codes[line.cost_code.casefold()] > 1}
    return SovPlan(lines=lines, problems=problems, rows=len(table.rows), existing=len(head.sov_lines),
                   shared_codes=shared)


SOV_NOT_DRAFT = N_("The schedule of values is approved and locked: a file cannot add lines to it. Add them one by "
                   "one, as approved change orders.")  # translated where shown


def import_sov(head: Commitment, table: Table, by: User, source: str = "") -> Imported:
    """Add every line of the file to the head contract's Draft SOV, after its own, in one transaction; or raise
    ImportRefused and write nothing."""
    require(can_edit_head_contract(by, head.project),
            "Only an Admin on this project's Commitments tool may change the head contract and its schedule of values.")
    db.session.refresh(head, with_for_update=True)  # as every SOV change: one at a time, the status read afresh
    if head.sov_status is not SovStatus.DRAFT:
        db.session.rollback()
        raise ImportRefused(lazy_gettext(SOV_NOT_DRAFT))
    plan = plan_sov_import(head, table)
    if not plan.ok:
        db.session.rollback()
        raise ImportRefused(lazy_gettext("Nothing was imported: the file has problems. Correct them and upload it "
                                         "again."), plan)
    start = (db.session.scalar(select(func.max(SovLine.position)).where(SovLine.commitment_id == head.id)) or 0) + 1
    for position, line in enumerate(plan.lines, start=start):
        head.sov_lines.append(SovLine(position=position, cost_code=line.cost_code, description=line.description,
                                      original_value=line.scheduled_value, approved_changes=ZERO))
    try:
        db.session.flush()
    except IntegrityError:  # a person added a line at the same moment
        db.session.rollback()
        raise ImportRefused(lazy_gettext("Nothing was imported: the schedule of values changed a moment ago. "
                                         "Confirm again.")) from None
    origin = f" from {source}" if source else ""
    audit.record(actor=by, entity_type="commitment", entity_id=head.id, project_id=head.project_id,
                 action="SOV imported", new=f"{plan.line_count} SOV lines, {plan.total}{origin}")
    db.session.commit()
    return Imported(commitments=1, lines=plan.line_count, total=plan.total)


def sov_sample_csv() -> bytes:
    """A small head contract SOV to start from (two lines share a cost code, which is allowed)."""
    return write_csv(SOV_COLUMNS, [list(row) for row in SOV_SAMPLE])
