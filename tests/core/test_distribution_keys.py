"""Every table that holds patient data carries clinic_id, and docs/operations.md says how Citus would hold
each table, the same list as the models' metadata (so the docs cannot drift). Pure metadata: no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from painpath.context import load_models
from painpath.core.db import Base

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
ROW = re.compile(r"^\|\s*`(?P<table>[a-z_]+)`\s*\|\s*(?P<kind>distributed|reference)\b")
PATIENT_ROOTS = {"patient", "episode"}


@pytest.fixture(scope="module")
def tables():
    load_models()
    return Base.metadata.tables


def documented_kinds() -> dict[str, str]:
    text = DOCS.read_text()
    start, end = text.index("<!-- distribution-keys:start -->"), text.index("<!-- distribution-keys:end -->")
    kinds: dict[str, str] = {}
    for line in text[start:end].splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["table"] not in kinds, f"{match['table']} is listed twice in docs/operations.md"
            kinds[match["table"]] = match["kind"]
    return kinds


def holds_patient_data(name: str, tables) -> bool:  # noqa: ANN001
    """The patient or episode row itself, or any row that points at one, directly or through other rows."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in PATIENT_ROOTS:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(fk.column.table.name for fk in tables[current].foreign_keys)
    return False


def test_every_table_with_patient_data_has_clinic_id(tables):
    lacking = sorted(name for name, table in tables.items() if holds_patient_data(name, tables) and "clinic_id" not in table.c)
    assert not lacking, f"tables with patient data but no clinic_id (cannot be distributed by clinic): {lacking}"


def test_docs_list_every_table_as_the_metadata_has_it(tables):
    kinds = documented_kinds()
    assert sorted(set(tables) - set(kinds)) == [], "tables missing from the Citus list in docs/operations.md"
    assert sorted(set(kinds) - set(tables)) == [], "tables in the Citus list of docs/operations.md that no model has"
    distributed_without_key = sorted(n for n, kind in kinds.items() if kind == "distributed" and "clinic_id" not in tables[n].c)
    assert not distributed_without_key, f"listed as distributed by clinic_id but have no clinic_id: {distributed_without_key}"
    reference_with_patients = sorted(n for n, kind in kinds.items() if kind == "reference" and holds_patient_data(n, tables))
    assert not reference_with_patients, f"patient data would be copied to every node: {reference_with_patients}"
    undistributed_clinical = sorted(n for n, kind in kinds.items() if kind == "reference" and "clinic_id" in tables[n].c
                                    and n not in {"app_user"})
    assert not undistributed_clinical, f"tables with clinic_id listed as reference tables: {undistributed_clinical}"


def test_reference_tables_point_only_at_reference_tables(tables):
    # Citus refuses a foreign key from a reference table (copied to every node) to a distributed one.
    kinds = documented_kinds()
    wrong = sorted(f"{name} -> {fk.column.table.name}" for name, kind in kinds.items() if kind == "reference"
                   for fk in tables[name].foreign_keys if kinds.get(fk.column.table.name) != "reference")
    assert not wrong, f"reference tables pointing at distributed tables: {wrong}"
