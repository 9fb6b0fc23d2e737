"""The Head Contract tab and the head contract claim page (issue 16): every route for every role, prefill with
its questions, the figures, submitting to the client, the client's decision, and each bad input's message with
nothing written."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from domain import claims, head_contract
from domain.clock import project_today
from domain.models import (
    Attachment,
    AuditEvent,
    Claim,
    ClaimLine,
    ClaimStatus,
    OutboxMessage,
    PeriodStatus,
    Project,
    db,
)
from domain.outbox import deliver_due
from domain.periods import period_name
from extensions import mail
from tests import factories
from tests.domain.test_head_contract import claim_in, make_head, subcontract
from tests.domain.test_head_contract import data as head_data
from tests.helpers import billings_url, count
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`

D = Decimal


@pytest.fixture
def site(world):  # type: ignore[no-untyped-def]
    """A head contract of three lines; two subcontracts whose Approved claims of the open period feed two of them,
    and a third whose claim is still under review."""
    head = make_head(world, [("03 30 00", "100000.00"), ("26 05 00", "50000.00"), ("01 50 00", "20000.00")])
    concrete = subcontract(world, "SC-1", [("03 30 00", "60000.00")])
    electric = subcontract(world, "SC-2", [("26 05 00", "40000.00")])
    pending = subcontract(world, "SC-3", [("01 50 00", "9000.00")])
    claim_in(world, concrete, world.period, {"03 30 00": ("12000.00", "500.00")})
    claim_in(world, electric, world.period, {"26 05 00": ("8000.00", "0")})
    claim_in(world, pending, world.period, {"01 50 00": ("1000.00", "0")}, status=ClaimStatus.UNDER_REVIEW)
    return head


@pytest.fixture
def head_claim(world, site):  # type: ignore[no-untyped-def]
    return head_contract.start_claim(world.project, world.period, world.admin)


def tab_url(world, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return billings_url(world, suffix=f"/head-contract{suffix}")


def claim_url(world, claim: Claim, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return tab_url(world, f"/claims/{claim.id}{suffix}")


def figures(claim: Claim) -> dict[str, tuple[Decimal, Decimal]]:
    db.session.expire_all()
    rows = db.session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id)).all()
    return {line.sov_line.cost_code: (line.work_completed_this_period, line.materials_presently_stored)
            for line in rows}


def written(claim: Claim) -> tuple:
    """What the database holds for the claim and the audit trail: a refusal changes none of it."""
    db.session.expire_all()
    c = db.session.get(Claim, claim.id)
    return (tuple(sorted(figures(claim).items())), c.status, c.client_decision_date, c.client_approved_amount,
            count(AuditEvent))


def line_field(claim: Claim, cost_code: str, name: str) -> str:
    sov_line = next(s for s in claim.commitment.sov_lines if s.cost_code == cost_code)
    return f"line-{sov_line.id}-{name}"


def typed(claim: Claim, **changed: str) -> dict[str, str]:
    """The claim form as the page sends it: every line's figures as they stand, with `changed` (by field name)."""
    db.session.expire_all()
    data = {}
    for line in claim.lines:
        data[f"line-{line.sov_line_id}-this_period"] = str(line.work_completed_this_period)
        data[f"line-{line.sov_line_id}-stored"] = str(line.materials_presently_stored)
    return {**data, **changed}


def sign_in_as(client, auth, world, role: str) -> None:  # type: ignore[no-untyped-def]
    if role == "contact":
        vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
        db.session.commit()
        auth.sign_in(vendor.default_claim_contact.email)
    elif role != "anonymous":
        auth.sign_in(getattr(world, role).email)


# --- every route, every role ----------------------------------------------------------------------

