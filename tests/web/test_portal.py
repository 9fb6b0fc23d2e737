"""The contact portal (SPEC §4, §7): e-mail links, activation, answering invites, and who sees what."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from domain import claims, emails
from domain.emails import INVITE_ANSWERED
from domain.models import (
    AuditEvent,
    Claim,
    ClaimStatus,
    Commitment,
    Invite,
    InviteStatus,
    LineReview,
    OutboxMessage,
    OutboxStatus,
    User,
    db,
)
from tests import factories
from tests.helpers import count
from tests.web.portal_helpers import SIGNED, move_due_date_into_the_past, send_invites, state, token

NEW_PASSWORD = "a-new-password-1"


@dataclass
class Portal:
    world: factories.World
    maria: User  # Keystone's contact, has a password
    dev: User  # Brightline's contact, has a password
    fresh: User  # Evergreen's contact, never signed in
    concrete: Commitment  # Keystone
    electric: Commitment  # Brightline
    landscape: Commitment  # Evergreen
    invites: dict[int, Invite]

    def invite(self, commitment: Commitment) -> Invite:
        return db.session.get(Invite, self.invites[commitment.id].id)


@pytest.fixture
def portal(client, world) -> Portal:
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    brightline = factories.vendor("Brightline Electric", "dev@brightline.example")
    evergreen = factories.vendor("Evergreen Landscaping", "lee@evergreen.example", password=False)
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete")
    electric = factories.commitment(world.project, brightline, number="SC-002", title="Electrical")
    landscape = factories.commitment(world.project, evergreen, number="SC-003", title="Landscaping")
    db.session.commit()
    invites = send_invites(client, world, concrete, electric, landscape)
    return Portal(world, keystone.default_claim_contact, brightline.default_claim_contact,
                  evergreen.default_claim_contact, concrete, electric, landscape, invites)


def _link(app, invite: Invite, contact: User, answer: str = "yes", **kw) -> str:
    return f"/portal/invites/{invite.id}?token={token(app, invite, contact, **kw)}&answer={answer}"


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- 1. the e-mail link: a GET shows, never changes ---------------------------------------------


def test_link_for_a_contact_without_password_shows_the_activation_form(app, client, portal):
    invite = portal.invite(portal.landscape)
    before = state()
    response = client.get(_link(app, invite, portal.fresh))
    html = _text(response)
    assert response.status_code == 200
    assert "Welcome, Lee" in html and "lee@evergreen.example" in html and "Choose a password" in html
    assert f'action="/portal/invites/{invite.id}/activate"' in html
    assert 'name="answer" value="yes"' in html
    assert state() == before
    # the token did not sign anyone in
    assert client.get("/portal").status_code == 302


def test_link_for_a_contact_with_password_asks_to_sign_in_and_comes_back(app, client, portal):
    invite = portal.invite(portal.concrete)
    before = state()
    response = client.get(_link(app, invite, portal.maria))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    after_sign_in = unquote(parse_qs(location.query)["next"][0])
    assert after_sign_in == f"/portal/invites/{invite.id}?answer=yes"
    assert "Sign in as maria@keystone.example to answer the invite." in _text(client.get(response.headers["Location"]))
    signed_in = client.post(response.headers["Location"], data={"email": "maria@keystone.example",
                                                                "password": factories.PASSWORD})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == after_sign_in
    html = _text(client.get(after_sign_in))
    assert "Avery Admin of Harbor &amp; Pine Builders has invited you to bill" in html and "Not answered yet" in html
    assert "Confirm: yes, I will bill" in html
    assert state()[:4] == before[:4] and state()[5] == before[5]  # signing in is not an answer


def test_link_opened_by_the_signed_in_contact_shows_the_invite(app, client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    before = state()
    response = client.get(_link(app, invite, portal.maria, answer="no"))
    html = _text(response)
    assert response.status_code == 200
    assert "SC-001" in html and "Concrete" in html and "Confirm: no, not this period" in html
    assert "Not answered yet" in html
    assert state() == before


def test_a_tampered_link_says_it_does_not_work(app, client, portal):
    invite = portal.invite(portal.concrete)
    good = token(app, invite, portal.maria)
    before = state()
    for bad in (good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"), good[:20], "", "not-a-token"):
        response = client.get(f"/portal/invites/{invite.id}?token={bad}&answer=yes")
        html = _text(response)
        assert response.status_code == 400, bad
        assert "This link does not work" in html and "resend the invite" in html
    assert state() == before


def test_an_expired_link_says_so_and_how_to_get_a_new_one(app, client, portal):
    invite = portal.invite(portal.concrete)
    max_age = app.config["INVITE_TOKEN_MAX_AGE"]
    before = state()
    response = client.get(_link(app, invite, portal.maria, age_seconds=max_age + 60))
    html = _text(response)
    assert response.status_code == 410
    assert "This link has expired" in html and "resend the invite" in html
    # activation with an expired link is refused the same way, and sets no password
    response = client.post(f"/portal/invites/{portal.invite(portal.landscape).id}/activate", data={
        "token": token(app, portal.invite(portal.landscape), portal.fresh, age_seconds=max_age + 60),
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    # a link just inside its lifetime still works
    assert client.get(_link(app, invite, portal.maria, age_seconds=max_age - 60)).status_code == 302
    assert state() == before


def test_a_link_for_another_invite_does_not_work(app, client, portal, auth):
    concrete, electric = portal.invite(portal.concrete), portal.invite(portal.electric)
    auth.sign_in(portal.maria.email)
    before = state()
    other = token(app, electric, portal.dev)
    response = client.get(f"/portal/invites/{concrete.id}?token={other}&answer=yes")
    assert response.status_code == 400 and "This link does not work" in _text(response)
    # nor a link naming a contact who is not this invite's contact
    response = client.get(_link(app, concrete, portal.dev))
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize("who", ["dev", "admin"])
def test_a_link_for_someone_else_while_signed_in_does_not_say_whose_it_is(app, client, portal, who, auth):
    """Contact B (or staff) opens contact A's link: the page says it is someone else's and how to get
    one's own, and nowhere names A (a forwarded link must not tell who it was for)."""
    invite = portal.invite(portal.concrete)
    signed_in = portal.dev if who == "dev" else portal.world.admin
    auth.sign_in(signed_in.email)
    before = state()
    response = client.get(_link(app, invite, portal.maria))
    html = _text(response)
    assert response.status_code == 403
    assert "This link belongs to someone else" in html
    assert f"You are signed in as {signed_in.email}" in html
    assert "open the link in the e-mail that was sent to you" in html
    assert "ask the person who invited you to make you the Progress Claim Contact and resend the invite" in html
    assert ("My invites</a>" in html.split("<main")[1]) is (who == "dev")  # only a contact has invites
    assert "Sign out" in html
    for owner in (portal.maria.name, portal.maria.email, portal.maria.name.split()[0], "Keystone"):
        assert owner not in html, owner
    assert "Confirm: yes, I will bill" not in html
    assert state() == before


