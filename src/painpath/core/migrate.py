"""Run Alembic migrations programmatically (painpath db upgrade, tests, make run)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from painpath.core.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser treats % specially; a password with % in the URL must be escaped.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    # "heads": slices developed in parallel may add migrations on branches; a merge revision joins them.
    command.upgrade(alembic_config(database_url), revision)


def migrations_dir() -> Path:
    return PROJECT_ROOT / "migrations"
