"""Episodes with one kind of time-bound facts each, recorded through the slices' own services at a chosen
moment (the services stamp the clock): shared by the time-step tests of the providers and the property test
of issue 14 (tests/worklist/test_time_step_property.py)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import time_machine

from painpath.intake.records import sending
from painpath.intake.records import service as records_service
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn, RequestedItemIn
from painpath.interop.transports.registry import transport_for
from painpath.medications.opioids import prescriptions as rx_service
from painpath.medications.opioids import service as safety_service
from painpath.medications.opioids.schemas import AgreementIn, PdmpCheckIn, PrescriptionIn
from painpath.medications.shared import DoneIn
from painpath.medications.tapers import service as taper_service
from painpath.medications.tapers.schemas import TaperIn, TaperRxIn
from painpath.medications.trials import plan_service as trial_plan_service
from painpath.medications.trials import service as trial_service
from painpath.medications.trials.schemas import TargetIn, TrialPlanIn
from painpath.patients import service as patients
from painpath.patients.schemas import CoverageIn, EpisodeIn, PatientIn
from painpath.plans import service as plan_service
from painpath.plans.schemas import PlanStartIn
from painpath.therapy import service as therapy_service
from painpath.therapy.schemas import AuthorizationIn, CourseIn, ProgressReportIn

KINDS = ("taper", "opioid", "pt_course", "records", "plan", "trial")
_MRNS = itertools.count(1)


def _episode(session, actors, knowledge, today: date, *, covered: bool) -> int:  # noqa: ANN001
    desk = actors["coordinator"]
    n = next(_MRNS)
    patient = patients.create_patient(session, actor=desk, data=PatientIn(
        mrn=f"MRN-T{n:05d}", given_name="Rosa", family_name=f"Lind{n}", birth_date=date(1970, 4, 2), sex="female",
        phone="555-0150", preferred_contact="phone"))
    episode = patients.open_episode(session, actor=desk, patient_id=patient.id, data=EpisodeIn(
        problem_summary="Low back pain with left leg pain", body_region="lumbar", laterality="left",
        onset_date=today - timedelta(days=200), icd10_codes=["M54.16"], responsible_clinician_id=actors["clinician"].user_id))
    if covered:
        patients.add_coverage(session, actor=desk, knowledge=knowledge, patient_id=patient.id, data=CoverageIn(
            payer_id="aetna_commercial", member_id=f"W{n:06d}", effective_from=today - timedelta(days=365)))
    return episode.id


def _taper(session, ctx, actors, episode_id: int, today: date, extra: int) -> None:  # noqa: ANN001
    clinician = actors["clinician"]
    plan = taper_service.create_taper(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                      data=TaperIn(prescriptions=[TaperRxIn(drug="oxycodone", strength=10, times_per_day=4)],
                                                   target_mme=15, start_date=today - timedelta(days=extra)))
    for step in taper_service.steps_of(session, plan.id):
        if step.due_on < today - timedelta(days=extra % 5):
            taper_service.mark_step_done(session, actor=clinician, step_id=step.id, data=DoneIn(note="Made as planned"))


def _opioid(session, ctx, actors, episode_id: int, today: date, extra: int) -> None:  # noqa: ANN001
    clinician = actors["clinician"]
    rx_service.record_prescription(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode_id, data=PrescriptionIn(
        drug="oxycodone", strength=5, interval_hours=6, as_needed=True, prn_max_per_day=4, start_date=today - timedelta(days=extra)))
    if extra % 2:
        safety_service.record_agreement(session, actor=clinician, calendar=ctx.calendar, episode_id=episode_id,
                                        data=AgreementIn(signed_on=today - timedelta(days=extra), note="Signed"))
        safety_service.record_pdmp_check(session, actor=clinician, calendar=ctx.calendar, episode_id=episode_id, data=PdmpCheckIn(
            state="IL", checked_at=ctx.calendar.to_utc(datetime.combine(today - timedelta(days=extra), datetime.min.time()) + timedelta(hours=10)),
            summary="One prescriber, one pharmacy"))


def _pt_course(session, ctx, actors, episode_id: int, today: date, extra: int) -> None:  # noqa: ANN001
    start = today - timedelta(days=extra)
    course = therapy_service.create_course(session, actor=actors["coordinator"], knowledge=ctx.knowledge, episode_id=episode_id, data=CourseIn(
        protocol_id="lumbar_stenosis_flexion", therapist_id=actors["therapist"].user_id, practice_name="Riverside PT", start_date=start))
    therapy_service.record_authorization(session, actor=actors["coordinator"], course_id=course.id, data=AuthorizationIn(
        visits_approved=6 + extra % 7, window_from=start, window_to=start + timedelta(weeks=3 + extra % 6)))
    if extra % 3 == 0 and extra > 0:
        therapy_service.record_progress_report(session, actor=actors["therapist"], course_id=course.id, data=ProgressReportIn(
            written_on=today, summary="Walks 20 minutes without leg pain"))


def _records(session, ctx, actors, episode_id: int, today: date, extra: int) -> int:  # noqa: ANN001
    desk = actors["coordinator"]
    provider = records_service.add_provider(session, actor=desk, episode_id=episode_id, data=ProviderIn(
        name="Riverside Community Hospital", kind="hospital", fax="(708) 555-0177", phone="(708) 555-0176"))
    request = records_service.create_request(session, actor=desk, calendar=ctx.calendar, episode_id=episode_id, data=RecordsRequestIn(
        provider_id=provider.id, items=[RequestedItemIn(item="imaging", date_from=today - timedelta(days=30))], transport="print",
        authorization_reference="Release signed at check-in", authorization_date=today))
    return request.id


def _plan(session, ctx, actors, episode_id: int, today: date, extra: int) -> None:  # noqa: ANN001
    plan_service.start_plan(session, actor=actors["clinician"], knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                            data=PlanStartIn(pathway_id="lumbar_radicular_pain"))


def _trial(session, ctx, actors, episode_id: int, today: date, extra: int) -> None:  # noqa: ANN001
    trial_plan_service.start_planned_trial(
        session, actor=actors["clinician"], knowledge_trials=trial_service.pack(ctx.knowledge), calendar=ctx.calendar, episode_id=episode_id,
        data=TrialPlanIn(drug_key="gabapentin", start_date=today - timedelta(days=extra % 20),
                         target=TargetIn(daily_mg=900, success="Night pain under 4 out of 10")))


BUILDERS = {"taper": _taper, "opioid": _opioid, "pt_course": _pt_course, "records": _records, "plan": _plan, "trial": _trial}


def build(ctx, actors, kind: str, recorded_at: datetime, extra: int) -> int:  # noqa: ANN001
    """One episode with one kind of facts, recorded at `recorded_at` (the services stamp the clock)."""
    with time_machine.travel(recorded_at, tick=False):
        today = ctx.calendar.local_date(recorded_at)
        with ctx.db.session() as session:
            episode_id = _episode(session, actors, ctx.knowledge, today, covered=kind == "plan")
            made = BUILDERS[kind](session, ctx, actors, episode_id, today, extra)
        if kind == "records":
            with ctx.db.session() as session:
                sending.send_request(session, actor=actors["coordinator"], request_id=made, transport_factory=transport_for)
            if extra % 2:  # chased by phone a week later
                with time_machine.travel(recorded_at + timedelta(days=7), tick=False), ctx.db.session() as session:
                    records_service.record_follow_up(session, actor=actors["coordinator"], request_id=made)
    return episode_id
