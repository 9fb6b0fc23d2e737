"""The head contract's setup pages (issue 16): its page, create (once), edit, and its schedule of values served
by the commitments' SOV views; bad input that writes nothing, and who may do what on every route."""

from __future__ import annotations

import html as html_lib
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from domain import head_contract
from domain.head_contract import SECOND_HEAD_CONTRACT, HeadContractData
from domain.models import (
    AccessLevel,
    AuditEvent,
    Commitment,
    CommitmentKind,
    Company,
    ProjectPermission,
    SovLine,
    SovStatus,
    db,
)
from tests import factories
from tests.helpers import count, project_url

HX = {"HX-Request": "true"}
CONFIRM = {"confirm": "yes"}


def hc_url(world, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return project_url(world, "head-contract", suffix=suffix)


def _snapshot() -> tuple:
    """Everything the head contract's setup can write."""
    return (count(Commitment), count(SovLine), count(AuditEvent), count(Company),
            db.session.scalar(select(func.coalesce(func.sum(SovLine.position), 0))),
            db.session.scalar(select(func.coalesce(func.sum(SovLine.original_value + SovLine.approved_changes), 0))),
            db.session.scalar(select(func.count()).where(Commitment.sov_status == SovStatus.APPROVED)),
            tuple(db.session.execute(select(Commitment.number, Commitment.title, Commitment.client_contact_email,
                                            Commitment.retention_pct).order_by(Commitment.id)).all()))


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html_lib.unescape(response.get_data(as_text=True))


def _form(**change: str) -> dict[str, str]:
    data = {"number": "HC-100", "title": "Prime contract with the hospital", "status": "APPROVED",
            "client_name": "Riverside Health Partners", "client_contact_name": "Elena Brooks",
            "client_contact_email": "elena@riverside.example", "contract_date": "2026-03-02",
            "retention_pct": "5", "stored_materials_retention_pct": ""}
    data.update(change)
    return data


def _line_data(prefix: str = "new", **change: str) -> dict[str, str]:
    data = {"cost_code": "03 30 00", "description": "Cast-in-place concrete", "scheduled_value": "12,500.50"}
    data.update(change)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def _make_head(world, *, lines=("100000.00", "50000.00"), approved: bool = False) -> Commitment:  # type: ignore[no-untyped-def]
    from domain import sov

    head = head_contract.create_head_contract(world.project, HeadContractData(
        number="HC-777", title="Prime contract", client_name="Riverside Health Partners",
        client_contact_name="Elena Brooks", client_contact_email="elena@riverside.example",
        contract_date=date(2026, 3, 2)), world.admin)
    for n, value in enumerate(lines, start=1):
        sov.add_line(head, sov.LineData(f"0{n} 00 00", f"Line {n}", Decimal(value)), world.admin)
    if approved:
        sov.approve_sov(head, world.admin)
    return head


@pytest.fixture
def s(world):  # type: ignore[no-untyped-def]
    """A vendor with a subcontract (Draft SOV), a project Admin, and the vendor's contact."""
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    sub = factories.commitment(world.project, keystone, number="SC-001", title="Concrete", sov_approved=False)
    project_admin = factories.user(world.company, "pa@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=project_admin, level=AccessLevel.ADMIN))
    db.session.commit()
    return SimpleNamespace(keystone=keystone, contact=keystone.default_claim_contact, sub=sub,
                           project_admin=project_admin)


def _head(world) -> Commitment | None:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return head_contract.head_contract_of(world.project)


# --- the project page's card --------------------------------------------------------------------


def test_the_project_page_offers_to_set_it_up_then_links_to_it(client, world, s, auth):
    auth.sign_in(world.admin.email)
    page = _text(client.get(project_url(world, "")[:-1]))
    assert 'id="head-contract-card"' in page and hc_url(world, "/new") in page
    auth.switch(world.readonly.email)
    page = _text(client.get(project_url(world, "")[:-1]))
    assert 'id="head-contract-card"' not in page  # nothing to see, nothing to set up
    _make_head(world)
    page = _text(client.get(project_url(world, "")[:-1]))
    assert "HC-777" in page and f'href="{hc_url(world)}"' in page and hc_url(world, "/new") not in page


# --- create -----------------------------------------------------------------------------------------


def test_creating_the_head_contract_then_its_sov_page(client, world, s, auth):
    auth.sign_in(world.admin.email)
    form = client.get(hc_url(world, "/new"))
    assert form.status_code == 200 and 'name="client_contact_email"' in _text(form)
    assert 'value="10.00"' in _text(form)  # the company's default retention
    response = client.post(hc_url(world, "/new"), data=_form())
    assert response.status_code == 303 and response.headers["Location"].endswith(hc_url(world, "/sov"))
    head = _head(world)
    assert head.kind is CommitmentKind.HEAD_CONTRACT and head.vendor.name == "Riverside Health Partners"
    assert (head.number, head.client_contact_name, head.client_contact_email, head.contract_date,
            head.retention_pct, head.stored_materials_retention_pct, head.sov_status) == (
        "HC-100", "Elena Brooks", "elena@riverside.example", date(2026, 3, 2), Decimal("5.00"), None,
        SovStatus.DRAFT)
    page = _text(client.get(response.headers["Location"]))
    assert "Head Contract HC-100 Prime contract with the hospital is created." in page
    assert "No lines yet." in page and "Add a line" in page
    view = _text(client.get(hc_url(world)))
    for shown in ("Riverside Health Partners", "Elena Brooks", "mailto:elena@riverside.example", "5.00%",
                  "as on work (5.00%)", "SOV Draft", "0 lines", "$0.00"):
        assert shown in view, shown
    assert "Mar 2" in view  # the contract date


def test_an_existing_client_company_is_used_not_added_twice(client, world, s, auth):
    auth.sign_in(world.admin.email)
    companies = count(Company)
    client.post(hc_url(world, "/new"), data=_form(client_name="keystone concrete co."))
    assert _head(world).vendor_id == s.keystone.id and count(Company) == companies


def test_a_second_head_contract_is_refused_and_nothing_written(client, world, s, auth):
    _make_head(world)
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.get(hc_url(world, "/new"))
    assert response.status_code == 303 and response.headers["Location"].endswith(hc_url(world))
    assert SECOND_HEAD_CONTRACT in _text(client.get(response.headers["Location"]))
    response = client.post(hc_url(world, "/new"), data=_form(number="HC-200"))
    page = _text(response)
    assert response.status_code == 422 and SECOND_HEAD_CONTRACT in page and 'id="number-feedback"' in page
    assert _snapshot() == before


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"number": ""}, "number", "Enter the number."),
    ({"number": "SC-001"}, "number", "SC-001 (Concrete) already has this number on this project."),
    ({"title": ""}, "title", "Enter the title."),
    ({"client_name": " "}, "client_name", "Enter the client company's name."),
    ({"client_name": "Harbor & Pine Builders"}, "client_name", "is your own company"),
    ({"client_name": "C" * 201}, "client_name", "Use at most 200 characters."),
    ({"client_contact_name": ""}, "client_contact_name", "Enter the client contact's name."),
    ({"client_contact_email": ""}, "client_contact_email", "Enter the client contact's e-mail"),
    ({"client_contact_email": "elena@"}, "client_contact_email", "Enter a valid e-mail address"),
    ({"client_contact_email": "not an address"}, "client_contact_email", "Enter a valid e-mail address"),
    ({"contract_date": ""}, "contract_date", "Enter the contract date."),
    ({"contract_date": "02/03/2026"}, "contract_date", "Enter a date like 2026-11-30."),
    ({"retention_pct": "101"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"retention_pct": "-1"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"retention_pct": "abc"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"stored_materials_retention_pct": "150"}, "stored_materials_retention_pct", "Enter a percentage from 0 to 100."),
    ({"status": "NOPE"}, "status", "Choose a status."),
])
def test_bad_input_says_what_is_wrong_next_to_the_field_and_writes_nothing(client, world, s, change, field, message,
                                                                          auth):
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(hc_url(world, "/new"), data=_form(**change))
    page = _text(response)
    assert response.status_code == 422
    feedback = page[page.index(f'id="{field}-feedback"'):]
    assert message in feedback[:feedback.index("</div>")]
    assert 'value="Prime contract with the hospital"' in page or field == "title"  # what was typed stays
    assert _snapshot() == before and _head(world) is None


