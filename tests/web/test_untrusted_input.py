"""Input from outside never makes a 500 (issue 10, items 1, 2 and 6), generated rather than listed:

- every route with an id, from the URL map, with ids the database cannot hold or that are not numbers;
- every id-like name a view or form reads (found in the source and the form classes) with such values;
- control characters in every text field of every form class, and in every text box of every form
  the pages render (submitted as a browser would), with the database read back afterwards;
- every error Werkzeug knows answered by the app's own page or banner.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import String, Text, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import default_exceptions
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from app import create_app
from blueprints.forms import CONTROL_CHARACTERS_MESSAGE, DB_INT_MAX, AppForm, IdConverter
from domain import claims, head_contract, sov
from domain.importer import COLUMNS as COLUMNS_OF_IMPORT
from domain.models import Base, Claim, Commitment, Company, SovLine, User, db
from tests import factories
from tests.helpers import AuthActions, test_config
from tests.web.portal_helpers import send_invites

ROOT = Path(__file__).resolve().parents[2]
HX = {"HX-Request": "true"}

# Not ids the database could hold, or not numbers at all: a path with one matches no route.
UNROUTABLE = [str(2**63), str(10**20), str(DB_INT_MAX + 1), "-1", "abc", "1e3", "١٢", "0x1", " 1"]
OWN_PAGE = {404: "There is nothing here", 405: "That address does not take this kind of request."}
# Numbers the database holds that name nothing: the view looks and answers 404.
UNKNOWN = ["0", str(DB_INT_MAX)]
# What a field or query string may carry instead of an id.
NOT_AN_ID = [str(2**63), str(10**20), str(DB_INT_MAX + 1), "-1", "abc", "", "1.5", "\x00"]

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
LINE_SEPARATORS = ["\u2028", "\u2029"]  # line breaks in a text box, refused on a single line
SWEPT = ["\x00", "\x1b", "\u2028"]  # what the page-by-page sweep types into every text box


# --- the scene: one of everything a route can name ---------------------------------------------


@dataclass
class Scene:
    world: factories.World
    vendor: Company
    contact: User
    approved: Commitment  # approved SOV, invited; its claim is under review
    draft: Commitment  # draft SOV
    claim: Claim  # under review
    invite_id: int  # accepted, its claim still a draft
    open_claim: Claim
    head_claim: Claim  # the head contract's, Submitted to client: the client's decision form shows

    def ids(self, commitment: Commitment, claim: Claim | None = None) -> dict[str, int | str]:
        line = db.session.scalars(select(SovLine).where(SovLine.commitment_id == commitment.id)).first()
        return {"project_id": self.world.project.id, "commitment_id": commitment.id, "line_id": line.id,
                "claim_id": (claim or self.claim).id, "invite_id": self.invite_id, "period_id": self.world.period.id,
                "user_id": self.contact.id, "vendor_id": self.vendor.id, "kind": "csv",  # kind: an export's format
                "notice_id": 1}


@pytest.fixture
def scene(client: FlaskClient, world: factories.World) -> Scene:
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    approved = factories.commitment(world.project, vendor, number="SC-001", title="Concrete")
    draft = factories.commitment(world.project, vendor, number="SC-002", title="Rebar", sov_approved=False)
    other = factories.commitment(world.project, vendor, number="SC-003", title="Formwork")
    db.session.commit()
    invites = send_invites(client, world, approved, other)
    invite = invites[approved.id]
    contact = vendor.default_claim_contact
    AuthActions(client).sign_in(contact.email)
    location = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    claim = db.session.get(Claim, int(location.rsplit("/", 1)[1]))
    first = approved.sov_lines[0]
    assert client.post(f"/portal/claims/{claim.id}", data={f"line-{first.id}-this_period": "1000",
                                                            "action": "submit", "certify": "y",
                                                            "signed_name": "Maria Lopez"}).status_code == 303
    location = client.post(f"/portal/invites/{invites[other.id].id}/accept").headers["Location"]
    open_claim = db.session.get(Claim, int(location.rsplit("/", 1)[1]))
    client.post("/sign-out")
    world.project.jurisdiction = "ON"  # under prompt payment: a submitted claim shows the notice of non-payment form
    db.session.commit()
    return Scene(world, vendor, contact, approved, draft, claim, invites[other.id].id, open_claim,
                 _head_claim_submitted(world))


def _head_claim_submitted(world: factories.World) -> Claim:
    head = head_contract.create_head_contract(world.project, head_contract.HeadContractData(
        number="HC-1", title="Prime contract", client_name="Riverside Health Partners",
        client_contact_name="Elena Brooks", client_contact_email="elena@riverside.example",
        contract_date=world.period.start_date), world.admin)
    sov.add_line(head, sov.LineData("01 00 00", "Concrete", Decimal("1000.00")), world.admin)
    sov.approve_sov(head, world.admin)
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.save_lines(claim, [claims.LineEntry(head.sov_lines[0].id, this_period="100")], world.admin)
    head_contract.submit_to_client(claim, world.admin)
    return claim


@pytest.fixture
def clients(app: Flask, scene: Scene) -> dict[str, FlaskClient]:
    """A company admin, a progress claim contact, and someone signed out."""
    signed = {}
    for role, email in (("admin", scene.world.admin.email), ("contact", scene.contact.email)):
        signed[role] = app.test_client()
        AuthActions(signed[role]).sign_in(email)
    signed["anonymous"] = app.test_client()
    return signed


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """For what needs no database (forms, error pages): built once, not once per database."""
    folder = tmp_path_factory.mktemp("bare")
    app = create_app(test_config(f"sqlite:///{folder / 'bare.sqlite3'}", folder))
    with app.app_context():
        db.create_all()

    @app.get("/raise/<int:code>")
    def _raise(code: int):  # type: ignore[no-untyped-def]
        raise default_exceptions[code]()

    app.extensions["pb_setup_done"] = True
    return app


def _rules(app: Flask, method: str) -> list:
    return sorted((r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"),
                  key=lambda r: r.rule)


def _path(rule, values: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The rule's address with its arguments replaced as given (no quoting: the raw text goes out)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


def _int_args(rule) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name, converter in rule._converters.items() if isinstance(converter, IdConverter)]


def _text_columns() -> Iterator[tuple]:
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if columns:
            yield table, columns


def _stored_with(characters: str) -> list[str]:
    """Every stored text that holds one of the characters, as table.column."""
    db.session.expire_all()
    found = []
    for table, columns in _text_columns():
        for row in db.session.execute(select(*columns)):
            found += [f"{table.name}.{c.name}" for c, value in zip(columns, row, strict=True)
                      if isinstance(value, str) and any(ch in value for ch in characters)]
    return found


# --- item 1: ids in the path --------------------------------------------------------------------


def test_every_int_in_a_path_is_bounded_to_what_the_database_holds(app):
    rules = [r for r in app.url_map.iter_rules() if "int" in r.rule]
    assert rules, "the URL map has routes with ids"
    assert all(_int_args(r) for r in rules), [r.rule for r in rules if not _int_args(r)]


@pytest.mark.parametrize("role", ["admin", "contact"])
def test_an_id_the_database_cannot_hold_is_404_on_every_route(app, clients, scene, role):
    client = clients[role]
    real = {k: str(v) for k, v in scene.ids(scene.approved).items()}
    tried = 0
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            for name in _int_args(rule):
                for value in UNROUTABLE:
                    path = _path(rule, {**real, name: value, "token": "t", "key": "k"})
                    response = client.open(path, method=method)
                    # 405 where a rule for another method has the same shape: Werkzeug checks the method
                    # before the id, and either way the page is ours, in words.
                    assert response.status_code in OWN_PAGE, (method, path, response.status_code)
                    assert OWN_PAGE[response.status_code] in response.get_data(as_text=True), (method, path)
                    tried += 1
    assert tried > 500


@pytest.mark.parametrize("role", ["admin", "contact"])
def test_an_id_that_names_nothing_is_404_on_every_route(app, clients, scene, role):
    client = clients[role]
    real = {k: str(v) for k, v in scene.ids(scene.approved).items()}
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            for name in _int_args(rule):
                for value in UNKNOWN:
                    path = _path(rule, {**real, name: value, "token": "t", "key": "k"})
                    response = client.open(path, method=method, headers=HX if value == "0" else {})
                    # 400: a portal link without its token says so before looking the invite up.
                    expected = 400 if rule.endpoint == "portal.activate" else 404
                    assert response.status_code == expected, (method, path, response.status_code)


def test_a_path_id_out_of_range_answers_htmx_with_the_banner(clients, scene):
    response = clients["admin"].get(f"/projects/{10**20}/billings", headers=HX)
    assert response.status_code == 404
    assert response.headers["HX-Reswap"] == "none"
    assert 'id="flash"' in response.get_data(as_text=True)


# --- item 1: ids in query strings and forms -----------------------------------------------------


def _names_read_from_requests() -> set[str]:
    """Every literal name a view reads with request.args/form/values .get, .getlist or [...]."""
    names = set()
    for path in (ROOT / "blueprints").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                if node.func.attr in ("get", "getlist"):
                    target, key = node.func.value, node.args[0]
            elif isinstance(node, ast.Subscript):
                target, key = node.value, node.slice
            if (isinstance(target, ast.Attribute) and target.attr in ("args", "form", "values")
                    and isinstance(target.value, ast.Name) and target.value.id == "request"
                    and isinstance(key, ast.Constant) and isinstance(key.value, str)):
                names.add(key.value)
    return names


def _form_classes() -> list[type[FlaskForm]]:
    found, queue = [], list(FlaskForm.__subclasses__())
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return sorted({c for c in found if c.__module__.startswith("blueprints.") and c is not AppForm},
                  key=lambda c: c.__qualname__)


def _fields(form_class: type[FlaskForm]) -> dict[str, type]:
    """The form's fields by name, read from the class as WTForms does."""
    return {name: getattr(form_class, name).field_class for name in dir(form_class)
            if isinstance(getattr(form_class, name), UnboundField)}


