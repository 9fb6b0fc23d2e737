"""The head contract is not a subcontract: with a claim Submitted to client in the open period, it shows on no
page, count, export or portal list that is about subcontracts and purchase orders, and its ids do not open
the subcontract pages (issue 16)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from domain import claims, head_contract, sov
from domain.head_contract import HeadContractData
from domain.models import Claim, ClaimLine, ClaimStatus, db
from tests import factories
from tests.helpers import billings_url, commitments_url, import_url, project_url

D = Decimal


@pytest.fixture
def both(world):  # type: ignore[no-untyped-def]
    """A subcontract and the head contract, each with a claim waiting for a decision in the open period."""
    vendor = factories.vendor("Keystone Concrete Co.")
    sub = factories.commitment(world.project, vendor, number="SC-001", title="Concrete works")
    db.session.commit()
    sub_claim = Claim(commitment=sub, billing_period=world.period, number=1, status=ClaimStatus.UNDER_REVIEW,
                      created_by=world.admin)
    sub_claim.lines.append(ClaimLine(sov_line=sub.sov_lines[0], work_completed_this_period=D("1000.00")))
    db.session.add(sub_claim)
    db.session.commit()
    claims.refresh_snapshot(sub_claim)
    db.session.commit()
    head = head_contract.create_head_contract(world.project, HeadContractData(
        number="HC-777", title="Prime contract with the hospital", client_name="Riverside Health Partners",
        client_contact_name="Elena Brooks", client_contact_email="elena@riverside.example",
        contract_date=world.period.start_date), world.admin)
    sov.add_line(head, sov.LineData("01 00 00", "Concrete", D("200000.00")), world.admin)
    sov.approve_sov(head, world.admin)
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.save_lines(claim, [claims.LineEntry(head.sov_lines[0].id, this_period="5000.00")], world.admin)
    head_contract.submit_to_client(claim, world.admin)
    # Even a client's user put on it by hand (no page does that) sees nothing of it in the portal.
    client_user = factories.user(head.vendor, "clerk@riverside.example", "Casey Clerk")
    head.claim_contacts.append(client_user)
    head.private_users.append(client_user)
    db.session.commit()
    return head, claim, sub, client_user


def test_the_board_and_its_exports_show_only_the_subcontracts(admin_client, world, both):
    head, _, sub, _ = both
    html = admin_client.get(billings_url(world, suffix=f"?period={world.period.id}")).get_data(as_text=True)
    assert "SC-001" in html
    assert "HC-777" not in html and "Riverside Health Partners" not in html
    for kind in ("csv", "xlsx"):
        response = admin_client.get(billings_url(world, suffix=f"/export.{kind}?period={world.period.id}"))
        assert response.status_code == 200
        body = response.get_data()
        if kind == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            assert [r[0] for r in rows[1:]] == ["SC-001"]
        assert b"HC-777" not in body


def test_the_commitments_list_import_export_and_pages_leave_it_out(admin_client, world, both):
    head, claim, _, _ = both
    html = admin_client.get(commitments_url(world)).get_data(as_text=True)
    assert "SC-001" in html and "HC-777" not in html
    exported = admin_client.get(import_url(world, suffix="/commitments.csv")).get_data(as_text=True)
    assert "SC-001" in exported and "HC-777" not in exported
    page = admin_client.get(import_url(world)).get_data(as_text=True)
    assert "HC-777" not in page
    # its ids do not open the subcontract pages: the head contract has its own
    assert admin_client.get(commitments_url(world, head)).status_code == 404
    for suffix in ("", "/pdf", "/lines.csv"):
        assert admin_client.get(billings_url(world, f"/claims/{claim.id}{suffix}")).status_code == 404


def test_home_counts_only_the_subcontractor_claim_waiting(admin_client, world, both):
    html = " ".join(admin_client.get("/").get_data(as_text=True).split())
    assert "1 progress claim Under Review" in html
    assert "2 progress claims" not in html


def test_the_open_period_s_open_work_leaves_it_out(world, both):
    from domain.periods import open_work

    work = open_work(world.project)
    assert [c.commitment.number for c in work.claims] == ["SC-001"]


def test_the_portal_never_shows_it(client, auth, world, both):
    head, claim, _, client_user = both
    auth.sign_in(client_user.email)
    html = client.get("/portal").get_data(as_text=True)
    assert "HC-777" not in html and "Prime contract" not in html
    assert client.get(f"/portal/claims/{claim.id}").status_code == 404
    assert client.get(f"/portal/claims/{claim.id}/pdf").status_code == 404
    assert client.get(project_url(world, "billings")).status_code == 404
