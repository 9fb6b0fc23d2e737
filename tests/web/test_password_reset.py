"""Password reset (issue 12): "Forgot your password?", the e-mailed link, and an admin sending one.

The same answer for every address; a link that works once, for an hour, and never around two-step
sign-in; bad links and weak passwords change nothing. Links are read from the e-mail as it is
rendered (and, once, as it arrives at a real SMTP server).
"""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import event, select, update
from werkzeug.security import check_password_hash

from blueprints.forms import CONTROL_CHARACTERS_MESSAGE
from domain import emails, tokens, two_step
from domain.models import AuditEvent, OutboxMessage, User, db
from domain.outbox import deliver_due
from extensions import mail
from tests import factories
from tests.helpers import AuthActions, count
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`
from tests.web.portal_helpers import send_invites
from tests.web.portal_helpers import token as invite_token

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def maria(world: factories.World) -> User:
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    return keystone.default_claim_contact


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def state() -> tuple:
    """Everything a reset may write, to compare before and after a refused request."""
    db.session.expire_all()
    users = tuple(db.session.execute(select(User.id, User.email, User.password_hash, User.session_version,
                                            User.active).order_by(User.id)).all())
    return users, count(AuditEvent), count(OutboxMessage)


def reset_mails(user: User | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == emails.PASSWORD_RESET).order_by(OutboxMessage.id)
    if user is not None:
        query = query.where(OutboxMessage.to_user_id == user.id)
    return list(db.session.scalars(query))


def link_in(message: OutboxMessage) -> str:
    """The reset link of a queued e-mail, as a path on this site."""
    text = emails.render(message).text
    url = re.search(r"http://pb\.example(/reset-password\?token=\S+)", text)
    assert url, text
    return url.group(1)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def ask_for_link(client, user: User) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/sign-in/forgot", data={"email": user.email})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/forgot/sent"
    return link_in(reset_mails(user)[-1])


def password_of(user: User) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


# --- asking for a link --------------------------------------------------------------------------------


def test_the_sign_in_page_offers_forgot_your_password(client, world):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in/forgot"' in page and "Forgot your password?" in page
    form = client.get("/sign-in/forgot")
    assert form.status_code == 200 and "Send me a link" in form.get_data(as_text=True)
    # the answer page without a request leads back to the form
    assert client.get("/sign-in/forgot/sent").headers["Location"] == "/sign-in/forgot"


def test_a_known_address_gets_one_email_and_the_answer_says_nothing_more(client, world, maria):
    response = client.post("/sign-in/forgot", data={"email": "Maria@Keystone.example"}, follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/sign-in/forgot/sent"
    assert "If Maria@Keystone.example is the address of an account, a link to choose a new password is on " \
           "its way there." in text_of(response)
    [message] = reset_mails()
    assert (message.to_address, message.to_user_id, message.actor_id) == ("maria@keystone.example", maria.id, None)
    rendered = emails.render(message)
    assert rendered.subject == "Choose a new Progress Billings password"
    assert "The link works once, for 60 minutes." in rendered.text
    assert "If you did not ask for this, ignore this e-mail" in rendered.text
    assert password_of(maria) is not None  # nothing changes before the link is used


@pytest.mark.parametrize("who", ["unknown", "deactivated"])
def test_an_unknown_or_deactivated_address_gets_the_same_answer_and_nothing_is_written(client, world, maria, who):
    known = text_of(client.post("/sign-in/forgot", data={"email": "maria@keystone.example"}, follow_redirects=True))
    if who == "deactivated":
        maria.active = False
        db.session.commit()
        email = "maria@keystone.example"
    else:
        email = "nobody-here@keystone.example"
    before = state()
    response = client.post("/sign-in/forgot", data={"email": email})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/forgot/sent"
    assert text_of(client.get("/sign-in/forgot/sent")) == known.replace("maria@keystone.example", email)
    assert state() == before


@pytest.mark.parametrize(("email", "message"), [
    ("", "Enter your e-mail address."),
    ("not-an-address", "Enter a valid e-mail address, like name@example.com."),
    ("a" * 250 + "@x.example", "An e-mail address has at most 254 characters."),
])
def test_a_bad_address_says_why_and_sends_nothing(client, world, email, message):
    before = state()
    response = client.post("/sign-in/forgot", data={"email": email})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-feedback"' in page and message in unescape(page)
    assert state() == before


# --- using the link -----------------------------------------------------------------------------------


def test_the_link_sets_a_new_password_signs_in_and_ends_other_sessions(app, client, world, maria):
    other_device = app.test_client()
    AuthActions(other_device).sign_in(maria.email)
    link = ask_for_link(client, maria)
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in text_of(page) and "For maria@keystone.example" in text_of(page)
    response = client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/portal"
    assert "Your new password is set and you are signed in." in text_of(client.get("/portal"))
    assert check_password_hash(password_of(maria), NEW_PASSWORD)
    assert "password reset" in [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == maria.id))]
    assert other_device.get("/account").status_code == 302  # signed out there
    # the old password no longer works, the new one does
    fresh = app.test_client()
    assert fresh.post("/sign-in", data={"email": maria.email, "password": factories.PASSWORD}).status_code == 422
    AuthActions(fresh).sign_in(maria.email, NEW_PASSWORD)


def test_staff_land_on_their_projects(client, world):
    link = ask_for_link(client, world.standard)
    response = client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(("password", "confirm", "field", "message"), [
    ("short", "short", "password", "Use at least 10 characters (and at most 200)."),
    ("", "", "password", "Choose a password."),
    ("x" * 201, "x" * 201, "password", "Use at least 10 characters (and at most 200)."),
    (NEW_PASSWORD, "something-else-entirely", "confirm", "The passwords do not match."),
    (NEW_PASSWORD, "", "confirm", "Repeat the new password."),
])
def test_a_weak_or_mistyped_new_password_is_refused_and_changes_nothing(client, world, maria, password, confirm,
                                                                        field, message):
    link = ask_for_link(client, maria)
    before = state()
    response = client.post("/reset-password", data={"token": token_of(link), "password": password,
                                                    "confirm": confirm})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-feedback"' in page and message in unescape(page)
    assert token_of(link) in page  # the form keeps the link for the next try
    assert state() == before
    assert client.get("/account").status_code == 302  # not signed in
    # and the link still works after the refusal
    assert client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD}).status_code == 303


def test_a_new_password_with_control_characters_is_refused(client, world, maria):
    link = ask_for_link(client, maria)
    before = state()
    password = "correct\x00horse-battery"
    response = client.post("/reset-password", data={"token": token_of(link), "password": password,
                                                    "confirm": password})
    assert response.status_code == 422
    assert CONTROL_CHARACTERS_MESSAGE in unescape(response.get_data(as_text=True))
    assert state() == before


def test_a_used_link_does_not_work_again(app, client, world, maria):
    link = ask_for_link(client, maria)
    client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/sign-out")
    before = state()
    page = client.get(link)
    assert page.status_code == 400 and "This link has been used" in text_of(page)
    assert "ask for a new link" in text_of(page)
    response = client.post("/reset-password", data={"token": token_of(link), "password": "an-attackers-password",
                                                    "confirm": "an-attackers-password"})
    assert response.status_code == 400 and "This link has been used" in text_of(response)
    assert state() == before
    assert client.get("/account").status_code == 302


def test_two_clicks_at_once_set_the_password_once(app, client, world, maria):
    """Both find the link good; the first lands just before the second's update, which then matches no row."""
    link = ask_for_link(client, maria)
    landed = []

    def the_first_click_lands_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE users SET password_hash") and not landed:
            landed.append(True)
            with db.engine.connect() as other:
                other.execute(update(User).where(User.id == maria.id)
                              .values(password_hash="set-by-the-first-click", session_version=User.session_version + 1))
                other.commit()

    event.listen(db.engine, "before_cursor_execute", the_first_click_lands_first)
    try:
        response = client.post("/reset-password", data={"token": token_of(link), "password": "a-second-password",
                                                        "confirm": "a-second-password"})
    finally:
        event.remove(db.engine, "before_cursor_execute", the_first_click_lands_first)
    assert landed
    assert response.status_code == 400 and "This link has been used" in text_of(response)
    assert password_of(maria) == "set-by-the-first-click"
    assert client.get("/account").status_code == 302  # the second click signed nobody in


def test_a_link_from_before_a_password_change_does_not_work(client, world, maria, auth):
    link = ask_for_link(client, maria)
    auth.sign_in(maria.email)
    client.post("/account/password", data={"current_password": factories.PASSWORD, "password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    auth.sign_out()
    before = state()
    assert client.get(link).status_code == 400
    assert client.post("/reset-password", data={"token": token_of(link), "password": "an-attackers-password",
                                                "confirm": "an-attackers-password"}).status_code == 400
    assert state() == before


def aged_token(app, user: User, age_seconds: int) -> str:  # type: ignore[no-untyped-def]
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_seconds  # type: ignore[method-assign]
    try:
        return tokens.make_password_reset_token(app.config["SECRET_KEY"], user.id, user.email, user.password_hash,
                                                user.session_version)
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]


def test_a_link_older_than_an_hour_has_expired(app, client, world, maria):
    old = aged_token(app, maria, 3600 + 60)
    before = state()
    page = client.get(f"/reset-password?token={old}")
    assert page.status_code == 410
    assert "This link has expired" in text_of(page) and "work for 60 minutes" in text_of(page)
    response = client.post("/reset-password", data={"token": old, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert state() == before
    assert client.get(f"/reset-password?token={aged_token(app, maria, 3600 - 60)}").status_code == 200


def test_the_hour_is_a_setting(app, client, world, maria):
    app.config["PASSWORD_RESET_MAX_AGE"] = 600
    assert client.get(f"/reset-password?token={aged_token(app, maria, 660)}").status_code == 410
    assert client.get(f"/reset-password?token={aged_token(app, maria, 540)}").status_code == 200
    client.post("/sign-in/forgot", data={"email": maria.email})
    assert "works once, for 10 minutes" in emails.render(reset_mails(maria)[-1]).text


@pytest.mark.parametrize("how", ["tampered", "empty", "missing", "activation token", "other secret",
                                 "unknown user", "old address"])
def test_a_bad_link_says_it_does_not_work_and_changes_nothing(app, client, world, maria, how):
    secret = app.config["SECRET_KEY"]
    good = tokens.make_password_reset_token(secret, maria.id, maria.email, maria.password_hash,
                                            maria.session_version)
    token = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "empty": "",
        "missing": None,
        "activation token": tokens.make_activation_token(secret, maria.id, maria.email),
        "other secret": tokens.make_password_reset_token("another-secret", maria.id, maria.email,
                                                         maria.password_hash, maria.session_version),
        "unknown user": tokens.make_password_reset_token(secret, 99999, maria.email, maria.password_hash, 0),
        "old address": tokens.make_password_reset_token(secret, maria.id, "maria@keystne.example",
                                                        maria.password_hash, maria.session_version),
    }[how]
    before = state()
    page = client.get("/reset-password" if token is None else f"/reset-password?token={token}")
    assert page.status_code == 400
    assert "This link does not work" in text_of(page) or "This link has been used" in text_of(page)
    assert "Nothing was changed." in text_of(page)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    if token is not None:
        data["token"] = token
    assert client.post("/reset-password", data=data).status_code == 400
    assert state() == before


def test_a_deactivated_persons_link_does_not_work(client, world, maria):
    link = ask_for_link(client, maria)
    maria.active = False
    db.session.commit()
    before = state()
    assert client.get(link).status_code == 400
    assert client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD}).status_code == 400
    assert state() == before


# --- two-step sign-in is not bypassed ----------------------------------------------------------------


def test_with_two_step_on_the_code_is_asked_before_signing_in(app, client, world):
    secret = pyotp.random_base32()
    user = db.session.get(User, world.standard.id)
    two_step.turn_on(user, secret, pyotp.TOTP(secret).now())
    link = ask_for_link(client, user)
    response = client.post("/reset-password", data={"token": token_of(link), "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/two-step"
    assert check_password_hash(password_of(user), NEW_PASSWORD)
    assert client.get("/account").status_code == 302  # not signed in by the link alone
    page = client.get("/sign-in/two-step")
    assert "Your new password is set. Enter the code from your authenticator app" in text_of(page)
    wrong = client.post("/sign-in/two-step", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                    else "111111"})
    assert wrong.status_code == 422 and client.get("/account").status_code == 302
    response = client.post("/sign-in/two-step", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


# --- an admin sends a link from the directory --------------------------------------------------------


def test_an_admin_sends_a_reset_link_from_the_people_list(client, world, maria, auth):
    auth.sign_in(world.admin.email)
    people = client.get("/directory/people").get_data(as_text=True)
    assert f'action="/directory/people/{maria.id}/send-password-reset"' in people
    assert "Send password reset link" in client.get(f"/directory/people/{maria.id}").get_data(as_text=True)
    response = client.post(f"/directory/people/{maria.id}/send-password-reset")
    assert response.status_code == 303
    assert "A link to choose a new password is on its way to maria@keystone.example; it works once, for 60 " \
           "minutes." in text_of(client.get(response.headers["Location"]))
    [message] = reset_mails(maria)
    assert message.actor_id == world.admin.id
    rendered = emails.render(message)
    assert rendered.subject == "Avery Admin sent you a link to choose a new Progress Billings password"
    assert "Avery Admin of Harbor & Pine Builders sent you this link" in rendered.text
    # with htmx: the row and the banner
    response = client.post(f"/directory/people/{maria.id}/send-password-reset", headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="person-{maria.id}"' in page and "on its way to maria@keystone.example" in page
    assert len(reset_mails(maria)) == 2
    # the link works like one asked for
    reset = client.post("/reset-password", data={"token": token_of(link_in(message)), "password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD})
    assert reset.status_code == 303


def test_no_reset_link_for_someone_without_a_password_or_deactivated(client, world, auth):
    keystone = factories.vendor("Keystone Concrete Co.", "lee@keystone.example", password=False)
    db.session.commit()
    lee = keystone.default_claim_contact
    auth.sign_in(world.admin.email)
    assert "Send password reset link" not in client.get(f"/directory/people/{lee.id}").get_data(as_text=True)
    before = state()
    response = client.post(f"/directory/people/{lee.id}/send-password-reset", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "has no password yet: send the activation e-mail instead." in response.get_data(as_text=True)
    client.post(f"/directory/people/{world.readonly.id}/deactivate")
    before = state()
    response = client.post(f"/directory/people/{world.readonly.id}/send-password-reset")
    assert response.status_code == 303
    assert "is deactivated: reactivate them first." in text_of(client.get(response.headers["Location"]))
    assert state() == before


@pytest.mark.parametrize("who", ["standard", "maria"])
def test_only_company_admins_send_reset_links(client, world, maria, auth, who):
    auth.sign_in(world.standard.email if who == "standard" else maria.email)
    before = state()
    response = client.post(f"/directory/people/{world.readonly.id}/send-password-reset")
    assert response.status_code == (403 if who == "standard" else 404)
    assert state() == before


# --- the e-mail, through a real SMTP server -----------------------------------------------------------


def test_the_reset_email_arrives_with_a_working_link(app, client, world, maria, smtp):
    client.post("/sign-in/forgot", data={"email": maria.email})
    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (1, 0)
    [received] = smtp.messages
    assert received.rcpt_tos == ("maria@keystone.example",)
    assert received.subject == "Choose a new Progress Billings password"
    links = re.findall(r'href="(http://pb\.example/reset-password\?token=[^"]+)"', received.html)
    assert len(links) == 1 and unescape(links[0]) in received.text
    path = unescape(links[0]).removeprefix("http://pb.example")
    assert client.get(path).status_code == 200
    response = client.post("/reset-password", data={"token": token_of(path), "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and client.get("/account").status_code == 200
    assert client.get(path).status_code == 400  # once only


# --- sign-in from an invite link ----------------------------------------------------------------------


def test_signing_in_from_an_invite_link_starts_with_the_invited_address(app, client, world, maria):
    c = factories.commitment(world.project, maria.company, number="SC-001", title="Concrete")
    db.session.commit()
    invites = send_invites(client, world, c)
    client.post("/sign-out")
    invite = invites[c.id]
    response = client.get(f"/portal/invites/{invite.id}?token={invite_token(app, invite, maria)}&answer=yes")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert 'value="maria@keystone.example"' in email_input
    password_input = re.search(r'<input[^>]*id="password"[^>]*>', page).group(0)
    assert "autofocus" in password_input and "autofocus" not in email_input
    # "Forgot your password?" starts with it too
    assert 'value="maria@keystone.example"' in client.get("/sign-in/forgot").get_data(as_text=True)
    # signing in follows the link back to the invite and forgets the address
    response = client.post(response.headers["Location"], data={"email": maria.email, "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].startswith(f"/portal/invites/{invite.id}")
    client.post("/sign-out")
    assert 'value="maria@keystone.example"' not in client.get("/sign-in").get_data(as_text=True)


def test_a_plain_sign_in_page_starts_empty(client, world):
    page = client.get("/sign-in").get_data(as_text=True)
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert "value=" not in email_input or 'value=""' in email_input
