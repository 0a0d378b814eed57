"""A clinic with one user per role in a database of its own, built once for a whole test module.

For modules whose tests only read what one costly set-up wrote (a clinic built through the services and pages,
then asked different questions): building it once per module instead of once per test is most of their time.
A test that changes what the others read keeps the function-scoped fixtures of conftest.py instead.

    @pytest.fixture(scope="module")
    def shared(migrated_template, tmp_path_factory):
        with shared_clinic(migrated_template, tmp_path_factory.mktemp("mine")) as clinic:
            clinic.built = build(clinic.db, clinic.client_for, clinic.clinic, app=clinic.app, staff=clinic.staff)
            yield clinic

A module using it is marked `storage` (pytestmark), so the PostgreSQL pass runs it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from painpath.context import AppContext, build_context
from painpath.core.auth.models import User
from painpath.core.auth.roles import Role
from painpath.core.db import Database
from painpath.core.tenancy import Clinic
from painpath.patients.models import Location
from painpath.web.app import create_app
from support import own_database, password_for, sign_in

_HASHES: dict[str, str] = {}


def quick_password_hash(role: str) -> str:
    """The role's password as an argon2id hash with small parameters. Verifying reads the parameters from the
    hash, so each sign-in in the suite costs a millisecond rather than production's deliberate cost (thousands
    of sign-ins per run). Passwords set through the app are hashed with production's parameters, which
    tests/core/test_auth.py checks."""
    if role not in _HASHES:
        _HASHES[role] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password_for(role))
    return _HASHES[role]




def add_clinic(db: Database) -> Clinic:
    """Riverside Pain & Spine with two locations."""
    with db.session() as session:
        found = Clinic(name="Riverside Pain & Spine", return_fax="555-0100", phone="555-0101")
        session.add(found)
        session.flush()
        session.add(Location(clinic_id=found.id, name="Riverside Main", address="1 River Rd", phone="555-0102"))
        session.add(Location(clinic_id=found.id, name="Northgate", address="20 North Ave", phone="555-0103"))
    return found


def add_staff(db: Database, clinic: Clinic) -> dict[str, User]:
    """One user per role, username = role name."""
    users = {}
    with db.session() as session:
        for role in Role:
            user = User(clinic_id=clinic.id, username=role.value, display_name=f"{role.value.replace('_', ' ').title()} User",
                        role=role.value, password_hash=quick_password_hash(role.value))
            session.add(user)
            users[role.value] = user
    return users


@dataclass
class SharedClinic:
    ctx: AppContext
    clinic: Clinic
    staff: dict[str, User]
    app: Any
    client_for: Callable[[str], TestClient]
    built: Any = None  # what the module's set-up wrote, for its tests to read
    clients: list[TestClient] = field(default_factory=list)

    @property
    def db(self) -> Database:
        return self.ctx.db


@contextmanager
def shared_clinic(migrated_template: str, folder: Path) -> Iterator[SharedClinic]:
    with own_database(migrated_template, folder) as settings:
        ctx = build_context(settings, Database(settings.database_url))
        clinic = add_clinic(ctx.db)
        staff = add_staff(ctx.db, clinic)
        app = create_app(ctx)
        clients: list[TestClient] = []

        def client_for(role: str) -> TestClient:
            client = kept.enter_context(TestClient(app))  # one event loop for all its requests (conftest.client_for)
            clients.append(client)
            return sign_in(client, role, password_for(role))

        try:
            with ExitStack() as kept:
                yield SharedClinic(ctx=ctx, clinic=clinic, staff=staff, app=app, client_for=client_for, clients=clients)
        finally:
            ctx.db.dispose()
