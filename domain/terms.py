"""The point-of-view dictionary (SPEC §1): every trade word a person sees comes from here."""

from domain.models import Dictionary

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


class Terms:
    """`term("claim")`, or `term("claim", plural=True)`, in the chosen dictionary."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self._words = TERMS[dictionary]

    def __call__(self, key: str, plural: bool = False) -> str:
        word = self._words[key]  # an unknown key is a bug: fail loudly
        if plural:
            return word[:-1] + "ies" if word.endswith("y") else word + "s"
        return word

    def lower(self, key: str, plural: bool = False) -> str:
        return self(key, plural).lower()
