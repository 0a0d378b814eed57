"""What simulated patients bring and what happens at their visits, written through the slices' services.

A referral becomes a patient, a coverage and an episode; the first visit is the clinician's note (pain, the
exam, the region's questionnaire), the care the patient has tried or starts here, and the plan started from
the pathway (which opens the authorization case the pathway's procedure needs: the plans slice decides
that, not the simulator). Clinical content is deliberately plain: the simulator asks what the clinic DOES
and when, and the rules that read these facts are the real ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath import demo_pain_diagrams
from painpath.charting import service as charting_service
from painpath.charting.conservative_care import service as care_service
from painpath.charting.conservative_care.schemas import CareIn
from painpath.charting.instruments import service as instrument_service
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.schemas import EncounterIn, ExamIn, MeasuresIn
from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.orders import order_service
from painpath.orders import service as study_service
from painpath.orders.schemas import OrderIn, StudyIn
from painpath.patients import service as patient_service
from painpath.patients.models import Episode, Patient
from painpath.patients.schemas import CoverageIn, EpisodeIn, PatientIn
from painpath.plans import service as plan_service
from painpath.plans.schemas import PlanStartIn


@dataclass(frozen=True)
class Region:
    """How a body region's problem is coded, examined and measured in the simulated notes."""

    icd10: str
    laterality: str
    instrument: str  # the function questionnaire given at the first visit
    exam: ExamIn
    mri: str  # the study's words


_PLAIN_EXAM = ExamIn(reasoning="Findings consistent with the referral diagnosis")
REGIONS = {
    "cervical": Region("M54.12", "right", "ndi", ExamIn(spurling={"right": "positive"}, sensory_deficits=[{"dermatome": "C6", "side": "right"}],
                                                        reasoning="Right C6 radiculopathy"), "MRI cervical spine without contrast"),
    "lumbar": Region("M54.16", "left", "odi", ExamIn(straight_leg_raise={"left": {"result": "positive", "angle_degrees": 40}},
                                                     sensory_deficits=[{"dermatome": "S1", "side": "left"}],
                                                     reasoning="Left S1 radicular pattern"), "MRI lumbar spine without contrast"),
    "knee": Region("M17.11", "right", "peg", _PLAIN_EXAM, "MRI knee without contrast"),
    "sacroiliac": Region("M46.1", "right", "odi", _PLAIN_EXAM, "MRI pelvis without contrast"),
    "hip": Region("M25.551", "right", "peg", _PLAIN_EXAM, "MRI hip without contrast"),
}
SIDED = frozenset({"hip", "knee", "shoulder"})  # regions whose studies name their side
# Items of each questionnaire answered at the first visit: a middling score (the simulator does not model change).
ANSWERS = {
    "ndi": {f"ndi_{i}": 2 for i in range(1, 11)},
    "odi": {f"odi_{i}": 2 for i in range(1, 11)},
    "peg": {"peg_1": 7, "peg_2": 6, "peg_3": 6},
}


@dataclass
class Referral:
    episode_id: int
    patient_id: int
    pathway_id: str
    region: str
    payer_id: str
    needs_imaging: bool
    urgent: bool  # a red flag: imaging ordered urgent at the first visit


def region_of(ctx: AppContext, pathway_id: str) -> str:
    """The pathway's first body region the simulator can chart."""
    regions = ctx.knowledge.pathways[pathway_id].applies_to.body_regions
    return next((r for r in regions if r in REGIONS), "lumbar")


def new_referral(session: Session, ctx: AppContext, actor: Actor, *, number: int, pathway_id: str, payer_id: str,
                 clinician_id: int, coordinator_id: int, location_id: int, today: date, rng: random.Random,
                 needs_imaging: bool, urgent: bool) -> Referral:
    """A referred patient, their coverage and the episode, as the front desk enters them."""
    region = region_of(ctx, pathway_id)
    coded = REGIONS[region]
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    patient = patient_service.create_patient(session, actor=actor, data=PatientIn(
        mrn=f"SIM-{number:06d}", given_name="Simulated", family_name=f"Patient {number}", birth_date=born,
        sex=rng.choice(("female", "male"))))
    patient_service.add_coverage(session, actor=actor, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(
        payer_id=payer_id, member_id=f"SIM{number:09d}", effective_from=date(today.year - 1, 1, 1)))
    episode = patient_service.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
        problem_summary=f"Referred {region} pain", body_region=region, laterality=coded.laterality,
        onset_date=today - timedelta(days=rng.randint(28, 180)), icd10_codes=[coded.icd10],
        responsible_clinician_id=clinician_id, coordinator_id=coordinator_id, location_id=location_id))
    return Referral(episode.id, patient.id, pathway_id, region, payer_id, needs_imaging, urgent)


