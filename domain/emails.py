"""What each outbox e-mail says. Rendered when it is delivered, from the rows it names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import force_locale, gettext, ngettext

from domain import accounts, locales, statuses, tokens
from domain.dates import day
from domain.locales import locale_for
from domain.mailer import one_line
from domain.models import (
    BillingPeriod,
    ClaimStatus,
    Commitment,
    Company,
    Dictionary,
    Invite,
    InviteStatus,
    OutboxMessage,
    Project,
    Reminder,
    User,
    db,
)
from domain.money import format_money
from domain.periods import period_name
from domain.terms import Terms

if TYPE_CHECKING:
    from domain.models import Claim

INVITE_TO_BILL = "invite_to_bill"
INVITE_ANSWERED = "invite_answered"
CLAIM_SUBMITTED = "claim_submitted"
CLAIM_RETURNED = "claim_returned"
CLAIM_APPROVED = "claim_approved"
CLAIM_WITHDRAWN = "claim_withdrawn"
ACCOUNT_ACTIVATION = "account_activation"
PASSWORD_RESET = "password_reset"  # noqa: S105 - an e-mail kind, not a password
INVITE_REMINDER = "invite_reminder"
ADMIN_DIGEST = "admin_digest"
HEAD_CLAIM_TO_CLIENT = "head_claim_to_client"
HOLDBACK_RELEASED = "holdback_released"
PAYMENT_NOTICE = "payment_notice"  # domain/payment_notices.py


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(message: OutboxMessage) -> Rendered:
    renderer = {
        INVITE_TO_BILL: _invite_to_bill,
        INVITE_ANSWERED: _invite_answered,
        CLAIM_SUBMITTED: _claim_notice,
        CLAIM_RETURNED: _claim_notice,
        CLAIM_APPROVED: _claim_notice,
        CLAIM_WITHDRAWN: _claim_notice,
        ACCOUNT_ACTIVATION: _account_activation,
        PASSWORD_RESET: _password_reset,
        INVITE_REMINDER: _invite_reminder,
        ADMIN_DIGEST: _admin_digest,
        HEAD_CLAIM_TO_CLIENT: _head_claim_to_client,
        HOLDBACK_RELEASED: _claim_notice,
        PAYMENT_NOTICE: _payment_notice,
    }[message.kind]
    # In the recipient's language (issue 18) once an e-mail's words are in the catalogue; the others in
    # English, whatever the language of the request after which they happen to go.
    language = recipient_language(message) if message.kind in TRANSLATED else locales.DEFAULT_LANGUAGE
    with force_locale(locales.CATALOGUES[language]):
        return renderer(message)


# The e-mails whose words are all in the catalogue (translations/): they go in their recipient's language.
# That is every kind: the client of a head contract, who has no account, reads the company's default.
TRANSLATED = frozenset({INVITE_TO_BILL, INVITE_REMINDER, CLAIM_RETURNED, CLAIM_APPROVED, CLAIM_WITHDRAWN,
                        HOLDBACK_RELEASED, PAYMENT_NOTICE, ACCOUNT_ACTIVATION, PASSWORD_RESET, ADMIN_DIGEST,
                        INVITE_ANSWERED, CLAIM_SUBMITTED, HEAD_CLAIM_TO_CLIENT})


def recipient_language(message: OutboxMessage) -> str:
    """The language `message` is read in: its recipient's own, else the own company's default (never the
    language of whoever caused it to be sent), else English."""
    recipient = db.session.get(User, message.to_user_id) if message.to_user_id else None
    return locales.language_for(recipient, _own_company())


def contract_and_month(commitment: Commitment, period: BillingPeriod) -> str:
    """How every subject about one contract's billing ends: "SC-001 for November 2026"."""
    return gettext("%(contract)s for %(month)s", contract=commitment.number, month=period_name(period))


def period_dates(period: BillingPeriod, project: Project) -> str:
    """A billing period's dates as a fact in an e-mail, in the project's locale."""
    locale = locale_for(project)
    return gettext("%(start)s to %(end)s", start=day(period.start_date, full=True, locale=locale),
                   end=day(period.end_date, full=True, locale=locale))


def sender_company_name(company: Company | None) -> str:
    """The contractor, named the same way in every e-mail and on every portal page."""
    return company.name if company else "the contractor"


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


