"""The board of a period and a claim's lines as spreadsheets (CSV and .xlsx) that a person files or
re-works in Excel.

The figures are the ones the pages show: the board's rows (domain/board.py, with its filter and the
Private list already applied) and the claim's G703 lines from `claims.figures`. Money goes out as
`Decimal` to the cent: plain numbers in CSV, numeric cells in .xlsx. Text is neutralised so a title
like `=HYPERLINK(...)` stays text in a spreadsheet program (domain/spreadsheet.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from domain import claims
from domain.board import Board
from domain.models import Claim, ClaimLine, ClaimStatus, db
from domain.money import ZERO, cents, from_cents, sum_cents
from domain.spreadsheet import MONEY, PERCENT, TEXT, SheetColumn, write_csv, write_xlsx
from domain.terms import Terms

CSV, XLSX = "csv", "xlsx"
KINDS = (CSV, XLSX)
MEDIA_TYPES = {
    CSV: "text/csv",  # Flask adds "; charset=utf-8"
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Cell = str | Decimal | int | None


@dataclass(frozen=True)
class Export:
    """A table ready to write as either kind, and the name of its file without the extension."""

    title: str  # the worksheet's name
    columns: Sequence[SheetColumn]
    rows: list[list[Cell]]
    file_stem: str

    def render(self, kind: str) -> bytes:
        if kind == XLSX:
            return write_xlsx(self.title, self.columns, self.rows)
        return write_csv([c.header for c in self.columns], self.rows)

    def file_name(self, kind: str) -> str:
        return f"{self.file_stem}.{kind}"


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else cents(value)


def _in_currency(columns: list[SheetColumn], currency: str) -> list[SheetColumn]:
    """Money columns name their currency, since the cells are plain numbers: "Current amount due (CAD)"."""
    return [replace(c, header=f"{c.header} ({currency})") if c.kind == MONEY else c for c in columns]


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _name_part(text: str) -> str:
    """A project or contract number as part of a file name: letters, digits, dots and dashes."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") or "x"


# --- the board ----------------------------------------------------------------------------------


def board_export(board: Board, terms: Terms) -> Export:
    """One row per commitment the board shows (same period, same filter, same rows), in its order.

    A fixed number of statements whatever the number of rows: the board's own, plus one for the
    sums of work this period (E) of the rows' claims; the claim row stores the rest.
    """
    assert board.period is not None
    terms = terms.for_project(board.project)
    rows = board.rows
    this_period = _this_period_by_claim([r.claim.id for r in rows if r.claim is not None])
    columns = [
        SheetColumn("Number", TEXT, 12), SheetColumn("Title", TEXT, 32), SheetColumn("Vendor", TEXT, 28),
        SheetColumn(terms("claim_contact", plural=True), TEXT, 32), SheetColumn("Invite", TEXT, 12),
        SheetColumn(f"{terms('claim')} #", TEXT, 8), SheetColumn(f"{terms('claim')} status", TEXT, 20),
        SheetColumn("Scheduled value", MONEY), SheetColumn("Previous", MONEY), SheetColumn("This period", MONEY),
        SheetColumn("Stored", MONEY), SheetColumn("To date", MONEY), SheetColumn("% complete", PERCENT, 11),
        SheetColumn("Balance to finish", MONEY), SheetColumn(terms("retention"), MONEY),
        SheetColumn("Current amount due", MONEY),
    ]
    taxed = bool(board.project.taxes) or any(r.claim is not None and r.claim.sales_tax for r in rows)
    if taxed:  # line 8 above is before tax, as on the claim
        columns[-1] = SheetColumn("Current amount due before tax", MONEY)
        columns += [SheetColumn("Sales tax", MONEY), SheetColumn("Current amount due", MONEY)]
    columns = _in_currency(columns, board.project.currency.value)
    out: list[list[Cell]] = []
    for row in rows:
        c, claim = row.commitment, row.claim
        # Without a claim this period only what the board shows: to date is what was approved before.
        previous = work = stored = retention = due = tax = None
        if claim is not None and claim.status is not ClaimStatus.WITHDRAWN:  # a withdrawn claim counts for nothing
            # D + E and G are stored on the claim; D and F follow from them, so D + E + F = G always.
            work = this_period.get(claim.id, ZERO)
            previous = claim.work_completed_to_date - work
            stored = claim.total_completed_and_stored - claim.work_completed_to_date
            retention, due, tax = claim.retention_total, claim.current_amount_due, claim.sales_tax
        out.append([
            c.number, c.title, c.vendor.name, "; ".join(u.name for u in row.contacts), row.invite_label,
            str(claim.number) if claim else "", claim.status.value if claim else "",
            *map(_money, (row.scheduled_value, previous, work, stored, row.to_date)), row.percent_complete,
            *map(_money, (row.scheduled_value - row.to_date, retention, due)),
            *(map(_money, (tax, None if due is None else due + tax)) if taxed else ()),  # type: ignore[operator]
        ])
    project = board.project
    return Export(title=terms("tool"), columns=columns, rows=out,
                  file_stem=f"{_name_part(project.number)}_billings_{_month(board.period.end_date)}")


