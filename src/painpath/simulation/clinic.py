"""The simulated clinic's throwaway database: the schema made once per process, copied for each replication,
and the clinic, its location and its staff written into it.

A replication never touches the clinic's real database: it gets a temporary SQLite file (synchronous off, a
run that dies loses nothing of value) copied from a template this process built once with the models'
metadata, so twenty replications pay for one `create_all`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from painpath.context import AppContext, build_context
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.roles import Role
from painpath.core.config import Settings
from painpath.core.db import Base, Database
from painpath.core.tenancy import Clinic
from painpath.patients.models import Location

# Long enough for Settings' check; the simulated clinic has no sign-in, so no secret protects anything.
_SECRET = "simulation-throwaway-database-secret-0123456789"
_TEMPLATE: Path | None = None
_SCRATCH_ROOT: str | None = None  # set in a pool worker: where its template goes
# Staff roles the scenario counts, and the username prefix of each person.
ROLES = {"coordinators": Role.COORDINATOR, "nurses": Role.NURSE, "clinicians": Role.CLINICIAN,
         "therapists": Role.THERAPIST, "front_desk": Role.FRONT_DESK}


def _scratch() -> str | None:
    """Memory-backed /dev/shm when the machine has it (a throwaway database need never touch a disk), else the
    system's temporary directory."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def scratch_root() -> Path:
    """A folder for a pool's workers' templates, owned (and removed) by the process that starts the pool."""
    return Path(tempfile.mkdtemp(prefix="painpath-sim-pool-", dir=_scratch()))


def use_scratch_root(folder: str) -> None:
    """A pool worker's initializer: build this process's template under the pool's folder."""
    global _SCRATCH_ROOT
    _SCRATCH_ROOT = folder


def _template() -> Path:
    """An empty database with the whole schema, made once per process."""
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        folder = Path(tempfile.mkdtemp(prefix="painpath-sim-", dir=_SCRATCH_ROOT or _scratch()))
        atexit.register(shutil.rmtree, folder, True)  # the template goes with the process
        path = folder / "template.sqlite3"
        database = Database(f"sqlite:///{path}")
        build_context(_settings(path), database)  # imports every model module, so the metadata is complete
        Base.metadata.create_all(database.engine)
        database.dispose()
        _TEMPLATE = path
    return _TEMPLATE


def _settings(path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{path}", secret_key=_SECRET, demo_mode=False)


def _fast(database: Database) -> None:
    """A throwaway run: no fsync (the WAL the engine sets up stays, so a reader beside a writer still works)."""

    @event.listens_for(database.engine, "connect")
    def _pragmas(connection, _record) -> None:  # noqa: ANN001
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


_HELD = "painpath.simulation.held"  # session.info: every entity the unit of work loaded or wrote


def _hold_what_is_loaded(database: Database) -> None:
    """Each unit of work keeps the entities it loaded or wrote until it ends. A session's identity map refers to an
    entity only weakly, so an episode or patient that one service loaded and let go was loaded again by the next
    service in the same unit of work (a first visit opens the chart about ten times; a role's morning works many
    tasks of the same patients). Held, the session finds them: the same rows, as nothing else writes them while a
    unit of work runs (the simulated clinic does one thing at a time). Only the simulator's sessions do this."""

    def hold(session: Session, instance: object) -> None:
        session.info.setdefault(_HELD, []).append(instance)

    event.listen(database.session_factory, "loaded_as_persistent", hold)
    event.listen(database.session_factory, "pending_to_persistent", hold)


@dataclass
class SimulatedClinic:
    ctx: AppContext
    folder: Path
    clinic_id: int
    location_id: int
    staff: dict[str, list[User]]  # Role value -> its people

    def close(self) -> None:
        self.ctx.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def open_clinic(staffing) -> SimulatedClinic:  # noqa: ANN001
    """A fresh throwaway database with one clinic, one location and the scenario's staff."""
    folder = Path(tempfile.mkdtemp(prefix="painpath-sim-run-", dir=_scratch()))
    path = folder / "clinic.sqlite3"
    shutil.copyfile(_template(), path)
    database = Database(f"sqlite:///{path}")
    _fast(database)
    _hold_what_is_loaded(database)
    ctx = build_context(_settings(path), database)
    staff: dict[str, list[User]] = {}
    with database.session() as session:
        clinic = Clinic(name="Simulated Pain Clinic", return_fax="555-0100", phone="555-0101")
        session.add(clinic)
        session.flush()
        actor = Actor.system("simulation", clinic.id)
        location = Location(clinic_id=clinic.id, name="Main", address="1 Simulation Way", phone="555-0102")
        session.add(location)
        for field, role in ROLES.items():
            for number in range(max(1, getattr(staffing, field))):  # one account per role at least: tasks need an actor
                user = User(clinic_id=clinic.id, username=f"{role.value}{number + 1}", display_name=f"{role.value} {number + 1}",
                            role=role.value, password_hash="!simulation-no-sign-in")
                session.add(user)
                staff.setdefault(role.value, []).append(user)
        session.flush()
        audit.record(session, actor, "clinic.create", object_type="clinic", object_id=clinic.id)
        clinic_id, location_id = clinic.id, location.id
    return SimulatedClinic(ctx=ctx, folder=folder, clinic_id=clinic_id, location_id=location_id, staff=staff)
