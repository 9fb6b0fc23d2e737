"""The board's rows as HTML: the one place a row is written, for the list and for the htmx answers
(Send Invites, Resend, Remind now), so that they never differ.

Written in Python rather than in a Jinja template: a 1,000-row page is some 20,000 values, and Jinja's
work per value (attribute look-ups, escaping through Markup, a filter call for each amount) was most of
the page's time. Here every value a person or a vendor typed goes through `escaped` exactly once, money
through domain/money (`format_money_in`), dates through templating.day in the project's time zone and locale; the
links are patterns made with url_for once per answer. A row's look is in app.css (`.board`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import urlencode

from flask import g, url_for
from flask_babel import gettext
from markupsafe import Markup

from domain.board import Board, Reason, Row, reason_text
from domain.locales import N_
from domain.models import ClaimStatus, InviteStatus, Project
from domain.money import format_money_in
from domain.reminders import why_row_not_reminded
from domain.statuses import shown
from domain.terms import Terms
from templating import current_terms, day, locale_of, time_zone_of

TO_REVIEW = frozenset({ClaimStatus.UNDER_REVIEW, ClaimStatus.PENDING_OWNER_APPROVAL})
_GREYED = ' class="table-light"'  # a row that cannot be invited
_ID, _SECOND = 9876543210, 9876543211  # stand-ins for the ids in the link patterns, taken out again below


def escaped(value: str) -> str:
    """A value as HTML text or attribute value: markupsafe.escape's five replacements (its own pure-Python
    version), without building a Markup object for each of a page's thousands of values."""
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def _pattern(url: str) -> str:
    """A url_for result as a str.format pattern, escaped for an attribute ({0}, {1}: the ids)."""
    return escaped(url).replace(str(_ID), "{0}").replace(str(_SECOND), "{1}")


