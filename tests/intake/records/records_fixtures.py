"""Fixtures for the records tests: a real SMTP relay on loopback (aiosmtpd), a port nothing listens on, and
an episode with a clinician, ready for records requests.

Test modules import these by name. A conftest.py here would become `conftest` in sys.modules and shadow
the root conftest that other tests import helpers from.
"""

from __future__ import annotations

import pytest

from smtp_relay import RecordingHandler, Received, closed_port, free_port, smtp_relay  # noqa: F401  (fixtures and helpers)


@pytest.fixture
def make_episode(db, clinic, staff, patient_payload, episode_payload):  # noqa: ANN001, ANN201
    """Factory: a patient and an open episode with a responsible clinician, created through the services."""
    from painpath.core.auth.service import actor_for
    from painpath.patients import service as patients_service
    from painpath.patients.schemas import EpisodeIn, PatientIn

    def make(mrn: str = "MRN-1001", **patient_changes) -> dict:  # noqa: ANN003
        actor = actor_for(staff["coordinator"])
        with db.session() as session:
            patient = patients_service.create_patient(session, actor=actor, data=PatientIn(**{**patient_payload, "mrn": mrn, **patient_changes}))
            episode = patients_service.open_episode(
                session, actor=actor, patient_id=patient.id,
                data=EpisodeIn(**{**episode_payload, "responsible_clinician_id": staff["clinician"].id}),
            )
        return {"patient_id": patient.id, "episode_id": episode.id, "actor": actor, "clinic_id": clinic.id}

    return make
