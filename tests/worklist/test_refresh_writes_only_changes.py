"""A refresh touches a task only when a column the provider decides really changed: evidence is compared like
title, reason, owner and due time (it used to be written on every refresh), and tuples in a provider's
evidence compare equal to the lists the JSON column gives back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from painpath.core.audit import Actor
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist import engine
from painpath.worklist.engine import Obligation
from painpath.worklist.models import Task

NOW = datetime(2026, 3, 4, 15, 0)
NAME = "evidence_rules"


class EvidenceProvider:
    name = NAME

    def __init__(self) -> None:
        self.evidence: dict = {"facts": ("scan", 2)}
        self.episode_ids: list[int] = []

    def findings(self, session, *, episode_ids, context):  # noqa: ANN001, ANN201
        from painpath.patients.models import Episode

        found = []
        for episode_id in self.episode_ids:
            if episode_ids is not None and episode_id not in episode_ids:
                continue
            episode = session.get(Episode, episode_id)
            found.append(Obligation(
                key=f"{NAME}:episode:{episode_id}", kind=NAME, provider=NAME, clinic_id=episode.clinic_id,
                episode_id=episode_id, patient_id=episode.patient_id, title="Look at the scan",
                due_at=NOW + timedelta(days=2), owner_role="clinician", reason="A scan arrived", evidence=self.evidence,
            ))
        return found


@pytest.fixture
def provider() -> Iterator[EvidenceProvider]:
    registered = engine.register_provider(EvidenceProvider())
    yield registered
    engine._registry.pop(NAME, None)  # noqa: SLF001 - the registry has no unregister: tests only


def _task(db) -> Task:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(Task).where(Task.provider == NAME))


def test_only_a_real_change_of_evidence_refreshes_the_task(ctx, clinic, provider):
    actor = Actor.system("test", clinic.id)
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="EV-1", given_name="Eve", family_name="Dence", birth_date="1970-01-01", sex="female"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Knee pain", body_region="knee", laterality="left", icd10_codes=["M17.12"]))
    provider.episode_ids = [episode.id]
    with ctx.db.session() as session:
        assert ctx.reconcile(session, [episode.id], now=NOW).opened >= 1  # the first-visit provider owes one too
    first = _task(ctx.db)
    assert first.evidence == {"facts": ["scan", 2]}

    with ctx.db.session() as session:  # the same evidence (a tuple again): nothing to write
        assert ctx.reconcile(session, [episode.id], now=NOW).refreshed == 0
    assert _task(ctx.db).version == first.version

    provider.evidence = {"facts": ("scan", 3)}
    with ctx.db.session() as session:
        assert ctx.reconcile(session, [episode.id], now=NOW).refreshed == 1
    refreshed = _task(ctx.db)
    assert refreshed.evidence == {"facts": ["scan", 3]} and refreshed.version == first.version + 1
