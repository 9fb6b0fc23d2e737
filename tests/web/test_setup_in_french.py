"""The setup side in Canadian French (issue 18): a French company admin reads the projects, the project form,
a commitment and its schedule of values, the vendors, the company settings and the import page in French, and a
refused form says why in French next to the field, writing nothing; an English admin reads the same pages
unchanged."""

from __future__ import annotations

from html import unescape

import pytest

from domain.models import Company, Project, db
from tests import factories
from tests.helpers import commitments_url, count, import_url

# What each page says in French, and the English it must no longer say.
PAGES = {
    "projects": ("/", ["Projets", "Nouveau projet", "Période nº"],
                 ["New project", "Nothing waiting", "Period #"]),
    "project form": ("/projects/new", ["Numéro de projet", "Fuseau horaire", "Loi sur le paiement rapide",
                                       "Permettre la surfacturation", "Créer le projet", "Celle du pays (USD ou CAD)"],
                     ["Project number", "Time zone", "Prompt payment law", "Allow overbilling", "Create project",
                      "Cancel"]),
    "commitment": ("{draft}", ["Ventilation des coûts", "Valeur initiale", "Changements approuvés",
                               "Approuver la ventilation", "Ajouter une ligne", "Code de coût", "Liste privée",
                               "Modifier l'engagement", "Contrat de sous-traitance"],
                   ["Schedule of values", "Original value", "Approve SOV", "Add a line", "Cost code",
                    "Private list", "Edit commitment", "Scheduled value", "Remove"]),
    "approved SOV": ("{approved}", ["Ventilation approuvée", "Modifier la valeur", "Valeur révisée",
                                    "Ajouter une ligne d'un ordre de changement approuvé", "Approuvé"],
                     ["SOV Approved", "Change value", "Revised value", "approved change order", "Approved changes"]),
    "vendors": ("/directory", ["Répertoire", "Ajouter un fournisseur", "Fournisseurs", "Utilisateurs"],
                ["Add vendor", "Vendors", "Users", "Trade"]),
    "company settings": ("/settings/company", ["Paramètres de l'entreprise", "Nom de l'entreprise", "Vocabulaire",
                                               "Entrepreneur spécialisé", "Pourcentage de retenue par défaut",
                                               "Enregistrer les paramètres", "Politique de rappel"],
                         ["Company settings", "Company name", "Specialty contractor", "Default retention %",
                          "Save settings", "Reminder policy", "Sign-in"]),
    "import": ("{import}", ["Importer des engagements", "Téléverser un fichier", "Comment disposer le fichier",
                            "Télécharger un fichier modèle", "Téléverser et prévisualiser"],
               ["Import commitments", "Upload a file", "How to lay out the file", "Download a sample file",
                "Upload and preview"]),
}


@pytest.fixture
def pages(world):  # type: ignore[no-untyped-def]
    vendor = factories.vendor("Béton Laval inc.", "marie@beton.example")
    draft = factories.commitment(world.project, vendor, number="SC-010", sov_approved=False, lines=("1000.00",))
    approved = factories.commitment(world.project, vendor, number="SC-011")
    db.session.commit()
    return {"draft": commitments_url(world, draft), "approved": commitments_url(world, approved),
            "import": import_url(world)}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("page", list(PAGES))
def test_a_french_admin_reads_the_setup_pages_in_french(client, world, auth, pages, page):
    url, french, english = PAGES[page]
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.get(url.format(**pages))
    assert response.status_code == 200
    html = _text(response)
    assert [word for word in french if word not in html] == []
    assert [phrase for phrase in english if phrase in html] == []


@pytest.mark.parametrize("page", list(PAGES))
def test_an_english_admin_reads_them_unchanged(client, world, auth, pages, page):
    url, _french, english = PAGES[page]
    auth.sign_in(world.admin.email)
    html = _text(client.get(url.format(**pages)))
    assert [phrase for phrase in english if phrase not in html and phrase != "Period #"] == []
    assert "Nouveau projet" not in html and "Ventilation" not in html


def test_a_refused_project_form_says_why_in_french_next_to_the_field(client, world, auth):
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    before = count(Project)
    taken = {"number": world.project.number.lower(), "name": "", "address": "", "country": "CA",
             "currency": "", "time_zone": "America/Toronto", "jurisdiction": ""}
    response = client.post("/projects/new", data=taken)
    assert response.status_code == 422
    html = _text(response)
    assert 'id="name-feedback"' in html or "Entrez le nom du projet." in html
    assert "Entrez le nom du projet." in html
    assert f"Le projet {world.project.number} ({world.project.name}) porte déjà ce numéro." in html
    assert "Enter the project name." not in html and "already has this number" not in html
    assert count(Project) == before