def test_every_missing_client_field_is_reported_at_once(client, world, s, auth):
    auth.sign_in(world.admin.email)
    page = _text(client.post(hc_url(world, "/new"), data=_form(client_name="", client_contact_name="",
                                                                client_contact_email="")))
    for field in ("client_name", "client_contact_name", "client_contact_email"):
        assert f'id="{field}-feedback"' in page, field
    page = _text(client.post(hc_url(world, "/new"), data=_form(client_contact_email="jo@harbour", retention_pct="120")))
    assert "Enter a valid e-mail address" in page and "Enter a percentage from 0 to 100." in page


# --- edit -----------------------------------------------------------------------------------------


def test_editing_saves_each_change_and_records_it(client, world, s, auth):
    head = _make_head(world)
    auth.sign_in(s.project_admin.email)
    form = _text(client.get(hc_url(world, "/edit")))
    assert 'value="HC-777"' in form and 'value="elena@riverside.example"' in form and 'value="2026-03-02"' in form
    events = count(AuditEvent)
    response = client.post(hc_url(world, "/edit"), data=_form(number="HC-777", title="Prime contract",
                                                              client_contact_email="ap@riverside.example",
                                                              retention_pct="7.5", status="DRAFT"))
    assert response.status_code == 303 and response.headers["Location"].endswith(hc_url(world))
    head = _head(world)
    assert (head.client_contact_email, head.retention_pct, head.contract_date) == (
        "ap@riverside.example", Decimal("7.50"), date(2026, 3, 2))
    assert count(AuditEvent) > events
    assert "HC-777 Prime contract is saved." in _text(client.get(response.headers["Location"]))


