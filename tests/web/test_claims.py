"""Progress claims (SPEC §4-§7): the contact's form, the live preview, review, and claims made by an admin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import claims, emails
from domain.emails import CLAIM_APPROVED, CLAIM_RETURNED, CLAIM_SUBMITTED
from domain.models import (
    AccessLevel,
    AuditEvent,
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
    LineReview,
    OutboxMessage,
    PeriodStatus,
    Project,
    ProjectPermission,
    SovLine,
    User,
    db,
)
from templating import moment
from tests import factories
from tests.helpers import count
from tests.web.portal_helpers import SIGN, SIGNED, move_due_date_into_the_past, send_invites, state

HX = {"HX-Request": "true"}
D = Decimal


@dataclass
class Setup:
    world: factories.World
    contact: User
    project_admin: User  # Admin on the project, not a company admin
    commitment: Commitment  # lines of 100,000.00 and 50,000.00, 10% retention
    claim: Claim  # Draft, opened by the contact accepting the invite

    @property
    def sov(self) -> list[SovLine]:
        return self.commitment.sov_lines

    def fresh_claim(self) -> Claim:
        db.session.expire_all()
        return db.session.get(Claim, self.claim.id)

    @property
    def portal_url(self) -> str:
        return f"/portal/claims/{self.claim.id}"

    @property
    def admin_url(self) -> str:
        return f"/projects/{self.world.project.id}/billings/claims/{self.claim.id}"


@pytest.fixture
def setup(client, world, auth) -> Setup:
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    project_admin = factories.user(world.company, "pat@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=project_admin, level=AccessLevel.ADMIN))
    commitment = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    db.session.commit()
    invite = send_invites(client, world, commitment)[commitment.id]
    auth.sign_in(keystone.default_claim_contact.email)
    location = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    claim = db.session.get(Claim, int(location.rsplit("/", 1)[1]))
    return Setup(world, keystone.default_claim_contact, project_admin, commitment, claim)


def _entries(setup: Setup, first: dict[str, str] | None = None, second: dict[str, str] | None = None,
             action: str = "save") -> dict[str, str]:
    data = {"action": action, **(SIGN if action == "submit" else {})}
    for sov, fields in zip(setup.sov, (first or {}, second or {}), strict=True):
        data.update({f"line-{sov.id}-{name}": value for name, value in fields.items()})
    return data


def _text(response) -> str:
    return response.get_data(as_text=True)


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _status_events(claim: Claim) -> list[tuple[str, str]]:
    return [(e.old_value, e.new_value) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "claim", AuditEvent.entity_id == claim.id,
                                 AuditEvent.field == "status").order_by(AuditEvent.id))]


# --- 5. the claim form ----------------------------------------------------------------------------

BAD_PERCENT = "Enter a percentage from 0 to 100. Use at most two decimals."

BAD_LINES = [
    pytest.param({"this_period": "abc"}, "this_period", "Enter a number, like 1250.00.", id="not-a-number"),
    pytest.param({"this_period": "12.345"}, "this_period", "Use at most two decimals (cents).", id="three-decimals"),
    pytest.param({"this_period": "1e3"}, "this_period", "Enter a number, like 1250.00.", id="exponent"),
    pytest.param({"this_period": "-0.01"}, "this_period", "Work completed to date cannot go below zero.",
                 id="negative-to-date"),
    pytest.param({"this_period": "100000.01"}, "this_period", "more than the scheduled value ($100,000.00)"
                 .replace("$", ""), id="over-scheduled"),
    pytest.param({"this_period": "90000", "stored": "10000.01"}, "stored",
                 "Completed and stored to date would be more than the scheduled value", id="stored-pushes-over"),
    pytest.param({"this_period": "100", "percent": "10"}, "this_period",
                 "Type an amount or a % complete, not both: clear one of them.", id="amount-and-percent"),
    pytest.param({"percent": "100.5"}, "percent", BAD_PERCENT, id="percent-over-100"),
    pytest.param({"percent": "fifty"}, "percent", BAD_PERCENT, id="percent-letters"),
    pytest.param({"percent": "-5"}, "percent", BAD_PERCENT, id="percent-negative"),
    pytest.param({"percent": "33.333"}, "percent", BAD_PERCENT, id="percent-decimals"),
    pytest.param({"stored": "-1.00"}, "stored", "Stored materials cannot be negative.", id="stored-negative"),
    pytest.param({"stored": "12,34"}, "stored", "Enter a number, like 1250.00.", id="stored-bad-comma"),
]


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize(("typed", "field", "message"), BAD_LINES)
def test_a_bad_line_says_why_on_that_line_keeps_everything_typed_and_saves_nothing(client, setup, typed, field,
                                                                                  message, action):
    first, second = setup.sov
    good = {"this_period": "1234.56", "stored": "200.00"}
    before = state()
    response = client.post(setup.portal_url, data=_entries(setup, typed, good, action))
    html = _text(response)
    assert response.status_code == 422
    feedback = html.split(f'id="line-{first.id}-{field}-feedback"', 1)[1].split("</div>", 1)[0]
    assert message in feedback
    assert f'id="line-{second.id}-this_period-feedback"' not in html
    assert "Some lines need a correction" in html and "Nothing was saved yet." in html
    for name, value in typed.items():
        assert f'name="line-{first.id}-{name}" value="{value}"' in html
    assert f'name="line-{second.id}-this_period" value="1234.56"' in html
    assert f'name="line-{second.id}-stored" value="200.00"' in html
    assert state() == before
    assert setup.fresh_claim().status is ClaimStatus.DRAFT


def test_what_is_typed_comes_back_escaped(client, setup):
    evil = '"><script>alert(1)</script>'
    response = client.post(setup.portal_url, data=_entries(setup, {"this_period": evil}))
    html = _text(response)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_overbilling_is_allowed_when_the_project_allows_it(client, setup):
    setup.world.project.allow_overbilling = True
    db.session.commit()
    response = client.post(setup.portal_url, data=_entries(setup, {"this_period": "100000.01", "stored": "500"}))
    assert response.status_code == 303
    claim = setup.fresh_claim()
    line = claim.lines_by_sov[setup.sov[0].id]
    assert (line.work_completed_this_period, line.materials_presently_stored) == (D("100000.01"), D("500.00"))
    assert claim.total_completed_and_stored == D("100500.01")
    html = _text(client.get(setup.portal_url))
    assert "100.5%" in html and "-$500.01" in html  # % complete and a negative balance to finish


def test_a_credit_cannot_take_work_to_date_below_zero(client, setup):
    """With 10,000.00 approved last period on line 1, a credit of up to 10,000.00 is fine, not more."""
    world, first = setup.world, setup.sov[0]
    old = factories.period(world.project, number=0, start=world.period.start_date - timedelta(days=60),
                           status=PeriodStatus.CLOSED)
    # The history is built after the fact: this period's Draft steps aside while the earlier claim is made
    # (one open claim per contract), then is a Draft again.
    setup.claim.status = ClaimStatus.APPROVED
    db.session.commit()
    admin = db.session.get(User, world.admin.id)
    earlier = claims.start_claim(setup.commitment, old, admin)
    claims.save_entries(earlier, [claims.LineEntry(first.id, this_period="10000")], admin, submit=True,
                        signature=SIGNED)
    claims.review(earlier, [], ClaimStatus.APPROVED, admin)
    setup.fresh_claim().status = ClaimStatus.DRAFT
    db.session.commit()
    assert earlier.earned_less_retention == D("9000.00")
    before = state()
    bad = client.post(setup.portal_url, data=_entries(setup, {"this_period": "-10000.01"}))
    assert bad.status_code == 422
    assert "Work completed to date cannot go below zero." in _text(bad)
    assert state() == before
    ok = client.post(setup.portal_url, data=_entries(setup, {"this_period": "-2000"}))
    assert ok.status_code == 303
    claim = setup.fresh_claim()
    line = claim.lines_by_sov[first.id]
    assert (line.previous_work_completed, line.work_completed_this_period) == (D("10000.00"), D("-2000.00"))
    assert claim.total_completed_and_stored == D("8000.00")
    assert claim.retention_total == D("800.00")
    assert claim.earned_less_retention == D("7200.00")
    assert claim.current_amount_due == D("-1800.00")  # 7,200.00 less the 9,000.00 claimed before


def test_submitting_nothing_is_refused_with_a_message(client, setup):
    before = state()
    response = client.post(setup.portal_url, data=_entries(setup, {"this_period": "0"}, {"percent": ""},
                                                           action="submit"))
    html = _text(response)
    assert response.status_code == 422
    assert "Enter work completed or stored materials on at least one line before submitting." in html
    assert state() == before
    assert _mails(CLAIM_SUBMITTED) == []


def test_a_good_save_stores_the_hand_computed_figures(client, setup):
    first, second = setup.sov
    response = client.post(setup.portal_url, data=_entries(
        setup, {"this_period": "25,000.00", "stored": "$1,234.56"}, {"percent": "33.33"}))
    assert response.status_code == 303 and response.headers["Location"] == setup.portal_url
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.DRAFT
    l1, l2 = claim.lines_by_sov[first.id], claim.lines_by_sov[second.id]
    assert (l1.work_completed_this_period, l1.materials_presently_stored, l1.pct_complete_entered) == (
        D("25000.00"), D("1234.56"), None)
    assert (l2.work_completed_this_period, l2.materials_presently_stored, l2.pct_complete_entered) == (
        D("16665.00"), D("0.00"), D("33.33"))
    # G = 26,234.56 + 16,665.00; I = 2,500.00 + 123.46 (123.456 rounded half-up) + 1,666.50
    assert claim.total_completed_and_stored == D("42899.56")
    assert claim.work_completed_to_date == D("41665.00")
    assert claim.retention_total == D("4289.96")
    assert claim.earned_less_retention == D("38609.60")
    assert claim.current_amount_due == D("38609.60")
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "claim",
                                                          AuditEvent.action.like("line %"))).all()
    assert sorted((e.field, e.new_value) for e in changes) == [
        ("materials_presently_stored", "1234.56"), ("work_completed_this_period", "16665.00"),
        ("work_completed_this_period", "25000.00")]
    assert _mails(CLAIM_SUBMITTED) == []
    html = _text(client.get(setup.portal_url))
    assert "Draft saved." in html and "$38,609.60" in html
    # the % typed stays a %, the amount typed stays an amount
    assert f'name="line-{second.id}-percent" value="33.33"' in html
    assert f'name="line-{second.id}-this_period" value=""' in html
    assert f'name="line-{first.id}-this_period" value="25000.00"' in html
    # what the page shows can be submitted as it is
    shown = dict(re.findall(r'name="(line-\d+-\w+)" value="([^"]*)"', html))
    assert client.post(setup.portal_url, data={**shown, **SIGN, "action": "submit"}).status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW and claim.current_amount_due == D("38609.60")


def test_submit_sends_the_claim_for_review_and_tells_each_project_admin(client, setup):
    response = client.post(setup.portal_url, data=_entries(setup, {"this_period": "10000"}, action="submit"))
    assert response.status_code == 303
    page = _text(client.get(response.headers["Location"]))
    assert "Signed and submitted for review." in page
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW and claim.submitted_at is not None
    # the statement is signed: the name typed, when, by whom, and not on anyone's behalf
    assert (claim.signed_name, claim.signed_at, claim.signed_by_id, claim.signed_on_behalf) == (
        "Maria Lopez", claim.submitted_at, setup.contact.id, False)
    assert f"as “Maria Lopez” on {moment(claim.signed_at, setup.world.project.time_zone)}" in page
    assert claim.current_amount_due == D("9000.00")
    assert sorted(m.to_address for m in _mails(CLAIM_SUBMITTED)) == ["admin@pb.example", "pat@pb.example"]
    assert _status_events(claim) == [("Draft", "Under Review")]
    # a submitted claim can no longer be changed by the contact
    before = state()
    again = client.post(setup.portal_url, data=_entries(setup, {"this_period": "20000"}, action="submit"))
    assert again.status_code == 303
    assert "can no longer be changed" in _text(client.get(again.headers["Location"]))
    assert state() == before
    html = _text(client.get(setup.portal_url))
    assert f'name="line-{setup.sov[0].id}-this_period"' not in html and "Under Review" in html


def test_a_line_added_to_the_sov_after_the_claim_was_started_can_be_billed(client, setup):
    setup.commitment.sov_lines.append(SovLine(position=3, cost_code="03 00 00", description="Change order 1",
                                              original_value=D("20000.00"), from_change_order=True))
    db.session.commit()
    added = setup.sov[2]
    html = _text(client.get(setup.portal_url))
    assert "Change order 1" in html and f'name="line-{added.id}-this_period"' in html
    response = client.post(setup.portal_url, data={"action": "submit", **SIGN,
                                                   f"line-{setup.sov[0].id}-this_period": "100",
                                                   f"line-{added.id}-this_period": "500"})
    assert response.status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW
    assert claim.lines_by_sov[added.id].work_completed_this_period == D("500.00")
    assert claim.total_completed_and_stored == D("600.00") and claim.current_amount_due == D("540.00")


# --- 6. the live preview --------------------------------------------------------------------------


def test_the_preview_recalculates_totals_and_line_figures_and_writes_nothing(client, setup):
    first, second = setup.sov
    before = state()
    response = client.post(f"{setup.portal_url}/preview", headers=HX, data=_entries(
        setup, {"this_period": "25000", "stored": "1,234.56"}, {"percent": "33.33"}))
    html = _text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="claim-totals"') and "<html" not in html
    totals = html.split('id="claim-totals"', 1)[1].split("</dl>", 1)[0]
    assert 'data-g702="8"' in totals and "$38,609.60" in totals and "$42,899.56" in totals
    line1 = html.split(f'id="line-{first.id}-figures"', 1)[1].split(f'id="line-{first.id}-errors"', 1)[0]
    assert 'hx-swap-oob="true"' in line1 and "$26,234.56" in line1 and "26.2%" in line1
    line2 = html.split(f'id="line-{second.id}-figures"', 1)[1].split(f'id="line-{second.id}-errors"', 1)[0]
    assert "$16,665.00" in line2 and "33.3%" in line2 and "$1,666.50" in line2
    assert state() == before


def test_the_preview_shows_line_errors_out_of_band(client, setup):
    first, second = setup.sov
    before = state()
    response = client.post(f"{setup.portal_url}/preview", headers=HX, data=_entries(
        setup, {"this_period": "abc"}, {"this_period": "5000"}))
    html = _text(response)
    assert response.status_code == 200
    errors = html.split(f'id="line-{first.id}-errors"', 1)[1].split("</div>", 1)[0]
    assert 'hx-swap-oob="true"' in errors and "Enter a number, like 1250.00." in errors
    clean = html.split(f'id="line-{second.id}-errors"', 1)[1].split("</div>", 1)[0]
    assert "<span" not in clean  # a line without errors clears its old message
    # the good line still counts: 5,000.00 less 10%
    assert "$4,500.00" in html.split('id="claim-totals"', 1)[1].split("</dl>", 1)[0]
    assert state() == before


# --- 7. review ------------------------------------------------------------------------------------


def _submit(client, setup: Setup, first: str = "10000", second: str = "5000") -> None:
    response = client.post(setup.portal_url, data=_entries(setup, {"this_period": first}, {"this_period": second},
                                                           action="submit"))
    assert response.status_code == 303


def _review(setup: Setup, action: str, first: tuple[str, str] = ("", ""), second: tuple[str, str] = ("", "")):
    claim = setup.fresh_claim()
    data = {"action": action}
    for sov, (decision, comment) in zip(setup.sov, (first, second), strict=True):
        line = claim.lines_by_sov[sov.id]
        if decision:
            data[f"review-{line.id}"] = decision
        data[f"comment-{line.id}"] = comment
    return data


def test_a_rejected_line_needs_a_comment(client, setup, auth):
    _submit(client, setup)
    auth.switch(setup.world.admin.email)
    before = state()
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, "approve", ("APPROVED", "ok"),
                                                                      ("REJECTED", "  ")))
    html = _text(response)
    assert response.status_code == 422
    assert "Say why line 02 00 00 is rejected: the contact needs a comment." in html
    claim = setup.fresh_claim()
    second = claim.lines_by_sov[setup.sov[1].id]
    assert f'id="review-{second.id}-REJECTED" value="REJECTED" checked' in html  # the choice stays
    assert state() == before
    assert claim.status is ClaimStatus.UNDER_REVIEW


@pytest.mark.parametrize(("target", "second", "message"), [
    (ClaimStatus.APPROVED, (LineReview.REJECTED, " "),
     "Say why line 02 00 00 is rejected: the contact needs a comment."),
    (ClaimStatus.REVISE_AND_RESUBMIT, (LineReview.APPROVED, ""),
     "Reject at least one line, with a comment, to send the claim back."),
])
def test_review_refuses_in_the_service_and_leaves_the_session_as_it_was(client, setup, target, second, message):
    _submit(client, setup)
    before = state()
    claim = setup.fresh_claim()
    first_line, second_line = (claim.lines_by_sov[sov.id] for sov in setup.sov)
    decisions = [claims.LineDecision(first_line.id, LineReview.APPROVED, "fine"),
                 claims.LineDecision(second_line.id, *second)]
    with pytest.raises(claims.ClaimRefused, match=re.escape(message)):
        claims.review(claim, decisions, target, setup.world.admin)
    assert not db.session.dirty and not db.session.new  # the first line's decision was not half-applied
    db.session.commit()
    assert state() == before
    assert setup.fresh_claim().status is ClaimStatus.UNDER_REVIEW
    assert {line.review for line in setup.fresh_claim().lines} == {LineReview.PENDING}


def test_a_review_comment_over_1000_characters_is_refused(client, setup, auth):
    _submit(client, setup)
    auth.switch(setup.world.admin.email)
    before = state()
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, "send_back", ("REJECTED", "x" * 1001)))
    assert response.status_code == 422
    assert "A comment can be at most 1,000 characters." in _text(response)
    assert state() == before


def test_send_back_without_a_rejected_line_is_refused(client, setup, auth):
    _submit(client, setup)
    auth.switch(setup.world.admin.email)
    before = state()
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, "send_back", ("APPROVED", "")))
    assert response.status_code == 422
    assert "Reject at least one line, with a comment, to send the claim back." in _text(response)
    assert state() == before
    assert client.post(f"{setup.admin_url}/review", data={"action": "bogus"}).status_code == 400
    assert state() == before


def test_reject_resubmit_approve_and_the_next_period_builds_on_it(app, client, setup, auth):
    world = setup.world
    _submit(client, setup, "10000", "5000")
    auth.switch(world.admin.email)
    # reject line 2 with a comment: back to the contact
    response = client.post(f"{setup.admin_url}/review", data=_review(
        setup, "approve", ("APPROVED", ""), ("REJECTED", "Only 4,000.00 is in place <see photos>")))
    assert response.status_code == 303
    assert "is now Revise and Resubmit" in _text(client.get(response.headers["Location"]))
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.REVISE_AND_RESUBMIT
    l1, l2 = claim.lines_by_sov[setup.sov[0].id], claim.lines_by_sov[setup.sov[1].id]
    assert (l1.review, l2.review, l2.review_comment) == (
        LineReview.APPROVED, LineReview.REJECTED, "Only 4,000.00 is in place <see photos>")
    returned = _mails(CLAIM_RETURNED)
    assert [m.to_address for m in returned] == ["maria@keystone.example"]
    assert "Only 4,000.00 is in place <see photos>" in emails.render(returned[0]).text
    # the contact sees the comment, corrects the line and resubmits
    auth.switch(setup.contact.email)
    html = _text(client.get(setup.portal_url))
    assert "The reviewer sent 1 line back with comments." in html
    assert "Only 4,000.00 is in place &lt;see photos&gt;" in html
    assert "Revise and resubmit" in _text(client.get("/portal"))
    _submit(client, setup, "10000", "4000")
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW
    assert {line.review for line in claim.lines} == {LineReview.PENDING}
    assert len(_mails(CLAIM_SUBMITTED)) == 4  # two admins, twice
    # approve: every open line is approved
    auth.switch(world.admin.email)
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, "approve"))
    assert response.status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.APPROVED and claim.decided_by_id == world.admin.id
    assert {line.review for line in claim.lines} == {LineReview.APPROVED}
    assert claim.earned_less_retention == D("12600.00")
    assert [m.to_address for m in _mails(CLAIM_APPROVED)] == ["maria@keystone.example"]
    assert _status_events(claim) == [("Draft", "Under Review"), ("Under Review", "Revise and Resubmit"),
                                     ("Revise and Resubmit", "Under Review"), ("Under Review", "Approved")]
    history = _text(client.get(setup.admin_url))
    assert "Change history (" in history and "Revise and Resubmit" in history and "Avery Admin" in history
    # a later period: the approved amounts are the previous work (D) and line 7
    start = world.period.end_date + timedelta(days=1)
    opened = client.post(f"/projects/{world.project.id}/billings/periods", data={
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=29)).isoformat(),
        "due_date": (start + timedelta(days=24)).isoformat()})
    assert opened.status_code == 303
    later = db.session.scalar(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.OPEN))
    created = client.post(f"/projects/{world.project.id}/billings/claims/new"
                          f"?commitment={setup.commitment.id}&period={later.id}", data={"confirm": "yes"})
    assert created.status_code == 303
    second_claim = db.session.scalar(select(Claim).where(Claim.billing_period_id == later.id))
    assert second_claim.number == 2
    assert [line.previous_work_completed for line in second_claim.lines] == [D("10000.00"), D("4000.00")]
    page = _text(client.get(created.headers["Location"]))
    assert "$10,000.00" in page and "$4,000.00" in page
    line7 = page.split('data-g702="7"', 1)[1].split("</div>", 1)[0]
    assert "$12,600.00" in line7


def test_pending_owner_approval_then_approved_as_noted(client, setup, auth):
    _submit(client, setup)
    auth.switch(setup.world.admin.email)
    assert client.post(f"{setup.admin_url}/review", data=_review(setup, "pending_owner")).status_code == 303
    assert setup.fresh_claim().status is ClaimStatus.PENDING_OWNER_APPROVAL
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, "approve_as_noted",
                                                                      ("APPROVED", "Noted: retention held")))
    assert response.status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.APPROVED_AS_NOTED
    assert claim.lines_by_sov[setup.sov[0].id].review_comment == "Noted: retention held"


@pytest.mark.parametrize(("prepare", "action", "message"), [
    ("draft", "approve", "A claim that is Draft cannot become Approved."),
    ("draft", "pending_owner", "A claim that is Draft cannot become Pending Owner Approval."),
    ("approved", "approve", "A claim that is Approved cannot become Approved."),
    ("approved", "approve_as_noted", "A claim that is Approved cannot become Approved as Noted."),
    ("approved", "send_back", "A claim that is Approved cannot become Revise and Resubmit."),
    ("returned", "approve_as_noted", "A claim that is Revise and Resubmit cannot become Approved as Noted."),
])
def test_illegal_transitions_are_refused_and_change_nothing(client, setup, prepare, action, message, auth):
    if prepare != "draft":
        _submit(client, setup)
        auth.switch(setup.world.admin.email)
        review = (_review(setup, "approve") if prepare == "approved"
                  else _review(setup, "send_back", ("REJECTED", "Redo")))
        assert client.post(f"{setup.admin_url}/review", data=review).status_code == 303
    else:
        auth.switch(setup.world.admin.email)
    before = state()
    decision = ("REJECTED", "Not this") if action == "send_back" else ("APPROVED", "Fine")
    response = client.post(f"{setup.admin_url}/review", data=_review(setup, action, decision))
    assert response.status_code == 422
    assert message in _text(response)
    assert state() == before


@pytest.mark.parametrize(("who", "read"), [("standard", 200), ("readonly", 200), ("nobody", 404)])
def test_who_may_review_and_create(client, setup, who, read, auth):
    _submit(client, setup)
    other = factories.commitment(setup.world.project, setup.contact.company, number="SC-002", title="Masonry")
    db.session.commit()
    auth.switch(getattr(setup.world, who).email)
    write = 403 if read == 200 else 404
    before = state()
    claims_before = count(Claim)
    assert client.get(setup.admin_url).status_code == read
    html = _text(client.get(setup.admin_url))
    assert 'value="approve"' not in html and 'name="review-' not in html
    assert client.post(f"{setup.admin_url}/review", data=_review(setup, "approve")).status_code == write
    assert client.post(setup.admin_url, data=_entries(setup, {"this_period": "1"})).status_code == write
    created = client.post(f"/projects/{setup.world.project.id}/billings/claims/new"
                          f"?commitment={other.id}&period={setup.world.period.id}", data={"confirm": "yes"})
    assert created.status_code == write
    assert state() == before and count(Claim) == claims_before


# --- 8. a claim made by an admin ------------------------------------------------------------------


def test_an_admin_creates_a_claim_for_the_contact_even_after_the_due_date(client, setup, auth):
    world = setup.world
    other = factories.commitment(world.project, setup.contact.company, number="SC-002", title="Masonry")
    db.session.commit()
    move_due_date_into_the_past(world)
    auth.switch(world.admin.email)
    outbox_before = count(OutboxMessage)
    url = f"/projects/{world.project.id}/billings/claims/new?commitment={other.id}&period={world.period.id}"
    response = client.post(url, data={"confirm": "yes"})
    assert response.status_code == 303
    claim = db.session.scalar(select(Claim).where(Claim.commitment_id == other.id))
    assert response.headers["Location"] == f"/projects/{world.project.id}/billings/claims/{claim.id}"
    assert "is open as a draft" in _text(client.get(response.headers["Location"]))
    assert claim.status is ClaimStatus.DRAFT and claim.created_by_id == world.admin.id and claim.number == 1
    assert len(claim.lines) == len(other.sov_lines)
    assert count(OutboxMessage) == outbox_before
    # the admin fills it in on the contact's behalf: still nobody is e-mailed about a draft
    first = other.sov_lines[0]
    saved = client.post(response.headers["Location"], data={f"line-{first.id}-this_period": "2500", "action": "save"})
    assert saved.status_code == 303
    assert db.session.get(Claim, claim.id).current_amount_due == D("2250.00")
    assert count(OutboxMessage) == outbox_before
    # creating it again opens the same claim
    assert client.post(url, data={"confirm": "yes"}).headers["Location"] == response.headers["Location"]
    assert count(Claim, Claim.commitment_id == other.id) == 1
    # the contact finds it in the portal although no invite was sent for it
    auth.switch(setup.contact.email)
    home = _text(client.get("/portal"))
    item = home.split('<span class="font-monospace small">SC-002</span>', 1)[1].split('class="list-group-item"', 1)[0]
    assert "Finish draft" in item and f'href="/portal/claims/{claim.id}"' in item
    assert client.get(f"/portal/claims/{claim.id}").status_code == 200


def test_creating_a_claim_for_unknown_or_foreign_ids_is_404(client, setup, auth):
    world = setup.world
    elsewhere = Project(number="P-2", name="Elsewhere")
    db.session.add(elsewhere)
    foreign_period = factories.period(elsewhere)
    foreign_commitment = factories.commitment(elsewhere, setup.contact.company, number="SC-001")
    db.session.commit()
    auth.switch(world.admin.email)
    before = count(Claim)
    base = f"/projects/{world.project.id}/billings/claims/new"
    for query in (f"?commitment=999999&period={world.period.id}", f"?commitment={setup.commitment.id}&period=999999",
                  f"?commitment={foreign_commitment.id}&period={world.period.id}",
                  f"?commitment={setup.commitment.id}&period={foreign_period.id}", "", "?commitment=abc&period=1"):
        assert client.post(base + query).status_code == 404, query
    assert client.get(f"/projects/{world.project.id}/billings/claims/999999").status_code == 404
    assert count(Claim) == before


def test_every_claim_status_has_one_badge_colour():
    from templating import CLAIM_BADGE

    assert set(CLAIM_BADGE) == {status.name.lower() for status in ClaimStatus}


# --- 9. the guiding form: the amount a % gives, totals of the lines, lines sent back -------------------


def test_the_preview_shows_the_amount_a_percent_gives_and_the_totals_of_the_lines(client, setup):
    first, second = setup.sov
    before = state()
    response = client.post(f"{setup.portal_url}/preview", headers=HX, data=_entries(
        setup, {"this_period": "25000", "stored": "1,234.56"}, {"percent": "33.33"}))
    html = _text(response)
    assert response.status_code == 200
    from_percent = html.split(f'id="line-{second.id}-from-percent"', 1)[1].split("</div>", 1)[0]
    assert 'hx-swap-oob="true"' in from_percent and "= <span" in from_percent and "$16,665.00" in from_percent
    typed_amount = html.split(f'id="line-{first.id}-from-percent"', 1)[1].split("</div>", 1)[0]
    assert "$" not in typed_amount  # an amount typed as an amount needs no sum worked out
    totals = html.split('id="claim-line-totals"', 1)[1]
    assert 'hx-swap-oob="true"' in totals.split(">", 1)[0]
    shown = dict(re.findall(r'data-line-total="([\w-]+)">([^<]+)<', totals))
    assert shown == {"scheduled": "$150,000.00", "this-period": "$41,665.00", "stored": "$1,234.56",
                     "to-date": "$42,899.56", "balance": "$107,100.44", "retention": "$4,289.96"}
    assert state() == before
    # a % that is not one gives no amount, and says why on its line
    bad = _text(client.post(f"{setup.portal_url}/preview", headers=HX, data=_entries(setup, {}, {"percent": "120"})))
    assert "$" not in bad.split(f'id="line-{second.id}-from-percent"', 1)[1].split("</div>", 1)[0]
    assert BAD_PERCENT in bad.split(f'id="line-{second.id}-errors"', 1)[1].split("</div>", 1)[0]
    assert state() == before


def _card(html: str, sov: SovLine) -> str:
    """One line's card, from its own attributes to the start of the next card."""
    return html.split(f'id="line-{sov.id}" data-line-card', 1)[1].split('<div class="card mb-2', 1)[0]


