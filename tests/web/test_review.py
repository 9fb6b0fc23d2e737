"""The admin's review of a claim (issue 13): the lines table and its totals, a comment per decision, the note
that Approve as Noted needs, the history of decisions, and times in the project's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import pytest
from sqlalchemy import select

from domain import claims, clock, emails
from domain.emails import CLAIM_APPROVED
from domain.models import AuditEvent, Claim, ClaimStatus, Commitment, Invite, LineReview, OutboxMessage, User, db
from domain.money import format_money
from tests import factories
from tests.helpers import count
from tests.web.portal_helpers import SIGN, send_invites, state

HX = {"HX-Request": "true"}
NOTE_NEEDED = "Write a note to approve as noted: what the approval is subject to."


@dataclass
class Review:
    world: factories.World
    contact: User
    commitment: Commitment  # lines of 100,000.00 and 50,000.00, 10% retention
    claim_id: int

    def claim(self) -> Claim:
        db.session.expire_all()
        return db.session.get(Claim, self.claim_id)

    @property
    def url(self) -> str:
        return f"/projects/{self.world.project.id}/billings/claims/{self.claim_id}"

    def line_ids(self) -> list[int]:
        claim = self.claim()
        return [claim.lines_by_sov[s.id].id for s in self.commitment.sov_lines]


@pytest.fixture
def review(client, world, auth) -> Review:
    """A claim the contact submitted (10,000.00 and 5,000.00 of work); the client is signed in as the admin."""
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    db.session.commit()
    invite = send_invites(client, world, commitment)[commitment.id]
    auth.sign_in(keystone.default_claim_contact.email)
    location = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    found = Review(world, keystone.default_claim_contact, commitment, int(location.rsplit("/", 1)[1]))
    _submit(client, found, "10000", "5000", stored="1250.50")
    auth.switch(world.admin.email)
    return found


def _submit(client, review: Review, first: str, second: str, stored: str = "") -> None:
    first_sov, second_sov = review.commitment.sov_lines
    response = client.post(f"/portal/claims/{review.claim_id}", data={
        "action": "submit", **SIGN, f"line-{first_sov.id}-this_period": first,
        f"line-{first_sov.id}-stored": stored, f"line-{second_sov.id}-this_period": second})
    assert response.status_code == 303, response.get_data(as_text=True)


def _decide(review: Review, action: str, *decisions: tuple[str, str], note: str = "") -> dict[str, str]:
    data = {"action": action, "note": note}
    for line_id, (decision, comment) in zip(review.line_ids(), decisions, strict=False):
        if decision:
            data[f"review-{line_id}"] = decision
        data[f"comment-{line_id}"] = comment
    return data


def _html(response) -> str:
    return response.get_data(as_text=True)


def _comment_box(html: str, line_id: int) -> str:
    return re.search(rf'<input[^>]*name="comment-{line_id}"[^>]*>', html).group(0)


# --- the lines table -------------------------------------------------------------------------------


def test_the_totals_row_sums_every_money_column_and_equals_the_g702_lines(client, review):
    html = _html(client.get(review.url))
    footer = html.split("data-line-totals", 1)[1].split("</tr>", 1)[0]
    shown = {name: unescape(value) for name, value in re.findall(r'data-total="([\w-]+)">([^<]+)<', footer)}
    g702 = {n: unescape(v) for n, v in re.findall(r'data-g702="(\d)">.*?<dd class="money mb-0">([^<]+)<', html, re.S)}
    lines, totals = claims.figures(review.claim())
    usd = "USD"
    assert shown == {
        "scheduled": "$150,000.00", "previous": "$0.00", "this-period": "$15,000.00", "stored": "$1,250.50",
        "to-date": "$16,250.50", "percent": "10.8%", "balance": "$133,749.50", "retention": "$1,625.05"}
    # the same figures as the summary (G702 lines 3, 4 and 5) and as the sums of the shown lines
    assert (shown["scheduled"], shown["to-date"], shown["retention"]) == (g702["3"], g702["4"], g702["5"])
    for name, column in [("previous", "previous"), ("this-period", "this_period"), ("stored", "stored"),
                         ("balance", "balance_to_finish"), ("retention", "retention")]:
        assert shown[name] == format_money(sum(getattr(f, column) for f in lines), usd)
    assert shown["this-period"] == format_money(totals.this_period, usd)
    # every line shows its review controls beside its figures, in the same group of rows
    for line_id, sov in zip(review.line_ids(), review.commitment.sov_lines, strict=True):
        group = html.split(f'data-line="{sov.cost_code}"', 1)[1].split("</tbody>", 1)[0]
        assert f'name="review-{line_id}"' in group and f'name="comment-{line_id}"' in group


# --- a comment belongs to its decision -------------------------------------------------------------


def test_the_comment_box_starts_empty_after_a_rejection_and_a_resubmission(client, review, auth):
    first_id, second_id = review.line_ids()
    sent_back = client.post(f"{review.url}/review", data=_decide(
        review, "send_back", ("APPROVED", ""), ("REJECTED", "Only half of it is in place")))
    assert sent_back.status_code == 303
    auth.switch(review.contact.email)
    _submit(client, review, "10000", "2500", stored="1250.50")
    auth.switch(review.world.admin.email)
    html = _html(client.get(review.url))
    assert 'value=""' in _comment_box(html, second_id) and 'value=""' in _comment_box(html, first_id)
    assert "Only half of it is in place" not in html.split('id="claim-review"', 1)[1].split("</form>", 1)[0]
    # approving as shown records no comment with the approval
    assert client.post(f"{review.url}/review", data=_decide(review, "approve", ("", ""), ("", ""))).status_code == 303
    claim = review.claim()
    assert claim.status is ClaimStatus.APPROVED
    assert [(line.review, line.review_comment) for line in claim.lines] == [(LineReview.APPROVED, "")] * 2
    approvals = db.session.scalars(select(AuditEvent.new_value).where(
        AuditEvent.field == "review", AuditEvent.new_value.like("Approved%")).order_by(AuditEvent.id)).all()
    assert approvals[-2:] == ["Approved", "Approved"]


def test_a_decision_sent_again_without_a_comment_keeps_its_own_comment(client, review):
    client.post(f"{review.url}/review", data=_decide(review, "pending_owner", ("APPROVED", "Checked on site")))
    before = count(AuditEvent, AuditEvent.field == "review")
    html = _html(client.get(review.url))
    first_id = review.line_ids()[0]
    assert 'value=""' in _comment_box(html, first_id) and "Now Approved: “Checked on site”" in html
    assert client.post(f"{review.url}/review", data=_decide(review, "approve", ("APPROVED", ""))).status_code == 303
    claim = review.claim()
    assert claim.lines[0].review_comment == "Checked on site"
    assert count(AuditEvent, AuditEvent.field == "review") == before + 1  # only the open line, approved now


# --- Approve as Noted needs a note ----------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_approve_as_noted_without_a_note_is_refused_by_the_note_and_writes_nothing(client, review, htmx):
    before, events = state(), count(AuditEvent)
    response = client.post(f"{review.url}/review", headers=HX if htmx else {},
                           data=_decide(review, "approve_as_noted", ("APPROVED", " "), ("APPROVED", ""), note="  "))
    html = _html(response)
    assert response.status_code == 422
    assert f'<div class="invalid-feedback" id="review-note-feedback">{NOTE_NEEDED}</div>' in html
    assert 'id="review-note"' in html and 'aria-invalid="true"' in html.split('id="review-note"', 1)[1][:400]
    if htmx:  # the review form in place, and the banner
        assert html.lstrip().startswith("<form") and 'id="claim-review"' in html and "<html" not in html
        assert 'id="flash" hx-swap-oob' in html and NOTE_NEEDED not in html.split("<form", 1)[0]
    assert state() == before and count(AuditEvent) == events
    assert review.claim().status is ClaimStatus.UNDER_REVIEW


def test_approve_as_noted_records_the_note_with_the_decision(client, review):
    response = client.post(f"{review.url}/review", data=_decide(
        review, "approve_as_noted", ("APPROVED", ""), note="Retention held until the lien release"))
    assert response.status_code == 303
    assert review.claim().status is ClaimStatus.APPROVED_AS_NOTED
    history = [(h.what, h.new, h.comment) for h in claims.history(review.claim())]
    assert ("status changed", "Approved as Noted", "Retention held until the lien release") in history
    # the contact's e-mail says what the approval is subject to
    approval = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == CLAIM_APPROVED)).one()
    told = emails.render(approval)
    assert "subject to the note below" in told.text and "Retention held until the lien release" in told.text
    assert "Retention held until the lien release" in told.html


def test_approve_as_noted_over_htmx_reloads_the_page(client, review):
    response = client.post(f"{review.url}/review", headers=HX, data=_decide(
        review, "approve_as_noted", ("APPROVED", "Pump hire noted")))
    assert response.status_code == 200 and response.headers["HX-Redirect"] == review.url
    assert review.claim().status is ClaimStatus.APPROVED_AS_NOTED


# --- the history ------------------------------------------------------------------------------------


def _history_items(html: str) -> list[str]:
    block = html.split('id="claim-history"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", item))).strip()
            for item in block.split("<li")[1:]]


def test_the_history_shows_each_decision_with_its_own_comment(client, review, auth):
    client.post(f"{review.url}/review", data=_decide(
        review, "send_back", ("APPROVED", "Good"), ("REJECTED", "Only half of it is in place")))
    auth.switch(review.contact.email)
    _submit(client, review, "10000", "2500", stored="1250.50")
    auth.switch(review.world.admin.email)
    client.post(f"{review.url}/review", data=_decide(review, "approve", ("", ""), ("APPROVED", "Fixed, thanks")))
    items = [i for i in _history_items(_html(client.get(review.url))) if "reviewed" in i]
    second = [i for i in items if "line 02 00 00" in i]
    first = [i for i in items if "line 01 00 00" in i]
    # newest first: each decision says what was said with it, and nothing else
    assert second[0].endswith("To Approved Comment with this decision Fixed, thanks")
    assert second[1].endswith("To Rejected Comment with this decision Only half of it is in place")
    assert "Good" not in second[0] and "Only half" not in first[0]
    assert first[0].endswith("From Pending To Approved")  # approved again at the end, nothing said
    assert first[1].endswith("To Approved Comment with this decision Good")


# --- times in the project's time zone ----------------------------------------------------------------


@pytest.fixture
def june_2026(monkeypatch):
    """"This year" is 2026 on every page."""
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 6, 15, 12, 0))


def test_times_show_in_the_project_zone_with_its_abbreviation_and_last_years_dates_with_the_year(
        client, review, june_2026):
    world = review.world
    claim = review.claim()
    world.project.time_zone = "America/Los_Angeles"
    claim.submitted_at = datetime(2026, 11, 30, 22, 5)  # UTC
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "claim")
                              .order_by(AuditEvent.id.desc()))
    event.occurred_at = datetime(2025, 12, 3, 17, 0)
    invite = db.session.scalar(select(Invite))
    invite.first_sent_at = invite.last_sent_at = datetime(2025, 11, 4, 3, 30)  # Nov 3 in Los Angeles
    for sent in db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "invite")):
        sent.occurred_at = datetime(2026, 7, 4, 16, 0)
    db.session.commit()
    page = _html(client.get(review.url))
    assert "submitted Nov 30, 2:05 PM PST" in page
    assert "Dec 3, 2025, 9:00 AM PST" in page  # the history
    assert "UTC" not in page
    board = _html(client.get(f"/projects/{world.project.id}/billings"))
    assert "by Avery Admin, Nov 3, 2025" in board
    history = _html(client.get(f"/projects/{world.project.id}/billings/invites/{invite.id}/history"))
    assert "Jul 4, 9:00 AM PDT" in history and "UTC" not in history