class RowWriter:
    """Writes the rows of one board for one person; made once per answer (`row_writer`)."""

    def __init__(self, project: Project, board: Board, can_admin: bool, term: Terms) -> None:
        period_id = board.period.id if board.period else None
        self.can_admin = can_admin
        self.can_pick = can_admin and board.can_send
        self.term = term
        self.held_word = escaped(term("retention"))
        self.locale = locale_of(project)
        self.money = format_money_in(project.currency.value, self.locale)
        self.time_zone = time_zone_of(project)
        self.history = _pattern(url_for("billings.invite_history", project_id=project.id, invite_id=_ID))
        self.resend = _pattern(url_for("billings.resend_invite", project_id=project.id, commitment_id=_ID,
                                       seen=_SECOND, period=period_id, status=board.status_filter))
        self.claim = _pattern(url_for("billings.claim", project_id=project.id, claim_id=_ID))
        # the current period, the only one whose rows offer it: the confirm step names it
        self.create = _pattern(url_for("billings.create_claim", project_id=project.id, commitment=_ID))
        self._reasons: dict[object, str] = {}  # fixed wordings, escaped once per answer
        # The words, in the language being written, translated and escaped once per answer (never per row);
        # the patterns are %-formatted with values escaped already.
        w = {key: escaped(gettext(text)) for key, text in _WORDS.items()}
        w["to_review"] = f" {w['to_review']}"
        self.w = w
        self.private = (f' <span class="badge st-private" title="{w["private_title"]}">{w["private"]}</span>')
        self.statuses = {s: escaped(shown(s)) for s in ClaimStatus}
        self.invite_labels: dict[str, str] = {}
        self.percent = _french_percent if self.locale.startswith("fr") else _percent

    def rows(self, rows: Iterable[Row]) -> Markup:
        return Markup("".join(map(self.row, rows)))  # noqa: S704 - every value is escaped in row()

    def row(self, row: Row) -> str:
        """One `<tr>`: each cell from the row's values, each value escaped here."""
        c, invite, claim, reasons = row.commitment, row.invite, row.claim, row.reasons
        cid, number, title = c.id, escaped(c.number), escaped(c.title)
        vendor = escaped(c.vendor.name)
        pick = self.can_pick and invite is None and not reasons  # row.selectable, without the property call
        # an invited row is ticked for Remind now instead, when its contacts may be reminded
        remind = self.can_pick and invite is not None and why_row_not_reminded(row) is None
        parts = [f'<tr id="row-{cid}" data-commitment="{number}"{_GREYED if reasons and invite is None else ""}>\n']
        if self.can_pick:
            w, named = self.w, {"number": number, "title": title}
            parts.append(f'<td><input type="checkbox" name="commitment_ids" value="{cid}" id="pick-{cid}" '
                         f'aria-label="{w["invite_aria"] % named}"></td>\n' if pick else
                         f'<td><input type="checkbox" name="remind_ids" value="{cid}" id="pick-{cid}" '
                         f'aria-label="{w["remind_aria"] % named}"></td>\n' if remind else
                         f'<td><input type="checkbox" disabled aria-label="{w["disabled_aria"] % named}"></td>\n')
        contacts = row.contacts
        names = [escaped(u.name) for u in contacts]  # each name escaped once, for both cells
        joined = f" · {', '.join(names)}" if names else ""
        label_for = f' for="pick-{cid}"' if pick or remind else ""
        parts.append(f'<td><label{label_for}><code>{number}</code>'
                     f'{self.private if c.is_private else ""}<b>{title}</b><small>{vendor}{joined}</small></label></td>'
                     f'\n<td>{vendor}</td>\n<td>{self._contacts(contacts, names)}</td>\n'
                     f'<td>{self._invite(row) if invite is not None else self._not_invited(row)}</td>\n'
                     f'<td>{self._claim(row)}</td>\n'
                     f'<td>{self.money(row.amount_due) if claim is not None else "–"}</td>\n'
                     f'<td><div class="pct"><progress value="{row.bar_fraction}" '
                     f'aria-label="{self.w["complete_aria"] % {"number": number}}">'
                     f'</progress>{self.percent(row.percent_complete)}</div><small>'
                     f'{self.w["of"] % {"part": self.money(row.to_date), "whole": self.money(row.scheduled_value)}}'
                     f'</small>'
                     f'{self._held(row.retention_held) if row.retention_held else ""}</td>\n</tr>\n')
        return "".join(parts)

    def _held(self, held: Decimal) -> str:
        return f'<small data-held>{self.w["held"] % {"held": self.held_word, "amount": self.money(held)}}</small>'

    def _invite(self, row: Row) -> str:
        invite = row.invite
        assert invite is not None
        key = row.invite_key
        label = self.invite_labels.get(key)
        if label is None:
            label = self.invite_labels[key] = escaped(gettext(row.invite_label))
        text = [f'<span class="badge st-{key}" data-invite-status>{label}</span>\n']
        if invite.status is InviteStatus.DECLINED and invite.decline_reason:
            text.append(f'<small class="reason" data-decline-reason>“{escaped(invite.decline_reason)}”</small>')
        sent = self.w["sent_by"] % {"name": escaped(row.sender_name),
                                    "day": day(invite.first_sent_at, self.time_zone, self.locale)}
        if invite.send_count > 1:
            sent += self.w["sent_times"] % {"count": invite.send_count,
                                            "day": day(invite.last_sent_at, self.time_zone, self.locale)}
        text.append(f"<small>{sent}</small>\n")
        if invite.last_reminded_at is not None:
            reminded = day(invite.last_reminded_at, self.time_zone, self.locale)
            text.append(f"<small data-last-reminder>{self.w['last_reminder'] % {'day': reminded}}</small>\n")
        if invite.reminders_muted_at is not None:
            text.append(f"<small data-reminders-muted>{self.w['muted']}</small>\n")
        if row.mail_failing:
            text.append(f'<small class="text-danger">{self.w["mail_failing"]}</small>')
        elif row.mail_queued:
            text.append(f"<small>{self.w['mail_queued']}</small>")
        text.append(f'<small><a href="{self.history.format(invite.id)}">{self.w["history"]}</a>\n')
        if self.can_pick and invite.status is InviteStatus.INVITED:
            resend = self.resend.format(row.commitment.id, invite.send_count)
            text.append(f'· <button type="submit" class="btn btn-link btn-sm p-0 align-baseline" formaction="{resend}" '
                        f'formnovalidate hx-post="{resend}" hx-target="#row-{row.commitment.id}" '
                        f'hx-swap="outerHTML">{self.w["resend"]}</button>\n')
        text.append("</small>\n")
        return "".join(text)

    def _not_invited(self, row: Row) -> str:
        badge = f'<span class="badge st-not_invited" data-invite-status>{self.w["not_invited"]}</span>'
        if not row.reasons:
            return badge
        return f'{badge}<small class="reason">{"; ".join(self._reason(r, row) for r in row.reasons)}</small>'

    def _reason(self, reason: object, row: Row) -> str:
        if reason is Reason.NOT_APPROVED or not isinstance(reason, Reason):  # worded with the row's own facts
            return escaped(reason_text(reason, row.commitment, self.term))  # type: ignore[arg-type]
        if reason not in self._reasons:
            self._reasons[reason] = escaped(reason_text(reason, row.commitment, self.term))
        return self._reasons[reason]

    def _claim(self, row: Row) -> str:
        claim = row.claim
        if claim is not None:
            status = claim.status
            to_review = self.w["to_review"] if self.can_admin and status in TO_REVIEW else ""
            return (f'<a class="badge st-{status.name.lower()}" href="{self.claim.format(claim.id)}" '
                    f'data-claim-status>{self.statuses[status]}</a><small>#{claim.number}{to_review}</small>\n')
        if self.can_pick and row.can_create_claim:
            return f'<a href="{self.create.format(row.commitment.id)}">{self.w["create"]}</a>'
        if row.invite is not None and row.open_elsewhere is not None:
            return f'<small class="reason">{self._reason(row.open_elsewhere, row)}</small>'
        return f"<small>{self.w['none']}</small>"

    def _contacts(self, contacts: list, names: list[str]) -> str:  # type: ignore[type-arg]
        """The contacts cell: each name (escaped already) on its line, "None" without any."""
        if not contacts:
            return self.w["none"]
        inactive = self.w["inactive"]
        return "<br>".join(name if u.active else inactive % {"name": name}
                           for u, name in zip(contacts, names, strict=True))