def test_a_saved_percent_shows_its_amount_and_the_card_reads_in_filling_order(client, setup):
    second = setup.sov[1]
    assert client.post(setup.portal_url, data=_entries(setup, {}, {"percent": "50"})).status_code == 303
    html = _text(client.get(setup.portal_url))
    card = _card(html, second)
    order = [card.index(f'name="line-{second.id}-{name}"') for name in ("this_period", "percent", "stored")]
    assert order == sorted(order) and card.index("-stored") < card.index(f'id="line-{second.id}-figures"')
    assert "$25,000.00</span> this period" in html.split(f'id="line-{second.id}-from-percent"', 1)[1]
    assert 'data-line-total="this-period">$25,000.00<' in html


# --- 10. submitting is a signed statement ---------------------------------------------------------------

UNSIGNED = "Tick the box to confirm the statement: a claim is submitted only as a signed statement."
NO_NAME = "Type your full name: it is your signature on the statement."


def test_the_claim_page_shows_the_statement_to_sign(client, setup):
    html = _text(client.get(setup.portal_url))
    statement = html.split('id="claim-sign"', 1)[1].split("</section>", 1)[0]
    assert "are done, delivered and stored as claimed" in statement
    assert "paid on to Keystone Concrete Co.'s own subcontractors and suppliers" in statement
    assert "is owed to Keystone Concrete Co." in statement
    assert 'type="checkbox" id="certify" name="certify"' in statement
    assert 'id="signed_name" name="signed_name"' in statement
    assert "on behalf of" not in statement
    # Enter in a field saves the draft: Save comes before Sign and submit in the form
    assert html.index('value="save"') < html.index('value="submit"')


