"""The demo clinic's facts beyond notes and cases: what staff enter on the pages of issue 12.

`demo.load_demo` calls these for some patients and charted episodes, chosen by their index so the clinic
shows each state a newcomer should see: second and ended coverages, procedures with relief (relief checks
open and met), imaging with and awaiting its report, conservative care, a taper part done, a titration
plan, visits in every state with notes linked to them, PT courses with a progress report and a
certification, and NPIs so electronic submission works. Facts go in through the slices' services (so they
are validated and audited) except visit history, which the booking services refuse for past times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.conservative_care import service as care_service
from painpath.charting.conservative_care.schemas import CareIn
from painpath.charting.history import service as history_service
from painpath.charting.history.schemas import HistoryIn, InjuryIn, SportIn, SurgeryIn
from painpath.charting.procedures import service as procedure_service
from painpath.charting.procedures.schemas import ProcedureIn, ReliefIn
from painpath.context import AppContext
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.npi import check_digit
from painpath.intake.models import Appointment
from painpath.medications.tapers import service as taper_service
from painpath.medications.trials import plan_service as trial_plan_service
from painpath.medications.trials import service as trial_service
from painpath.medications.shared import DoneIn
from painpath.medications.trials.schemas import TargetIn, TrialPlanIn
from painpath.medications.tapers.schemas import TaperIn, TaperRxIn
from painpath.orders import service as order_service
from painpath.orders.schemas import StudyIn
from painpath.patients import service as patient_service
from painpath.patients.schemas import CoverageIn
from painpath.patients.models import Episode
from painpath.plans import decisions as plan_decisions
from painpath.plans.schemas import DecisionIn
from painpath.therapy import service as therapy_service
from painpath.therapy.schemas import AuthorizationIn, CertificationIn, CourseIn, ProgressReportIn


def npi(first_nine: str) -> str:
    """A well-formed NPI (its Luhn check digit computed), so the demo's electronic submission is accepted."""
    return first_nine + str(check_digit(first_nine))


CLINIC_NPI = npi("123456789")
# Each clinician's NPI, by demo username (made up, but with valid check digits).
CLINICIAN_NPIS = {"clinician": npi("198765432"), "clinician2": npi("154321876")}


# Coverages -------------------------------------------------------------------------------------

def extra_coverages(session: Session, ctx: AppContext, actor: Actor, patient_id: int, coverage: dict, index: int) -> int:
    """Every seventh patient also has a spouse's plan as secondary; every eleventh changed insurer, the old
    plan ended the day before the current one began. Returns how many coverages were added."""
    added = 0
    payers = sorted(ctx.knowledge.payers)
    other = payers[(payers.index(coverage["payer_id"]) + 1) % len(payers)]
    begun = coverage["effective_from"]
    if index % 7 == 3:
        patient_service.add_coverage(session, actor=actor, knowledge=ctx.knowledge, patient_id=patient_id, data=CoverageIn(
            payer_id=other, member_id=f"SEC{index:06d}", group_number=f"G{index % 90 + 10:03d}", effective_from=begun,
            priority=2, subscriber_name="Spouse on the card", subscriber_relationship="spouse"))
        added += 1
    if index % 11 == 5:
        patient_service.add_coverage(session, actor=actor, knowledge=ctx.knowledge, patient_id=patient_id, data=CoverageIn(
            payer_id=other, member_id=f"OLD{index:06d}", effective_from=begun - timedelta(days=730),
            effective_to=begun - timedelta(days=1)))
        added += 1
    return added


# Procedures with relief ------------------------------------------------------------------------

# Days before today the procedure was done, and the relief reports on file (days after, percent):
# all checks met; the first met and the two-week check still open; done yesterday, nothing reported yet.
RELIEF_STORIES = ((24, ((2, 80.0), (14, 70.0))), (6, ((2, 60.0),)), (1, ()))
LEVELS = {"lumbar": ["L5-S1"], "cervical": ["C5-6"]}


def procedure_with_relief(session: Session, ctx: AppContext, clinician: Actor, clinician_id: int, episode: Episode,
                          procedure_key: str, today: date, story: int) -> None:
    days_ago, reports = RELIEF_STORIES[story % len(RELIEF_STORIES)]
    done_on = today - timedelta(days=days_ago)
    row = procedure_service.record_procedure(
        session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id, data=ProcedureIn(
            procedure_key=procedure_key, cpt_codes=[ctx.knowledge.procedures[procedure_key].codes[0].code], side="left" if episode.laterality == "left" else "right",
            levels=LEVELS.get(episode.body_region, []), performed_on=done_on, baseline_pain=7, baseline_scale="nrs",
            performed_by_id=clinician_id))
    for after, percent in reports:
        procedure_service.add_relief(session, actor=clinician, calendar=ctx.calendar, procedure_id=row.id, data=ReliefIn(
            measured_on=done_on + timedelta(days=after), percent=percent, scale="nrs", hours_after=24.0 * after,
            lasted_days=after if after > 2 else None, function_change="better", regained="Walks to the mailbox and back without stopping"))


