"""What each outbox e-mail says. Rendered when it is delivered, from the rows it names."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, render_template

from domain import accounts, tokens
from domain.models import Dictionary, Invite, OutboxMessage, User, db
from domain.terms import Terms

INVITE_TO_BILL = "invite_to_bill"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(message: OutboxMessage) -> Rendered:
    renderer = {INVITE_TO_BILL: _invite_to_bill}[message.kind]
    return renderer(message)


def invite_link(invite: Invite, contact: User, answer: str) -> str:
    config = current_app.config
    token = tokens.make_invite_token(config["SECRET_KEY"], invite.id, contact.id)
    query = urlencode({"token": token, "answer": answer})
    return f"{config['BASE_URL'].rstrip('/')}/portal/invites/{invite.id}?{query}"


def _invite_to_bill(message: OutboxMessage) -> Rendered:
    invite = db.session.get(Invite, message.invite_id)
    contact = db.session.get(User, message.to_user_id)
    sender = db.session.get(User, message.actor_id) if message.actor_id else invite.sent_by
    company = accounts.own_company()
    project = invite.commitment.project
    context = {
        "invite": invite,
        "commitment": invite.commitment,
        "period": invite.billing_period,
        "project": project,
        "contact": contact,
        "sender": sender,
        "company": company,
        "term": Terms(company.dictionary if company else Dictionary.SPECIALTY),
        "yes_url": invite_link(invite, contact, "yes"),
        "no_url": invite_link(invite, contact, "no"),
    }
    # Subject lines are plain text: no escaping, but no line breaks either. Every kind of break
    # (\v, \f, \x1c-\x1e, \x85, \u2028 too: the e-mail header encoder splits lines on them)
    # becomes one space.
    subject = " ".join(f"{project.name}: {sender.name} has invited you to bill".split())
    return Rendered(
        subject=subject,
        text=render_template("email/invite_to_bill.txt", **context),
        html=render_template("email/invite_to_bill.html", **context),
    )
