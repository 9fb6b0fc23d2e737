"""Creating and editing projects, and the project team: success, bad input, and who may do what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from domain.models import (
    AccessLevel,
    AuditEvent,
    Country,
    Currency,
    Project,
    ProjectPermission,
    db,
)
from tests import factories
from tests.helpers import count

HX = {"HX-Request": "true"}


def _project_data(**change: str) -> dict[str, str]:
    data = {"number": "P-2", "name": "Maple Street Townhomes", "address": "20 Maple St\nSpringfield",
            "country": "CA", "currency": "CAD", "time_zone": "America/Toronto", "allow_overbilling": "y"}
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def _level(project, user) -> AccessLevel | None:
    return db.session.scalar(select(ProjectPermission.level).where(
        ProjectPermission.project_id == project.id, ProjectPermission.user_id == user.id))


@pytest.fixture
def project_admin(world):
    """An internal user who is Admin on the world's project, without being a company admin."""
    user = factories.user(world.company, "pa@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=user, level=AccessLevel.ADMIN))
    db.session.commit()
    return user


@pytest.fixture
def contact(world):
    company = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    return company.default_claim_contact


# --- create and edit ------------------------------------------------------------------------------


def test_company_admin_creates_a_project(client, world, auth):
    auth.sign_in(world.admin.email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/projects/new"' in home and "New project" in home
    form = client.get("/projects/new").get_data(as_text=True)
    assert 'name="time_zone"' in form and '<option value="Europe/Paris">Europe/Paris</option>' in form
    # the country's zones first, in words; the zone database's old aliases are not offered
    picker = form.split('name="time_zone"')[1].split("</select>")[0]
    groups = [g.split('"')[0] for g in picker.split('<optgroup label="')[1:]]
    assert groups == ["United States", "Canada", "All other time zones"]
    assert '<option value="America/Los_Angeles">Pacific Time (Los Angeles)</option>' in picker
    assert picker.count('value="America/Los_Angeles"') == 1  # once, so the chosen zone shows in words
    assert 'value="US/Pacific"' not in picker and 'value="EST5EDT"' not in picker
    response = client.post("/projects/new", data=_project_data())
    assert response.status_code == 303
    project = db.session.scalar(select(Project).where(Project.number == "P-2"))
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    assert (project.name, project.country, project.currency, project.time_zone, project.allow_overbilling) == (
        "Maple Street Townhomes", Country.CA, Currency.CAD, "America/Toronto", True)
    assert project.address == "20 Maple St\nSpringfield"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "project",
                                                       AuditEvent.entity_id == project.id))
    assert event.action == "created" and event.actor_id == world.admin.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Project P-2 Maple Street Townhomes is created" in page


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"number": ""}, "number", "Enter the project number."),
    ({"number": "   "}, "number", "Enter the project number."),
    ({"number": "X" * 31}, "number", "Use at most 30 characters."),
    ({"number": "p-1"}, "number", "already has this number"),
    ({"name": ""}, "name", "Enter the project name."),
    ({"name": "N" * 201}, "name", "Use at most 200 characters."),
    ({"address": "A" * 501}, "address", "Use at most 500 characters."),
    ({"country": "FR"}, "country", "Choose United States or Canada."),
    ({"country": None}, "country", "Choose United States or Canada."),
    ({"currency": "EUR"}, "currency", "Choose USD or CAD."),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list."),
    ({"time_zone": ""}, "time_zone", "Choose a time zone from the list."),
    ({"jurisdiction": "XX"}, "jurisdiction", "Choose a province, a territory or Federal (Crown work)"),
    ({"jurisdiction": "US"}, "jurisdiction", "Choose a province, a territory or Federal (Crown work)"),
])
def test_project_bad_input_says_what_is_wrong_and_writes_nothing(client, world, change, field, message, auth):
    auth.sign_in(world.admin.email)
    before = count(Project), count(AuditEvent)
    response = client.post("/projects/new", data=_project_data(**change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    if field != "name":
        assert 'value="Maple Street Townhomes"' in html  # what was typed stays
    assert (count(Project), count(AuditEvent)) == before


def test_editing_a_project_saves_and_records_each_change(client, world, auth):
    auth.sign_in(world.admin.email)
    url = f"/projects/{world.project.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Riverside Medical"' in form and '<option selected value="US">' in form
    response = client.post(url, data=_project_data(number="P-1", name="Riverside Medical Center",
                                                   time_zone="America/New_York", allow_overbilling=None,
                                                   country="US", currency="USD", address="1 River St"))
    assert response.status_code == 303
    project = db.session.get(Project, world.project.id)
    assert project.name == "Riverside Medical Center" and project.time_zone == "America/New_York"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "project")).all()
    assert [(e.field, e.old_value, e.new_value) for e in events] == [
        ("name", "Riverside Medical", "Riverside Medical Center")]
    # the same values again change nothing, and say so
    again = client.post(url, data=_project_data(number="P-1", name="Riverside Medical Center",
                                                time_zone="America/New_York", allow_overbilling=None,
                                                country="US", currency="USD", address="1 River St"))
    assert "Nothing changed." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(AuditEvent) == 1


