"""Month-end (issue 13): opening a new period asks first while the current one has open work, a contract
has one open claim at a time, and an admin withdraws a claim so the next one can start."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import emails
from domain.board import load_board
from domain.emails import CLAIM_WITHDRAWN
from domain.models import (
    AccessLevel,
    AuditEvent,
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
    Invite,
    InviteStatus,
    OutboxMessage,
    PeriodStatus,
    User,
    db,
)
from domain.periods import period_name
from tests import factories
from tests.helpers import AuthActions, billings_url, count
from tests.web.portal_helpers import send_invites, state

HX = {"HX-Request": "true"}


@dataclass
class Month:
    world: factories.World
    contact: User
    commitment: Commitment  # SC-001, invited and accepted: its claim #1 is a Draft
    other: Commitment  # SC-002, invited, not answered
    claim: Claim

    def fresh(self) -> Claim:
        db.session.expire_all()
        return db.session.get(Claim, self.claim.id)

    @property
    def claim_url(self) -> str:
        return billings_url(self.world, "/claims", self.claim)


@pytest.fixture
def month(client, world, auth) -> Month:
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    brightline = factories.vendor("Brightline Electric", "dev@brightline.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    electric = factories.commitment(world.project, brightline, number="SC-002", title="Electrical")
    db.session.commit()
    invites = send_invites(client, world, concrete, electric)
    auth.sign_in(keystone.default_claim_contact.email)
    location = client.post(f"/portal/invites/{invites[concrete.id].id}/accept").headers["Location"]
    claim = db.session.get(Claim, int(location.rsplit("/", 1)[1]))
    auth.switch(world.admin.email)
    return Month(world, keystone.default_claim_contact, concrete, electric, claim)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _next_dates(world: factories.World) -> dict[str, str]:
    start = world.period.end_date + timedelta(days=1)
    return {"start_date": start.isoformat(), "end_date": (start + timedelta(days=29)).isoformat(),
            "due_date": (start + timedelta(days=24)).isoformat()}


def _periods() -> list[tuple[int, PeriodStatus]]:
    db.session.expire_all()
    return list(db.session.execute(select(BillingPeriod.number, BillingPeriod.status).order_by(BillingPeriod.number)))


def _open_next_period(client, world: factories.World) -> BillingPeriod:
    response = client.post(billings_url(world, "/periods"), data={**_next_dates(world), "confirm": "yes"})
    assert response.status_code == 303, _text(response)
    return db.session.scalar(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.OPEN))


def _all_written() -> tuple:
    return (*state(), _periods(), count(BillingPeriod))


# --- open a new period: the confirmation ---------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_opening_a_period_with_open_work_lists_it_and_writes_nothing_until_confirmed(client, month, headers):
    world = month.world
    before = _all_written()
    response = client.post(billings_url(world, "/periods"), data=_next_dates(world), headers=headers)
    assert response.status_code == 409
    html = _text(response)
    assert f"Period 1 ({period_name(world.period)}) still has open work" in html
    assert "1 progress claim Draft" in html
    assert f'href="{month.claim_url}">SC-001 #1</a>' in html
    assert "1 invite unanswered" in html
    assert "status=invited" in html and "status=claim_draft" in html
    assert 'name="confirm" value="yes"' in html
    assert ('<html' in html) is (headers == {})  # htmx gets the periods card alone
    assert 'id="billing-periods"' in html
    assert _all_written() == before
    assert _periods() == [(1, PeriodStatus.OPEN)]
    # the second step, with the dates the confirmation carries
    confirmed = client.post(billings_url(world, "/periods"), data={**_next_dates(world), "confirm": "yes"},
                            headers=headers)
    if headers:
        assert confirmed.status_code == 200 and confirmed.headers["HX-Redirect"] == billings_url(world)
    else:
        assert confirmed.status_code == 303
    assert _periods() == [(1, PeriodStatus.CLOSED), (2, PeriodStatus.OPEN)]
    assert "Billing period 2 is open" in _text(client.get(billings_url(world)))


def test_the_confirmation_counts_each_open_status(client, month):
    world = month.world
    month.claim.status = ClaimStatus.UNDER_REVIEW
    for number, status in [("SC-010", ClaimStatus.PENDING_OWNER_APPROVAL), ("SC-011", ClaimStatus.REVISE_AND_RESUBMIT),
                           ("SC-012", ClaimStatus.APPROVED), ("SC-013", ClaimStatus.WITHDRAWN)]:
        commitment = factories.commitment(world.project, factories.vendor(), number=number)
        db.session.add(Claim(commitment=commitment, billing_period=world.period, number=1, created_by=world.admin,
                             status=status))
    db.session.commit()
    page = _text(client.post(billings_url(world, "/periods"), data=_next_dates(world)))
    html = page.split('id="open-period-confirm"', 1)[1].split("</form>", 1)[0]
    assert "1 progress claim Under Review" in html
    assert "1 progress claim Pending Owner Approval" in html and "SC-010 #1" in html
    assert "1 progress claim Revise and Resubmit" in html and "SC-011 #1" in html
    assert "Draft" not in html and "invite unanswered" in html
    assert "SC-012" not in html and "SC-013" not in html  # decided or withdrawn: nothing left to do
    assert _periods() == [(1, PeriodStatus.OPEN)]


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_nothing_open_opens_the_period_at_once(client, world, auth, headers):
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/periods"), data=_next_dates(world), headers=headers)
    assert response.status_code == (200 if headers else 303)
    assert _periods() == [(1, PeriodStatus.CLOSED), (2, PeriodStatus.OPEN)]


def test_bad_dates_are_told_before_the_open_work(client, month):
    data = {**_next_dates(month.world), "due_date": "soon"}
    response = client.post(billings_url(month.world, "/periods"), data=data, headers=HX)
    assert response.status_code == 422
    assert "Enter a date like 2026-11-30." in _text(response)
    assert "still has open work" not in _text(response)
    assert _periods() == [(1, PeriodStatus.OPEN)]


def test_the_monthly_rule_opens_its_period_without_asking(app, month):
    from domain import periods

    world = month.world
    world.project.auto_periods = True
    db.session.commit()
    opened = periods.open_due_periods(world.period.start_date + timedelta(days=40))  # a day of next month
    assert [p.number for p in opened] == [2]


# --- one open claim per contract ---------------------------------------------------------------------


def _finish_first(month: Month) -> str:
    return f"Finish claim #1 for {period_name(month.world.period)} first: it is Draft."


def test_an_invited_row_says_which_claim_to_finish_where_its_claim_would_be(client, month):
    """An invite that went out before the earlier claim was open (it was sent back, say): the row cannot
    start a claim, and says why in the claim's cell rather than "None"."""
    world = month.world
    later = _open_next_period(client, world)
    db.session.add(Invite(commitment_id=month.commitment.id, billing_period_id=later.id,
                          sent_by_id=world.admin.id))
    db.session.commit()
    html = _text(client.get(billings_url(world, f"?period={later.id}")))
    row = re.search(rf'<tr id="row-{month.commitment.id}".*?</tr>', html, re.S).group(0)
    assert "Create on behalf" not in row
    assert f"Finish progress claim #1 for {period_name(world.period)} first" in row


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_the_board_refuses_a_second_claim_while_the_first_is_open(client, month, headers):
    world = month.world
    later = _open_next_period(client, world)
    row = load_board(world.project, world.admin, AccessLevel.ADMIN).row_for(month.commitment.id)
    assert not row.can_create_claim and not row.selectable
    html = _text(client.get(billings_url(world)))
    assert f"Finish progress claim #1 for {period_name(world.period)} first" in html
    before = _all_written()
    response = client.post(billings_url(world, f"/claims/new?commitment={month.commitment.id}&period={later.id}"),
                           data={"confirm": "yes"}, headers=headers)
    message = f"SC-001: {_finish_first(month)}"
    if headers:
        assert response.status_code == 409
        assert message in _text(response) and 'id="flash"' in _text(response)
    else:
        assert response.status_code == 303
        assert message in _text(client.get(response.headers["Location"]))
    assert _all_written() == before


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_the_portal_refuses_a_second_claim_while_the_first_is_open(client, auth, month, headers):
    world = month.world
    later = _open_next_period(client, world)
    # an invite of the new period (sent before the rule, say): accepting it cannot start the claim
    invite = Invite(commitment=month.commitment, billing_period=later, status=InviteStatus.INVITED,
                    sent_by=world.admin)
    db.session.add(invite)
    db.session.commit()
    auth.switch(month.contact.email)
    page = _text(client.get(f"/portal/invites/{invite.id}"))
    assert "is still Draft: finish it first" in page
    assert f'href="/portal/claims/{month.claim.id}">#1 for {period_name(world.period)}</a>' in page
    assert "Not started: finish #1" in _text(client.get("/portal"))
    before = _all_written()
    response = client.post(f"/portal/invites/{invite.id}/accept", headers=headers)
    assert response.status_code == 303
    assert _finish_first(month) in _text(client.get(response.headers["Location"]))
    assert _all_written() == before
    assert db.session.get(Invite, invite.id).status is InviteStatus.INVITED