def test_a_link_used_again_after_the_answer_shows_the_answer_unchanged(app, client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    assert client.post(f"/portal/invites/{invite.id}/accept").status_code == 303
    before = state()
    for answer in ("yes", "no"):
        response = client.get(_link(app, invite, portal.maria, answer=answer))
        html = _text(response)
        assert response.status_code == 200
        assert ">Accepted<" in html and "Open my progress claim" in html
    assert state() == before
    assert portal.invite(portal.concrete).status is InviteStatus.ACCEPTED


def test_without_a_link_or_sign_in_the_invite_asks_to_sign_in(client, portal):
    invite = portal.invite(portal.concrete)
    response = client.get(f"/portal/invites/{invite.id}?answer=yes")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    for url in (f"/portal/invites/{invite.id}/accept", f"/portal/invites/{invite.id}/decline"):
        assert client.post(url).status_code == 302
    assert portal.invite(portal.concrete).status is InviteStatus.INVITED


# --- 2. account activation ------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "confirm", "field", "message"), [
    ("short", "short", "password", "Use at least 10 characters"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "confirm", "The passwords do not match."),
    ("", "", "password", "Choose a password."),
])
def test_activation_with_a_bad_password_says_why_and_sets_nothing(app, client, portal, password, confirm, field,
                                                                   message):
    invite = portal.invite(portal.landscape)
    before = state()
    response = client.post(f"/portal/invites/{invite.id}/activate", data={
        "token": token(app, invite, portal.fresh), "answer": "yes", "password": password, "confirm": confirm})
    html = _text(response)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    assert 'name="answer" value="yes"' in html  # still on its way to the answer
    assert state() == before
    assert db.session.get(User, portal.fresh.id).password_hash is None
    assert client.get("/portal").status_code == 302


