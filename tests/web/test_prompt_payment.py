"""Prompt payment on the claim pages (issue 17): the payment due date and the notice of non-payment deadline
of a claim on an Ontario project, and the notice of non-payment given from a claim: every route, every role,
each bad input's message by its field with nothing written, the e-mail with its PDF, and the PDF's text.

Dates hand-counted (Ontario moves a Saturday or Sunday deadline to the Monday):
- a subcontractor claim submitted Thu Dec 10, 2026 (Toronto) with no head contract claim sent: due Dec 10 + 28
  = Thu Jan 7, 2027; notice by Dec 10 + 14 = Thu Dec 24, 2026.
- the head contract claim sent Tue Dec 1, 2026: due Dec 1 + 28 = Tue Dec 29; its subcontractors are paid
  7 days after that, Tue Jan 5, 2027; the contractor's notice to them by Dec 1 + 35 = Tue Jan 5, 2027.
- the client's payment recorded Sat Dec 26, 2026: subcontractors due Dec 26 + 7 = Sat Jan 2, 2027, moved to
  Mon Jan 4, 2027.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from domain import head_contract
from domain.models import (
    AuditEvent,
    Claim,
    ClaimStatus,
    ClaimTax,
    Country,
    Currency,
    Dictionary,
    OutboxMessage,
    PaymentNotice,
    db,
)
from domain.outbox import deliver_due
from extensions import mail
from tests import factories
from tests.domain.test_head_contract import claim_in, make_head
from tests.helpers import billings_url, count
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`

D = Decimal
HX = {"HX-Request": "true"}
# 8 = 12,000.00 less 10% retention = 10,800.00; HST 13% = 1,404.00; with tax 12,204.00
WITH_TAX = D("12204.00")


@pytest.fixture
def ontario(world):  # type: ignore[no-untyped-def]
    project = world.project
    project.country, project.currency, project.time_zone, project.jurisdiction = (
        Country.CA, Currency.CAD, "America/Toronto", "ON")
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(project, vendor, number="SC-001", title="Concrete", lines=("60000.00",))
    db.session.commit()
    claim = claim_in(world, commitment, world.period, {"01 00 00": ("12000.00", "0")},
                     status=ClaimStatus.UNDER_REVIEW)
    claim.submitted_at = datetime(2026, 12, 10, 15, 0)  # 10:00 in Toronto
    claim.sales_tax = D("1404.00")
    db.session.add(ClaimTax(claim_id=claim.id, position=1, name="HST", rate=D("13")))
    db.session.commit()
    return claim


def claim_url(world, claim: Claim, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return billings_url(world, suffix=f"/claims/{claim.id}{suffix}")


def dates_on(html: str) -> tuple[str, str]:
    due = html.split("data-payment-due>")[1].split("</dd>")[0]
    notice = html.split("data-notice-deadline>")[1].split("</dd>")[0]
    return due.split("<strong>")[1].split("</strong>")[0], notice.split("<strong>")[1].split("</strong>")[0]


def written() -> tuple[int, int, int]:
    return count(PaymentNotice), count(AuditEvent), count(OutboxMessage)


# --- the dates -----------------------------------------------------------------------------------------


def test_a_subcontractor_claim_is_its_own_proper_invoice_without_a_head_contract_claim(client, auth, world,
                                                                                       ontario):
    auth.sign_in(world.admin.email)
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert dates_on(html) == ("Jan 7, 2027", "Dec 24")
    assert "Counted from the proper invoice given Dec 10" in html and "Construction Act" in html
    # the contact reads the same dates on the portal
    auth.switch("maria@keystone.example")
    html = client.get(f"/portal/claims/{ontario.id}").get_data(as_text=True)
    assert dates_on(html) == ("Jan 7, 2027", "Dec 24")
    assert "Give notice of non-payment" not in html


def test_with_the_head_contract_claim_sent_a_subcontractor_is_paid_after_the_contractor(client, auth, world,
                                                                                       ontario):
    make_head(world, [("01 00 00", "100000.00")])
    head_claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_claim.status, head_claim.proper_invoice_at = ClaimStatus.UNDER_REVIEW, datetime(2026, 12, 1, 17, 0)
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert dates_on(html) == ("Jan 5, 2027", "Jan 5, 2027")
    assert "the client's payment is due Dec 29" in html
    head_html = client.get(billings_url(world, suffix=f"/head-contract/claims/{head_claim.id}")).get_data(as_text=True)
    assert dates_on(head_html) == ("Dec 29", "Dec 15")
    # the client's payment recorded on a Saturday: seven days on is a Saturday, so the Monday after
    head_claim.status, head_claim.client_decision_date = ClaimStatus.APPROVED, date(2026, 12, 26)
    db.session.commit()
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert dates_on(html) == ("Jan 4, 2027", "Jan 5, 2027")
    assert "the client paid on Dec 26" in html


def test_no_dates_without_a_prompt_payment_law_or_before_submission(client, auth, world, ontario):
    auth.sign_in(world.admin.email)
    world.project.jurisdiction = "BC"  # no prompt payment law in force there
    db.session.commit()
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert "data-prompt-payment" not in html and "Give notice of non-payment" not in html
    world.project.jurisdiction = "ON"
    ontario.status = ClaimStatus.DRAFT
    db.session.commit()
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert "data-prompt-payment" not in html and "Give notice of non-payment" not in html


# --- the notice ----------------------------------------------------------------------------------------


def test_an_admin_gives_a_notice_it_is_recorded_e_mailed_with_its_pdf_and_downloadable(client, auth, world,
                                                                                     ontario, smtp):
    auth.sign_in(world.admin.email)
    html = client.get(claim_url(world, ontario)).get_data(as_text=True)
    assert "Give notice of non-payment" in html
    response = client.post(claim_url(world, ontario, "/notices"),
                           data={"amount": "2,500.00", "reasons": "Formwork at grid C <not> accepted."})
    assert response.status_code == 303
    notice = db.session.scalars(select(PaymentNotice)).one()
    assert (notice.amount, notice.reasons, notice.given_by_id) == (D("2500.00"), "Formwork at grid C <not> accepted.",
                                                                   world.admin.id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "notice of non-payment given")).one()
    assert event.entity_id == ontario.id and "2,500.00" in event.new_value
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Notice of non-payment given" in html and "notice of non-payment given" in html  # banner and history
    assert "Formwork at grid C &lt;not&gt; accepted." in html
    pdf_url = claim_url(world, ontario, f"/notices/{notice.id}.pdf")
    assert pdf_url in html
    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (1, 0)
    (got,) = smtp.messages
    assert got.rcpt_tos == ("maria@keystone.example",)
    assert "notice of non-payment on" in got.subject.lower()
    (attached,) = got.message.iter_attachments()
    assert attached.get_filename().endswith(f"notice-of-non-payment-{notice.id}.pdf")
    emailed = attached.get_content()
    downloaded = client.get(pdf_url)
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/pdf"
    for body in (emailed, downloaded.data):
        words = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())
        assert "Notice of non-payment" in words and "Keystone Concrete Co." in words
        assert "Harbor & Pine Builders" in words and "Construction Act" in words
        assert "$2,500.00" in words and "$12,204.00" in words and "$9,704.00" in words  # 12,204.00 - 2,500.00
        assert "Formwork at grid C <not> accepted." in words
        assert "Payment due Jan 7, 2027; notice of non-payment by Dec 24, 2026" in words


def test_htmx_gets_a_redirect_on_success_and_the_card_with_the_message_on_a_refusal(client, auth, world, ontario):
    auth.sign_in(world.admin.email)
    before = written()
    response = client.post(claim_url(world, ontario, "/notices"), data={"amount": "0", "reasons": "x"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="payment-notice"' in html and "<html" not in html
    assert "Enter an amount above zero." in html and 'id="amount-feedback"' in html
    assert written() == before
    response = client.post(claim_url(world, ontario, "/notices"), data={"amount": "100", "reasons": "Short."},
                           headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith(claim_url(world, ontario))
    assert count(PaymentNotice) == 1


@pytest.mark.parametrize(("amount", "reasons", "field", "message"), [
    ("12204.01", "Too much.", "amount", "Enter at most the claim&#39;s amount due with tax, $12,204.00."),
    ("0", "Nothing.", "amount", "Enter an amount above zero."),
    ("-5", "Negative.", "amount", "Enter an amount above zero."),
    ("12,20.4", "Malformed.", "amount", "Enter a number, like 1250.00."),
    ("1.234", "Too many cents.", "amount", "Use at most two decimals (cents)."),
    ("", "No amount.", "amount", "Enter the amount not being paid."),
    ("abc", "Letters.", "amount", "Enter a number, like 1250.00."),
    ("100", "", "reasons", "Say why this amount is not being paid."),
    ("100", "   ", "reasons", "Say why this amount is not being paid."),
    ("100", "R" * 2001, "reasons", "Use at most 2000 characters."),
])
def test_a_bad_notice_says_what_is_wrong_by_the_field_and_writes_nothing(client, auth, world, ontario, amount,
                                                                        reasons, field, message):
    auth.sign_in(world.admin.email)
    before = written()
    response = client.post(claim_url(world, ontario, "/notices"), data={"amount": amount, "reasons": reasons})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    assert written() == before


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.REVISE_AND_RESUBMIT, ClaimStatus.WITHDRAWN])
def test_no_notice_on_a_claim_not_submitted(client, auth, world, ontario, status):
    ontario.status = status
    db.session.commit()
    auth.sign_in(world.admin.email)
    before = written()
    for headers in ({}, HX):
        response = client.post(claim_url(world, ontario, "/notices"), data={"amount": "100", "reasons": "No."},
                               headers=headers)
        assert response.status_code == 409
        assert "needs no notice" in response.get_data(as_text=True) or \
            "not submitted yet" in response.get_data(as_text=True)
    assert written() == before


POST_ANSWER = {"standard": 403, "readonly": 403, "nobody": 404, "contact": 404, "anonymous": 302}
READ_ANSWER = {"admin": 200, "standard": 200, "readonly": 200, "nobody": 404, "contact": 404, "anonymous": 302}


def _as(client, auth, world, role: str) -> None:  # type: ignore[no-untyped-def]
    if role == "contact":
        auth.sign_in("maria@keystone.example")
    elif role != "anonymous":
        auth.sign_in(getattr(world, role).email)


@pytest.mark.parametrize("role", list(POST_ANSWER))
def test_only_a_project_admin_gives_a_notice(client, auth, world, ontario, role):
    _as(client, auth, world, role)
    before = written()
    response = client.post(claim_url(world, ontario, "/notices"), data={"amount": "100", "reasons": "No."})
    assert response.status_code == POST_ANSWER[role]
    assert written() == before


@pytest.mark.parametrize("role", list(READ_ANSWER))
def test_who_downloads_a_notice(client, auth, world, ontario, role):
    notice = PaymentNotice(claim_id=ontario.id, amount=D("100.00"), reasons="Short.", given_by_id=world.admin.id)
    db.session.add(notice)
    db.session.commit()
    _as(client, auth, world, role)
    assert client.get(claim_url(world, ontario, f"/notices/{notice.id}.pdf")).status_code == READ_ANSWER[role]
    assert client.get(claim_url(world, ontario, f"/notices/{notice.id + 1}.pdf")).status_code in (
        404 if READ_ANSWER[role] == 200 else READ_ANSWER[role],)


def test_the_contact_sees_the_notice_on_the_claim_the_e_mail_links_to_and_downloads_its_pdf(client, auth, world,
                                                                                            ontario):
    """The notice's e-mail says "View it" and links to the portal's claim: the notice is there, by itself (not only
    in the history), with its PDF; no form; another contact's claim's notice is a 404."""
    notice = PaymentNotice(claim_id=ontario.id, amount=D("2500.00"), reasons="Formwork at grid C <not> accepted.",
                           given_by_id=world.admin.id)
    db.session.add(notice)
    db.session.commit()
    auth.sign_in("maria@keystone.example")
    html = client.get(f"/portal/claims/{ontario.id}").get_data(as_text=True)
    pdf_url = f"/portal/claims/{ontario.id}/notices/{notice.id}.pdf"
    assert "data-notices" in html and "$2,500.00" in html and pdf_url in html
    assert "Formwork at grid C &lt;not&gt; accepted." in html
    assert "Give notice of non-payment" not in html and "/notices\"" not in html
    downloaded = client.get(pdf_url)
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/pdf"
    assert client.get(f"/portal/claims/{ontario.id}/notices/{notice.id + 1}.pdf").status_code == 404
    other = factories.commitment(world.project, factories.vendor("Quiet Paint", "quinn@paint.example"),
                                 number="SC-002", lines=("1000.00",))
    db.session.commit()
    theirs = claim_in(world, other, world.period, {"01 00 00": ("100.00", "0")}, status=ClaimStatus.UNDER_REVIEW)
    elsewhere = PaymentNotice(claim_id=theirs.id, amount=D("10.00"), reasons="No.", given_by_id=world.admin.id)
    db.session.add(elsewhere)
    db.session.commit()
    assert client.get(f"/portal/claims/{theirs.id}/notices/{elsewhere.id}.pdf").status_code == 404
    assert client.get(f"/portal/claims/{ontario.id}/notices/{elsewhere.id}.pdf").status_code == 404
    auth.switch(world.admin.email)
    assert client.get(pdf_url).status_code == 404  # staff read it on the project's claim page


def test_the_notice_pdf_names_the_claim_in_the_company_s_words(world, ontario):
    """SPEC §1: the notice's PDF says "Progress Claim #1" as the pay application it answers does (or the
    company's other word for it), never a bare "Claim"."""
    from domain import payment_notices

    notice = PaymentNotice(claim_id=ontario.id, amount=D("100.00"), reasons="Short.", given_by_id=world.admin.id)
    db.session.add(notice)
    db.session.commit()
    assert payment_notices.document(notice).claim == "Progress Claim #1, submitted Dec 10, 2026"
    world.company.dictionary = Dictionary.GENERAL
    db.session.commit()
    assert payment_notices.document(notice).claim == "Subcontractor Invoice #1, submitted Dec 10, 2026"


