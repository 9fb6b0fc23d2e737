"""The contractor's Progress Billings pages in Canadian French (issue 18): an admin whose own language is French
reads the board, a claim's review page, a billing period's page and the head contract tab in French, with French
money and dates, and none of the pages' English phrases left; in English the same pages read as before."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import event, select

from blueprints.page_cache import page_cache
from domain import emails, reminders
from domain.emails import ADMIN_DIGEST
from domain.models import AuditEvent, BillingPeriod, Country, Currency, Invite, OutboxMessage, db
from tests.helpers import billings_url, count
from tests.web.test_documents_in_french import quebec  # noqa: F401 - fixture: a Quebec claim Under Review
from tests.web.test_head_contract_claim import head_claim, site, tab_url  # noqa: F401 - fixtures

NBSP = "\u00a0\u202f"
FRENCH_MONEY = re.compile(rf"\d{{1,3}}(?:[ {NBSP}]\d{{3}})*,\d\d[ {NBSP}]\$")
FRENCH_DAY = re.compile(r"\b\d{1,2}[ \u00a0](?:janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.")  # 10 déc.

# Phrases of these pages' own words: none may be left in the French page.
BOARD_ENGLISH = ("Billing period", "Search contracts", "Under Review", "Send Invites", "Remind now", "Totals of",
                 "Amount due this period", "Not Invited", "Open a new period", "Monthly rule", "Your access",
                 "Scheduled value", "Billed to date", "Show all", "Export:", "to review", "of $", " held ",
                 "can be invited now", "Number, title, vendor or contact", "Save rule", "Withdrawn")
# (the claim's own parts, templates/claims/partials, are the portal's and translated with it)
CLAIM_ENGLISH = (" · period ", " to review", " · submitted ", "Projects", "The PDF with its attachments", ">package<",
                 "Under Review<", "Notice of non-payment")
PERIOD_ENGLISH = ("Billing period", "Start date", "End date", "Due date", ">Save<", ">Cancel<", ">Open<", "Projects")
HEAD_ENGLISH = ("Billing period", "Client ", "This period (E)", "Stored (F)", "Current amount due", "Open claim #",
                "Position for", "Billed to the client", "Owed to subcontractors", "Difference", "To date",
                "Subcontractors' figures", "(current)", ">Show<", "Due <")


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def _english_left(page: str, phrases: tuple[str, ...]) -> list[str]:
    return [phrase for phrase in phrases if phrase in page]


def _as(world, language: str | None) -> None:  # type: ignore[no-untyped-def]
    world.admin.language = language
    db.session.commit()


def test_a_french_admin_reads_the_board_the_claim_and_the_period_in_french(client, auth, world, quebec):  # noqa: F811
    _as(world, "fr")
    auth.sign_in(world.admin.email)
    board = _page(client, billings_url(world))
    assert "Période de facturation" in board and "Rechercher des contrats" in board
    assert "En cours d'examen" in board and "Totaux de 1 contrat affiché" in board
    assert "Votre accès\u00a0: Administrateur" in board and "Montant dû pour cette période" in board
    assert "· à examiner" in board and "Périodes de facturation" in board and "Règle mensuelle" in board
    assert "12\u00a0934,69\u00a0$" in board and FRENCH_MONEY.search(board) and FRENCH_DAY.search(board)
    assert '%<span class="d-none d-sm-inline"> achevé</span>' in board and "\u00a0%</div>" in board
    assert _english_left(board, BOARD_ENGLISH) == []

    claim = _page(client, billings_url(world, suffix=f"/claims/{quebec.id}"))
    assert "Demande de paiement nº 1" in claim
    assert "période du " in claim and "soumise le " in claim and "En cours d'examen" in claim
    assert FRENCH_MONEY.search(claim) and FRENCH_DAY.search(claim)
    assert _english_left(claim, CLAIM_ENGLISH) == []

    period = _page(client, billings_url(world, suffix=f"/periods/{world.period.id}/edit"))
    assert f"Période de facturation {world.period.number}" in period and "Date de début" in period
    assert "Date d'échéance" in period and ">Enregistrer<" in period and ">Ouverte<" in period
    assert _english_left(period, PERIOD_ENGLISH) == []


def test_an_english_admin_reads_the_same_pages_as_before(client, auth, world, quebec):  # noqa: F811
    _as(world, "en")
    auth.sign_in(world.admin.email)
    board = _page(client, billings_url(world))
    assert "Billing period" in board and "Search contracts" in board and "Under Review" in board
    assert "Totals of 1 contract shown" in board and "Your access: Admin" in board and " · to review" in board
    assert "$12,934.69" in board and "Période" not in board
    assert '%<span class="d-none d-sm-inline"> complete</span>' in board and "40.0%" not in board
    claim = _page(client, billings_url(world, suffix=f"/claims/{quebec.id}"))
    assert " · period " in claim and "submitted " in claim and ">package</a>" in claim
    period = _page(client, billings_url(world, suffix=f"/periods/{world.period.id}/edit"))
    assert f"Billing period {world.period.number}" in period and ">Open</span>" in period and ">Save</button>" in period


def test_a_french_admin_reads_the_head_contract_tab_in_french(client, auth, world, head_claim):  # noqa: F811
    world.project.country, world.project.currency = Country.CA, Currency.CAD
    _as(world, "fr")
    auth.sign_in(world.admin.email)
    tab = _page(client, tab_url(world))
    assert "Période de facturation" in tab and "Cette période (E)" in tab and "Montant actuellement dû" in tab
    assert "Ouvrir la demande nº" in tab and "Situation pour" in tab and "Facturé au client" in tab
    assert "Dû aux sous-traitants" in tab and "Écart" in tab and "(en cours)" in tab
    assert FRENCH_MONEY.search(tab) and FRENCH_DAY.search(tab)
    assert _english_left(tab, HEAD_ENGLISH) == []

    _as(world, "en")
    tab = _page(client, tab_url(world))
    assert "This period (E)" in tab and "Billed to the client" in tab and "Open claim #" in tab and "Écart" not in tab


def test_the_board_in_french_takes_as_many_statements_as_in_english(app, client, auth, world, quebec):  # noqa: F811
    auth.sign_in(world.admin.email)

    def statements() -> int:
        seen = []

        def one(*_args):  # type: ignore[no-untyped-def]
            seen.append(1)

        client.get(billings_url(world))  # warm: the session's own look-ups settle
        page_cache(app).clear()  # the page made, not the page kept
        event.listen(db.engine, "before_cursor_execute", one)
        try:
            assert client.get(billings_url(world)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", one)
        return len(seen)

    _as(world, "en")
    english = statements()
    _as(world, "fr")
    assert statements() == english


def test_a_french_admin_reads_the_period_forms_messages_in_french_and_nothing_is_written(client, auth, world):
    _as(world, "fr")
    auth.sign_in(world.admin.email)
    before = count(BillingPeriod), count(AuditEvent)
    for change, field, message in [
        ({"start_date": ""}, "start_date", "Entrez la date de début."),
        ({"end_date": "2031-01-01"}, "end_date", "La date de fin précède la date de début."),
        ({"due_date": "2031-06-30"}, "due_date", "plus de 60 jours après la fin de la période"),
    ]:
        data = {"start_date": "2031-01-10", "end_date": "2031-02-09", "due_date": "2031-02-05", **change}
        response = client.post(billings_url(world, "/periods"), data=data)
        assert response.status_code == 422
        html = unescape(response.get_data(as_text=True))
        feedback = re.search(rf'id="{field}-feedback"[^>]*>([^<]*)<', html)
        assert feedback and message in feedback.group(1), (field, feedback and feedback.group(1))
    assert (count(BillingPeriod), count(AuditEvent)) == before


def test_a_french_admin_gets_the_weekly_digest_in_french(app, world, quebec):  # noqa: F811
    _as(world, "fr")
    report = reminders.queue_digests()
    assert [u.id for u, _ in report.queued] == [world.admin.id]
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == ADMIN_DIGEST))
    mail = emails.render(message)
    assert re.match(r"Progress Billings cette semaine\s: 1 à examiner", mail.subject)  # one line: plain spaces
    assert "Demandes de paiement en attente de votre examen (1)" in mail.text
    assert "SC-001" in mail.text and "demande nº" in mail.text and "soumise le 10 déc." in mail.text
    assert "Bonjour " in mail.text and "Waiting" not in mail.text and "submitted" not in mail.text
    assert "la page de votre compte</a>" in mail.html
    _as(world, "en")  # English as it always read
    mail = emails.render(message)
    assert mail.subject.startswith("Progress Billings this week: 1 to review")
    assert "Progress Claims waiting for your review (1)" in mail.text and ": claim #" in mail.text


def test_send_invites_with_nothing_ticked_says_so_in_french_and_sends_nothing(client, auth, world):
    _as(world, "fr")
    auth.sign_in(world.admin.email)
    before = count(Invite), count(OutboxMessage)
    response = client.post(billings_url(world, "/invites"), data={"period": world.period.id},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Sélectionnez au moins un contrat à inviter." in unescape(response.get_data(as_text=True))
    assert (count(Invite), count(OutboxMessage)) == before


def test_the_error_page_in_french(client, auth, world):
    _as(world, "fr")
    auth.sign_in(world.admin.email)
    response = client.get(billings_url(world, suffix="/claims/987654"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 404
    assert "Introuvable" in html and "Erreur 404" in html and "Retour aux projets" in html and "Not found" not in html
    _as(world, "en")
    html = client.get(billings_url(world, suffix="/claims/987654")).get_data(as_text=True)
    assert "Not found" in html and "Error 404" in html and "Back to projects" in html