def test_editing_with_nothing_changed_says_so(client, world, s, auth):
    _make_head(world)
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(hc_url(world, "/edit"), data=_form(number="HC-777", title="Prime contract",
                                                              retention_pct="10.00", status="DRAFT"))
    assert "Nothing changed." in _text(client.get(response.headers["Location"]))
    assert _snapshot() == before


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"client_contact_email": "elena@@riverside"}, "client_contact_email", "Enter a valid e-mail address"),
    ({"retention_pct": "100.5"}, "retention_pct", "Enter a percentage from 0 to 100."),
    ({"number": "sc-001"}, "number", "already has this number"),
])
def test_edit_bad_input_writes_nothing(client, world, s, change, field, message, auth):
    _make_head(world)
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(hc_url(world, "/edit"), data=_form(**{"number": "HC-777", **change}))
    page = _text(response)
    assert response.status_code == 422 and message in page and f'id="{field}-feedback"' in page
    assert _snapshot() == before


# --- its schedule of values, through the commitments' SOV views -----------------------------------------


def test_adding_lines_plain_and_htmx_and_shared_cost_codes_are_allowed(client, world, s, auth):
    head = _make_head(world, lines=())
    auth.sign_in(world.admin.email)
    response = client.post(hc_url(world, "/sov/lines"), data=_line_data())
    line_id = db.session.scalar(select(func.max(SovLine.id)))
    assert response.status_code == 303 and response.headers["Location"].endswith(
        hc_url(world, f"/sov#sov-line-{line_id}"))
    page = _text(client.get(response.headers["Location"]))
    assert "Line 03 30 00 added." in page and "$12,500.50" in page
    assert f'action="{hc_url(world, f"/sov/lines/{line_id}/remove")}"' in page  # the row's buttons: this home's
    response = client.post(hc_url(world, "/sov/lines"), data=_line_data(description="Concrete: allowance",
                                                                        scheduled_value="1000"), headers=HX)
    fragment = _text(response)
    assert response.status_code == 200 and fragment.lstrip().startswith('<form id="sov-add"')
    assert f'action="{hc_url(world, "/sov/lines")}"' in fragment and "Concrete: allowance" in fragment
    assert "$13,500.50" in fragment and "Line 03 30 00 added." in fragment
    db.session.expire_all()
    assert [(x.cost_code, x.position) for x in head.sov_lines] == [("03 30 00", 1), ("03 30 00", 2)]
    assert "Lines may share a cost code" in _text(client.get(hc_url(world, "/sov")))


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("change", "field", "message"), [
    ({"cost_code": ""}, "cost_code", "Enter the cost code."),
    ({"description": "D" * 301}, "description", "Use at most 300 characters."),
    ({"scheduled_value": "-5"}, "scheduled_value", "Enter an amount of zero or more."),
    ({"scheduled_value": "abc"}, "scheduled_value", "Enter a number, like 1250.00."),
])
def test_sov_line_bad_input_writes_nothing(client, world, s, change, field, message, hx, auth):
    _make_head(world)
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(hc_url(world, "/sov/lines"), data=_line_data(**change), headers=HX if hx else {})
    page = _text(response)
    assert response.status_code == 422 and message in page and f'id="new-{field}-feedback"' in page
    assert page.lstrip().startswith('<form id="sov-add"') is hx
    assert _snapshot() == before