# --- the digest and the home page ----------------------------------------------------------------------


def _statements(run) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    seen = []

    def one(*_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(1)

    db.session.expire_all()  # each count starts from the same, empty, identity map
    event.listen(db.engine, "before_cursor_execute", one)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", one)
    return len(seen)


def _more_ontario_claims(world, n: int) -> None:  # type: ignore[no-untyped-def]
    from domain.models import Project

    for i in range(n):
        project = Project(number=f"ON-{i}", name=f"Tower {i}", address="", country=Country.CA,
                          currency=Currency.CAD, time_zone="America/Toronto", jurisdiction="ON")
        db.session.add(project)
        period = factories.period(project)
        commitment = factories.commitment(project, factories.vendor(), number=f"SC-9{i}", lines=("1000.00",))
        db.session.commit()
        claim = claim_in(world, commitment, period, {"01 00 00": ("100.00", "0")}, status=ClaimStatus.UNDER_REVIEW)
        claim.submitted_at = datetime(2026, 12, 10, 15, 0)
    db.session.commit()


def test_the_digest_lists_the_dates_of_the_coming_week_and_those_passed_in_fixed_statements(world, ontario):
    from domain.reminders import digest_for

    item = "SC-001 Concrete (Keystone Concrete Co.): claim #1, "
    (digest,) = digest_for(world.admin, today=date(2026, 12, 20))
    assert [i.text for i in digest.payments] == [f"{item}notice of non-payment by Dec 24"]
    assert digest.payments[0].url_path == f"/projects/{world.project.id}/billings/claims/{ontario.id}"
    (digest,) = digest_for(world.admin, today=date(2026, 12, 28))
    assert [i.text for i in digest.payments] == [f"{item}notice of non-payment by Dec 24 (passed)"]
    (digest,) = digest_for(world.admin, today=date(2027, 1, 3))
    assert [i.text for i in digest.payments] == [f"{item}payment due Jan 7, 2027"]
    few = _statements(lambda: digest_for(world.admin, today=date(2026, 12, 20)))
    _more_ontario_claims(world, 4)
    many = _statements(lambda: digest_for(world.admin, today=date(2026, 12, 20)))
    assert many == few, (few, many)
    assert len(digest_for(world.admin, today=date(2026, 12, 20))) == 5


def test_the_home_page_lists_them_too_in_fixed_statements(client, auth, world, ontario):
    from domain.clock import utcnow

    ontario.submitted_at = utcnow() - timedelta(days=10)  # the notice deadline is 4 days ahead (a weekend: 6)
    db.session.commit()
    auth.sign_in(world.readonly.email)
    html = client.get("/").get_data(as_text=True)
    assert 'data-waiting="payment"' in html and "SC-001 #1</a>: notice of non-payment by" in html
    few = _statements(lambda: client.get("/"))
    _more_ontario_claims(world, 4)
    from domain.models import AccessLevel, Project, ProjectPermission

    for project in db.session.scalars(select(Project).where(Project.number.like("ON-%"))):
        db.session.add(ProjectPermission(project=project, user=world.readonly, level=AccessLevel.READ_ONLY))
    db.session.commit()
    assert _statements(lambda: client.get("/")) == few


# --- the proper invoice --------------------------------------------------------------------------------


def _pdf_words(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def test_the_pay_application_of_a_prompt_payment_project_carries_what_a_proper_invoice_must(client, auth, world,
                                                                                           ontario):
    auth.sign_in(world.admin.email)
    words = _pdf_words(client.get(claim_url(world, ontario, "/pdf")).data)
    # name and address, date, period, contract and description are page 1 and the continuation sheet already
    assert "Keystone Concrete Co." in words and "Subcontract SC-001" in words and "Period" in words
    # the amount payable is line 8 with tax, as on every pay application
    assert "Current amount due (with tax) $12,204.00" in words
    assert ("Payment terms A proper invoice under the Construction Act, R.S.O. 1990, c. C.30 (Ontario): payable "
            "within 28 days after it is received (s. 6.4(1)); a notice of non-payment within 14 days (s. 6.4(2))."
            in words)
    assert "Pay to Keystone Concrete Co.; attention Maria; maria@keystone.example" in words
    # the contact's own copy says the same
    auth.switch("maria@keystone.example")
    assert "Payment terms" in _pdf_words(client.get(f"/portal/claims/{ontario.id}/pdf").data)
    # a project under no prompt payment law: none of it
    world.project.jurisdiction = None
    db.session.commit()
    auth.switch(world.admin.email)
    words = _pdf_words(client.get(claim_url(world, ontario, "/pdf")).data)
    assert "proper invoice" not in words and "Payment terms" not in words


def test_sending_the_head_contract_claim_keeps_the_day_it_was_first_given(world, ontario):
    from domain import claims
    from domain.clock import utcnow

    head = make_head(world, [("01 00 00", "100000.00")])
    head_claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.save_lines(head_claim, [claims.LineEntry(head.sov_lines[0].id, this_period="100")], world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    assert head_claim.proper_invoice_at is None  # submitted, not given yet
    head_contract.send_to_client(head_claim, world.admin)
    first = head_claim.proper_invoice_at
    assert first is not None and abs((utcnow() - first).total_seconds()) < 60
    head_contract.send_to_client(head_claim, world.admin)  # sent again: the proper invoice stays the first
    db.session.refresh(head_claim)
    assert head_claim.proper_invoice_at == first
