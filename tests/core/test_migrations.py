"""Migrations build the whole schema from empty, on whichever database this run uses."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from painpath.context import load_models
from painpath.core.db import Base
from painpath.core.migrate import alembic_config, upgrade
from alembic import command

from support import TEST_DB, create_pg_database, drop_pg_database

pytestmark = pytest.mark.storage  # each test makes its own database


def _fresh_url(tmp_path) -> str:
    if TEST_DB == "postgresql":
        return create_pg_database()
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def _engine(url: str):  # noqa: ANN202
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def test_upgrade_from_empty_matches_the_models(tmp_path):
    url = _fresh_url(tmp_path)
    try:
        upgrade(url)
        load_models()
        engine = _engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {"clinic", "app_user", "patient", "episode", "task", "audit_event"} <= tables
    finally:
        if TEST_DB == "postgresql":
            drop_pg_database(url)


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    url = _fresh_url(tmp_path)
    try:
        upgrade(url)
        command.downgrade(alembic_config(url), "base")
        engine = _engine(url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        upgrade(url)
        engine = _engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0
        engine.dispose()
    finally:
        if TEST_DB == "postgresql":
            drop_pg_database(url)


def test_the_migration_history_has_one_head():
    from alembic.script import ScriptDirectory

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
