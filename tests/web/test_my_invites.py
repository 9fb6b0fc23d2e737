"""My invites (the contact's home in the portal): what each invite shows, when its due date stands out,
and that the page costs the same few statements for one invite or ten."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from domain.clock import project_today
from domain.models import Commitment, Invite, db
from templating import CLAIM_BADGE, day
from tests import factories
from tests.helpers import AuthActions
from tests.web.portal_helpers import SIGN, send_invites

MARIA = "maria@keystone.example"


def this_month(world: factories.World) -> str:
    today = date.today()
    start = today.replace(day=1)
    world.period.start_date = start
    world.period.end_date = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    world.period.due_date = today + timedelta(days=10)
    db.session.commit()
    return start.strftime("%B %Y")


def commitments(world: factories.World, n: int) -> list[Commitment]:
    keystone = factories.vendor("Keystone Concrete Co.", MARIA)
    made = [factories.commitment(world.project, keystone, number=f"SC-{i:03d}", title=f"Work {i}")
            for i in range(1, n + 1)]
    db.session.commit()
    return made


def item(html: str, invite: Invite) -> str:
    """The list item of one invite."""
    return html.split(f'id="item-invite-{invite.id}"', 1)[1].split('class="list-group-item"', 1)[0]


def fact(item_html: str, name: str) -> str:
    """What a person reads for one fact of an item: its text, tags dropped, spaces collapsed."""
    found = re.search(rf'<(\w+)[^>]*data-fact="{name}"[^>]*>(.*?)</\1>', item_html, re.S)
    assert found, name
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


def urgency(item_html: str) -> str | None:
    found = re.search(r'data-fact="due" data-urgency="(\w+)"', item_html)
    return found.group(1) if found else None


def portal_home(client: FlaskClient) -> str:
    response = client.get("/portal")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_invite_shows_project_contract_period_due_answer_claim_and_amount_due(client, world, auth):
    month = this_month(world)
    concrete, paving, kerbs = commitments(world, 3)
    invites = send_invites(client, world, concrete, paving, kerbs)
    auth.sign_in(MARIA)
    claim_url = client.post(f"/portal/invites/{invites[concrete.id].id}/accept").headers["Location"]
    first, _ = concrete.sov_lines
    assert client.post(claim_url, data={f"line-{first.id}-this_period": "45375.00", "action": "submit", **SIGN}
                       ).status_code == 303
    client.post(f"/portal/invites/{invites[kerbs.id].id}/decline", data={"reason": "Nothing done"})

    html = portal_home(client)
    submitted, unanswered, declined = (item(html, invites[c.id]) for c in (concrete, paving, kerbs))
    assert fact(submitted, "project") == "Riverside Medical"
    assert '<span class="font-monospace small">SC-001</span> Work 1' in submitted
    assert fact(submitted, "period") == month
    assert fact(submitted, "due") == day(world.period.due_date)  # ten days away: no highlight
    assert urgency(submitted) is None
    assert fact(submitted, "answer") == "Accepted"
    assert fact(submitted, "claim") == "#1 Under Review"
    assert f'class="badge {CLAIM_BADGE["under_review"]}">Under Review' in submitted  # one colour per status
    assert fact(submitted, "amount-due") == "$40,837.50"  # G702 line 8: 45,375.00 less 10% retention

    assert fact(unanswered, "answer") == "Not answered yet"
    assert fact(unanswered, "claim") == "Not started"
    assert fact(unanswered, "amount-due") == "–"
    assert "Answer invite" in unanswered
    assert fact(declined, "answer") == "Declined" and fact(declined, "claim") == "Not started"


@pytest.mark.parametrize(("days_left", "words", "kind"), [
    (-5, "Passed 5 days ago", "passed"),
    (-1, "Passed yesterday", "passed"),
    (0, "Due today", "soon"),
    (1, "Due tomorrow", "soon"),
    (3, "Due in 3 days", "soon"),
    (4, None, None),
    (30, None, None),
])
def test_a_due_date_within_three_days_or_passed_stands_out_in_words(client, world, auth, days_left, words, kind):
    (concrete,) = commitments(world, 1)
    invite = send_invites(client, world, concrete)[concrete.id]
    today = project_today(world.project)
    world.period.start_date = min(world.period.start_date, today - timedelta(days=10))
    world.period.due_date = today + timedelta(days=days_left)
    db.session.commit()
    auth.sign_in(MARIA)
    shown = item(portal_home(client), invite)
    assert urgency(shown) == kind
    expected = day(world.period.due_date) + (f" {words}" if words else "")
    assert fact(shown, "due") == expected
    if kind:  # the words carry the meaning; the colour only repeats it
        colour = "text-bg-danger" if kind == "passed" else "text-bg-warning"
        assert f'<span class="badge {colour}">{words}</span>' in shown


def test_nothing_stands_out_once_there_is_nothing_left_to_submit(client, world, auth):
    concrete, kerbs = commitments(world, 2)
    invites = send_invites(client, world, concrete, kerbs)
    auth.sign_in(MARIA)
    claim_url = client.post(f"/portal/invites/{invites[concrete.id].id}/accept").headers["Location"]
    first, _ = concrete.sov_lines
    client.post(claim_url, data={f"line-{first.id}-this_period": "1000.00", "action": "submit", **SIGN})
    client.post(f"/portal/invites/{invites[kerbs.id].id}/decline", data={"reason": ""})
    today = project_today(world.project)
    world.period.start_date = min(world.period.start_date, today - timedelta(days=10))
    world.period.due_date = today - timedelta(days=2)
    db.session.commit()
    html = portal_home(client)
    for invite in invites.values():
        shown = item(html, invite)
        assert urgency(shown) is None and "Passed" not in shown
        assert fact(shown, "due") == day(world.period.due_date)


def statements_for(client: FlaskClient) -> int:
    seen: list[str] = []

    def counter(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        portal_home(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return len(seen)


def test_my_invites_loads_in_the_same_statements_for_one_invite_as_for_ten(client, world):
    keystone = factories.vendor("Keystone Concrete Co.", MARIA)
    counts = {}
    for start, n in ((1, 1), (2, 9)):
        made = [factories.commitment(world.project, keystone, number=f"SC-{i:03d}", title=f"Work {i}")
                for i in range(start, start + n)]
        db.session.commit()
        invites = send_invites(client, world, *made)
        AuthActions(client).sign_in(MARIA)
        for invite in invites.values():  # every invite has its claim, so claims are loaded too
            assert client.post(f"/portal/invites/{invite.id}/accept").status_code == 303
        html = portal_home(client)  # warm: what a first request loads once is not what this is about
        counts[html.count('class="list-group-item"')] = statements_for(client)
        AuthActions(client).sign_out()
    assert set(counts) == {1, 10}
    assert counts[1] == counts[10] <= 12, counts