def test_the_next_claim_starts_once_the_first_is_approved(client, month):
    world = month.world
    later = _open_next_period(client, world)
    month.claim.status = ClaimStatus.APPROVED
    db.session.commit()
    response = client.post(billings_url(world, f"/claims/new?commitment={month.commitment.id}&period={later.id}"),
                           data={"confirm": "yes"})
    assert response.status_code == 303 and "/claims/" in response.headers["Location"]
    assert count(Claim, Claim.billing_period_id == later.id) == 1


# --- withdraw -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_an_admin_withdraws_a_draft_and_the_next_claim_can_start(client, auth, month, headers):
    world = month.world
    page = _text(client.get(month.claim_url))
    assert "Withdraw this progress claim" in page
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": "Billed twice <by mistake>"},
                           headers=headers)
    if headers:
        assert response.status_code == 200 and response.headers["HX-Redirect"] == month.claim_url
    else:
        assert response.status_code == 303 and response.headers["Location"] == month.claim_url
    claim = month.fresh()
    assert claim.status is ClaimStatus.WITHDRAWN
    assert (claim.withdrawal_reason, claim.withdrawn_by_id) == ("Billed twice <by mistake>", world.admin.id)
    assert claim.withdrawn_at is not None
    events = [(e.action, e.old_value, e.new_value) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "claim", AuditEvent.entity_id == claim.id)
        .order_by(AuditEvent.id))]
    assert events[-2:] == [("status changed", "Draft", "Withdrawn"), ("withdrawn", "", "Billed twice <by mistake>")]
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == CLAIM_WITHDRAWN)).all()
    assert mail.to_address == "maria@keystone.example"
    rendered = emails.render(mail)
    assert rendered.subject == (f"Riverside Medical: progress claim #1 on SC-001 for {period_name(world.period)} "
                                "is withdrawn")
    assert "Billed twice <by mistake>" in rendered.text
    admin_page = _text(client.get(month.claim_url))
    assert "Withdrawn" in admin_page and "Billed twice &lt;by mistake&gt;" in admin_page
    assert "Withdraw this progress claim" not in admin_page
    # the contact sees it read-only, with the reason
    auth.switch(month.contact.email)
    portal = _text(client.get(f"/portal/claims/{claim.id}"))
    assert "Billed twice &lt;by mistake&gt;" in portal and "can no longer change" in portal
    assert "Save as draft" not in portal
    before = state()
    refused = client.post(f"/portal/claims/{claim.id}", data={"action": "save"})
    assert refused.status_code == 303 and state() == before
    # the next period's claim starts, and the withdrawn one counts for nothing
    auth.switch(world.admin.email)
    later = _open_next_period(client, world)
    created = client.post(billings_url(world, f"/claims/new?commitment={month.commitment.id}&period={later.id}"),
                          data={"confirm": "yes"})
    assert created.status_code == 303
    second = db.session.scalar(select(Claim).where(Claim.billing_period_id == later.id))
    assert second.number == 2 and second.current_amount_due == 0


