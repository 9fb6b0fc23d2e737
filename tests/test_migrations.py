"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from domain.models import Base
from tests.helpers import PG_URL, test_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL migration check needs it")
    request.getfixturevalue("pg_schema")  # fails in CI if PostgreSQL is down
    name = f"pb_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrade_matches_models_and_downgrade_empties(empty_database, tmp_path):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        engine = create_engine(empty_database)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
            indexes = set(conn.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'index'" if conn.dialect.name == "sqlite"
                else "SELECT indexname FROM pg_indexes")))
        assert differences == []
        # the case-insensitive e-mail index is an expression, which autogenerate cannot compare
        assert "uq_users_email_lower" in indexes
        downgrade(revision="base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()