@pytest.mark.parametrize(("signature", "problems"), [
    pytest.param({}, {"certify": UNSIGNED, "signed_name": NO_NAME}, id="nothing"),
    pytest.param({"signed_name": "Maria Lopez"}, {"certify": UNSIGNED}, id="unticked"),
    pytest.param({"certify": "y"}, {"signed_name": NO_NAME}, id="no-name"),
    pytest.param({"certify": "y", "signed_name": "   "}, {"signed_name": NO_NAME}, id="blank-name"),
    pytest.param({"certify": "y", "signed_name": "M" * 201},
                 {"signed_name": "Type your name in at most 200 characters."}, id="name-too-long"),
    pytest.param({"certify": "y", "signed_name": "Maria\x00 Lopez"},
                 {"signed_name": "This had invisible control characters"}, id="control-characters"),
])
@pytest.mark.parametrize("where", ["portal", "admin"])
def test_submit_without_a_signed_statement_says_why_next_to_the_field_and_writes_nothing(client, setup, auth,
                                                                                         signature, problems, where):
    if where == "admin":
        auth.switch(setup.world.admin.email)
    url = setup.portal_url if where == "portal" else setup.admin_url
    before = state()
    data = {**_entries(setup, {"this_period": "10000"}, action="save"), "action": "submit", **signature}
    response = client.post(url, data=data)
    html = _text(response)
    assert response.status_code == 422
    assert "Sign the statement to submit: see the messages below. Nothing was saved yet." in html
    for name, message in problems.items():
        assert f'id="{name}-feedback">{message}' in html
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', html)
    for name in {"certify", "signed_name"} - set(problems):
        assert f'id="{name}-feedback"' not in html
    assert f'name="line-{setup.sov[0].id}-this_period" value="10000"' in html  # what was typed stays
    assert state() == before
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.DRAFT and claim.signed_name is None and claim.signed_at is None
    assert _mails(CLAIM_SUBMITTED) == []


