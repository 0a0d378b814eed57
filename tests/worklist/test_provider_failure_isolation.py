"""One episode's failing provider never stops the others, never fails the request that wrote a fact, and
tells an admin once, in logs without patient data (issue 11, defect 3).

`FragileProvider` is a test double for the plugin point (a provider registered with the worklist, like
every slice's): it owes one task per open episode and raises for the episodes in `broken`, with the
patient's name and MRN in the exception's message, as a careless provider might.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from painpath import jobs
from painpath.patients.models import Episode, Patient
from painpath.worklist import engine
from painpath.worklist.engine import Obligation
from painpath.worklist.models import Task

NAME = "fragile_rules"
ALERT = "worklist.provider_failed"


class FragileProvider:
    name = NAME

    def __init__(self) -> None:
        self.broken: set[int] = set()
        self.fails_in_the_database = False  # a read the database refuses: on PostgreSQL the transaction is then aborted

    def findings(self, session, *, episode_ids, context):  # noqa: ANN001, ANN201
        query = select(Episode).where(Episode.status == "open")
        if episode_ids is not None:
            query = query.where(Episode.id.in_(episode_ids))
        episodes = list(session.scalars(query))
        for episode in episodes:
            if episode.id in self.broken and self.fails_in_the_database:
                session.execute(text("SELECT * FROM no_such_table"))
            if episode.id in self.broken:
                patient = session.get(Patient, episode.patient_id)
                raise RuntimeError(f"cannot work out {patient.given_name} {patient.family_name} {patient.mrn}")
        return [Obligation(
            key=f"fragile:episode:{e.id}", kind="fragile", provider=NAME, clinic_id=e.clinic_id, episode_id=e.id,
            patient_id=e.patient_id, title="Fragile duty", due_at=context.now + timedelta(days=3), owner_role="clinician",
            reason="A duty from the test provider",
        ) for e in episodes]


@pytest.fixture
def fragile() -> Iterator[FragileProvider]:
    provider = engine.register_provider(FragileProvider())
    yield provider
    engine._registry.pop(NAME, None)  # noqa: SLF001 - the registry has no unregister: tests only


def _episodes(client, patient_payload, episode_payload, count: int) -> list[int]:  # noqa: ANN001
    ids = []
    for n in range(count):
        patient = {**patient_payload, "mrn": f"MRN-ISO-{n}", "given_name": f"Quinby{n}", "family_name": "Zastrow"}
        patient_id = client.post("/api/patients", json=patient).json()["id"]
        ids.append(client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"])
    return ids


def _tasks(db, **where) -> list[Task]:  # noqa: ANN001, ANN003
    with db.session() as session:
        return list(session.scalars(select(Task).filter_by(**where).order_by(Task.id)))


def test_a_failing_provider_is_isolated_to_its_episode_and_an_admin_is_told_once(
        fragile, client_for, patient_payload, episode_payload, ctx, db, capsys):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    first, bad, last = _episodes(coordinator, patient_payload, episode_payload, 3)
    assert {t.episode_id for t in _tasks(db, provider=NAME, status="open")} == {first, bad, last}
    capsys.readouterr()

    fragile.broken = {bad}
    # A fact written to the failing episode: the request still succeeds and its fact is kept.
    note = clinician.post(f"/api/episodes/{bad}/encounters",
                          json={"encounter_type": "follow_up", "date_of_service": str(date.today() - timedelta(days=1))})
    assert note.status_code == 201, note.text
    assert clinician.get(f"/api/encounters/{note.json()['id']}").status_code == 200

    # The clinic-wide pass (the periodic job) reconciles the others, twice over, and tells the admin once.
    jobs.use_context(ctx)
    with db.session() as session:  # an episode that gets a duty only from now on: the pass must still reach it
        session.execute(Task.__table__.delete().where(Task.episode_id == last, Task.provider == NAME))
    for _ in range(2):
        assert jobs.reconcile_all_once()["failed"] == 1

    assert {t.episode_id for t in _tasks(db, provider=NAME, status="open")} == {first, bad, last}  # bad's left as it was
    alerts = _tasks(db, kind=ALERT)
    assert [(a.episode_id, a.owner_role, a.status) for a in alerts] == [(bad, "admin", "open")]
    assert f"episode {bad}" in alerts[0].reason and "fragile rules" in alerts[0].reason
    assert alerts[0].evidence == {"provider": NAME, "error": "RuntimeError", "episode_id": bad}

    logs = capsys.readouterr().out + capsys.readouterr().err
    failed_lines = [line for line in logs.splitlines() if "obligation provider failed for an episode" in line]
    assert failed_lines and all(f"episode_id={bad}" in line and NAME in line and "RuntimeError" in line for line in failed_lines)
    for phi in ("Quinby", "Zastrow", "MRN-ISO", "cannot work out"):
        assert phi not in logs

    # Fixed: the next pass closes the admin's task by itself and the episode is reconciled again.
    fragile.broken = set()
    assert jobs.reconcile_all_once()["failed"] == 0
    assert [a.status for a in _tasks(db, kind=ALERT)] == ["met"]


@pytest.mark.parametrize("in_the_database", [False, True], ids=["raises", "database_refuses_a_read"])
def test_a_failing_provider_does_not_stop_the_other_providers_of_the_same_episode(
        fragile, client_for, patient_payload, episode_payload, ctx, db, in_the_database):
    coordinator = client_for("coordinator")
    (episode_id,) = _episodes(coordinator, patient_payload, episode_payload, 1)
    fragile.broken, fragile.fails_in_the_database = {episode_id}, in_the_database
    with db.session() as session:
        session.execute(Task.__table__.delete().where(Task.episode_id == episode_id))  # every provider must reopen its own
    with db.session() as session:
        result = ctx.reconcile(session, [episode_id])
    assert result.failed == 1
    with db.session() as session:
        providers = set(session.scalars(select(Task.provider).where(Task.episode_id == episode_id, Task.status == "open")))
        alerts = session.scalar(select(func.count()).select_from(Task).where(Task.kind == ALERT))
    assert NAME not in providers and providers - {"worklist"}, providers  # the others still opened theirs
    assert alerts == 1


def test_a_fact_that_cannot_be_read_for_one_episode_of_a_review_chunk_stops_only_that_episode(
        client_for, patient_payload, episode_payload, ctx, db, clinic):
    # In a review pass the providers' shared reads are made for the whole chunk at the first ask (core.db.read_memo);
    # when one of them fails, the providers run again per episode, and those reads must then leave the others be.
    from painpath.facts import gather as facts_gather
    from painpath.worklist.gather import gather

    coordinator = client_for("coordinator")
    first, bad, last = _episodes(coordinator, patient_payload, episode_payload, 3)

    def fragile_reader(_session: object, episode_ids: list[int], _query: object) -> dict:
        if bad in episode_ids:
            raise RuntimeError("this episode's facts cannot be read")
        return {}

    class FactsProvider:  # a provider that reads the gathered facts, as the plans and authorizations providers do
        name = "facts_reader"

        def findings(self, session: object, *, episode_ids: list[int], context: object) -> list:
            facts = facts_gather.gather_facts(session, knowledge=context.knowledge, calendar=context.calendar,
                                              episode_ids=episode_ids, today=context.calendar.local_date(context.now))
            return [Obligation(key=f"facts:episode:{e}", kind="facts", provider=self.name, clinic_id=clinic.id, episode_id=e,
                               patient_id=0, title="Facts read", due_at=context.now + timedelta(days=3), owner_role="clinician",
                               reason="A duty from the facts the test reads") for e in facts]

    facts_gather.register_reader("zz_fragile")(fragile_reader)
    try:
        with db.session() as session:
            found = gather(session, [FactsProvider()], ctx.engine_context(None), [first, bad, last], reads_only=True)
    finally:
        facts_gather._readers.pop("zz_fragile", None)  # readers have no unregister: tests only
    assert [(f.provider, f.episode_id) for f in found.failures] == [("facts_reader", bad)]
    assert sorted(f.episode_id for f in found.findings) == [first, last]


def test_a_provider_whose_read_the_database_refuses_leaves_the_write_that_started_the_reconcile(
        fragile, client_for, patient_payload, episode_payload, db):
    # The providers first run together in one savepoint: the failure undoes that savepoint only, never the write.
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    (episode_id,) = _episodes(coordinator, patient_payload, episode_payload, 1)
    fragile.broken, fragile.fails_in_the_database = {episode_id}, True
    with db.session() as session:
        session.execute(Task.__table__.delete().where(Task.episode_id == episode_id))
    note = clinician.post(f"/api/episodes/{episode_id}/encounters",
                          json={"encounter_type": "follow_up", "date_of_service": str(date.today() - timedelta(days=1))})
    assert note.status_code == 201, note.text
    assert clinician.get(f"/api/encounters/{note.json()['id']}").status_code == 200
    with db.session() as session:
        providers = set(session.scalars(select(Task.provider).where(Task.episode_id == episode_id, Task.status == "open")))
    assert NAME not in providers and providers - {"worklist"}, providers