ROLES = ["admin", "standard", "readonly", "nobody", "contact", "anonymous"]
READ_ANSWER = {"admin": 200, "standard": 200, "readonly": 200, "nobody": 404, "contact": 404, "anonymous": 302}
POST_ANSWER = {"standard": 403, "readonly": 403, "nobody": 404, "contact": 404, "anonymous": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_tab_and_the_claim(client, auth, world, head_claim, role):  # type: ignore[no-untyped-def]
    sign_in_as(client, auth, world, role)
    expected = READ_ANSWER[role]
    for url in (tab_url(world), tab_url(world, f"?period={world.period.id}"), claim_url(world, head_claim),
                claim_url(world, head_claim, "/pdf"), claim_url(world, head_claim, "/package"),
                claim_url(world, head_claim, "/lines.csv"), claim_url(world, head_claim, "/lines.xlsx")):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_an_admin_changes_anything(client, auth, world, head_claim, role):  # type: ignore[no-untyped-def]
    sign_in_as(client, auth, world, role)
    before = written(head_claim), count(Claim)
    field = line_field(head_claim, "03 30 00", "this_period")
    for url, data in ((tab_url(world, "/claims"), {"period": world.period.id}),
                      (claim_url(world, head_claim), {field: "5"}),
                      (claim_url(world, head_claim, "/preview"), {field: "5"}),
                      (claim_url(world, head_claim, "/prefill"), {}),
                      (claim_url(world, head_claim, "/submit"), {}),
                      (claim_url(world, head_claim, "/decision"), {"decision": "APPROVED"})):
        response = client.post(url, data=data)
        assert response.status_code == POST_ANSWER[role], url
    assert (written(head_claim), count(Claim)) == before


def test_the_pages_of_another_project_or_a_subcontract_claim_are_not_found(admin_client, world, head_claim):
    sub_claim = db.session.scalars(select(Claim).where(Claim.id != head_claim.id)).first()
    for suffix in ("", "/pdf", "/lines.csv"):
        assert admin_client.get(claim_url(world, sub_claim, suffix)).status_code == 404
    assert admin_client.get(tab_url(world, "/claims/2147483647")).status_code == 404
    # the head contract's claim under another project's address
    project = Project(number="P-2", name="Elsewhere", address="2 Hill Rd")
    db.session.add(project)
    db.session.commit()
    assert admin_client.get(f"/projects/{project.id}/billings/head-contract/claims/{head_claim.id}").status_code == 404
    before = written(head_claim)
    assert admin_client.post(f"/projects/{project.id}/billings/head-contract/claims/{head_claim.id}/submit"
                             ).status_code == 404
    assert written(head_claim) == before


# --- the tab --------------------------------------------------------------------------------------


def test_the_tabs_are_links_that_keep_the_period_and_mark_the_current_one(admin_client, world, site):
    html = admin_client.get(billings_url(world, suffix=f"?period={world.period.id}")).get_data(as_text=True)
    assert f'href="/projects/{world.project.id}/billings/head-contract?period={world.period.id}"' in html
    assert 'aria-current="page" data-tab="subcontractor"' in html
    html = admin_client.get(tab_url(world, f"?period={world.period.id}")).get_data(as_text=True)
    assert f'href="/projects/{world.project.id}/billings?period={world.period.id}"' in html
    assert 'aria-current="page" data-tab="head_contract"' in html
    assert "Head Contract" in html and "Subcontractor" in html


def test_without_a_head_contract_the_admin_is_sent_to_set_it_up(client, auth, world):
    auth.sign_in(world.admin.email)
    html = client.get(tab_url(world)).get_data(as_text=True)
    assert "This project has no head contract yet." in html
    assert f'href="/projects/{world.project.id}/head-contract"' in html
    auth.switch(world.standard.email)
    html = client.get(tab_url(world)).get_data(as_text=True)
    assert "This project has no head contract yet." in html and "A project Admin sets it up." in html
    assert f'href="/projects/{world.project.id}/head-contract"' not in html


def test_the_admin_starts_the_claim_from_the_tab_and_others_see_there_is_none(client, auth, world, site):
    auth.sign_in(world.standard.email)
    html = client.get(tab_url(world)).get_data(as_text=True)
    assert "Start the claim" not in html and "No claim to the client" in html
    auth.switch(world.admin.email)
    html = client.get(tab_url(world)).get_data(as_text=True)
    assert "Start the claim for" in html
    foreign = factories.period(Project(number="P-9", name="Elsewhere", address=""))
    db.session.commit()
    before = count(Claim)  # another project's period is a 404, not this project's Open period
    assert client.post(tab_url(world, "/claims"), data={"period": foreign.id}).status_code == 404
    assert count(Claim) == before
    response = client.post(tab_url(world, "/claims"), data={"period": world.period.id})
    assert response.status_code == 303
    claim = head_contract.claim_for(world.project, world.period)
    assert response.headers["Location"].endswith(f"/head-contract/claims/{claim.id}")
    html = client.get(tab_url(world)).get_data(as_text=True)
    assert f"Open claim #{claim.number}" in html and "Draft" in html


def test_the_position_strip_shows_billed_against_owed(admin_client, world, head_claim):
    head_contract.prefill(head_claim, world.admin)
    html = admin_client.get(tab_url(world)).get_data(as_text=True)
    position = head_contract.position(world.project, world.period)
    assert position.owed_this_period == D("18450.00")  # (12,500 + 8,000) less 10 %
    assert position.billed_this_period == D("18450.00")
    assert 'data-position="owed-period">$18,450.00' in html
    assert 'data-position="difference-period">$0.00' in html
    assert 'data-position="retention-subs">$2,050.00' in html


# --- the claim page -------------------------------------------------------------------------------


def test_prefill_fills_the_lines_and_the_side_panel_says_where_from(admin_client, world, head_claim):
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "SC-3 #1" in html and "Under Review" in html  # not approved yet: what is missing
    response = admin_client.post(claim_url(world, head_claim, "/prefill"))
    assert response.status_code == 303
    assert figures(head_claim) == {"03 30 00": (D("12000.00"), D("500.00")), "26 05 00": (D("8000.00"), D("0.00")),
                                   "01 50 00": (D("0.00"), D("0.00"))}
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "Prefilled from 2 approved subcontractor claims." in html
    assert "SC-1 #1" in html and "SC-2 #1" in html


def test_an_adjusted_line_shows_what_the_subcontractors_said_and_prefill_asks_before_overwriting(
        admin_client, world, head_claim):
    head_contract.prefill(head_claim, world.admin)
    field = line_field(head_claim, "03 30 00", "this_period")
    response = admin_client.post(claim_url(world, head_claim), data=typed(head_claim, **{field: "13200.00"}))
    assert response.status_code == 303
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "data-adjusted" in html and "$12,000.00" in html and "$13,200.00" in html
    # a subcontractor claim changes: prefill asks about the adjusted line, nothing written yet
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim, "/prefill"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "You adjusted 1 line" in page and "03 30 00" in page and 'name="overwrite"' in page
    assert written(head_claim) == before
    # confirmed without ticking it: the line keeps the admin's figures
    assert admin_client.post(claim_url(world, head_claim, "/prefill"), data={"confirm": "yes"}).status_code == 303
    assert figures(head_claim)["03 30 00"] == (D("13200.00"), D("500.00"))
    # ticked: overwritten with the subcontractors' figures
    line = next(line for line in head_claim.lines if line.sov_line.cost_code == "03 30 00")
    assert admin_client.post(claim_url(world, head_claim, "/prefill"),
                             data={"confirm": "yes", "overwrite": line.id}).status_code == 303
    assert figures(head_claim)["03 30 00"] == (D("12000.00"), D("500.00"))


def test_prefill_asks_which_line_for_a_cost_code_on_several_lines(admin_client, world):
    head = make_head(world, [("03 30 00", "100000.00"), ("03 30 00", "50000.00")])
    concrete = subcontract(world, "SC-1", [("03 30 00", "60000.00")])
    claim_in(world, concrete, world.period, {"03 30 00": ("7000.00", "0")})
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    response = admin_client.post(claim_url(world, claim, "/prefill"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    sub_line = concrete.sov_lines[0]
    assert f'name="choice-{sub_line.id}"' in page and "Which line does each go to?" in page
    second = head.sov_lines[1]
    response = admin_client.post(claim_url(world, claim, "/prefill"),
                                 data={"confirm": "yes", f"choice-{sub_line.id}": second.id})
    assert response.status_code == 303
    db.session.expire_all()
    assert claim.lines_by_sov[second.id].work_completed_this_period == D("7000.00")
    assert claim.lines_by_sov[head.sov_lines[0].id].work_completed_this_period == D("0.00")
    # a line that is not the head contract's: the message, nothing written
    before = written(claim)
    response = admin_client.post(claim_url(world, claim, "/prefill"),
                                 data={"confirm": "yes", f"choice-{sub_line.id}": sub_line.id})
    assert response.status_code == 422
    assert "Choose one of the head contract&#39;s lines." in response.get_data(as_text=True)
    assert written(claim) == before


def test_prefill_of_a_closed_period_is_refused_with_the_message_and_nothing_written(admin_client, world, head_claim):
    world.period.status = PeriodStatus.CLOSED
    db.session.commit()
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim, "/prefill"), data={"confirm": "yes"})
    assert response.status_code == 409
    assert "is closed: its head contract claim can no longer be prefilled." in response.get_data(as_text=True)
    assert written(head_claim) == before


def test_figures_over_the_scheduled_value_are_refused_by_the_line_unless_the_project_allows_it(
        admin_client, world, head_claim):
    field = line_field(head_claim, "01 50 00", "this_period")
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim), data={field: "20000.01"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-feedback"' in html and "Nothing was saved yet." in html
    assert written(head_claim) == before
    world.project.allow_overbilling = True
    db.session.commit()
    assert admin_client.post(claim_url(world, head_claim), data={field: "20000.01"}).status_code == 303
    assert figures(head_claim)["01 50 00"] == (D("20000.01"), D("0.00"))


def test_submit_to_client_then_the_clients_decision(admin_client, world, head_claim):
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim, "/submit"))
    assert response.status_code == 422
    assert "Enter work completed or stored materials" in response.get_data(as_text=True)
    assert written(head_claim) == before
    head_contract.prefill(head_claim, world.admin)
    assert admin_client.post(claim_url(world, head_claim, "/submit")).status_code == 303
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "Submitted to client" in html and "The client's decision" in html
    assert "Prefill from" not in html  # no longer editable
    due = claims.figures(head_claim)[1].current_amount_due
    today = project_today(world.project).isoformat()
    # above the claim: the message by the amount, nothing written
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim, "/decision"), data={
        "decision": "APPROVED", "decided_on": today, "approved_amount": str(due + D("0.01"))})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="approved_amount-feedback"' in html and "cannot approve more than" in html
    assert written(head_claim) == before
    for data, field in (({"decision": "APPROVED", "decided_on": "tomorrow", "approved_amount": "1"}, "decided_on"),
                        ({"decision": "APPROVED", "decided_on": today, "approved_amount": "1e3"}, "approved_amount"),
                        ({"decision": "BOGUS", "decided_on": today}, "decision"),
                        ({"decision": "APPROVED_AS_NOTED", "decided_on": today, "approved_amount": "1"}, "note")):
        response = admin_client.post(claim_url(world, head_claim, "/decision"), data=data)
        assert response.status_code == 422
        assert f'id="{field}-feedback"' in response.get_data(as_text=True), data
        assert written(head_claim) == before
        if field == "decided_on":
            assert "Enter a date like 2026-11-30." in response.get_data(as_text=True)
    response = admin_client.post(claim_url(world, head_claim, "/decision"), data={
        "decision": "APPROVED", "decided_on": today, "approved_amount": str(due)})
    assert response.status_code == 303
    db.session.expire_all()
    assert head_claim.status is ClaimStatus.APPROVED and head_claim.client_approved_amount == due
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "data-client-decision" in html and "approved" in html
    assert "client&#39;s decision recorded" in html  # the history
    # decided: its figures and a second decision are refused
    field = line_field(head_claim, "01 50 00", "this_period")
    response = admin_client.post(claim_url(world, head_claim), data=typed(head_claim, **{field: "1.00"}))
    assert response.status_code == 409 and "it can no longer be changed" in response.get_data(as_text=True)
    before = written(head_claim)
    response = admin_client.post(claim_url(world, head_claim, "/decision"), data={
        "decision": "APPROVED", "decided_on": today, "approved_amount": "1"})
    assert response.status_code == 409 and written(head_claim) == before


