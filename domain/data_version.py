"""The data version: a number that every committed write moves, in the same transaction as the write.

A connection that ran an INSERT, UPDATE or DELETE adds one to `data_version.value` just before it
commits, on the same database connection and inside the same transaction, so the new number becomes
visible together with the rows it stands for and never before them. Whoever read the number before
reading anything else (the user loader does, on every signed-in request) knows that what it read
afterwards is at least that current; a page made then can be served again for as long as the number
has not moved (blueprints/page_cache.py). Every process that writes (web workers, the outbox worker,
the daily jobs) runs this code, so every worker's pages go stale together.

Listened for on every engine, on what goes through SQLAlchemy's connections (the ORM, Core, text(),
an AUTOCOMMIT connection at once); a raw DBAPI connection (`engine.raw_connection()`) is not seen, and
the app uses none for writing. A database without the table yet (during `flask db upgrade`) is asked
again at each commit until it has one; rows changed by hand outside the app do not move the number
(restart the app after such an edit or after restoring a backup). The app reads the number with every
signed-in user (extensions.py), so `flask db upgrade` must run before new code serves requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine

from domain.models import DataVersion

_READS = ("select", "pragma", "savepoint", "release", "rollback", "show", "set ", "begin", "commit")
_SCHEMA_CHANGES = ("create", "drop", "alter")
_WROTE = "data_version.wrote"
_HAS_TABLE = "data_version.has_table"
_TABLE_QUERIES = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_version'",
    "postgresql": "SELECT 1 WHERE to_regclass('data_version') IS NOT NULL",
}


def current_column():  # type: ignore[no-untyped-def]
    """The number as a column to read beside something else in one statement (None before the first
    write of a new database)."""
    return select(DataVersion.value).where(DataVersion.id == 1).scalar_subquery()


@event.listens_for(Engine, "after_cursor_execute")
def _note_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    start = statement.lstrip()[:9].lower()
    if not start.startswith(_READS):
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            _move(conn)  # no commit to wait for: the write is already in
        else:
            conn.info[_WROTE] = True
    if start.startswith(_SCHEMA_CHANGES):  # a migration may drop the table: ask again
        conn.info.pop(_HAS_TABLE, None)


@event.listens_for(Engine, "rollback")
def _forget_writes(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


@event.listens_for(Engine, "commit")
def _move_on_commit(conn: Connection) -> None:
    if conn.info.pop(_WROTE, False):
        _move(conn)


def _move(conn: Connection) -> None:
    # On the DBAPI connection itself: inside the transaction about to commit, without SQLAlchemy's
    # events (this statement must not count as a write of its own).
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if not _has_table(conn, cursor):
            return
        cursor.execute("UPDATE data_version SET value = value + 1 WHERE id = 1")
        if cursor.rowcount == 0:  # a database made by create_all, or emptied row by row (tests)
            cursor.execute("INSERT INTO data_version (id, value) VALUES (1, 1)")
    finally:
        cursor.close()


def _has_table(conn: Connection, cursor: Any) -> bool:
    if conn.info.get(_HAS_TABLE):
        return True
    query = _TABLE_QUERIES.get(conn.dialect.name)
    if query is None:
        return False
    cursor.execute(query)
    found = cursor.fetchone() is not None
    if found:  # only a yes is remembered: a migration may create the table later on this connection
        conn.info[_HAS_TABLE] = True
    return found