_known_company: ContextVar[tuple[Company | None] | None] = ContextVar("known_company", default=None)


@contextmanager
def rendering_for(company: Company | None) -> Iterator[None]:
    """Render several e-mails with the company read once (the outbox worker's batch), not once each."""
    token = _known_company.set((company,))
    try:
        yield
    finally:
        _known_company.reset(token)


def _own_company() -> Company | None:
    known = _known_company.get()
    return known[0] if known is not None else accounts.own_company()


def _terms() -> tuple[object, Terms]:
    company = _own_company()
    return company, Terms(company.dictionary if company else Dictionary.SPECIALTY)


def _notice(subject: str, recipient: User, heading: str, paragraphs: list[str], facts: list[tuple[str, str]],
            button: tuple[str, str] | None, quote: str = "", links: list[tuple[str, str]] | None = None) -> Rendered:
    company, term = _terms()
    context = {"heading": heading, "recipient": recipient, "paragraphs": paragraphs, "facts": facts,
               "button": button, "quote": quote, "links": links or [], "company": company, "term": term}
    return Rendered(subject=one_line(subject), text=render_template("email/notice.txt", **context),
                    html=render_template("email/notice.html", **context))


def _invite_answered(message: OutboxMessage) -> Rendered:
    invite = db.session.get(Invite, message.invite_id)
    recipient = db.session.get(User, message.to_user_id)
    contact = db.session.get(User, message.actor_id)
    project, commitment, period = invite.commitment.project, invite.commitment, invite.billing_period
    accepted = invite.status.name == "ACCEPTED"
    answer = gettext("Yes, I will bill") if accepted else gettext("No, not this period")
    board = f"{_base_url()}/projects/{project.id}/billings?period={period.id}"
    names = {"project": project.name, "vendor": commitment.vendor.name, "contact": contact.name,
             "contract": contract_and_month(commitment, period)}
    return _notice(
        subject=(gettext("%(project)s: %(vendor)s will bill %(contract)s", **names) if accepted else
                 gettext("%(project)s: %(vendor)s will not bill %(contract)s", **names)),
        recipient=recipient,
        heading=(gettext("%(contact)s accepted the invite to bill", **names) if accepted else
                 gettext("%(contact)s declined the invite to bill", **names)),
        paragraphs=[gettext("%(contact)s of %(vendor)s answered your invite for %(number)s %(title)s: %(answer)s.",
                            contact=contact.name, vendor=commitment.vendor.name, number=commitment.number,
                            title=commitment.title, answer=answer)],
        facts=[(gettext("Billing period"), period_dates(period, project)),
               (gettext("Due date"), day(period.due_date, full=True, locale=locale_for(project)))],
        quote=invite.decline_reason if not accepted else "",
        button=(gettext("Open Progress Billings"), board),
    )


def _claim_parties(message: OutboxMessage, claim) -> tuple:  # type: ignore[no-untyped-def]
    """Who an e-mail about `claim` goes to and who caused it, and the claim's contract, period and project."""
    commitment = claim.commitment
    return (db.session.get(User, message.to_user_id), db.session.get(User, message.actor_id), commitment,
            claim.billing_period, commitment.project)