def test_the_downloads_are_the_head_contract_claims(admin_client, world, head_claim):
    head_contract.prefill(head_claim, world.admin)
    pdf = admin_client.get(claim_url(world, head_claim, "/pdf"))
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # in the contractor's words: its claim to the client, certified by the contractor, from the contractor
    words = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert f"Pay application · Claim #{head_claim.number} to the client" in words
    assert "Contractor's certification" in words and "Vendor's certification" not in words
    assert "Less previous claims to the client" in words and "From (contractor)" in words
    page = " ".join(admin_client.get(claim_url(world, head_claim)).get_data(as_text=True).split())
    assert "7. Less previous claims to the client" in page  # the page in the PDF's words
    rows = list(csv.reader(io.StringIO(admin_client.get(claim_url(world, head_claim, "/lines.csv"))
                                       .get_data().decode("utf-8-sig"))))
    assert any("03 30 00" in row for row in rows)


def test_revise_and_resubmit_gives_the_claim_back_to_the_admin(admin_client, world, head_claim):
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    response = admin_client.post(claim_url(world, head_claim, "/decision"), data={
        "decision": "REVISE_AND_RESUBMIT", "decided_on": project_today(world.project).isoformat(),
        "note": "Split the concrete line by floor."})
    assert response.status_code == 303
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "Revise and Resubmit" in html and "Split the concrete line by floor." in html
    assert "Prefill from" in html and "Submit to client" in html  # the admin's again
    assert admin_client.post(claim_url(world, head_claim, "/submit")).status_code == 303
    db.session.expire_all()
    assert head_claim.status is ClaimStatus.UNDER_REVIEW


