"""Fixtures that write small payer packs into tmp_path (no database needed); registered by tests/conftest.py.

A plain module, not a conftest.py of tests/knowledge: a second module named `conftest` would shadow the
root one for every test that imports from it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

HEADER = {
    "id": "clinic.test",
    "kind": "payers",
    "version": 1,
    "effective_date": "2026-01-01",
    "last_verified": "2026-11-01",
}

PAYER = {
    "id": "test_payer",
    "name": "Test payer",
    "plan_type": "commercial",
    "decision_clock": {
        "standard": {
            "amount": 15,
            "unit": "calendar_days",
            "source": "contract section 4.2",
            "evidence": "K",
            "verified": False,
        },
        "expedited": {
            "amount": 72,
            "unit": "hours",
            "source": "contract section 4.3",
            "evidence": "K",
            "verified": False,
        },
    },
    "business_calendar": {"veterans_day_is_business_day": True, "reason": "private insurer"},
}


@pytest.fixture
def payer() -> Callable[..., dict[str, Any]]:
    """A valid payer mapping; returns a fresh deep copy so tests can break it freely."""

    def make(**overrides: Any) -> dict[str, Any]:
        return {**copy.deepcopy(PAYER), **overrides}

    return make


@pytest.fixture
def write_pack(tmp_path: Path) -> Callable[..., Path]:
    """Write a payers pack into tmp_path and return the file."""

    def write(name: str, payers: list[dict[str, Any]], **header: Any) -> Path:
        file = tmp_path / name
        pack = {"pack": {**HEADER, "id": f"clinic.{file.stem}", **header}, "payers": payers}
        file.write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")
        return file

    return write
