"""Issue 18: the last messages made in Python read in French for a French reader, next to their field, with
nothing written; English readers keep the English text (each module's own tests)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from sqlalchemy import select

from domain.clock import project_today
from domain.models import Invite, Project, db
from tests.helpers import billings_url, count
from tests.web.portal_helpers import state
from tests.web.test_billings import _ids, board  # noqa: F401
from tests.web.test_head_contract_setup import _form, _head, _snapshot, hc_url, s  # noqa: F401
from tests.web.test_holdback_release import assert_message_next_to, ontario, release_claim, release_url  # noqa: F401
from tests.web.test_import import HEADER, _nothing_written, _upload, vendors  # noqa: F401
from tests.web.test_portal import portal  # noqa: F401
from tests.web.test_remind_now import HX, admin, remind, site, written  # noqa: F401


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def _french(user) -> None:  # type: ignore[no-untyped-def]
    user.language = "fr"
    db.session.commit()


def test_a_holdback_release_refused_in_french(admin_client, ontario):  # noqa: F811
    _french(ontario.admin)
    before = state()
    tomorrow = (project_today(ontario.project) + timedelta(days=1)).isoformat()
    response = admin_client.post(release_url(ontario), data={"amount": "0", "released_on": tomorrow})
    assert response.status_code == 422
    html = html_of(response)
    assert_message_next_to(html, "amount", "Entrez un montant supérieur à zéro.")
    assert_message_next_to(html, "released_on", "La date ne peut pas être dans le futur\u00a0: le délai")
    assert "Enter an amount above zero." not in html
    assert state() == before and release_claim(ontario) is None


def test_a_head_contract_refused_in_french(client, world, s, auth):  # noqa: F811
    _french(world.admin)
    auth.sign_in(world.admin.email)
    before = _snapshot()
    response = client.post(hc_url(world, "/new"), data=_form(client_name=world.company.name))
    assert response.status_code == 422
    html = html_of(response)
    assert_message_next_to(html, "client_name", f"{world.company.name} est votre propre entreprise\u00a0: le client")
    assert "is your own company" not in html
    assert _snapshot() == before and _head(world) is None


def test_a_spreadsheet_refused_in_french(client, world, vendors, auth):  # noqa: F811
    _french(world.admin)
    auth.sign_in(world.admin.email)
    response = _upload(client, world, b"")
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "file", "Le fichier est vide.")
    response = _upload(client, world, HEADER.encode() + b"\r\n")
    html = html_of(response)
    assert_message_next_to(html, "file", "Le fichier n'a aucune rangée sous sa rangée d'en-tête\u00a0: ajoutez")
    assert "The file" not in html
    _nothing_written()


def test_the_invite_history_reads_in_french(client, world, board, auth):  # noqa: F811
    _french(world.admin)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": _ids(board["electric"])})
    invite_id = db.session.scalar(select(Invite.id))
    html = html_of(client.get(billings_url(world, f"/invites/{invite_id}/history")))
    assert "Invitation envoyée" in html and "Courriel à ana@brightline.example" in html
    assert "en file d'envoi" in html or "livré" in html
    assert "E-mail to" not in html and "Invite sent" not in html and ">queued<" not in html


def test_rows_that_cannot_be_reminded_say_why_in_french(admin, world, site):  # noqa: F811
    _french(world.admin)
    before = written()
    response = remind(admin, world, site, "SC-003", "SC-004", headers=HX)
    assert response.status_code == 409
    html = html_of(response)
    assert ("(SC-003\u00a0: invitation refusée; SC-004\u00a0: demande de paiement En cours d'examen)" in html
            or "(SC-003: invitation refusée; SC-004: demande de paiement En cours d'examen)" in html)
    assert ": declined" not in html and "claim Under Review" not in html
    assert written() == before


def test_a_decline_reason_too_long_gives_its_limit_in_french_numbers(client, portal, auth):  # noqa: F811
    invite = portal.invite(portal.concrete)
    _french(portal.maria)
    auth.sign_in(portal.maria.email)
    before = state()
    response = client.post(f"/portal/invites/{invite.id}/decline", data={"reason": "x" * 1001})
    assert response.status_code == 422
    html = html_of(response)
    assert_message_next_to(html, "reason", "Limitez le motif à 1\u00a0000 caractères ou moins.")
    assert "1,000" not in html
    assert state() == before


def test_no_prompt_payment_law_reads_aucune_on_a_refused_project_form(client, world, auth):
    _french(world.admin)
    auth.sign_in(world.admin.email)
    before = count(Project)
    response = client.post("/projects/new", data={"number": "P-900", "name": "", "country": "CA",
                                                  "time_zone": "America/Toronto", "jurisdiction": ""})
    assert response.status_code == 422
    html = html_of(response)
    assert_message_next_to(html, "name", "Entrez le nom du projet.")
    jurisdiction = html.split('name="jurisdiction"')[1].split("</select>")[0]
    assert '<option selected value="">Aucune</option>' in jurisdiction or ">Aucune</option>" in jurisdiction
    assert ">Aucun</option>" not in jurisdiction and ">None</option>" not in jurisdiction
    assert count(Project) == before


def test_the_reminder_policy_in_words_reads_in_french(client, world, auth):
    """The company settings say what the reminder policy does in the reader's language, dates included."""
    auth.sign_in(world.admin.email)
    english = html_of(client.get("/settings/company"))
    assert "Contacts who have not submitted are reminded 5 days and 1 day before the due date" in english
    _french(world.admin)
    html = html_of(client.get("/settings/company")).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Les contacts qui n'ont pas soumis reçoivent un rappel 5 jours et 1 jour avant la date d'échéance" in html
    assert "reminded" not in html and "before the due date" not in html


def test_a_notice_of_non_payment_refused_in_french(client, auth, world):
    """A notice above the claim's amount due, and one on a claim not submitted, say why in French."""
    from domain.models import ClaimStatus, PaymentNotice
    from tests.web.test_prompt_payment import claim_url
    from tests.web.test_prompt_payment import ontario as ontario_claim

    claim = ontario_claim.__wrapped__(world)
    _french(world.admin)
    auth.sign_in(world.admin.email)
    response = client.post(claim_url(world, claim, "/notices"), data={"amount": "12 204,01", "reasons": "Trop."})
    html = html_of(response).replace("\u00a0", " ").replace("\u202f", " ")
    assert response.status_code == 422
    assert "Entrez au plus le montant dû de la demande, taxes comprises, soit 12 204,00 $." in html
    claim.status = ClaimStatus.DRAFT
    db.session.commit()
    response = client.post(claim_url(world, claim, "/notices"), data={"amount": "100", "reasons": "Non."})
    assert "Cette demande n'est pas encore soumise" in html_of(response).replace("\u00a0", " ")
    assert count(PaymentNotice) == 0
