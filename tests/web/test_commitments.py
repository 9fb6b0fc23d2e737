"""Commitments, their contacts and Private list, and the schedule of values: success and failure paths,
as plain form posts and with htmx, bad input that writes nothing, and who may do what on every route."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from domain.models import (
    AccessLevel,
    AuditEvent,
    Claim,
    ClaimLine,
    ClaimStatus,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Project,
    ProjectPermission,
    SovLine,
    SovStatus,
    commitment_claim_contacts,
    commitment_private_users,
    db,
)
from tests import factories
from tests.helpers import commitments_url, count

HX = {"HX-Request": "true"}


CHANGES = factories.not_sign_ins(AuditEvent)  # the audit trail less sign-ins


def _snapshot() -> tuple[int, ...]:
    """Everything a commitment screen can write."""
    return (count(Commitment), count(SovLine), count(AuditEvent), count(commitment_claim_contacts),
            count(commitment_private_users), count(ClaimLine),
            db.session.scalar(select(func.coalesce(func.sum(SovLine.position), 0))),
            db.session.scalar(select(func.count()).where(Commitment.sov_status == SovStatus.APPROVED)))


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def s(world):
    """Two vendors (Keystone with two users), a Draft-SOV commitment, an approved one, a private one."""
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    maria = keystone.default_claim_contact
    jo = factories.user(keystone, "jo@keystone.example", "Jo Keystone")
    brightline = factories.vendor("Brightline Electric", "dev@brightline.example")
    dev = brightline.default_claim_contact
    p = world.project
    draft = factories.commitment(p, keystone, number="SC-001", title="Concrete", sov_approved=False,
                                 status=CommitmentStatus.DRAFT, lines=("100000.00", "50000.00", "25000.00"))
    approved = factories.commitment(p, brightline, number="SC-002", title="Electrical",
                                    lines=("100000.00", "40000.00"))
    secret = factories.commitment(p, brightline, number="SC-003", title="Roofing", private=True)
    project_admin = factories.user(world.company, "pa@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=p, user=project_admin, level=AccessLevel.ADMIN))
    db.session.commit()
    return SimpleNamespace(keystone=keystone, maria=maria, jo=jo, brightline=brightline, dev=dev, draft=draft,
                           approved=approved, secret=secret, project_admin=project_admin)


def _lines(commitment) -> list[tuple[str, str, Decimal, Decimal, int]]:
    rows = db.session.execute(select(SovLine.cost_code, SovLine.description, SovLine.original_value,
                                     SovLine.approved_changes, SovLine.position)
                              .where(SovLine.commitment_id == commitment.id).order_by(SovLine.position)).all()
    return [tuple(r) for r in rows]


def _commitment_data(vendor, **change):
    data = {"kind": "PURCHASE_ORDER", "number": "PO-100", "title": "Rebar supply", "vendor_id": str(vendor.id),
            "status": "DRAFT", "retention_pct": "5", "stored_materials_retention_pct": "", "is_private": ""}
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_values_and_hides_private_commitments(client, world, s, auth):
    s.approved.sov_lines[0].approved_changes = Decimal("2500.00")
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(commitments_url(world)).get_data(as_text=True)
    for c in (s.draft, s.approved, s.secret):
        assert f'href="{commitments_url(world, c)}"' in html
    row = html.split(f'href="{commitments_url(world, s.approved)}"')[1].split("</tr>")[0]
    assert "$140,000.00" in row and "+$2,500.00" in row and "$142,500.00" in row
    assert "$467,500.00" in html  # total revised: 175,000 + 142,500 + 150,000
    assert f'href="{commitments_url(world, suffix="/new")}"' in html
    client.post("/sign-out")
    auth.sign_in(world.readonly.email)
    html = client.get(commitments_url(world)).get_data(as_text=True)
    assert "SC-001" in html and "SC-003" not in html and "/commitments/new" not in html
    assert "$317,500.00" in html  # the total counts only what the person sees


def test_the_list_loads_in_a_fixed_number_of_statements(app, client, world, s, auth):
    from sqlalchemy import event

    for n in range(10):
        factories.commitment(world.project, s.brightline, number=f"SC-2{n:02d}")
    db.session.commit()
    auth.sign_in(world.readonly.email)
    statements = []

    def count(*_args):  # type: ignore[no-untyped-def]
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(commitments_url(world)).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 8, len(statements)


# --- create and edit ----------------------------------------------------------------------------


def test_creating_a_commitment_adds_the_vendors_default_contact(client, world, s, auth):
    auth.sign_in(world.admin.email)
    form = client.get(commitments_url(world, suffix="/new")).get_data(as_text=True)
    assert 'value="10.00"' in form  # the company's default retention
    response = client.post(commitments_url(world, suffix="/new"), data=_commitment_data(s.keystone, is_private="y",
                                                                                         stored_materials_retention_pct="2.5"))
    assert response.status_code == 303
    c = db.session.scalar(select(Commitment).where(Commitment.number == "PO-100"))
    assert response.headers["Location"].endswith(commitments_url(world, c))
    assert (c.kind, c.title, c.vendor_id, c.status, c.sov_status, c.is_private) == (
        CommitmentKind.PURCHASE_ORDER, "Rebar supply", s.keystone.id, CommitmentStatus.DRAFT, SovStatus.DRAFT, True)
    assert c.retention_pct == Decimal("5.00") and c.stored_materials_retention_pct == Decimal("2.50")
    assert [u.email for u in c.claim_contacts] == ["maria@keystone.example"]
    assert [u.email for u in c.private_users] == ["maria@keystone.example"]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == c.id)).all()
    assert actions == ["created", "claim contact added", "private list: added"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "with Maria as progress claim contact" in page and "No lines yet." in page


def test_the_same_number_on_another_project_is_fine(client, world, s, auth):
    other = Project(number="P-2", name="Maple Street")
    db.session.add(other)
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(f"/projects/{other.id}/commitments/new", data=_commitment_data(s.keystone, number="SC-001"))
    assert response.status_code == 303


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"number": ""}, "number", "Enter the number."),
    ({"number": "N" * 31}, "number", "Use at most 30 characters."),
    ({"number": "sc-001"}, "number", "SC-001 (Concrete) already has this number on this project."),
    ({"title": "  "}, "title", "Enter the title."),
    ({"title": "T" * 201}, "title", "Use at most 200 characters."),
    ({"vendor_id": ""}, "vendor_id", "Choose a vendor."),
    ({"kind": "LEASE"}, "kind", "Choose Subcontract or Purchase Order."),
    ({"status": "ARCHIVED"}, "status", "Choose a status."),
    ({"retention_pct": ""}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"retention_pct": "-5"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"retention_pct": "100.01"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"retention_pct": "1.234"}, "retention_pct", "Use at most two decimals."),
    ({"retention_pct": "abc"}, "retention_pct", "Enter a percentage from 0 to 100. Use at most two decimals."),
    ({"retention_pct": "1e1"}, "retention_pct", "Enter a percentage from 0 to 100. Use at most two decimals."),
    ({"stored_materials_retention_pct": "7.125"}, "stored_materials_retention_pct", "Use at most two decimals."),
    ({"stored_materials_retention_pct": "150"}, "stored_materials_retention_pct", "Enter a percentage from 0 to 100."),
])
def test_commitment_bad_input_says_what_is_wrong_and_writes_nothing(client, world, s, change, field, message, auth):
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(commitments_url(world, suffix="/new"), data=_commitment_data(s.keystone, **change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    if field != "title":
        assert 'value="Rebar supply"' in html  # what was typed stays
    assert _snapshot() == before


def test_a_taken_number_is_reported_with_the_other_problems(client, world, s, auth):
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, suffix="/new"),
                           data=_commitment_data(s.keystone, number="SC-002", title=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "SC-002 (Electrical) already has this number on this project." in html and "Enter the title." in html
    edit = client.post(commitments_url(world, s.draft, "/edit"), data=_commitment_data(s.keystone, number="SC-001"))
    assert edit.status_code == 303  # its own number is no clash


@pytest.mark.parametrize("vendor_id", ["999999", "own", "abc"])
def test_an_unknown_vendor_is_404(client, world, s, vendor_id, auth):
    auth.sign_in(world.admin.email)
    vendor_id = str(world.company.id) if vendor_id == "own" else vendor_id
    before = _snapshot()
    response = client.post(commitments_url(world, suffix="/new"),
                           data=_commitment_data(s.keystone, vendor_id=vendor_id))
    assert response.status_code == 404
    assert _snapshot() == before


def test_editing_a_commitment_saves_and_records_each_change(client, world, s, auth):
    auth.sign_in(world.admin.email)
    url = commitments_url(world, s.approved, "/edit")
    form = client.get(url).get_data(as_text=True)
    assert 'value="SC-002"' in form and f'<option selected value="{s.brightline.id}">' in form
    response = client.post(url, data=_commitment_data(s.brightline, kind="SUBCONTRACT", number="SC-002",
                                                      title="Electrical and low voltage", status="APPROVED",
                                                      retention_pct="10", is_private="y"))
    assert response.status_code == 303
    c = _fresh(s.approved)
    assert c.title == "Electrical and low voltage" and c.is_private and c.retention_pct == Decimal("10.00")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == c.id)).all()
    assert {(e.field, e.old_value, e.new_value) for e in events} == {
        ("title", "Electrical", "Electrical and low voltage"), ("is_private", "False", "True")}


def test_the_vendor_cannot_change_while_the_old_vendors_contacts_remain(client, world, s, auth):
    auth.sign_in(world.admin.email)
    url = commitments_url(world, s.draft, "/edit")
    data = _commitment_data(s.brightline, kind="SUBCONTRACT", number="SC-001", title="Concrete", retention_pct="10")
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Remove the contacts of Keystone Concrete Co. first" in response.get_data(as_text=True)
    assert _fresh(s.draft).vendor_id == s.keystone.id
    client.post(commitments_url(world, s.draft, f"/contacts/{s.maria.id}/remove"))
    assert client.post(url, data=data).status_code == 303
    assert _fresh(s.draft).vendor_id == s.brightline.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.field == "vendor"))
    assert (event.old_value, event.new_value) == ("Keystone Concrete Co.", "Brightline Electric")


def test_unknown_and_foreign_commitments_are_404(client, world, s, auth):
    other = Project(number="P-2", name="Maple Street")
    db.session.add(other)
    db.session.commit()
    foreign = factories.commitment(other, s.keystone, number="X-1")
    db.session.commit()
    auth.sign_in(world.admin.email)
    assert client.get(f"/projects/{world.project.id}/commitments/99999").status_code == 404
    assert client.get(commitments_url(world, foreign)).status_code == 404
    line = {"new-cost_code": "1", "new-description": "x", "new-scheduled_value": "1"}
    assert client.post(commitments_url(world, foreign, "/sov/lines"), data=line).status_code == 404
    line_elsewhere = s.approved.sov_lines[0]
    assert client.get(commitments_url(world, s.draft, f"/sov/lines/{line_elsewhere.id}/edit")).status_code == 404
    assert client.post(commitments_url(world, s.draft, f"/sov/lines/{line_elsewhere.id}/remove")).status_code == 404
    assert client.post(commitments_url(world, s.draft, "/sov/lines/99999/move"),
                       data={"direction": "up"}).status_code == 404
    assert client.post(commitments_url(world, s.draft, "/contacts/99999/remove")).status_code == 404
    assert client.post(commitments_url(world, s.draft, "/private/99999/remove")).status_code == 404


# --- contacts and the Private list --------------------------------------------------------------


def test_adding_a_contact_puts_them_on_the_private_list(client, world, s, auth):
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, s.draft, "/contacts"), data={"user_id": s.jo.id})
    assert response.status_code == 303
    assert "Jo Keystone is now a progress claim contact" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    c = _fresh(s.draft)
    assert {u.email for u in c.claim_contacts} == {"maria@keystone.example", "jo@keystone.example"}
    assert {u.email for u in c.private_users} == {"maria@keystone.example", "jo@keystone.example"}
    # removing a contact leaves them on the Private list, said so
    response = client.post(commitments_url(world, s.draft, f"/contacts/{s.jo.id}/remove"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="commitment-people"')
    assert "They stay on the Private list" in html
    c = _fresh(s.draft)
    assert [u.email for u in c.claim_contacts] == ["maria@keystone.example"]
    assert "jo@keystone.example" in {u.email for u in c.private_users}
    assert count(AuditEvent) == 3


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_a_user_of_another_vendor_is_refused_as_contact(client, world, s, hx, auth):
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(commitments_url(world, s.draft, "/contacts"),
                           data={"user_id": s.dev.id}, headers=HX if hx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dev is not a user of Keystone Concrete Co." in html and 'id="contact-user-feedback"' in html
    assert html.lstrip().startswith('<section id="commitment-people"') is hx
    assert _snapshot() == before


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"user_id": ""}, 422, "Choose a person from the list."),
    ({}, 422, "Choose a person from the list."),
    ({"user_id": "99999"}, 422, "Choose a person from the list."),
    ({"user_id": "abc"}, 422, "Choose a person from the list."),
    ({"user_id": str(10**20)}, 422, "Choose a person from the list."),
    ({"user_id": str(2**31)}, 422, "Choose a person from the list."),
    ({"user_id": "INACTIVE"}, 422, "is inactive"),
])
def test_contact_bad_input(client, world, s, data, status, message, auth):
    if data.get("user_id") == "INACTIVE":
        s.jo.active = False
        db.session.commit()
        data = {"user_id": str(s.jo.id)}
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(commitments_url(world, s.draft, "/contacts"), data=data)
    assert response.status_code == status
    if message:
        assert message in response.get_data(as_text=True)
    assert _snapshot() == before


def test_the_private_list_takes_internal_users_and_the_vendors_users(client, world, s, auth):
    auth.sign_in(world.admin.email)
    page = client.get(commitments_url(world, s.secret)).get_data(as_text=True)
    assert f'<option value="{world.readonly.id}"' in page and f'<option value="{world.admin.id}"' not in page
    assert client.post(commitments_url(world, s.secret, "/private"),
                       data={"user_id": world.readonly.id}).status_code == 303
    refused = client.post(commitments_url(world, s.secret, "/private"), data={"user_id": s.maria.id}, headers=HX)
    assert refused.status_code == 422
    assert "Maria is not a user of Brightline Electric or of your own company." in refused.get_data(as_text=True)
    # a contact stays on the list while a contact
    refused = client.post(commitments_url(world, s.secret, f"/private/{s.dev.id}/remove"))
    assert refused.status_code == 422 and "remove them as contact first" in refused.get_data(as_text=True)
    assert {u.email for u in _fresh(s.secret).private_users} == {"dev@brightline.example", "readonly@pb.example"}
    client.post("/sign-out")
    # the private commitment now shows to the Read Only user on its list, and only while they are on it
    auth.sign_in(world.readonly.email)
    assert client.get(commitments_url(world, s.secret)).status_code == 200
    assert "SC-003" in client.get(commitments_url(world)).get_data(as_text=True)
    client.post("/sign-out")
    auth.sign_in(world.admin.email)
    assert client.post(commitments_url(world, s.secret, f"/private/{world.readonly.id}/remove")).status_code == 303
    client.post("/sign-out")
    auth.sign_in(world.readonly.email)
    assert client.get(commitments_url(world, s.secret)).status_code == 404
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(*CHANGES).order_by(AuditEvent.id))] == [
        "private list: added", "private list: removed"]


def test_people_buttons_show_only_to_admins(client, world, s, auth):
    auth.sign_in(world.standard.email)
    html = client.get(commitments_url(world, s.draft)).get_data(as_text=True)
    assert "Maria" in html and "/contacts" not in html and "/private" not in html
    assert "Remove" not in html and "Edit commitment" not in html and "Approve SOV" not in html
    assert "/sov/lines" not in html


# --- the schedule of values: Draft --------------------------------------------------------------


def _line_data(prefix: str = "new", **change: str) -> dict[str, str]:
    data = {"cost_code": "03 45 00", "description": "Precast stairs", "scheduled_value": "12,500.50"}
    data.update(change)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_adding_a_line_as_a_plain_form_post(client, world, s, auth):
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, s.draft, "/sov/lines"), data=_line_data())
    assert response.status_code == 303 and response.headers["Location"].endswith("#sov-line-" + str(
        db.session.scalar(select(func.max(SovLine.id)))))
    assert _lines(s.draft)[-1] == ("03 45 00", "Precast stairs", Decimal("12500.50"), Decimal("0.00"), 4)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Line 03 45 00 added." in page and "$187,500.50" in page
    event = db.session.scalar(select(AuditEvent).where(*CHANGES))
    assert event.action == "SOV line added" and event.new_value == "03 45 00 Precast stairs: 12500.50"


def test_adding_a_line_with_htmx_returns_the_form_the_lines_and_the_totals(client, world, s, auth):
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, s.draft, "/sov/lines"), data=_line_data(), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<form id="sov-add"') and "<html" not in html
    assert 'value="03 45 00"' not in html.split("</form>")[0]  # a fresh, empty form
    assert '<hx-partial hx-target="#sov-lines" hx-swap="outerHTML">' in html and "Precast stairs" in html
    assert '<hx-partial hx-target="#sov-totals" hx-swap="outerHTML">' in html
    assert "<td class=\"money\" data-sov-total>$187,500.50</td>" in html
    assert '<dl id="commitment-value"' in html and 'hx-swap-oob="true"' in html
    assert "Line 03 45 00 added." in html
    assert len(_lines(s.draft)) == 4


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"cost_code": ""}, "cost_code", "Enter the cost code."),
    ({"cost_code": "C" * 41}, "cost_code", "Use at most 40 characters."),
    ({"description": " "}, "description", "Enter the description."),
    ({"description": "D" * 301}, "description", "Use at most 300 characters."),
    ({"scheduled_value": ""}, "scheduled_value", "Enter the scheduled value."),
    ({"scheduled_value": "-5"}, "scheduled_value", "Enter an amount of zero or more."),
    ({"scheduled_value": "1.234"}, "scheduled_value", "Use at most two decimals (cents)."),
    ({"scheduled_value": "abc"}, "scheduled_value", "Enter a number, like 1250.00."),
    ({"scheduled_value": "1e3"}, "scheduled_value", "Enter a number, like 1250.00."),
    ({"scheduled_value": "1,5"}, "scheduled_value", "Enter a number, like 1250.00."),
    ({"scheduled_value": "NaN"}, "scheduled_value", "Enter a number, like 1250.00."),
    ({"scheduled_value": "1000000000000"}, "scheduled_value", "Enter an amount below"),
])
@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_line_bad_input_says_what_is_wrong_and_writes_nothing(client, world, s, change, field, message, hx, auth):
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(commitments_url(world, s.draft, "/sov/lines"),
                           data=_line_data(**change), headers=HX if hx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="new-{field}-feedback"' in html
    assert html.lstrip().startswith('<form id="sov-add"') is hx
    typed = change.get(field, "")
    if field != "description":
        assert 'value="Precast stairs"' in html  # what was typed stays
    if typed.strip() and len(typed) < 40:
        assert f'value="{typed}"' in html
    assert _snapshot() == before


def test_editing_a_line_in_place(client, world, s, auth):
    auth.sign_in(world.admin.email)
    line = s.draft.sov_lines[1]
    fragment = client.get(commitments_url(world, s.draft, f"/sov/lines/{line.id}/edit"),
                          headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tr id="sov-line-{line.id}"') and "<html" not in fragment
    assert f'name="line-{line.id}-scheduled_value"' in fragment and 'value="50000.00"' in fragment
    page = client.get(commitments_url(world, s.draft, f"/sov/lines/{line.id}/edit")).get_data(as_text=True)
    assert "<html" in page and f'name="line-{line.id}-cost_code"' in page  # the same, without JavaScript
    url = commitments_url(world, s.draft, f"/sov/lines/{line.id}")
    response = client.post(url, headers=HX, data=_line_data(f"line-{line.id}", cost_code="03 21 00",
                                                            description="Rebar", scheduled_value="55000"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="sov-line-{line.id}">')
    assert "Rebar" in html and "$55,000.00" in html and "data-sov-total>$180,000.00<" in html
    assert _lines(s.draft)[1] == ("03 21 00", "Rebar", Decimal("55000.00"), Decimal("0.00"), 2)
    assert {e.field for e in db.session.scalars(select(AuditEvent).where(*CHANGES))} == {
        f"line {line.id} cost_code", f"line {line.id} description", f"line {line.id} original_value"}
    cancel = client.get(url, headers=HX).get_data(as_text=True)
    assert cancel.lstrip().startswith(f'<tr id="sov-line-{line.id}">') and "Rebar" in cancel
    assert client.get(url).status_code == 303  # without htmx, Cancel is the page


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("change", "message"), [
    ({"scheduled_value": "-5"}, "Enter an amount of zero or more."),
    ({"scheduled_value": "1.234"}, "Use at most two decimals (cents)."),
    ({"scheduled_value": "abc"}, "Enter a number, like 1250.00."),
    ({"cost_code": ""}, "Enter the cost code."),
])
def test_line_edit_bad_input(client, world, s, change, message, hx, auth):
    auth.sign_in(world.admin.email)
    line = s.draft.sov_lines[0]
    before = _snapshot(), _lines(s.draft)
    response = client.post(commitments_url(world, s.draft, f"/sov/lines/{line.id}"), headers=HX if hx else {},
                           data=_line_data(f"line-{line.id}", **change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert html.lstrip().startswith(f'<tr id="sov-line-{line.id}"') is hx
    assert 'value="Precast stairs"' in html
    assert (_snapshot(), _lines(s.draft)) == before


def test_moving_lines_up_and_down(client, world, s, auth):
    auth.sign_in(world.admin.email)
    first, second, third = s.draft.sov_lines
    response = client.post(commitments_url(world, s.draft, f"/sov/lines/{third.id}/move"),
                           data={"direction": "up"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<tbody id="sov-lines">')
    assert html.index(f'id="sov-line-{third.id}"') < html.index(f'id="sov-line-{second.id}"')
    assert [c for c, *_ in _lines(s.draft)] == ["01 00 00", "03 00 00", "02 00 00"]
    plain = client.post(commitments_url(world, s.draft, f"/sov/lines/{first.id}/move"), data={"direction": "down"})
    assert plain.status_code == 303
    assert [c for c, *_ in _lines(s.draft)] == ["03 00 00", "01 00 00", "02 00 00"]
    assert [p for *_, p in _lines(s.draft)] == [1, 2, 3]
    top = client.post(commitments_url(world, s.draft, f"/sov/lines/{third.id}/move"),
                      data={"direction": "up"}, headers=HX)
    assert "is at the top already" in top.get_data(as_text=True)
    assert client.post(commitments_url(world, s.draft, f"/sov/lines/{third.id}/move"), data={"direction": "sideways"}
                       ).status_code == 400
    assert count(AuditEvent) == 2


def test_removing_a_line_closes_the_gap(client, world, s, auth):
    auth.sign_in(world.admin.email)
    first, second, _third = s.draft.sov_lines
    response = client.post(commitments_url(world, s.draft, f"/sov/lines/{first.id}/remove"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<tbody id="sov-lines">')
    assert "data-sov-total>$75,000.00<" in html and "Line 01 00 00 Line 1 removed." in html
    assert [(c, p) for c, *_, p in _lines(s.draft)] == [("02 00 00", 1), ("03 00 00", 2)]
    assert client.post(commitments_url(world, s.draft, f"/sov/lines/{second.id}/remove")).status_code == 303
    assert [(c, p) for c, *_, p in _lines(s.draft)] == [("03 00 00", 1)]
    first_event = db.session.scalar(select(AuditEvent.old_value).where(*CHANGES).order_by(AuditEvent.id).limit(1))
    assert first_event == "01 00 00 Line 1: 100000.00"


def test_a_line_with_claim_lines_cannot_be_removed(client, world, s, auth):
    line = s.draft.sov_lines[0]
    db.session.add(Claim(commitment=s.draft, billing_period=world.period, number=1, created_by=world.admin,
                         lines=[ClaimLine(sov_line=line)]))
    db.session.commit()
    auth.sign_in(world.admin.email)
    page = client.get(commitments_url(world, s.draft)).get_data(as_text=True)
    assert f'/sov/lines/{line.id}/remove' not in page and "Billed" in page
    before = _snapshot()
    response = client.post(commitments_url(world, s.draft, f"/sov/lines/{line.id}/remove"))
    assert response.status_code == 303
    assert "has been billed against and cannot be removed" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert _snapshot() == before


def test_approve_sov_asks_to_confirm_first_and_writes_nothing(client, world, s, auth):
    auth.sign_in(world.admin.email)
    before = _snapshot(), _lines(s.draft)
    response = client.post(commitments_url(world, s.draft, "/sov/approve"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Approve the schedule of values of SC-001 Concrete?" in html
    assert "Approving locks its 3 lines, scheduled value" in html and "$175,000.00" in html
    assert "only approved change orders" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html and "Cancel, keep it in Draft" in html
    assert _fresh(s.draft).sov_status is SovStatus.DRAFT and (_snapshot(), _lines(s.draft)) == before
    # anything but the confirm field's own value asks again
    assert client.post(commitments_url(world, s.draft, "/sov/approve"), data={"confirm": "1"}).status_code == 200
    assert _fresh(s.draft).sov_status is SovStatus.DRAFT


def test_approving_the_sov_locks_it(client, world, s, auth):
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, s.draft, "/sov/approve"), data=CONFIRM)
    assert response.status_code == 303
    c = _fresh(s.draft)
    assert c.sov_status is SovStatus.APPROVED and c.sov_approved_by_id == world.admin.id and c.sov_approved_at
    event = db.session.scalar(select(AuditEvent).where(*CHANGES))
    assert (event.action, event.old_value, event.new_value) == ("SOV approved", "Draft", "Approved")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "approved and locked" in page and "Approve SOV" not in page
    assert "Add a line from an approved change order" in page
    line = c.sov_lines[0]
    before = _snapshot(), _lines(c)
    # every Draft action is refused now, with why; htmx is sent to the fresh page
    assert client.post(commitments_url(world, c, "/sov/lines"), data=_line_data()).status_code == 303
    refused = client.post(commitments_url(world, c, "/sov/lines"), data=_line_data(), headers=HX)
    assert refused.status_code == 200 and refused.headers["HX-Redirect"].endswith(commitments_url(world, c) + "#sov")
    assert client.post(commitments_url(world, c, f"/sov/lines/{line.id}"),
                       data=_line_data(f"line-{line.id}")).status_code == 303
    assert client.post(commitments_url(world, c, f"/sov/lines/{line.id}/move"),
                       data={"direction": "down"}).status_code == 303
    assert client.post(commitments_url(world, c, f"/sov/lines/{line.id}/remove")).status_code == 303
    again = client.post(commitments_url(world, c, "/sov/approve"), data=CONFIRM)
    assert "approved already" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert (_snapshot(), _lines(c)) == before


CONFIRM = {"confirm": "yes"}


def test_a_change_order_on_a_draft_line_is_refused_with_why_even_with_a_bad_value(client, world, s, auth):
    auth.sign_in(world.admin.email)
    line = s.draft.sov_lines[0]
    before = _snapshot(), _lines(s.draft)
    for value in ("", "abc", "1000"):
        response = client.post(commitments_url(world, s.draft, f"/sov/lines/{line.id}/change"),
                               data={f"line-{line.id}-scheduled_value": value})
        assert response.status_code == 303
        assert "The schedule of values is still a draft: change its lines directly." in client.get(
            response.headers["Location"]).get_data(as_text=True)
    assert (_snapshot(), _lines(s.draft)) == before


def test_an_empty_sov_cannot_be_approved(client, world, s, auth):
    empty = factories.commitment(world.project, s.keystone, number="SC-010", sov_approved=False, lines=())
    db.session.commit()
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(commitments_url(world, empty, "/sov/approve"))
    assert response.status_code == 303
    assert "Add at least one line before approving the schedule of values." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert _fresh(empty).sov_status is SovStatus.DRAFT and _snapshot() == before


# --- approved change orders ---------------------------------------------------------------------


def test_a_change_order_adds_a_line_keeping_the_original_at_zero(client, world, s, auth):
    open_claim = Claim(commitment=s.approved, billing_period=world.period, number=1, created_by=world.admin,
                       lines=[ClaimLine(sov_line=line) for line in s.approved.sov_lines])
    db.session.add(open_claim)
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, s.approved, "/sov/change-orders"),
                           data=_line_data(scheduled_value="24000"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Change order line 03 45 00 added: $24,000.00." in html
    assert _lines(s.approved)[-1] == ("03 45 00", "Precast stairs", Decimal("0.00"), Decimal("24000.00"), 3)
    assert db.session.scalar(select(SovLine.from_change_order).order_by(SovLine.id.desc()).limit(1)) is True
    assert count(ClaimLine) == 3  # the open claim can bill the new line
    page = client.get(commitments_url(world, s.approved)).get_data(as_text=True)
    value = page.split('id="commitment-value"')[1].split("</dl>")[0]
    assert "$140,000.00" in value and "+$24,000.00" in value and "$164,000.00" in value
    assert "Change order" in page


def test_a_change_order_changes_a_scheduled_value_and_the_original_stays(client, world, s, auth):
    auth.sign_in(world.admin.email)
    line = s.approved.sov_lines[1]
    fragment = client.get(commitments_url(world, s.approved, f"/sov/lines/{line.id}/edit"),
                          headers=HX).get_data(as_text=True)
    assert "New scheduled value" in fragment and 'value="40000.00"' in fragment
    url = commitments_url(world, s.approved, f"/sov/lines/{line.id}/change")
    response = client.post(url, headers=HX, data={f"line-{line.id}-scheduled_value": "45,500"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="sov-line-{line.id}">')
    assert "+$5,500.00" in html and "$45,500.00" in html and "$40,000.00" in html
    assert "Change order on 02 00 00: +$5,500.00, scheduled value now $45,500.00." in html
    plain = client.post(url, data={f"line-{line.id}-scheduled_value": "38000"})
    assert plain.status_code == 303
    assert _lines(s.approved)[1][2:4] == (Decimal("40000.00"), Decimal("-2000.00"))
    events = db.session.scalars(select(AuditEvent).where(*CHANGES).order_by(AuditEvent.id)).all()
    assert [(e.old_value, e.new_value) for e in events] == [("40000.00", "45500.00"), ("45500.00", "38000.00")]


@pytest.mark.parametrize(("typed", "message"), [
    ("-5", "Enter an amount of zero or more."),
    ("1.234", "Use at most two decimals (cents)."),
    ("abc", "Enter a number, like 1250.00."),
    ("", "Enter the new scheduled value."),
    ("40000", "That is the scheduled value already"),
    ("10000", "60,000.00 is billed on this line already"),
])
@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_change_order_bad_input(client, world, s, typed, message, hx, auth):
    line = s.approved.sov_lines[1]
    billed = Claim(commitment=s.approved, billing_period=world.period, number=1, created_by=world.admin,
                   status=ClaimStatus.APPROVED,
                   lines=[ClaimLine(sov_line=line, work_completed_this_period=Decimal("50000.00"),
                                    materials_presently_stored=Decimal("10000.00"))])
    db.session.add(billed)
    line.approved_changes = Decimal("0.00")
    db.session.commit()
    # the line's value is 40,000 and 60,000 is billed: already over, so only the overbilling check says no
    auth.sign_in(world.admin.email)
    before = _snapshot(), _lines(s.approved)
    response = client.post(commitments_url(world, s.approved, f"/sov/lines/{line.id}/change"), headers=HX if hx else {},
                           data={f"line-{line.id}-scheduled_value": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert f'id="line-{line.id}-scheduled_value-feedback"' in html
    assert (_snapshot(), _lines(s.approved)) == before


def test_change_orders_wait_for_an_approved_sov(client, world, s, auth):
    auth.sign_in(world.admin.email)
    line = s.draft.sov_lines[0]
    before = _snapshot(), _lines(s.draft)
    assert client.post(commitments_url(world, s.draft, "/sov/change-orders"), data=_line_data()).status_code == 303
    response = client.post(commitments_url(world, s.draft, f"/sov/lines/{line.id}/change"),
                           data={f"line-{line.id}-scheduled_value": "5"})
    assert "still a draft" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert (_snapshot(), _lines(s.draft)) == before


# --- who may do what, on every route ----------------------------------------------------------------


def _routes(world, s):
    d, a = s.draft, s.approved
    dl, al = d.sov_lines[0], a.sov_lines[0]
    return [
        ("get", commitments_url(world), {}, "read"),
        ("get", commitments_url(world, d), {}, "read"),
        ("get", commitments_url(world, d, f"/sov/lines/{dl.id}"), {}, "read"),  # sent with HX-Request: the row
        ("get", commitments_url(world, suffix="/new"), {}, "admin"),
        ("post", commitments_url(world, suffix="/new"), _commitment_data(s.keystone), "admin"),
        ("get", commitments_url(world, d, "/edit"), {}, "admin"),
        ("post", commitments_url(world, d, "/edit"),
         _commitment_data(s.keystone, number="SC-001", title="Changed"), "admin"),
        ("post", commitments_url(world, d, "/contacts"), {"user_id": s.jo.id}, "admin"),
        ("post", commitments_url(world, d, f"/contacts/{s.maria.id}/remove"), {}, "admin"),
        ("post", commitments_url(world, d, "/private"), {"user_id": world.readonly.id}, "admin"),
        ("post", commitments_url(world, a, f"/private/{world.standard.id}/remove"), {}, "admin"),
        ("post", commitments_url(world, d, "/sov/lines"), _line_data(), "admin"),
        ("get", commitments_url(world, d, f"/sov/lines/{dl.id}/edit"), {}, "admin"),
        ("post", commitments_url(world, d, f"/sov/lines/{dl.id}"), _line_data(f"line-{dl.id}"), "admin"),
        ("post", commitments_url(world, d, f"/sov/lines/{dl.id}/move"), {"direction": "down"}, "admin"),
        ("post", commitments_url(world, d, f"/sov/lines/{dl.id}/remove"), {}, "admin"),
        ("post", commitments_url(world, a, "/sov/change-orders"), _line_data(), "admin"),
        ("post", commitments_url(world, a, f"/sov/lines/{al.id}/change"),
         {f"line-{al.id}-scheduled_value": "1"}, "admin"),
        ("post", commitments_url(world, d, "/sov/approve"), CONFIRM, "admin"),
    ]


@pytest.mark.parametrize(("who", "read", "write"), [
    ("standard", 200, 403), ("readonly", 200, 403), ("nobody", 404, 404), ("contact", 404, 404)])
def test_who_may_do_what(client, world, s, who, read, write, auth):
    s.approved.private_users.append(world.standard)
    db.session.commit()
    email = s.maria.email if who == "contact" else getattr(world, who).email
    auth.sign_in(email)
    before = _snapshot(), _lines(s.draft)
    for method, url, data, kind in _routes(world, s):
        response = getattr(client, method)(url, data=data, headers=HX if "/sov/lines/" in url else {})
        expected = read if kind == "read" else write
        assert response.status_code == expected, (who, method, url, response.status_code)
    assert (_snapshot(), _lines(s.draft)) == before


@pytest.mark.parametrize("who", ["admin", "project_admin"])
def test_admins_may_do_everything(client, world, s, who, auth):
    s.approved.private_users.append(world.standard)
    db.session.commit()
    auth.sign_in(world.admin.email if who == "admin" else s.project_admin.email)
    for method, url, data, _kind in _routes(world, s):
        response = getattr(client, method)(url, data=data, headers=HX if "/sov/lines/" in url else {})
        assert response.status_code in (200, 303), (who, method, url, response.status_code)
    assert _fresh(s.draft).sov_status is SovStatus.APPROVED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == (world.admin.id if who == "admin" else s.project_admin.id))) >= 12


def test_anonymous_is_sent_to_sign_in_everywhere(client, world, s):
    before = _snapshot()
    for method, url, data, _kind in _routes(world, s):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    assert _snapshot() == before


def test_a_private_commitment_is_404_for_those_not_on_its_list(client, world, s, auth):
    auth.sign_in(world.standard.email)
    line = s.secret.sov_lines[0]
    before = _snapshot()
    for method, url in [("get", commitments_url(world, s.secret)), ("get", commitments_url(world, s.secret, "/edit")),
                        ("get", commitments_url(world, s.secret, f"/sov/lines/{line.id}")),
                        ("post", commitments_url(world, s.secret, "/contacts")),
                        ("post", commitments_url(world, s.secret, "/sov/lines")),
                        ("post", commitments_url(world, s.secret, f"/sov/lines/{line.id}/change"))]:
        assert getattr(client, method)(url).status_code == 404, url
    assert _snapshot() == before


def test_a_vendor_contact_never_sees_the_setup_pages(client, world, s, auth):
    auth.sign_in(s.dev.email)
    assert client.get(commitments_url(world, s.approved)).status_code == 404
    assert client.get(commitments_url(world)).status_code == 404
    assert client.get("/projects/new").status_code == 403
