"""The capability slices, in one list. Each may have models.py (tables), obligations.py (an obligation
provider), timeline.py (timeline entries), views.py and pages.py (routers) and templates/.

Adding a slice means adding its package name here; the app, Alembic and the engine find the rest.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

SLICES = (
    "patients",
    "worklist",
    "intake",
    "intake.records",
    "intake.imports",
    "charting",
    "charting.instruments",
    "charting.function",
    "medications",
    "medications.trials",
    "medications.opioids",
    "medications.tapers",
    "medications.other",
    "charting.procedures",
    "charting.conservative_care",
    "orders",
    "authorizations",
    "plans",
    "therapy",
)
# Core tables that are not a slice's.
CORE_MODEL_MODULES = ("painpath.core.tenancy", "painpath.core.auth.models", "painpath.core.audit")
PACKAGE_ROOT = Path(__file__).resolve().parent


def slice_modules(part: str) -> list[ModuleType]:
    """Import `painpath.<slice>.<part>` for every slice that has one, in SLICES order."""
    found = []
    for name in SLICES:
        dotted = f"painpath.{name}.{part}"
        try:
            present = find_spec(dotted) is not None
        except ModuleNotFoundError:  # the slice's package itself is not there (yet)
            present = False
        if present:
            found.append(import_module(dotted))
    return found


def template_dirs() -> list[Path]:
    return [PACKAGE_ROOT / name.replace(".", "/") / "templates" for name in SLICES if (PACKAGE_ROOT / name.replace(".", "/") / "templates").is_dir()]
