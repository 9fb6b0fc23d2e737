"""Company settings, the directory (vendors and people) and account activation.

Every screen's success and failure paths, every bad input with its message and nothing
written, who may do what, the activation e-mail and its link.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import event, func, select, update

from domain import emails, tokens
from domain.models import (
    AccessLevel,
    AuditEvent,
    Company,
    Dictionary,
    OutboxMessage,
    OutboxStatus,
    ProjectPermission,
    User,
    db,
)
from tests import factories
from tests.conftest import sign_in

# --- set-up -----------------------------------------------------------------------------------------


@dataclass
class Directory:
    world: factories.World
    project_admin: User  # Admin on the project's Commitments tool, not a company admin
    keystone: Company
    maria: User  # Keystone's default contact
    brightline: Company
    dev: User  # Brightline's default contact


@pytest.fixture
def d(world: factories.World) -> Directory:
    project_admin = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=project_admin, level=AccessLevel.ADMIN))
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    brightline = factories.vendor("Brightline Electric LLC", "dev@brightline.example")
    db.session.commit()
    return Directory(world=world, project_admin=project_admin, keystone=keystone,
                     maria=keystone.default_claim_contact, brightline=brightline,
                     dev=brightline.default_claim_contact)


@pytest.fixture
def admin(client: FlaskClient, d: Directory) -> FlaskClient:
    sign_in(client, d.world.admin.email)
    return client


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where, *factories.not_sign_ins(model)))


def state() -> tuple:
    """Everything the directory may write, to compare before and after a refused request."""
    db.session.expire_all()
    companies = tuple(db.session.execute(
        select(Company.id, Company.name, Company.address, Company.trade, Company.dictionary,
               Company.default_retention_pct, Company.invite_message, Company.time_zone,
               Company.default_claim_contact_id).order_by(Company.id)).all())
    users = tuple(db.session.execute(
        select(User.id, User.name, User.email, User.company_id, User.is_company_admin, User.active,
               User.password_hash).order_by(User.id)).all())
    return companies, users, count(AuditEvent), count(OutboxMessage)


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def assert_message_next_to(html: str, field: str, message: str) -> None:
    assert f'id="{field}-feedback"' in html, html
    feedback = html.split(f'id="{field}-feedback"')[1].split("</div>")[0]
    assert message in unescape(feedback), feedback


def activation_mails(user: User | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == emails.ACCOUNT_ACTIVATION).order_by(OutboxMessage.id)
    if user is not None:
        query = query.where(OutboxMessage.to_user_id == user.id)
    return list(db.session.scalars(query))


def audit_actions(entity_type: str, entity_id: int) -> list[tuple[str, str, str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(AuditEvent.action, AuditEvent.field, AuditEvent.old_value, AuditEvent.new_value)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)).all()]


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


SETTINGS = {
    "name": "Harbor & Pine Builders",
    "dictionary": "SPECIALTY",
    "default_retention_pct": "10",
    "invite_message": "",
    "time_zone": "America/New_York",
}


def person(company: Company, **change: object) -> dict[str, object]:
    return {"name": "Noor Haddad", "email": "noor@keystone.example", "company_id": str(company.id), **change}


def person_as_is(user: User, **change: object) -> dict[str, object]:
    data: dict[str, object] = {"name": user.name, "email": user.email, "company_id": str(user.company_id)}
    if user.is_company_admin:
        data["is_company_admin"] = "y"
    if user.active:
        data["active"] = "y"
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


# --- who may do what ----------------------------------------------------------------------------------


def pages(d: Directory) -> list[str]:
    return ["/settings/company", "/directory", "/directory/vendors/new", f"/directory/vendors/{d.keystone.id}",
            "/directory/people", f"/directory/people?company={d.keystone.id}", "/directory/people/new",
            f"/directory/people/{d.maria.id}"]


def posts(d: Directory) -> list[tuple[str, dict]]:
    return [
        ("/settings/company", {**SETTINGS, "name": "Taken over"}),
        ("/directory/vendors/new", {"name": "Intruder Inc."}),
        (f"/directory/vendors/{d.keystone.id}", {"name": "Renamed", "default_claim_contact_id": ""}),
        ("/directory/people/new", person(d.keystone)),
        (f"/directory/people/{d.maria.id}", person_as_is(d.maria, name="Renamed")),
        (f"/directory/people/{d.maria.id}/deactivate", {}),
        (f"/directory/people/{d.maria.id}/reactivate", {}),
        (f"/directory/people/{d.maria.id}/resend-activation", {}),
    ]


def test_company_admin_opens_every_page(admin, d):
    for path in pages(d):
        response = admin.get(path)
        assert response.status_code == 200, path


@pytest.mark.parametrize("who", ["project_admin", "standard", "readonly", "nobody"])
def test_internal_users_who_are_not_company_admins_get_404_and_403(client, d, who):
    user = d.project_admin if who == "project_admin" else getattr(d.world, who)
    sign_in(client, user.email)
    for path in pages(d):
        assert client.get(path).status_code == 404, path
    before = state()
    for path, data in posts(d):
        assert client.post(path, data=data).status_code == 403, path
    assert state() == before
    nav = html_of(client.get("/"))
    assert "/directory" not in nav and "/settings/company" not in nav


def test_vendor_users_get_404_for_everything(client, d):
    sign_in(client, d.maria.email)
    for path in pages(d):
        assert client.get(path).status_code == 404, path
    before = state()
    for path, data in posts(d):
        assert client.post(path, data=data).status_code == 404, path
    assert state() == before


def test_anonymous_is_sent_to_sign_in(client, d):
    for path in pages(d):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    before = state()
    for path, data in posts(d):
        assert client.post(path, data=data).status_code == 302, path
    assert state() == before


def test_company_admin_sees_directory_and_settings_in_the_menu(admin):
    html = html_of(admin.get("/"))
    assert 'href="/directory"' in html and 'href="/settings/company"' in html


@pytest.fixture
def config_overrides(request):  # type: ignore[no-untyped-def]
    return getattr(request, "param", {})


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_every_post_needs_the_csrf_token(client, d):
    html = html_of(client.get("/sign-in"))
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/sign-in", data={"email": d.world.admin.email, "password": factories.PASSWORD,
                                         "csrf_token": token}).status_code == 303
    before = state()
    for path, data in posts(d):
        assert client.post(path, data=data).status_code == 400, path
    assert state() == before


# --- company settings -----------------------------------------------------------------------------------


def test_settings_page_shows_the_current_settings_and_every_dictionary(admin, d):
    d.world.company.invite_message = "Bill by the 25th <please>"
    db.session.commit()
    html = html_of(admin.get("/settings/company"))
    assert 'value="Harbor &amp; Pine Builders"' in html
    assert 'value="10.00"' in html
    assert "Bill by the 25th &lt;please&gt;" in html
    assert '<option selected value="America/New_York">' in html or 'value="America/New_York" selected' in html
    assert 'id="dictionary-SPECIALTY" value="SPECIALTY" checked' in html
    # how the words change, side by side
    for word in ["Progress Claim Contact", "Subcontractor Invoice", "Retainage", "Prime Contract", "Funding"]:
        assert word in html


def test_settings_are_saved_and_recorded(admin, d):
    data = {"name": "  Harbor & Pine Builders West ", "dictionary": "GENERAL", "default_retention_pct": "7.5",
            "invite_message": "Line one\r\nLine two", "time_zone": "America/Vancouver"}
    response = admin.post("/settings/company", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/settings/company"
    company = db.session.get(Company, d.world.company.id)
    assert company.name == "Harbor & Pine Builders West"
    assert company.dictionary is Dictionary.GENERAL
    assert company.default_retention_pct == Decimal("7.50") and isinstance(company.default_retention_pct, Decimal)
    assert company.invite_message == "Line one\nLine two"
    assert company.time_zone == "America/Vancouver"
    changed = {(field, old, new) for action, field, old, new in audit_actions("company", company.id)}
    assert changed == {
        ("name", "Harbor & Pine Builders", "Harbor & Pine Builders West"),
        ("dictionary", "Specialty contractor", "General contractor"),
        ("default_retention_pct", "10.00", "7.50"),
        ("invite_message", "", "Line one\nLine two"),
        ("time_zone", "America/New_York", "America/Vancouver"),
    }
    page = html_of(admin.get("/settings/company"))
    assert "Company settings saved." in page
    # the words change everywhere at once
    assert "Default retainage %" in page and "<title>Company settings · Invoicing</title>" in page


def test_saving_unchanged_settings_records_nothing(admin, d):
    before = count(AuditEvent)
    response = admin.post("/settings/company", data=SETTINGS)
    assert response.status_code == 303
    assert count(AuditEvent) == before
    assert "Nothing changed." in html_of(admin.get("/settings/company"))


@pytest.mark.parametrize(("typed", "stored"), [("0", "0.00"), ("100", "100.00"), ("12.25", "12.25"),
                                               (" 8 ", "8.00"), ("5%", "5.00"), ("99.9", "99.90")])
def test_good_retention_percentages(admin, d, typed, stored):
    assert admin.post("/settings/company", data={**SETTINGS, "default_retention_pct": typed}).status_code == 303
    assert db.session.get(Company, d.world.company.id).default_retention_pct == Decimal(stored)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the company's name."),
        ({"name": "   "}, "name", "Enter the company's name."),
        ({"name": "x" * 201}, "name", "Use at most 200 characters."),
        ({"default_retention_pct": "12.345"}, "default_retention_pct", "Use at most two decimals"),
        ({"default_retention_pct": "-1"}, "default_retention_pct", "Enter a percentage from 0 to 100."),
        ({"default_retention_pct": "101"}, "default_retention_pct", "Enter a percentage from 0 to 100."),
        ({"default_retention_pct": "100.01"}, "default_retention_pct", "Enter a percentage from 0 to 100."),
        ({"default_retention_pct": "abc"}, "default_retention_pct", "Enter a number, like 10 or 7.5."),
        ({"default_retention_pct": "1e1"}, "default_retention_pct", "Enter a number, like 10 or 7.5."),
        ({"default_retention_pct": "NaN"}, "default_retention_pct", "Enter a number, like 10 or 7.5."),
        ({"default_retention_pct": ""}, "default_retention_pct", "Enter a percentage from 0 to 100."),
        ({"invite_message": "m" * 2001}, "invite_message", "Keep the message to 2,000 characters or fewer."),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list."),
        ({"time_zone": ""}, "time_zone", "Choose a time zone from the list."),
        ({"dictionary": "PIRATE"}, "dictionary", "Choose one of the dictionaries."),
        ({"dictionary": None}, "dictionary", "Choose one of the dictionaries."),
    ],
)
def test_bad_settings_say_what_is_wrong_and_write_nothing(admin, d, change, field, message):
    data = {k: v for k, v in {**SETTINGS, "name": "Typed Name Ltd", "invite_message": "Typed message",
                              **change}.items() if v is not None}
    before = state()
    response = admin.post("/settings/company", data=data)
    html = html_of(response)
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    assert state() == before
    # what was typed stays
    if field != "name":
        assert 'value="Typed Name Ltd"' in html
    if field != "invite_message":
        assert "Typed message" in html
    if field == "default_retention_pct":
        assert f'value="{change["default_retention_pct"]}"' in html


def test_an_invite_message_of_2000_characters_with_line_breaks_fits(admin, d):
    message = ("a" * 98 + "\r\n") * 20  # 2,000 characters once CRLF is one line break
    assert admin.post("/settings/company", data={**SETTINGS, "invite_message": message}).status_code == 303
    assert len(db.session.get(Company, d.world.company.id).invite_message) == 1980


# --- vendors --------------------------------------------------------------------------------------------


def test_vendor_list_shows_name_trade_contact_and_user_count(admin, d):
    factories.user(d.keystone, "second@keystone.example", "Second Person")
    gone = factories.user(d.keystone, "gone@keystone.example", "Gone Person")
    gone.active = False
    db.session.commit()
    html = html_of(admin.get("/directory"))
    keystone_row = html.split("Keystone Concrete Co.</a>")[1].split("</tr>")[0]
    assert "Concrete" in keystone_row and d.maria.name in keystone_row
    assert f'href="/directory/people?company={d.keystone.id}"' in keystone_row and ">3</a>" in keystone_row
    assert "1 deactivated" in keystone_row
    assert "Harbor &amp; Pine" not in html.split("<tbody>")[1]  # the own company is not a vendor


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


def statements_for(client: FlaskClient, path: str) -> int:
    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


@pytest.mark.parametrize("path", ["/directory", "/directory/people"])
def test_lists_load_in_a_fixed_number_of_statements(admin, d, path):
    few = statements_for(admin, path)
    for _ in range(6):
        vendor = factories.vendor()
        factories.user(vendor, f"fresh{vendor.name.split()[1]}@v.example", password=False)
    db.session.commit()
    assert statements_for(admin, path) == few


def test_add_vendor(admin, d):
    response = admin.post("/directory/vendors/new", data={"name": "  Summit Mechanical Inc. ", "trade": "HVAC",
                                                           "address": "2200 NW Front Ave\r\nPortland, OR"})
    assert response.status_code == 303
    vendor = db.session.scalar(select(Company).where(Company.name == "Summit Mechanical Inc."))
    assert vendor is not None and not vendor.is_own and vendor.trade == "HVAC"
    assert vendor.address == "2200 NW Front Ave\r\nPortland, OR"
    assert response.headers["Location"] == f"/directory/vendors/{vendor.id}"
    created = "Summit Mechanical Inc. · HVAC · 2200 NW Front Ave\r\nPortland, OR"
    assert audit_actions("company", vendor.id) == [("vendor created", "", "", created)]
    page = html_of(admin.get(response.headers["Location"]))
    assert "Summit Mechanical Inc. is added" in page and f"/directory/people/new?company={vendor.id}" in page


def test_a_vendor_may_share_the_own_company_name(admin, d):
    assert admin.post("/directory/vendors/new", data={"name": "harbor & pine builders"}).status_code == 303


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the vendor's name."),
        ({"name": "x" * 201}, "name", "Use at most 200 characters."),
        ({"name": "Keystone Concrete Co."}, "name", "A vendor with this name already exists."),
        ({"name": "  KEYSTONE concrete co. "}, "name", "A vendor with this name already exists."),
        ({"trade": "t" * 121}, "trade", "Use at most 120 characters."),
        ({"address": "a" * 501}, "address", "Use at most 500 characters."),
    ],
)
def test_bad_new_vendor_says_what_is_wrong_and_writes_nothing(admin, d, change, field, message):
    data = {"name": "Typed Vendor", "trade": "Typed trade", "address": "Typed address", **change}
    before = state()
    response = admin.post("/directory/vendors/new", data=data)
    html = html_of(response)
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    assert state() == before
    if field != "trade":
        assert 'value="Typed trade"' in html
    if field != "address":
        assert "Typed address" in html


def test_edit_vendor_and_its_default_contact(admin, d):
    second = factories.user(d.keystone, "second@keystone.example", "Second Person")
    db.session.commit()
    page = html_of(admin.get(f"/directory/vendors/{d.keystone.id}"))
    assert "Default progress claim contact" in page and "second@keystone.example" in page
    assert "dev@brightline.example" not in page.split("People of")[0]  # other vendors' users are no choice
    response = admin.post(f"/directory/vendors/{d.keystone.id}", data={
        "name": "Keystone Concrete Company", "trade": "Concrete & rebar", "address": "88 Quarry Rd",
        "default_claim_contact_id": str(second.id)})
    assert response.status_code == 303
    vendor = db.session.get(Company, d.keystone.id)
    assert (vendor.name, vendor.trade, vendor.address, vendor.default_claim_contact_id) == (
        "Keystone Concrete Company", "Concrete & rebar", "88 Quarry Rd", second.id)
    changes = {(field, old, new) for _, field, old, new in audit_actions("company", vendor.id)}
    assert ("name", "Keystone Concrete Co.", "Keystone Concrete Company") in changes
    assert ("default_claim_contact", f"{d.maria.name} <maria@keystone.example>",
            "Second Person <second@keystone.example>") in changes
    # and no contact at all
    assert admin.post(f"/directory/vendors/{d.keystone.id}", data={
        "name": "Keystone Concrete Company", "default_claim_contact_id": ""}).status_code == 303
    assert db.session.get(Company, d.keystone.id).default_claim_contact_id is None


def test_a_vendor_can_be_renamed_in_another_case(admin, d):
    response = admin.post(f"/directory/vendors/{d.keystone.id}", data={
        "name": "KEYSTONE CONCRETE CO.", "default_claim_contact_id": str(d.maria.id)})
    assert response.status_code == 303
    assert db.session.get(Company, d.keystone.id).name == "KEYSTONE CONCRETE CO."


@pytest.mark.parametrize(
    ("contact", "change", "field", "message"),
    [
        ("dev", {}, "default_claim_contact_id", "Choose one of Keystone Concrete Co.'s active users."),
        ("own", {}, "default_claim_contact_id", "Choose one of Keystone Concrete Co.'s active users."),
        ("inactive", {}, "default_claim_contact_id", "Choose one of Keystone Concrete Co.'s active users."),
        ("99999", {}, "default_claim_contact_id", "Choose one of Keystone Concrete Co.'s active users."),
        ("abc", {}, "default_claim_contact_id", "Choose one of Keystone Concrete Co.'s active users."),
        ("maria", {"name": "Brightline Electric LLC"}, "name", "A vendor with this name already exists."),
        ("maria", {"name": " brightline ELECTRIC llc"}, "name", "A vendor with this name already exists."),
        ("maria", {"name": ""}, "name", "Enter the vendor's name."),
        ("maria", {"trade": "t" * 121}, "trade", "Use at most 120 characters."),
        ("maria", {"address": "a" * 501}, "address", "Use at most 500 characters."),
    ],
)
def test_bad_vendor_edit_says_what_is_wrong_and_writes_nothing(admin, d, contact, change, field, message):
    inactive = factories.user(d.keystone, "inactive@keystone.example", "Ina Active")
    inactive.active = False
    db.session.commit()
    chosen = {"dev": str(d.dev.id), "own": str(d.world.standard.id), "inactive": str(inactive.id),
              "maria": str(d.maria.id)}.get(contact, contact)
    data = {"name": "Keystone Typed", "trade": "Typed trade", "address": "Typed address",
            "default_claim_contact_id": chosen, **change}
    before = state()
    response = admin.post(f"/directory/vendors/{d.keystone.id}", data=data)
    html = html_of(response)
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    assert state() == before
    if field != "name":
        assert 'value="Keystone Typed"' in html


@pytest.mark.parametrize("which", ["unknown", "own"])
def test_unknown_vendor_and_the_own_company_are_404(admin, d, which):
    vendor_id = 99999 if which == "unknown" else d.world.company.id
    before = state()
    assert admin.get(f"/directory/vendors/{vendor_id}").status_code == 404
    assert admin.post(f"/directory/vendors/{vendor_id}", data={"name": "X"}).status_code == 404
    assert state() == before


# --- people ---------------------------------------------------------------------------------------------


def test_people_are_grouped_by_company(admin, d):
    html = html_of(admin.get("/directory/people"))
    own, keystone, brightline = (html.index(name) for name in [
        "Harbor &amp; Pine Builders", "Keystone Concrete Co.", "Brightline Electric LLC"])
    assert own < brightline < keystone  # own company first, then vendors by name
    assert d.world.admin.email in html and d.maria.email in html and d.dev.email in html
    assert "Company admin" in html


def test_people_filter_by_company_with_and_without_htmx(admin, d):
    html = html_of(admin.get(f"/directory/people?company={d.keystone.id}"))
    assert "<html" in html
    listed = html.split('id="people"')[1]
    assert d.maria.email in listed and d.dev.email not in listed and d.world.admin.email not in listed
    response = admin.get(f"/directory/people?company={d.brightline.id}", headers={"HX-Request": "true"})
    fragment = html_of(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in fragment and fragment.lstrip().startswith("{#") is False
    assert 'id="people"' in fragment and d.dev.email in fragment and d.maria.email not in fragment


@pytest.mark.parametrize("company", ["99999", "abc"])
def test_filter_by_an_unknown_company_is_404(admin, d, company):
    assert admin.get(f"/directory/people?company={company}").status_code == 404


def test_add_a_person_queues_one_activation_email(admin, d):
    before_mail = count(OutboxMessage)
    response = admin.post("/directory/people/new", data=person(d.keystone, email="  Noor@Keystone.Example "))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/directory/people?company={d.keystone.id}"
    noor = user_by_email("noor@keystone.example")
    assert noor is not None and noor.company_id == d.keystone.id and noor.active
    assert noor.password_hash is None and not noor.is_company_admin
    assert count(OutboxMessage) == before_mail + 1
    [mail] = activation_mails(noor)
    assert (mail.to_address, mail.actor_id, mail.status) == ("noor@keystone.example", d.world.admin.id,
                                                             OutboxStatus.PENDING)
    actions = [a for a, *_ in audit_actions("user", noor.id)]
    assert actions == ["user created", "activation e-mail queued"]
    page = html_of(admin.get(response.headers["Location"]))
    assert "Noor Haddad is added; an activation e-mail is on its way to noor@keystone.example." in page
    assert "No password yet" in page and "Resend activation e-mail" in page
    # the same form again: refused, and still one e-mail
    again = admin.post("/directory/people/new", data=person(d.keystone))
    assert again.status_code == 422
    assert_message_next_to(html_of(again), "email", "A user with this e-mail already exists.")
    assert len(activation_mails(noor)) == 1


def test_each_added_person_gets_their_own_single_email(admin, d):
    for n in range(3):
        assert admin.post("/directory/people/new", data=person(d.brightline, name=f"P {n}",
                                                               email=f"p{n}@brightline.example")).status_code == 303
    mails = activation_mails()
    assert sorted(m.to_address for m in mails) == [f"p{n}@brightline.example" for n in range(3)]


def test_add_a_company_admin_to_the_own_company(admin, d):
    response = admin.post("/directory/people/new", data=person(d.world.company, email="ops@pb.example",
                                                               is_company_admin="y"))
    assert response.status_code == 303
    assert user_by_email("ops@pb.example").is_company_admin


def test_the_first_person_of_a_vendor_becomes_its_default_contact(admin, d):
    evergreen = factories.vendor("Evergreen Landscaping", with_contact=False)
    db.session.commit()
    response = admin.post("/directory/people/new", data=person(evergreen, email="eve@evergreen.example"))
    assert response.status_code == 303
    eve = user_by_email("eve@evergreen.example")
    assert db.session.get(Company, evergreen.id).default_claim_contact_id == eve.id
    assert "is now Evergreen Landscaping&#39;s default contact" in html_of(admin.get(response.headers["Location"]))


def test_add_person_form_preselects_the_company(admin, d):
    html = html_of(admin.get(f"/directory/people/new?company={d.brightline.id}"))
    assert re.search(rf'<option selected value="{d.brightline.id}">', html)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter their name."),
        ({"name": "n" * 121}, "name", "Use at most 120 characters."),
        ({"email": ""}, "email", "Enter their e-mail address."),
        ({"email": "not-an-email"}, "email", "Enter a valid e-mail address, like name@example.com."),
        ({"email": "a" * 250 + "@x.example"}, "email", "An e-mail address has at most 254 characters."),
        ({"email": "ADMIN@pb.example"}, "email", "A user with this e-mail already exists."),
        ({"email": " maria@KEYSTONE.example"}, "email", "A user with this e-mail already exists."),
        ({"company_id": ""}, "company_id", "Choose a company from the list."),
        ({"company_id": "99999"}, "company_id", "Choose a company from the list."),
        ({"company_id": "abc"}, "company_id", "Choose a company from the list."),
        ({"is_company_admin": "y"}, "is_company_admin", "Only people of Harbor & Pine Builders can be company admins."),
    ],
)
def test_bad_new_person_says_what_is_wrong_and_writes_nothing(admin, d, change, field, message):
    data = person(d.keystone, name="Typed Name", email="typed@keystone.example")
    data.update(change)
    before = state()
    response = admin.post("/directory/people/new", data=data)
    html = html_of(response)
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    assert state() == before
    if field != "name":
        assert 'value="Typed Name"' in html
    if field != "email":
        assert 'value="typed@keystone.example"' in html


def test_every_problem_is_shown_at_once(admin, d):
    before = state()
    response = admin.post("/directory/people/new", data=person(d.keystone, email="MARIA@keystone.example",
                                                               is_company_admin="y"))
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "email", "A user with this e-mail already exists.")
    assert_message_next_to(html_of(response), "is_company_admin", "can be company admins.")
    response = admin.post(f"/directory/vendors/{d.keystone.id}", data={
        "name": "Brightline Electric LLC", "default_claim_contact_id": str(d.dev.id)})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "name", "A vendor with this name already exists.")
    assert_message_next_to(html_of(response), "default_claim_contact_id", "Choose one of Keystone")
    assert state() == before


def test_edit_a_person(admin, d):
    response = admin.post(f"/directory/people/{d.world.standard.id}", data=person_as_is(
        d.world.standard, name="Sam Standard-Lee", email="Sam.Lee@pb.example", is_company_admin="y"))
    assert response.status_code == 303
    sam = db.session.get(User, d.world.standard.id)
    assert (sam.name, sam.email, sam.is_company_admin) == ("Sam Standard-Lee", "sam.lee@pb.example", True)
    changes = {(field, old, new) for _, field, old, new in audit_actions("user", sam.id)}
    assert changes == {("name", "Sam Standard", "Sam Standard-Lee"),
                       ("email", "standard@pb.example", "sam.lee@pb.example"),
                       ("is_company_admin", "False", "True")}
    assert "Sam Standard-Lee is saved." in html_of(admin.get(response.headers["Location"]))


def test_edit_page_shows_what_is_typed_and_no_delete(admin, d):
    html = html_of(admin.get(f"/directory/people/{d.maria.id}"))
    assert 'value="maria@keystone.example"' in html and "Active" in html
    assert "Delete" not in html and "delete" not in html.lower().split("<main")[1]
    assert admin.post(f"/directory/people/{d.maria.id}/delete").status_code == 404
    assert admin.delete(f"/directory/people/{d.maria.id}").status_code == 405


def test_move_a_person_to_another_vendor(admin, d):
    second = factories.user(d.keystone, "second@keystone.example", "Second Person")
    db.session.commit()
    response = admin.post(f"/directory/people/{second.id}", data=person_as_is(second, company_id=str(d.brightline.id)))
    assert response.status_code == 303
    assert db.session.get(User, second.id).company_id == d.brightline.id
    moved = ("changed", "company", "Keystone Concrete Co.", "Brightline Electric LLC")
    assert moved in audit_actions("user", second.id)


def test_moving_the_default_contact_clears_it(admin, d):
    response = admin.post(f"/directory/people/{d.maria.id}",
                          data=person_as_is(d.maria, company_id=str(d.brightline.id)))
    assert response.status_code == 303
    assert db.session.get(Company, d.keystone.id).default_claim_contact_id is None


def test_a_claim_contact_on_a_commitment_cannot_move_company(admin, d):
    factories.commitment(d.world.project, d.keystone, number="SC-100")
    db.session.commit()
    before = state()
    response = admin.post(f"/directory/people/{d.maria.id}",
                          data=person_as_is(d.maria, company_id=str(d.brightline.id)))
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "company_id", "is a progress claim contact on SC-100")
    assert state() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter their name."),
        ({"email": "dev@BRIGHTLINE.example"}, "email", "A user with this e-mail already exists."),
        ({"email": "nope"}, "email", "Enter a valid e-mail address"),
        ({"company_id": "99999"}, "company_id", "Choose a company from the list."),
        ({"is_company_admin": "y"}, "is_company_admin", "can be company admins."),
    ],
)
def test_bad_person_edit_says_what_is_wrong_and_writes_nothing(admin, d, change, field, message):
    before = state()
    response = admin.post(f"/directory/people/{d.maria.id}",
                          data=person_as_is(d.maria, **{"name": "Maria Typed", **change}))
    html = html_of(response)
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    assert state() == before
    if field != "name":
        assert 'value="Maria Typed"' in html


def test_unknown_person_is_404(admin, d):
    before = state()
    assert admin.get("/directory/people/99999").status_code == 404
    for path in ["/directory/people/99999", "/directory/people/99999/deactivate",
                 "/directory/people/99999/reactivate", "/directory/people/99999/resend-activation"]:
        assert admin.post(path, data=person(d.keystone)).status_code == 404, path
    assert state() == before


def test_changing_the_address_of_someone_without_a_password_resends_to_the_new_one(admin, d):
    admin.post("/directory/people/new", data=person(d.keystone, email="noor@keystne.example"))  # a typo
    noor = user_by_email("noor@keystne.example")
    response = admin.post(f"/directory/people/{noor.id}", data=person_as_is(noor, email="noor@keystone.example"))
    assert response.status_code == 303
    assert "A new activation e-mail goes to noor@keystone.example" in html_of(admin.get(response.headers["Location"]))
    # the e-mail to the mistyped address is withdrawn before it went out
    assert [m.to_address for m in activation_mails(noor)] == ["noor@keystone.example"]


def test_e_mails_waiting_for_a_corrected_address_go_to_the_new_one(admin, d):
    concrete = factories.commitment(d.world.project, d.keystone, number="SC-001")
    db.session.commit()
    admin.post(f"/projects/{d.world.project.id}/billings/invites", data={"commitment_ids": [str(concrete.id)]})
    [invite_mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == emails.INVITE_TO_BILL))
    assert invite_mail.to_address == "maria@keystone.example"
    response = admin.post(f"/directory/people/{d.maria.id}",
                          data=person_as_is(d.maria, email="maria@keystone-concrete.example"))
    assert response.status_code == 303
    assert ("1 e-mail still waiting to go out will go to maria@keystone-concrete.example."
            in html_of(admin.get(response.headers["Location"])))
    db.session.expire_all()
    assert db.session.get(OutboxMessage, invite_mail.id).to_address == "maria@keystone-concrete.example"
    # the rendered invite's links are bound to the new address
    link = emails.render(db.session.get(OutboxMessage, invite_mail.id)).text.split("/portal/invites/")[1]
    token = link.split("token=")[1].split("&")[0]
    read = tokens.read_invite_token(admin.application.config["SECRET_KEY"], token, 60)
    assert read.sent_to("maria@keystone-concrete.example") and not read.sent_to("maria@keystone.example")


# --- the last company admin ----------------------------------------------------------------------------


def test_the_last_company_admin_keeps_the_flag_and_the_account(admin, d):
    me = d.world.admin
    before = state()
    response = admin.post(f"/directory/people/{me.id}", data=person_as_is(me, is_company_admin=None))
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "is_company_admin", "is the last active company admin")
    response = admin.post(f"/directory/people/{me.id}", data=person_as_is(me, active=None))
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "active", "is the last active company admin and cannot be deactivated")
    response = admin.post(f"/directory/people/{me.id}", data=person_as_is(me, company_id=str(d.keystone.id),
                                                                          is_company_admin=None))
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "is_company_admin", "is the last active company admin")
    response = admin.post(f"/directory/people/{me.id}/deactivate")
    assert response.status_code == 303
    assert "is the last active company admin" in html_of(admin.get(response.headers["Location"]))
    assert state() == before


def test_a_deactivated_admin_does_not_count_as_another_admin(admin, d):
    d.world.standard.is_company_admin = True
    d.world.standard.active = False
    db.session.commit()
    before = state()
    response = admin.post(f"/directory/people/{d.world.admin.id}", data=person_as_is(d.world.admin,
                                                                                    is_company_admin=None))
    assert response.status_code == 422
    assert state() == before


def test_with_two_admins_one_may_demote_or_deactivate_the_other_but_not_themselves(admin, d):
    other = d.world.standard
    other.is_company_admin = True
    db.session.commit()
    me = d.world.admin
    before = state()
    response = admin.post(f"/directory/people/{me.id}", data=person_as_is(me, is_company_admin=None))
    assert_message_next_to(html_of(response), "is_company_admin", "You cannot remove your own company-admin flag")
    response = admin.post(f"/directory/people/{me.id}", data=person_as_is(me, active=None))
    assert_message_next_to(html_of(response), "active", "You cannot deactivate your own account")
    assert state() == before
    response = admin.post(f"/directory/people/{other.id}", data=person_as_is(other, is_company_admin=None))
    assert response.status_code == 303
    assert not db.session.get(User, other.id).is_company_admin
    other.is_company_admin = True
    db.session.commit()
    assert admin.post(f"/directory/people/{other.id}/deactivate").status_code == 303
    assert not db.session.get(User, other.id).active


def test_the_people_list_offers_no_deactivate_for_yourself(admin, d):
    html = html_of(admin.get("/directory/people"))
    mine = html.split(f'id="person-{d.world.admin.id}"')[1].split("</li>")[0]
    assert "Deactivate" not in mine and "(you)" in mine
    assert "Deactivate" in html.split(f'id="person-{d.maria.id}"')[1].split("</li>")[0]


# --- deactivate, reactivate, resend ---------------------------------------------------------------------


def test_deactivate_and_reactivate_as_plain_form_posts(admin, d):
    response = admin.post(f"/directory/people/{d.maria.id}/deactivate", data={"company": str(d.keystone.id)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/directory/people?company={d.keystone.id}"
    maria = db.session.get(User, d.maria.id)
    assert not maria.active
    # she was Keystone's default contact: no longer
    assert db.session.get(Company, d.keystone.id).default_claim_contact_id is None
    page = html_of(admin.get(response.headers["Location"]))
    assert "Maria is deactivated and can no longer sign in." in page and "Keystone Concrete Co. has no default" in page
    assert "Reactivate" in page
    assert ("deactivated", "active", "True", "False") in audit_actions("user", maria.id)
    # she cannot sign in any more
    admin.post("/sign-out")
    assert admin.post("/sign-in", data={"email": maria.email, "password": factories.PASSWORD}).status_code == 422
    sign_in(admin, d.world.admin.email)
    response = admin.post(f"/directory/people/{d.maria.id}/reactivate", data={"back": "vendor"})
    assert response.status_code == 303 and response.headers["Location"] == f"/directory/vendors/{d.keystone.id}"
    assert db.session.get(User, d.maria.id).active
    assert ("reactivated", "active", "False", "True") in audit_actions("user", maria.id)
    assert "Maria is active again and can sign in." in html_of(admin.get(response.headers["Location"]))


def test_deactivate_with_htmx_swaps_the_row_and_the_banner(admin, d):
    response = admin.post(f"/directory/people/{d.maria.id}/deactivate", headers={"HX-Request": "true"},
                          data={"back": "people"})
    html = html_of(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html
    assert html.lstrip().startswith("{#") is False and f'<li id="person-{d.maria.id}"' in html
    assert "Deactivated" in html and "Reactivate" in html
    assert 'id="flash" hx-swap-oob="innerHTML"' in html and "can no longer sign in" in html
    response = admin.post(f"/directory/people/{d.maria.id}/reactivate", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "is active again" in html_of(response)
    assert db.session.get(User, d.maria.id).active


def test_refused_row_action_with_htmx_is_422_with_the_reason(admin, d):
    before = state()
    response = admin.post(f"/directory/people/{d.world.admin.id}/deactivate", headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = html_of(response)
    assert f'<li id="person-{d.world.admin.id}"' in html and "alert-warning" in html
    assert "is the last active company admin" in html
    assert state() == before


def test_a_deactivated_user_is_emailed_nothing_more(admin, d):
    admin.post("/directory/people/new", data=person(d.keystone))
    noor = user_by_email("noor@keystone.example")
    assert len(activation_mails(noor)) == 1
    response = admin.post(f"/directory/people/{noor.id}/deactivate")
    assert response.status_code == 303
    assert activation_mails(noor) == []  # withdrawn before it went out
    assert "1 queued e-mail to them will not be sent." in html_of(admin.get(response.headers["Location"]))
    before = state()
    response = admin.post(f"/directory/people/{noor.id}/resend-activation")
    assert "is deactivated: reactivate them first." in html_of(admin.get(response.headers["Location"]))
    assert state() == before


def test_an_email_a_worker_is_sending_is_not_withdrawn(admin, d):
    from domain.clock import utcnow
    from domain.outbox import CLAIM_FOR

    admin.post("/directory/people/new", data=person(d.keystone))
    noor = user_by_email("noor@keystone.example")
    [mail] = activation_mails(noor)
    mail.claimed_until = utcnow() + CLAIM_FOR
    db.session.commit()
    assert admin.post(f"/directory/people/{noor.id}/deactivate").status_code == 303
    assert len(activation_mails(noor)) == 1


def test_resend_activation_once_per_click(admin, d):
    admin.post("/directory/people/new", data=person(d.keystone))
    noor = user_by_email("noor@keystone.example")
    row = html_of(admin.get("/directory/people")).split(f'id="person-{noor.id}"')[1].split("</li>")[0]
    assert 'name="seen" value="1"' in row
    response = admin.post(f"/directory/people/{noor.id}/resend-activation", data={"seen": "1"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "A new activation e-mail is on its way to noor@keystone.example." in html_of(response)
    assert 'name="seen" value="2"' in html_of(response) and "(2 times)" in html_of(response)
    # the same click again (a double click, a retried request) sends nothing more
    response = admin.post(f"/directory/people/{noor.id}/resend-activation", data={"seen": "1"},
                          headers={"HX-Request": "true"})
    assert "was queued a moment ago; nothing more was sent" in html_of(response)
    assert [m.dedupe_key for m in activation_mails(noor)] == [f"activation:{noor.id}:1", f"activation:{noor.id}:2"]
    # a plain form post
    response = admin.post(f"/directory/people/{noor.id}/resend-activation", data={"seen": "2"})
    assert response.status_code == 303 and len(activation_mails(noor)) == 3
    assert [a for a, *_ in audit_actions("user", noor.id)].count("activation e-mail queued") == 3


def test_no_resend_for_someone_with_a_password(admin, d):
    html = html_of(admin.get("/directory/people"))
    assert "Resend activation e-mail" not in html.split(f'id="person-{d.maria.id}"')[1].split("</li>")[0]
    before = state()
    response = admin.post(f"/directory/people/{d.maria.id}/resend-activation", headers={"HX-Request": "true"})
    assert response.status_code == 422 and "has already set a password" in html_of(response)
    assert state() == before


# --- the activation e-mail and link -----------------------------------------------------------------------


def add_and_get_link(app: Flask, client: FlaskClient, company: Company, email: str = "noor@keystone.example") -> str:
    assert client.post("/directory/people/new", data=person(company, email=email)).status_code == 303
    user = user_by_email(email)
    [mail] = activation_mails(user)
    rendered = emails.render(mail)
    link = re.search(r"http://pb\.example/activate\?token=\S+", rendered.text).group(0)
    assert unescape(re.search(r'href="(http://pb\.example/activate\?token=[^"]+)"', rendered.html).group(1)) == link
    return link


def local(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def test_the_activation_email(app, admin, d):
    d.keystone.name = "Keystone <Concrete>"
    db.session.commit()
    admin.post("/directory/people/new", data=person(d.keystone, name="Noor <b>Haddad</b>"))
    [mail] = activation_mails()
    rendered = emails.render(mail)
    assert rendered.subject == "Avery Admin has set up your Progress Billings account"
    assert "Hello Noor <b>Haddad</b>," in rendered.text
    assert "as a user of Keystone <Concrete>, so that you can answer invites to bill and submit progress claims" \
        in rendered.text
    assert "noor@keystone.example" in rendered.text and "14 days" in rendered.text
    assert "Noor &lt;b&gt;Haddad&lt;/b&gt;" in rendered.html and "<b>Haddad" not in rendered.html
    assert "Set your password" in rendered.html


def test_activate_sets_the_password_and_signs_in(app, admin, d):
    link = add_and_get_link(app, admin, d.keystone)
    admin.post("/sign-out")
    noor = user_by_email("noor@keystone.example")
    page = admin.get(local(link))
    assert page.status_code == 200
    html = html_of(page)
    assert "Welcome, Noor Haddad" in html and "noor@keystone.example" in html
    # a mismatch: nothing set, and the token stays on the form
    response = admin.post("/activate", data={"token": token_of(link), "password": "a-long-password",
                                             "confirm": "another-password"})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "confirm", "The passwords do not match.")
    assert token_of(link) in html_of(response) and "a-long-password" not in html_of(response)
    assert user_by_email("noor@keystone.example").password_hash is None
    response = admin.post("/activate", data={"token": token_of(link), "password": "short", "confirm": "short"})
    assert response.status_code == 422 and user_by_email("noor@keystone.example").password_hash is None
    # the right way
    response = admin.post("/activate", data={"token": token_of(link), "password": "a-long-password",
                                             "confirm": "a-long-password"})
    assert response.status_code == 303 and response.headers["Location"] == "/portal"
    assert user_by_email("noor@keystone.example").password_hash is not None
    assert "account activated" in [a for a, *_ in audit_actions("user", noor.id)]
    portal = admin.get("/portal")
    assert portal.status_code == 200 and "Your password is set and you are signed in." in html_of(portal)
    # and the password works next time
    admin.post("/sign-out")
    assert admin.post("/sign-in", data={"email": "noor@keystone.example",
                                        "password": "a-long-password"}).status_code == 303


def test_a_second_click_on_activate_says_the_password_is_set(app, admin, d):
    """Two clicks that both find no password yet: the second one's update matches no row."""
    link = add_and_get_link(app, admin, d.keystone)
    admin.post("/sign-out")
    noor = user_by_email("noor@keystone.example")

    landed = []

    def the_first_click_lands_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE users SET password_hash") and not landed:
            landed.append(True)
            with db.engine.connect() as other:
                other.execute(update(User).where(User.id == noor.id).values(password_hash="set-by-the-first-click"))
                other.commit()

    event.listen(db.engine, "before_cursor_execute", the_first_click_lands_first)
    try:
        response = admin.post("/activate", data={"token": token_of(link), "password": "a-long-password",
                                                 "confirm": "a-long-password"})
    finally:
        event.remove(db.engine, "before_cursor_execute", the_first_click_lands_first)
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert "Your password is already set" in html_of(admin.get("/sign-in"))
    assert user_by_email("noor@keystone.example").password_hash == "set-by-the-first-click"
    assert admin.get("/portal").status_code == 302  # not signed in by the second click


