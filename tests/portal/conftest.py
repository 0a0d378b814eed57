"""A signed-in patient for portal tests: a patient-role user tied to one patient record.

Accounts made here skip the invitation (tests/portal/test_invitations.py walks that path); everything
else about the patient's sign-in is the real one (login form, session cookie, CSRF header)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from painpath.core.auth.models import User
from painpath.portal.models import PatientAccount
from support import password_for, sign_in

_FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def portal_client_for(app, db, clinic):  # noqa: ANN201
    """Factory: `make(patient_id, username="pat-<id>")` -> a TestClient signed in as that patient."""
    with ExitStack() as clients:
        yield lambda patient_id, username=None: _signed_in_patient(app, db, clinic, clients, patient_id, username)


def _signed_in_patient(app, db, clinic, clients: ExitStack, patient_id: int, username: str | None) -> TestClient:  # noqa: ANN001
    name = username or f"pat-{patient_id}"
    with db.session() as session:
        user = User(clinic_id=clinic.id, username=name, display_name=f"Patient {patient_id}", role="patient",
                    password_hash=_FAST_HASH.hash(password_for("patient")))
        session.add(user)
        session.flush()
        session.add(PatientAccount(clinic_id=clinic.id, patient_id=patient_id, user_id=user.id, email=f"{name}@example.org"))
    client = clients.enter_context(TestClient(app))  # one event loop for all its requests (conftest.client_for)
    return sign_in(client, name, password_for("patient"))
