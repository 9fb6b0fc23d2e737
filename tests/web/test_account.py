"""Your account: recent sign-ins, password change, and sessions that end (issue 10, items 8 and 10)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from domain.dates import moment
from domain.models import AuditEvent, User, db
from tests import factories
from tests.helpers import AuthActions

NEW_PASSWORD = "a-brand-new-password"


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/account").status_code == 200


def test_the_top_bar_leads_to_your_account_with_your_recent_sign_ins(client, world):
    client.post("/sign-in", data={"email": world.admin.email, "password": "wrong-password"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD},
                environ_base={"REMOTE_ADDR": "198.51.100.4"})
    home = client.get("/").get_data(as_text=True)
    assert 'href="/account"' in home and "Your account" in home
    page = client.get("/account").get_data(as_text=True)
    assert "Recent sign-ins" in page
    assert page.index("198.51.100.4") < page.index("203.0.113.7")  # newest first
    assert "Signed in" in page and "Refused" in page and "wrong password" in page
    # when, in the company's time zone with its abbreviation, as every other time on the pages
    signed_in = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signed in")).one().occurred_at
    assert moment(signed_in, world.company.time_zone) in page and "(UTC)" not in page


def test_sign_ins_and_failed_ones_are_in_the_audit_trail(client, world):
    client.post("/sign-in", data={"email": "nobody-here@pb.example", "password": "guess-guess"})
    client.post("/sign-in", data={"email": world.admin.email, "password": "wrong-password"})
    AuthActions(client).sign_in(world.admin.email)
    rows = [(e.action, e.entity_id, e.field, e.actor_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(AuditEvent.id))]
    assert rows == [("sign-in failed", 0, "unknown address", None),
                    ("sign-in failed", world.admin.id, "wrong password", None),
                    ("signed in", world.admin.id, "password", world.admin.id)]


def test_someone_else_sees_none_of_your_sign_ins(client, world):
    client.post("/sign-in", data={"email": world.admin.email, "password": "wrong-password"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    AuthActions(client).sign_in(world.standard.email)
    assert "203.0.113.7" not in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": "not-it"}, "current_password", "That is not your current password."),
        ({"current_password": ""}, "current_password", "Enter your current password."),
        ({"password": "short", "confirm": "short"}, "password", "Use at least 10 characters"),
        ({"confirm": "something-else-entirely"}, "confirm", "The passwords do not match."),
        ({"password": factories.PASSWORD, "confirm": factories.PASSWORD}, "password",
         "Choose a password different from the current one."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(admin_client, world, data, field, message):
    before = (world.admin.password_hash, world.admin.session_version)
    response = admin_client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                              "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                              **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-feedback"' in page and message in page
    db.session.expire_all()
    user = db.session.get(User, world.admin.id)
    assert (user.password_hash, user.session_version) == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password changed")) is None


def test_changing_the_password_ends_the_other_sessions(admin_client, world, app):
    other_device = app.test_client()
    AuthActions(other_device).sign_in(world.admin.email)
    response = admin_client.post("/account/password", data={
        "current_password": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your password is changed" in admin_client.get("/account").get_data(as_text=True)
    assert check_password_hash(db.session.get(User, world.admin.id).password_hash, NEW_PASSWORD)
    assert not signed_in(other_device)
    assert other_device.get("/").headers["Location"].startswith("/sign-in")
    AuthActions(other_device).sign_in(world.admin.email, NEW_PASSWORD)
    assert signed_in(other_device)


# --- idle sessions --------------------------------------------------------------------------------


def idle_for(client, seconds: int) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - seconds


HOUR, DAY = 3600, 86400


def test_a_staff_session_ends_after_twelve_idle_hours_even_when_remembered(client, world):
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD, "remember": "y"})
    idle_for(client, 11 * HOUR)
    assert signed_in(client)
    idle_for(client, 12 * HOUR + 5)
    response = client.get("/account", follow_redirects=True)
    assert response.request.path == "/sign-in"
    assert "You were signed out after a while without activity" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_remembered_contact_stays_signed_in_for_seven_idle_days(client, world):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    response = client.post("/sign-in", data={"email": "maria@keystone.example", "password": factories.PASSWORD,
                                             "remember": "y"})
    assert "Expires=" in response.headers["Set-Cookie"]  # the cookie outlives the browser
    idle_for(client, 6 * DAY)
    assert signed_in(client)
    idle_for(client, 7 * DAY + 5)
    assert not signed_in(client)
    assert vendor.default_claim_contact.is_collaborator


def test_a_contact_who_is_not_remembered_has_the_staff_limit(client, world):
    factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    response = client.post("/sign-in", data={"email": "maria@keystone.example", "password": factories.PASSWORD})
    assert "Expires=" not in response.headers["Set-Cookie"]
    idle_for(client, 12 * HOUR + 5)
    assert not signed_in(client)


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"SESSION_IDLE_TIMEOUT": 12 * HOUR, "REMEMBERED_CONTACT_IDLE_TIMEOUT": 7 * DAY}


def test_the_idle_limits_are_settings(app, client, world):
    app.config["SESSION_IDLE_TIMEOUT"] = 60
    AuthActions(client).sign_in(world.admin.email)
    idle_for(client, 61)
    assert not signed_in(client)
