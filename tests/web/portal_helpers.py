"""Shared set-up for the portal and claim tests: invites sent the way an admin sends them,
signed links, and a snapshot of everything a request could write."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from domain import claims, tokens
from domain.clock import project_today
from domain.models import (
    AuditEvent,
    Claim,
    ClaimLine,
    Commitment,
    Invite,
    OutboxMessage,
    User,
    db,
)
from tests.factories import World
from tests.helpers import AuthActions, count

# A signed statement, as the Submit button sends it and as a service call takes it.
SIGN = {"certify": "y", "signed_name": "Maria Lopez"}
SIGNED = claims.Signature(confirmed=True, name="Maria Lopez")


def send_invites(client: FlaskClient, world: World, *commitments: Commitment) -> dict[int, Invite]:
    """Send Invites as the admin, as on the Progress Billings page; the client ends signed out."""
    AuthActions(client).sign_in(world.admin.email)
    response = client.post(f"/projects/{world.project.id}/billings/invites",
                           data={"period": world.period.id, "commitment_ids": [str(c.id) for c in commitments]})
    assert response.status_code == 303, response.get_data(as_text=True)
    client.post("/sign-out")
    found = {i.commitment_id: i for i in db.session.scalars(select(Invite))}
    return {c.id: found[c.id] for c in commitments}


def token(app: Flask, invite: Invite, contact: User, *, age_seconds: int = 0) -> str:
    """The token of an e-mail link, signed `age_seconds` ago."""
    if not age_seconds:
        return tokens.make_invite_token(app.config["SECRET_KEY"], invite.id, contact.id, contact.email)
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_seconds  # type: ignore[method-assign]
    try:
        return tokens.make_invite_token(app.config["SECRET_KEY"], invite.id, contact.id, contact.email)
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]


def move_due_date_into_the_past(world: World) -> None:
    today = project_today(world.project)
    world.period.start_date = min(world.period.start_date, today - timedelta(days=20))
    world.period.due_date = today - timedelta(days=1)
    db.session.commit()


def state() -> tuple:
    """Everything a portal or claim request may write, to compare before and after."""
    db.session.expire_all()
    invites = tuple(db.session.execute(
        select(Invite.id, Invite.status, Invite.decline_reason, Invite.answered_at, Invite.answered_by_id)
        .order_by(Invite.id)).all())
    claims = tuple(db.session.execute(
        select(Claim.id, Claim.status, Claim.work_completed_to_date, Claim.total_completed_and_stored,
               Claim.retention_total, Claim.earned_less_retention, Claim.current_amount_due, Claim.submitted_at)
        .order_by(Claim.id)).all())
    lines = tuple(db.session.execute(
        select(ClaimLine.id, ClaimLine.previous_work_completed, ClaimLine.work_completed_this_period,
               ClaimLine.materials_presently_stored, ClaimLine.pct_complete_entered, ClaimLine.review,
               ClaimLine.review_comment)
        .order_by(ClaimLine.id)).all())
    passwords = tuple(db.session.execute(select(User.id, User.password_hash).order_by(User.id)).all())
    return invites, claims, lines, passwords, count(AuditEvent), count(OutboxMessage)