def _claim_notice(message: OutboxMessage) -> Rendered:
    from domain.models import Claim

    claim = db.session.get(Claim, message.claim_id)
    recipient, actor, commitment, period, project = _claim_parties(message, claim)
    _, term = _terms()
    word = term("claim")
    about = gettext("%(claim)s #%(number)s on %(contract)s", claim=word.lower(), number=claim.number,
                    contract=contract_and_month(commitment, period))
    facts = [(statuses.shown(commitment.kind), f"{commitment.number} {commitment.title}"),
             (gettext("Billing period"), period_dates(period, project)),
             *amount_due_facts(claim, project)]
    if message.kind == CLAIM_SUBMITTED:
        return _notice(
            subject=gettext("%(project)s: %(vendor)s submitted %(about)s", project=project.name,
                            vendor=commitment.vendor.name, about=about),
            recipient=recipient, heading=gettext("%(vendor)s submitted %(claim)s #%(number)s",
                                                 vendor=commitment.vendor.name, claim=word.lower(),
                                                 number=claim.number),
            paragraphs=[gettext("%(name)s submitted it for review.", name=actor.name)], facts=facts,
            button=(gettext("Review it"), f"{_base_url()}/projects/{project.id}/billings/claims/{claim.id}"))
    portal = f"{_base_url()}/portal/claims/{claim.id}"
    if message.kind == HOLDBACK_RELEASED:
        held = term.for_project(project)("retention")
        released = format_money(claim.holdback_release, project.currency.value, locale_for(project))
        return _notice(
            subject=gettext("%(project)s: %(held)s release on %(contract)s to submit", project=project.name,
                            held=held.lower(), contract=contract_and_month(commitment, period)),
            recipient=recipient, heading=gettext("%(held)s released: %(amount)s", held=held, amount=released),
            paragraphs=[gettext("%(actor)s released %(amount)s of the %(held)s held on %(contract)s. %(claim)s "
                                "#%(number)s bills it, with its tax: confirm it, sign and submit it for review.",
                                actor=actor.name, amount=released, held=held.lower(), contract=commitment.number,
                                claim=word, number=claim.number)],
            facts=[*facts[:2], (gettext("%(held)s released", held=held), released),
                   (gettext("Lien period ended or notice published"),
                    day(claim.holdback_release_date, full=True, locale=locale_for(project))),
                   *facts[2:]],
            button=(gettext("Confirm and submit"), portal))
    if message.kind == CLAIM_RETURNED:
        rejected = [line for line in claim.lines if line.review.name == "REJECTED"]
        notes = "\n".join(f"{line.sov_line.cost_code} {line.sov_line.description}: {line.review_comment}"
                          for line in rejected)
        return _notice(
            subject=gettext("%(project)s: please revise %(about)s", project=project.name, about=about),
            recipient=recipient,
            heading=gettext("%(claim)s #%(number)s needs changes", claim=word, number=claim.number),
            paragraphs=[gettext("%(actor)s sent it back for revision. Correct the lines below and submit it again.",
                                actor=actor.name)],
            facts=facts, quote=notes, button=(gettext("Revise and resubmit"), portal))
    if message.kind == CLAIM_WITHDRAWN:
        return _notice(
            subject=gettext("%(project)s: %(about)s is withdrawn", project=project.name, about=about),
            recipient=recipient, heading=gettext("%(claim)s #%(number)s is withdrawn", claim=word, number=claim.number),
            paragraphs=[gettext("%(actor)s withdrew it: it counts for nothing and can no longer change. Your next "
                                "%(claim)s for this contract can start in a later period.", actor=actor.name,
                                claim=word.lower())],
            facts=facts[:2], quote=claim.withdrawal_reason or "", button=(gettext("View it"), portal))
    note = statuses.decision_note(claim)
    status = statuses.shown(claim.status)
    return _notice(
        subject=gettext("%(project)s: %(about)s is %(status)s", project=project.name, about=about, status=status),
        recipient=recipient,
        heading=gettext("%(claim)s #%(number)s is %(status)s", claim=word, number=claim.number, status=status),
        paragraphs=[gettext("%(actor)s approved it, subject to the note below.", actor=actor.name) if note
                    else gettext("%(actor)s approved it.", actor=actor.name)],
        facts=facts, quote=note, button=(gettext("View it"), portal),
        links=[(gettext("Pay application (PDF)"), f"{portal}/pdf")])


@dataclass(frozen=True)
class Addressee:
    """Someone e-mailed who has no account here: the head contract's client contact."""

    name: str


def _head_claim_to_client(message: OutboxMessage) -> Rendered:
    """The head contract claim to the client contact, with its pay application PDF and package attached
    (domain/head_contract.py makes them at delivery). The client has no account: no link to the app."""
    from domain.models import Claim

    claim = db.session.get(Claim, message.claim_id)
    actor = db.session.get(User, message.actor_id)
    head, period = claim.commitment, claim.billing_period
    project = head.project
    company, _ = _terms()
    month = period_name(period)
    from domain.head_contract import package_goes_by_email

    attached = (gettext("The pay application (PDF) and its package (the PDF with the backup) are attached.")
                if package_goes_by_email(claim) else
                gettext("The pay application (PDF) is attached; its backup is too large to e-mail: ask %(name)s "
                        "for it.", name=actor.name))
    return _notice(
        subject=gettext("%(project)s: pay application #%(number)s on %(contract)s for %(month)s",
                        project=project.name, number=claim.number, contract=head.number, month=month),
        recipient=Addressee(head.client_contact_name or head.vendor.name),
        heading=gettext("Pay application #%(number)s for %(month)s", number=claim.number, month=month),
        paragraphs=[gettext("%(name)s of %(company)s sends you pay application #%(number)s on %(contract)s "
                            "%(title)s.", name=actor.name, company=sender_company_name(company),
                            number=claim.number, contract=head.number, title=head.title), attached],
        facts=[(gettext("Contract"), f"{head.number} {head.title}"),
               (gettext("Billing period"), period_dates(period, project)),
               *amount_due_facts(claim, project)],
        button=None)


