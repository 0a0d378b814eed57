"""The capability slices, in one list. Each may have models.py (tables), obligations.py (an obligation
provider), episode_facts.py (readers of the episode facts), timeline.py (timeline entries), views.py,
pages.py and <topic>_pages.py (routers) and templates/.

Adding a slice means adding its package name here, in SLICES and in LAYERS; the app, Alembic and the
engine find the rest.
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
    "charting.history",
    "charting.patient_events",
    "charting.pain_diagram",
    "charting.behavioural",
    "orders",
    "authorizations",
    "plans",
    "therapy",
    "referrals",
    "paperwork",
    "workcomp",
    "workcomp.followup",
    "checkins",
    "portal",
    "costs",
    "outcomes",
)
# The same slices as layers, lowest first: a slice imports only slices listed before it here (and a parent
# package its own sub-slices where it aggregates them: models, access, obligations). tests/test_layers.py
# holds the code to it. SLICES stays the registration order (routes, templates, panels and providers are
# found in that order, and moving them would change which route or template wins); LAYERS is how they
# depend on each other.
LAYERS = (
    "patients",
    "worklist",
    "intake",
    "charting",
    "charting.instruments",
    "charting.function",
    "charting.procedures",
    "charting.conservative_care",
    "charting.history",
    "charting.patient_events",
    "charting.pain_diagram",
    "charting.behavioural",
    "medications",
    "medications.opioids",
    "medications.trials",
    "medications.tapers",
    "medications.other",
    "intake.imports",
    "orders",
    "intake.records",
    "workcomp",
    "authorizations",
    "therapy",
    "plans",
    "paperwork",
    "referrals",
    "workcomp.followup",
    "checkins",
    "portal",
    "costs",
    "outcomes",
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


def page_modules() -> list[ModuleType]:
    """Every slice's page routers: its `pages.py`, then any `<topic>_pages.py` beside it (a slice whose pages
    outgrow one module splits them, e.g. intake/visit_pages.py), in SLICES order. The split modules are found
    here rather than imported by pages.py, since they use pages.py's helpers: that way no circle."""
    found = []
    for name in SLICES:
        folder = PACKAGE_ROOT / name.replace(".", "/")
        if (folder / "pages.py").is_file():
            found.append(import_module(f"painpath.{name}.pages"))
        found += [import_module(f"painpath.{name}.{path.stem}") for path in sorted(folder.glob("*_pages.py"))]
    return found


def template_dirs() -> list[Path]:
    return [PACKAGE_ROOT / name.replace(".", "/") / "templates" for name in SLICES if (PACKAGE_ROOT / name.replace(".", "/") / "templates").is_dir()]
