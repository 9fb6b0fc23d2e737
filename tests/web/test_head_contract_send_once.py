"""A double click on the head contract claim's "Send to client" (or a retried request) queues one e-mail: a
second send of the same submission, to the same address, is a no-op. A new submission, a recorded decision or
a new client address is sent again."""

from __future__ import annotations

import threading

from domain import head_contract
from domain.clock import project_today
from domain.models import AuditEvent, ClaimStatus, Commitment, OutboxMessage, db
from tests.helpers import AuthActions, count
from tests.web.test_head_contract_claim import claim_url, head_claim, site  # noqa: F401 - fixtures


def _sent(claim) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """E-mails to the client queued for the claim, and the history's "sent to the client" events."""
    return (count(OutboxMessage, OutboxMessage.claim_id == claim.id),
            count(AuditEvent, AuditEvent.entity_id == claim.id, AuditEvent.action == "sent to the client"))


def _submitted(world, claim):  # type: ignore[no-untyped-def]
    head_contract.prefill(claim, world.admin)
    head_contract.submit_to_client(claim, world.admin)
    return claim


def test_sending_twice_queues_one_e_mail_and_says_so(admin_client, world, head_claim):  # noqa: F811
    claim = _submitted(world, head_claim)
    first = admin_client.post(claim_url(world, claim, "/send"))
    second = admin_client.post(claim_url(world, claim, "/send"))
    assert (first.status_code, second.status_code) == (303, 303)
    assert _sent(claim) == (1, 1)
    html = admin_client.get(claim_url(world, claim)).get_data(as_text=True)
    assert f"Claim #{claim.number} was already sent to elena@riverside.example as it stands" in html


def test_a_resubmission_after_the_client_sent_it_back_is_sent_again(admin_client, world, head_claim):  # noqa: F811
    claim = _submitted(world, head_claim)
    assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    head_contract.record_client_decision(claim, ClaimStatus.REVISE_AND_RESUBMIT, world.admin,
                                         decided_on=project_today(world.project), note="Split line 3.")
    assert _sent(claim) == (0, 1)  # the unsent e-mail was taken out
    head_contract.submit_to_client(claim, world.admin)
    assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    assert _sent(claim) == (1, 2)


def test_a_decision_or_a_new_client_address_is_sent_again_once(admin_client, world, head_claim):  # noqa: F811
    claim = _submitted(world, head_claim)
    assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    head_contract.record_client_decision(claim, ClaimStatus.APPROVED, world.admin,
                                         decided_on=project_today(world.project),
                                         approved_amount=head_contract.claims.figures(claim)[1].current_amount_due)
    for _ in range(2):
        assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    assert _sent(claim) == (2, 2)
    head = db.session.get(Commitment, claim.commitment_id)
    head.client_contact_email = "payables@riverside.example"
    db.session.commit()
    for _ in range(2):
        assert admin_client.post(claim_url(world, claim, "/send")).status_code == 303
    assert _sent(claim) == (3, 3)
    assert db.session.query(OutboxMessage.to_address).filter_by(claim_id=claim.id).order_by(
        OutboxMessage.id.desc()).first() == ("payables@riverside.example",)


def test_two_sends_at_once_queue_one_e_mail_and_one_history_entry(app, world, head_claim):  # noqa: F811
    claim = _submitted(world, head_claim)
    url = claim_url(world, claim, "/send")  # read here: threads have no app context
    clients = []
    for _ in range(4):
        client = app.test_client()
        AuthActions(client).sign_in(world.admin.email)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(client) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        statuses.append(client.post(url).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [303] * len(clients)
    db.session.expire_all()
    assert _sent(claim) == (1, 1)
