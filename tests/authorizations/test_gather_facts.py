"""Gathering an episode's facts for the criteria engine from the slices that record them.

Episodes are built through the services (intake call and triage, coverage, conservative care, trials,
notes with exam and measures, PT visits, imaging, procedures with relief, a PEG), then gathered. The
gatherer reads with one query per source, so gathering 3 or 30 episodes issues the same statements.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import event, func, select

from painpath.charting import service as charting
from painpath.charting.conservative_care import service as conservative_care
from painpath.charting.conservative_care.schemas import CareIn
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.procedures import service as procedures
from painpath.charting.procedures.schemas import ProcedureIn, ReliefIn
from painpath.charting.schemas import EncounterIn, ExamIn, MeasuresIn
from painpath.core.audit import AuditEvent
from painpath.core.auth.service import actor_for
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import CareComponent, DocumentFact, ImagingStudy, MeasureFact, ReliefReport, ScoreFact
from painpath.intake import service as intake
from painpath.intake.schemas import CallIn
from painpath.medications.trials import service as medications
from painpath.medications.trials.schemas import TrialIn
from painpath.orders import service as orders
from painpath.orders.schemas import StudyIn
from painpath.patients import service as patients
from painpath.patients.schemas import CoverageIn, EpisodeUpdate

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 7)


def _safe_answers(knowledge) -> dict:  # noqa: ANN001
    """Every red-flag question answered with the reassuring value."""
    answers = {}
    for q in knowledge.red_flags.questions:
        if q.kind == "yes_no":
            answers[q.id] = False
        elif q.kind == "number":
            answers[q.id] = {"age": 44}.get(q.id, 30)
        else:
            answers[q.id] = q.options[0].value
    return answers


def _note(session, actor, episode_id: int, kind: str, on: date):  # noqa: ANN001, ANN202
    return charting.create_encounter(session, actor=actor, episode_id=episode_id, data=EncounterIn(encounter_type=kind, date_of_service=on))


def build_episode(ctx, db, staff, n: int) -> int:  # noqa: ANN001
    """One lumbar episode with every kind of fact the gatherer reads, recorded through the services."""
    desk, nurse, clinician = (actor_for(staff[r]) for r in ("coordinator", "nurse", "clinician"))
    k, cal = ctx.knowledge, ctx.calendar
    with db.session() as s:
        call = intake.record_call(s, actor=desk, knowledge=k, calendar=cal, data=CallIn(
            new_patient={"given_name": f"Rosa{n}", "family_name": "Lindqvist", "birth_date": "1970-07-02", "sex": "female", "phone": "555-0177"},
            caller_name="Rosa Lindqvist", caller_phone="555-0177", reason="Low back pain into the left leg", pain_location="low back",
            body_region="lumbar", laterality="left",
        ))
        intake.record_triage(s, actor=desk, knowledge=k, call_id=call.id, answers={**_safe_answers(k), "fever": True, "injects_drugs": True})
        _patient, episode = patients.read_episode(s, actor=desk, episode_id=call.episode_id)
        patients.update_episode(s, actor=desk, episode_id=episode.id, data=EpisodeUpdate(
            problem_summary=episode.problem_summary, body_region="lumbar", laterality="left", onset_date=date(2026, 6, 1),
            icd10_codes=["M54.16"], version=episode.version,
        ))
        patients.add_coverage(s, actor=desk, knowledge=k, patient_id=call.patient_id, data=CoverageIn(
            payer_id="aetna_commercial", member_id=f"W{n:06d}", effective_from=date(2026, 1, 1)))
        e = episode.id

        conservative_care.record_entry(s, actor=nurse, calendar=cal, episode_id=e, data=CareIn(
            kind="physical_therapy", start_date=date(2026, 7, 1), end_date=date(2026, 8, 15), description="Elm Street PT, 12 visits",
            source="reported", failed="yes"))
        conservative_care.record_entry(s, actor=nurse, calendar=cal, episode_id=e, data=CareIn(
            kind="medication", start_date=date(2026, 6, 10), end_date=date(2026, 6, 30), description="Prednisone taper from urgent care",
            drug_class="oral_steroid", failed="unknown"))
        trials = medications.pack(k)
        medications.record_trial(s, actor=nurse, knowledge_trials=trials, calendar=cal, episode_id=e, data=TrialIn(
            drug_key="gabapentin", dose_mg=300, times_per_day=3, start_date=date(2026, 9, 1), stop_date=date(2026, 10, 15),
            reason_stopped="ineffective"))
        medications.record_trial(s, actor=nurse, knowledge_trials=trials, calendar=cal, episode_id=e, data=TrialIn(
            drug_name="Meloxicam", daily_mg=15, start_date=date(2026, 10, 16)))

        first = _note(s, clinician, e, "initial", date(2026, 11, 2))
        charting.record_exam(s, actor=clinician, encounter_id=first.id, data=ExamIn(
            si_tests={"distraction": "positive"}, diagnosis_codes=["M54.16"], reasoning="radicular at first"))
        charting.record_measures(s, actor=clinician, encounter_id=first.id, data=MeasuresIn(walking_minutes=10, pain_average=7, work_status="off_work"))
        later = _note(s, clinician, e, "follow_up", date(2026, 11, 30))
        charting.record_exam(s, actor=clinician, encounter_id=later.id, data=ExamIn(
            si_tests={"distraction": "positive", "thigh_thrust": "positive", "compression": "negative"},
            facet_loading={"left": "positive"}, diagnosis_codes=["M47.816"], reasoning="facet-mediated axial pain"))
        charting.record_measures(s, actor=clinician, encounter_id=later.id, data=MeasuresIn(walking_minutes=20))
        for on in (date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)):
            _note(s, clinician, e, "pt_visit", on)

        orders.record_study(s, actor=desk, calendar=cal, episode_id=e, data=StudyIn(
            modality="mri", region="lumbar", study="MRI lumbar spine without contrast", performed_on=date(2026, 10, 20),
            report_on_file=True, concordant="yes", summary="L4-5 facet arthropathy"))
        orders.record_study(s, actor=desk, calendar=cal, episode_id=e, data=StudyIn(
            modality="xray", region="lumbar", study="Lumbar spine X-ray, 2 views", performed_on=date(2026, 6, 12)))

        block = dict(procedure_key="mbb_lumbar", cpt_codes=["64493", "64494"], side="left", levels=["L4-5", "L5-S1"],
                     baseline_pain=8, baseline_scale="nrs")
        one = procedures.record_procedure(s, actor=clinician, knowledge=k, calendar=cal, episode_id=e,
                                          data=ProcedureIn(**block, performed_on=date(2026, 11, 20)))
        procedures.add_relief(s, actor=clinician, calendar=cal, procedure_id=one.id,
                              data=ReliefIn(measured_on=date(2026, 11, 20), pain_score=1.2, scale="nrs", hours_after=4))
        two = procedures.record_procedure(s, actor=clinician, knowledge=k, calendar=cal, episode_id=e,
                                          data=ProcedureIn(**block, performed_on=date(2026, 11, 30), spacing_exception="travel"))
        procedures.add_relief(s, actor=clinician, calendar=cal, procedure_id=two.id,
                              data=ReliefIn(measured_on=date(2026, 11, 30), percent=78, scale="vas", hours_after=3))
        instruments.administer(s, actor=nurse, knowledge=k, calendar=cal, episode_id=e, data=AdministrationIn(
            instrument_id="peg", answers={"peg_1": 7, "peg_2": 6, "peg_3": 5}, administered_at=datetime(2026, 11, 2, 9, 30)))
        return e


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _gather(ctx, db, ids, today=TODAY):  # noqa: ANN001, ANN202
    with db.session() as session:
        return gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=ids, today=today)


def test_an_episodes_facts_come_from_every_slice(ctx, db, staff, clock):
    episode_id = build_episode(ctx, db, staff, 1)
    found = _gather(ctx, db, [episode_id, 999999])
    assert list(found) == [episode_id]  # an unknown id is left out
    facts = found[episode_id]

    assert (facts.payer_id, facts.plan_type) == ("aetna_commercial", "commercial")
    assert (facts.body_region, facts.laterality, facts.onset_date) == ("lumbar", "left", date(2026, 6, 1))
    assert facts.diagnosis_codes == ("M54.16", "M47.816")  # the episode's, then the latest exam's working diagnosis
    assert facts.red_flags == frozenset({"RF-INFECT"})

    assert facts.care == (
        CareComponent(kind="medication", start=date(2026, 6, 10), end=date(2026, 6, 30), description="Prednisone taper from urgent care",
                      source="reported", drug_class="oral_steroid", failed=None),
        CareComponent(kind="physical_therapy", start=date(2026, 7, 1), end=date(2026, 8, 15), description="Elm Street PT, 12 visits",
                      source="reported", failed=True),
        CareComponent(kind="medication", start=date(2026, 9, 1), end=date(2026, 10, 15), description="Gabapentin 300 mg three times a day",
                      source="medication_trial", drug_class="gabapentinoid", failed=True),
        CareComponent(kind="medication", start=date(2026, 10, 16), end=None, description="Meloxicam 15 mg a day",
                      source="medication_trial", drug_class=None, failed=None),
        CareComponent(kind="physical_therapy", start=date(2026, 11, 16), end=None,  # last visit 7 days ago: still going
                      description="3 PT visits at this clinic, 16 Nov 2026 to 30 Nov 2026", source="pt_visits"),
    )
    assert facts.imaging == (
        ImagingStudy(modality="xray", region="lumbar", performed_on=date(2026, 6, 12), report_on_file=False, concordant=None),
        ImagingStudy(modality="mri", region="lumbar", performed_on=date(2026, 10, 20), report_on_file=True, concordant=True,
                     summary="L4-5 facet arthropathy"),
    )
    (report,) = facts.documents
    assert report.kind == "imaging_report" and report.on == date(2026, 10, 20) and report.reference.startswith("imaging_study:")
    assert report == DocumentFact(kind="imaging_report", on=date(2026, 10, 20), reference=report.reference, result="MRI lumbar spine without contrast")

    first, second = facts.procedures
    assert (first.kind, first.cpt_codes, first.region, first.side, first.levels, first.diagnostic) == (
        "mbb_lumbar", ("64493", "64494"), "lumbar", "left", ("L4-5", "L5-S1"), True)
    assert (first.baseline_pain, first.baseline_scale, first.spacing_exception) == (8, "nrs", None)
    assert first.relief == (ReliefReport(measured_on=date(2026, 11, 20), percent=85.0, scale="nrs", hours_after=4),)
    assert second.performed_on == date(2026, 11, 30) and second.spacing_exception == "travel"
    assert second.relief == (ReliefReport(measured_on=date(2026, 11, 30), percent=78.0, scale="vas", hours_after=3),)
    assert (first.peak_relief, second.peak_relief) == (85.0, 78.0)

    assert facts.scores == (ScoreFact(instrument_id="peg", on=date(2026, 11, 2), total=6.0),)
    # Numeric measures only (work status is not a number); one visit's measures share a date, so compare as a set.
    assert sorted(facts.measures, key=lambda m: (m.on, m.measure)) == [
        MeasureFact("pain_average", date(2026, 11, 2), 7.0), MeasureFact("walking_minutes", date(2026, 11, 2), 10.0),
        MeasureFact("walking_minutes", date(2026, 11, 30), 20.0),
    ]
    assert [m.on for m in facts.measures] == sorted(m.on for m in facts.measures)  # in date order
    assert facts.exam is not None
    assert (facts.exam.on, facts.exam.si_positive_count, facts.exam.diagnosis_codes, facts.exam.reasoning) == (
        date(2026, 11, 30), 2, ("M47.816",), "facet-mediated axial pain")
    assert facts.exam.findings["facet_loading"]["left"] == "positive"


def test_a_pt_course_ends_at_its_last_visit_once_that_is_over_two_weeks_ago(ctx, db, staff, clock):
    episode_id = build_episode(ctx, db, staff, 1)
    (pt,) = [c for c in _gather(ctx, db, [episode_id], today=date(2026, 12, 14))[episode_id].care if c.source == "pt_visits"]
    assert pt.end is None
    (pt,) = [c for c in _gather(ctx, db, [episode_id], today=date(2026, 12, 15))[episode_id].care if c.source == "pt_visits"]
    assert pt.end == date(2026, 11, 30)


def test_an_episode_with_no_facts_yet_gathers_empty_and_coverage_is_the_one_in_effect(ctx, db, staff, patient_payload, episode_payload, clock):
    from painpath.patients.schemas import EpisodeIn, PatientIn

    desk = actor_for(staff["coordinator"])
    with db.session() as s:
        patient = patients.create_patient(s, actor=desk, data=PatientIn(**patient_payload))
        episode = patients.open_episode(s, actor=desk, patient_id=patient.id, data=EpisodeIn(**episode_payload))
        patients.add_coverage(s, actor=desk, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(
            payer_id="humana_ma", member_id="H1", effective_from=date(2025, 1, 1), effective_to=date(2025, 12, 31)))
        patients.add_coverage(s, actor=desk, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(
            payer_id="medicare_cgs_j15", member_id="M1", effective_from=date(2026, 1, 1)))
        patients.add_coverage(s, actor=desk, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(
            payer_id="aetna_commercial", member_id="S1", effective_from=date(2026, 1, 1), priority=2))
    facts = _gather(ctx, db, [episode.id])[episode.id]
    assert (facts.payer_id, facts.plan_type) == ("medicare_cgs_j15", "medicare")
    assert facts.diagnosis_codes == ("M54.12",) and facts.red_flags == frozenset()
    assert (facts.care, facts.imaging, facts.procedures, facts.scores, facts.measures, facts.documents, facts.exam) == ((), (), (), (), (), (), None)
    assert _gather(ctx, db, [episode.id], today=date(2025, 6, 1))[episode.id].payer_id == "humana_ma"
    assert _gather(ctx, db, []) == {}


def test_gathering_writes_no_chart_read_audit_rows(ctx, db, staff, clock):
    episode_id = build_episode(ctx, db, staff, 1)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    _gather(ctx, db, [episode_id])
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def _statements(ctx, db, ids) -> int:  # noqa: ANN001
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = _gather(ctx, db, ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert set(found) == set(ids) and all(len(f.procedures) == 2 for f in found.values())
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_number_of_episodes(ctx, db, staff, clock):
    ids = [build_episode(ctx, db, staff, n) for n in range(30)]
    few, many = _statements(ctx, db, ids[:3]), _statements(ctx, db, ids)
    assert few == many
    # One per source (episodes with coverage, triage, care, trials, PT visits, imaging, scores, measures, exams, patient
    # history, pain diagrams with their marks, shared decisions, behavioural-health offers, imaging orders, referrals with
    # their consult notes), two for procedures and their relief.
    assert many <= 17


def test_within_a_review_chunk_each_episode_is_gathered_once_however_many_providers_ask(ctx, db, staff, clock):
    # The plans and the authorizations providers both gather facts, for different episodes of the chunk
    # (core.db.read_memo with the chunk's episodes): the first ask reads the whole chunk, later asks read nothing.
    from painpath.core.db import read_memo

    ids = [build_episode(ctx, db, staff, n) for n in range(3)]
    alone = _gather(ctx, db, ids)
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    with db.session() as session:
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with read_memo(session, episode_ids=ids):
                first = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=ids[:1], today=TODAY)
                after_first = len(seen)
                rest = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=ids[1:], today=TODAY)
                again = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=ids, today=TODAY)
                other_day = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=ids[:1],
                                         today=date(2026, 12, 8))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert after_first > 0 and len(seen) > after_first  # the first ask read; another day is another gathering
    assert list(first) == ids[:1] and list(rest) == ids[1:] and again == alone  # the same facts as gathered alone
    assert set(other_day) == set(ids[:1])
    # Between the first ask and the other day's, nothing was read: the rest of the chunk came with the first.
    assert len(seen) - after_first == after_first