def _percent(value: Decimal) -> str:
    return f"{value:,.1f}%"


def _french_percent(value: Decimal) -> str:
    """40,0 % (a narrow no-break space between thousands, a no-break space before the sign), as fr_CA writes it."""
    return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",") + "\u00a0%"


# A row's words, as gettext patterns (%(name)s: a value escaped already, put in after translation).
_WORDS = {
    "private": N_("Private"),
    "private_title": N_("Private: only admins and the Private list see it"),
    "invite_aria": N_("Invite %(number)s %(title)s"),
    "remind_aria": N_("Remind %(number)s %(title)s"),
    "disabled_aria": N_("%(number)s cannot be invited"),
    "complete_aria": N_("%(number)s complete"),
    "of": N_("%(part)s of %(whole)s"),
    "held": N_("%(held)s held %(amount)s"),
    "sent_by": N_("Sent by %(name)s, %(day)s"),
    "sent_times": N_("; sent %(count)s times, last %(day)s"),
    "last_reminder": N_("Last reminder %(day)s"),
    "muted": N_("Reminders muted"),
    "mail_failing": N_("E-mail not delivered yet, retrying"),
    "mail_queued": N_("E-mail queued"),
    "history": N_("History"),
    "resend": N_("Resend"),
    "not_invited": N_("Not Invited"),
    "to_review": N_("· to review"),
    "create": N_("Create on behalf"),
    "none": N_("None"),
    "inactive": N_("%(name)s (inactive)"),
}


class BoardLinks:
    """The board's own addresses (the page, the list) for any view of it, as url_for writes them: the path
    made once per answer, the arguments added here. The counts strip and the column headers are some forty
    links; url_for for each was a good share of a page's fixed cost."""

    def __init__(self, project: Project) -> None:
        self._page = url_for("billings.index", project_id=project.id)
        self._list = url_for("billings.board_list", project_id=project.id)

    def page(self, **args: object) -> str:
        return _with_query(self._page, args)

    def list(self, **args: object) -> str:
        return _with_query(self._list, args)


def _with_query(path: str, args: dict[str, object]) -> str:
    items = [(key, value) for key, value in args.items() if value is not None]
    return f"{path}?{urlencode(items, safe=_URL_SAFE)}" if items else path


_URL_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query (werkzeug.urls._urlencode)


def board_links(project: Project) -> BoardLinks:
    """The project's board links, made once per request."""
    made = g.setdefault("_board_links", {})
    if project.id not in made:
        made[project.id] = BoardLinks(project)
    return made[project.id]


def row_writer(project: Project, board: Board, can_admin: bool) -> RowWriter:
    """The writer of this answer's rows (the list's and the changed rows' share it), in the words of the
    project's country."""
    key = (id(board), can_admin)
    writers = g.setdefault("_row_writers", {})
    if key not in writers:  # the board is kept with its writer, so that its id is not another's this request
        writers[key] = (board, RowWriter(project, board, can_admin, current_terms(project)))
    return writers[key][1]
