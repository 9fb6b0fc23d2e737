"""Several admins (or one impatient one) sending at once never make two invites or two e-mails."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from domain.models import Invite, OutboxMessage, db
from tests import factories
from tests.helpers import AuthActions

THREADS = 6


def test_simultaneous_sends_make_one_invite_per_row_and_one_mail_per_contact(app, world):
    second_admin = factories.user(world.company, "second-admin@pb.example", admin=True)
    commitments = [factories.commitment(world.project, factories.vendor()) for _ in range(5)]
    db.session.commit()
    ids = [str(c.id) for c in commitments]
    url = f"/projects/{world.project.id}/billings/invites"
    data = {"period": world.period.id, "commitment_ids": ids}  # read here: threads have no app context
    clients = []
    for n in range(THREADS):
        client = app.test_client()
        AuthActions(client).sign_in((world.admin if n % 2 else second_admin).email)
        clients.append(client)
    start = threading.Barrier(THREADS)
    statuses: list[int] = []

    def send(client) -> None:
        start.wait()
        response = client.post(url, data=data, headers={"HX-Request": "true"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * THREADS
    per_commitment = db.session.execute(
        select(Invite.commitment_id, func.count()).group_by(Invite.commitment_id)).all()
    assert sorted(n for _, n in per_commitment) == [1] * len(commitments)
    per_contact = db.session.execute(
        select(OutboxMessage.to_address, func.count()).group_by(OutboxMessage.to_address)).all()
    assert len(per_contact) == len(commitments) and all(n == 1 for _, n in per_contact)