def test_a_canadian_project_picks_its_prompt_payment_law_and_a_us_one_has_none(client, world, auth):
    auth.sign_in(world.admin.email)
    form = client.get("/projects/new").get_data(as_text=True)
    assert '<option value="ON">Ontario (prompt payment in force)</option>' in form
    assert '<option value="FED">Federal (Crown work) (prompt payment in force)</option>' in form
    assert '<option value="BC">British Columbia</option>' in form
    assert client.post("/projects/new", data=_project_data(jurisdiction="ON")).status_code == 303
    project = db.session.scalar(select(Project).where(Project.number == "P-2"))
    assert project.jurisdiction == "ON"
    url = f"/projects/{project.id}/edit"
    assert '<option selected value="ON">' in client.get(url).get_data(as_text=True)
    assert client.post(url, data=_project_data(jurisdiction="FED")).status_code == 303
    db.session.refresh(project)
    assert project.jurisdiction == "FED"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.field == "jurisdiction")).one()
    assert (event.old_value, event.new_value) == ("ON", "FED")
    # a project in the United States has no prompt payment law, whatever was posted
    assert client.post(url, data=_project_data(jurisdiction="ON", country="US", currency="USD")).status_code == 303
    db.session.refresh(project)
    assert project.jurisdiction is None
    assert client.post(url, data=_project_data(country="CA", jurisdiction="")).status_code == 303
    db.session.refresh(project)
    assert project.jurisdiction is None


def test_editing_to_another_projects_number_is_refused(client, world, auth):
    db.session.add(Project(number="P-2", name="Maple Street Townhomes"))
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(f"/projects/{world.project.id}/edit", data=_project_data(number="P-2", name="Renamed"))
    assert response.status_code == 422
    assert "Project P-2 (Maple Street Townhomes) already has this number." in response.get_data(as_text=True)
    assert db.session.get(Project, world.project.id).name == "Riverside Medical"
    assert count(AuditEvent) == 0


def test_a_taken_number_is_reported_with_the_other_problems(client, world, auth):
    auth.sign_in(world.admin.email)
    html = client.post("/projects/new", data=_project_data(number="P-1", name="")).get_data(as_text=True)
    assert "Project P-1 (Riverside Medical) already has this number." in html and "Enter the project name." in html
    assert count(Project) == 1


def test_unknown_project_is_404(client, world, auth):
    auth.sign_in(world.admin.email)
    assert client.get("/projects/99999/edit").status_code == 404
    assert client.post("/projects/99999/edit", data=_project_data()).status_code == 404
    assert client.get("/projects/99999/team").status_code == 404


# --- buttons follow permissions -----------------------------------------------------------------


def test_project_home_shows_only_the_buttons_each_person_can_use(client, world, project_admin, auth):
    url = f"/projects/{world.project.id}"
    expectations = {
        world.admin.email: (True, True, True),
        project_admin.email: (False, True, True),
        world.standard.email: (False, False, False),
        world.readonly.email: (False, False, False),
    }
    for email, (edit, team, new_commitment) in expectations.items():
        auth.sign_in(email)
        html = client.get(url).get_data(as_text=True)
        assert (f'href="{url}/edit"' in html) is edit, email
        assert (f'href="{url}/team"' in html) is team, email
        assert (f'href="{url}/commitments/new"' in html) is new_commitment, email
        assert f'href="{url}/commitments"' in html, email
        assert ('href="/projects/new"' in client.get("/").get_data(as_text=True)) is (email == world.admin.email)
        client.post("/sign-out")


# --- the team -----------------------------------------------------------------------------------


def test_team_page_lists_active_internal_users_with_admins_locked(client, world, contact, auth):
    gone = factories.user(world.company, "gone@pb.example", "Gabe Gone")
    gone.active = False
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/team").get_data(as_text=True)
    for user in (world.standard, world.readonly, world.nobody):
        assert f'name="level-{user.id}"' in html
    assert f'name="level-{world.admin.id}"' not in html and "Company admin: Admin on every project" in html
    assert "Gabe Gone" not in html and contact.name not in html
    row = html.split(f'id="member-{world.readonly.id}"')[1].split("</tr>")[0]
    assert '<option value="READ_ONLY" selected>' in row
    # one way to save in sight: each select saves itself; the button shows only without JavaScript
    assert '<noscript><button class="btn btn-primary" type="submit">Save team</button></noscript>' in html
    assert "saves as soon as you choose a level" in html


