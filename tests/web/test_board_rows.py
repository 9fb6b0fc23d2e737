"""The board's rows and what the htmx answers carry: only the rows an action changed (each in place of
its own by id), the counts, the Send Invites bar and the banner; a filter click swaps the list alone.
Also what a row says (the decline reason), "Create on behalf" asking first, and the status colours."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import event, select

from blueprints.page_cache import page_cache
from domain.models import Claim, ClaimStatus, Invite, InviteStatus, db
from templating import CLAIM_BADGE, INVITE_BADGE
from tests import factories
from tests.helpers import billings_url, commitments_url, count

HX = {"HX-Request": "true"}
APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _board(world, extra: int = 0) -> list:
    """Two eligible contracts, one that cannot be invited, and `extra` more eligible ones."""
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    p = world.project
    made = [factories.commitment(p, vendor, number="SC-001", title="Concrete"),
            factories.commitment(p, vendor, number="SC-002", title="Electrical"),
            factories.commitment(p, vendor, number="SC-003", title="Drywall", sov_approved=False)]
    made += [factories.commitment(p, vendor, number=f"SC-1{n:02d}", title=f"Package {n}") for n in range(extra)]
    db.session.commit()
    return made


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="row-(\d+)"', html)


def test_send_invites_with_htmx_answers_only_the_sent_rows_counts_bar_and_banner(client, world, auth):
    rows = _board(world, extra=20)
    auth.sign_in(world.admin.email)
    page = client.get(billings_url(world)).get_data(as_text=True)
    response = client.post(billings_url(world, "/invites"), headers=HX,
                           data={"period": world.period.id, "commitment_ids": [rows[0].id, rows[1].id]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"  # the list stays
    assert _row_ids(html) == [str(rows[0].id), str(rows[1].id)]
    assert re.findall(r'<hx-partial hx-target="#row-(\d+)" hx-swap="outerHTML">', html) == _row_ids(html)
    for row_id in _row_ids(html):
        row = html.split(f'<tr id="row-{row_id}"')[1].split("</tr>")[0]
        assert "Invited" in row and "by Avery Admin" in row and "Resend" in row and "checked" not in row
    assert 'id="board-list"' not in html and "<table" not in html and 'id="period-picker"' not in html
    # the counts of the invite states, the only ones a send changes; the claim counts stay as they are
    assert re.search(r'<span id="invite-state-counts"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'data-count="invited">Invited <span>2<', html)
    assert re.search(r'data-count="not_invited">Not Invited <span>21<', html)
    assert 'id="invite-counts"' not in html and 'data-count="claim_' not in html
    assert re.search(r'<div id="send-bar"[^>]*hx-swap-oob="true"', html)
    assert "20 of 23 shown can be invited now." in html and "data-selected-count>0<" in html
    assert "Invites sent for 2 contracts." in html
    assert len(html) < len(page) / 5  # two rows out of 23, and no list around them
    # the plain form post still answers with the page to go back to
    plain = client.post(billings_url(world, "/invites"), data={"period": world.period.id,
                                                               "commitment_ids": [rows[3].id]})
    assert plain.status_code == 303 and count(Invite) == 3


def test_a_sent_row_that_the_filter_no_longer_shows_leaves_the_list(client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"), headers=HX,
                           data={"period": world.period.id, "status": "not_invited", "commitment_ids": [rows[0].id]})
    html = response.get_data(as_text=True)
    assert f'<hx-partial hx-target="#row-{rows[0].id}" hx-swap="delete"></hx-partial>' in html
    assert _row_ids(html) == [] and "1 of 2 shown can be invited now." in html


def test_refused_send_answers_the_banner_alone(client, world, auth):
    _board(world)
    auth.sign_in(world.admin.email)
    response = client.post(billings_url(world, "/invites"), headers=HX, data={"period": world.period.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and response.headers["HX-Reswap"] == "none"
    assert _row_ids(html) == [] and "Select at least one contract to invite." in html
    assert count(Invite) == 0


def test_resend_with_htmx_answers_its_one_row(client, world, auth):
    rows = _board(world, extra=5)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [r.id for r in rows[:2]]})
    url = billings_url(world, f"/invites/{rows[0].id}/resend?seen=1&period={world.period.id}")
    response = client.post(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert _row_ids(html) == [str(rows[0].id)] and "sent 2 times" in html
    assert "Invite sent again for SC-001 (sent 2 times)." in html
    assert 'id="invite-counts"' not in html and 'id="board-list"' not in html
    # the row's own Resend now says what the admin has seen: a second click sends once more
    assert f"/invites/{rows[0].id}/resend?seen=2&amp;period={world.period.id}" in html
    assert db.session.scalar(select(Invite.send_count).where(Invite.commitment_id == rows[0].id)) == 2


def test_resend_of_an_answered_invite_answers_the_row_without_resend(client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [rows[0].id]})
    invite = db.session.scalar(select(Invite))
    invite.status = InviteStatus.ACCEPTED
    db.session.commit()
    url = billings_url(world, f"/invites/{rows[0].id}/resend?seen=1&period={world.period.id}")
    response = client.post(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "already answered (Accepted)" in html
    assert _row_ids(html) == [str(rows[0].id)] and "Accepted" in html and "Resend" not in html


def test_a_filter_click_swaps_the_list_alone(client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [rows[0].id]})
    page = client.get(billings_url(world, f"?period={world.period.id}")).get_data(as_text=True)
    chip = re.search(r'<a class="count-filter[^>]*data-count="invited"', page).group(0)
    assert 'hx-target="#board-list"' in chip
    list_url = re.search(r'hx-get="([^"]+)"', chip).group(1).replace("&amp;", "&")
    assert "/billings/list?" in list_url and "status=invited" in list_url
    response = client.get(list_url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="board-list">') and 'id="board"' not in html
    assert 'id="period-picker"' not in html and "<html" not in html
    assert _row_ids(html) == [str(rows[0].id)]
    # which chip is chosen, and the address bar shows the page's own URL with the filter
    assert re.search(r'aria-current="true"[^>]*data-count="invited"', html)
    assert "/billings?" in response.headers["HX-Push-Url"] and "status=invited" in response.headers["HX-Push-Url"]
    # the list's form carries the filter, so Send Invites and the period picker keep it
    assert '<input type="hidden" name="status" value="invited">' in html


def test_the_page_loads_in_the_same_number_of_statements_whatever_its_rows(app, client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [rows[0].id]})

    def statements() -> int:
        seen = []

        def one(*_args):  # type: ignore[no-untyped-def]
            seen.append(1)

        client.get(billings_url(world))  # warm: the session's own look-ups settle
        page_cache(app).clear()  # the page made, not the page kept
        event.listen(db.engine, "before_cursor_execute", one)
        try:
            assert client.get(billings_url(world)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", one)
        return len(seen)

    few = statements()
    vendor = factories.vendor("Brightline Electric", "dev@brightline.example")
    for n in range(10):
        factories.commitment(world.project, vendor, number=f"SC-2{n:02d}")
    db.session.commit()
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [c.id for c in rows[1:2]]})
    assert statements() == few <= 7, few  # the rows' links are built once, not looked up per row


def test_a_declined_invite_shows_its_reason_on_the_row_escaped(client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [rows[0].id]})
    invite = db.session.scalar(select(Invite))
    invite.status, invite.decline_reason = InviteStatus.DECLINED, 'Crew off site <b>this</b> month & "next"'
    db.session.commit()
    html = client.get(billings_url(world)).get_data(as_text=True)
    row = html.split(f'<tr id="row-{rows[0].id}"')[1].split("</tr>")[0]
    assert "Declined" in row
    assert "Crew off site &lt;b&gt;this&lt;/b&gt; month &amp; &#34;next&#34;" in row
    assert "<b>this</b>" not in html


def test_create_on_behalf_asks_first_and_without_confirming_makes_nothing(client, world, auth):
    rows = _board(world)
    auth.sign_in(world.admin.email)
    html = client.get(billings_url(world)).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Create on behalf</a>', html.split(f'id="row-{rows[0].id}"')[1])[1]
    confirm = client.get(link.replace("&amp;", "&"))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Create a progress claim on behalf of Keystone Concrete Co.?" in page
    assert "SC-001 Concrete" in page and f"billing period #{world.period.number}" in page
    url = billings_url(world, f"/claims/new?commitment={rows[0].id}&period={world.period.id}")
    assert f'action="{url.replace("&", "&amp;")}"' in page and 'name="confirm" value="yes"' in page
    # a post without the confirmation (a stray or forged click) makes nothing and asks again
    for data in ({}, {"confirm": "no"}):
        refused = client.post(url, data=data)
        assert refused.status_code == 200 and "Create a progress claim on behalf" in refused.get_data(as_text=True)
    assert count(Claim) == 0
    made = client.post(url, data={"confirm": "yes"})
    assert made.status_code == 303 and count(Claim) == 1
    assert db.session.scalar(select(Claim.status)) is ClaimStatus.DRAFT


# --- Status colours -------------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _badge_colours() -> dict[str, tuple[str, str]]:
    """Each `.st-<key>` rule of app.css: its text colour and background (the two custom properties)."""
    css = APP_CSS.read_text()
    rules = re.findall(r"\.(st-\w+)\s*\{\s*--st-fg:\s*(#[0-9a-fA-F]{6});\s*--st-bg:\s*(#[0-9a-fA-F]{6});\s*\}", css)
    return {name: (fg.lower(), bg.lower()) for name, fg, bg in rules}


def test_every_status_badge_has_its_own_colour_with_text_contrast_of_at_least_4_5():
    colours = _badge_colours()
    assert set(CLAIM_BADGE) == {s.name.lower() for s in ClaimStatus}
    assert set(INVITE_BADGE) == {"not_invited"} | {s.name.lower() for s in InviteStatus}
    classes = [*INVITE_BADGE.values(), *CLAIM_BADGE.values(), "st-private"]
    for name in classes:
        assert name in colours, f"app.css has no colours for .{name}"
        fg, bg = colours[name]
        assert _contrast(fg, bg) >= 4.5, (name, fg, bg, round(_contrast(fg, bg), 2))
    backgrounds = [colours[name][1] for name in classes]
    assert len(set(backgrounds)) == len(backgrounds), "two statuses share a colour"
    assert colours[CLAIM_BADGE["pending_owner_approval"]] != colours[CLAIM_BADGE["approved"]]
    # the rule that paints them reads these two properties
    assert re.search(r'\[class\^="st-"\], \[class\*=" st-"\] \{ color: var\(--st-fg\); '
                     r'background-color: var\(--st-bg\); \}', APP_CSS.read_text())


def test_the_private_badge_looks_the_same_on_the_board_and_the_commitments_list(client, world, auth):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    factories.commitment(world.project, vendor, number="SC-009", title="Secret", private=True)
    db.session.commit()
    auth.sign_in(world.admin.email)
    badge = re.compile(r'<span class="badge (st-private)"[^>]*>Private</span>')
    board = client.get(billings_url(world)).get_data(as_text=True)
    listing = client.get(commitments_url(world)).get_data(as_text=True)
    assert badge.search(board) and badge.search(listing)


def test_what_people_typed_comes_out_escaped_on_the_page_and_in_the_answers(client, world, auth):
    """The row writer escapes every value it writes: vendor, number, title, contact, sender, decline reason."""
    evil = '"><script>alert(1)</script>'
    vendor = factories.vendor(f"Bad & Co {evil}", "bad@vendor.example")
    vendor.default_claim_contact.name = f"Contact {evil}"
    world.admin.name = f"Avery {evil}"
    made = [factories.commitment(world.project, vendor, number=f"SC-1{n}'<b>", title=f"Title {evil}")
            for n in range(2)]
    db.session.commit()
    auth.sign_in(world.admin.email)
    answer = client.post(billings_url(world, "/invites"), headers=HX,
                         data={"period": world.period.id, "commitment_ids": [made[0].id]}).get_data(as_text=True)
    invite = db.session.scalar(select(Invite))
    invite.status, invite.decline_reason = InviteStatus.DECLINED, f"No {evil}"
    db.session.commit()
    page = client.get(billings_url(world)).get_data(as_text=True)
    for html in (page, answer):
        assert "<script>alert" not in html and "'<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "SC-10&#39;&lt;b&gt;" in html
    assert "Bad &amp; Co &#34;&gt;&lt;script&gt;" in page and "Contact &#34;&gt;&lt;script&gt;" in page
    assert "“No &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”" in page and "Sent by Avery &#34;&gt;" in page
