"""The point-of-view dictionary (SPEC §1): every trade word a person sees comes from here."""

from __future__ import annotations

from flask_babel import gettext

from domain.locales import DEFAULT_LANGUAGE, N_, current_language
from domain.models import Country, Dictionary, Project

TERMS: dict[Dictionary, dict[str, str]] = {
    Dictionary.SPECIALTY: {
        "tool": N_("Progress Billings"),
        "claim": N_("Progress Claim"),
        "claim_contact": N_("Progress Claim Contact"),
        "head_contract": N_("Head Contract"),
        "retention": N_("Retention"),
        "subcontractor_tab": N_("Subcontractor"),
    },
    Dictionary.GENERAL: {
        "tool": N_("Invoicing"),
        "claim": N_("Subcontractor Invoice"),
        "claim_contact": N_("Invoice Contact"),
        "head_contract": N_("Prime Contract"),
        "retention": N_("Retainage"),
        "subcontractor_tab": N_("Subcontractor"),
    },
    Dictionary.OWNER: {
        "tool": N_("Invoicing"),
        "claim": N_("Invoice"),
        "claim_contact": N_("Invoice Contact"),
        "head_contract": N_("Funding"),
        "retention": N_("Retainage"),
        "subcontractor_tab": N_("Contractor"),
    },
}


# Words a project's country puts over the dictionary's: in Canada the money kept back from each claim is the
# statutory "holdback" (Ontario's Construction Act s.22 and the other provinces' lien acts), whatever the dictionary.
COUNTRY_WORDS: dict[Country, dict[str, str]] = {
    Country.CA: {"retention": N_("Holdback")},
}


# The plurals Terms writes (English's rule below), for the catalogue: French plurals are not English's.
PLURALS = (N_("Progress Claims"), N_("Progress Claim Contacts"), N_("Head Contracts"), N_("Retentions"),
           N_("Subcontractors"), N_("Subcontractor Invoices"), N_("Invoice Contacts"), N_("Prime Contracts"),
           N_("Retainages"), N_("Invoices"), N_("Fundings"), N_("Contractors"), N_("Holdbacks"))


class Terms:
    """`term("claim")`, or `term("claim", plural=True)`, in the chosen dictionary (and the words of the
    project's country, see `for_project`)."""

    def __init__(self, dictionary: Dictionary, country: Country | None = None) -> None:
        self.dictionary = dictionary
        self.country = country
        self._words = {**TERMS[dictionary], **COUNTRY_WORDS.get(country, {})} if country else TERMS[dictionary]
        self._by_country: dict[Country | None, Terms] = {country: self}
        # The words of the language being written when these terms were made (a request's, an e-mail's).
        self.language = current_language()

    def for_project(self, project: Project | None) -> Terms:
        """These words as a page, e-mail or document about `project` uses them (None: about no project)."""
        country = project.country if project is not None else None
        if country not in self._by_country:
            self._by_country[country] = Terms(self.dictionary, country)
        return self._by_country[country]

    def __call__(self, key: str, plural: bool = False) -> str:
        word = self._words[key]  # an unknown key is a bug: fail loudly
        if plural:
            word = word[:-1] + "ies" if word.endswith("y") else word + "s"
        return word if self.language == DEFAULT_LANGUAGE else gettext(word)

    def lower(self, key: str, plural: bool = False) -> str:
        return self(key, plural).lower()

    def previous_claims(self, head_contract: bool) -> str:
        """What line 7 of a claim subtracts: the earlier claims of its kind ("progress claims", or for the
        head contract the contractor's own "claims to the client")."""
        return "claims to the client" if head_contract else self.lower("claim", plural=True)
