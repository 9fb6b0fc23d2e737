"""A subcontractor's contact in French (issue 18): the portal's pages, the messages of a refused claim form and
every e-mail a contact receives, in French for a French contact and as they were in English for an English one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from domain import emails
from domain.clock import utcnow
from domain.models import (
    Claim,
    ClaimStatus,
    Country,
    Currency,
    InviteStatus,
    OutboxMessage,
    PaymentNotice,
    Reminder,
    ReminderKind,
    User,
    db,
)
from tests import factories
from tests.helpers import AuthActions
from tests.web.portal_helpers import send_invites, state


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def french(client, world):  # type: ignore[no-untyped-def]
    """A Canadian project in CAD, one subcontract whose contact reads French, its invite sent."""
    world.project.country, world.project.currency = Country.CA, Currency.CAD
    vendor = factories.vendor("Béton Laval inc.", "marie@beton.example")
    contact = vendor.default_claim_contact
    contact.name, contact.language = "Marie Tremblay", "fr"
    world.period.start_date, world.period.end_date = date(2026, 11, 1), date(2026, 11, 30)
    world.period.due_date = date(2026, 11, 30) + timedelta(days=400)  # never passed while the suite runs
    commitment = factories.commitment(world.project, vendor, number="SC-020", title="Béton")
    db.session.commit()
    invite = send_invites(client, world, commitment)[commitment.id]
    return world, contact, commitment, invite


def test_a_french_contact_reads_the_portal_home_invite_and_claim_in_french(client, french):
    world, contact, commitment, invite = french
    AuthActions(client).sign_in(contact.email)
    home = _text(client.get("/portal"))
    assert "Mes invitations" in home and "Répondre à l'invitation" in home
    assert "Date d'échéance" in home and "Pas encore répondu" in home and "Non commencée" in home
    assert "My invites" not in home and "Answer invite" not in home

    page = _text(client.get(f"/portal/invites/{invite.id}"))
    assert "vous a invité à facturer" in page or "vous invite à facturer" in page or "a invité" in page
    assert "Période de facturation" in page and "du 1 nov." in page and "Envoyée par" in page
    assert "Confirmer : oui, je vais facturer" in page and "Non, pas cette période" in page
    assert "Contrat de sous-traitance" in page and "Motif (facultatif)" in page
    assert "Invited by" not in page and "Confirm: yes" not in page

    accepted = client.post(f"/portal/invites/{invite.id}/accept")
    assert accepted.status_code == 303
    claim = db.session.scalars(select(Claim).where(Claim.commitment_id == commitment.id)).one()
    url = f"/portal/claims/{claim.id}"
    first = _text(client.get(url))
    assert "Merci : vous facturerez cette période." in first
    assert "Demande de paiement nº" in first
    assert "Brouillon" in first and "Enregistrer le brouillon" in first and "Signer et soumettre pour examen" in first
    assert "Travaux de la période (E)" in first and "Sommaire" in first and "Montant actuellement dû" in first
    assert "Période du 1 nov. au 30 nov." in first

    sov = commitment.sov_lines[0]
    saved = client.post(url, data={"action": "save", f"line-{sov.id}-this_period": "45 375,00"})
    assert saved.status_code == 303
    page = _text(client.get(url))
    assert "Brouillon enregistré." in page
    assert "40 837,50 $" in page  # line 8: 45 375,00 less 10 % retenue, in fr_CA
    assert "Retenue" in page and "Current amount due" not in page and "Summary" not in page


def test_a_refused_claim_form_says_why_in_french_and_writes_nothing(client, french):
    world, contact, commitment, invite = french
    AuthActions(client).sign_in(contact.email)
    client.post(f"/portal/invites/{invite.id}/accept")
    claim = db.session.scalars(select(Claim).where(Claim.commitment_id == commitment.id)).one()
    sov = commitment.sov_lines[0]
    before = state()
    refused = client.post(f"/portal/claims/{claim.id}", data={
        "action": "submit", f"line-{sov.id}-this_period": "1,234.50"})
    assert refused.status_code == 422
    page = _text(refused)
    assert "Certaines lignes sont à corriger" in page
    assert "Les montants ici sont en format français" in page or "format français" in page
    assert "Cochez la case pour confirmer la déclaration" in page
    assert "Tapez votre nom complet : c'est votre signature de la déclaration." in page
    assert state() == before

    empty = client.post(f"/portal/claims/{claim.id}", data={"action": "submit", "certify": "y",
                                                            "signed_name": "Marie Tremblay"})
    assert empty.status_code == 422
    assert ("Entrez des travaux exécutés ou des matériaux entreposés sur au moins une ligne avant de soumettre."
            in _text(empty))
    assert state() == before


def test_an_english_contact_reads_the_portal_as_it_was(client, french):
    world, contact, commitment, invite = french
    contact.language = "en"
    db.session.commit()
    AuthActions(client).sign_in(contact.email)
    page = _text(client.get(f"/portal/invites/{invite.id}"))
    assert "has invited you to bill" in page and "Confirm: yes, I will bill" in page and "Billing period" in page
    client.post(f"/portal/invites/{invite.id}/accept")
    claim = db.session.scalars(select(Claim).where(Claim.commitment_id == commitment.id)).one()
    sov = commitment.sov_lines[0]
    client.post(f"/portal/claims/{claim.id}", data={"action": "save", f"line-{sov.id}-this_period": "45,375.00"})
    page = _text(client.get(f"/portal/claims/{claim.id}"))
    assert "Draft saved." in page and "Current amount due" in page and "$40,837.50" in page
    assert "5. Holdback (work $4,537.50, stored $0.00)" in page


# --- e-mails ------------------------------------------------------------------------------------


def _claim(world, commitment, status: ClaimStatus) -> Claim:  # type: ignore[no-untyped-def]
    claim = Claim(commitment=commitment, billing_period=world.period, number=1, created_by=world.admin, status=status,
                  withdrawal_reason="Mauvais contrat" if status is ClaimStatus.WITHDRAWN else None)
    db.session.add(claim)
    db.session.flush()
    return claim


def _rendered(world, contact: User, kind: str, **row) -> emails.Rendered:  # type: ignore[no-untyped-def]
    message = OutboxMessage(dedupe_key=row.pop("dedupe_key", f"{kind}:test:to:{contact.id}"), kind=kind,
                            to_address=contact.email, to_user_id=contact.id, actor_id=world.admin.id, **row)
    db.session.add(message)
    db.session.flush()
    return emails.render(message)


def _each_email(world, contact, commitment, invite) -> dict[str, emails.Rendered]:  # type: ignore[no-untyped-def]
    found = {}
    for kind, status in ((emails.CLAIM_RETURNED, ClaimStatus.REVISE_AND_RESUBMIT),
                         (emails.CLAIM_APPROVED, ClaimStatus.APPROVED),
                         (emails.CLAIM_WITHDRAWN, ClaimStatus.WITHDRAWN)):
        claim = _claim(world, commitment, status)
        found[kind] = _rendered(world, contact, kind, claim_id=claim.id)
        db.session.rollback()
    claim = _claim(world, commitment, ClaimStatus.DRAFT)
    claim.holdback_release, claim.holdback_release_date = Decimal("5000.00"), date(2026, 11, 20)
    found[emails.HOLDBACK_RELEASED] = _rendered(world, contact, emails.HOLDBACK_RELEASED, claim_id=claim.id)
    claim.status = ClaimStatus.UNDER_REVIEW
    notice = PaymentNotice(claim_id=claim.id, amount=Decimal("1250.00"), reasons="Travaux non conformes",
                           given_at=utcnow(), given_by_id=world.admin.id, to_address=contact.email)
    db.session.add(notice)
    db.session.flush()
    found[emails.PAYMENT_NOTICE] = _rendered(world, contact, emails.PAYMENT_NOTICE, claim_id=claim.id,
                                             dedupe_key=f"payment_notice:{notice.id}:to:{contact.id}")
    db.session.rollback()
    reminder = Reminder(invite_id=invite.id, kind=ReminderKind.BEFORE_DUE,
                        day=world.period.due_date - timedelta(days=3))
    db.session.add(reminder)
    db.session.flush()
    found[emails.INVITE_REMINDER] = _rendered(world, contact, emails.INVITE_REMINDER, invite_id=invite.id,
                                              dedupe_key=f"reminder:{reminder.id}:to:{contact.id}")
    found[emails.ACCOUNT_ACTIVATION] = _rendered(world, contact, emails.ACCOUNT_ACTIVATION)
    found[emails.PASSWORD_RESET] = _rendered(world, contact, emails.PASSWORD_RESET)
    db.session.rollback()
    return found


FRENCH_WORDS = {
    emails.CLAIM_RETURNED: ("veuillez réviser", "à corriger", "l'a renvoyée pour révision",
                            "Réviser et soumettre de nouveau"),
    emails.CLAIM_APPROVED: ("Approuvée", "l'a approuvée", "La consulter", "Décompte progressif (PDF)"),
    emails.CLAIM_WITHDRAWN: ("retirée", "ne compte pour rien", "Mauvais contrat"),
    emails.HOLDBACK_RELEASED: ("Retenue libérée", "5 000,00 $", "Confirmer et soumettre",
                               "Fin de la période de privilège"),
    emails.PAYMENT_NOTICE: ("avis de non-paiement", "Montant non payé", "1 250,00 $", "Travaux non conformes"),
    emails.INVITE_REMINDER: ("rappel", "il reste 3 jours", "Répondre à l'invitation",
                             "Arrêter les rappels pour cette invitation"),
    emails.ACCOUNT_ACTIVATION: ("a créé votre compte", "Choisissez votre mot de passe", "vous a ajouté à"),
    emails.PASSWORD_RESET: ("vous a envoyé un lien", "Choisissez un nouveau mot de passe"),
}
ENGLISH_WORDS = {
    emails.CLAIM_RETURNED: ("please revise progress claim #1 on SC-020 for November 2026", "needs changes",
                            "sent it back for revision. Correct the lines below and submit it again."),
    emails.CLAIM_APPROVED: ("progress claim #1 on SC-020 for November 2026 is Approved", "approved it.",
                            "Pay application (PDF)"),
    emails.CLAIM_WITHDRAWN: ("is withdrawn", "it counts for nothing and can no longer change."),
    emails.HOLDBACK_RELEASED: ("holdback release on SC-020 for November 2026 to submit",
                               "Holdback released: $5,000.00", "Confirm and submit"),
    emails.PAYMENT_NOTICE: ("notice of non-payment on progress claim #1", "Amount not being paid", "$1,250.00"),
    emails.INVITE_REMINDER: ("reminder, 3 days left to bill SC-020 for November 2026", "Answer the invite",
                             "Stop the reminders for this invite"),
    emails.ACCOUNT_ACTIVATION: ("has set up your Progress Billings account", "Set your password"),
    emails.PASSWORD_RESET: ("sent you a link to choose a new Progress Billings password", "Choose a new password"),
}


def test_every_email_a_french_contact_receives_is_in_french(client, french):
    world, contact, commitment, invite = french
    invite.status = InviteStatus.INVITED
    rendered = _each_email(world, contact, commitment, invite)
    assert set(rendered) == set(FRENCH_WORDS) and set(FRENCH_WORDS) <= emails.TRANSLATED
    for kind, mail in rendered.items():
        for part in (mail.subject, mail.text, mail.html):
            assert "Hello" not in part and "Billing period" not in part, (kind, part)
        whole = " ".join((mail.subject, mail.text, unescape(mail.html))).replace("\u202f", " ").replace("\u00a0", " ")
        assert "Bonjour Marie Tremblay" in whole, kind
        for words in FRENCH_WORDS[kind]:
            assert words in whole, (kind, words)
        assert '<html lang="fr-CA">' in mail.html


def test_every_email_to_an_english_contact_is_as_it_was(client, french):
    world, contact, commitment, invite = french
    contact.language = None  # no own setting, and the company's default is English
    db.session.commit()
    rendered = _each_email(world, contact, commitment, invite)
    for kind, mail in rendered.items():
        whole = " ".join((mail.subject, mail.text, unescape(mail.html)))
        assert "Hello Marie Tremblay," in whole and "Bonjour" not in whole, kind
        for words in ENGLISH_WORDS[kind]:
            assert words in whole, (kind, words)
        assert '<html lang="en">' in mail.html


def test_the_e_mails_an_admin_and_a_client_receive_are_in_their_language_too(client, french):
    """What the contact's answers and submissions send to an admin goes in the admin's language; the head
    contract's client, who has no account, reads the company's default. No e-mail kind is left English-only."""
    world, contact, commitment, invite = french
    invite.status = InviteStatus.ACCEPTED
    world.admin.language = "fr"
    claim = _claim(world, commitment, ClaimStatus.UNDER_REVIEW)
    submitted = _rendered(world, world.admin, emails.CLAIM_SUBMITTED, claim_id=claim.id)
    answered = _rendered(world, world.admin, emails.INVITE_ANSWERED, invite_id=invite.id)
    for mail, words in ((submitted, ("a soumis la demande de paiement nº 1", "L'examiner", "Période de facturation")),
                        (answered, ("a accepté l'invitation à facturer", "Oui, je vais facturer",
                                    "Ouvrir Progress Billings"))):
        whole = " ".join((mail.subject, mail.text, unescape(mail.html))).replace("\u00a0", " ")
        for word in words:
            assert word in whole, (word, whole)
        assert "Billing period" not in whole and '<html lang="fr-CA">' in mail.html
    world.admin.language = None
    english = _rendered(world, world.admin, emails.CLAIM_SUBMITTED, claim_id=claim.id,
                        dedupe_key="claim_submitted:english")
    assert "submitted progress claim #1" in english.subject and "Review it" in english.text
    db.session.rollback()
    kinds = {value for name, value in vars(emails).items() if name.isupper() and isinstance(value, str)
             and name not in {"TRANSLATED"} and value.islower() and "_" in value}
    assert kinds <= emails.TRANSLATED, kinds - emails.TRANSLATED
