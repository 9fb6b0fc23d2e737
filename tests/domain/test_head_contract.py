"""The head contract (issue 16): prefill from the approved subcontractor claims by cost code, its G702
figures, the client's decision, one per project, and the position against the subcontractors.

Every figure here is worked out by hand in the comments; money is exact to the cent.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain import claims, head_contract, pay_application, sov
from domain.claims import ClaimRefused, LineEntry
from domain.clock import project_today
from domain.errors import Invalid
from domain.head_contract import HeadContractData
from domain.models import (
    AccessLevel,
    AuditEvent,
    Claim,
    ClaimLine,
    ClaimStatus,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Invite,
    InviteStatus,
    PeriodStatus,
    Project,
    SovLine,
    SovStatus,
    db,
)
from domain.permissions import PermissionDenied, can_edit_head_contract, can_see_head_contract
from domain.statuses import FINAL, claim_status_words
from tests import factories
from tests.helpers import count

D = Decimal


# --- builders -------------------------------------------------------------------------------------


def data(**overrides: object) -> HeadContractData:
    values = {"number": "HC-1", "title": "Prime contract", "client_name": "Riverside Health Partners",
              "client_contact_name": "Elena Brooks", "client_contact_email": "elena@riverside.example",
              "contract_date": date(2026, 1, 15), "retention_pct": D("10.00")}
    return HeadContractData(**{**values, **overrides})  # type: ignore[arg-type]


def make_head(world, lines: list[tuple[str, str]], *, stored_pct: str | None = None) -> Commitment:  # type: ignore[no-untyped-def]
    head = head_contract.create_head_contract(world.project, data(
        stored_materials_retention_pct=D(stored_pct) if stored_pct else None), world.admin)
    for n, (code, value) in enumerate(lines, start=1):
        sov.add_line(head, sov.LineData(code, f"Head line {n}", D(value)), world.admin)
    sov.approve_sov(head, world.admin)
    return head


def subcontract(world, number: str, lines: list[tuple[str, str]], retention: str = "10.00") -> Commitment:  # type: ignore[no-untyped-def]
    vendor = factories.vendor(f"{number} Builders")
    c = Commitment(project=world.project, kind=CommitmentKind.SUBCONTRACT, number=number, title=f"Work {number}",
                   vendor=vendor, status=CommitmentStatus.APPROVED, retention_pct=D(retention),
                   sov_status=SovStatus.APPROVED)
    for n, (code, value) in enumerate(lines, start=1):
        c.sov_lines.append(SovLine(position=n, cost_code=code, description=f"{number} line {n}",
                                   original_value=D(value)))
    db.session.add(c)
    db.session.commit()
    return c


def claim_in(world, commitment: Commitment, period, figures: dict[str, tuple[str, str]],  # type: ignore[no-untyped-def]
             status: ClaimStatus = ClaimStatus.APPROVED) -> Claim:
    """A claim with E and F per cost code, submitted and then put in `status`, its G702 figures stored."""
    number = len(db.session.scalars(select(Claim).where(Claim.commitment_id == commitment.id)).all()) + 1
    claim = Claim(commitment=commitment, billing_period=period, number=number, status=ClaimStatus.DRAFT,
                  created_by=world.admin)
    for sov_line in commitment.sov_lines:
        e, f = figures.get(sov_line.cost_code, ("0", "0"))
        claim.lines.append(ClaimLine(sov_line=sov_line, work_completed_this_period=D(e),
                                     materials_presently_stored=D(f)))
    db.session.add(claim)
    db.session.flush()
    if status is not ClaimStatus.DRAFT:
        claims.snapshot_contract(claim)
    claims.refresh_snapshot(claim)
    claim.status = status
    if status in FINAL:
        claims.refresh_snapshot(claim)
    db.session.commit()
    return claim


def earlier_period(world):  # type: ignore[no-untyped-def]
    start = world.period.start_date
    previous_start = (start - timedelta(days=1)).replace(day=1)
    return factories.period(world.project, number=0, start=previous_start, days=(start - previous_start).days,
                            status=PeriodStatus.CLOSED)


def lines_of(claim: Claim) -> dict[str, tuple[Decimal, Decimal]]:
    db.session.refresh(claim)
    return {line.sov_line.cost_code: (line.work_completed_this_period, line.materials_presently_stored)
            for line in claim.lines}


def written(claim: Claim) -> tuple:
    """What the database holds for the claim: to check that a refusal wrote nothing."""
    db.session.expire_all()
    rows = db.session.execute(select(ClaimLine.id, ClaimLine.work_completed_this_period,
                                     ClaimLine.materials_presently_stored, ClaimLine.prefilled_this_period,
                                     ClaimLine.prefilled_stored).where(ClaimLine.claim_id == claim.id)
                              .order_by(ClaimLine.id)).all()
    c = db.session.get(Claim, claim.id)
    return (tuple(rows), c.status, c.current_amount_due, c.client_decision_date, c.client_approved_amount,
            count(AuditEvent))


# --- the head contract ------------------------------------------------------------------------------


def test_a_head_contract_is_created_with_its_client_by_name_and_is_not_a_subcontract(world):
    head = head_contract.create_head_contract(world.project, data(client_name="  Riverside Health Partners "),
                                              world.admin)
    assert head.kind is CommitmentKind.HEAD_CONTRACT and not head.is_subcontract and head.is_head_contract
    assert head.vendor.name == "Riverside Health Partners" and not head.vendor.is_own
    assert (head.client_contact_name, head.client_contact_email) == ("Elena Brooks", "elena@riverside.example")
    assert head.contract_date == date(2026, 1, 15) and head.sov_status is SovStatus.DRAFT
    assert head_contract.head_contract_of(world.project).id == head.id
    assert db.session.scalar(select(Commitment.id).where(Commitment.is_subcontract)) is None
    # the same client typed again, in another case, is the same company
    other = factories.vendor("Other Co.")
    db.session.commit()
    changed = head_contract.update_head_contract(head, data(client_name="RIVERSIDE health partners",
                                                            title="Prime contract, revised"), world.admin)
    assert changed == ["title"]
    assert count(Company, Company.name.ilike("riverside health partners")) == 1
    head_contract.update_head_contract(head, data(client_id=other.id, client_name=""), world.admin)
    assert head.vendor_id == other.id


def test_every_bad_field_is_named_at_once_and_nothing_is_written(world):
    before = (count(Commitment), count(Company), count(AuditEvent))
    with pytest.raises(Invalid) as refused:
        head_contract.create_head_contract(world.project, data(
            number="", client_name="", client_contact_name="", client_contact_email="elena@", contract_date=None,
            retention_pct=D("100.01")), world.admin)
    assert refused.value.problems == {
        "number": "Enter the number.",
        "client_name": "Enter the client company's name.",
        "client_contact_name": "Enter the client contact's name.",
        "client_contact_email": "Enter a valid e-mail address, like name@example.com.",
        "contract_date": "Enter the contract date.",
        "retention_pct": "Enter a percentage from 0 to 100. Use at most two decimals.",
    }
    with pytest.raises(Invalid) as own:
        head_contract.create_head_contract(world.project, data(client_id=world.company.id), world.admin)
    assert own.value.problems == {"client_id": "Choose the client company from the list, or type its name."}
    subcontract(world, "SC-1", [("03 30 00", "100.00")])
    before = (count(Commitment), count(Company), count(AuditEvent))
    with pytest.raises(Invalid) as clash:
        head_contract.create_head_contract(world.project, data(number="sc-1"), world.admin)
    assert clash.value.problems == {"number": "SC-1 (Work SC-1) already has this number on this project."}
    assert (count(Commitment), count(Company), count(AuditEvent)) == before


def test_a_second_head_contract_is_refused_with_a_message_and_nothing_is_written(world):
    head_contract.create_head_contract(world.project, data(), world.admin)
    before = (count(Commitment), count(Company), count(AuditEvent))
    with pytest.raises(Invalid) as refused:
        head_contract.create_head_contract(world.project, data(number="HC-2", client_name="New Client"),
                                           world.admin)
    assert refused.value.problems == {"number": "This project has a head contract already: a project has at "
                                                "most one."}
    assert (count(Commitment), count(Company), count(AuditEvent)) == before


def test_the_database_refuses_a_second_head_contract_whatever_the_code_does(world):
    head_contract.create_head_contract(world.project, data(), world.admin)
    client = db.session.scalar(select(Company).where(Company.name == "Riverside Health Partners"))
    db.session.add(Commitment(project=world.project, kind=CommitmentKind.HEAD_CONTRACT, number="HC-2",
                              title="Another", vendor=client))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # another project may have its own, and subcontracts are not limited
    second = Project(number="P-2", name="Second")
    db.session.add(second)
    db.session.add(Commitment(project=second, kind=CommitmentKind.HEAD_CONTRACT, number="HC-1", title="Its own",
                              vendor=client))
    db.session.commit()
    assert count(Commitment, Commitment.kind == CommitmentKind.HEAD_CONTRACT) == 2


def test_only_project_admins_change_it_and_vendor_contacts_never_see_it(world):
    vendor = factories.vendor("Keystone")
    db.session.commit()
    contact = vendor.default_claim_contact
    assert [can_see_head_contract(u, world.project) for u in
            (world.admin, world.standard, world.readonly, world.nobody, contact)] == [True, True, True, False, False]
    assert [can_edit_head_contract(u, world.project) for u in
            (world.admin, world.standard, world.readonly, world.nobody, contact)] == [True, False, False, False,
                                                                                      False]
    assert can_see_head_contract(world.standard, world.project, AccessLevel.READ_ONLY)
    before = (count(Commitment), count(Company), count(AuditEvent))
    with pytest.raises(PermissionDenied):
        head_contract.create_head_contract(world.project, data(), world.standard)
    assert (count(Commitment), count(Company), count(AuditEvent)) == before


# --- prefill ----------------------------------------------------------------------------------------


@pytest.fixture
def site(world):  # type: ignore[no-untyped-def]
    """A head contract with three lines, two subcontracts on two of their cost codes."""
    head = make_head(world, [("03 30 00", "100000.00"), ("26 05 00", "50000.00"), ("01 50 00", "20000.00")])
    concrete = subcontract(world, "SC-1", [("03 30 00", "60000.00"), ("99 99 99", "1000.00")])
    electric = subcontract(world, "SC-2", [("03  30 00", "5000.00"), ("26 05 00", "40000.00")])
    return world, head, concrete, electric


def test_prefill_adds_up_the_approved_claims_to_the_cent_by_cost_code(site):
    world, head, concrete, electric = site
    claim_in(world, concrete, world.period, {"03 30 00": ("1234.56", "100.01"), "99 99 99": ("10.00", "0")})
    claim_in(world, electric, world.period, {"03  30 00": ("0.01", "0"), "26 05 00": ("333.33", "0")},
             ClaimStatus.APPROVED_AS_NOTED)
    pending = claim_in(world, subcontract(world, "SC-3", [("26 05 00", "9000.00")]), world.period,
                       {"26 05 00": ("999.00", "0")}, ClaimStatus.UNDER_REVIEW)
    claim_in(world, subcontract(world, "SC-4", [("26 05 00", "9000.00")]), world.period,
             {"26 05 00": ("500.00", "0")}, ClaimStatus.WITHDRAWN)
    for number, status in [("SC-6", InviteStatus.ACCEPTED), ("SC-8", InviteStatus.DECLINED)]:
        db.session.add(Invite(commitment=subcontract(world, number, [("26 05 00", "100.00")]),
                              billing_period=world.period, sent_by=world.admin, status=status))
    db.session.commit()
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    report = head_contract.prefill(claim, world.admin)
    # invited, accepted, no claim yet: missing too (a declined invite is not)
    assert [(n.commitment_number, n.vendor_name, n.invite_status) for n in report.not_claimed] == [
        ("SC-6", "SC-6 Builders", InviteStatus.ACCEPTED)]
    # 03 30 00: 1,234.56 + 0.01 (its cost code spaced otherwise); 26 05 00: only the approved 333.33;
    # 01 50 00: nobody's, so zero
    assert lines_of(claim) == {"03 30 00": (D("1234.57"), D("100.01")), "26 05 00": (D("333.33"), D("0.00")),
                               "01 50 00": (D("0.00"), D("0.00"))}
    concrete_line = report.line(head.sov_lines[0].id)
    assert [(f.commitment_number, f.vendor_name, f.this_period, f.stored) for f in concrete_line.feeds] == [
        ("SC-1", "SC-1 Builders", D("1234.56"), D("100.01")), ("SC-2", "SC-2 Builders", D("0.01"), D("0.00"))]
    assert not report.line(head.sov_lines[2].id).feeds
    assert [(p.claim_id, p.commitment_number, p.status) for p in report.pending] == [
        (pending.id, "SC-3", ClaimStatus.UNDER_REVIEW)]
    assert [(f.commitment_number, f.cost_code) for f in report.unmatched] == [("SC-1", "99 99 99")]
    assert not report.needs_choice and not report.over_scheduled
    for line in claim.lines:  # what the subcontractors said is kept beside what is billed
        assert (line.prefilled_this_period, line.prefilled_stored) == (line.work_completed_this_period,
                                                                       line.materials_presently_stored)
        assert not head_contract.is_adjusted(line)
    # G702: retention 10% on work and stored: 123.457 -> 123.46, 10.001 -> 10.00, 33.333 -> 33.33
    assert claim.total_completed_and_stored == D("1667.91")
    assert claim.retention_total == D("166.79")
    assert claim.current_amount_due == D("1501.12")


def test_duplicate_cost_codes_wait_for_a_choice_which_is_then_remembered(world):
    head = make_head(world, [("09 21 16", "30000.00"), ("09 21 16", "20000.00")])
    drywall = subcontract(world, "SC-7", [("09 21 16", "25000.00")])
    claim_in(world, drywall, world.period, {"09 21 16": ("500.00", "25.00")})
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    report = head_contract.prefill(claim, world.admin)
    first, second = head.sov_lines
    assert [(n.feed.commitment_number, n.feed.this_period, [c.id for c in n.candidates])
            for n in report.needs_choice] == [("SC-7", D("500.00"), [first.id, second.id])]
    assert all(line.work_completed_this_period == 0 for line in claim.lines)  # no guess
    sub_line = drywall.sov_lines[0]
    before = written(claim)
    with pytest.raises(Invalid) as refused:
        head_contract.prefill(claim, world.admin, choices={sub_line.id: sub_line.id})
    assert refused.value.problems == {"choices": "Choose one of the head contract's lines."}
    assert written(claim) == before
    report = head_contract.prefill(claim, world.admin, choices={sub_line.id: second.id})
    assert not report.needs_choice
    by_sov = claim.lines_by_sov
    assert (by_sov[second.id].work_completed_this_period, by_sov[second.id].materials_presently_stored) == (
        D("500.00"), D("25.00"))
    assert by_sov[first.id].work_completed_this_period == 0
    db.session.refresh(sub_line)
    assert sub_line.head_contract_line_id == second.id
    report = head_contract.prefill(claim, world.admin)  # run again: the choice stands
    assert not report.needs_choice and by_sov[second.id].work_completed_this_period == D("500.00")


def test_change_orders_on_both_sides_are_prefilled_and_counted(site):
    world, head, concrete, electric = site
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    # after the claim started: a change order adds a line on both sides, another raises a head line's value
    added = sov.add_change_order_line(head, sov.LineData("03 40 00", "Precast", D("8000.00")), world.admin)
    sov.change_scheduled_value(head.sov_lines[1], D("52500.00"), world.admin)
    sov.add_change_order_line(concrete, sov.LineData("03 40 00", "Precast", D("7000.00")), world.admin)
    claim_in(world, concrete, world.period, {"03 30 00": ("1000.00", "0"), "03 40 00": ("700.00", "50.00")})
    report = head_contract.prefill(claim, world.admin)
    assert report.line(added.id).this_period == D("700.00") and report.line(added.id).stored == D("50.00")
    assert lines_of(claim)["03 40 00"] == (D("700.00"), D("50.00"))
    _, totals = claims.figures(claim)
    # line 1: 170,000.00 original; line 2: +8,000.00 (new line) +2,500.00 (26 05 00 raised)
    assert (totals.original_contract_sum, totals.net_change_orders, totals.contract_sum_to_date) == (
        D("170000.00"), D("10500.00"), D("180500.00"))
    # G = 1,000 + 750 = 1,750; retention 100.00 + 70.00 + 5.00 = 175.00
    assert (totals.total_completed_and_stored, totals.retention_total, totals.current_amount_due) == (
        D("1750.00"), D("175.00"), D("1575.00"))


def test_a_claim_approved_after_prefill_updates_the_lines_the_admin_left_and_never_an_adjusted_one(site):
    world, head, concrete, electric = site
    claim_in(world, concrete, world.period, {"03 30 00": ("1000.00", "0")})
    late = claim_in(world, electric, world.period, {"03  30 00": ("200.00", "0"), "26 05 00": ("4000.00", "0")},
                    ClaimStatus.UNDER_REVIEW)
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    report = head_contract.prefill(claim, world.admin)
    assert [p.commitment_number for p in report.pending] == ["SC-2"]
    concrete_code, electric_code, own_code = (s.id for s in head.sov_lines)
    # the admin marks up the concrete line (1,000.00 + 12%) and bills own forces on general conditions
    entered = head_contract.save_lines(claim, [LineEntry(concrete_code, this_period="1120.00"),
                                               LineEntry(own_code, this_period="2500.00")], world.admin)
    assert entered.ok
    adjusted = claim.lines_by_sov[concrete_code]
    assert head_contract.is_adjusted(adjusted) and head_contract.is_adjusted(claim.lines_by_sov[own_code])
    assert (adjusted.prefilled_this_period, adjusted.work_completed_this_period) == (D("1000.00"), D("1120.00"))
    late.status = ClaimStatus.APPROVED
    db.session.commit()
    report = head_contract.prefill(claim, world.admin)
    assert not report.pending
    assert lines_of(claim) == {"03 30 00": (D("1120.00"), D("0.00")), "26 05 00": (D("4000.00"), D("0.00")),
                               "01 50 00": (D("2500.00"), D("0.00"))}
    kept = report.line(concrete_code)
    assert kept.adjusted and kept.kept and kept.prefilled_this_period == D("1200.00")
    assert adjusted.prefilled_this_period == D("1200.00")  # what the subcontractors say now, beside the 1,120.00
    assert report.line(electric_code).feeds[0].commitment_number == "SC-2"
    # asked to, prefill overwrites the adjusted line, and only that one
    head_contract.prefill(claim, world.admin, overwrite={adjusted.id})
    assert lines_of(claim) == {"03 30 00": (D("1200.00"), D("0.00")), "26 05 00": (D("4000.00"), D("0.00")),
                               "01 50 00": (D("2500.00"), D("0.00"))}
    assert not head_contract.is_adjusted(adjusted)


def test_prefill_of_a_closed_period_is_refused_and_nothing_is_written(site):
    world, head, concrete, _ = site
    earlier = earlier_period(world)
    claim_in(world, concrete, earlier, {"03 30 00": ("1000.00", "0")})
    claim = claim_in(world, head, earlier, {}, ClaimStatus.DRAFT)
    before = written(claim)
    with pytest.raises(ClaimRefused) as refused:
        head_contract.prefill(claim, world.admin)
    assert "is closed: its head contract claim can no longer be prefilled" in str(refused.value)
    assert written(claim) == before
    older = factories.period(world.project, number=-1, start=earlier.start_date - timedelta(days=60), days=28,
                             status=PeriodStatus.CLOSED)
    db.session.commit()
    with pytest.raises(ClaimRefused) as refused:
        head_contract.start_claim(world.project, older, world.admin)
    assert "is closed: a head contract claim starts in the open period" in str(refused.value)
    assert count(Claim, Claim.billing_period_id == older.id) == 0


def test_prefill_of_a_submitted_claim_is_refused_and_nothing_is_written(site):
    world, head, concrete, _ = site
    claim_in(world, concrete, world.period, {"03 30 00": ("1000.00", "0")})
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.prefill(claim, world.admin)
    head_contract.submit_to_client(claim, world.admin)
    assert claim_status_words(claim) == "Submitted to client"
    claim_in(world, subcontract(world, "SC-9", [("26 05 00", "100.00")]), world.period, {"26 05 00": ("5", "0")})
    before = written(claim)
    with pytest.raises(ClaimRefused) as refused:
        head_contract.prefill(claim, world.admin)
    assert str(refused.value) == "This claim is Submitted to client: it can no longer be prefilled."
    assert written(claim) == before


def test_prefill_is_for_project_admins_only(site):
    world, *_ = site
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    before = written(claim)
    with pytest.raises(PermissionDenied):
        head_contract.prefill(claim, world.standard)
    assert written(claim) == before


# --- G702 figures -----------------------------------------------------------------------------------


def test_g702_figures_of_a_head_contract_claim_by_hand(world):
    # A: 100,000.00; B: 3,333.33. Retention 10% on work, 5% on stored materials.
    head = make_head(world, [("03 30 00", "100000.00"), ("26 05 00", "3333.33")], stored_pct="5.00")
    earlier = earlier_period(world)
    # Claim 1 (approved, earlier): A E=10,000.00 F=2,000.00 -> retention 1,000.00 + 100.00; G 12,000.00;
    # earned less retention 10,900.00, all of it due.
    first = claim_in(world, head, earlier, {"03 30 00": ("10000.00", "2000.00")})
    assert (first.total_completed_and_stored, first.retention_total, first.current_amount_due) == (
        D("12000.00"), D("1100.00"), D("10900.00"))
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    assert claim.number == 2
    head_contract.save_lines(claim, [LineEntry(head.sov_lines[0].id, this_period="5000.00", stored="500.00"),
                                     LineEntry(head.sov_lines[1].id, this_period="333.33", stored="33.35")],
                             world.admin)
    lines, totals = claims.figures(claim)
    a, b = lines
    # A: D 10,000.00 (claim 1's D + E), work to date 15,000.00 -> 1,500.00; stored 500.00 x 5% -> 25.00
    assert (a.previous, a.completed_and_stored, a.retention_work, a.retention_stored) == (
        D("10000.00"), D("15500.00"), D("1500.00"), D("25.00"))
    # B: 333.33 x 10% = 33.333 -> 33.33; 33.35 x 5% = 1.6675 -> 1.67
    assert (b.retention_work, b.retention_stored, b.percent_complete) == (D("33.33"), D("1.67"), D("11.0"))
    assert totals.contract_sum_to_date == D("103333.33")
    assert totals.total_completed_and_stored == D("15866.68")  # line 4
    assert (totals.retention_work, totals.retention_stored, totals.retention_total) == (
        D("1533.33"), D("26.67"), D("1560.00"))  # line 5
    assert totals.earned_less_retention == D("14306.68")  # line 6
    assert totals.previous_claims == D("10900.00")  # line 7: claim 1's line 6
    assert totals.current_amount_due == D("3406.68")  # line 8
    assert totals.balance_to_finish_including_retention == D("89026.65")  # line 9
    # submitted to the client and approved: the figures stay those
    head_contract.submit_to_client(claim, world.admin)
    head_contract.record_client_decision(claim, ClaimStatus.APPROVED, world.admin,
                                         decided_on=project_today(world.project), approved_amount=D("3406.68"))
    assert claim.status is ClaimStatus.APPROVED and claim.client_approved_amount == D("3406.68")
    assert claims.figures(claim)[1] == totals


def test_a_head_contract_claim_that_is_not_approved_is_not_previous(world):
    head = make_head(world, [("03 30 00", "100000.00")])
    earlier = earlier_period(world)
    claim_in(world, head, earlier, {"03 30 00": ("10000.00", "0")}, ClaimStatus.WITHDRAWN)
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.save_lines(claim, [LineEntry(head.sov_lines[0].id, this_period="1000.00")], world.admin)
    _, totals = claims.figures(claim)
    assert (totals.previous, totals.previous_claims, totals.current_amount_due) == (D("0"), D("0"), D("900.00"))


# --- the client's decision ---------------------------------------------------------------------------


@pytest.fixture
def submitted(site):  # type: ignore[no-untyped-def]
    world, head, concrete, _ = site
    claim_in(world, concrete, world.period, {"03 30 00": ("1000.00", "0")})
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.prefill(claim, world.admin)
    head_contract.submit_to_client(claim, world.admin)
    return world, claim  # current amount due: 1,000.00 less 10% = 900.00


def test_a_client_decision_above_the_claim_is_refused_and_nothing_is_written(submitted):
    world, claim = submitted
    before = written(claim)
    with pytest.raises(Invalid) as refused:
        head_contract.record_client_decision(claim, ClaimStatus.APPROVED, world.admin,
                                             decided_on=project_today(world.project), approved_amount=D("900.01"))
    assert refused.value.problems == {"approved_amount": "The client cannot approve more than the claim's current "
                                                         "amount due ($900.00)."}
    assert written(claim) == before
    with pytest.raises(Invalid) as refused:
        head_contract.record_client_decision(claim, ClaimStatus.APPROVED_AS_NOTED, world.admin, decided_on=None,
                                             approved_amount=None)
    assert refused.value.problems == {"decided_on": "Enter the date of the client's decision.",
                                      "approved_amount": "Enter the amount the client approved.",
                                      "note": "Write the client's note: what the approval is subject to."}
    with pytest.raises(Invalid) as refused:
        head_contract.record_client_decision(claim, ClaimStatus.APPROVED, world.admin, approved_amount=D("1"),
                                             decided_on=date.today() + timedelta(days=2))
    assert refused.value.problems == {"decided_on": "The decision date cannot be in the future."}
    assert written(claim) == before


def test_approved_as_noted_for_less_records_the_date_amount_and_note(submitted):
    world, claim = submitted
    head_contract.record_client_decision(claim, ClaimStatus.APPROVED_AS_NOTED, world.admin,
                                         decided_on=project_today(world.project), approved_amount=D("850.00"),
                                         note="Less 50.00 for the open punch list")
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert (claim.status, claim.client_decision_date, claim.client_approved_amount, claim.client_decision_note) == (
        ClaimStatus.APPROVED_AS_NOTED, project_today(world.project), D("850.00"), "Less 50.00 for the open punch list")
    assert claim.current_amount_due == D("900.00")  # the claim's figures stay; the amount approved is beside
    words = [c.new for c in claims.history(claim) if c.field == "status"]
    assert words == ["Approved as Noted", "Submitted to client"]


def test_revise_and_resubmit_gives_the_claim_back_to_prefill_and_submit_again(submitted):
    world, claim = submitted
    head_contract.record_client_decision(claim, ClaimStatus.REVISE_AND_RESUBMIT, world.admin,
                                         decided_on=project_today(world.project), approved_amount=D("1.00"),
                                         note="Split the concrete line")
    assert claim.status is ClaimStatus.REVISE_AND_RESUBMIT and claim.client_approved_amount is None
    head_contract.prefill(claim, world.admin)
    head_contract.submit_to_client(claim, world.admin)
    assert claim_status_words(claim) == "Submitted to client"
    assert (claim.client_decision_date, claim.client_decision_note) == (None, None)  # waits for a new one
    assert [(c.new, c.comment) for c in claims.history(claim) if c.field == "status"] == [
        ("Submitted to client", ""), ("Revise and Resubmit", "Split the concrete line"), ("Submitted to client", "")]


def test_submitting_nothing_or_over_the_scheduled_value_is_refused(site):
    world, head, concrete, _ = site
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    before = written(claim)
    with pytest.raises(Invalid) as refused:
        head_contract.submit_to_client(claim, world.admin)
    assert refused.value.problems == {"claim": "Enter work completed or stored materials on at least one line "
                                               "before submitting."}
    assert written(claim) == before
    claim_in(world, concrete, world.period, {"03 30 00": ("50000.00", "0")})
    claim_in(world, subcontract(world, "SC-5", [("01 50 00", "30000.00")]), world.period,
             {"01 50 00": ("20000.01", "0")})
    report = head_contract.prefill(claim, world.admin)
    own = head.sov_lines[2]
    assert report.over_scheduled == [own.id]  # 20,000.01 on a 20,000.00 line: said, not hidden
    before = written(claim)
    with pytest.raises(Invalid) as refused:
        head_contract.submit_to_client(claim, world.admin)
    assert refused.value.problems == {f"line-{own.id}": "Line 01 50 00: completed and stored to date would be more "
                                                         "than the scheduled value (20,000.00)."}
    assert written(claim) == before


# --- position ---------------------------------------------------------------------------------------


def test_position_against_the_subcontractors_by_hand(world):
    head = make_head(world, [("03 30 00", "100000.00"), ("26 05 00", "100000.00")])
    concrete = subcontract(world, "SC-1", [("03 30 00", "50000.00")])
    electric = subcontract(world, "SC-2", [("26 05 00", "50000.00")], retention="5.00")
    pending = subcontract(world, "SC-3", [("26 05 00", "9000.00")])
    earlier = earlier_period(world)
    # Earlier period: SC-1 E 1,000 -> earned 900, retention 100; head E 1,200 -> earned 1,080, retention 120.
    claim_in(world, concrete, earlier, {"03 30 00": ("1000.00", "0")})
    claim_in(world, head, earlier, {"03 30 00": ("1200.00", "0")})
    # This period: SC-1 E 500 -> to date 1,500, retention 150, earned 1,350, due 450;
    # SC-2 (5%) E 2,000 -> retention 100, earned 1,900, due 1,900; SC-3 not approved: not counted.
    claim_in(world, concrete, world.period, {"03 30 00": ("500.00", "0")})
    claim_in(world, electric, world.period, {"26 05 00": ("2000.00", "0")})
    claim_in(world, pending, world.period, {"26 05 00": ("777.00", "0")}, ClaimStatus.UNDER_REVIEW)
    # Head, a draft: E 3,000 -> to date 4,200, retention 420, earned 3,780, less 1,080 previous: due 2,700.
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.save_lines(claim, [LineEntry(head.sov_lines[0].id, this_period="1000.00"),
                                     LineEntry(head.sov_lines[1].id, this_period="2000.00")], world.admin)
    now = head_contract.position(world.project, world.period)
    assert now.head_claim.id == claim.id
    assert (now.billed_this_period, now.owed_this_period, now.difference_this_period) == (
        D("2700.00"), D("2350.00"), D("350.00"))
    assert (now.billed_to_date, now.owed_to_date, now.difference_to_date) == (
        D("3780.00"), D("3250.00"), D("530.00"))
    assert (now.retention_held_by_client, now.retention_held_from_subcontractors, now.retention_difference) == (
        D("420.00"), D("250.00"), D("170.00"))
    then = head_contract.position(world.project, earlier)
    assert (then.billed_this_period, then.owed_this_period, then.billed_to_date, then.owed_to_date,
            then.retention_held_by_client, then.retention_held_from_subcontractors) == (
        D("1080.00"), D("900.00"), D("1080.00"), D("900.00"), D("120.00"), D("100.00"))


def test_position_without_a_head_contract_claim_this_period(world):
    head = make_head(world, [("03 30 00", "100000.00")])
    earlier = earlier_period(world)
    claim_in(world, head, earlier, {"03 30 00": ("1200.00", "0")})
    now = head_contract.position(world.project, world.period)
    assert now.head_claim is None
    # nothing billed this period; to date, the earlier approved claim
    assert (now.billed_this_period, now.billed_to_date, now.retention_held_by_client) == (
        D("0"), D("1080.00"), D("120.00"))


def test_its_pay_application_goes_from_the_contractor_to_the_client(submitted):
    world, claim = submitted
    application = pay_application.from_claim(claim)
    assert (application.to_label, application.to.name, application.from_label, application.vendor.name) == (
        "To (client)", "Riverside Health Partners", "From (contractor)", "Harbor & Pine Builders")
    assert (application.contract, application.status) == ("Head Contract HC-1", "Submitted to client")
    assert application.totals.current_amount_due == D("900.00")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pay_application.render_pdf(application)))
                    .pages)
    assert "To (client)" in text and "Riverside Health Partners" in text and "$900.00" in text