def test_an_internal_user_lands_on_the_projects_after_activation(app, admin, d):
    link = add_and_get_link(app, admin, d.world.company, email="new.pm@pb.example")
    admin.post("/sign-out")
    response = admin.post("/activate", data={"token": token_of(link), "password": "a-long-password",
                                             "confirm": "a-long-password"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Riverside Medical" not in html_of(admin.get("/"))  # signed in, on no project yet
    assert "not on any project yet" in html_of(admin.get("/"))


def test_the_link_is_useless_once_the_password_is_set(app, admin, d):
    link = add_and_get_link(app, admin, d.keystone)
    admin.post("/sign-out")
    admin.post("/activate", data={"token": token_of(link), "password": "a-long-password",
                                  "confirm": "a-long-password"})
    admin.post("/sign-out")
    hashed = user_by_email("noor@keystone.example").password_hash
    response = admin.get(local(link))
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert "Your password is already set" in html_of(admin.get("/sign-in"))
    response = admin.post("/activate", data={"token": token_of(link), "password": "an-attackers-password",
                                             "confirm": "an-attackers-password"})
    assert response.status_code == 303
    assert user_by_email("noor@keystone.example").password_hash == hashed
    assert admin.get("/portal").status_code == 302  # not signed in by it


def aged_token(app: Flask, user: User, age_seconds: int) -> str:
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_seconds  # type: ignore[method-assign]
    try:
        return tokens.make_activation_token(app.config["SECRET_KEY"], user.id, user.email)
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]


def test_an_expired_link_says_so_and_how_to_get_a_new_one(app, admin, d):
    admin.post("/directory/people/new", data=person(d.keystone))
    admin.post("/sign-out")
    noor = user_by_email("noor@keystone.example")
    max_age = app.config["INVITE_TOKEN_MAX_AGE"]
    old = aged_token(app, noor, max_age + 60)
    before = state()
    response = admin.get(f"/activate?token={old}")
    assert response.status_code == 410
    assert "This link has expired" in html_of(response) and "resend the activation e-mail" in html_of(response)
    response = admin.post("/activate", data={"token": old, "password": "a-long-password",
                                             "confirm": "a-long-password"})
    assert response.status_code == 410
    assert state() == before
    assert admin.get(f"/activate?token={aged_token(app, noor, max_age - 60)}").status_code == 200


@pytest.mark.parametrize("how", ["tampered", "empty", "missing", "invite token", "other secret", "unknown user"])
def test_a_bad_link_says_it_does_not_work(app, admin, d, how):
    admin.post("/directory/people/new", data=person(d.keystone))
    admin.post("/sign-out")
    noor = user_by_email("noor@keystone.example")
    good = tokens.make_activation_token(app.config["SECRET_KEY"], noor.id, noor.email)
    token = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "empty": "",
        "missing": None,
        "invite token": tokens.make_invite_token(app.config["SECRET_KEY"], 1, noor.id, noor.email),
        "other secret": tokens.make_activation_token("another-secret", noor.id, noor.email),
        "unknown user": tokens.make_activation_token(app.config["SECRET_KEY"], 99999, noor.email),
    }[how]
    before = state()
    response = admin.get("/activate" if token is None else f"/activate?token={token}")
    assert response.status_code == 400 and "This link does not work" in html_of(response)
    data = {"password": "a-long-password", "confirm": "a-long-password"}
    if token is not None:
        data["token"] = token
    assert admin.post("/activate", data=data).status_code == 400
    assert state() == before


