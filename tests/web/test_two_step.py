"""Two-step sign-in with an authenticator app and recovery codes (issue 10, item 9).

Codes are computed here from the secret, as a phone would; nothing is mocked.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from domain.models import AuditEvent, Company, Project, RecoveryCode, User, db
from tests import factories
from tests.helpers import AuthActions


def offered_secret(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    with client.session_transaction() as session:
        secret = session["two_step_secret"]["secret"]
    # The key is on the page too, for typing in by hand, four letters at a time.
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    return secret


def not_the_code(secret: str) -> str:
    totp, now = pyotp.TOTP(secret), time.time()
    right = {totp.at(now + d) for d in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def turn_on(client) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    secret = offered_secret(client)
    response = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Save your recovery codes" in page and "they are shown only now" in page
    codes = re.findall(r"<li class=\"col\">([0-9a-f]{5}-[0-9a-f]{5})</li>", page)
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str) -> str:
    """A code the app shows within 30 seconds: newer than the one that turned two-step on."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def two_step_state(user: User) -> tuple:
    db.session.expire_all()
    u = db.session.get(User, user.id)
    return (u.totp_secret, u.two_step_enabled_at, u.totp_last_step, u.session_version,
            db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == u.id)),
            db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))))


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/account").status_code == 200


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_wrong_code_turns_nothing_on(admin_client, world):
    secret = offered_secret(admin_client)
    before = two_step_state(world.admin)
    response = admin_client.post("/account/two-step", data={"code": not_the_code(secret)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That code does not match" in page and "invalid-feedback" in page
    assert two_step_state(world.admin) == before
    assert before[0] is None and before[4] == 0
    # the same secret is offered again, so the app already set up still works
    assert offered_secret(admin_client) == secret


def test_turning_on_stores_the_secret_and_only_digests_of_the_recovery_codes(admin_client, world, app):
    other_device = app.test_client()
    AuthActions(other_device).sign_in(world.admin.email)
    secret, codes = turn_on(admin_client)
    user = db.session.get(User, world.admin.id)
    assert user.two_step_enabled and user.totp_secret == secret
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}
    assert [e.entity_id for e in events("two-step sign-in turned on")] == [user.id]
    # this session goes on; the other device is signed out
    assert signed_in(admin_client)
    assert not signed_in(other_device)
    # shown once: the set-up page now leads back to the account page, which shows no codes
    assert admin_client.get("/account/two-step").status_code == 303
    assert codes[0] not in admin_client.get("/account").get_data(as_text=True)


def test_sign_in_asks_for_the_code_from_the_app(admin_client, client, world, app):
    secret, _ = turn_on(admin_client)
    browser = app.test_client()
    response = browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/two-step"
    assert not signed_in(browser)  # the password alone signs no one in
    page = browser.get("/sign-in/two-step").get_data(as_text=True)
    assert "Enter your code" in page
    response = browser.post("/sign-in/two-step", data={"code": next_code(secret)})
    assert response.status_code == 303
    assert signed_in(browser)
    assert [e.field for e in events("signed in")][-1] == "password and app"


def test_a_wrong_code_at_sign_in_is_refused_with_a_message(admin_client, world, app):
    secret, _ = turn_on(admin_client)
    browser = app.test_client()
    browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    before = two_step_state(world.admin)
    sign_ins_before = len(events("signed in"))
    response = browser.post("/sign-in/two-step", data={"code": not_the_code(secret)})
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert two_step_state(world.admin) == before
    assert len(events("signed in")) == sign_ins_before
    assert not signed_in(browser)
    assert events("sign-in failed")[-1].field == "wrong two-step code"


def test_a_code_works_once(admin_client, world, app):
    secret, _ = turn_on(admin_client)
    code = next_code(secret)
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    assert first.post("/sign-in/two-step", data={"code": code}).status_code == 303
    response = second.post("/sign-in/two-step", data={"code": code})
    assert response.status_code == 422 and not signed_in(second)


def test_recovery_codes_work_once_each(admin_client, world, app):
    _, codes = turn_on(admin_client)
    browser = app.test_client()
    browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    response = browser.post("/sign-in/two-step", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "You used a recovery code; 9 left." in response.get_data(as_text=True)
    assert events("signed in")[-1].field == "password and recovery code"
    assert two_step_state(world.admin)[5] == 1
    browser.post("/sign-out")
    browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    before = two_step_state(world.admin)
    response = browser.post("/sign-in/two-step", data={"code": codes[3]})
    assert response.status_code == 422 and "That code is not right" in response.get_data(as_text=True)
    assert two_step_state(world.admin) == before and not signed_in(browser)


def test_the_code_step_waits_only_five_minutes(admin_client, world, app):
    secret, _ = turn_on(admin_client)
    browser = app.test_client()
    browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    with browser.session_transaction() as session:
        session["two_step"] = {**session["two_step"], "since": int(time.time()) - 301}
    response = browser.post("/sign-in/two-step", data={"code": next_code(secret)})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert not signed_in(browser)


def test_turning_off_needs_the_password(admin_client, world):
    turn_on(admin_client)
    before = two_step_state(world.admin)
    response = admin_client.post("/account/two-step/off", data={"off-current_password": "not-my-password"})
    assert response.status_code == 422 and "That is not your current password." in response.get_data(as_text=True)
    assert two_step_state(world.admin) == before
    response = admin_client.post("/account/two-step/off", data={"off-current_password": factories.PASSWORD})
    assert response.status_code == 303
    assert two_step_state(world.admin)[0] is None and two_step_state(world.admin)[4] == 0


def test_new_recovery_codes_replace_the_old(admin_client, world, app):
    _, old = turn_on(admin_client)
    response = admin_client.post("/account/two-step/recovery-codes",
                                 data={"codes-current_password": factories.PASSWORD})
    new = re.findall(r"<li class=\"col\">([0-9a-f]{5}-[0-9a-f]{5})</li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    browser = app.test_client()
    browser.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    assert browser.post("/sign-in/two-step", data={"code": old[0]}).status_code == 422
    assert browser.post("/sign-in/two-step", data={"code": new[0]}).status_code == 303


# --- the company setting --------------------------------------------------------------------------


@pytest.fixture
def required(world):  # type: ignore[no-untyped-def]
    db.session.get(Company, world.company.id).two_step_required_for_admins = True
    db.session.commit()


def test_the_setting_is_saved_from_company_settings(admin_client, world):
    data = {"name": world.company.name, "dictionary": "SPECIALTY", "default_retention_pct": "10",
            "invite_message": "", "time_zone": "America/New_York", "two_step_required_for_admins": "y"}
    assert admin_client.post("/settings/company", data=data).status_code == 303
    assert db.session.get(Company, world.company.id).two_step_required_for_admins is True


def test_a_company_admin_without_two_step_is_led_to_set_it_up(client, world, required):
    AuthActions(client).sign_in(world.admin.email)
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/account/two-step"
    assert "Your company asks company admins to sign in in two steps" in page
    assert "Not now" not in page
    htmx = client.get(f"/projects/{world.project.id}/billings", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/two-step"
    # a POST elsewhere changes nothing before the set-up
    assert client.post("/projects/new", data={"number": "P-2", "name": "x"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Project)) == 1
    # once it is on, every page opens again, and it cannot be turned off
    secret = offered_secret(client)
    client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/").status_code == 200
    assert client.post("/account/two-step/off", data={"off-current_password": factories.PASSWORD}).status_code == 303
    assert db.session.get(User, world.admin.id).two_step_enabled


def test_other_staff_and_contacts_are_never_forced(client, world, required):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    AuthActions(client).sign_in(world.standard.email)
    assert client.get("/").status_code == 200
    client.post("/sign-out")
    AuthActions(client).sign_in(vendor.default_claim_contact.email)
    assert client.get("/portal").status_code == 200
    # but may turn it on
    secret, _ = turn_on(client)
    client.post("/sign-out")
    response = client.post("/sign-in", data={"email": "maria@keystone.example", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/sign-in/two-step"
    assert client.post("/sign-in/two-step", data={"code": next_code(secret)}).status_code == 303


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "SIGN_IN_LIMIT_PER_ADDRESS": "3 per hour",
                                               "SIGN_IN_LIMIT_PER_CLIENT": "100 per hour"}])
def test_the_code_count_is_per_account_whatever_else_the_post_carries(admin_client, client, world):
    secret, _codes = turn_on(admin_client)
    admin_client.post("/sign-out")
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    answers = [client.post("/sign-in/two-step",
                           data={"code": not_the_code(secret), "email": f"x{i}@e.example"}).status_code
               for i in range(5)]
    assert answers[:3] == [422, 422, 422] and answers[3:] == [429, 429]


def test_codes_in_other_digits_are_refused_in_words_not_a_server_error(admin_client, world):
    offered_secret(admin_client)
    for code in ("²²²²²²", "١٢٣٤٥٦"):
        response = admin_client.post("/account/two-step", data={"code": code})
        assert response.status_code == 422 and "code" in response.get_data(as_text=True).lower()
    assert two_step_state(world.admin)[0] is None  # nothing turned on


def test_a_set_up_secret_is_never_offered_to_the_next_person_on_the_same_browser(client, world, auth):
    auth.sign_in(world.admin.email)
    first = offered_secret(client)
    auth.switch(world.standard.email)
    assert offered_secret(client) != first


def test_deactivating_a_person_ends_their_sessions_even_after_reactivation(app, client, world, auth):
    auth.sign_in(world.standard.email)
    assert client.get("/").status_code in (200, 302, 303)
    admin = app.test_client()
    AuthActions(admin).sign_in(world.admin.email)
    assert admin.post(f"/directory/people/{world.standard.id}/deactivate").status_code == 303
    assert admin.post(f"/directory/people/{world.standard.id}/reactivate").status_code == 303
    assert client.get("/account").headers.get("Location", "").startswith("/sign-in")
