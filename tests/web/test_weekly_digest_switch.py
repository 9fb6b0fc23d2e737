"""An admin turns their own weekly digest off and on, on Your account; nobody else has the switch."""

from __future__ import annotations

from html import unescape

import pytest

from domain import reminders
from domain.models import AccessLevel, AuditEvent, ProjectPermission, User, db
from tests import factories
from tests.helpers import count


def text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def digest_of(user: User) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).weekly_digest


def test_an_admin_turns_the_digest_off_and_on_and_the_weekly_run_heeds_it(admin_client, world):
    html = text(admin_client.get("/account"))
    assert "Weekly digest" in html and "Turn the weekly digest off" in html

    response = admin_client.post("/account/weekly-digest", data={"weekly_digest": "off"})
    assert response.status_code == 303
    assert digest_of(world.admin) is False
    html = text(admin_client.get("/account"))
    assert "The weekly digest is off." in html and "Turn the weekly digest on" in html
    assert count(AuditEvent, AuditEvent.field == "weekly_digest") == 1
    report = reminders.queue_digests()
    assert all(u.id != world.admin.id for u, _ in report.queued) and world.admin not in report.nothing

    assert admin_client.post("/account/weekly-digest", data={"weekly_digest": "on"}).status_code == 303
    assert digest_of(world.admin) is True
    assert "The weekly digest is on" in text(admin_client.get("/account"))


def test_the_same_answer_twice_changes_nothing(admin_client, world):
    admin_client.post("/account/weekly-digest", data={"weekly_digest": "on"})
    assert "Nothing changed." in text(admin_client.get("/account"))
    assert count(AuditEvent, AuditEvent.field == "weekly_digest") == 0


@pytest.mark.parametrize("value", ["", "maybe"])
def test_anything_but_on_or_off_is_refused_and_nothing_written(admin_client, world, value):
    response = admin_client.post("/account/weekly-digest", data={"weekly_digest": value})
    assert response.status_code == 422
    assert "Choose whether to get the weekly digest: on or off." in text(response)
    assert digest_of(world.admin) is True and count(AuditEvent, AuditEvent.field == "weekly_digest") == 0


def test_a_project_admin_has_the_switch(client, world, auth):
    pat = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=pat, level=AccessLevel.ADMIN))
    db.session.commit()
    auth.sign_in(pat.email)
    assert "Weekly digest" in text(client.get("/account"))
    assert client.post("/account/weekly-digest", data={"weekly_digest": "off"}).status_code == 303
    assert digest_of(pat) is False


@pytest.mark.parametrize("who", ["standard", "readonly", "nobody"])
def test_people_who_get_no_digest_have_no_switch(client, world, auth, who):
    user = getattr(world, who)
    auth.sign_in(user.email)
    assert "Weekly digest" not in text(client.get("/account"))
    assert client.post("/account/weekly-digest", data={"weekly_digest": "off"}).status_code == 403
    assert digest_of(user) is True and count(AuditEvent, AuditEvent.field == "weekly_digest") == 0


def test_a_vendor_contact_has_no_switch(client, world, auth):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    auth.sign_in("maria@keystone.example")
    assert client.post("/account/weekly-digest", data={"weekly_digest": "off"}).status_code == 403
    assert digest_of(vendor.default_claim_contact) is True


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.post("/account/weekly-digest", data={"weekly_digest": "off"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
