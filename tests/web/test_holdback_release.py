"""Holdback release (issue 17): the admin releases all or part of a commitment's holdback (retention) with the
date the lien period ended; a release claim opens in the open period, the contact is e-mailed, confirms and
submits it, and it is reviewed like any claim. It bills only the release and the HST on it; the PDF says it is a
release; the board's held figure goes down once it is approved; an approved release never changes. Bad input
and refusals: a message next to the field, nothing written."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from domain import claims, holdback
from domain.claims import LineDecision
from domain.clock import project_today
from domain.emails import HOLDBACK_RELEASED
from domain.models import (
    Claim,
    ClaimStatus,
    Country,
    Currency,
    LineReview,
    OutboxMessage,
    PeriodStatus,
    ProjectTax,
    db,
)
from tests import factories
from tests.web.portal_helpers import SIGN, SIGNED, state

D = Decimal


def _approve(claim, admin) -> None:  # type: ignore[no-untyped-def]
    claims.review(claim, [LineDecision(line.id, LineReview.APPROVED) for line in claim.lines],
                  ClaimStatus.APPROVED, admin)


@pytest.fixture
def ontario(world):  # type: ignore[no-untyped-def]
    """An Ontario project (CAD, HST 13%): SC-001 (10% holdback) billed 100,000.00 of work last period, approved:
    10,000.00 held. This period is open and SC-001 has no claim in it."""
    project = world.project
    project.country, project.currency, project.time_zone = Country.CA, Currency.CAD, "America/Toronto"
    project.taxes.append(ProjectTax(position=1, name="HST", rate=D("13")))
    current = world.period
    current.status = PeriodStatus.CLOSED  # one period open at a time: last month's, while it is billed
    db.session.commit()
    start = (current.start_date - timedelta(days=1)).replace(day=1)
    earlier = factories.period(project, number=0, start=start, days=(current.start_date - start).days)
    vendor = factories.vendor("Keystone Concrete", "maria@keystone.example")
    world.commitment = factories.commitment(project, vendor, number="SC-001")
    world.contact = vendor.default_claim_contact
    db.session.commit()
    claim = claims.start_claim(world.commitment, earlier, world.admin)
    first, second = world.commitment.sov_lines
    entries = [claims.LineEntry(first.id, this_period="100000.00"), claims.LineEntry(second.id, stored="500.00")]
    assert claims.save_entries(claim, entries, world.contact, submit=True, signature=SIGNED).ok
    _approve(claim, world.admin)
    earlier.status = PeriodStatus.CLOSED
    db.session.commit()
    current.status = PeriodStatus.OPEN
    db.session.commit()
    world.progress = claim
    return world


def release_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/projects/{world.project.id}/billings/commitments/{world.commitment.id}/release"


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def assert_message_next_to(html: str, field: str, message: str) -> None:
    assert f'id="{field}-feedback"' in html, html
    assert message in html.split(f'id="{field}-feedback"')[1].split("</div>")[0], html


def today(world):  # type: ignore[no-untyped-def]
    return project_today(world.project).isoformat()


def release_claim(world) -> Claim | None:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(Claim).where(Claim.holdback_release.is_not(None)))


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- the form --------------------------------------------------------------------------------------


def test_the_commitment_page_shows_the_holdback_held_and_links_to_the_release(admin_client, ontario):
    html = html_of(admin_client.get(f"/projects/{ontario.project.id}/commitments/{ontario.commitment.id}"))
    assert "Holdback held" in html and "$10,050.00" in html  # 10% of 100,000.00 of work and of 500.00 stored
    assert f'href="{release_url(ontario)}"' in html and "Release holdback" in html


def test_the_form_offers_all_that_is_held_and_today(admin_client, ontario):
    response = admin_client.get(release_url(ontario))
    html = html_of(response)
    assert response.status_code == 200
    assert "<h1 class=\"h3\">Release holdback</h1>" in html
    assert 'value="10050.00"' in html and f'value="{today(ontario)}"' in html
    assert "lien period ended" in html


def test_releasing_all_the_holdback_opens_a_release_claim_and_emails_the_contact(admin_client, ontario):
    response = admin_client.post(release_url(ontario), data={"amount": "10,050.00", "released_on": today(ontario)})
    assert response.status_code == 303
    claim = release_claim(ontario)
    assert response.headers["Location"].endswith(f"/billings/claims/{claim.id}")
    assert (claim.status, claim.number, claim.billing_period_id) == (ClaimStatus.DRAFT, 2, ontario.period.id)
    assert claim.holdback_release == D("10050.00") and claim.holdback_release_date.isoformat() == today(ontario)
    # no work this period; the stored materials carried from the approved claim
    by_sov = claim.lines_by_sov
    first, second = ontario.commitment.sov_lines
    assert [line.work_completed_this_period for line in claim.lines] == [D("0.00"), D("0.00")]
    assert (by_sov[first.id].materials_presently_stored, by_sov[second.id].materials_presently_stored) == (
        D("0.00"), D("500.00"))
    _, totals = claims.figures(claim)
    # line 5: 10,050.00 by % less 10,050.00 released = 0; line 6: 100,500.00; line 7: 90,450.00; line 8: 10,050.00
    assert (totals.retention_total, totals.earned_less_retention, totals.previous_claims) == (
        D("0.00"), D("100500.00"), D("90450.00"))
    assert totals.current_amount_due == D("10050.00") and totals.sales_tax == D("1306.50")  # 13% of 10,050.00
    assert totals.current_amount_due_with_tax == D("11356.50")
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == HOLDBACK_RELEASED)).all()
    assert [(m.to_address, m.claim_id) for m in mail] == [("maria@keystone.example", claim.id)]
    page = html_of(admin_client.get(response.headers["Location"]))
    assert "Holdback release" in page and 'data-release="amount">$10,050.00' in page
    assert f'name="line-{first.id}-this_period"' not in page  # no work to type on a release
    assert "Sign and submit" in page and 'value="save"' not in page


def test_the_release_email_says_what_is_released_and_links_to_the_portal(admin_client, ontario):
    from domain.emails import render

    admin_client.post(release_url(ontario), data={"amount": "4000.00", "released_on": today(ontario)})
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == HOLDBACK_RELEASED))
    rendered = render(message)
    assert "holdback release" in rendered.subject and "SC-001" in rendered.subject
    assert "released $4,000.00 of the holdback held on SC-001" in rendered.text
    assert f"/portal/claims/{message.claim_id}" in rendered.text


# --- bad input: a message next to the field, nothing written -----------------------------------------


@pytest.mark.parametrize(("amount", "day", "field", "message"), [
    ("10050.01", None, "amount", "At most the holdback held: $10,050.00."),
    ("0", None, "amount", "Enter an amount above zero."),
    ("0.00", None, "amount", "Enter an amount above zero."),
    ("-5.00", None, "amount", "Enter an amount above zero."),  # not "zero or more": zero is refused too
    ("ten", None, "amount", "Enter a number, like 1250.00."),
    ("1.005", None, "amount", "Use at most two decimals (cents)."),
    ("", None, "amount", "Enter the amount to release."),
    ("100.00", "tomorrow", "released_on", "The date cannot be in the future"),
    ("100.00", "2026-13-40", "released_on", "Enter a date like 2026-11-30."),
    ("100.00", "", "released_on", "Enter the release date."),
])
def test_bad_input_is_refused_next_to_its_field_with_nothing_written(admin_client, ontario, amount, day, field,
                                                                    message):
    if day is None:
        day = today(ontario)
    elif day == "tomorrow":
        day = (project_today(ontario.project) + timedelta(days=1)).isoformat()
    before = state()
    response = admin_client.post(release_url(ontario), data={"amount": amount, "released_on": day})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), field, message)
    assert state() == before and release_claim(ontario) is None


def test_a_claim_already_in_the_open_period_refuses_the_release(admin_client, ontario):
    claims.start_claim(ontario.commitment, ontario.period, ontario.admin)
    before = state()
    response = admin_client.post(release_url(ontario), data={"amount": "100.00", "released_on": today(ontario)})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "amount", "SC-001 already has claim #2 in")
    assert "release the holdback in a later period" in html_of(response)
    assert "data-release-refusal" not in html_of(response)  # said once, by the field
    assert "data-release-refusal" in html_of(admin_client.get(release_url(ontario)))  # said up front
    assert state() == before


def test_an_earlier_claim_not_yet_approved_must_be_finished_first(admin_client, ontario):
    ontario.progress.status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    before = state()
    response = admin_client.post(release_url(ontario), data={"amount": "100.00", "released_on": today(ontario)})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "amount", "Finish claim #1 for")
    assert state() == before


def test_no_open_period_no_release(admin_client, ontario):
    ontario.period.status = PeriodStatus.CLOSED
    db.session.commit()
    before = state()
    response = admin_client.post(release_url(ontario), data={"amount": "100.00", "released_on": today(ontario)})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "amount", "There is no open billing period")
    assert state() == before
    assert "There is no open billing period" in html_of(admin_client.get(release_url(ontario)))  # said up front


def test_nothing_held_nothing_to_release(admin_client, world):
    commitment = factories.commitment(world.project, factories.vendor("Quiet Paint", "quinn@paint.example"))
    db.session.commit()
    url = f"/projects/{world.project.id}/billings/commitments/{commitment.id}/release"
    before = state()
    response = admin_client.post(url, data={"amount": "100.00", "released_on": project_today(world.project)})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "amount", f"No retention is held on {commitment.number}")
    assert state() == before


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), [("standard", 403), ("readonly", 403), ("nobody", 404),
                                               ("contact", 404)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_a_project_admin_may_release(client, auth, ontario, who, expected, method):
    email = ontario.contact.email if who == "contact" else getattr(ontario, who).email
    auth.sign_in(email)
    before = state()
    data = {"amount": "100.00", "released_on": today(ontario)}
    response = client.post(release_url(ontario), data=data) if method == "post" else client.get(release_url(ontario))
    assert response.status_code == expected
    assert state() == before


def test_signed_out_goes_to_sign_in(client, ontario):
    response = client.post(release_url(ontario), data={"amount": "100.00", "released_on": today(ontario)})
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
    assert release_claim(ontario) is None


def test_the_service_refuses_a_standard_user(ontario):
    from domain.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        holdback.release_holdback(ontario.commitment, D("100.00"), project_today(ontario.project), ontario.standard)
    assert release_claim(ontario) is None


def test_the_head_contract_has_no_release_here(admin_client, ontario):
    from domain.models import CommitmentKind

    ontario.commitment.kind = CommitmentKind.HEAD_CONTRACT
    db.session.commit()
    assert admin_client.get(release_url(ontario)).status_code == 404


# --- the contact confirms, the admin approves ------------------------------------------------------


def test_the_contact_confirms_and_submits_then_approval_lowers_what_is_held(client, auth, ontario):
    auth.sign_in(ontario.admin.email)
    client.post(release_url(ontario), data={"amount": "10050.00", "released_on": today(ontario)})
    claim = release_claim(ontario)
    board_url = f"/projects/{ontario.project.id}/billings"
    assert "Holdback held $10,050.00" in html_of(client.get(board_url))  # asked for, not yet released
    auth.sign_out()

    auth.sign_in(ontario.contact.email)
    page = html_of(client.get(f"/portal/claims/{claim.id}"))
    assert 'data-release="amount">$10,050.00' in page and 'data-release="tax">$1,306.50' in page
    assert 'data-release="total">$11,356.50' in page and "Lien period ended or notice published" in page
    assert f'name="line-{ontario.commitment.sov_lines[0].id}-this_period"' not in page  # nothing to type
    assert "holdback released by this" in page  # the statement signed is about the release
    # whatever line figures a post carries, the release bills only the release
    first = ontario.commitment.sov_lines[0].id
    response = client.post(f"/portal/claims/{claim.id}",
                           data={**SIGN, "action": "submit", f"line-{first}-this_period": "5000.00",
                                 f"line-{first}-stored": "0"})
    assert response.status_code == 303
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert claim.status is ClaimStatus.UNDER_REVIEW
    assert [line.work_completed_this_period for line in claim.lines] == [D("0.00"), D("0.00")]
    assert claim.current_amount_due == D("10050.00") and claim.sales_tax == D("1306.50")
    auth.sign_out()

    auth.sign_in(ontario.admin.email)
    _approve(claim, ontario.admin)
    assert "Holdback held $10,050.00" not in html_of(client.get(board_url))
    assert "data-held" not in html_of(client.get(board_url)).split('data-commitment="SC-001"')[1].split("</tr>")[0]
    assert holdback.holdback_held(ontario.commitment) == D("0.00")


def test_an_approved_release_never_changes_when_the_holdback_percent_does(admin_client, ontario):
    admin_client.post(release_url(ontario), data={"amount": "4000.00", "released_on": today(ontario)})
    claim = release_claim(ontario)
    assert claims.save_entries(claim, [], ontario.contact, submit=True, signature=SIGNED).ok
    _approve(claim, ontario.admin)
    admin_client.get(f"/projects/{ontario.project.id}/billings/claims/{claim.id}")  # the flash message, said once
    shown = html_of(admin_client.get(f"/projects/{ontario.project.id}/billings/claims/{claim.id}"))
    ontario.commitment.retention_pct = D("5.00")
    ontario.project.taxes[0].rate = D("15")
    db.session.commit()
    _, totals = claims.figures(db.session.get(Claim, claim.id))
    assert (totals.retention_released, totals.retention_total, totals.current_amount_due) == (
        D("4000.00"), D("6050.00"), D("4000.00"))
    assert totals.sales_tax == D("520.00")  # 13% of 4,000.00, as submitted
    again = html_of(admin_client.get(f"/projects/{ontario.project.id}/billings/claims/{claim.id}"))
    assert _without_csrf_tokens(again) == _without_csrf_tokens(shown)


def _without_csrf_tokens(html: str) -> str:
    """The page as a person reads it: a CSRF token is signed with the second it was made."""
    return re.sub(r"[\w-]+\.[\w-]+\.[\w-]{20,}", "TOKEN", html)


def test_a_progress_claim_after_a_partial_release_holds_only_its_own_work_more(ontario):
    holdback.release_holdback(ontario.commitment, D("4000.00"), project_today(ontario.project), ontario.admin)
    claim = release_claim(ontario)
    assert claims.save_entries(claim, [], ontario.contact, submit=True, signature=SIGNED).ok
    _approve(claim, ontario.admin)
    ontario.period.status = PeriodStatus.CLOSED
    db.session.commit()
    start = ontario.period.end_date + timedelta(days=1)
    later = factories.period(ontario.project, number=2, start=start)
    db.session.commit()
    nxt = claims.start_claim(ontario.commitment, later, ontario.admin)
    entry = claims.LineEntry(ontario.commitment.sov_lines[1].id, this_period="20000.00", stored="500.00")
    assert claims.save_entries(nxt, [entry], ontario.contact, submit=True, signature=SIGNED).ok
    _, totals = claims.figures(nxt)
    # line 5: 12,050.00 by % (120,000.00 work, 500.00 stored) less 4,000.00 released = 8,050.00
    # line 6: 120,500.00 - 8,050.00 = 112,450.00; line 7: 94,450.00 (the release's line 6); line 8: 18,000.00
    assert (totals.retention_total, totals.earned_less_retention, totals.previous_claims) == (
        D("8050.00"), D("112450.00"), D("94450.00"))
    assert totals.current_amount_due == D("18000.00") and totals.sales_tax == D("2340.00")
    assert totals.retention_released == D("4000.00")


def test_the_pdf_says_it_is_a_release_with_its_tax(admin_client, ontario):
    admin_client.post(release_url(ontario), data={"amount": "10050.00", "released_on": "2026-11-02"})
    claim = release_claim(ontario)
    response = admin_client.get(f"/projects/{ontario.project.id}/billings/claims/{claim.id}/pdf")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert "Holdback release: $10,050.00 released" in text
    assert "Lien period ended or release notice published on" in text and "2026" in text
    assert "c. Less holdback released to date" in text and "-$10,050.00" in text
    assert "HST 13%" in text and "$1,306.50" in text and "$11,356.50" in text
    assert "$100,000.00" in text  # the G703 lines as they were


def test_the_pdf_certifies_what_the_contact_signed_for_a_release(admin_client, ontario):
    """A release bills no work: its PDF's certification is the release's statement the contact signed on the
    portal, not the progress claim's "earned in the period"."""
    admin_client.post(release_url(ontario), data={"amount": "10050.00", "released_on": "2026-11-02"})
    claim = release_claim(ontario)
    words = " ".join(_pdf_text(admin_client.get(
        f"/projects/{ontario.project.id}/billings/claims/{claim.id}/pdf").data).split())
    assert ("Keystone Concrete certifies that, to the best of its knowledge, the holdback released by this "
            "application was held on work that is done as earlier applications said") in words, words
    assert "earned in the period" not in words
    progress = " ".join(_pdf_text(admin_client.get(
        f"/projects/{ontario.project.id}/billings/claims/{ontario.progress.id}/pdf").data).split())
    assert "every amount shown was earned in the period" in progress


