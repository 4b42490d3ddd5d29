"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from storefront import create_app
from storefront.models import Base

LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}


def _drift(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _upgrade_check_downgrade(app_config, url: str) -> None:
    app = create_app({**app_config, **LOCAL_STORAGE, "database_url": url})
    with app.app_context():
        from storefront.extensions import db

        upgrade()
        assert _drift(db.engine) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"products", "orders", "shipments", "tracking_events", "campaigns", "visits", "webhook_events",
                "audit_logs", "staff_users", "inventory_levels"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _drift(db.engine) == []
        db.engine.dispose()


def test_migrations_build_the_model_schema_on_sqlite(app_config, tmp_path):
    _upgrade_check_downgrade(app_config, f"sqlite:///{tmp_path / 'migrations.db'}")


def test_migrations_build_the_model_schema_on_postgresql(app_config, postgres_url):
    name = f"clipper_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_check_downgrade(app_config, make_url(postgres_url).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("table", sorted(Base.metadata.tables))
def test_every_table_has_a_named_primary_key(table):
    assert Base.metadata.tables[table].primary_key.name == f"pk_{table}"
