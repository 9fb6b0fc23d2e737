"""The French catalogue (issue 18): up to date with the code, complete, compiled; and the templates declared
translated have no text outside gettext.

When a test here fails: `make messages` (README, "Languages"), translate what arrived empty in
translations/fr_CA/LC_MESSAGES/messages.po, `make messages` again to compile, commit the .po and the .mo.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# The templates whose every word goes through gettext. The list grows as the rest of the app is translated;
# a template here with a bare word fails test_translated_templates_have_no_bare_text.
TRANSLATED_TEMPLATES = (
    "base.html",
    "partials/_language_switch.html",
    "auth/sign_in.html",
    "auth/forgot_password.html",
    "auth/reset_password.html",
    "auth/two_step.html",
    "auth/setup.html",
    "auth/activate.html",
    "auth/link_problem.html",
    "account/index.html",
    "account/two_step.html",
    "account/recovery_codes.html",
    "email/_layout.html",
    "email/invite_to_bill.html",
    "email/invite_to_bill.txt",
    "portal/home.html",
    "portal/invite.html",
    "portal/claim.html",
    "portal/mute.html",
    "portal/wrong_person.html",
    "claims/partials/_attachments.html",
    "claims/partials/_exports.html",
    "claims/partials/_history.html",
    "claims/partials/_line_errors.html",
    "claims/partials/_line_figures.html",
    "claims/partials/_line_from_percent.html",
    "claims/partials/_line_totals.html",
    "claims/partials/_lines.html",
    "claims/partials/_preview.html",
    "claims/partials/_prompt_payment.html",
    "claims/partials/_release.html",
    "claims/partials/_returned.html",
    "claims/partials/_sign.html",
    "claims/partials/_signature.html",
    "claims/partials/_totals.html",
    "claims/partials/_withdrawn.html",
    "claims/partials/_review.html",
    "email/notice.html",
    "email/notice.txt",
    "email/invite_reminder.html",
    "email/invite_reminder.txt",
    "email/account_activation.html",
    "email/account_activation.txt",
    "email/password_reset.html",
    "email/password_reset.txt",
    # Progress Billings, the contractor's pages (fr-admin)
    "billings/claim.html",
    "billings/claim_new.html",
    "billings/history.html",
    "billings/index.html",
    "billings/partials/_board.html",
    "billings/partials/_count_link.html",
    "billings/partials/_counts.html",
    "billings/partials/_exports.html",
    "billings/partials/_invite_state_counts.html",
    "billings/partials/_keep.html",
    "billings/partials/_list.html",
    "billings/partials/_open_work.html",
    "billings/partials/_page_head.html",
    "billings/partials/_payment_notice.html",
    "billings/partials/_periods.html",
    "billings/partials/_rows_oob.html",
    "billings/partials/_send_bar.html",
    "billings/partials/_tabs.html",
    "billings/partials/_totals.html",
    "billings/partials/_withdraw.html",
    "billings/period_edit.html",
    "billings/release.html",
    "head_contract/claim.html",
    "head_contract/index.html",
    "head_contract/partials/_decided.html",
    "head_contract/partials/_decision.html",
    "head_contract/partials/_line_said.html",
    "head_contract/partials/_position.html",
    "head_contract/partials/_sources.html",
    "head_contract/prefill_confirm.html",
    "partials/_banner.html",
    "partials/_forms.html",
    "partials/_reminder_policy.html",
    "error.html",
    "demo/mail.html",
    "demo/mail_message.html",
    "email/admin_digest.html",
    "email/admin_digest.txt",
    # The setup side (projects, commitments, schedules of values, directory, imports).
    "setup/projects.html",
    "setup/project_form.html",
    "setup/project_home.html",
    "setup/commitments.html",
    "setup/commitment_form.html",
    "setup/team.html",
    "setup/partials/_team_row.html",
    "setup/taxes.html",
    "setup/reminders.html",
    "setup/sov_approve_confirm.html",
    "setup/head_contract_sov.html",
    "setup/head_contract.html",
    "setup/head_contract_form.html",
    "setup/commitment.html",
    "setup/partials/_badges.html",
    "setup/partials/_payment_dates.html",
    "setup/partials/_value.html",
    "setup/partials/_sov.html",
    "setup/partials/_sov_row.html",
    "setup/partials/_sov_lines.html",
    "setup/partials/_sov_totals.html",
    "setup/partials/_sov_add.html",
    "setup/partials/_people.html",
    "directory/vendors.html",
    "directory/settings.html",
    "directory/partials/_tabs.html",
    "directory/partials/_select.html",
    "directory/people.html",
    "directory/partials/_people.html",
    "directory/partials/_person.html",
    "directory/vendor_form.html",
    "directory/person_form.html",
    "imports/index.html",
    "imports/partials/_upload_form.html",
    "imports/partials/_problems.html",
    "imports/preview.html",
    "imports/head_contract_sov.html",
    "imports/head_contract_sov_preview.html",
)
# Attributes a person reads or hears (a screen reader says aria-label and title).
_READ_ATTRIBUTES = re.compile(r"""\b(?:title|alt|placeholder|aria-label|aria-description)\s*=\s*(["'])(.*?)\1""",
                              re.S)


def _msgids(catalog) -> set[str | tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """What `make messages` extracts from the code now, as a catalogue template."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
               "lazy_gettext", "--no-location", "--omit-header", "-o", str(pot), "."]
    subprocess.run(command,  # noqa: S603 - our own interpreter and arguments
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def french():  # type: ignore[no-untyped-def]
    with PO.open("rb") as f:
        return read_po(f, locale="fr_CA")


def test_the_committed_catalogue_is_up_to_date_with_the_code(extracted, french):
    missing = _msgids(extracted) - _msgids(french)
    stale = _msgids(french) - _msgids(extracted)
    assert not missing, f"run `make messages` and translate: {sorted(map(str, missing))[:10]}"
    assert not stale, f"run `make messages`: no longer in the code: {sorted(map(str, stale))[:10]}"


def test_every_string_has_a_french_translation(french):
    untranslated = [m.id for m in french if m.id and (
        not all(m.string) if isinstance(m.string, tuple) else not m.string)]
    fuzzy = [m.id for m in french if m.id and m.fuzzy]
    assert not untranslated, f"translate in {PO.relative_to(ROOT)}: {untranslated[:10]}"
    assert not fuzzy, f"check and unmark the fuzzy translations: {fuzzy[:10]}"


def test_translations_keep_their_placeholders(french):
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in french:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(placeholder.findall(ids[0]))
        for string in strings:
            assert set(placeholder.findall(string)) == expected, (message.id, string)


def test_the_compiled_catalogue_is_the_committed_one(french):
    with MO.open("rb") as f:
        compiled = read_mo(f)
    def pairs(catalog):  # type: ignore[no-untyped-def]
        def plain(value):  # type: ignore[no-untyped-def]
            return tuple(value) if isinstance(value, list | tuple) else value

        # keyed by context too: a commitment's "Approved" (pgettext) is not a claim's
        return {(m.context, plain(m.id)): plain(m.string) for m in catalog if m.id}

    assert pairs(compiled) == pairs(french), \
        "run `make messages` to compile the .po and commit the .mo"


def _environment() -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True, autoescape=True)
    env.policies["ext.i18n.trimmed"] = True
    return env


def _bare_text(source: str) -> list[str]:
    """Words in a template that do not go through gettext: its literal text (outside tags, comments and
    {% trans %}) and the read attributes written as literal text. The template's literal pieces are read in
    order, each {{ }} or {% %} between them a placeholder, so that a tag cut by an expression is still a tag."""
    text = "\x00".join(data.data for data in _environment().parse(source).find_all(nodes.TemplateData))
    found = [value.strip() for _, value in _READ_ATTRIBUTES.findall(text) if re.search(r"[^\W\d_]", value)]
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[#\w]+;", " ", text)
    return found + re.findall(r"[^\W\d_][\w'’.-]*", text)


@pytest.mark.parametrize("name", TRANSLATED_TEMPLATES)
def test_translated_templates_have_no_bare_text(name):
    source = (ROOT / "templates" / name).read_text()
    assert _bare_text(source) == [], f"{name}: wrap these in _() or {{% trans %}}"


def test_the_bare_text_check_finds_bare_text():
    assert _bare_text('<p class="x">Hello {{ name }}</p>') == ["Hello"]
    assert _bare_text('<a title="Open it" href="{{ url }}">{{ _("Open") }}</a>') == ["Open it"]
    assert _bare_text("{% trans %}Hello {{ name }}{% endtrans %} <b>{{ _('x') }}</b>") == []
    assert _bare_text('<input type="hidden" name="next" value="{{ here }}"> &middot;') == []
    assert _bare_text("{{ kind }}: {{ number }}\nBilling period: {{ x }}") == ["Billing", "period"]
