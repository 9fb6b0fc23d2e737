from __future__ import annotations

from flask_babel import gettext
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from blueprints.forms import CONTROL_CHARACTERS_MESSAGE, AppForm, DayField, reason_field
from blueprints.forms import lazy_gettext as _l
from blueprints.setup.forms import MoneyField
from domain import claims, payment_notices
from domain.models import Claim, ClaimStatus, LineReview


def _date(label: str, required: str) -> DayField:
    return DayField(label, validators=[InputRequired(required)], render_kw={"type": "date"})


class PeriodForm(AppForm):
    start_date = _date(_l("Start date"), _l("Enter the start date."))
    end_date = _date(_l("End date"), _l("Enter the end date."))
    due_date = _date(_l("Due date"), _l("Enter the due date."))
    # Sent by the second step only: the admin has seen what is still open in the period it closes.
    confirm = BooleanField(default=False)

    @property
    def confirmed(self) -> bool:
        return bool(self.confirm.data)


class RuleForm(AppForm):
    auto_periods = BooleanField(_l("Open a new period every month automatically"))
    period_start_day = IntegerField(
        _l("Start day"), validators=[InputRequired(_l("Enter a day from 1 to 28.")),
                                     NumberRange(1, 28, _l("Enter a day from 1 to 28."))])
    period_end_day = IntegerField(
        _l("End day"), validators=[Optional(), NumberRange(1, 31, _l("Enter a day from 1 to 31, or leave it empty."))],
        description=_l("Empty: the last day of the month."))
    period_due_day = IntegerField(
        _l("Due day"), validators=[InputRequired(_l("Enter a day from 1 to 31.")),
                                   NumberRange(1, 31, _l("Enter a day from 1 to 31."))])


# --- a progress claim: its lines as typed, and the review of them ------------------------------------
#
# Both forms have a field per line, named after the line's id as the templates write it, so each is
# built for one claim. They only read what was sent; claims.save_entries and claims.review decide.

LINE_FIELDS = {"this_period": "this_period", "percent_to_date": "percent", "stored": "stored"}


class ClaimLinesForm(AppForm):
    """The claim form (the portal's and the admin's are one): line-<SOV line id>-this_period, -percent, -stored,
    and the signed statement that goes with Submit."""

    class Meta:
        csrf = False  # CSRFProtect checks every POST already; this form only reads the lines

    action = StringField(default="")
    certify = BooleanField(_l("I confirm this statement"))
    signed_name = StringField(_l("Your full name, as your signature"),
                              render_kw={"maxlength": claims.MAX_SIGNED_NAME, "autocomplete": "name"})

    @classmethod
    def for_claim(cls, claim: Claim) -> ClaimLinesForm:
        fields = {f"line-{s.id}-{name}": StringField(default="")
                  for s in claim.commitment.sov_lines for name in LINE_FIELDS.values()}
        form = type(cls.__name__, (cls,), fields)()
        form.claim = claim
        return form

    @property
    def submit(self) -> bool:
        return self.action.data == "submit"

    def signature(self) -> claims.Signature:
        cleaned = getattr(self.signed_name, "control_characters_removed", False)
        return claims.Signature(confirmed=bool(self.certify.data), name=self.signed_name.data or "",
                                name_problem=gettext(CONTROL_CHARACTERS_MESSAGE) if cleaned else "")

    def entries(self) -> list[claims.LineEntry]:
        return [claims.LineEntry(sov_line_id=s.id, **{entry: self[f"line-{s.id}-{name}"].data or ""
                                                      for entry, name in LINE_FIELDS.items()})
                for s in self.claim.commitment.sov_lines]


REVIEW_TARGETS = {
    "approve": ClaimStatus.APPROVED,
    "approve_as_noted": ClaimStatus.APPROVED_AS_NOTED,
    "pending_owner": ClaimStatus.PENDING_OWNER_APPROVAL,
    "send_back": ClaimStatus.REVISE_AND_RESUBMIT,
}


class ReviewForm(AppForm):
    """The review of a submitted claim: the action, a note on the claim, and per claim line review-<id> and
    comment-<id>. Each comment box starts empty: a comment belongs to the decision it is sent with."""

    class Meta:
        csrf = False  # CSRFProtect checks every POST already

    action = StringField(default="")
    note = TextAreaField(_l("Note"), default="", description=_l("Needed to approve as noted: what the approval is "
                         "subject to. The contact sees it in the history."))

    @classmethod
    def for_claim(cls, claim: Claim) -> ReviewForm:
        fields: dict[str, StringField] = {}
        for line in claim.lines:
            fields[f"review-{line.id}"] = StringField(default=LineReview.PENDING.name)
            fields[f"comment-{line.id}"] = StringField(default="")
        form = type(cls.__name__, (cls,), fields)()
        form.claim = claim
        return form

    @property
    def target(self) -> ClaimStatus | None:
        """The status asked for; None for an action that is not one of the buttons."""
        return REVIEW_TARGETS.get(self.action.data or "")

    def decisions(self) -> list[claims.LineDecision]:
        """A decision per line; an unknown decision counts as not reviewed yet (Pending)."""
        return [claims.LineDecision(
                    line_id=line.id,
                    decision=LineReview.__members__.get(self[f"review-{line.id}"].data or "", LineReview.PENDING),
                    comment=self[f"comment-{line.id}"].data or "")
                for line in self.claim.lines]


class WithdrawForm(AppForm):
    """Withdraw a claim: the reason is required, and the contact reads it."""

    reason = reason_field(_l("Reason"), claims.MAX_WITHDRAWAL_REASON, _l(claims.WITHDRAWAL_REASON_TOO_LONG),
                          required=_l(claims.NO_WITHDRAWAL_REASON),
                          description=_l("E-mailed to the contact and kept in the claim's history."))

class ReleaseForm(AppForm):
    """Release a commitment's retention (holdback): how much, and the day the lien period ended or the release
    notice was published."""

    # A negative amount gets the service's "above zero", as zero does: "zero or more" would invite a zero.
    amount = MoneyField(_l("Amount to release"), required=_l("Enter the amount to release."), allow_negative=True)
    released_on = _date(_l("Release date"), _l("Enter the release date."))


class PaymentNoticeForm(AppForm):
    """A notice of non-payment from a submitted claim: how much is not being paid, and why."""

    amount = MoneyField(_l("Amount not being paid"), required=_l(payment_notices.NO_AMOUNT), allow_negative=True,
                        description=_l("At most the claim's amount due with tax."))
    reasons = reason_field(_l("Reasons"), payment_notices.MAX_REASONS,
                           _l(payment_notices.REASONS_TOO_LONG, count=payment_notices.MAX_REASONS),
                           required=_l(payment_notices.NO_REASONS),
                           description=_l("The subcontractor reads them: the notice is e-mailed with its PDF and "
                                          "kept in the history."))
