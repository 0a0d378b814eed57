"""Two reconcilers racing on the same new episode open exactly one task between them."""

import threading
from datetime import datetime

from sqlalchemy import func, select

from painpath.core.audit import Actor, AuditEvent
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task


def test_racing_reconcilers_open_one_task(ctx, clinic):
    actor = Actor.system("test", clinic.id)
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(mrn="R-1", given_name="Ray", family_name="Race", birth_date="1960-05-05", sex="male"))
        episode = patients.open_episode(
            session, actor=actor, patient_id=patient.id,
            data=EpisodeIn(problem_summary="Neck pain", body_region="cervical", laterality="midline", icd10_codes=["M54.2"]),
        )
    start = threading.Barrier(2)
    opened: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with ctx.db.session() as session:
                start.wait()
                opened.append(ctx.reconcile(session, [episode.id], now=datetime(2026, 3, 2, 15, 0)).opened)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(opened) == [0, 1]
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.open")) == 1