def test_the_reads_found_in_the_source_include_the_ids_the_issue_names(app):
    names = _names_read_from_requests()
    assert {"company", "user_id", "commitment", "commitment_ids", "period", "seen"} <= names
    select_names = {n for cls in _form_classes() for n, kind in _fields(cls).items() if issubclass(kind, SelectField)}
    assert {"company_id", "default_claim_contact_id", "vendor_id"} <= select_names


def test_no_id_like_value_in_a_query_string_or_form_is_a_500_anywhere(app, clients, scene):
    names = _names_read_from_requests() | {n for cls in _form_classes() for n, kind in _fields(cls).items()
                                           if issubclass(kind, SelectField | IntegerField)}
    sent: set[tuple[str, str, str, str]] = set()
    for ids in (scene.ids(scene.approved), scene.ids(scene.draft)):
        # Row actions run too: let them deactivate someone no other request signs in as.
        real = {k: str(v) for k, v in {**ids, "user_id": scene.world.readonly.id}.items()}
        for role in ("admin", "contact"):
            for method in ("GET", "POST"):
                for rule in _rules(app, method):
                    if rule.endpoint == "auth.sign_out" or not set(rule.arguments) <= set(real):
                        continue
                    path = _path(rule, real)
                    for value in NOT_AN_ID:
                        # A route without a commitment's id has the same address for both commitments:
                        # the request went out in the first round (some 1,400 of 3,300).
                        if (request := (role, method, path, value)) in sent:
                            continue
                        sent.add(request)
                        fields = {name: value for name in names}
                        response = (clients[role].get(path, query_string=fields) if method == "GET"
                                    else clients[role].post(path, data=fields))
                        assert response.status_code < 500, (role, method, path, value, response.status_code)
    assert len(sent) > 300
    assert _stored_with("\x00") == []


