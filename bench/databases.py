"""Scratch databases for the benchmarks: a fresh PostgreSQL database (dropped afterwards) or a SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def create_database(admin_url: str) -> str:
    name = f"painpath_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def scratch_database(postgres: bool, admin_url: str, sqlite_file: Path) -> Iterator[str]:
    """A database URL for one run: a new PostgreSQL database dropped on exit, or the SQLite file."""
    if not postgres:
        yield f"sqlite:///{sqlite_file}"
        return
    url = create_database(admin_url)
    try:
        yield url
    finally:
        drop_database(admin_url, url)
