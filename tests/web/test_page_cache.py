"""The Progress Billings page kept in memory while nothing changed (blueprints/page_cache.py), and the
data version every committed write moves (domain/data_version.py): a kept page is sent again only to
the same session for the same address, never after any write, never with a message meant for once,
and never to someone who has since lost the project."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text

from blueprints.page_cache import page_cache
from domain.models import AccessLevel, Company, DataVersion, ProjectPermission, db
from tests import factories
from tests.helpers import billings_url


def _version() -> int | None:
    return db.session.scalar(select(DataVersion.value).where(DataVersion.id == 1))


def _statements(app, client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    seen: list[int] = []

    def one(*_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", one)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", one)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


@pytest.fixture
def board(world):  # type: ignore[no-untyped-def]
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    made = [factories.commitment(world.project, vendor, number=f"SC-00{n}", title=f"Package {n}") for n in range(3)]
    db.session.commit()
    return vendor, made


def test_every_committed_write_moves_the_data_version_once_and_reads_and_rollbacks_do_not(app, world):
    before = _version()
    db.session.scalar(select(Company.name))
    db.session.commit()
    assert _version() == before  # a read is no change
    world.company.name = "Harbor & Pine Builders"
    db.session.commit()
    moved = _version()
    assert moved == (before or 0) + 1
    world.company.name = "Undone Builders"
    db.session.flush()
    db.session.rollback()
    assert _version() == moved
    with db.engine.begin() as conn:  # a write outside the ORM's session moves it as well
        conn.execute(text("UPDATE companies SET trade = 'General' WHERE id = :id"), {"id": world.company.id})
    assert _version() == moved + 1


def test_the_same_request_again_is_answered_from_memory_with_the_same_page(app, client, world, board, auth):
    auth.sign_in(world.admin.email)
    url = billings_url(world)
    client.get(url)  # the first page after signing in shows the welcome, once
    first, page = _statements(app, client, url)
    again, kept = _statements(app, client, url)
    assert kept == page and "SC-002" in kept
    assert again <= 2 < first, (again, first)  # the user with the version, and the project with the level


def test_a_write_anywhere_shows_on_the_next_request(app, client, world, board, auth):
    vendor, made = board
    auth.sign_in(world.admin.email)
    url = billings_url(world)
    client.get(url)
    assert "Package 1" in client.get(url).get_data(as_text=True)
    made[1].title = "Electrical rough-in"
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Electrical rough-in" in html and "Package 1" not in html
    # and a send through the page itself: the row says Invited on the next plain page view
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [made[0].id]})
    row = client.get(url).get_data(as_text=True).split(f'<tr id="row-{made[0].id}"')[1].split("</tr>")[0]
    assert "Invited" in row


def test_a_message_shown_once_is_shown_once_and_never_kept(app, client, world, board, auth):
    _, made = board
    auth.sign_in(world.admin.email)
    url = billings_url(world)
    client.get(url)
    client.post(billings_url(world, "/invites"), data={"commitment_ids": [made[0].id]})
    assert "Invites sent for 1 contract." in client.get(url).get_data(as_text=True)
    assert "Invites sent for 1 contract." not in client.get(url).get_data(as_text=True)
    assert "Invites sent for 1 contract." not in client.get(url).get_data(as_text=True)


def test_another_session_of_the_same_person_gets_its_own_page_with_its_own_form_token(app, world, board):
    url = billings_url(world)
    tokens = []
    for _ in range(2):
        other = app.test_client()
        other.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD})
        other.get(url)
        html = other.get(url).get_data(as_text=True)
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', html).group(1))
        with other.session_transaction() as session:
            assert session["csrf_token"]
        # the token on the kept page is good for a post from this session
        assert other.post(billings_url(world, "/invites"), data={"csrf_token": tokens[-1]}).status_code != 400
    assert tokens[0] != tokens[1]


def test_each_person_gets_their_own_page(app, client, world, board, auth):
    url = billings_url(world)
    auth.sign_in(world.admin.email)
    client.get(url)
    admin_page = client.get(url).get_data(as_text=True)
    auth.switch(world.readonly.email)
    client.get(url)
    readonly_page = client.get(url).get_data(as_text=True)
    assert "Send Invites" in admin_page and "Send Invites" not in readonly_page
    assert world.readonly.name in readonly_page and world.admin.name not in readonly_page


def test_someone_who_loses_the_project_is_refused_though_their_page_was_kept(app, client, world, board, auth):
    url = billings_url(world)
    auth.sign_in(world.standard.email)
    client.get(url)
    assert client.get(url).status_code == 200
    permission = db.session.scalar(select(ProjectPermission).where(ProjectPermission.user_id == world.standard.id))
    permission.level = AccessLevel.NONE
    db.session.commit()
    assert client.get(url).status_code == 404


def test_htmx_requests_and_a_zero_size_are_never_kept(app, client, world, board, auth):
    auth.sign_in(world.admin.email)
    url = billings_url(world)
    client.get(url)
    client.get(url)
    client.get(url, headers={"HX-Request": "true"})
    client.get(url, headers={"HX-Request": "true"})
    assert len(page_cache(app)) == 1  # the full page alone
    app.config["PAGE_CACHE_SIZE"] = 0
    first, _ = _statements(app, client, url)
    again, _ = _statements(app, client, url)
    assert again == first > 2


def test_a_new_data_version_drops_the_older_pages_and_the_bytes_stay_bounded(monkeypatch):
    import blueprints.page_cache as kept

    cache = kept.PageCache(size=10, seconds=300)
    cache.put((1, "a"), b"x" * 10, "text/html")
    cache.put((1, "b"), b"x" * 10, "text/html")
    assert len(cache) == 2 and cache.get((1, "a")) == (b"x" * 10, "text/html")
    cache.put((2, "a"), b"y" * 10, "text/html")  # something was written: version 1's pages are dead
    assert len(cache) == 1 and cache.get((1, "b")) is None
    monkeypatch.setattr(kept, "MAX_BYTES", 25)
    for n in range(5):
        cache.put((2, n), b"z" * 10, "text/html")
    assert len(cache) == 2  # the least recently used go first, by bytes as well as by count
    assert cache.get((2, 4)) is not None and cache.get((2, 0)) is None
    cache.put((2, "huge"), b"h" * 26, "text/html")  # larger than the whole budget: not kept at all
    assert cache.get((2, "huge")) is None and len(cache) == 2


def test_a_write_on_an_autocommit_connection_moves_the_version_at_once(app, world):
    before = _version() or 0
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("UPDATE companies SET trade = 'General' WHERE id = :id"), {"id": world.company.id})
        assert _version() == before + 1