def _people_page(client, company: str):  # type: ignore[no-untyped-def]
    return client.get("/directory/people", query_string={"company": company})


@pytest.mark.parametrize("value", NOT_AN_ID[:4] + ["abc"])
def test_a_company_filter_that_names_no_company_is_404(clients, scene, value):
    assert _people_page(clients["admin"], value).status_code == 404


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_a_person_with_a_company_id_that_names_none_is_refused_next_to_the_field(clients, scene, value):
    before = _stored_with("@")
    response = clients["admin"].post("/directory/people/new", data={"name": "Ola Nordmann", "email": "ola@x.example",
                                                                     "company_id": value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a company from the list." in html and "is-invalid" in html
    assert _stored_with("@") == before


@pytest.mark.parametrize("value", [v for v in NOT_AN_ID if v])
def test_a_default_contact_that_names_no_one_is_refused_next_to_the_field(clients, scene, value):
    response = clients["admin"].post(f"/directory/vendors/{scene.vendor.id}",
                                     data={"name": "Keystone Concrete Co.", "default_claim_contact_id": value})
    assert response.status_code == 422
    assert "Choose one of Keystone Concrete Co.&#39;s active users." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Company, scene.vendor.id).default_claim_contact_id == scene.contact.id


@pytest.mark.parametrize("value", NOT_AN_ID)
@pytest.mark.parametrize("where", ["private", "contacts"])
def test_a_person_for_a_commitment_that_names_no_one_is_refused_next_to_the_field(clients, scene, value, where):
    before = [u.id for u in scene.draft.private_users]
    url = f"/projects/{scene.world.project.id}/commitments/{scene.draft.id}/{where}"
    response = clients["admin"].post(url, data={"user_id": value})
    assert response.status_code == 422
    assert "Choose a person from the list." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [u.id for u in db.session.get(Commitment, scene.draft.id).private_users] == before


@pytest.mark.parametrize("value", [v for v in NOT_AN_ID if v])
def test_create_on_behalf_of_a_commitment_that_names_none_is_404(clients, scene, value):
    url = f"/projects/{scene.world.project.id}/billings/claims/new"
    response = clients["admin"].post(url, query_string={"period": scene.world.period.id}, data={"commitment": value})
    assert response.status_code == 404
    response = clients["admin"].post(url, query_string={"period": value}, data={"commitment": scene.draft.id})
    assert response.status_code == 404


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_a_period_filter_that_names_none_shows_the_current_period(clients, scene, value):
    response = clients["admin"].get(f"/projects/{scene.world.project.id}/billings", query_string={"period": value})
    assert response.status_code == 200
    assert "SC-001" in response.get_data(as_text=True)


def test_invites_for_commitment_ids_that_name_none_say_to_select_one(clients, scene):
    response = clients["admin"].post(f"/projects/{scene.world.project.id}/billings/invites",
                                     data={"commitment_ids": [str(10**20), "abc", "-1"]})
    assert response.status_code == 303
    page = clients["admin"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Select at least one contract to invite." in page


# --- item 2: control characters, form by form --------------------------------------------------


def test_every_form_is_built_on_the_one_base_form():
    forms = _form_classes()
    assert len(forms) >= 15
    assert [c.__qualname__ for c in forms if not issubclass(c, AppForm)] == []


def _text_fields() -> list[tuple[type, str, bool]]:
    """(form class, field name, multi-line) for every text field of every form."""
    found = []
    for cls in _form_classes():
        for name, kind in _fields(cls).items():
            if issubclass(kind, StringField):
                found.append((cls, name, issubclass(kind, TextAreaField)))
    return found


def test_the_forms_have_the_text_fields_the_issue_names():
    names = {(cls.__name__, name) for cls, name, _ in _text_fields()}
    assert {("VendorForm", "name"), ("VendorForm", "trade"), ("VendorForm", "address"), ("ProjectForm", "number"),
            ("CommitmentForm", "title"), ("SovLineForm", "cost_code"), ("DeclineForm", "reason"),
            ("CompanySettingsForm", "invite_message"), ("PersonForm", "name")} <= names


def _bound(app: Flask, form_class: type, data: MultiDict):  # type: ignore[no-untyped-def]
    with app.test_request_context(method="POST", data=data):
        form = form_class(meta={"csrf": False})
        for field in form:
            if isinstance(field, SelectField) and field.choices is None:
                field.choices = []
        valid = form.validate()
    return form, valid


@pytest.mark.parametrize(("form_class", "name", "multi_line"), _text_fields(),
                         ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_every_text_field_of_every_form_refuses_control_characters(bare_app, form_class, name, multi_line):
    for character in CONTROL + ([] if multi_line else LINE_SEPARATORS + ["\n", "\r"]):
        form, valid = _bound(bare_app, form_class, MultiDict({name: f"ab{character}cd"}))
        field = form[name]
        assert not valid
        assert field.errors[0] == CONTROL_CHARACTERS_MESSAGE, (character, field.errors)
        assert field.data == "abcd", repr(field.data)


@pytest.mark.parametrize(("form_class", "name", "multi_line"), [f for f in _text_fields() if f[2]],
                         ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_a_text_box_keeps_its_line_breaks_and_tabs(bare_app, form_class, name, multi_line):
    form, _ = _bound(bare_app, form_class, MultiDict({name: "one\r\ntwo\rthree\u2028four\tfive\nsix"}))
    assert CONTROL_CHARACTERS_MESSAGE not in form[name].errors
    assert form[name].data == "one\ntwo\nthree\nfour\tfive\nsix"


# --- item 2: control characters, page by page as a browser sends them ---------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action, the fields a browser would send, and which are typed in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self.open: str | None = None
        self.textarea: tuple[str, str] | None = None
        self.select: tuple[str, str] | None = None

    def _form_of(self, attrs: dict) -> dict | None:
        key = attrs.get("form") or self.open
        return self.forms.get(key) if key else None

    def handle_starttag(self, tag: str, attr_list: list) -> None:
        attrs = {k: v or "" for k, v in attr_list}
        if tag == "form":
            key = attrs.get("id") or f"form-{len(self.forms)}"
            self.forms[key] = {"method": attrs.get("method", "get").lower(), "action": attrs.get("action", ""),
                               "data": MultiDict(), "typed": [], "button": None}
            self.open = key
            return
        if tag == "option" and self.select:
            data = self.forms[self.select[0]]["data"]
            if "selected" in attrs or self.select[1] not in data:
                data[self.select[1]] = attrs.get("value", "")
            return
        form = self._form_of(attrs)
        if form is None or not attrs.get("name"):
            return
        name, kind = attrs["name"], attrs.get("type", "text" if tag == "input" else "submit").lower()
        key = attrs.get("form") or self.open
        if tag == "input" and kind in ("text", "email", "password", "search", "tel", "url"):
            form["data"][name] = attrs.get("value", "")
            form["typed"].append((name, False))
        elif tag == "input" and (kind == "hidden" or (kind in ("checkbox", "radio") and "checked" in attrs)):
            form["data"].add(name, attrs.get("value", "on"))
        elif tag == "textarea":
            self.textarea = (key, name)
            form["data"][name] = ""
            form["typed"].append((name, True))
        elif tag == "select":
            self.select = (key, name)
        elif tag == "button" and kind == "submit" and form["button"] is None:
            form["button"] = (name, attrs.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.textarea[0] in self.forms:
            self.forms[self.textarea[0]]["data"][self.textarea[1]] += data


def _post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms.values() if f["method"] == "post" and f["typed"]]


def _pages(app: Flask, scene: Scene) -> Iterator[str]:
    for ids in (scene.ids(scene.approved), scene.ids(scene.draft, scene.open_claim),
                scene.ids(scene.approved, scene.head_claim)):
        for rule in _rules(app, "GET"):
            if set(rule.arguments) <= set(ids):
                yield _path(rule, {k: str(v) for k, v in ids.items()})


# A claim line is amounts read by the claim service, which refuses anything that is not a number
# with its own message on the line.
AMOUNT_ON_A_CLAIM_LINE = re.compile(r"line-\d+-(this_period|percent|stored)$")


def test_every_text_box_of_every_page_refuses_control_characters(app, clients, scene, monkeypatch):
    refused_by: set[str] = set()
    original = AppForm.validate

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = original(self, extra_validators)
        if any(CONTROL_CHARACTERS_MESSAGE in f.errors for f in self):
            refused_by.add(type(self).__name__)
        return valid

    monkeypatch.setattr(AppForm, "validate", validate)
    seen: set[tuple] = set()
    posted: list[tuple] = []
    for role in ("anonymous", "admin", "contact"):
        client = clients[role]
        for page in dict.fromkeys(_pages(app, scene)):
            response = client.get(page)
            if response.status_code != 200 or response.mimetype != "text/html":  # downloads have no forms
                continue
            for form in _post_forms(response.get_data(as_text=True)):
                key = (role, re.sub(r"\d+", "N", form["action"]), tuple(n for n, _ in form["typed"]))
                if key in seen:
                    continue
                seen.add(key)
                for name, multi_line in form["typed"]:
                    for character in SWEPT:
                        if character == "\u2028" and multi_line:
                            continue  # a line break in a text box, kept as one (tested form by form above)
                        data = form["data"].copy()
                        data[name] = f"ab{character}cd"
                        if form["button"] and form["button"][0]:
                            data[form["button"][0]] = form["button"][1]
                        answer = client.post(form["action"] or page, data=data)
                        posted.append(where := (role, page, form["action"], name, repr(character)))
                        assert answer.status_code < 500, where
                        assert _stored_with(character) == [], where
                        if AMOUNT_ON_A_CLAIM_LINE.search(name):
                            assert answer.status_code == 422, where
                            continue
                        assert answer.status_code in (400, 422), where
                        assert CONTROL_CHARACTERS_MESSAGE in answer.get_data(as_text=True), where
    # Every form with text fields was reached from some page, but those behind a link in an e-mail
    # (activation, password reset) or shown once before the first account exists (setup); tests below
    # (and tests/web/test_password_reset.py) cover those.
    # A claim's lines are amounts: the claim service refuses them (checked above), not the form. The
    # two-step code and the password that turns two-step off show only once a person has two-step on.
    expected = {cls.__name__ for cls, _, _ in _text_fields()} - {"ActivateAccountForm", "ActivateForm", "SetupForm",
                                                                 "ClaimLinesForm", "TwoStepForm", "CurrentPasswordForm",
                                                                 "ResetPasswordForm"}
    assert expected <= refused_by, expected - refused_by
    assert len(posted) > 100, len(posted)  # some 40 text boxes on 20 forms, three characters each


def test_first_run_setup_refuses_control_characters_and_writes_nothing(app):
    client = app.test_client()
    for name in ("company_name", "name"):
        data = {"company_name": "Harbor & Pine", "name": "Avery Admin", "email": "avery@pb.example",
                "password": factories.PASSWORD, "confirm": factories.PASSWORD, name: "Harbor\x00Pine"}
        response = client.post("/setup", data=data)
        assert response.status_code == 422
        assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
        assert db.session.scalar(select(User.id)) is None
    assert _stored_with("\x00") == []


def test_an_account_activation_refuses_a_password_with_control_characters(app, clients, scene):
    from domain import tokens

    pending = factories.user(scene.vendor, "new@keystone.example", password=False)
    db.session.commit()
    token = tokens.make_activation_token(app.config["SECRET_KEY"], pending.id, pending.email)
    password = "correct\x00horse-battery"
    response = clients["anonymous"].post("/activate", data={"token": token, "password": password,
                                                            "confirm": password})
    assert response.status_code == 422
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, pending.id).password_hash is None


# --- item 6: every error page is the app's own ------------------------------------------------


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_an_unknown_review_action_gets_the_apps_400(clients, scene, hx):
    url = f"/projects/{scene.world.project.id}/billings/claims/{scene.claim.id}/review"
    response = clients["admin"].post(url, data={"action": "explode"}, headers=HX if hx else {})
    _assert_own_400(response, hx)
    db.session.expire_all()
    assert db.session.get(Claim, scene.claim.id).status.name == "UNDER_REVIEW"


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_an_sov_move_with_a_bad_direction_gets_the_apps_400(clients, scene, hx):
    ids = scene.ids(scene.draft)
    url = f"/projects/{ids['project_id']}/commitments/{ids['commitment_id']}/sov/lines/{ids['line_id']}/move"
    response = clients["admin"].post(url, data={"direction": "sideways"}, headers=HX if hx else {})
    _assert_own_400(response, hx)
    db.session.expire_all()
    assert db.session.get(SovLine, ids["line_id"]).position == 1


def _assert_own_400(response, hx: bool) -> None:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Reload the page and try again; nothing was saved." in html
    assert "Bad Request" not in html and "browser (or proxy)" not in html
    if hx:
        assert response.headers["HX-Reswap"] == "none" and 'id="flash"' in html
    else:
        assert "<h1" in html and "Please try again" in html and "Error 400" in html


@pytest.mark.parametrize("code", sorted(c for c in default_exceptions if c >= 400))
def test_every_error_werkzeug_knows_gets_the_apps_page(bare_app, code):
    for hx in (False, True):
        response = bare_app.test_client().get(f"/raise/{code}", headers=HX if hx else {})
        html = response.get_data(as_text=True)
        assert response.status_code == code
        assert default_exceptions[code].description not in html, code
        assert ('id="flash"' in html) if hx else (f"Error {code}" in html), code


# --- item 2: the spreadsheet import, the one other way text comes in ------------------------------


ROW_PROBLEM = "Has invisible control characters (a line break, NUL, ...): take them out of the cell."


# NUL and DEL make the file binary to the reader, which refuses it whole; the others reach the rows.
@pytest.mark.parametrize("character", ["\x00", "\x7f", "\x1b", "\x85", "\n", "\u2028"])
@pytest.mark.parametrize("column", ["commitment_number", "title", "cost_code", "description"])
def test_an_imported_cell_with_control_characters_is_refused(app, world, tmp_path, column, character):
    from tests.web.test_import import _csv, _line, _problems, _text, _upload

    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    factories.vendor("Keystone Concrete Co.")
    db.session.commit()
    client = app.test_client()
    AuthActions(client).sign_in(world.admin.email)
    row = dict(zip(COLUMNS_OF_IMPORT, _line("SC-001", "03 30 00", "1000.00"), strict=True))
    row[column] = f"ab{character}cd"
    response = _upload(client, world, _csv([[row[c] for c in COLUMNS_OF_IMPORT]]))
    assert response.status_code == 422
    if character in "\x00\x7f":
        assert "This file is not a CSV or Excel (.xlsx) spreadsheet." in _text(response)
    else:
        assert (2, column, ROW_PROBLEM) in _problems(_text(response))
    assert db.session.scalar(select(Commitment.id)) is None
    assert _stored_with(character) == []


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\u2028"])
def test_an_imported_files_name_loses_its_control_characters_before_the_audit_trail(app, world, tmp_path,
                                                                                     character):
    from tests.web.test_import import _csv, _line, _upload

    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    factories.vendor("Keystone Concrete Co.")
    db.session.commit()
    client = app.test_client()
    AuthActions(client).sign_in(world.admin.email)
    response = _upload(client, world, _csv([_line("SC-001", "03 30 00", "1000.00")]), f"bad{character}name.csv")
    assert response.status_code == 303
    preview = client.get(response.headers["Location"])
    assert "badname.csv" in preview.get_data(as_text=True)
    assert client.post(response.headers["Location"] + "/confirm").status_code == 303
    assert db.session.scalar(select(Commitment.number)) == "SC-001"
    assert _stored_with(character) == []