def test_a_head_contract_whose_schedule_is_a_draft_says_what_to_do_first(admin_client, world):
    head_contract.create_head_contract(world.project, head_data(), world.admin)
    html = admin_client.get(tab_url(world)).get_data(as_text=True)
    assert "schedule of values before its first claim" in html and "Start the claim" not in html


# --- sending it to the client -------------------------------------------------------------------


def test_send_to_client_e_mails_the_pdf_and_the_package(admin_client, world, head_claim, smtp):
    before = count(OutboxMessage), count(AuditEvent)
    response = admin_client.post(claim_url(world, head_claim, "/send"))
    assert response.status_code == 409  # a Draft is not sent
    assert "submit it to the client before sending it." in response.get_data(as_text=True)
    assert (count(OutboxMessage), count(AuditEvent)) == before
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "Send to client" in html and "elena@riverside.example" in html
    response = admin_client.post(claim_url(world, head_claim, "/send"))
    assert response.status_code == 303
    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (1, 0)
    (got,) = smtp.messages
    assert got.rcpt_tos == ("elena@riverside.example",)
    assert got.subject.endswith(f"pay application #{head_claim.number} on HC-1 for {period_name(world.period)}")
    assert "Hello Elena Brooks" in got.text and "are attached" in got.text
    pdf, package = got.message.iter_attachments()
    assert pdf.get_filename().endswith(".pdf") and pdf.get_content().startswith(b"%PDF")
    assert package.get_filename().endswith("_package.pdf") and package.get_content().startswith(b"%PDF")
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "sent to the client" in html  # the history


