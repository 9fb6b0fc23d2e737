"""English and Canadian French (issue 18): which language, formats that follow it, French money, the
translated pages and the Invite to Bill e-mail in the recipient's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from blueprints.page_cache import page_cache
from domain import emails, locales
from domain.board import load_board
from domain.invites import send_invites
from domain.models import AccessLevel, AuditEvent, Company, Country, Dictionary, OutboxMessage, Project, SovLine, db
from domain.money import format_money, parse_money
from domain.terms import Terms
from tests import factories
from tests.helpers import commitments_url, count

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}


# --- which language -----------------------------------------------------------------------------


class Person:
    def __init__(self, language: object = None) -> None:
        self.language = language


class Own:
    def __init__(self, default_language: object = None) -> None:
        self.default_language = default_language


@pytest.mark.parametrize(("user", "chosen", "company", "header", "expected"), [
    ("fr", None, "en", "en", "fr"),  # the person's own setting first
    ("en", "fr", "fr", "fr", "en"),
    (None, "fr", "en", "en", "fr"),  # then what this browser chose with the switch
    (None, None, "fr", "en", "fr"),  # then the company's default
    (None, None, None, "fr-CA,en;q=0.8", "fr"),  # then the browser's
    (None, None, None, None, "en"),  # then English
    ("de", "xx", "klingon", "de-DE", "en"),  # unsupported everywhere: English
    ("FR", None, None, None, "fr"),  # case and region do not matter
    ("fr_CA", None, None, None, "fr"),
    (42, ["fr"], {"fr": 1}, b"fr", "en"),  # not even text: skipped
])
def test_a_person_s_setting_then_the_switch_then_the_company_then_the_browser(user, chosen, company, header,
                                                                              expected):
    assert locales.language_for(Person(user), Own(company), header, chosen) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("fr", "fr"),
    ("fr-CA", "fr"),
    ("en-US,en;q=0.9,fr;q=0.8", "en"),
    ("de-DE,de;q=0.9,fr;q=0.7,en;q=0.5", "fr"),
    ("en;q=0.2, fr;q=0.9", "fr"),
    ("fr;q=0, en", "en"),  # q=0: not acceptable
    ("*", None),
    ("de, es", None),
    ("", None),
    (";;;,,,=", None),  # malformed: nothing, never an error
    ("fr;q=abc, en;q=0.5", "en"),
    ("fr;q=nan", None),
    ("fr;q=2", None),
    ("fr;q=inf, en", "en"),
    ("é-ü, fr", "fr"),
    ("fr," * 2000, None),  # absurdly long: ignored
])
def test_accept_language_among_the_supported_ones(header, expected):
    assert locales.from_accept_language(header) == expected


@pytest.mark.parametrize(("language", "country", "expected"), [
    ("fr", Country.CA, "fr_CA"),
    ("fr", Country.US, "fr_CA"),
    ("en", Country.CA, "en_CA"),
    ("en", Country.US, "en_US"),
    ("xx", Country.CA, "en_CA"),
])
def test_the_locale_is_the_language_with_the_project_s_country(language, country, expected):
    project = Project(number="P", name="P", country=country)
    assert locales.locale_for(project, language=language) == expected
    assert locales.locale_for(project, user=Person(language)) == expected


# --- French money -------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("40 837,50", "40837.50"),
    ("40\u202f837,50", "40837.50"),  # narrow no-break space, as Babel writes fr_CA
    ("40\u00a0837,50 $", "40837.50"),
    ("1 234 567,5", "1234567.50"),
    ("837", "837.00"),
    ("-12,5", "-12.50"),
    (",5", "0.50"),
])
def test_french_money_is_read_exactly(typed, expected):
    value = parse_money(typed, "fr")
    assert value == Decimal(expected) and isinstance(value, Decimal)
    assert str(value) == expected  # never through a float: the digits are the ones typed


@pytest.mark.parametrize(("typed", "language", "message"), [
    ("40 837,50", "en", "Amounts here are in English format: a comma between thousands, a point before the cents."),
    ("1234,50", "en", "Amounts here are in English format"),
    ("40,837.50", "fr", "Amounts here are in French format: a space between thousands, a comma before the cents."),
    ("12.5", "fr", "Amounts here are in French format"),
    ("1 23,5", "fr", "Enter a number, like 1 250,00."),
    ("1e3", "fr", "Enter a number, like 1 250,00."),
    ("12,345", "fr", "Use at most two decimals (cents)."),
    ("", "fr", "Enter an amount."),
])
def test_money_in_the_other_language_s_format_says_which_format_is_expected(typed, language, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")):
        parse_money(typed, language)


def test_french_figures_are_written_as_babel_writes_fr_ca():
    assert format_money(Decimal("40837.5"), "CAD", "fr_CA") == "40\u00a0837,50\u00a0$"
    assert parse_money(format_money(Decimal("40837.5"), "CAD", "fr_CA"), "fr") == Decimal("40837.50")


def test_a_money_field_reads_french_for_a_french_person_and_says_the_format_to_an_english_one(client, world,
                                                                                              auth):
    vendor = factories.vendor("Béton Laval inc.", "marie@beton.example")
    draft = factories.commitment(world.project, vendor, number="SC-010", sov_approved=False, lines=("1000.00",))
    db.session.commit()
    line = {"new-cost_code": "03 45 00", "new-description": "Escaliers", "new-scheduled_value": "12 500,50"}
    auth.sign_in(world.admin.email)
    response = client.post(commitments_url(world, draft, "/sov/lines"), data=line)
    assert response.status_code == 422
    assert "Amounts here are in English format: a comma between thousands" in response.get_data(as_text=True)
    assert count(SovLine, SovLine.commitment_id == draft.id) == 1

    world.admin.language = "fr"
    db.session.commit()
    english = {**line, "new-scheduled_value": "12,500.50"}
    response = client.post(commitments_url(world, draft, "/sov/lines"), data=english)
    assert response.status_code == 422
    assert "Les montants s'écrivent ici en format français\u00a0: une espace entre les milliers" in \
        unescape(response.get_data(as_text=True))
    assert count(SovLine, SovLine.commitment_id == draft.id) == 1
    assert client.post(commitments_url(world, draft, "/sov/lines"), data=line).status_code == 303
    assert db.session.scalar(select(SovLine.original_value).where(SovLine.commitment_id == draft.id,
                                                                  SovLine.cost_code == "03 45 00")) == \
        Decimal("12500.50")


# --- the pages ----------------------------------------------------------------------------------


def test_the_sign_in_page_follows_the_browser_and_a_bad_header_is_english(client, world):
    french = client.get("/sign-in", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="fr-CA">' in french
    assert "Se connecter" in french and "Mot de passe oublié?" in french and "Aller au contenu" in french
    assert ">Courriel</label>" in french and "Rester connecté sur cet appareil" in french
    for header in ("de-DE", "*;q=xyz,,;", "fr;q=0", "\u00e9\u00e8"):
        page = client.get("/sign-in", headers={"Accept-Language": header})
        assert page.status_code == 200
        assert '<html lang="en">' in page.get_data(as_text=True) and ">Sign in</h1>" in page.get_data(as_text=True)


def test_french_sign_in_messages_and_validation(client, world):
    response = client.post("/sign-in", data={"email": "", "password": ""}, headers=FRENCH)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Entrez votre adresse courriel." in html and "Entrez votre mot de passe." in html
    response = client.post("/sign-in", data={"email": world.admin.email, "password": "wrong-password"},
                           headers=FRENCH)
    assert "Courriel ou mot de passe incorrect." in response.get_data(as_text=True)


def test_the_switch_keeps_a_visitor_s_choice_and_refuses_nothing(client, world):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'name="language" value="fr" lang="fr-CA">Français</button>' in page
    response = client.post("/language", data={"language": "fr", "next": "/sign-in/forgot"})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/forgot"
    assert "Mot de passe oublié?" in client.get("/sign-in/forgot").get_data(as_text=True)
    # the choice beats the browser's header; a bad value is English, and a foreign `next` goes home
    assert "Se connecter" in client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # signing in keeps the browser's choice (the session is otherwise new)
    client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
    assert "Votre compte" in client.get("/account").get_data(as_text=True)
    client.post("/sign-out")
    assert "Se connecter" in client.get("/sign-in").get_data(as_text=True)
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    assert ">Sign in</h1>" in client.get("/sign-in", headers=FRENCH).get_data(as_text=True)


def test_the_switch_saves_a_signed_in_contact_s_language(client, world, auth):
    vendor = factories.vendor("Béton Laval inc.", "marie@beton.example")
    db.session.commit()
    contact = vendor.default_claim_contact
    auth.sign_in(contact.email)
    assert client.post("/language", data={"language": "fr", "next": "/portal"}).status_code == 303
    assert db.session.get(type(contact), contact.id).language == "fr"
    # signed out and in again on another browser: still French
    auth.sign_out()
    other = client.application.test_client()
    other.post("/sign-in", data={"email": contact.email, "password": factories.PASSWORD})
    assert "Se déconnecter" in other.get("/portal", follow_redirects=True).get_data(as_text=True)


def test_the_profile_page_in_french_and_the_language_setting(client, world, auth):
    auth.sign_in(world.admin.email)
    page = client.get("/account").get_data(as_text=True)
    assert "The company&#39;s default (English)" in page
    response = client.post("/account/language", data={"language": "fr"})
    assert response.status_code == 303
    assert db.session.get(type(world.admin), world.admin.id).language == "fr"
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="fr-CA">' in page
    for words in ("Votre compte", "Connexion en deux étapes", "Changer votre mot de passe", "Connexions récentes",
                  "Votre langue est enregistrée.", "Mot de passe actuel", "Enregistrer la langue", "Projets",
                  "Se déconnecter"):
        assert words in page, words
    assert '<option lang="fr-CA" selected value="fr">Français</option>' in page
    # French validation and flash messages
    response = client.post("/account/password", data={"current_password": "x", "password": "short",
                                                      "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Utilisez au moins 10 caractères (et au plus 200)." in html
    assert "Les mots de passe ne correspondent pas." in html


def test_a_bad_language_on_the_profile_says_so_and_writes_nothing(client, world, auth):
    auth.sign_in(world.admin.email)
    events = count(AuditEvent)
    response = client.post("/account/language", data={"language": "klingon"})
    assert response.status_code == 422
    assert "Choose a language from the list." in response.get_data(as_text=True)
    assert 'id="language-feedback"' in response.get_data(as_text=True)
    assert db.session.get(type(world.admin), world.admin.id).language is None
    assert count(AuditEvent) == events
    # back to the company's default
    client.post("/account/language", data={"language": "fr"})
    assert client.post("/account/language", data={"language": ""}).status_code == 303
    assert db.session.get(type(world.admin), world.admin.id).language is None


def test_the_company_default_language_on_the_settings_page(client, world, auth):
    auth.sign_in(world.admin.email)
    page = client.get("/settings/company").get_data(as_text=True)
    assert "Default language" in page
    form = _settings_form(world.company)
    bad = client.post("/settings/company", data={**form, "default_language": "de"})
    assert bad.status_code == 422 and "Choose a language from the list." in bad.get_data(as_text=True)
    assert db.session.get(Company, world.company.id).default_language is None
    assert client.post("/settings/company", data={**form, "default_language": "fr"}).status_code == 303
    assert db.session.get(Company, world.company.id).default_language == "fr"
    # the admin, who chose nothing, now reads French, whatever the browser says
    assert "Votre compte" in client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)


def _settings_form(company: Company) -> dict[str, str]:
    return {"name": company.name, "dictionary": company.dictionary.name, "default_retention_pct": "10",
            "invite_message": "", "time_zone": company.time_zone, "tax_number": ""}


def test_money_and_dates_follow_the_language(client, world, auth):
    from domain.money import format_money_in
    from templating import day, locale_of

    world.project.country = Country.CA
    db.session.commit()
    app = client.application
    with app.app_context(), app.test_request_context("/", headers=FRENCH):  # each request its own `g`
        assert locale_of(world.project) == "fr_CA" and locale_of(None) == "fr_CA"
        assert format_money_in("CAD", locale_of(world.project))(Decimal("40837.5")) == "40\u00a0837,50\u00a0$"
        assert day(date(2026, 11, 30), locale=locale_of(None)) == "30 nov."
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert locale_of(world.project) == "en_CA" and locale_of(None) == "en_US"
        assert day(date(2026, 11, 30), locale=locale_of(None)) == "Nov 30"


def test_the_kept_page_is_kept_per_language(client, world, auth):
    """The same person, nothing written between: a browser asking for French never gets the English page kept."""
    auth.sign_in(world.admin.email)
    url = f"/projects/{world.project.id}/billings"
    english = {"Accept-Language": "en"}
    assert client.get(url, headers=english).status_code == 200
    assert '<html lang="en">' in client.get(url, headers=english).get_data(as_text=True)  # kept
    assert len(page_cache(client.application)) == 1
    assert '<html lang="fr-CA">' in client.get(url, headers=FRENCH).get_data(as_text=True)
    assert len(page_cache(client.application)) == 2
    assert '<html lang="en">' in client.get(url, headers=english).get_data(as_text=True)


# --- the Invite to Bill e-mail --------------------------------------------------------------------


def _invite_for(world: factories.World, contact_language: str | None) -> emails.Rendered:
    vendor = factories.vendor("Béton Laval inc.", "marie@beton.example")
    contact = vendor.default_claim_contact
    contact.name, contact.language = "Marie Tremblay", contact_language
    world.project.country = Country.CA
    world.project.currency = world.project.currency.__class__("CAD")
    commitment = factories.commitment(world.project, vendor, number="SC-020", title="Béton")
    db.session.commit()
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [commitment.id], world.admin, Terms(Dictionary.SPECIALTY))
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == contact.email)).one()
    return emails.render(message)


def test_the_invite_goes_in_french_to_a_french_contact(client, world):
    rendered = _invite_for(world, "fr")
    # one_line writes the no-break space before the colon as a space: a subject is plain text
    assert rendered.subject.startswith("Riverside Medical : invitation à facturer SC-020 pour ")
    assert " déc. " in rendered.subject or " au " in rendered.subject  # "1 déc. au 30 déc. 2026"
    for text in (rendered.text, rendered.html):
        assert "Bonjour Marie Tremblay" in text
        assert "vous invite à facturer" in text
        assert "demande de paiement" in text
        assert "Oui, je vais facturer" in text and "Non, pas cette période" in text
        assert "Contrat de sous-traitance" in text and "Date d'échéance" in text.replace("&#39;", "'")
        assert "Please" not in text and "Hello" not in text
    assert '<html lang="fr-CA">' in rendered.html
    assert " au " in rendered.text  # the billing period, from ... to ..., in French


def test_a_contact_who_chose_nothing_gets_the_company_default_never_the_sender_s_language(client, world):
    world.company.default_language = "fr"
    world.admin.language = "en"
    db.session.commit()
    assert "Bonjour Marie Tremblay" in _invite_for(world, None).text


def test_the_invite_in_english_is_as_it_was(client, world):
    world.admin.language = "fr"  # the sender's language does not matter
    db.session.commit()
    rendered = _invite_for(world, None)
    assert rendered.subject.startswith("Riverside Medical: invite to bill SC-020 for ")
    assert "Hello Marie Tremblay,\n\nAvery Admin of Harbor & Pine Builders has invited you to bill on " \
           "Riverside Medical.\n\nSubcontract: SC-020 Béton\nBilling period: " in rendered.text
    assert "\nInvited by: Avery Admin <admin@pb.example>\nDue date: " in rendered.text
    assert "\nWill you submit a progress claim for " in rendered.text
    assert "?\n\nYes, I will bill:\nhttp://pb.example/" in rendered.text
    assert "\n\nNo, not this period:\nhttp://pb.example/" in rendered.text
    assert rendered.text.endswith("nothing is answered until you do.\nThe links work for 14 days. After that, ask "
                                  "Avery Admin to send the invite again.")
    assert "Avery Admin of Harbor &amp; Pine Builders has invited you to bill</h1>" in rendered.html
    assert '<html lang="en">' in rendered.html


def test_period_names_follow_the_language(app):
    from flask_babel import force_locale

    from domain.periods import dates_name

    with force_locale("fr_CA"):
        assert dates_name(date(2026, 11, 1), date(2026, 11, 30)) == "novembre 2026"
        assert dates_name(date(2026, 10, 26), date(2026, 11, 25)).replace("\u2009", " ") == "26 oct. – 25 nov. 2026"
    assert dates_name(date(2026, 11, 1), date(2026, 11, 30)) == "November 2026"
    assert dates_name(date(2026, 10, 26), date(2026, 11, 25)) == "Oct 26 to Nov 25, 2026"


def test_an_unsupported_stored_setting_is_english_never_an_error(client, world, auth):
    world.admin.language, world.company.default_language = "klingon", "x" * 8
    db.session.commit()
    auth.sign_in(world.admin.email)
    page = client.get("/account", headers={"Accept-Language": "de;q=abc,,"})
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    assert "Your account" in page.get_data(as_text=True)
