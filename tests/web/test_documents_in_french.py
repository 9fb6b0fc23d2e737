"""Documents in the reader's language (issue 18): the pay application PDF, the package's own pages, the notice of
non-payment and the CSV/Excel exports in Canadian French, with the same figures as in English; a download follows
the person's language, an e-mail's attachment its recipient's."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from domain import claim_package, head_contract, pay_application, payment_notices
from domain.models import ClaimStatus, ClaimTax, Country, Currency, OutboxMessage, PaymentNotice, db
from tests import factories
from tests.domain.test_head_contract import claim_in
from tests.helpers import billings_url
from tests.web.test_head_contract_claim import head_claim, site  # noqa: F401 - fixtures: a head contract claim

D = Decimal
NBSP = "\u00a0\u202f"
# An amount as each language writes it: "$12,417.30" / "-$1,080.00", and "12 417,30 $" / "-1 080,00 $".
ENGLISH_MONEY = re.compile(r"(-?)\$(\d{1,3}(?:,\d{3})*\.\d\d)")
FRENCH_MONEY = re.compile(rf"(-?)(\d{{1,3}}(?:[ {NBSP}]\d{{3}})*,\d\d)[ {NBSP}]?\$")


def words(body: bytes) -> str:
    """A PDF's text, its spaces (no-break ones too) made plain, on one line."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def amounts(text: str, pattern: re.Pattern[str]) -> Counter:
    """Every amount in `text`, formatted back to a Decimal, with how often it appears."""
    found = Counter()
    for minus, digits in pattern.findall(text):
        if pattern is FRENCH_MONEY:
            digits = re.sub(rf"[ {NBSP}]", "", digits).replace(",", ".")
        found[D(minus + digits.replace(",", ""))] += 1
    return found


def _claim(world, jurisdiction: str, taxes: tuple[tuple[str, str, str], ...]):  # type: ignore[no-untyped-def]
    project = world.project
    project.country, project.currency, project.time_zone, project.jurisdiction = (
        Country.CA, Currency.CAD, "America/Toronto", jurisdiction)
    vendor = factories.vendor("Béton Keystone inc.", "maria@keystone.example")
    commitment = factories.commitment(project, vendor, number="SC-001", title="Béton", lines=("60000.00",))
    db.session.commit()
    claim = claim_in(world, commitment, world.period, {"01 00 00": ("12000.00", "500.00")},
                     status=ClaimStatus.UNDER_REVIEW)
    claim.submitted_at = datetime(2026, 12, 10, 15, 0)
    for position, (name, rate, amount) in enumerate(taxes, start=1):
        db.session.add(ClaimTax(claim_id=claim.id, position=position, name=name, rate=D(rate)))
        claim.sales_tax += D(amount)
    db.session.commit()
    return claim


@pytest.fixture
def quebec(world):  # type: ignore[no-untyped-def]
    # 8 = 12,500.00 less 10% holdback = 11,250.00; GST 5% = 562.50; QST 9.975% = 1,122.19; with tax 12,934.69
    return _claim(world, "QC", (("GST", "5", "562.50"), ("QST", "9.975", "1122.19")))


@pytest.fixture
def ontario(world):  # type: ignore[no-untyped-def]
    # 8 = 11,250.00; HST 13% = 1,462.50; with tax 12,712.50
    return _claim(world, "ON", (("HST", "13", "1462.50"),))


def _pdf(claim, language: str) -> bytes:  # type: ignore[no-untyped-def]
    return pay_application.render_pdf(pay_application.from_claim(claim, language))


def test_a_quebec_claim_in_french_has_french_words_figures_and_its_gst_and_qst(world, quebec):
    text = words(_pdf(quebec, "fr"))
    for label in ("Décompte progressif · Demande de paiement nº 1", "Sommaire de la demande · En cours d'examen",
                  "Montant initial du contrat", "Retenue (colonne I)", "a. 10 % des travaux exécutés",
                  "Montant actuellement dû avant taxes (6 - 7) 11 250,00 $", "TPS 5 % 562,50 $",
                  "TVQ 9,975 % 1 122,19 $", "Montant actuellement dû (taxes comprises) 12 934,69 $",
                  "Attestation du fournisseur", "Examen", "Feuille de détail · Demande nº 1", "Valeur prévue",
                  "Matériaux actuellement entreposés", "Totaux généraux", "Page 1 de 2", "Page 2 de 2",
                  "période du 1 ", "De (fournisseur)", "À (entrepreneur)"):
        assert label in text, label
    assert "10 déc. 2026" in text  # the application date, in French
    for english in ("Pay application", "Original contract sum", "Holdback", "GST", "QST", "Page 1 of"):
        assert english not in text, english