def _payment_notice(message: OutboxMessage) -> Rendered:
    """A notice of non-payment to the claim's contact, its PDF attached (domain/payment_notices.py)."""
    from domain import claims, payment_notices

    notice = payment_notices.notice_of(message)
    claim = notice.claim
    recipient, actor, commitment, period, project = _claim_parties(message, claim)
    company, term = _terms()
    word = term("claim")
    currency, locale = project.currency.value, locale_for(project)
    return _notice(
        subject=gettext("%(project)s: notice of non-payment on %(claim)s #%(number)s on %(contract)s",
                        project=project.name, claim=word.lower(), number=claim.number,
                        contract=contract_and_month(commitment, period)),
        recipient=recipient,
        heading=gettext("Notice of non-payment on %(claim)s #%(number)s", claim=word.lower(), number=claim.number),
        paragraphs=[gettext("%(actor)s of %(company)s gives notice that part of this %(claim)s is not being paid, "
                            "for the reasons below. The notice (PDF) is attached.", actor=actor.name,
                            company=sender_company_name(company), claim=word.lower())],
        facts=[(statuses.shown(commitment.kind), f"{commitment.number} {commitment.title}"),
               (gettext("Billing period"), period_dates(period, project)),
               (gettext("Amount not being paid"), format_money(notice.amount, currency, locale)),
               (gettext("Amount claimed with tax"), format_money(claims.amount_due_with_tax(claim),
                                                                 currency, locale))],
        quote=notice.reasons, button=(gettext("View it"), f"{_base_url()}/portal/claims/{claim.id}"))


def invite_link(invite: Invite, contact: User, answer: str, address: str) -> str:
    config = current_app.config
    token = tokens.make_invite_token(config["SECRET_KEY"], invite.id, contact.id, address)
    query = urlencode({"token": token, "answer": answer})
    return f"{config['BASE_URL'].rstrip('/')}/portal/invites/{invite.id}?{query}"


def _invite_to_bill(message: OutboxMessage) -> Rendered:
    invite = db.session.get(Invite, message.invite_id)
    contact = db.session.get(User, message.to_user_id)
    sender = db.session.get(User, message.actor_id) if message.actor_id else invite.sent_by
    company = _own_company()
    project = invite.commitment.project
    context = {
        "invite": invite,
        "commitment": invite.commitment,
        "period": invite.billing_period,
        "project": project,
        "contact": contact,
        "sender": sender,
        "company": company,
        "sender_company": sender_company_name(company),
        "term": Terms(company.dictionary if company else Dictionary.SPECIALTY).for_project(project),
        # Bound to the address this message goes to, not to the contact's address of the moment.
        "yes_url": invite_link(invite, contact, "yes", message.to_address),
        "no_url": invite_link(invite, contact, "no", message.to_address),
    }
    subject = one_line(gettext("%(project)s: invite to bill %(contract)s for %(month)s", project=project.name,
                               contract=invite.commitment.number, month=period_name(invite.billing_period)))
    return Rendered(
        subject=subject,
        text=render_template("email/invite_to_bill.txt", **context),
        html=render_template("email/invite_to_bill.html", **context),
    )


def activation_link(user: User, address: str) -> str:
    config = current_app.config
    token = tokens.make_activation_token(config["SECRET_KEY"], user.id, address)
    return f"{_base_url()}/activate?{urlencode({'token': token})}"