def test_a_bad_line_and_a_missing_signature_are_both_told(client, setup):
    before = state()
    response = client.post(setup.portal_url, data={**_entries(setup, {"this_period": "abc"}, action="save"),
                                                   "action": "submit"})
    html = _text(response)
    assert response.status_code == 422
    assert "Enter a number, like 1250.00." in html and UNSIGNED in html and NO_NAME in html
    assert state() == before


def test_the_service_refuses_an_unsigned_submission(client, setup):
    before = state()
    claim = setup.fresh_claim()
    contact = db.session.get(User, setup.contact.id)
    entered = claims.save_entries(claim, [claims.LineEntry(setup.sov[0].id, this_period="100")], contact, submit=True)
    assert entered.signature_errors == {"certify": UNSIGNED, "signed_name": NO_NAME} and not entered.ok
    assert state() == before and setup.fresh_claim().status is ClaimStatus.DRAFT


def _signature_events(claim: Claim) -> list[tuple[str, str, str]]:
    return [(e.action, e.new_value, e.actor_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "claim", AuditEvent.entity_id == claim.id,
                                 AuditEvent.field == "signature").order_by(AuditEvent.id))]


def test_the_review_page_and_the_history_show_who_signed_and_when_and_each_resubmission_signs_again(
        client, setup, auth):
    _submit(client, setup)
    claim = setup.fresh_claim()
    first_signed = claim.signed_at
    assert _signature_events(claim) == [("signed the statement and submitted", "signed as “Maria Lopez”",
                                         setup.contact.id)]
    auth.switch(setup.world.admin.email)
    html = _text(client.get(setup.admin_url))
    shown = moment(first_signed, setup.world.project.time_zone)
    assert f"Signed by <strong>Maria</strong> as “Maria Lopez” on {shown}." in html
    assert "signed the statement and submitted" in html and "signed as “Maria Lopez”" in html  # the history
    assert client.post(f"{setup.admin_url}/review", data=_review(
        setup, "send_back", ("APPROVED", ""), ("REJECTED", "Half of it"))).status_code == 303
    auth.switch(setup.contact.email)
    # resubmitting needs a new signature
    unsigned = client.post(setup.portal_url, data={**_entries(setup, {"this_period": "10000"},
                                                              {"this_period": "2500"}), "action": "submit"})
    assert unsigned.status_code == 422 and UNSIGNED in _text(unsigned)
    assert setup.fresh_claim().status is ClaimStatus.REVISE_AND_RESUBMIT
    response = client.post(setup.portal_url, data={**_entries(setup, {"this_period": "10000"}, {"this_period": "2500"}),
                                                   "action": "submit", "certify": "y", "signed_name": "M. Lopez"})
    assert response.status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW and claim.signed_name == "M. Lopez"
    assert claim.signed_at == claim.submitted_at and claim.signed_at >= first_signed
    assert [new for _, new, _ in _signature_events(claim)] == ["signed as “Maria Lopez”", "signed as “M. Lopez”"]