def test_the_same_claim_has_the_same_figures_in_english_and_in_french(world, quebec):
    english, french = words(_pdf(quebec, "en")), words(_pdf(quebec, "fr"))
    assert "Current amount due (with tax) $12,934.69" in english and "GST 5% $562.50" in english
    found = amounts(english, ENGLISH_MONEY)
    assert found == amounts(french, FRENCH_MONEY)
    assert found[D("12934.69")] and found[D("1122.19")]


def test_an_ontario_claim_in_french_shows_its_hst(world, ontario):
    text = words(_pdf(ontario, "fr"))
    assert "TVH 13 % 1 462,50 $" in text and "Montant actuellement dû (taxes comprises) 12 712,50 $" in text
    # what a proper invoice must say under Ontario's Construction Act
    assert "Modalités de paiement Facture en bonne et due forme selon la Construction Act, R.S.O. 1990" in text
    assert "payable dans les 28 jours de sa réception" in text and "Payer à Béton Keystone inc." in text
    assert amounts(text, FRENCH_MONEY) == amounts(words(_pdf(ontario, "en")), ENGLISH_MONEY)


def test_a_download_follows_the_person_and_the_english_one_is_unchanged(client, auth, world, ontario):
    url = billings_url(world, suffix=f"/claims/{ontario.id}/pdf")
    auth.sign_in(world.admin.email)
    english = words(client.get(url).data)
    assert "Pay application · Progress Claim #1" in english and "HST 13% $1,462.50" in english
    world.admin.language = "fr"
    db.session.commit()
    french = words(client.get(url).data)
    assert "Décompte progressif · Demande de paiement nº 1" in french and "TVH 13 % 1 462,50 $" in french
    package = words(client.get(billings_url(world, suffix=f"/claims/{ontario.id}/package")).data)
    assert "Sommaire de la demande" in package


def test_the_package_lists_what_it_cannot_show_in_its_language(app, world, ontario, tmp_path):
    from domain.models import Attachment

    db.session.add(Attachment(claim_id=ontario.id, filename="devis.docx", storage_key="gone", size_bytes=1536,
                              sha256="0" * 64, content_type="application/octet-stream", uploaded_by_id=world.admin.id))
    db.session.commit()
    french = words(claim_package.build(ontario, str(tmp_path), language="fr"))
    assert "Autres pièces justificatives de la demande nº 1" in french
    assert "devis.docx 2 Ko absent du stockage des fichiers" in french
    english = words(claim_package.build(ontario, str(tmp_path), language="en"))
    assert "Other backup to application no. 1" in english and "devis.docx 2 KB missing from the file store" in english


def test_a_holdback_release_says_so_in_french(world, ontario):
    ontario.holdback_release, ontario.holdback_release_date = D("1250.00"), ontario.billing_period.end_date
    db.session.commit()
    text = words(_pdf(ontario, "fr"))
    assert "Libération de la retenue : 1 250,00 $ libérés" in text
    assert "Ne facture que la retenue libérée et ses taxes, sans travaux." in text
    assert "Holdback release: $1,250.00 released" in words(_pdf(ontario, "en"))


def _notice(world, claim):  # type: ignore[no-untyped-def]
    payment_notices.give(claim, D("2500.00"), "Coffrage refusé à la ligne C.", world.admin)
    return db.session.scalars(select(PaymentNotice)).one()


def test_the_notice_of_non_payment_in_french(world, ontario):
    notice = _notice(world, ontario)
    text = words(payment_notices.render_pdf(notice, "fr"))
    for label in ("Avis de non-paiement", "Donné en vertu de la Construction Act, R.S.O. 1990, c. C.30 (Ontario)",
                  "De (payeur)", "À (bénéficiaire)", "Date de l'avis",
                  "Montant réclamé (taxes comprises) 12 712,50 $", "Montant non payé 2 500,00 $",
                  "Montant qui sera payé 10 212,50 $", "Motifs du non-paiement", "Coffrage refusé à la ligne C.",
                  "Demande de paiement nº 1, soumise le 10 déc. 2026", "Page 1 de 1"):
        assert label in text, label
    english = words(payment_notices.render_pdf(notice, "en"))
    assert "Amount not being paid $2,500.00" in english and "Notice of non-payment" in english
    assert amounts(text, FRENCH_MONEY) == amounts(english, ENGLISH_MONEY)


