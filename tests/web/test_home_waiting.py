"""The home page: for each project the person sees, what waits in its current period, with links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from domain.clock import project_today
from domain.models import (
    AccessLevel,
    Claim,
    ClaimStatus,
    Invite,
    InviteStatus,
    PeriodStatus,
    Project,
    ProjectPermission,
    db,
)
from tests import factories


@pytest.fixture
def waiting(world):
    """P-1: two claims Under Review (one private), one Pending Owner Approval, two invites unanswered
    (one private), one accepted, a Draft; an earlier closed period with a claim Under Review that is not
    counted. P-2: one invite unanswered, due in two days. P-3: no open period."""
    p1, period = world.project, world.period
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")

    def contract(number, claim=None, invite=None, private=False, target=period):  # type: ignore[no-untyped-def]
        c = factories.commitment(target.project, vendor, number=number, private=private)
        if claim:
            db.session.add(Claim(commitment=c, billing_period=target, number=1, status=claim, created_by=world.admin))
        if invite:
            db.session.add(Invite(commitment=c, billing_period=target, status=invite, sent_by=world.admin))
        return c

    contract("SC-001", ClaimStatus.UNDER_REVIEW, InviteStatus.ACCEPTED)
    contract("SC-002", ClaimStatus.UNDER_REVIEW, InviteStatus.ACCEPTED, private=True)
    contract("SC-003", ClaimStatus.PENDING_OWNER_APPROVAL, InviteStatus.ACCEPTED)
    contract("SC-004", None, InviteStatus.INVITED)
    contract("SC-005", None, InviteStatus.INVITED, private=True)
    contract("SC-006", ClaimStatus.DRAFT, InviteStatus.ACCEPTED)
    earlier = factories.period(p1, number=0, start=period.start_date - timedelta(days=60), status=PeriodStatus.CLOSED)
    old = factories.commitment(p1, vendor, number="SC-007")
    db.session.add(Claim(commitment=old, billing_period=earlier, number=1, status=ClaimStatus.UNDER_REVIEW,
                         created_by=world.admin))
    p2 = Project(number="P-2", name="Harbor Library", address="2 Quay Rd")
    p3 = Project(number="P-3", name="Oak School", address="3 Oak Ave")
    db.session.add_all([p2, p3])
    p2_period = factories.period(p2, due_in=2)
    contract("LB-001", None, InviteStatus.INVITED, target=p2_period)
    db.session.add_all([ProjectPermission(project=p2, user=world.readonly, level=AccessLevel.ADMIN),
                        ProjectPermission(project=p3, user=world.readonly, level=AccessLevel.READ_ONLY)])
    db.session.commit()  # each project's time zone is set: its "today" can be asked
    p2_period.due_date = project_today(p2) + timedelta(days=2)
    period.due_date = project_today(p1) + timedelta(days=10)
    db.session.commit()
    return {"p2": p2, "p3": p3}


def _project(html: str, number: str) -> str:
    return html.split(f'data-project="{number}"', 1)[1].split("</li>\n  \n", 1)[0].split('data-project="', 1)[0]


def _waiting(html: str, number: str) -> dict[str, str]:
    block = _project(html, number)
    return {key: " ".join(re.sub(r"<[^>]+>", " ", text).split())
            for key, text in re.findall(r'data-waiting="(\w+)">(.*?)</li>', block, re.S)}


def test_an_admin_sees_what_waits_on_every_project_with_links(client, world, waiting, auth):
    auth.sign_in(world.admin.email)
    html = client.get("/").get_data(as_text=True)
    p1 = _waiting(html, "P-1")
    assert p1["under_review"] == "2 progress claims Under Review"  # the earlier period's is not counted
    assert p1["pending_owner_approval"] == "1 progress claim Pending Owner Approval"
    assert p1["invited"] == "2 invites unanswered"
    assert p1["due"].startswith("Period #1 due") and "in 10 days" in p1["due"]
    block = _project(html, "P-1")
    board = f"/projects/{world.project.id}/billings?period={world.period.id}"
    assert f'href="{board}&amp;status=claim_under_review"' in block
    assert f'href="{board}&amp;status=invited"' in block
    p2 = _waiting(html, "P-2")
    assert p2 == {"due": p2["due"], "invited": "1 invite unanswered"}
    assert "in 2 days" in p2["due"] and "badge" in _project(html, "P-2")  # called out, in words
    assert "No open billing period" in _project(html, "P-3")


def test_the_links_lead_to_the_board_filtered(client, world, waiting, auth):
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/billings?period={world.period.id}&status=claim_under_review"
                      ).get_data(as_text=True)
    assert re.findall(r'data-commitment="([^"]+)"', html) == ["SC-001", "SC-002"]


@pytest.mark.parametrize(("days", "words"), [
    (-3, "Due date passed 3 days ago"), (-1, "Due date passed 1 day ago"), (0, "due today"), (3, "in 3 days"),
])
def test_a_due_date_close_or_passed_is_called_out_in_words(client, world, waiting, auth, days, words):
    today = project_today(world.project)
    world.period.start_date, world.period.end_date = today - timedelta(days=40), today - timedelta(days=10)
    world.period.due_date = today + timedelta(days=days)
    db.session.commit()
    auth.sign_in(world.admin.email)
    block = _project(client.get("/").get_data(as_text=True), "P-1")
    assert re.search(rf'<strong class="badge [^"]+">{words}</strong>', block)


def test_read_only_sees_only_what_they_may_and_no_other_project(client, world, waiting, auth):
    auth.sign_in(world.readonly.email)
    html = client.get("/").get_data(as_text=True)
    p1 = _waiting(html, "P-1")
    # Read Only on P-1: the private contracts' claim and invite are not counted
    assert p1["under_review"] == "1 progress claim Under Review" and p1["invited"] == "1 invite unanswered"
    assert _waiting(html, "P-2")["invited"] == "1 invite unanswered"  # Admin on P-2
    auth.switch(world.standard.email)
    html = client.get("/").get_data(as_text=True)
    assert 'data-project="P-1"' in html and 'data-project="P-2"' not in html and "Harbor Library" not in html
    auth.switch(world.nobody.email)
    html = client.get("/").get_data(as_text=True)
    assert 'data-project="' not in html and "You are not on any project yet" in html


def test_a_contact_is_sent_to_the_portal(client, world, waiting, auth):
    auth.sign_in("maria@keystone.example")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal")


def test_home_loads_in_a_fixed_number_of_statements(client, world, waiting, auth):
    auth.sign_in(world.readonly.email)
    client.get("/")

    def statements() -> int:
        seen = []

        def one(*_args) -> None:  # type: ignore[no-untyped-def]
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", one)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", one)
        return len(seen)

    few = statements()
    for n in range(8):
        project = Project(number=f"P-1{n}", name=f"Tower {n}", address="")
        db.session.add(project)
        factories.period(project)
        db.session.add(ProjectPermission(project=project, user=world.readonly, level=AccessLevel.READ_ONLY))
    db.session.commit()
    html_count = statements()
    assert html_count == few, (few, html_count)
    assert few <= 6, few
