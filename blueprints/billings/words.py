"""Words the Progress Billings pages show that no module of their own marks for the catalogue (status words are
in domain/statuses.WORDS, shown with the `status` filter)."""

from __future__ import annotations

from domain.locales import N_

SORT_ORDER_WORDS = (N_("ascending"), N_("descending"), N_("none"))  # Board.aria_sort, read to a screen reader
ACCESS_WORDS = (N_("None"), N_("Read Only"), N_("Standard"), N_("Admin"))  # AccessLevel.label, "Your access"
# Messages of domain modules these pages show through gettext (forms.py), in the words the modules write
FORM_MESSAGES = (N_("Say why the claim is withdrawn: the contact reads it."), N_("Enter the amount not being paid."),
                 N_("Say why this amount is not being paid."))
