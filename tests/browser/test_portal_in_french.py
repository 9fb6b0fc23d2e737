"""In a real Chromium at 375 px, a phone set to Canadian French (axe-core checks every page, tests/browser/conftest.py):
a contact who reads French gets the Invite to Bill e-mail in French, opens its link, signs in, accepts, types French
figures into the demo's Ontario claim (P-1003, SC-202: see tests/browser/test_ontario_claim.py for the sums), signs
and submits, and reads French words and French figures throughout. With SCREENSHOT_DIR set, the portal's home,
invite and claim pages are saved there at 375 and 1280 px to look at."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import select

from domain.models import Project, User, db
from tests.browser.test_claim_on_a_phone import PHONE, _shoot
from tests.browser.test_ontario_claim import AISHA, _mail_to
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {**smtp.config, "OUTBOX_DELIVER_AFTER_REQUEST": True, "BASE_URL": "http://links.example"}


def _money(text: str) -> re.Pattern[str]:
    """A French amount as Babel writes it (no-break spaces), e.g. "24 570,00 $"."""
    return re.compile(r"^\s*" + re.escape(text).replace(r"\ ", r"\s") + r"\s*$")


def test_a_french_contact_on_a_phone_from_the_invite_e_mail_to_a_submitted_claim(app, live_server, browser: Browser,
                                                                                 smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    aisha = db.session.scalars(select(User).where(User.email == AISHA)).one()
    aisha.language = "fr"
    db.session.commit()
    project_id = db.session.scalar(select(Project.id).where(Project.number == "P-1003"))
    base = live_server.url
    admin = browser.new_context().new_page()
    admin.goto(base + "/sign-in")
    admin.get_by_label("E-mail").fill("admin@example.com")
    admin.get_by_label("Password", exact=True).fill("demo-admin")
    admin.get_by_role("button", name="Sign in").click()
    admin.goto(f"{base}/projects/{project_id}/billings")
    admin.get_by_label(re.compile("Invite SC-202")).check()
    admin.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(admin.get_by_role("status")).to_have_text("Invites sent for 1 contract.")  # the admin reads English

    mail = _mail_to(smtp, AISHA)
    assert mail.subject.startswith("Lakeshore Community Health Centre : invitation à facturer SC-202")
    yes = re.search(r'href="(http://links\.example/portal/invites/[^"]+answer=yes)"', mail.html).group(1)
    phone = browser.new_context(viewport=PHONE, locale="fr-CA")
    contact = phone.new_page()
    contact.goto(yes.replace("&amp;", "&").replace("http://links.example", base))
    expect(contact.locator("html")).to_have_attribute("lang", "fr-CA")
    expect(contact.get_by_label("Courriel")).to_have_value(AISHA)
    contact.get_by_label("Mot de passe", exact=True).fill("demo-contact")
    contact.get_by_role("button", name="Se connecter").click()

    expect(contact.get_by_role("heading", name=re.compile("vous invite à facturer"))).to_be_visible()
    expect(contact.get_by_text("Période de facturation")).to_be_visible()
    _shoot(contact, "fr-portal-invite")
    contact.get_by_role("button", name=re.compile(r"Confirmer\s*:\s*oui, je vais facturer")).click()
    expect(contact.get_by_role("heading", name=re.compile("Demande de paiement nº"))).to_be_visible()
    expect(contact.locator("[data-claim-status]")).to_have_text("Brouillon")
    assert contact.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways

    # French figures typed the French way; the summary follows, in fr_CA.
    contact.locator("[data-line-card='26 05 00']").get_by_label("Travaux de la période (E)").fill("19 840,00")
    percent = contact.locator("[data-line-card='26 51 00']")
    percent.get_by_label("ou % achevé à ce jour").fill("30")
    expect(percent.locator("[data-from-percent]")).to_have_text(re.compile(r"=\s7\s460,00\s\$\scette période"))
    expect(contact.locator('[data-g702="4"] dd')).to_have_text(_money("81 900,00 $"))
    expect(contact.locator('[data-g702="8"] dt')).to_have_text("8. Montant actuellement dû avant taxes")
    expect(contact.locator('[data-g702="8"] dd')).to_have_text(_money("24 570,00 $"))
    expect(contact.locator('[data-g702="8-due"] dd')).to_have_text(_money("27 764,10 $"))
    expect(contact.locator('[data-g702="5"] dt')).to_contain_text("Retenue (travaux")
    _shoot(contact, "fr-portal-claim-draft")

    # Submitting unsigned says what is missing, in French, next to the box.
    contact.get_by_role("button", name="Signer et soumettre pour examen").click()
    expect(contact.locator("#certify-feedback")).to_contain_text("Cochez la case pour confirmer la déclaration")
    contact.get_by_label("Je confirme que cette déclaration est vraie").check()
    contact.get_by_label("Votre nom complet, comme signature").fill("Aisha Rahman")
    contact.get_by_role("button", name="Signer et soumettre pour examen").click()
    expect(contact.locator("[data-claim-status]")).to_have_text("En cours d'examen")
    expect(contact.get_by_text("Signée et soumise pour examen.")).to_be_visible()
    expect(contact.locator("[data-signature]")).to_contain_text("Signée par Aisha Rahman sous le nom « Aisha Rahman »")
    expect(contact.locator('[data-g702="8-due"] dd')).to_have_text(_money("27 764,10 $"))
    assert contact.evaluate("document.documentElement.scrollWidth") <= 375
    _shoot(contact, "fr-portal-claim-submitted")

    # The PDF link gives the pay application in French, with the figures the page shows.
    pdf_url = contact.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    answer = contact.request.get(base + pdf_url)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.body())).pages)
    words = words.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Décompte progressif · Demande de paiement nº" in words and "Attestation du fournisseur" in words
    assert "27 764,10 $" in words and "TVH 13 %" in words and "Retenue" in words
    assert "Pay application" not in words and "Holdback" not in words

    contact.goto(base + "/portal")
    expect(contact.get_by_role("heading", name="Mes invitations")).to_be_visible()
    row = contact.locator("[data-fact='amount-due']").first
    expect(row).to_have_text(_money("27 764,10 $"))
    expect(contact.get_by_text("En cours d'examen").first).to_be_visible()
    _shoot(contact, "fr-portal-home")