def test_an_admin_submitting_signs_on_the_vendors_behalf(client, setup, auth):
    auth.switch(setup.world.admin.email)
    html = _text(client.get(setup.admin_url))
    assert "You sign on behalf of <strong>Keystone Concrete Co.</strong>" in html
    response = client.post(setup.admin_url, data={**_entries(setup, {"this_period": "10000"}, action="save"),
                                                  "action": "submit", "certify": "y", "signed_name": "Avery Admin"})
    assert response.status_code == 303
    page = _text(client.get(response.headers["Location"]))
    assert "Signed and submitted for review on behalf of Keystone Concrete Co." in page
    assert ("Submitted by <strong>Avery Admin</strong> on behalf of Keystone Concrete Co., signed “Avery Admin” on"
            in page)
    claim = setup.fresh_claim()
    assert (claim.signed_name, claim.signed_by_id, claim.signed_on_behalf) == (
        "Avery Admin", setup.world.admin.id, True)
    assert _signature_events(claim) == [(
        "signed and submitted on the vendor's behalf",
        "submitted by Avery Admin on behalf of Keystone Concrete Co., signed as “Avery Admin”", setup.world.admin.id)]
    # the contact sees it too
    auth.switch(setup.contact.email)
    assert "Submitted by <strong>Avery Admin</strong> on behalf of Keystone Concrete Co." in _text(
        client.get(setup.portal_url))


