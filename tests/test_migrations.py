"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""

from __future__ import annotations

import uuid
from decimal import Decimal

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


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_0005_fills_the_snapshot_of_submitted_claims_from_their_stored_totals_and_the_audit_trail(
        empty_database, tmp_path):
    """Claims submitted before 0005, when the contract changed after them, show what they were submitted with."""
    from domain import claims
    from domain.models import Claim, ClaimStatus, db
    from tests import factories
    from tests.web.contract_helpers import Contract, change_the_contract, next_period, submit

    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        world = factories.build_world()
        vendor = factories.vendor("Keystone Concrete Co.")
        commitment = factories.commitment(world.project, vendor, lines=("50000.00", "37000.00"))
        commitment.stored_materials_retention_pct = Decimal("5.00")
        db.session.commit()
        contact = vendor.default_claim_contact
        contract = Contract(world, contact, commitment, claims.start_claim(commitment, world.period, contact))
        submit(contract, contract.claim, ("12000", ""), ("", "4000"))
        claims.review(contract.fresh(), [], ClaimStatus.APPROVED, world.admin)  # 1: Approved
        later = claims.start_claim(commitment, next_period(contract), contact)
        submit(contract, later, ("8000", ""), ("1000", ""))  # 2: Under Review when the contract changes
        ids = [contract.claim.id, later.id]
        submitted = {i: claims.figures(db.session.get(Claim, i)) for i in ids}
        change_the_contract(contract)  # line B 37,000 -> 44,000, a 5,000 line added, retention 15% / 10%
        db.session.remove()
        downgrade(revision="0002")  # as if these claims were older than the snapshot (and 0003 and 0004 rebuild claims)
        upgrade()
        db.session.remove()
        filled = {i: db.session.get(Claim, i) for i in ids}
        assert [(c.retention_pct, c.stored_retention_pct) for c in filled.values()] == [
            (Decimal("10.00"), Decimal("5.00"))] * 2
        assert [c.previous_claims for c in filled.values()] == [Decimal("0.00"), Decimal("14600.00")]
        # claim 2 got the added line after its submission: it stays off its document
        assert sorted(str(line.scheduled_value) for line in filled[ids[1]].lines) == [
            "37000.00", "50000.00", "None"]
        assert {i: claims.figures(c) for i, c in filled.items()} == submitted
        db.session.remove()