def test_saving_the_team_in_one_post(client, world, auth):
    newcomer = factories.user(world.company, "new@pb.example", "Nia Newcomer")  # no permission row yet
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(f"/projects/{world.project.id}/team", data={
        f"level-{world.standard.id}": "STANDARD",  # unchanged
        f"level-{world.readonly.id}": "ADMIN",
        f"level-{world.nobody.id}": "READ_ONLY",
        f"level-{newcomer.id}": "STANDARD",
    })
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Riley Readonly is now Admin" in page and "Nia Newcomer is now Standard" in page
    assert _level(world.project, world.readonly) is AccessLevel.ADMIN
    assert _level(world.project, world.nobody) is AccessLevel.READ_ONLY
    assert _level(world.project, newcomer) is AccessLevel.STANDARD
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project access changed")
                                .order_by(AuditEvent.entity_id)).all()
    assert {(e.entity_id, e.old_value, e.new_value) for e in events} == {
        (world.readonly.id, "Read Only", "Admin"), (world.nobody.id, "None", "Read Only"),
        (newcomer.id, "None", "Standard")}
    assert all(e.project_id == world.project.id and e.actor_id == world.admin.id for e in events)


def test_one_row_saves_itself_with_htmx_and_without(client, world, auth):
    auth.sign_in(world.admin.email)
    url = f"/projects/{world.project.id}/team/{world.readonly.id}"
    response = client.post(url, headers=HX, data={f"level-{world.readonly.id}": "STANDARD",
                                                  f"level-{world.standard.id}": "NONE"})  # the rest of the form
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith(f'<tr id="member-{world.readonly.id}">') and "<html" not in html
    assert '<option value="STANDARD" selected>' in html and "Saved" in html
    assert 'hx-swap-oob="innerHTML"' in html and "Riley Readonly is now Standard on this project." in html
    assert _level(world.project, world.readonly) is AccessLevel.STANDARD
    assert _level(world.project, world.standard) is AccessLevel.STANDARD  # only the row's own select counts
    plain = client.post(url, data={f"level-{world.readonly.id}": "NONE"})
    assert plain.status_code == 303
    assert "Riley Readonly is now None" in client.get(plain.headers["Location"]).get_data(as_text=True)
    assert _level(world.project, world.readonly) is AccessLevel.NONE
    assert count(AuditEvent) == 2


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
def test_a_level_that_does_not_exist_is_refused(client, world, hx, auth):
    auth.sign_in(world.admin.email)
    if hx:
        response = client.post(f"/projects/{world.project.id}/team/{world.readonly.id}", headers=HX,
                                data={f"level-{world.readonly.id}": "BOSS"})
        assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="member-{world.readonly.id}">')
    else:
        response = client.post(f"/projects/{world.project.id}/team", data={
            f"level-{world.readonly.id}": "BOSS", f"level-{world.nobody.id}": "ADMIN"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose None, Read Only, Standard or Admin." in html and f'id="level-{world.readonly.id}-feedback"' in html
    assert _level(world.project, world.readonly) is AccessLevel.READ_ONLY
    assert _level(world.project, world.nobody) is AccessLevel.NONE  # all or nothing
    assert count(AuditEvent) == 0


def test_company_admins_and_ones_own_row_cannot_be_changed(client, world, project_admin, auth):
    auth.sign_in(world.admin.email)
    response = client.post(f"/projects/{world.project.id}/team", data={f"level-{world.admin.id}": "NONE"})
    assert response.status_code == 422 and "Company admin: Admin on every project" in response.get_data(as_text=True)
    client.post("/sign-out")
    auth.sign_in(project_admin.email)
    response = client.post(f"/projects/{world.project.id}/team/{project_admin.id}", headers=HX,
                           data={f"level-{project_admin.id}": "NONE"})
    assert response.status_code == 422 and "Your own access" in response.get_data(as_text=True)
    assert _level(world.project, project_admin) is AccessLevel.ADMIN
    assert count(AuditEvent) == 0


def test_unknown_foreign_and_inactive_users_are_404(client, world, contact, auth):
    gone = factories.user(world.company, "gone@pb.example", "Gabe Gone")
    gone.active = False
    db.session.commit()
    auth.sign_in(world.admin.email)
    for user_id in (99999, contact.id, gone.id):
        assert client.post(f"/projects/{world.project.id}/team", data={f"level-{user_id}": "ADMIN"}).status_code == 404
        assert client.post(f"/projects/{world.project.id}/team/{user_id}",
                           data={f"level-{user_id}": "ADMIN"}).status_code == 404
    assert client.post(f"/projects/{world.project.id}/team", data={"level-abc": "ADMIN"}).status_code == 404
    assert count(ProjectPermission) == 3 and count(AuditEvent) == 0


def test_a_project_admin_manages_the_team_of_their_own_project_only(client, world, project_admin, auth):
    other = Project(number="P-2", name="Maple Street Townhomes")
    db.session.add(other)
    db.session.add(ProjectPermission(project=other, user=project_admin, level=AccessLevel.STANDARD))
    db.session.commit()
    auth.sign_in(project_admin.email)
    ok = client.post(f"/projects/{world.project.id}/team", data={f"level-{world.readonly.id}": "STANDARD"})
    assert ok.status_code == 303 and _level(world.project, world.readonly) is AccessLevel.STANDARD
    assert client.get(f"/projects/{other.id}/team").status_code == 403
    assert client.post(f"/projects/{other.id}/team", data={f"level-{world.readonly.id}": "ADMIN"}).status_code == 403
    assert _level(other, world.readonly) is None
    assert client.get(f"/projects/{world.project.id}/edit").status_code == 403  # projects: company admins only


# --- who may do what, on every route ----------------------------------------------------------------


def _routes(world):
    p = world.project.id
    return [
        ("get", "/projects/new", {}, "company"),
        ("post", "/projects/new", _project_data(), "company"),
        ("get", f"/projects/{p}/edit", {}, "company"),
        ("post", f"/projects/{p}/edit", _project_data(number="P-1"), "company"),
        ("get", f"/projects/{p}/team", {}, "project"),
        ("post", f"/projects/{p}/team", {f"level-{world.nobody.id}": "ADMIN"}, "project"),
        ("post", f"/projects/{p}/team/{world.nobody.id}", {f"level-{world.nobody.id}": "ADMIN"}, "project"),
    ]


@pytest.mark.parametrize(("who", "on_project", "off_project"), [
    ("standard", 403, 403), ("readonly", 403, 403), ("nobody", 404, 403), ("contact", 404, 403)])
def test_who_may_do_what(client, world, contact, who, on_project, off_project, auth):
    email = contact.email if who == "contact" else getattr(world, who).email
    auth.sign_in(email)
    before = count(Project), count(ProjectPermission), count(AuditEvent)
    for method, url, data, _scope in _routes(world):
        response = getattr(client, method)(url, data=data)
        expected = off_project if url.startswith("/projects/new") else on_project
        assert response.status_code == expected, (who, method, url, response.status_code)
    assert (count(Project), count(ProjectPermission), count(AuditEvent)) == before
    assert _level(world.project, world.nobody) is AccessLevel.NONE


def test_a_project_admin_may_change_the_team_but_not_the_project(client, world, project_admin, auth):
    auth.sign_in(project_admin.email)
    for method, url, data, scope in _routes(world):
        response = getattr(client, method)(url, data=data)
        if scope == "company":
            assert response.status_code == 403, url
        else:
            assert response.status_code in (200, 303), url
    assert count(Project) == 1


def test_anonymous_is_sent_to_sign_in_everywhere(client, world):
    for method, url, data, _scope in _routes(world):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    assert count(Project) == 1 and count(AuditEvent) == 0


def test_the_csrf_token_is_required_and_rides_in_the_htmx_header(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page)
    token = token.group(1) if token else re.search(r'"X-CSRFToken": "([^"]+)"', sign_in_page).group(1)
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD, "csrf_token": token})
    page = client.get(f"/projects/{world.project.id}/team").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    url = f"/projects/{world.project.id}/team/{world.readonly.id}"
    assert client.post(url, headers=HX, data={f"level-{world.readonly.id}": "ADMIN"}).status_code == 400
    assert _level(world.project, world.readonly) is AccessLevel.READ_ONLY
    ok = client.post(url, headers={**HX, "X-CSRFToken": header_token}, data={f"level-{world.readonly.id}": "ADMIN"})
    assert ok.status_code == 200 and _level(world.project, world.readonly) is AccessLevel.ADMIN


def test_a_canadian_project_offers_canada_s_zones_first_and_keeps_an_old_zone_name(client, world, auth):
    world.project.country, world.project.time_zone = Country.CA, "Canada/Eastern"  # stored before the picker changed
    db.session.commit()
    auth.sign_in(world.admin.email)
    form = client.get(f"/projects/{world.project.id}/edit").get_data(as_text=True)
    picker = form.split('name="time_zone"')[1].split("</select>")[0]
    assert picker.index('label="Canada"') < picker.index('label="United States"')
    assert '<option value="America/St_Johns">Newfoundland Time (St. John&#39;s)</option>' in picker
    assert '<option selected value="Canada/Eastern">Canada/Eastern</option>' in picker