def test_a_withdrawn_claim_counts_for_nothing_on_the_board(client, month):
    claim = month.claim
    claim.total_completed_and_stored = claim.current_amount_due = claim.work_completed_to_date = 5000
    claim.status = ClaimStatus.WITHDRAWN
    db.session.commit()
    board = load_board(month.world.project, month.world.admin, AccessLevel.ADMIN)
    row = board.row_for(month.commitment.id)
    assert row.amount_due == 0 and row.to_date == 0 and row.percent_complete == 0
    assert board.totals.due_submitted == 0 and board.totals.due_draft == 0 and board.totals.drafts == 0
    # what the accountant reads: the row's amount due and the totals row say nothing is owed or coming
    html = client.get(billings_url(month.world)).get_data(as_text=True)
    cells = re.search(rf'<tr id="row-{month.commitment.id}".*?</tr>', html, re.S).group(0)
    assert "$5,000.00" not in cells and "$0.00" in cells and ">Withdrawn<" in cells
    assert "$5,000.00" not in html.split('id="board-totals"', 1)[1]


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
@pytest.mark.parametrize(("reason", "message"), [
    ("", "Say why the claim is withdrawn: the contact reads it."),
    ("   ", "Say why the claim is withdrawn: the contact reads it."),
    ("x" * 1001, "Keep the reason to 1,000 characters or fewer."),
], ids=["empty", "blank", "too-long"])
def test_withdraw_without_a_good_reason_is_refused_by_the_field(client, month, headers, reason, message):
    before = _all_written()
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": reason}, headers=headers)
    assert response.status_code == 422
    html = _text(response)
    assert 'id="reason-feedback"' in html and message in html
    assert ('<html' in html) is (headers == {})
    assert _all_written() == before
    assert month.fresh().status is ClaimStatus.DRAFT


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
@pytest.mark.parametrize("status", [ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED, ClaimStatus.WITHDRAWN])
def test_only_a_draft_or_a_claim_sent_back_can_be_withdrawn(client, month, headers, status):
    month.claim.status = status
    db.session.commit()
    assert "Withdraw this progress claim" not in _text(client.get(month.claim_url))
    before = _all_written()
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": "Late"}, headers=headers)
    assert response.status_code == 409
    assert (f"A claim that is {status.value} cannot become Withdrawn. "
            "Only a Draft or a claim sent back can be withdrawn.") in _text(response)
    assert _all_written() == before