def test_activation_sets_the_password_signs_in_and_opens_the_invite(app, client, portal):
    invite = portal.invite(portal.landscape)
    link_token = token(app, invite, portal.fresh)
    response = client.post(f"/portal/invites/{invite.id}/activate", data={
        "token": link_token, "answer": "yes", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/portal/invites/{invite.id}?answer=yes"
    html = _text(client.get(response.headers["Location"]))
    assert "Your password is set and you are signed in." in html and "Confirm: yes, I will bill" in html
    contact = db.session.get(User, portal.fresh.id)
    assert contact.password_hash and check_password_hash(contact.password_hash, NEW_PASSWORD)
    assert count(AuditEvent, AuditEvent.entity_type == "user", AuditEvent.action == "account activated") == 1
    assert portal.invite(portal.landscape).status is InviteStatus.INVITED  # activating is not answering
    # the same link cannot set the password again, signed in or not
    client.post("/sign-out")
    hashed = contact.password_hash
    again = client.post(f"/portal/invites/{invite.id}/activate", data={
        "token": link_token, "password": "another-password-2", "confirm": "another-password-2"})
    assert again.status_code == 303 and again.headers["Location"].startswith("/sign-in")
    assert "already has a password" in _text(client.get(again.headers["Location"]))
    assert db.session.get(User, portal.fresh.id).password_hash == hashed
    # and the link now leads to the sign-in page
    assert client.get(_link(app, invite, portal.fresh)).headers["Location"].startswith("/sign-in")


def test_activation_refuses_a_tampered_token(app, client, portal):
    invite = portal.invite(portal.landscape)
    response = client.post(f"/portal/invites/{invite.id}/activate", data={
        "token": token(app, invite, portal.fresh)[:-4], "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "This link does not work" in _text(response)
    assert db.session.get(User, portal.fresh.id).password_hash is None


def test_a_link_mailed_to_an_address_since_corrected_no_longer_works(app, client, portal):
    """An invite mailed to a mistyped address must not let whoever reads that mailbox set the password."""
    invite = portal.invite(portal.landscape)
    old_link = _link(app, invite, portal.fresh)
    portal.fresh.email = "lee@evergreen-landscaping.example"
    db.session.commit()
    before = state()
    response = client.get(old_link)
    assert response.status_code == 400 and "This link does not work" in _text(response)
    response = client.post(f"/portal/invites/{invite.id}/activate", data={
        "token": old_link.split("token=")[1].split("&")[0],
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "This link does not work" in _text(response)
    assert state() == before and db.session.get(User, portal.fresh.id).password_hash is None
    assert client.get("/portal").status_code == 302  # nobody was signed in
    # a link made for the corrected address works
    assert "Set your password" in _text(client.get(_link(app, invite, portal.fresh)))


# --- 3. answering ---------------------------------------------------------------------------------


def _answer_mails(invite: Invite) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == INVITE_ANSWERED,
                                                               OutboxMessage.invite_id == invite.id)
                                   .order_by(OutboxMessage.id)))


def test_accept_opens_a_draft_claim_and_tells_the_sender(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    audit_before = count(AuditEvent)
    response = client.post(f"/portal/invites/{invite.id}/accept")
    assert response.status_code == 303
    claim = db.session.scalar(select(Claim))
    assert response.headers["Location"] == f"/portal/claims/{claim.id}"
    html = _text(client.get(response.headers["Location"]))
    assert "Thank you: you will bill this period." in html and "Progress Claim #1" in html
    invite = portal.invite(portal.concrete)
    assert invite.status is InviteStatus.ACCEPTED and invite.answered_by_id == portal.maria.id
    assert invite.answered_at is not None
    assert claim.status is ClaimStatus.DRAFT and claim.commitment_id == portal.concrete.id
    assert sorted(line.sov_line_id for line in claim.lines) == sorted(s.id for s in portal.concrete.sov_lines)
    answered = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "invite",
                                                           AuditEvent.action == "answered")).all()
    assert [(e.entity_id, e.old_value, e.new_value, e.actor_id) for e in answered] == [
        (invite.id, "Invited", "Accepted", portal.maria.id)]
    assert count(AuditEvent) == audit_before + 2  # the answer and the claim started
    mails = _answer_mails(invite)
    assert [(m.to_address, m.actor_id) for m in mails] == [("admin@pb.example", portal.maria.id)]
    # accepting again changes nothing and opens the same claim
    again = client.post(f"/portal/invites/{invite.id}/accept")
    assert again.headers["Location"] == f"/portal/claims/{claim.id}"
    assert count(Claim) == 1 and len(_answer_mails(invite)) == 1


def test_decline_with_a_reason_tells_the_sender(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    response = client.post(f"/portal/invites/{invite.id}/decline",
                           data={"reason": "  Crew off site <b>this</b> month "})
    assert response.status_code == 303 and response.headers["Location"] == f"/portal/invites/{invite.id}"
    html = _text(client.get(response.headers["Location"]))
    assert "Thank you: you will not bill this period." in html
    assert "Crew off site &lt;b&gt;this&lt;/b&gt; month" in html and "<b>this</b>" not in html
    invite = portal.invite(portal.concrete)
    assert invite.status is InviteStatus.DECLINED and invite.decline_reason == "Crew off site <b>this</b> month"
    assert count(Claim) == 0
    assert [m.to_address for m in _answer_mails(invite)] == ["admin@pb.example"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "answered"))
    assert event.new_value == "Declined: Crew off site <b>this</b> month"


def test_a_reason_too_long_is_refused_and_kept_on_the_form(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    before = state()
    reason = "x" * 1001
    response = client.post(f"/portal/invites/{invite.id}/decline", data={"reason": reason})
    html = _text(response)
    assert response.status_code == 422
    assert "Keep the reason to 1,000 characters or fewer." in html and 'id="reason-feedback"' in html
    assert reason in html
    assert state() == before


def test_the_answer_can_change_while_the_claim_is_a_draft(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    client.post(f"/portal/invites/{invite.id}/accept")
    response = client.post(f"/portal/invites/{invite.id}/decline", data={"reason": "Changed our mind"})
    assert response.status_code == 303
    invite = portal.invite(portal.concrete)
    assert invite.status is InviteStatus.DECLINED and invite.decline_reason == "Changed our mind"
    # The notice of the first answer had not gone out yet: only the latest answer is told, with its reason.
    [waiting] = _answer_mails(invite)
    told = emails.render(waiting)
    assert "declined the invite" in told.text and "Changed our mind" in told.text
    waiting.status = OutboxStatus.SENT  # delivered now; a notice that went out is never withdrawn
    db.session.commit()
    # and back again: the page offers to accept, and accepting reopens the same draft
    html = _text(client.get(f"/portal/invites/{invite.id}"))
    assert "Confirm: yes, I will bill" in html
    response = client.post(f"/portal/invites/{invite.id}/accept")
    claim = db.session.scalar(select(Claim))
    assert response.headers["Location"] == f"/portal/claims/{claim.id}"
    invite = portal.invite(portal.concrete)
    assert invite.status is InviteStatus.ACCEPTED and invite.decline_reason == ""
    assert count(Claim) == 1
    sent, waiting = _answer_mails(invite)
    assert sent.status is OutboxStatus.SENT and "accepted the invite" in emails.render(waiting).text


def test_a_draft_of_a_declined_invite_cannot_be_submitted_until_accepted_again(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    claim_url = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    client.post(f"/portal/invites/{invite.id}/decline", data={"reason": ""})
    home = _text(client.get("/portal"))
    assert "Finish draft" not in home and f'href="/portal/invites/{invite.id}">View invite' in home
    sov = portal.concrete.sov_lines[0]
    before = state()
    response = client.post(claim_url, data={f"line-{sov.id}-this_period": "1000.00", "action": "submit",
                                            "certify": "y", "signed_name": "Maria Lopez"})
    assert response.status_code == 303
    assert "accept the invite again before submitting" in _text(client.get(response.headers["Location"]))
    assert state() == before
    client.post(f"/portal/invites/{invite.id}/accept")
    response = client.post(claim_url, data={f"line-{sov.id}-this_period": "1000.00", "action": "submit",
                                            "certify": "y", "signed_name": "Maria Lopez"})
    assert response.status_code == 303
    assert db.session.scalar(select(Claim)).status is ClaimStatus.UNDER_REVIEW


def test_the_answer_cannot_change_once_the_claim_is_submitted(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    claim_url = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    sov = portal.concrete.sov_lines[0]
    submitted = client.post(claim_url, data={f"line-{sov.id}-this_period": "1000.00", "action": "submit",
                                            "certify": "y", "signed_name": "Maria Lopez"})
    assert submitted.status_code == 303
    before = state()
    response = client.post(f"/portal/invites/{invite.id}/decline", data={"reason": "Too late"})
    assert response.status_code == 303
    html = _text(client.get(response.headers["Location"]))
    assert "already submitted, so the answer can no longer change" in html
    assert "Confirm: no, not this period" not in html
    assert state() == before
    assert portal.invite(portal.concrete).status is InviteStatus.ACCEPTED


def test_accepting_after_the_due_date_without_a_claim_is_refused(client, portal, auth):
    invite = portal.invite(portal.concrete)
    move_due_date_into_the_past(portal.world)
    auth.sign_in(portal.maria.email)
    html = _text(client.get(f"/portal/invites/{invite.id}"))
    assert "(passed)" in html and "ask Avery Admin to create" in html
    before = state()
    response = client.post(f"/portal/invites/{invite.id}/accept")
    assert response.status_code == 303 and response.headers["Location"] == f"/portal/invites/{invite.id}"
    html = _text(client.get(response.headers["Location"]))
    assert "The due date has passed, so a new claim cannot be started. Ask Avery Admin to create it for you." in html
    assert state() == before
    assert count(Claim) == 0 and portal.invite(portal.concrete).status is InviteStatus.INVITED
    # declining is still possible after the due date
    assert client.post(f"/portal/invites/{invite.id}/decline", data={"reason": ""}).status_code == 303
    assert portal.invite(portal.concrete).status is InviteStatus.DECLINED


def test_after_the_due_date_an_existing_draft_can_still_be_accepted_and_edited(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    claim_url = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    move_due_date_into_the_past(portal.world)
    sov = portal.concrete.sov_lines[0]
    saved = client.post(claim_url, data={f"line-{sov.id}-this_period": "500.00", "action": "save"})
    assert saved.status_code == 303
    assert db.session.scalar(select(Claim)).lines_by_sov[sov.id].work_completed_this_period == 500


# --- 4. isolation ---------------------------------------------------------------------------------


def _claim_for(client, invite: Invite) -> Claim:
    location = client.post(f"/portal/invites/{invite.id}/accept").headers["Location"]
    return db.session.get(Claim, int(location.rsplit("/", 1)[1]))


def test_a_contact_gets_404_for_another_companys_invite_and_claim(client, portal, auth):
    auth.sign_in(portal.dev.email)
    theirs = _claim_for(client, portal.invite(portal.electric))
    client.post("/sign-out")
    auth.sign_in(portal.maria.email)
    invite = portal.invite(portal.electric)
    sov = portal.electric.sov_lines[0]
    before = state()
    for method, url, data in [
        ("get", f"/portal/invites/{invite.id}", {}),
        ("post", f"/portal/invites/{invite.id}/accept", {}),
        ("post", f"/portal/invites/{invite.id}/decline", {"reason": "no"}),
        ("get", f"/portal/claims/{theirs.id}", {}),
        ("post", f"/portal/claims/{theirs.id}", {f"line-{sov.id}-this_period": "10.00", "action": "submit",
                                                 "certify": "y", "signed_name": "Maria"}),
        ("post", f"/portal/claims/{theirs.id}/preview", {f"line-{sov.id}-this_period": "10.00"}),
        ("get", "/portal/invites/999999", {}),
        ("get", "/portal/claims/999999", {}),
    ]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 404, (method, url)
        html = _text(response)
        assert "Brightline" not in html and "SC-002" not in html
    assert state() == before


def test_a_private_commitment_is_hidden_from_a_contact_not_on_its_private_list(client, portal, auth):
    secret = factories.commitment(portal.world.project, portal.maria.company, number="SC-009", title="Roof deck",
                                  private=True)
    db.session.commit()
    invite = send_invites(client, portal.world, secret)[secret.id]
    auth.sign_in(portal.maria.email)
    assert client.get(f"/portal/invites/{invite.id}").status_code == 200
    secret.private_users.remove(db.session.get(User, portal.maria.id))
    db.session.commit()
    assert client.get(f"/portal/invites/{invite.id}").status_code == 404
    assert client.post(f"/portal/invites/{invite.id}/accept").status_code == 404
    assert "SC-009" not in _text(client.get("/portal"))
    assert db.session.get(Invite, invite.id).status is InviteStatus.INVITED


def test_portal_home_lists_only_own_items_with_what_to_do_next(client, portal, auth):
    world = portal.world
    keystone = portal.maria.company
    drywall = factories.commitment(world.project, keystone, number="SC-004", title="Drywall")
    masonry = factories.commitment(world.project, keystone, number="SC-005", title="Masonry")
    declined = factories.commitment(world.project, keystone, number="SC-006", title="Paving")
    db.session.commit()
    invites = send_invites(client, world, drywall, masonry, declined)
    auth.sign_in(portal.maria.email)
    draft = _claim_for(client, invites[drywall.id])
    returned = _claim_for(client, invites[masonry.id])
    client.post(f"/portal/invites/{invites[declined.id].id}/decline", data={"reason": ""})
    maria = db.session.get(User, portal.maria.id)
    claims.save_entries(returned, [claims.LineEntry(masonry.sov_lines[0].id, this_period="100.00")], maria, submit=True,
                        signature=SIGNED)
    claims.review(returned, [claims.LineDecision(returned.lines[0].id, LineReview.REJECTED, "Too much")],
                  ClaimStatus.REVISE_AND_RESUBMIT, db.session.get(User, world.admin.id))
    html = _text(client.get("/portal"))
    items = {number: html.split(number, 1)[1].split('class="list-group-item"', 1)[0]
             for number in ("SC-001", "SC-004", "SC-005", "SC-006")}
    assert "Answer invite" in items["SC-001"]
    assert "Finish draft" in items["SC-004"] and f'href="/portal/claims/{draft.id}"' in items["SC-004"]
    assert "Revise and resubmit" in items["SC-005"] and f'href="/portal/claims/{returned.id}"' in items["SC-005"]
    assert "Declined" in items["SC-006"] and "View invite" in items["SC-006"]
    for foreign in ("SC-002", "SC-003", "Brightline", "Evergreen"):
        assert foreign not in html
    # the other contact sees only theirs
    client.post("/sign-out")
    auth.sign_in(portal.dev.email)
    html = _text(client.get("/portal"))
    assert "SC-002" in html and "Answer invite" in html
    assert all(n not in html for n in ("SC-001", "SC-004", "SC-005", "SC-006"))


def test_internal_users_get_404_on_contact_only_pages(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    claim = _claim_for(client, invite)
    client.post("/sign-out")
    auth.sign_in(portal.world.admin.email)
    before = state()
    for method, url in [("get", f"/portal/invites/{invite.id}"), ("post", f"/portal/invites/{invite.id}/accept"),
                        ("post", f"/portal/invites/{invite.id}/decline"), ("get", f"/portal/claims/{claim.id}"),
                        ("post", f"/portal/claims/{claim.id}"), ("post", f"/portal/claims/{claim.id}/preview")]:
        assert getattr(client, method)(url).status_code == 404, url
    assert state() == before


def test_contacts_get_404_on_project_pages(client, portal, auth):
    invite = portal.invite(portal.concrete)
    auth.sign_in(portal.maria.email)
    claim = _claim_for(client, invite)
    pid = portal.world.project.id
    for url in (f"/projects/{pid}", f"/projects/{pid}/billings", f"/projects/{pid}/billings/claims/{claim.id}"):
        assert client.get(url).status_code == 404, url
    before = state()
    response = client.post(f"/projects/{pid}/billings/claims/{claim.id}/review", data={"action": "approve"})
    assert response.status_code == 404
    assert state() == before
    # the project list sends a contact to the portal
    assert client.get("/").headers["Location"] == "/portal"
