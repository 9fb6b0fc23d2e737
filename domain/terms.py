"""The point-of-view dictionary (SPEC §1): every trade word a person sees comes from here."""

from __future__ import annotations

from domain.models import Country, Dictionary, Project

TERMS: dict[Dictionary, dict[str, str]] = {
    Dictionary.SPECIALTY: {
        "tool": "Progress Billings",
        "claim": "Progress Claim",
        "claim_contact": "Progress Claim Contact",
        "head_contract": "Head Contract",
        "retention": "Retention",
        "subcontractor_tab": "Subcontractor",
    },
    Dictionary.GENERAL: {
        "tool": "Invoicing",
        "claim": "Subcontractor Invoice",
        "claim_contact": "Invoice Contact",
        "head_contract": "Prime Contract",
        "retention": "Retainage",
        "subcontractor_tab": "Subcontractor",
    },
    Dictionary.OWNER: {
        "tool": "Invoicing",
        "claim": "Invoice",
        "claim_contact": "Invoice Contact",
        "head_contract": "Funding",
        "retention": "Retainage",
        "subcontractor_tab": "Contractor",
    },
}


# Words a project's country puts over the dictionary's: in Canada the money kept back from each claim is the
# statutory "holdback" (Ontario's Construction Act s.22 and the other provinces' lien acts), whatever the dictionary.
COUNTRY_WORDS: dict[Country, dict[str, str]] = {
    Country.CA: {"retention": "Holdback"},
}


class Terms:
    """`term("claim")`, or `term("claim", plural=True)`, in the chosen dictionary (and the words of the
    project's country, see `for_project`)."""

    def __init__(self, dictionary: Dictionary, country: Country | None = None) -> None:
        self.dictionary = dictionary
        self.country = country
        self._words = {**TERMS[dictionary], **COUNTRY_WORDS.get(country, {})} if country else TERMS[dictionary]
        self._by_country: dict[Country | None, Terms] = {country: self}

    def for_project(self, project: Project | None) -> Terms:
        """These words as a page, e-mail or document about `project` uses them (None: about no project)."""
        country = project.country if project is not None else None
        if country not in self._by_country:
            self._by_country[country] = Terms(self.dictionary, country)
        return self._by_country[country]

    def __call__(self, key: str, plural: bool = False) -> str:
        word = self._words[key]  # an unknown key is a bug: fail loudly
        if plural:
            return word[:-1] + "ies" if word.endswith("y") else word + "s"
        return word

    def lower(self, key: str, plural: bool = False) -> str:
        return self(key, plural).lower()

    def previous_claims(self, head_contract: bool) -> str:
        """What line 7 of a claim subtracts: the earlier claims of its kind ("progress claims", or for the
        head contract the contractor's own "claims to the client")."""
        return "claims to the client" if head_contract else self.lower("claim", plural=True)