def test_edit_move_remove_then_approve_and_change_orders(client, world, s, auth):
    head = _make_head(world)
    first, second = head.sov_lines
    auth.sign_in(world.admin.email)
    row = _text(client.get(hc_url(world, f"/sov/lines/{first.id}/edit"), headers=HX))
    assert f'hx-post="{hc_url(world, f"/sov/lines/{first.id}")}"' in row
    assert f'href="{hc_url(world, f"/sov#sov-line-{first.id}")}"' in row  # Cancel without JavaScript
    assert client.post(hc_url(world, f"/sov/lines/{first.id}"),
                       data=_line_data(f"line-{first.id}", cost_code="01 10 00")).status_code == 303
    assert client.post(hc_url(world, f"/sov/lines/{first.id}/move"), data={"direction": "down"}).status_code == 303
    db.session.expire_all()
    assert [x.cost_code for x in _head(world).sov_lines] == ["02 00 00", "01 10 00"]
    assert client.post(hc_url(world, f"/sov/lines/{second.id}/remove")).status_code == 303
    # approving asks first, on a page of its own that points back here
    ask = _text(client.post(hc_url(world, "/sov/approve")))
    assert "Approve the schedule of values of HC-777 Prime contract?" in ask
    assert f'action="{hc_url(world, "/sov/approve")}"' in ask and f'href="{hc_url(world, "/sov#sov")}"' in ask
    assert _head(world).sov_status is SovStatus.DRAFT
    response = client.post(hc_url(world, "/sov/approve"), data=CONFIRM)
    assert response.status_code == 303 and response.headers["Location"].endswith(hc_url(world, "/sov#sov"))
    assert _head(world).sov_status is SovStatus.APPROVED
    page = _text(client.get(response.headers["Location"]))
    assert "approved and locked" in page and "Add a line from an approved change order" in page
    assert "Import lines from a spreadsheet" not in page
    # change orders: a new line, and a new scheduled value
    assert client.post(hc_url(world, "/sov/change-orders"), data=_line_data(scheduled_value="2000")).status_code == 303
    line = _head(world).sov_lines[0]
    assert client.post(hc_url(world, f"/sov/lines/{line.id}/change"),
                       data={f"line-{line.id}-scheduled_value": "15,000.00"}).status_code == 303
    head = _head(world)
    assert [(x.original_value, x.approved_changes) for x in head.sov_lines] == [
        (Decimal("12500.50"), Decimal("2499.50")), (Decimal("0.00"), Decimal("2000.00"))]
    # a Draft action on the approved SOV is refused with why (htmx: sent to the fresh SOV page)
    before = _snapshot()
    refused = client.post(hc_url(world, "/sov/lines"), data=_line_data(), headers=HX)
    assert refused.status_code == 200 and refused.headers["HX-Redirect"].endswith(hc_url(world, "/sov#sov"))
    assert _snapshot() == before
    view = _text(client.get(hc_url(world)))
    assert "SOV Approved" in view and "$17,000.00" in view and "$4,499.50" in view


def test_a_commitments_line_does_not_open_through_the_head_contract(client, world, s, auth):
    _make_head(world)
    auth.sign_in(world.admin.email)
    line = s.sub.sov_lines[0]
    before = _snapshot()
    for method, url in [("get", hc_url(world, f"/sov/lines/{line.id}")),
                        ("get", hc_url(world, f"/sov/lines/{line.id}/edit")),
                        ("post", hc_url(world, f"/sov/lines/{line.id}")),
                        ("post", hc_url(world, f"/sov/lines/{line.id}/remove"))]:
        assert getattr(client, method)(url, headers=HX).status_code == 404, url
    assert _snapshot() == before


