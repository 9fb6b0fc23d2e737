"""The project list and project home, and who may see them."""

from __future__ import annotations

from domain.models import Project, db


def test_admin_sees_every_project_and_its_tool_link(client, world, auth):
    db.session.add(Project(number="P-2", name="Maple Street Townhomes"))
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get("/").get_data(as_text=True)
    assert "Riverside Medical" in html and "Maple Street Townhomes" in html
    home = client.get(f"/projects/{world.project.id}").get_data(as_text=True)
    assert f'href="/projects/{world.project.id}/billings"' in home
    assert "Open Progress Billings" in home
    assert client.get(f"/projects/{world.project.id}/billings").status_code == 200


def test_users_see_only_projects_they_are_on(client, world, auth):
    db.session.add(Project(number="P-2", name="Maple Street Townhomes"))
    db.session.commit()
    auth.sign_in(world.readonly.email)
    html = client.get("/").get_data(as_text=True)
    assert "Riverside Medical" in html and "Maple Street Townhomes" not in html


def test_user_with_none_gets_404_for_the_project(client, world, auth):
    auth.sign_in(world.nobody.email)
    assert "not on any project yet" in client.get("/").get_data(as_text=True)
    assert client.get(f"/projects/{world.project.id}").status_code == 404
    assert client.get(f"/projects/{world.project.id}/billings").status_code == 404


def test_unknown_project_is_404(client, world, auth):
    auth.sign_in(world.admin.email)
    assert client.get("/projects/9999").status_code == 404


def test_terms_follow_the_company_dictionary(client, world, auth):
    from domain.models import Dictionary

    world.company.dictionary = Dictionary.GENERAL
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}").get_data(as_text=True)
    assert "Open Invoicing" in html and "Progress Billings" not in html
