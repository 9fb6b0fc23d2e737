"""The words of the models' states as Progress Billings pages show them, marked for the catalogue: the pages
translate them at display (`_(status.value)`), the stored values and domain/statuses.py stay English."""

from __future__ import annotations

from domain.locales import N_

CLAIM_STATUS_WORDS = (N_("Draft"), N_("Under Review"), N_("Revise and Resubmit"), N_("Pending Owner Approval"),
                      N_("Approved as Noted"), N_("Approved"), N_("Withdrawn"), N_("Submitted to client"))
INVITE_STATUS_WORDS = (N_("Not Invited"), N_("Invited"), N_("Accepted"), N_("Declined"))
PERIOD_STATUS_WORDS = (N_("Open"), N_("Closed"))
COMMITMENT_STATUS_WORDS = (N_("Draft"), N_("Out for Signature"), N_("Approved"), N_("Complete"), N_("Terminated"),
                           N_("Void"))
SORT_ORDER_WORDS = (N_("ascending"), N_("descending"), N_("none"))  # Board.aria_sort, read to a screen reader
ACCESS_WORDS = (N_("None"), N_("Read Only"), N_("Standard"), N_("Admin"))  # AccessLevel.label, "Your access"
# Messages of domain modules these pages show through gettext (forms.py), in the words the modules write
FORM_MESSAGES = (N_("Say why the claim is withdrawn: the contact reads it."), N_("Enter the amount not being paid."),
                 N_("Say why this amount is not being paid."))
