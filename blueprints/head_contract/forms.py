"""The head contract claim's own forms: the client's decision. The lines are the claim form of every claim
(blueprints/billings/forms.py's ClaimLinesForm); prefill's answers are read in routes.py."""

from __future__ import annotations

from decimal import Decimal

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from blueprints.forms import AppForm, DayField
from blueprints.forms import lazy_gettext as _l
from blueprints.setup.forms import choice
from domain.head_contract import NOTE_MAX
from domain.models import ClaimStatus
from domain.money import parse_money
from domain.statuses import CLIENT_DECISIONS, status_words


class DecisionForm(AppForm):
    """What the client decided on a claim Submitted to client, as the admin records it. Only reads what was
    sent: head_contract.record_client_decision decides."""

    # the statuses' words are in the catalogue (domain/statuses.WORDS), translated when shown
    decision = SelectField(_l("Client's decision"), choices=[choice(s.name, _l(status_words(s, head_contract=True)))
                                                             for s in CLIENT_DECISIONS], validate_choice=False)
    decided_on = DayField(_l("Date of the decision"), validators=[Optional()], render_kw={"type": "date"})
    approved_amount = StringField(_l("Amount approved"), description=_l("To approve: at most the current amount due."),
                                  render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = TextAreaField(_l("Note"), description=_l("Needed to approve as noted: what the approval is subject to."),
                         render_kw={"rows": 2, "maxlength": NOTE_MAX})

    def status(self) -> ClaimStatus | None:
        """The decision chosen; None for anything that is not one of the choices."""
        status = ClaimStatus.__members__.get(self.decision.data or "")
        return status if status in CLIENT_DECISIONS else None

    def amount(self) -> Decimal | None:
        """The amount typed (None when empty); ValueError with the message when it is not money."""
        typed = (self.approved_amount.data or "").strip()
        return parse_money(typed) if typed else None