def _account_activation(message: OutboxMessage) -> Rendered:
    user = db.session.get(User, message.to_user_id)
    added_by = db.session.get(User, message.actor_id) if message.actor_id else None
    company, term = _terms()
    context = {
        "user": user,
        "added_by": added_by,
        "company": company,
        "term": term,
        "address": message.to_address,
        # Bound to the address this message goes to, not to the user's address of the moment.
        "activate_url": activation_link(user, message.to_address),
    }
    who = added_by.name if added_by else (company.name if company else gettext("Your contractor"))
    subject = one_line(gettext("%(who)s has set up your %(tool)s account", who=who, tool=term("tool")))
    return Rendered(
        subject=subject,
        text=render_template("email/account_activation.txt", **context),
        html=render_template("email/account_activation.html", **context),
    )


def password_reset_link(user: User, address: str) -> str:
    config = current_app.config
    token = tokens.make_password_reset_token(config["SECRET_KEY"], user.id, address, user.password_hash,
                                             user.session_version)
    return f"{_base_url()}/reset-password?{urlencode({'token': token})}"


def _password_reset(message: OutboxMessage) -> Rendered:
    user = db.session.get(User, message.to_user_id)
    sent_by = db.session.get(User, message.actor_id) if message.actor_id else None
    company, term = _terms()
    context = {
        "user": user,
        "sent_by": sent_by,
        "company": company,
        "term": term,
        "address": message.to_address,
        "minutes": int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60,
        # Made now, over the password of this moment: once it is reset, this link stops working.
        "reset_url": password_reset_link(user, message.to_address),
    }
    subject = (gettext("%(name)s sent you a link to choose a new %(tool)s password", name=sent_by.name,
                       tool=term("tool")) if sent_by
               else gettext("Choose a new %(tool)s password", tool=term("tool")))
    return Rendered(
        subject=one_line(subject),
        text=render_template("email/password_reset.txt", **context),
        html=render_template("email/password_reset.html", **context),
    )


def mute_link(invite: Invite, contact: User, address: str) -> str:
    config = current_app.config
    token = tokens.make_mute_token(config["SECRET_KEY"], invite.id, contact.id, address)
    return f"{_base_url()}/portal/reminders/mute/{token}"


def reminder_of(message: OutboxMessage) -> Reminder:
    """The reminder an e-mail belongs to, named by its dedupe key `reminder:<id>:to:<user id>`."""
    return db.session.get(Reminder, int(message.dedupe_key.split(":")[1]))


