"""One plain row for every table behind a registered chart-access collection, for the tests that walk every
route that takes an id (tests/web/test_chart_access_routes.py, tests/portal/test_portal_security.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric

from painpath.core.auth import chart_access
from painpath.core.db import Base


def plausible_value(column, ids: dict[str, int]):  # noqa: ANN001, ANN202
    """A plausible value for a required column: the parent row for a foreign key, else one by type."""
    for fk in column.foreign_keys:
        return ids[fk.column.table.name]
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime(2026, 11, 2, 15, 0)
    if isinstance(kind, Date):
        return date(2026, 11, 2)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, LargeBinary):
        return b"x"
    if isinstance(kind, (Integer, Float, Numeric)):
        return 1
    if isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
        return {}
    return "x"


def rows_for_every_collection(session, clinic_id: int, ids: dict[str, int]) -> dict[str, int]:  # noqa: ANN001
    """Insert one row per table behind a registered collection (and the tables they hang from), in
    foreign-key order, each pointing at the episode in `ids`; return the id of each collection's row."""
    wanted = {model.__table__ for model in chart_access.collection_models().values()}
    closure = set(wanted)
    while True:
        parents = {fk.column.table for t in closure for c in t.columns for fk in c.foreign_keys
                   if not c.nullable and fk.column.table.name not in ids}
        if parents <= closure:
            break
        closure |= parents
    for table in Base.metadata.sorted_tables:
        if table not in closure:
            continue
        values = {"clinic_id": clinic_id}
        for column in table.columns:
            if column.primary_key or column.name in values or column.name == "id":
                continue
            if column.foreign_keys and column.name in ("episode_id", "patient_id"):
                values[column.name] = ids[next(iter(column.foreign_keys)).column.table.name]
            elif not column.nullable and column.default is None and column.server_default is None:
                values[column.name] = plausible_value(column, ids)
        ids[table.name] = session.execute(table.insert().values(**values)).inserted_primary_key[0]
    return {name: ids[model.__tablename__] for name, model in chart_access.collection_models().items()}