def test_without_a_head_contract_its_pages_are_404_but_new(client, world, s, auth):
    auth.sign_in(world.admin.email)
    for suffix in ("", "/edit", "/sov"):
        assert client.get(hc_url(world, suffix)).status_code == 404, suffix
    assert client.post(hc_url(world, "/sov/lines"), data=_line_data()).status_code == 404
    assert client.get(hc_url(world, "/new")).status_code == 200


# --- who may do what, on every route --------------------------------------------------------------


def _routes(world, head):  # type: ignore[no-untyped-def]
    line, other = head.sov_lines
    return [
        ("get", hc_url(world), {}, "read"),
        ("get", hc_url(world, "/sov"), {}, "read"),
        ("get", hc_url(world, f"/sov/lines/{line.id}"), {}, "read"),  # with HX-Request: the row
        ("get", hc_url(world, "/new"), {}, "admin"),  # an Admin is sent to the existing one
        ("post", hc_url(world, "/new"), _form(number="HC-999"), "admin"),  # an Admin is refused (422)
        ("get", hc_url(world, "/edit"), {}, "admin"),
        ("post", hc_url(world, "/edit"), _form(number="HC-777", title="Changed"), "admin"),
        ("post", hc_url(world, "/sov/lines"), _line_data(), "admin"),
        ("get", hc_url(world, f"/sov/lines/{line.id}/edit"), {}, "admin"),
        ("post", hc_url(world, f"/sov/lines/{line.id}"), _line_data(f"line-{line.id}"), "admin"),
        ("post", hc_url(world, f"/sov/lines/{line.id}/move"), {"direction": "down"}, "admin"),
        ("post", hc_url(world, f"/sov/lines/{other.id}/remove"), {}, "admin"),
        ("post", hc_url(world, "/sov/approve"), CONFIRM, "admin"),
        ("post", hc_url(world, "/sov/change-orders"), _line_data(), "admin"),
        ("post", hc_url(world, f"/sov/lines/{line.id}/change"), {f"line-{line.id}-scheduled_value": "1"}, "admin"),
    ]


@pytest.mark.parametrize(("who", "read", "write"), [
    ("standard", 200, 403), ("readonly", 200, 403), ("nobody", 404, 404), ("contact", 404, 404),
    ("client", 404, 404)])
def test_who_may_do_what(client, world, s, who, read, write, auth):
    head = _make_head(world)
    if who == "client":  # even a user of the client company, put on it by hand (no page does)
        user = factories.user(head.vendor, "clerk@riverside.example", "Casey Clerk")
        head.claim_contacts.append(user)
        db.session.commit()
        email = user.email
    else:
        email = s.contact.email if who == "contact" else getattr(world, who).email
    auth.sign_in(email)
    before = _snapshot()
    for method, url, data, kind in _routes(world, head):
        response = getattr(client, method)(url, data=data, headers=HX if "/sov/lines/" in url else {})
        expected = read if kind == "read" else write
        assert response.status_code == expected, (who, method, url, response.status_code)
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["admin", "project_admin"])
def test_admins_may_do_everything(client, world, s, who, auth):
    head = _make_head(world)
    auth.sign_in(world.admin.email if who == "admin" else s.project_admin.email)
    for method, url, data, _kind in _routes(world, head):
        response = getattr(client, method)(url, data=data, headers=HX if "/sov/lines/" in url else {})
        assert response.status_code in (200, 303, 422), (who, method, url, response.status_code)
        assert response.status_code != 422 or url.endswith("/new"), (method, url)  # only the second head contract
    head = _head(world)
    assert head.title == "Changed" and head.sov_status is SovStatus.APPROVED and count(Commitment) == 2


def test_anonymous_is_sent_to_sign_in_everywhere(client, world, s):
    head = _make_head(world)
    before = _snapshot()
    for method, url, data, _kind in _routes(world, head):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    assert _snapshot() == before