def held_charts(session: Session, episode_ids: set[int] | list[int]) -> list[object]:
    """The episodes and their patients, loaded in two statements for a unit of work that opens many charts (the
    day's PT visits), which the services would otherwise load one by one (patients.read_episode). The simulator's
    sessions keep what they load until they end (clinic.py), so the services find them there."""
    ids = sorted(set(episode_ids))
    if not ids:
        return []
    episodes = list(session.scalars(select(Episode).where(Episode.id.in_(ids))))
    patients = list(session.scalars(select(Patient).where(Patient.id.in_(sorted({e.patient_id for e in episodes})))))
    return [*episodes, *patients]


def first_visit(session: Session, ctx: AppContext, clinician: Actor, referral: Referral, *, today: date, now: datetime,
                appointment_id: int, prior_pt_weeks: float = 0) -> None:
    """The first visit's note, the care tried and started, imaging (the outside study, or an order), and the plan."""
    region = REGIONS[referral.region]
    calendar = ctx.calendar
    episode_id = referral.episode_id
    if not referral.needs_imaging:  # the outside MRI the patient had; its report still to be got from the centre
        study_service.record_study(session, actor=clinician, calendar=calendar, episode_id=episode_id, data=StudyIn(
            modality="mri", region=referral.region, study=region.mri, performed_on=today - timedelta(days=21)))
    note = charting_service.create_encounter(session, actor=clinician, episode_id=episode_id, data=EncounterIn(
        encounter_type="initial", date_of_service=today, narrative="New patient visit", appointment_id=appointment_id))
    charting_service.record_measures(session, actor=clinician, encounter_id=note.id,
                                     data=MeasuresIn(pain_now=7, pain_average=7, pain_worst=8))
    charting_service.record_exam(session, actor=clinician, encounter_id=note.id, data=region.exam)
    instrument_service.administer(session, actor=clinician, knowledge=ctx.knowledge, calendar=calendar, episode_id=episode_id,
                                  data=AdministrationIn(instrument_id=region.instrument, answers=ANSWERS[region.instrument],
                                                        administered_at=calendar.to_local(now).replace(tzinfo=None),
                                                        encounter_id=note.id))
    demo_pain_diagrams.record_at_visit(session, ctx, clinician, session.get(Episode, episode_id), note.id, 0)  # spine only
    charting_service.sign_encounter(session, actor=clinician, encounter_id=note.id, version=note.version)
    care_service.record_entry(session, actor=clinician, calendar=calendar, episode_id=episode_id, data=CareIn(
        kind="medication", drug_class="nsaid", description="NSAID before referral", source="reported", failed="yes",
        start_date=today - timedelta(days=28), end_date=today - timedelta(days=1)))
    pt_start = today - timedelta(days=round(prior_pt_weeks * 7))
    care_service.record_entry(session, actor=clinician, calendar=calendar, episode_id=episode_id, data=CareIn(
        kind="physical_therapy", start_date=pt_start, description="Physical therapy twice a week",
        source="reported" if pt_start < today else "clinic"))
    care_service.record_entry(session, actor=clinician, calendar=calendar, episode_id=episode_id, data=CareIn(
        kind="home_exercise", start_date=today, description="Home exercise program", source="clinic"))
    if referral.needs_imaging:
        order_service.place_order(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode_id, data=OrderIn(
            modality="mri", protocol=region.mri, region=referral.region, clinical_question="Structural cause of the pain?",
            side=region.laterality if referral.region in SIDED else "none",
            urgency="urgent" if referral.urgent else "routine"))
    plan_service.start_plan(session, actor=clinician, knowledge=ctx.knowledge, calendar=calendar, episode_id=episode_id,
                            data=PlanStartIn(pathway_id=referral.pathway_id))