def _this_period_by_claim(claim_ids: list[int]) -> dict[int, Decimal]:
    """Column E summed per claim, in one statement for any number of claims."""
    if not claim_ids:
        return {}
    return {
        claim_id: from_cents(total) for claim_id, total in db.session.execute(
            select(ClaimLine.claim_id, sum_cents(ClaimLine.work_completed_this_period))
            .where(ClaimLine.claim_id.in_(claim_ids))
            .group_by(ClaimLine.claim_id)
        )
    }


# --- a claim's lines ----------------------------------------------------------------------------


def claim_lines_export(claim: Claim, terms: Terms) -> Export:
    """The G703 continuation sheet: a row per SOV line and a totals row, the figures of `claims.figures`."""
    terms = terms.for_project(claim.commitment.project)
    lines, totals = claims.figures(claim)
    columns = [
        SheetColumn("Item (A)", TEXT, 14), SheetColumn("Description (B)", TEXT, 40),
        SheetColumn("Scheduled value (C)", MONEY), SheetColumn("Previous (D)", MONEY),
        SheetColumn("This period (E)", MONEY), SheetColumn("Stored (F)", MONEY),
        SheetColumn("Completed and stored to date (G)", MONEY, 20), SheetColumn("% (G/C)", PERCENT, 9),
        SheetColumn("Balance to finish (H)", MONEY), SheetColumn(f"{terms('retention')} (I)", MONEY),
    ]
    if totals.taxes:  # line 8 and its taxes, on the totals row only
        columns += [SheetColumn("Current amount due before tax", MONEY),
                    *(SheetColumn(tax.label, MONEY) for tax in totals.taxes), SheetColumn("Current amount due", MONEY)]
    blank: list[Cell] = [None] * (len(totals.taxes) + 2 if totals.taxes else 0)
    columns = _in_currency(columns, claim.commitment.project.currency.value)
    out: list[list[Cell]] = []
    for sov, f in zip(claims.contract(claim).sov_lines, lines, strict=True):
        out.append([sov.cost_code, sov.description, *map(_money, (
            f.scheduled_value, f.previous, f.this_period, f.stored, f.completed_and_stored)),
            f.percent_complete, _money(f.balance_to_finish), _money(f.retention), *blank])
    out.append(["", "Totals", *map(_money, (
        totals.contract_sum_to_date, totals.work_completed_to_date - totals.this_period, totals.this_period,
        totals.stored, totals.total_completed_and_stored)),
        totals.percent_complete, _money(totals.balance_to_finish), _money(totals.retention_by_lines),
        *(map(_money, (totals.current_amount_due, *(t.amount for t in totals.taxes),
                       totals.current_amount_due_with_tax)) if totals.taxes else ())])
    commitment = claim.commitment
    stem = "_".join([_name_part(commitment.project.number), _name_part(commitment.number), f"claim-{claim.number}",
                     _month(claim.billing_period.end_date)])
    return Export(title=f"{terms('claim')} {claim.number}", columns=columns, rows=out, file_stem=stem)


__all__ = ["CSV", "KINDS", "MEDIA_TYPES", "XLSX", "Export", "board_export", "claim_lines_export"]