# Imaging and conservative care -----------------------------------------------------------------

XRAY = {"lumbar": "X-ray lumbar spine, flexion and extension views", "cervical": "X-ray cervical spine, 3 views"}


def imaging(session: Session, ctx: AppContext, clinician: Actor, episode: Episode, first_visit: date, has_report: bool) -> None:
    """Clinic X-rays at the first visit, read the same day; an episode without the outside MRI report has
    the MRI on record, its report still awaited (the kit shows it missing)."""
    if episode.body_region not in XRAY:
        return
    order_service.record_study(session, actor=clinician, calendar=ctx.calendar, episode_id=episode.id, data=StudyIn(
        modality="xray", region=episode.body_region, study=XRAY[episode.body_region], origin="clinic", performed_on=first_visit,
        report_on_file=True, concordant="unknown", summary="Mild disc height loss; no instability on flexion and extension"))
    if not has_report:
        order_service.record_study(session, actor=clinician, calendar=ctx.calendar, episode_id=episode.id, data=StudyIn(
            modality="mri", region=episode.body_region, study=f"MRI {episode.body_region} spine without contrast",
            performed_on=first_visit - timedelta(days=14)))


def more_care(session: Session, ctx: AppContext, coordinator: Actor, episode_id: int, first_visit: date, index: int) -> None:
    """Medication and chiropractic history told at the first visit, and a behavioural pain programme."""
    entries = [CareIn(kind="medication", start_date=first_visit - timedelta(weeks=12), end_date=first_visit - timedelta(weeks=4),
                      source="reported", description="Naproxen 500 mg twice a day", failed="yes")]
    if index % 3 == 0:
        entries.append(CareIn(kind="chiropractic", start_date=first_visit - timedelta(weeks=20), end_date=first_visit - timedelta(weeks=14),
                              source="reported", description="Chiropractic care, 10 visits", failed="yes"))
    if index % 5 == 2:
        entries.append(CareIn(kind="behavioral_therapy", start_date=first_visit + timedelta(weeks=2), source="clinic",
                              description="Pain coping skills group, weekly"))
    for entry in entries:
        care_service.record_entry(session, actor=coordinator, calendar=ctx.calendar, episode_id=episode_id, data=entry)


# The patient's history -----------------------------------------------------------------------------

def _histories(first_visit: date) -> list[HistoryIn]:
    """Four patients as a first visit meets them: a smoker heading for fusion, a failed back surgery, a driver, a nurse."""
    return [
        HistoryIn(occupation="Warehouse picker", work_status="modified_duty", lifting_lb=50, sitting_hours=1, shift_pattern="night",
                  work_notes="Bends and twists all shift", smoking_status="current", pack_years=18,
                  cotinine_ng_ml=160, cotinine_on=first_visit, alcohol_drinks_per_week=6, sleep_hours=5,
                  injuries=[InjuryIn(what="Slipped on a loading dock", year=first_visit.year - 1, region="sacroiliac")],
                  prior_treatments="Ibuprofen and heat; two chiropractic visits"),
        HistoryIn(occupation="Accountant", work_status="working", sitting_hours=9, driving_hours=1, shift_pattern="day",
                  sports=[SportIn(activity="Golf", sessions_per_week=1, still_active=False)],
                  surgeries=[SurgeryIn(procedure="L4-5 laminectomy and fusion", year=first_visit.year - 4, region="lumbar", outcome="no_relief")],
                  smoking_status="former", pack_years=10, quit_year=first_visit.year - 4, cotinine_ng_ml=2,
                  cotinine_on=first_visit - timedelta(days=10), alcohol_drinks_per_week=2, sleep_hours=6,
                  prior_treatments="Post-operative PT twice; a TENS unit"),
        HistoryIn(occupation="Long-haul truck driver", work_status="working", lifting_lb=30, driving_hours=10, shift_pattern="rotating",
                  smoking_status="never", alcohol_drinks_per_week=0, substances="None", sleep_hours=6.5,
                  sports=[SportIn(activity="Walking", sessions_per_week=3)]),
        HistoryIn(occupation="ICU nurse", work_status="working", lifting_lb=40, sitting_hours=1, shift_pattern="rotating",
                  work_notes="Turns and lifts patients", sports=[SportIn(activity="Running", sessions_per_week=3, still_active=False)],
                  surgeries=[SurgeryIn(procedure="Right knee arthroscopy", year=first_visit.year - 9, region="knee", outcome="helped")],
                  smoking_status="never", alcohol_drinks_per_week=3, sleep_hours=5.5),
    ]