# --- 11. lines sent back: the rejected marked, the approved kept --------------------------------------


def _send_back_second_line(client, setup: Setup, auth) -> None:
    _submit(client, setup, "10000", "5000")
    auth.switch(setup.world.admin.email)
    assert client.post(f"{setup.admin_url}/review", data=_review(
        setup, "send_back", ("APPROVED", "Fine"), ("REJECTED", "Only 4,000.00 is in place <see photos>"))
    ).status_code == 303
    auth.switch(setup.contact.email)


def test_a_returned_claim_marks_the_rejected_lines_and_keeps_the_approved_ones_read_only(client, setup, auth):
    _send_back_second_line(client, setup, auth)
    first, second = setup.sov
    html = _text(client.get(setup.portal_url))
    banner = html.split("data-returned>", 1)[1].split("</div>", 1)[0]
    assert "The reviewer sent 1 line back with comments." in banner
    assert f'<a href="#line-{second.id}">02 00 00' in banner
    assert "Only 4,000.00 is in place &lt;see photos&gt;" in banner
    rejected = _card(html, second)
    assert 'data-line-review="rejected"' in rejected and "border-danger" in rejected
    # the comment comes first in the card, before the inputs
    assert rejected.index("Rejected by the reviewer") < rejected.index(f'name="line-{second.id}-this_period"')
    approved = _card(html, first)
    assert 'data-line-review="approved"' in approved and "stays as it is in this revision" in approved
    assert f'type="hidden" name="line-{first.id}-this_period" value="10000.00"' in approved
    assert 'class="form-control' not in approved  # nothing to type on an approved line


