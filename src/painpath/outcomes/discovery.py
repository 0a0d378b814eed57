"""Finding the measures: every `painpath/outcomes/*_measures.py` module is imported once, and each registers
its measures at import (`measures.register_measure`), as slices.page_modules finds `*_pages.py`. The dashboard,
the CSV export, the cases page and the bench call `load_measures()` before reading the registry, so a new
measure module needs no list to be edited."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

from painpath.outcomes.measures import Measure, MeasureGroup, registered_measures

FOLDER = Path(__file__).parent


def measure_modules() -> list[ModuleType]:
    return [import_module(f"painpath.outcomes.{path.stem}") for path in sorted(FOLDER.glob("*_measures.py"))]


def load_measures(group: MeasureGroup | None = None) -> list[Measure]:
    """Every registered measure (of `group`), after importing every measure module; in title order."""
    measure_modules()
    return sorted(registered_measures(group), key=lambda m: m.title)
