"""The board's totals row, its sortable columns and its search box (form GET and htmx)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from blueprints.page_cache import page_cache
from domain.models import AuditEvent, Claim, ClaimStatus, Invite, InviteStatus, OutboxMessage, PeriodStatus, db
from tests import factories
from tests.helpers import billings_url, count

HX = {"HX-Request": "true"}


@pytest.fixture
def rows(world):
    """Five contracts whose every column sorts differently; each SOV is 150,000.00."""
    p, period = world.project, world.period

    def contract(number, title, vendor, contact, invite=None, claim=None, due="0.00", to_date="0.00"):
        company = factories.vendor(vendor, with_contact=False)
        contacts = [factories.user(company, f"{number.lower()}@vendor.example", contact)] if contact else []
        c = factories.commitment(p, company, number=number, title=title, contacts=contacts)
        if invite:
            db.session.add(Invite(commitment=c, billing_period=period, status=invite, sent_by=world.admin))
        if claim:
            db.session.add(Claim(commitment=c, billing_period=period, number=2, status=claim, created_by=world.admin,
                                 current_amount_due=Decimal(due), total_completed_and_stored=Decimal(to_date)))
        return c

    made = {
        "A": contract("SC-010", "Zinc roofing", "Apex Roofing", "Zoe Apex", InviteStatus.INVITED,
                      ClaimStatus.UNDER_REVIEW, "1000.00", "75000.00"),
        "B": contract("SC-002", "Concrete 100% _ works", "brightline Electric", "Ana Bright", InviteStatus.ACCEPTED,
                      ClaimStatus.DRAFT, "250.50", "45000.00"),
        "C": contract("SC-003", "Masonry", "Cobalt Masonry", "Carl Cobalt", InviteStatus.DECLINED,
                      ClaimStatus.APPROVED, "300.25", "15000.00"),
        "D": contract("SC-001", "Elevators", "Delta Lifts", None),
        "E": contract("SC-004", "Framing", "Echo Framing", "Mia Echo", InviteStatus.INVITED,
                      ClaimStatus.REVISE_AND_RESUBMIT, "40.00", "30000.00"),
    }
    earlier = factories.period(p, number=0, start=period.start_date - timedelta(days=60), status=PeriodStatus.CLOSED)
    db.session.add(Claim(commitment=made["C"], billing_period=earlier, number=1, status=ClaimStatus.APPROVED,
                         created_by=world.admin, total_completed_and_stored=Decimal("2000.00")))
    db.session.commit()
    return made


def _order(html: str) -> list[str]:
    return re.findall(r'<tr id="row-\d+" data-commitment="([^"]+)"', html)


def _total(html: str, name: str) -> str:
    match = re.search(rf'data-total="{name}">(?:<span class="tabular">)?([^<]+)<', html)
    assert match, name
    return match.group(1)


def _get(client, world, hx: bool, **args):  # type: ignore[no-untyped-def]
    """The board with `args`: as a page (plain GET) or as the list answer htmx asks for."""
    if hx:
        return client.get(billings_url(world, "/list"), query_string={"period": world.period.id, **args}, headers=HX)
    return client.get(billings_url(world), query_string=args)


def _written() -> tuple[int, ...]:
    return count(Invite), count(Claim), count(OutboxMessage), count(AuditEvent)


# --- totals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
def test_totals_add_up_the_rows_and_keep_drafts_apart(client, world, rows, auth, hx):
    auth.sign_in(world.admin.email)
    response = _get(client, world, hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Totals of 5 contracts shown" in html
    assert _total(html, "scheduled") == "$750,000.00"  # 5 x 150,000.00
    assert _total(html, "billed") == "$2,000.00"  # SC-003's approved claim of the earlier period
    # Under Review 1,000.00 + Approved 300.25 are owed; Draft 250.50 and Revise and Resubmit 40.00 are not yet.
    assert _total(html, "due-submitted") == "$1,300.25"
    assert _total(html, "due-draft") == "$290.50"
    assert "in Draft" in html and "not owed yet: 2 claims not submitted" in html


def test_totals_follow_the_filter_and_the_search(client, world, rows, auth):
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world), query_string={"status": "claim_draft"}).get_data(as_text=True)
    assert _order(html) == ["SC-002"] and "Totals of 1 contract shown" in html
    assert _total(html, "due-submitted") == "$0.00" and _total(html, "due-draft") == "$250.50"
    html = client.get(billings_url(world), query_string={"q": "cobalt"}).get_data(as_text=True)
    assert _order(html) == ["SC-003"] and _total(html, "due-submitted") == "$300.25"
    assert _total(html, "billed") == "$2,000.00"


# --- sorting ------------------------------------------------------------------------------------

ASCENDING = {
    "number": ["SC-001", "SC-002", "SC-003", "SC-004", "SC-010"],
    "title": ["SC-002", "SC-001", "SC-004", "SC-003", "SC-010"],  # Concrete, Elevators, Framing, Masonry, Zinc
    "vendor": ["SC-010", "SC-002", "SC-003", "SC-001", "SC-004"],  # case does not count: Apex, brightline, Cobalt
    "contact": ["SC-002", "SC-003", "SC-004", "SC-010", "SC-001"],  # Ana, Carl, Mia, Zoe, then none
    "invite": ["SC-001", "SC-004", "SC-010", "SC-002", "SC-003"],  # Not Invited, Invited (x2), Accepted, Declined
    "claim": ["SC-001", "SC-002", "SC-010", "SC-004", "SC-003"],  # none, Draft, Under Review, Revise, Approved
    "due": ["SC-001", "SC-004", "SC-002", "SC-003", "SC-010"],  # none, 40.00, 250.50, 300.25, 1,000.00
    "complete": ["SC-001", "SC-003", "SC-004", "SC-002", "SC-010"],  # 0%, 10%, 20%, 30%, 50%
}
# Descending is ascending turned round, except that equal rows stay by contract number.
DESCENDING = {key: list(reversed(order)) for key, order in ASCENDING.items()}
DESCENDING["invite"] = ["SC-003", "SC-002", "SC-004", "SC-010", "SC-001"]


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("key", list(ASCENDING))
def test_every_column_sorts_both_ways(client, world, rows, auth, key, hx):
    auth.sign_in(world.admin.email)
    up = _get(client, world, hx, sort=key).get_data(as_text=True)
    down = _get(client, world, hx, sort=key, dir="desc").get_data(as_text=True)
    assert _order(up) == ASCENDING[key]
    assert _order(down) == DESCENDING[key]
    # The sorted column says so, and its link turns the order round; the list keeps the sort for Send Invites.
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    link = re.search(rf'<a class="sort-link[^"]*" href="([^"]+)"[^>]*data-sort-key="{key}"', up).group(1)
    assert parse_qs(urlsplit(link.replace("&amp;", "&")).query).get("dir") == ["desc"]
    if key != "number":
        assert f'<input type="hidden" name="sort" value="{key}">' in up
    assert '<input type="hidden" name="dir" value="desc">' in down


def test_the_htmx_list_answer_pushes_the_page_url_and_keeps_the_counts_links(client, world, rows, auth):
    auth.sign_in(world.admin.email)
    response = _get(client, world, True, sort="vendor", dir="desc", q="o")
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="board-list">') and "<html" not in html
    assert '<div id="invite-counts"' in html and 'hx-swap-oob="true"' in html
    pushed = urlsplit(response.headers["HX-Push-Url"])
    assert pushed.path == billings_url(world)
    assert parse_qs(pushed.query) == {"period": [str(world.period.id)], "sort": ["vendor"], "dir": ["desc"],
                                      "q": ["o"]}
    counts = html.split('<div id="invite-counts"', 1)[1]
    assert "sort=vendor" in counts and "dir=desc" in counts and "q=o" in counts
    # Without JavaScript the list's address is the page's.
    response = client.get(billings_url(world, "/list"), query_string={"sort": "vendor"})
    assert response.status_code == 303 and "sort=vendor" in response.headers["Location"]


# --- searching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("q", "found"), [
    ("sc-010", ["SC-010"]),  # the contract number, in any case
    ("SC-00", ["SC-001", "SC-002", "SC-003", "SC-004"]),
    ("MASONRY", ["SC-003"]),  # the title and the vendor
    ("roof", ["SC-010"]),  # the title
    ("BRIGHTLINE", ["SC-002"]),  # the vendor
    ("mia", ["SC-004"]),  # a contact's name
    ("  zoe   apex ", ["SC-010"]),  # spaces around and between do not count
    ("100%", ["SC-002"]),  # % and _ are themselves, not wildcards
    ("%", ["SC-002"]),
    ("_", ["SC-002"]),
])
def test_search_finds_by_number_title_vendor_and_contact(client, world, rows, auth, q, found, hx):
    auth.sign_in(world.admin.email)
    html = _get(client, world, hx, q=q).get_data(as_text=True)
    assert _order(html) == found
    assert f"Totals of {len(found)} contract" in html


def test_a_search_that_finds_nothing_says_so(client, world, rows, auth):
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world), query_string={"q": "<b>nothing</b>"}).get_data(as_text=True)
    assert _order(html) == [] and "No contracts match “&lt;b&gt;nothing&lt;/b&gt;”." in html
    assert "<b>nothing</b>" not in html and 'id="board-totals"' not in html
    # the box keeps what was typed
    assert 'value="&lt;b&gt;nothing&lt;/b&gt;"' in html


def test_search_and_sort_combine_with_the_filter(client, world, rows, auth):
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world), query_string={"status": "invited", "q": "sc-0", "sort": "title",
                                                          "dir": "desc"}).get_data(as_text=True)
    assert _order(html) == ["SC-010", "SC-004"]  # Zinc, Framing
    # the counts are of the whole period, and their links keep the sort and the search
    link = re.search(r'href="([^"]+)"[^>]*data-count="accepted"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"period": [str(world.period.id)], "status": ["accepted"],
                                              "sort": ["title"], "dir": ["desc"], "q": ["sc-0"]}



def test_the_export_links_follow_a_list_swap_and_export_what_the_list_shows(client, world, rows, auth):
    """A filter click, a sort or a search swaps only the list: the CSV and Excel links come with it."""
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world, "/list"), headers=HX,
                      query_string={"period": world.period.id, "status": "invited", "q": "sc-0", "sort": "title",
                                    "dir": "desc"}).get_data(as_text=True)
    links = html.split('id="board-exports"', 1)[1].split("</p>", 1)[0]
    assert 'hx-swap-oob="true"' in links
    csv_url = re.search(r'href="([^"]+)"', links).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(csv_url).query) == {"period": [str(world.period.id)], "status": ["invited"],
                                                 "sort": ["title"], "dir": ["desc"], "q": ["sc-0"]}
    exported = client.get(csv_url).get_data(as_text=True)
    assert re.findall(r"^(SC-\d+),", exported.lstrip("\ufeff"), re.M) == ["SC-010", "SC-004"]  # as the list

# --- the selection model of Send Invites keeps the view -----------------------------------------


def test_send_invites_keeps_the_sort_and_search_both_ways(client, world, rows, auth):
    auth.sign_in(world.admin.email)
    view = {"period": world.period.id, "sort": "vendor", "dir": "desc", "q": "sc-00"}
    # Nothing picked: the htmx answer is the banner alone; the list on the page, in its view, stays as it is.
    response = client.post(billings_url(world, "/invites"), data=view, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Select at least one contract to invite." in html
    assert _order(html) == [] and response.headers.get("HX-Reswap") == "none"
    # Without JavaScript: back to the board in the same view.
    response = client.post(billings_url(world, "/invites"), data=view)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "period": [str(world.period.id)], "sort": ["vendor"], "dir": ["desc"], "q": ["sc-00"]}


# --- hostile parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("args", [
    {"sort": ";drop table claims"},
    {"sort": "number;drop", "dir": "sideways"},
    {"sort": "__class__"},
    {"sort": "x" * 10_000, "dir": "y" * 10_000},
    {"status": "' or 1=1 --"},
])
def test_unknown_sorts_and_directions_are_ignored(client, world, rows, auth, args, hx):
    auth.sign_in(world.admin.email)
    before = _written()
    response = _get(client, world, hx, **args)
    assert response.status_code == 200
    assert _order(response.get_data(as_text=True)) == ASCENDING["number"]
    assert _written() == before


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
def test_a_ten_thousand_character_search_is_cut_short(client, world, rows, auth, hx):
    auth.sign_in(world.admin.email)
    before = _written()
    response = _get(client, world, hx, q="Zinc" + "z" * 9_996)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _order(html) == []
    assert "Zinc" + "z" * 96 + "\"" in html and "z" * 97 not in html  # what is kept: the first 100 characters
    response = _get(client, world, hx, q="\x00Zinc\x1b\u202e")  # control characters are dropped
    assert response.status_code == 200 and _order(response.get_data(as_text=True)) == ["SC-010"]
    assert _written() == before


def test_sorting_and_searching_add_no_statement(app, client, world, rows, auth):
    auth.sign_in(world.admin.email)
    client.get(billings_url(world))  # warm up what is loaded once per process

    def statements(**args) -> int:  # type: ignore[no-untyped-def]
        seen = []

        def one(*_args) -> None:  # type: ignore[no-untyped-def]
            seen.append(1)

        page_cache(app).clear()  # the page made, not the page kept
        event.listen(db.engine, "before_cursor_execute", one)
        try:
            assert client.get(billings_url(world), query_string=args).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", one)
        return len(seen)

    plain = statements()
    assert statements(sort="contact", dir="desc", q="a") == plain
    for n in range(10):
        factories.commitment(world.project, rows["A"].vendor, number=f"SC-2{n:02d}")
    db.session.commit()
    assert statements(sort="due", q="sc") == plain


# --- who sees what ------------------------------------------------------------------------------


def test_read_only_sees_no_private_row_in_the_list_nor_in_its_totals(client, world, rows, auth):
    rows["A"].is_private = True
    db.session.commit()
    auth.sign_in(world.readonly.email)
    html = client.get(billings_url(world), query_string={"q": "zinc"}).get_data(as_text=True)
    assert _order(html) == [] and "Zinc roofing" not in html
    html = client.get(billings_url(world), query_string={"sort": "due"}).get_data(as_text=True)
    assert "SC-010" not in _order(html) and _total(html, "due-submitted") == "$300.25"
