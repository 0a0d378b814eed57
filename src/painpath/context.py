"""The running application's parts in one place: settings, database, knowledge and calendar.

The web app, the background worker and the CLI each build one AppContext at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.config import Settings
from painpath.core.db import Database
from painpath.knowledge import Knowledge, load_knowledge
from painpath.slices import CORE_MODEL_MODULES, slice_modules
from painpath.worklist import touched
from painpath.worklist.engine import EngineContext
from painpath.worklist.reconcile import (
    Evaluation,
    ReconcileResult,
    apply,
    evaluate,
    reconcile,
)


def load_models() -> None:
    """Import every module with tables, so metadata is complete for Alembic and tests."""
    for name in CORE_MODEL_MODULES:
        import_module(name)
    slice_modules("models")


def load_providers() -> None:
    """Obligation providers, timeline sources, chart-access collections and episode-fact readers register
    themselves on import."""
    slice_modules("access")
    slice_modules("episode_facts")
    slice_modules("obligations")
    slice_modules("timeline")


@dataclass
class AppContext:
    settings: Settings
    db: Database
    knowledge: Knowledge
    calendar: BusinessCalendar

    def engine_context(self, now: datetime | None = None) -> EngineContext:
        return EngineContext(now=now or utcnow(), knowledge=self.knowledge, settings=self.settings, calendar=self.calendar)

    def reconcile(self, session: Session, episode_ids: list[int] | None = None, now: datetime | None = None) -> ReconcileResult:
        """Bring tasks in line with the facts, in the caller's transaction."""
        session.flush()  # facts written so far count, and are noted as reconciled below
        result = reconcile(session, self.engine_context(now), episode_ids=episode_ids)
        touched.reconciled(session, episode_ids)
        return result

    def evaluate(self, session: Session, episode_ids: list[int], now: datetime | None = None) -> Evaluation:
        """The reads of a reconcile of these episodes (worklist/review.py runs them before its write transaction),
        in a session that has only read and may be rolled back."""
        return evaluate(session, self.engine_context(now), episode_ids=episode_ids, reads_only=True)

    def apply(self, session: Session, evaluation: Evaluation, now: datetime | None = None,
              clinics: dict[int, int] | None = None) -> ReconcileResult:
        """The writes of a reconcile: tasks brought in line with `evaluation`, in the caller's transaction."""
        session.flush()
        result = apply(session, self.engine_context(now), evaluation, clinics)
        touched.reconciled(session, evaluation.episode_ids)
        return result


def build_context(settings: Settings, db: Database | None = None) -> AppContext:
    """Load and validate everything the app needs; a bad knowledge pack stops start-up here."""
    load_models()
    load_providers()
    knowledge = load_knowledge(settings.extra_pack_dirs)
    calendar = BusinessCalendar(
        country=settings.holiday_country,
        subdivision=settings.holiday_subdivision,
        timezone_name=settings.clinic_timezone,
    )
    return AppContext(settings=settings, db=db or Database(settings.database_url), knowledge=knowledge, calendar=calendar)