def test_the_e_mailed_notice_is_in_its_recipients_language(world, ontario):
    contact = ontario.commitment.vendor.default_claim_contact
    notice = _notice(world, ontario)
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == contact.id)).one()
    # no setting and no company default: English
    ((_name, _type, body),) = payment_notices.email_attachments(message)
    assert "Notice of non-payment" in words(body)
    world.company.default_language = "fr"  # the company's default, for a contact who never chose
    db.session.commit()
    ((_name, _type, body),) = payment_notices.email_attachments(message)
    assert "Avis de non-paiement" in words(body)
    contact.language = "en"  # the contact's own setting first
    db.session.commit()
    ((_name, _type, body),) = payment_notices.email_attachments(message)
    assert "Notice of non-payment" in words(body) and notice.id


def test_the_head_contract_claim_goes_to_the_client_in_the_company_default(world, head_claim):  # noqa: F811
    head_contract.prefill(head_claim, world.admin)
    head_contract.submit_to_client(head_claim, world.admin)
    world.company.default_language = "fr"
    world.admin.language = "en"  # the sender's own language does not decide
    db.session.commit()
    head_contract.send_to_client(head_claim, world.admin)
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.claim_id == head_claim.id)).one()
    pdf, package = head_contract.client_email_attachments(message)
    for _name, _type, body in (pdf, package):
        text = words(body)
        assert "Décompte progressif · Demande nº 1 au client" in text and "À (client)" in text
        assert "Attestation de l'entrepreneur" in text and "Pay application" not in text


# --- the spreadsheets -----------------------------------------------------------------------------------------


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_claim_lines_export_in_french_keeps_plain_numbers(client, auth, world, quebec):
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    url = billings_url(world, suffix=f"/claims/{quebec.id}/lines")
    header, line, totals = _csv(client.get(f"{url}.csv").data)
    assert header == ["Article (A)", "Description (B)", "Valeur prévue (C) (CAD)", "Précédent (D) (CAD)",
                      "Cette période (E) (CAD)", "Entreposé (F) (CAD)", "Exécuté et entreposé à ce jour (G) (CAD)",
                      "% (G/C)", "Solde à terminer (H) (CAD)", "Retenue (I) (CAD)",
                      "Montant actuellement dû avant taxes (CAD)", "TPS 5\u00a0% (CAD)", "TVQ 9,975\u00a0% (CAD)",
                      "Montant actuellement dû (CAD)"]
    assert line[2:5] == ["60000.00", "0.00", "12000.00"] and totals[1] == "Totaux"
    assert totals[-4:] == ["11250.00", "562.50", "1122.19", "12934.69"]
    sheet = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data)).active
    assert sheet.title == "Demande de paiement 1"
    assert [c.value for c in sheet[1]] == header
    assert sheet.cell(row=2, column=3).value == 60000 and sheet.cell(row=3, column=14).value == 12934.69
    world.admin.language = "en"  # English stays as it was
    db.session.commit()
    assert _csv(client.get(f"{url}.csv").data)[0][:3] == ["Item (A)", "Description (B)", "Scheduled value (C) (CAD)"]


def test_the_board_export_in_french(client, auth, world, quebec):
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    url = billings_url(world, suffix="/export")
    header, row = _csv(client.get(f"{url}.csv").data)
    assert header[:7] == ["Numéro", "Titre", "Fournisseur", "Responsables des demandes de paiement", "Invitation",
                          "Demande de paiement nº", "Statut de la Demande de paiement"]
    assert "% achevé" in header and "Retenue (CAD)" in header and "Taxes de vente (CAD)" in header
    assert row[6] == "En cours d'examen" and row[header.index("Montant actuellement dû (CAD)")] == "12934.69"
    sheet = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data)).active
    assert [c.value for c in sheet[1]] == header
    assert sheet.cell(row=2, column=header.index("Taxes de vente (CAD)") + 1).value == 1684.69