def test_a_us_project_releases_retention(admin_client, world):
    vendor = factories.vendor("Keystone Concrete", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-009")
    db.session.commit()
    current = world.period
    current.status = PeriodStatus.CLOSED
    db.session.commit()
    start = (current.start_date - timedelta(days=1)).replace(day=1)
    earlier = factories.period(world.project, number=0, start=start, days=(current.start_date - start).days)
    db.session.commit()
    claim = claims.start_claim(commitment, earlier, world.admin)
    entry = claims.LineEntry(commitment.sov_lines[0].id, this_period="1000.00")
    assert claims.save_entries(claim, [entry], vendor.default_claim_contact, submit=True, signature=SIGNED).ok
    _approve(claim, world.admin)
    earlier.status = PeriodStatus.CLOSED
    db.session.commit()
    current.status = PeriodStatus.OPEN
    db.session.commit()
    url = f"/projects/{world.project.id}/billings/commitments/{commitment.id}/release"
    html = html_of(admin_client.get(url))
    assert "Release retention" in html and "Retention held" in html and "$100.00" in html
    response = admin_client.post(url, data={"amount": "100.00", "released_on": project_today(world.project)})
    assert response.status_code == 303
    _, totals = claims.figures(release_claim(world))
    assert totals.current_amount_due == D("100.00") and totals.taxes == ()


# --- hostile input -----------------------------------------------------------------------------------


def test_the_url_map_sweeps_reach_the_release_route(app):
    """tests/web/test_untrusted_input.py walks every rule of the URL map with ids the database cannot hold, ids
    that name nothing, id-like junk in forms and control characters in every text box of every page: the
    release route is among them, with both its ids bounded."""
    from tests.web.test_untrusted_input import _int_args, _rules

    for method in ("GET", "POST"):
        rule = next(r for r in _rules(app, method) if r.endpoint == "billings.release_holdback")
        # both are ids the sweeps' scene names (Scene.ids), so the page-by-page sweep opens the form too
        assert set(rule.arguments) == set(_int_args(rule)) == {"project_id", "commitment_id"}


@pytest.mark.parametrize("junk", ["\x00", "\x1b", "\u2028", "1e3", "NaN", "Infinity", "9" * 40, "١٢", "$-0", " "])
def test_junk_in_either_field_is_a_message_never_a_500(admin_client, ontario, junk):
    before = state()
    for data in ({"amount": junk, "released_on": today(ontario)}, {"amount": "100.00", "released_on": junk}):
        response = admin_client.post(release_url(ontario), data=data)
        assert response.status_code == 422, (data, response.status_code)
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert state() == before