@pytest.mark.parametrize(("where", "typed"), [
    ("portal", {"this_period": "9000"}),
    ("portal", {"this_period": "", "stored": "100"}),
    ("portal", {"this_period": "", "percent": "20"}),
    ("admin", {"this_period": "12000"}),
])
def test_changing_an_approved_line_of_a_returned_claim_is_refused_and_writes_nothing(client, setup, auth, where,
                                                                                    typed):
    _send_back_second_line(client, setup, auth)
    if where == "admin":
        auth.switch(setup.world.admin.email)
    first = setup.sov[0]
    before = state()
    data = _entries(setup, {"this_period": "10000", **typed}, {"this_period": "4000"}, action="submit")
    response = client.post(setup.portal_url if where == "portal" else setup.admin_url, data=data)
    html = _text(response)
    assert response.status_code == 422
    errors = html.split(f'id="line-{first.id}-errors"', 1)[1].split("</div>", 1)[0]
    assert claims.APPROVED_LINE_LOCKED in errors
    assert state() == before
    assert setup.fresh_claim().status is ClaimStatus.REVISE_AND_RESUBMIT
    # the preview says so too, on that line
    preview = _text(client.post(f"{setup.portal_url if where == 'portal' else setup.admin_url}/preview",
                                headers=HX, data=data))
    assert claims.APPROVED_LINE_LOCKED in preview.split(f'id="line-{first.id}-errors"', 1)[1].split("</div>", 1)[0]
    assert state() == before


def test_the_page_as_shown_resubmits_with_the_approved_line_unchanged(client, setup, auth):
    _send_back_second_line(client, setup, auth)
    first, second = setup.sov
    html = _text(client.get(setup.portal_url))
    shown = dict(re.findall(r'name="(line-\d+-\w+)" value="([^"]*)"', html))
    shown[f"line-{second.id}-this_period"] = "4000"
    response = client.post(setup.portal_url, data={**shown, **SIGN, "action": "submit"})
    assert response.status_code == 303
    claim = setup.fresh_claim()
    assert claim.status is ClaimStatus.UNDER_REVIEW
    assert [claim.lines_by_sov[s.id].work_completed_this_period for s in (first, second)] == [D("10000.00"),
                                                                                              D("4000.00")]
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "line 01 00 00 changed")).all()
    assert [e.new_value for e in changed] == ["10000.00"]  # only the first save: the approved line never changed