def patient_history(session: Session, ctx: AppContext, clinician: Actor, episode: Episode, first_visit: date, index: int) -> bool:
    """Every fourth charted patient's history, recorded by the clinician at the first visit (once per patient)."""
    if index % 4 != 0 or history_service.read_history(session, actor=clinician, patient_id=episode.patient_id) is not None:
        return False
    profiles = _histories(first_visit)
    history_service.record_history(session, actor=clinician, calendar=ctx.calendar, patient_id=episode.patient_id,
                                   data=profiles[(index // 4) % len(profiles)])
    return True


# Medications -----------------------------------------------------------------------------------

def taper(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, today: date) -> None:
    """Oxycodone 10 mg four times a day down to 15 MME, started ten weeks ago; the steps due by today done."""
    plan = taper_service.create_taper(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                      data=TaperIn(prescriptions=[TaperRxIn(drug="oxycodone", strength=10, times_per_day=4)],
                                                   target_mme=15, start_date=today - timedelta(weeks=10)))
    for step in taper_service.steps_of(session, plan.id):
        if step.due_on < today - timedelta(days=3) and plan.status == "active":
            taper_service.mark_step_done(session, actor=clinician, step_id=step.id, data=DoneIn(note="Made as planned"))
            step.done_at = _on_the_day(step.due_on)


def trial_plan(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, today: date) -> None:
    """Gabapentin titrated to 900 mg a day, started nine days ago; the steps and checks due before today done."""
    plan = trial_plan_service.start_planned_trial(
        session, actor=clinician, knowledge_trials=trial_service.pack(ctx.knowledge), calendar=ctx.calendar, episode_id=episode_id,
        data=TrialPlanIn(drug_key="gabapentin", start_date=today - timedelta(days=9),
                         target=TargetIn(daily_mg=900, success="Night pain under 4 out of 10")))
    for item in trial_plan_service.plan_items(session, plan.id):
        if item.due_on < today - timedelta(days=3):
            trial_plan_service.mark_item_done(session, actor=clinician, item_id=item.id, data=DoneIn(note="Done at the visit"))
            item.done_at = _on_the_day(item.due_on)


def _on_the_day(day: date) -> datetime:
    """A done mark stamped on the day it was due (the services stamp the real clock, not the demo's)."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=16)


# Physical therapy ------------------------------------------------------------------------------

PT_PROTOCOLS = {"lumbar": "lumbar_stenosis_flexion", "cervical": "cervical_traction_glides"}


def pt_course(session: Session, ctx: AppContext, staff: tuple[Actor, Actor, Actor], therapist_id: int, episode: Episode,
              today: date, certify: bool) -> int | None:
    """A course started five weeks ago with its authorization, a progress report last week and (for some)
    the clinician's certification of the plan of care. Returns the course's id (None: no protocol for the region)."""
    protocol = PT_PROTOCOLS.get(episode.body_region)
    if protocol is None:
        return None
    coordinator, therapist, clinician = staff  # the coordinator starts the course; then it is on the therapist's caseload
    start = today - timedelta(weeks=5)
    course = therapy_service.create_course(session, actor=coordinator, knowledge=ctx.knowledge, episode_id=episode.id, data=CourseIn(
        protocol_id=protocol, therapist_id=therapist_id, practice_name="Riverside Physical Therapy", practice_kind="onsite",
        start_date=start))
    therapy_service.record_authorization(session, actor=coordinator, course_id=course.id, data=AuthorizationIn(
        visits_approved=12, window_from=start, window_to=start + timedelta(weeks=8), authorization_number=f"PT-{course.id:05d}"))
    therapy_service.record_progress_report(session, actor=therapist, course_id=course.id, data=ProgressReportIn(
        written_on=today - timedelta(days=6), summary="Walks 20 minutes without leg pain; lifting 15 lb from the floor with good form"))
    if certify:
        therapy_service.record_certification(session, actor=clinician, course_id=course.id,
                                             data=CertificationIn(certified_on=start + timedelta(days=3)))
    return course.id


# Visits ----------------------------------------------------------------------------------------

def visit_of_note(session: Session, episode: Episode, start_at: datetime, location_id: int, first: bool) -> int:
    """The attended visit a note documents: the first visit's booking, or a completed follow-up."""
    if first:
        booked = session.scalar(select(Appointment.id).where(Appointment.episode_id == episode.id,
                                                             Appointment.visit_type == "new_patient"))
        if booked is not None:
            return booked
    visit = Appointment(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id,
                        visit_type="new_patient" if first else "follow_up", provider_type="physician",
                        provider_id=episode.responsible_clinician_id, location_id=location_id, start_at=start_at,
                        modality="in_person", status="completed", booked_at=start_at - timedelta(days=14),
                        checked_in_at=start_at - timedelta(minutes=10), completed_at=start_at + timedelta(minutes=40))
    session.add(visit)
    session.flush()
    return visit.id


# Follow-ups of a charted episode, by index: every lifecycle state shows even in a small demo (3 charted
# episodes): a missed visit and the next one booked; one cancelled and today's checked in; one moved.
VISIT_STATES = (("no_show", "booked"), ("cancelled", "checked_in"), ("rescheduled",))
_WHEN_DAYS = {"no_show": -2, "cancelled": 2, "checked_in": 0}  # days from now; others a week or two ahead


def next_visits(session: Session, actor: Actor, episode: Episode, location_id: int, now: datetime, index: int) -> list[Appointment]:
    """Write the follow-ups as the scheduler keeps them (the booking services refuse times already past) and
    audit each one's state, as the visit pages would."""
    rows = []
    for state in VISIT_STATES[index % len(VISIT_STATES)]:
        when = now + timedelta(days=_WHEN_DAYS.get(state, 5 + index % 7))
        if state == "checked_in":
            when = now - timedelta(minutes=20)
        visit = _follow_up(episode, location_id, when, state, booked_at=min(now, when) - timedelta(days=14))
        visit.checked_in_at = now - timedelta(minutes=15) if state == "checked_in" else None
        visit.no_show_at = when + timedelta(hours=1) if state == "no_show" else None
        if state == "cancelled":
            visit.cancelled_at, visit.cancel_reason = now - timedelta(days=1), "Patient is travelling that week"
        rows.append(visit)
        if state == "rescheduled":
            rows.append(_follow_up(episode, location_id, when + timedelta(days=7), "booked", booked_at=now - timedelta(days=1)))
    session.add_all(rows)
    session.flush()
    for old, new in zip(rows, rows[1:]):
        if old.status == "rescheduled":
            old.rescheduled_to_id = new.id
    for row in rows:
        audit.record(session, actor, f"appointment.{'book' if row.status == 'booked' else row.status}", object_type="appointment",
                     object_id=row.id, patient_id=row.patient_id, detail={"status": row.status})
    return rows


def _follow_up(episode: Episode, location_id: int, start_at: datetime, status: str, *, booked_at: datetime) -> Appointment:
    return Appointment(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, visit_type="follow_up",
                       provider_type="physician", provider_id=episode.responsible_clinician_id, location_id=location_id,
                       start_at=start_at, modality="in_person", status=status, booked_at=booked_at,
                       reason="Follow-up after the first visit")


def knee_decision(session: Session, ctx: AppContext, clinician: Actor, episode: Episode, first_visit_at: datetime | None,
                  now: datetime) -> bool:
    """At a knee osteoarthritis patient's first visit, the injection options (from the pathway pack) gone over
    with her, her questions and her choice of a steroid injection: the episode page's Shared decisions panel
    shows them. False (nothing recorded) for any other episode, or a first visit not yet held."""
    if episode.body_region != "knee" or not any(c.startswith("M17") for c in episode.icd10_codes or []):
        return False
    if first_visit_at is None or first_visit_at > now or now > utcnow():
        return False
    decision = ctx.knowledge.pathways["knee_osteoarthritis"].step("steroid_injection").decision
    plan_decisions.record_decision(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id,
                                   data=DecisionIn(
                                       pathway_id="knee_osteoarthritis", step_id="steroid_injection",
                                       options_discussed=[o.id for o in decision.options],
                                       risks_discussed={o.id: [r.id for r in o.risks] for o in decision.options},
                                       choice="steroid_injection", discussed_on=ctx.calendar.local_date(first_visit_at),
                                       patient_questions="Will the shot raise my blood sugar? How soon can I garden again?"))
    return True