def test_a_refused_sov_line_and_company_settings_say_why_in_french(client, world, auth, pages):
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(pages["draft"] + "/sov/lines", data={"new-cost_code": "", "new-description": "Escaliers",
                                                                  "new-scheduled_value": "12,50"})
    assert response.status_code == 422
    html = _text(response)
    assert "Entrez le code de coût." in html and "Enter the cost code." not in html
    name = world.company.name
    response = client.post("/settings/company", data={"name": "", "dictionary": "SPECIALTY",
                                                       "default_retention_pct": "150", "time_zone": "Nowhere/Else"})
    assert response.status_code == 422
    html = _text(response)
    assert "Entrez le nom de l'entreprise." in html and "Choisissez un fuseau horaire dans la liste." in html
    assert "Enter the company's name." not in html
    assert db.session.get(Company, world.company.id).name == name


def test_the_same_refusals_stay_english_for_an_english_admin(client, world, auth):
    auth.sign_in(world.admin.email)
    before = count(Project)
    response = client.post("/projects/new", data={"number": world.project.number, "name": "", "country": "CA",
                                                  "time_zone": "America/Toronto"})
    assert response.status_code == 422
    html = _text(response)
    assert "Enter the project name." in html
    assert f"Project {world.project.number} ({world.project.name}) already has this number." in html
    assert count(Project) == before


# --- the account e-mails, in their recipient's language ---------------------------------------------


def _activation_for(client, world, auth, company_language):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from domain import emails
    from domain.models import OutboxMessage

    world.admin.language = "fr"  # the sender's language never decides
    world.company.default_language = company_language
    db.session.commit()
    auth.sign_in(world.admin.email)
    person = {"name": "Marie Tremblay", "email": "marie@harbor.example", "company_id": str(world.company.id)}
    assert client.post("/directory/people/new", data=person).status_code == 303
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "marie@harbor.example")).one()
    return emails.render(message)


def test_the_activation_e_mail_follows_the_company_default_not_the_sender(client, world, auth):
    french = _activation_for(client, world, auth, "fr")
    assert "a créé votre compte" in french.subject
    assert "Bonjour Marie Tremblay" in french.text and "Choisissez un mot de passe pour vous connecter" in french.text
    assert "Hello" not in french.text and "Set your password" not in french.html


def test_the_activation_e_mail_stays_english_without_a_french_reader(client, world, auth):
    english = _activation_for(client, world, auth, None)
    assert english.subject.endswith("has set up your Progress Billings account")
    assert english.text.startswith("Hello Marie Tremblay,\n\n") and "Choose a password to sign in" in english.text


def test_the_password_reset_e_mail_in_its_recipient_s_language(client, world, auth):
    from sqlalchemy import select

    from domain import emails
    from domain.models import OutboxMessage

    world.standard.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.post(f"/directory/people/{world.standard.id}/send-password-reset",
                           data={"company": world.company.id})
    assert response.status_code in (200, 303)
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == world.standard.email)).one()
    rendered = emails.render(message)
    assert "vous a envoyé un lien pour choisir un nouveau mot de passe" in rendered.subject
    assert "Choisir un nouveau mot de passe vous déconnecte" in rendered.text
    assert "Choose a new password" not in rendered.html


def test_a_refused_import_says_why_in_french_and_imports_nothing(client, world, auth):
    import io

    from domain.importer import COLUMNS
    from domain.models import Commitment

    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    cells = {"commitment_number": "SC-900", "kind": "Subcontract", "title": "Béton", "vendor": "Nobody Inc.",
             "cost_code": "03 30 00", "description": "Dalles", "scheduled_value": "-5"}
    data = (",".join(COLUMNS) + "\r\n" + ",".join(cells.get(c, "") for c in COLUMNS) + "\r\n").encode()
    before = count(Commitment)
    response = client.post(import_url(world), data={"file": (io.BytesIO(data), "engagements.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = _text(response)
    assert "Aucun fournisseur ne s'appelle « Nobody Inc. »" in html
    assert "Une valeur prévue ne peut pas être négative." in html
    assert "Rangée 2" in html and "No vendor company" not in html and "Row 2" not in html
    assert count(Commitment) == before