def test_a_backup_too_large_to_e_mail_stays_out_and_the_e_mail_says_whom_to_ask(app, admin_client, world, head_claim,
                                                                              smtp):
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    db.session.add(Attachment(claim_id=head_claim.id, filename="photos.pdf", content_type="application/pdf",
                              size_bytes=8 * 1024 * 1024, sha256="0" * 64, storage_key="gone/photos.pdf",
                              uploaded_by_id=world.admin.id))
    db.session.commit()
    assert app.config["MAIL_ATTACHMENTS_MAX_BYTES"] < 8 * 1024 * 1024 < app.config["PACKAGE_MAX_BYTES"]
    assert admin_client.post(claim_url(world, head_claim, "/send")).status_code == 303
    with smtp:
        assert deliver_due(mail).sent == 1
    (got,) = smtp.messages
    (pdf,) = got.message.iter_attachments()  # the pay application alone
    assert pdf.get_filename().endswith(".pdf") and not pdf.get_filename().endswith("_package.pdf")
    assert "its backup is too large to e-mail: ask Avery Admin for it." in " ".join(got.text.split())


def test_a_claim_sent_back_by_the_client_takes_its_unsent_e_mail_out_of_the_outbox(admin_client, world,
                                                                                    head_claim, smtp):
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    assert admin_client.post(claim_url(world, head_claim, "/send")).status_code == 303  # the SMTP server is down
    assert count(OutboxMessage, OutboxMessage.claim_id == head_claim.id) == 1
    head_contract.record_client_decision(head_claim, ClaimStatus.REVISE_AND_RESUBMIT, world.admin,
                                         decided_on=project_today(world.project), note="Split line 3.")
    assert count(OutboxMessage, OutboxMessage.claim_id == head_claim.id) == 0
    html = admin_client.get(claim_url(world, head_claim)).get_data(as_text=True)
    assert "e-mail to the client cancelled" in html  # the history says so
    with smtp:
        assert deliver_due(mail).sent == 0
    assert smtp.messages == []


@pytest.mark.parametrize("role", ["standard", "readonly", "nobody", "contact"])
def test_only_an_admin_sends_it(client, auth, world, head_claim, role):  # type: ignore[no-untyped-def]
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    sign_in_as(client, auth, world, role)
    before = count(OutboxMessage)
    assert client.post(claim_url(world, head_claim, "/send")).status_code == POST_ANSWER[role]
    assert count(OutboxMessage) == before