def days_word(n: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", n)


def _invite_reminder(message: OutboxMessage) -> Rendered:
    """How near the due date is (or how late the claim is) counts from the reminder's day, the project's local
    date it was queued for; what to do next from the invite and the claim as they are when it is sent."""
    from domain import reminders
    from domain.claims import invite_claim

    reminder = reminder_of(message)
    invite = db.session.get(Invite, message.invite_id)
    contact = db.session.get(User, message.to_user_id)
    company, term = _terms()
    commitment, period = invite.commitment, invite.billing_period
    project = commitment.project
    claim = invite_claim(invite)
    word = term("claim").lower()
    left = (period.due_date - reminder.day).days
    contract = commitment.number
    if left > 0:
        when = gettext("%(days)s left", days=days_word(left))
        heading = gettext("%(days)s left to bill %(contract)s", days=days_word(left), contract=contract)
    elif left == 0:
        when = gettext("due today")
        heading = gettext("Your %(claim)s for %(contract)s is due today", claim=word, contract=contract)
    else:
        when = gettext("%(days)s late", days=days_word(-left))
        heading = gettext("Your %(claim)s for %(contract)s is %(days)s late", claim=word, contract=contract,
                          days=days_word(-left))
    portal_claim = f"{_base_url()}/portal/claims/{claim.id}" if claim is not None else ""
    # Past the due date the portal starts no claim (domain/portal.accept): the sender creates it on request.
    ask_sender = gettext("The due date has passed, so the %(claim)s can no longer be started in the portal: ask "
                         "%(name)s (%(email)s) to create it for you.", claim=word, name=invite.sent_by.name,
                         email=invite.sent_by.email)
    if invite.status is InviteStatus.INVITED:
        expected = gettext("Please answer the invite: will you submit a %(claim)s for %(month)s?", claim=word,
                           month=period_name(period))
        if left < 0 and claim is None:
            expected += " " + ask_sender + " " + gettext("If you will not bill, answer No, not this period.")
        button = (gettext("Answer the invite"), invite_link(invite, contact, "", message.to_address))
    elif claim is None:
        expected = (ask_sender if left < 0 else
                    gettext("You accepted the invite: start your %(claim)s, fill it in and submit it.", claim=word))
        button = (gettext("Open the invite") if left < 0 else gettext("Start your %(claim)s", claim=word),
                  invite_link(invite, contact, "", message.to_address))
    elif claim.status is ClaimStatus.REVISE_AND_RESUBMIT:
        expected = gettext("Your %(claim)s #%(number)s was sent back for revision: correct it and submit it again.",
                           claim=word, number=claim.number)
        button = (gettext("Revise and resubmit"), portal_claim)
    elif claim.status is ClaimStatus.DRAFT:
        expected = gettext("Your %(claim)s #%(number)s is a Draft: finish it and submit it.", claim=word,
                           number=claim.number)
        button = (gettext("Finish your %(claim)s", claim=word), portal_claim)
    else:  # submitted (or withdrawn) after this reminder was queued: nothing is asked any more
        expected = gettext("Your %(claim)s #%(number)s is %(status)s now: nothing more is needed.", claim=word,
                           number=claim.number, status=statuses.shown(claim.status))
        button = (gettext("View your %(claim)s", claim=word), portal_claim)
    policy = reminders.effective_policy(project, company)
    context = {
        "contact": contact, "invite": invite, "commitment": commitment, "period": period, "project": project,
        "company": company, "term": term, "sender_company": sender_company_name(company), "when": when,
        "heading": heading, "expected": expected, "button": button, "message": policy.message,
        "late": left < 0, "mute_url": mute_link(invite, contact, message.to_address),
        "mute_days": int(current_app.config["REMINDER_MUTE_MAX_AGE"]) // 86400,
    }
    subject = (gettext("%(project)s: reminder, %(when)s to bill %(contract)s", project=project.name, when=when,
                       contract=contract_and_month(commitment, period)) if left > 0
               else gettext("%(project)s: reminder, %(claim)s %(when)s for %(contract)s", project=project.name,
                            claim=word, when=when, contract=contract_and_month(commitment, period)))
    return Rendered(subject=one_line(subject), text=render_template("email/invite_reminder.txt", **context),
                    html=render_template("email/invite_reminder.html", **context))


def _admin_digest(message: OutboxMessage) -> Rendered:
    """What waits for one admin on their projects as the e-mail is sent (the digest is a summary of the
    moment, not a record): recomputed at delivery."""
    from domain import reminders

    admin = db.session.get(User, message.to_user_id)
    company, term = _terms()
    digests = reminders.digest_for(admin)
    counts = [(len(d.to_review), len(d.unanswered), len(d.overdue)) for d in digests]
    review, unanswered, overdue = (sum(c[i] for c in counts) for i in range(3))
    parts = [gettext("%(count)s to review", count=review) if review else "",
             gettext("%(count)s unanswered", count=unanswered) if unanswered else "",
             gettext("%(count)s late", count=overdue) if overdue else ""]
    summary = ", ".join(p for p in parts if p) or gettext("periods due this week")
    context = {"admin": admin, "digests": digests, "company": company, "term": term, "base": _base_url(),
               "account_url": f"{_base_url()}/account"}
    return Rendered(subject=one_line(gettext("%(tool)s this week: %(summary)s", tool=term("tool"), summary=summary)),
                    text=render_template("email/admin_digest.txt", **context),
                    html=render_template("email/admin_digest.html", **context))


def amount_due_facts(claim: Claim, project: Project) -> list[tuple[str, str]]:
    """Line 8, and with sales tax on it, each tax by name and rate and the amount due with tax, as the claim
    page shows them."""
    from domain.claims import amount_due_with_tax, contract  # claims imports this module
    from domain.g702 import tax_figures
    from domain.sales_taxes import tax_label

    currency, locale = project.currency.value, locale_for(project)
    if not claim.sales_tax:
        return [(gettext("Current amount due"), format_money(claim.current_amount_due, currency, locale))]
    return [(gettext("Current amount due before tax"), format_money(claim.current_amount_due, currency, locale)),
            *((tax_label(tax), format_money(tax.amount, currency, locale))
              for tax in tax_figures(claim.current_amount_due, contract(claim).taxes)),
            (gettext("Current amount due"), format_money(amount_due_with_tax(claim), currency, locale))]