def test_a_link_to_an_old_address_or_a_deactivated_user_does_not_work(app, admin, d):
    link = add_and_get_link(app, admin, d.keystone, email="noor@keystne.example")
    noor = user_by_email("noor@keystne.example")
    admin.post(f"/directory/people/{noor.id}", data=person_as_is(noor, email="noor@keystone.example"))
    assert admin.get(local(link)).status_code == 400  # the mistyped address's link
    fresh = tokens.make_activation_token(app.config["SECRET_KEY"], noor.id, "noor@keystone.example")
    assert admin.get(f"/activate?token={fresh}").status_code == 200
    admin.post(f"/directory/people/{noor.id}/deactivate")
    assert admin.get(f"/activate?token={fresh}").status_code == 400
    admin.post("/sign-out")
    before = state()
    assert admin.post("/activate", data={"token": fresh, "password": "a-long-password",
                                         "confirm": "a-long-password"}).status_code == 400
    assert state() == before


def test_the_activation_page_is_for_anyone_with_the_link(app, client, d):
    noor = factories.user(d.keystone, "noor@keystone.example", "Noor Haddad", password=False)
    db.session.commit()
    token = tokens.make_activation_token(app.config["SECRET_KEY"], noor.id, noor.email)
    assert client.get(f"/activate?token={token}").status_code == 200
    # a signed-in colleague opening it is told who they will become
    sign_in(client, d.world.standard.email)
    assert "Setting this password signs you in as noor@keystone.example" in html_of(
        client.get(f"/activate?token={token}"))