def test_a_claim_sent_back_can_be_withdrawn(client, month):
    month.claim.status = ClaimStatus.REVISE_AND_RESUBMIT
    db.session.commit()
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": "Contract ended"})
    assert response.status_code == 303
    assert month.fresh().status is ClaimStatus.WITHDRAWN


@pytest.mark.parametrize("who", ["standard", "readonly"])
def test_only_admins_withdraw(client, auth, month, who):
    auth.switch(getattr(month.world, who).email)
    assert "Withdraw this" not in _text(client.get(month.claim_url))
    before = _all_written()
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": "Mine"})
    assert response.status_code == 403
    assert _all_written() == before


def test_a_contact_cannot_withdraw(client, auth, month):
    auth.switch(month.contact.email)
    before = _all_written()
    response = client.post(f"{month.claim_url}/withdraw", data={"reason": "Mine"})
    assert response.status_code in (403, 404)
    assert _all_written() == before


def test_two_admins_starting_claims_of_one_contract_in_two_periods_at_once_make_one(app, world):
    commitment = factories.commitment(world.project, factories.vendor(), number="SC-050")
    second_admin = factories.user(world.company, "second-admin@pb.example", admin=True)
    world.period.status = PeriodStatus.CLOSED
    db.session.flush()
    later = factories.period(world.project, number=2, start=world.period.end_date + timedelta(days=1))
    db.session.commit()
    base = billings_url(world, f"/claims/new?commitment={commitment.id}&period=")
    urls = [base + str(p.id) for p in (world.period, later)]
    clients = []
    for n in range(4):
        client = app.test_client()
        AuthActions(client).sign_in((world.admin if n % 2 else second_admin).email)
        clients.append((client, urls[n % 2]))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def create(client, url: str) -> None:
        start.wait()
        statuses.append(client.post(url, data={"confirm": "yes"}).status_code)

    threads = [threading.Thread(target=create, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [303] * len(clients)  # the claim's page, or the board saying which one to finish
    assert count(Claim, Claim.commitment_id == commitment.id) == 1
