"""The board of a period and a claim's lines as spreadsheets (CSV and .xlsx) that a person files or
re-works in Excel.

The figures are the ones the pages show: the board's rows (domain/board.py, with its filter and the
Private list already applied) and the claim's G703 lines from `claims.figures`. Money goes out as
`Decimal` to the cent: plain numbers in CSV, numeric cells in .xlsx. Text is neutralised so a title
like `=HYPERLINK(...)` stays text in a spreadsheet program (domain/spreadsheet.py). Headers, the sheet's name
and the words in cells (statuses, "Totals") are in the language asked for (issue 18); numbers stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from domain import claims
from domain.board import Board
from domain.locales import N_, current_language, supported, writing
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


# The words a board's cells hold (the invite's and the claim's status), for the catalogue.
INVITE_WORDS = (N_("Not Invited"), N_("Invited"), N_("Accepted"), N_("Declined"))


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else cents(value)


def _in_currency(columns: list[SheetColumn], currency: str) -> list[SheetColumn]:
    """Money columns name their currency, since the cells are plain numbers: "Current amount due (CAD)"."""
    return [replace(c, header=f"{c.header} ({currency})") if c.kind == MONEY else c for c in columns]


def _word(value: str) -> str:
    """A status word as the language being written says it ("" stays "")."""
    return _(value) if value else ""


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _name_part(text: str) -> str:
    """A project or contract number as part of a file name: letters, digits, dots and dashes."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") or "x"


# --- the board ----------------------------------------------------------------------------------


def board_export(board: Board, terms: Terms, language: str | None = None) -> Export:
    """One row per commitment the board shows (same period, same filter, same rows), in its order, in `language`
    (None: the language being written now) with `terms`' dictionary.

    A fixed number of statements whatever the number of rows: the board's own, plus one for the
    sums of work this period (E) of the rows' claims; the claim row stores the rest.
    """
    with writing(supported(language) or current_language()):
        return _board_export(board, Terms(terms.dictionary))


def _board_export(board: Board, terms: Terms) -> Export:
    assert board.period is not None
    terms = terms.for_project(board.project)
    rows = board.rows
    this_period = _this_period_by_claim([r.claim.id for r in rows if r.claim is not None])
    claim = terms("claim")
    columns = [
        SheetColumn(_("Number"), TEXT, 12), SheetColumn(_("Title"), TEXT, 32), SheetColumn(_("Vendor"), TEXT, 28),
        SheetColumn(terms("claim_contact", plural=True), TEXT, 32), SheetColumn(_("Invite"), TEXT, 12),
        SheetColumn(_("%(claim)s #", claim=claim), TEXT, 8), SheetColumn(_("%(claim)s status", claim=claim), TEXT, 20),
        SheetColumn(_("Scheduled value"), MONEY), SheetColumn(_("Previous"), MONEY),
        SheetColumn(_("This period"), MONEY), SheetColumn(_("Stored"), MONEY), SheetColumn(_("To date"), MONEY),
        SheetColumn(_("%(percent)s complete", percent="%"), PERCENT, 11), SheetColumn(_("Balance to finish"), MONEY),
        SheetColumn(terms("retention"), MONEY), SheetColumn(_("Current amount due"), MONEY),
    ]
    taxed = bool(board.project.taxes) or any(r.claim is not None and r.claim.sales_tax for r in rows)
    if taxed:  # line 8 above is before tax, as on the claim
        columns[-1] = SheetColumn(_("Current amount due before tax"), MONEY)
        columns += [SheetColumn(_("Sales tax"), MONEY), SheetColumn(_("Current amount due"), MONEY)]
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
            c.number, c.title, c.vendor.name, "; ".join(u.name for u in row.contacts), _word(row.invite_label),
            str(claim.number) if claim else "", _word(claim.status.value) if claim else "",
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


def claim_lines_export(claim: Claim, terms: Terms, language: str | None = None) -> Export:
    """The G703 continuation sheet: a row per SOV line and a totals row, the figures of `claims.figures`, in
    `language` (None: the language being written now) with `terms`' dictionary."""
    with writing(supported(language) or current_language()):
        return _claim_lines_export(claim, Terms(terms.dictionary))


def _claim_lines_export(claim: Claim, terms: Terms) -> Export:
    from domain.sales_taxes import tax_label

    terms = terms.for_project(claim.commitment.project)
    lines, totals = claims.figures(claim)
    columns = [
        SheetColumn(_("Item (A)"), TEXT, 14), SheetColumn(_("Description (B)"), TEXT, 40),
        SheetColumn(_("Scheduled value (C)"), MONEY), SheetColumn(_("Previous (D)"), MONEY),
        SheetColumn(_("This period (E)"), MONEY), SheetColumn(_("Stored (F)"), MONEY),
        SheetColumn(_("Completed and stored to date (G)"), MONEY, 20), SheetColumn("% (G/C)", PERCENT, 9),
        SheetColumn(_("Balance to finish (H)"), MONEY), SheetColumn(f"{terms('retention')} (I)", MONEY),
    ]
    if totals.taxes:  # line 8 and its taxes, on the totals row only
        columns += [SheetColumn(_("Current amount due before tax"), MONEY),
                    *(SheetColumn(tax_label(tax), MONEY) for tax in totals.taxes),
                    SheetColumn(_("Current amount due"), MONEY)]
    blank: list[Cell] = [None] * (len(totals.taxes) + 2 if totals.taxes else 0)
    columns = _in_currency(columns, claim.commitment.project.currency.value)
    out: list[list[Cell]] = []
    for sov, f in zip(claims.contract(claim).sov_lines, lines, strict=True):
        out.append([sov.cost_code, sov.description, *map(_money, (
            f.scheduled_value, f.previous, f.this_period, f.stored, f.completed_and_stored)),
            f.percent_complete, _money(f.balance_to_finish), _money(f.retention), *blank])
    out.append(["", _("Totals"), *map(_money, (
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
