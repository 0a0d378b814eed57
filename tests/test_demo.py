"""The demo clinic: loads once into an empty database, with staff who can sign in and a live worklist."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting import service as charting_service
from painpath.charting.instruments import service as instrument_service
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.models import Encounter, FunctionalMeasure
from painpath.context import AppContext, build_context
from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.auth.roles import Role
from painpath.core.auth.service import AuthPolicy, authenticate
from painpath.core.config import Settings
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.tenancy import Clinic
from painpath.demo import PROBLEMS, DemoRefused, database_is_empty, load_demo
from painpath.authorizations.models import AuthorizationCase
from painpath.knowledge import icd10cm
from painpath.patients.models import Coverage, Episode, Location, Patient
from painpath.orders.models import ImagingOrder
from painpath.plans.models import CarePlan, PlanStep, SharedDecision
from painpath.worklist.models import Task
from painpath.worklist.schemas import WorklistFilter
from painpath.worklist.service import page_tasks
from painpath.charting.conservative_care.models import CareEntry
from painpath.charting.history.models import PatientHistory
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.npi import is_valid_npi
from painpath.intake.models import Appointment
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.medications.trials.models import TrialPlan
from painpath.orders.models import ImagingStudy
from painpath.therapy.models import PlanOfCareCertification, ProgressReport, PtAuthorization, PtCourse
from painpath.core.clock import utcnow
from painpath.intake.models import IntakeCall, Triage
from painpath.intake.records.models import RecordsRequest
from painpath.medications.opioids.models import MedicationPrescription, OpioidAgreement, PdmpCheck
from support import own_database

pytestmark = pytest.mark.storage  # the whole-clinic tests reach their own database (whole_demo), not database_url

# Friday 20 Nov 2026, 4 pm in Chicago: a fixed moment, so the worklist's shape is known.
NOW = datetime(2026, 11, 20, 22, 0)


@pytest.fixture(scope="module")
def whole_demo(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The default demo clinic in a database of its own, loaded once for the tests that only read it (a whole
    clinic's load is the slowest step here). Returns the context and the load's summary."""
    with own_database(migrated_template, tmp_path_factory.mktemp("whole_demo")) as settings:
        context = build_context(settings, Database(settings.database_url))
        assert database_is_empty(context)
        summary = load_demo(context, now=NOW)
        yield context, summary
        context.db.dispose()


@pytest.fixture(scope="module")
def small_demo(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The 12-patient demo in a database of its own, loaded once for the tests that only read it."""
    with own_database(migrated_template, tmp_path_factory.mktemp("small_demo")) as settings:
        context = build_context(settings, Database(settings.database_url))
        summary = load_demo(context, patients=12, now=NOW)
        yield context, summary
        context.db.dispose()


def _count(session, model) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(model))


def test_every_catalog_code_is_a_billable_icd10_cm_code():
    codes = {code for problem in PROBLEMS for group in problem.codes.values() for code in group} | {"G89.4"}
    for code in sorted(codes):
        assert icd10cm.is_code(code), code
        assert icd10cm.is_billable(code), f"{code} is a category, not billable"


def test_demo_loads_a_whole_clinic(whole_demo):
    ctx, summary = whole_demo
    assert not database_is_empty(ctx)

    assert summary.patients == 200
    assert summary.clinic_name == "Riverside Pain & Spine"
    with ctx.db.session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.return_fax
        locations = list(session.scalars(select(Location).order_by(Location.id)))
        assert [loc.name for loc in locations] == ["Riverside Main", "Northgate"]
        assert all(loc.address for loc in locations)

        patients = list(session.scalars(select(Patient).order_by(Patient.mrn)))
        assert [p.mrn for p in patients] == [f"RPS-{n:06d}" for n in range(1, 201)]
        assert all(1940 <= p.birth_date.year <= 2005 for p in patients)
        assert all("555-01" in p.phone for p in patients)
        assert len({(p.given_name, p.family_name) for p in patients}) > 150

        # Every payer in the directory has patients, and every patient has coverage.
        coverages = list(session.scalars(select(Coverage)))
        assert {c.patient_id for c in coverages} == {p.id for p in patients}
        assert {c.payer_id for c in coverages} == set(ctx.knowledge.payers)
        assert all(c.plan_type == ctx.knowledge.payers[c.payer_id].plan_type for c in coverages)

        episodes = list(session.scalars(select(Episode)))
        assert {e.patient_id for e in episodes} == {p.id for p in patients}
        assert 200 < len(episodes) < 300  # some patients have a second episode
        for episode in episodes:
            assert episode.icd10_codes
            for code in episode.icd10_codes:
                assert icd10cm.is_code(code) and icd10cm.is_billable(code), code
            assert episode.opened_at < NOW
            if episode.first_visit_at is not None:
                assert episode.opened_at < episode.first_visit_booked_at <= NOW
                assert episode.first_visit_at > episode.first_visit_booked_at
            if episode.status == "discharged":
                assert episode.first_visit_at is not None and episode.closed_at <= NOW
        current = [e for e in episodes if e.opened_at >= NOW - timedelta(days=31)]
        booked = sum(e.first_visit_at is not None for e in current)
        assert 0.45 < booked / len(current) < 0.75
        assert sum(e.status == "discharged" for e in episodes) == summary.discharged > 0

        # Clinicians own episodes, coordinators coordinate them; both of each are used.
        roles = dict(session.execute(select(User.id, User.role)).all())
        assert {roles[e.responsible_clinician_id] for e in episodes} == {"clinician"}
        assert {roles[e.coordinator_id] for e in episodes} == {"coordinator"}
        assert len({e.responsible_clinician_id for e in episodes}) == 2
        assert len({e.coordinator_id for e in episodes}) == 2

        # The worklist: one open "Book the first visit" per open, unbooked episode; some late, some soon. A booked
        # first visit not yet attended is the front desk's check-in, not the coordinator's booking.
        all_open = list(session.scalars(select(Task).where(Task.status == "open")))
        tasks = [t for t in all_open if t.kind == "first_visit.book" and t.title == "Book the first visit"]
        unbooked = {e.id for e in episodes if e.status == "open" and e.first_visit_booked_at is None}
        # ... except where an emergent red flag waits for a clinician: nothing can be booked until it is acknowledged.
        stopped = set(session.scalars(select(Triage.episode_id).where(Triage.urgency == "emergent", Triage.acknowledged_at.is_(None))))
        assert stopped and stopped <= unbooked
        assert {t.episode_id for t in tasks} == unbooked - stopped
        check_ins = [t for t in all_open if t.kind == "first_visit.book" and t not in tasks]
        assert {t.owner_role for t in check_ins} <= {"front_desk"} and not {t.episode_id for t in check_ins} & unbooked
        assert {t.owner_role for t in tasks} == {"coordinator"}
        # Fresh referrals wait in the callback queue: the front desk owes a callback, triage and records.
        intake = [t for t in all_open if t.provider == "intake"]
        assert summary.intake_calls > 0
        # Older unbooked referrals: one the desk could not reach owes a letter; one with an emergent red flag waits
        # for a clinician's acknowledgement (demo_states).
        desk_kinds = {"intake.callback", "intake.triage", "intake.records", "intake.letter"}
        assert {t.kind for t in intake} == desk_kinds | {"intake.emergent_ack"}
        assert {t.owner_role for t in intake if t.kind in desk_kinds} == {"front_desk"}
        assert {t.owner_role for t in intake if t.kind == "intake.emergent_ack"} == {"clinician"}
        overdue = [t for t in tasks if t.due_at <= NOW]
        due_soon = [t for t in tasks if NOW < t.due_at <= NOW + timedelta(days=4)]
        assert overdue and due_soon and len(overdue) < len(tasks) / 2
        assert summary.open_tasks == len(all_open)

        # Written through the services: every patient's creation is in the audit trail.
        created = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "patient.create", AuditEvent.actor_label == "system:demo")
        )
        assert created == 200


def test_every_role_has_a_demo_login_that_signs_in(small_demo):
    ctx, summary = small_demo
    by_role = {}
    for username, role, password in summary.logins:
        assert username.startswith(role) and password == f"demo-{role}-2026" and len(password) >= 10
        by_role.setdefault(role, username)
    assert set(by_role) == {r.value for r in Role}
    assert sum(role == "clinician" for _, role, _ in summary.logins) == 2
    assert sum(role == "coordinator" for _, role, _ in summary.logins) == 2
    passwords = {username: password for username, _, password in summary.logins}
    with ctx.db.session() as session:
        for role, username in by_role.items():
            user = authenticate(session, username, passwords[username], AuthPolicy())
            assert user.role == role


def test_a_second_load_is_refused_and_changes_nothing(ctx):
    load_demo(ctx, patients=5, now=NOW)
    with pytest.raises(DemoRefused, match="already has a clinic"):
        load_demo(ctx, patients=5, now=NOW)
    with ctx.db.session() as session:
        assert _count(session, Clinic) == 1
        assert _count(session, Patient) == 5


def _second_database(tmp_path) -> AppContext:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    upgrade(url)
    settings = Settings(
        database_url=url, secret_key="second-database-secret-key-0123456789", queue_url=f"sqlite:///{tmp_path / 'q2.sqlite3'}"
    )
    return build_context(settings, Database(url))


def _snapshot(ctx) -> dict:  # noqa: ANN001
    with ctx.db.session() as session:
        return {
            "patients": session.execute(
                select(Patient.mrn, Patient.given_name, Patient.family_name, Patient.birth_date, Patient.sex, Patient.phone, Patient.email)
                .order_by(Patient.mrn)
            ).all(),
            "coverages": session.execute(
                select(Patient.mrn, Coverage.payer_id, Coverage.member_id, Coverage.effective_from, Coverage.effective_to)
                .join(Patient, Patient.id == Coverage.patient_id)
                .order_by(Patient.mrn, Coverage.priority, Coverage.payer_id)  # a patient may hold two coverages
            ).all(),
            "episodes": session.execute(
                select(
                    Patient.mrn, Episode.problem_summary, Episode.icd10_codes, Episode.opened_at,
                    Episode.first_visit_booked_at, Episode.first_visit_at, Episode.status, Episode.closed_at,
                ).join(Patient, Patient.id == Episode.patient_id).order_by(Patient.mrn, Episode.opened_at)
            ).all(),
            "tasks": session.execute(
                select(Patient.mrn, Task.title, Task.due_at, Task.status).join(Patient, Patient.id == Task.patient_id)
                .order_by(Patient.mrn, Task.due_at, Task.title)
            ).all(),
            "measures": session.execute(
                select(Patient.mrn, FunctionalMeasure.date_of_service, FunctionalMeasure.measure, FunctionalMeasure.value_number)
                .join(Episode, Episode.id == FunctionalMeasure.episode_id).join(Patient, Patient.id == Episode.patient_id)
                .order_by(Patient.mrn, FunctionalMeasure.date_of_service, FunctionalMeasure.measure)
            ).all(),
            "scores": session.execute(
                select(Patient.mrn, InstrumentAdministration.instrument_id, InstrumentAdministration.administered_at,
                       InstrumentAdministration.answers, InstrumentAdministration.total)
                .join(Patient, Patient.id == InstrumentAdministration.patient_id)
                .order_by(Patient.mrn, InstrumentAdministration.administered_at, InstrumentAdministration.instrument_id)
            ).all(),
        }


def test_same_seed_gives_the_same_clinic_in_another_database(ctx, tmp_path):
    other = _second_database(tmp_path)
    try:
        # 60 patients rather than the default 200: the same code paths, at a third of the loading time.
        load_demo(ctx, seed=7, patients=60, now=NOW)
        load_demo(other, seed=7, patients=60, now=NOW)
        first, second = _snapshot(ctx), _snapshot(other)
    finally:
        other.db.dispose()
    assert len(first["patients"]) == 60
    assert len(first["scores"]) > 30
    for part in first:
        assert first[part] == second[part], part



def _charted(session) -> dict[int, list[Encounter]]:  # noqa: ANN001
    """Each charted episode's signed notes (a note started today on a checked-in visit is a draft)."""
    notes: dict[int, list[Encounter]] = {}
    for note in session.scalars(select(Encounter).where(Encounter.status == "signed").order_by(Encounter.date_of_service)):
        notes.setdefault(note.episode_id, []).append(note)
    return notes


def test_a_fifth_of_the_patients_are_in_treatment_with_charted_function(whole_demo):
    ctx, summary = whole_demo
    assert summary.charted_episodes == 40
    with ctx.db.session() as session:
        notes = _charted(session)
        assert len(notes) == 40
        three_dates = odi_three_dates = reached = not_reached = 0
        for episode_id, episode_notes in notes.items():
            episode = session.get(Episode, episode_id)
            # Signed visit notes over past months, starting with the first visit, the episode still open.
            assert 2 <= len(episode_notes) <= 5
            assert all(n.status == "signed" for n in episode_notes)
            assert [n.encounter_type for n in episode_notes] == ["initial"] + ["follow_up"] * (len(episode_notes) - 1)
            days = [n.date_of_service for n in episode_notes]
            assert days == sorted(set(days)) and days[-1] < NOW.date()
            assert days[0] == ctx.calendar.local_date(episode.first_visit_at)
            assert (days[-1] - days[0]).days >= 60 and episode.status == "open"

            series = charting_service.measure_series(session, episode_id=episode_id, measure="pain_average")
            assert [on for on, _ in series] == days
            assert all(charting_service.measure_series(session, episode_id=episode_id, measure=m)
                       for m in ("pain_now", "pain_worst", "sitting_minutes", "standing_minutes", "walking_minutes",
                                 "sleep_hours", "lifting_limit_lb"))
            three_dates += len(days) >= 3

            # ODI for the low back, NDI for the neck, PEG for everyone: at every visit, scored by the engine.
            given = [(row, change) for row, change in instrument_service.administrations(session, knowledge=ctx.knowledge, episode_id=episode_id)
                     # A PHQ-9 given on a call (demo_states) is no visit's, nor a PCS or TSK-17 (demo_behavioural).
                     if row.instrument_id not in ("phq9", "pcs", "tsk17")]
            expected = {"lumbar": "odi", "cervical": "ndi"}[episode.body_region]
            assert sorted({row.instrument_id for row, _ in given}) == sorted({expected, "peg"})
            for instrument_id in (expected, "peg"):
                rows = [(row, change) for row, change in given if row.instrument_id == instrument_id]
                assert [ctx.calendar.local_date(row.administered_at) for row, _ in rows] == days
                assert {row.encounter_id for row, _ in rows} == {n.id for n in episode_notes}
            odi_three_dates += len(days) >= 3 and expected == "odi"
            last_change = [change for row, change in given if row.instrument_id == expected][-1]
            reached += last_change.reached_mic
            not_reached += not last_change.reached_mic
        assert three_dates >= 15 and odi_three_dates >= 10
        assert reached >= 10 and not_reached >= 10  # some improve past the MIC, some do not

        # Written through the services: the clinician's signature and every score are audited.
        signed = sum(len(n) for n in notes.values())
        sign_events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "encounter.sign")))
        assert len(sign_events) == signed
        assert {e.actor_label for e in sign_events} <= {"user:clinician", "user:clinician2"}
        administered = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "instrument.administer"))
        assert administered == session.scalar(select(func.count()).select_from(InstrumentAdministration)) == (
            2 * signed + summary.facts["safety_reviews_owed"] + summary.facts.get("behavioural_scores", 0))


def test_a_small_demo_still_has_charted_spine_episodes(small_demo):
    ctx, summary = small_demo
    assert summary.charted_episodes == 3
    with ctx.db.session() as session:
        odi_or_ndi = session.scalars(
            select(InstrumentAdministration.episode_id).where(InstrumentAdministration.instrument_id.in_(("odi", "ndi")))
        ).all()
        assert len(set(odi_or_ndi)) >= 1


def test_charted_episodes_follow_a_care_plan_linked_to_their_authorization(whole_demo):
    """A newcomer sees the plan builder, the plan PDF and the calendar with content: every charted spine
    episode follows its region's pathway, started through the plans service, its procedure step's case linked."""
    ctx, summary = whole_demo
    assert summary.care_plans == summary.charted_episodes == 40
    with ctx.db.session() as session:
        plans = list(session.scalars(select(CarePlan).where(CarePlan.pathway_id != "hip_labral")))
        assert len(plans) == 40 and all(p.status == "active" and p.goals for p in plans)
        regions = {p.episode_id: session.get(Episode, p.episode_id).body_region for p in plans}
        assert {(regions[p.episode_id], p.pathway_id) for p in plans} == {
            ("lumbar", "lumbar_radicular_pain"), ("cervical", "cervical_radiculopathy")}
        steps = list(session.scalars(select(PlanStep).where(PlanStep.status == "active", PlanStep.plan_id.in_([p.id for p in plans]))))
        assert len(steps) == 40
        cases = {c.id: c for c in session.scalars(select(AuthorizationCase))}
        linked = [s for s in steps if s.authorization_case_id is not None]
        assert len(linked) >= 30  # episodes with coverage today: the step points at the procedure's case
        assert all(cases[s.authorization_case_id].episode_id == s.episode_id for s in linked)
        started = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan.start"))
        assert started == 42  # and two hip patients' plans at their order steps (the next test)


def test_two_hip_plans_sit_at_steps_that_are_orders(whole_demo):
    """Issue 16: a newcomer sees a plan step that is an order (the MR arthrogram, urgent, placed from the step
    and booked) and one whose referral is still to write, as journey J3 has them."""
    ctx, _summary = whole_demo
    with ctx.db.session() as session:
        hips = {s.step_id: s for s in session.scalars(select(PlanStep).join(CarePlan, CarePlan.id == PlanStep.plan_id)
                                                   .where(CarePlan.pathway_id == "hip_labral", PlanStep.status == "active"))}
        assert set(hips) == {"mri_arthrogram", "orthopedics_referral"}
        linked = session.scalars(select(ImagingOrder).where(ImagingOrder.plan_step_row_id == hips["mri_arthrogram"].id)).one()
        assert (linked.status, linked.urgency, linked.booked_for is not None) == ("booked", "urgent", True)
        tasks = {t.kind for t in session.scalars(select(Task).where(Task.episode_id == hips["orthopedics_referral"].episode_id,
                                                                     Task.status == "open"))}
        assert "plans.step_referral" in tasks


def test_the_demo_shows_each_fact_staff_now_enter_on_pages(whole_demo):
    """Issue 12: a newcomer finds coverages, procedures with relief, imaging, care, tapers, visits in every
    state, PT reports and NPIs in the demo, and the coordinator's worklist pages past its first page."""
    ctx, summary = whole_demo
    with ctx.db.session() as session:
        coverages = list(session.scalars(select(Coverage)))
        assert summary.facts["coverages"] == len(coverages)
        assert sum(c.priority == 2 for c in coverages) >= 10
        assert {c.subscriber_relationship for c in coverages if c.priority == 2} == {"spouse"}
        ended = [c for c in coverages if c.effective_to is not None and c.effective_to < NOW.date()]
        assert len(ended) >= 10

        procedures = list(session.scalars(select(PerformedProcedure)))
        assert len(procedures) == summary.facts["procedures"] >= 6
        assert all(p.performed_by_id is not None and p.levels for p in procedures)
        assert _count(session, ProcedureRelief) >= 6
        # Relief checks: open where a report is still owed, none left where every report came in (met).
        open_checks = session.scalars(select(Task.episode_id).where(Task.kind == "procedures.relief_check", Task.status == "open")).all()
        reports = dict(session.execute(select(ProcedureRelief.procedure_id, func.count()).group_by(ProcedureRelief.procedure_id)).all())
        assert open_checks and {p.episode_id for p in procedures if reports.get(p.id, 0) < 2} >= set(open_checks)
        assert {p.episode_id for p in procedures if reports.get(p.id, 0) == 2} - set(open_checks)

        studies = list(session.scalars(select(ImagingStudy)))
        assert {s.origin for s in studies if s.report_on_file} == {"clinic", "outside"}
        assert any(not s.report_on_file for s in studies)
        assert {c.kind for c in session.scalars(select(CareEntry))} >= {
            "physical_therapy", "home_exercise", "medication", "chiropractic", "behavioral_therapy"}

        tapers = list(session.scalars(select(TaperPlan)))
        assert len(tapers) == summary.facts["tapers"] >= 3
        steps = list(session.scalars(select(TaperStep)))
        assert any(s.done_at is not None for s in steps) and any(s.done_at is None for s in steps)
        assert _count(session, TrialPlan) == summary.facts["trial_plans"] >= 3
        histories = list(session.scalars(select(PatientHistory)))
        assert len(histories) == summary.facts["histories"] >= 3
        assert {h.smoking_status for h in histories} >= {"current", "former", "never"} and any(h.surgeries for h in histories)

        states = dict(session.execute(select(Appointment.status, func.count()).group_by(Appointment.status)).all())
        assert set(states) == {"booked", "checked_in", "completed", "no_show", "cancelled", "rescheduled"}
        assert all(states[s] >= 3 for s in states)
        rescheduled = session.scalars(select(Appointment).where(Appointment.status == "rescheduled")).all()
        assert all(session.get(Appointment, a.rescheduled_to_id).status == "booked" for a in rescheduled)
        notes = list(session.scalars(select(Encounter)))
        assert notes and all(n.appointment_id is not None for n in notes)
        assert all(session.get(Appointment, n.appointment_id).status == "completed" for n in notes if n.status == "signed")
        drafts = [n for n in notes if n.status != "signed"]
        assert len(drafts) == summary.facts["draft_notes"] >= 3
        assert {session.get(Appointment, n.appointment_id).status for n in drafts} == {"checked_in"}

        assert _count(session, PtCourse) == summary.facts["pt_courses"] >= 4
        assert _count(session, ProgressReport) == summary.facts["pt_courses"]
        assert _count(session, PlanOfCareCertification) >= 2
        # A knee osteoarthritis patient had the injection options discussed at her first visit and chose one.
        knee_decisions = list(session.scalars(select(SharedDecision)))
        assert len(knee_decisions) == summary.facts["shared_decisions"] == 1
        assert session.get(Episode, knee_decisions[0].episode_id).body_region == "knee"
        assert {(d.pathway_id, d.step_id, d.choice) for d in knee_decisions} == {("knee_osteoarthritis", "steroid_injection", "steroid_injection")}

        clinic = session.scalar(select(Clinic))
        assert is_valid_npi(clinic.npi)
        clinicians = session.scalars(select(User).where(User.role == "clinician")).all()
        assert len(clinicians) == 2 and all(is_valid_npi(u.npi) for u in clinicians)

        coordinator = session.scalar(select(User).where(User.username == "coordinator"))
        with time_machine.travel(NOW, tick=False):
            first = page_tasks(session, user=coordinator, f=WorklistFilter(mine=True))
            assert first.next_cursor is not None and len(first.tasks) == WorklistFilter().limit
            second = page_tasks(session, user=coordinator, f=WorklistFilter(mine=True, after=first.next_cursor))
        assert second.tasks and not {t.id for t in second.tasks} & {t.id for t in first.tasks}


def test_a_small_demo_shows_each_record_in_the_state_that_offers_its_form(small_demo):
    """Issue 12: even the 12-patient demo has a record in every state a form needs (tests/web/test_forms_keep_input.py
    walks them all): staff accounts disabled and locked, a draft note, an opioid with its safety checks, a paused
    taper, a PHQ-9 to review, a PT extension awaited, an imaging report requested (sent and failed), a referral
    the desk could not reach and an emergent red flag no clinician has acknowledged. All through the services."""
    ctx, summary = small_demo
    assert summary.charted_episodes == 3
    with ctx.db.session() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        assert not users["front_desk_former"].active
        assert users["nurse_locked"].active and users["nurse_locked"].locked_until > utcnow()
        assert not {"front_desk_former", "nurse_locked"} & {username for username, _, _ in summary.logins}

        drafts = session.scalars(select(Encounter).where(Encounter.status != "signed")).all()
        assert len(drafts) == summary.facts["draft_notes"] == 1
        assert session.get(Appointment, drafts[0].appointment_id).status == "checked_in"

        opioids = session.scalars(select(MedicationPrescription).where(MedicationPrescription.is_opioid)).all()
        assert len(opioids) == summary.facts["opioid_prescriptions"] == 1 and opioids[0].stopped_on is None
        assert _count(session, OpioidAgreement) == _count(session, PdmpCheck) == 1
        assert sorted(t.status for t in session.scalars(select(TaperPlan))) == ["active", "paused"]

        phq9 = session.scalars(select(InstrumentAdministration).where(InstrumentAdministration.instrument_id == "phq9")).all()
        assert len(phq9) == summary.facts["safety_reviews_owed"] == 1
        assert phq9[0].alerts and phq9[0].safety_reviewed_at is None

        awaited = session.scalars(select(PtAuthorization).where(PtAuthorization.extension_requested_at.is_not(None))).all()
        assert len(awaited) == summary.facts["pt_extensions_awaited"] == 1 and awaited[0].extension_answered_at is None
        ended = session.scalars(select(PtCourse).where(PtCourse.status != "active")).all()
        assert len(ended) == summary.facts["pt_courses_ended"] == 1  # the therapist's discharge, with its reason
        assert ended[0].status == "completed" and ended[0].end_reason and ended[0].start_date < ended[0].ended_on
        assert not session.scalars(select(Task).where(Task.episode_id == ended[0].episode_id, Task.provider == "therapy",
                                                      Task.status == "open")).all()
        assert any(not s.report_on_file for s in session.scalars(select(ImagingStudy)))

        requests = session.scalars(select(RecordsRequest)).all()
        assert sorted(r.status for r in requests) == ["failed", "sent"] and summary.facts["records_requests"] == 2
        failed = next(r for r in requests if r.status == "failed")
        assert failed.last_error and failed.next_attempt_at is not None

        calls = {c.status for c in session.scalars(select(IntakeCall))}
        assert {"awaiting_callback", "unreachable", "triaged"} <= calls
        emergent = session.scalars(select(Triage).where(Triage.urgency == "emergent")).all()
        assert len(emergent) == 1 and emergent[0].acknowledged_at is None

        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"user.disable", "auth.login_failed", "prescription.record", "pt_authorization.extension_requested",
                "records_request.sent", "records_request.send_failed", "intake.attempt", "intake.triage"} <= actions


def test_the_demo_has_referrals_in_every_state_and_one_stalled(whole_demo):
    """Issue 16: the episode panel, the referral page's actions and the open-loops board all have something to show."""
    from painpath.referrals.models import ReceivingPractice, Referral
    from painpath.worklist.loops import open_loops

    ctx, summary = whole_demo
    with ctx.db.session() as session:
        states = {r.status for r in session.scalars(select(Referral))}
        assert states == {"drafted", "sent", "acknowledged", "scheduled", "seen", "consult_received", "closed", "cancelled"}
        assert summary.facts["referrals"] == _count(session, Referral) and _count(session, ReceivingPractice) >= 2
        loops = open_loops(session, summary.clinic_id)
        assert len([loop for loop in loops if loop.stalled and loop.kind == "referral"]) == 1
        review = session.scalar(select(Task).where(Task.kind == "referrals.review", Task.status == "open"))
        assert review is not None and review.owner_role == "clinician"


def test_the_demo_has_a_workers_comp_case_with_its_ime_task_and_report_due(whole_demo):
    """Issue 17 (J11): a claim with the adjuster and case manager, an IME that disagreed and the clinician's reconcile
    task open, the carrier's progress report coming due (demo_workcomp.py)."""
    from painpath.workcomp.models import WorkCompClaim

    ctx, summary = whole_demo
    with ctx.db.session() as session:
        claim = session.scalar(select(WorkCompClaim))
        assert summary.facts["workcomp_claims"] == 1 and claim.nurse_case_manager_name and claim.adjuster_name
        open_kinds = set(session.scalars(select(Task.kind).where(Task.episode_id == claim.episode_id, Task.status == "open")))
        assert {"workcomp.ime_reconcile", "workcomp.progress_report"} <= open_kinds


def test_the_demo_shows_behavioural_health_in_each_state(whole_demo):
    """Issue 16: a PCS past its cut-off with the clinician's task open, a declined offer, an accepted referral,
    and a plan with support strategies (demo_behavioural.py)."""
    from painpath.charting.behavioural.models import BehaviouralOfferRow
    from painpath.plans.models import PlanSupportItem

    ctx, summary = whole_demo
    with ctx.db.session() as session:
        assert summary.facts["behavioural_scores"] >= 3
        open_tasks = session.scalars(select(Task).where(Task.kind == "behavioural.offer", Task.status == "open")).all()
        assert any(t.title == "Discuss a pain-psychology referral: PCS 52 (threshold 30)" for t in open_tasks)
        assert {"declined", "accepted"} <= set(session.scalars(select(BehaviouralOfferRow.answer)))
        assert {"paced_breathing", "sleep_hygiene"} <= set(session.scalars(select(PlanSupportItem.strategy_id)))


def test_the_demo_has_work_restrictions_a_re_evaluation_due_and_a_return_to_work_plan(whole_demo):
    """Issue 17 (J9): signed restrictions drafted from the chart, a draft amendment to sign, one about to expire with
    its re-evaluation task open, and a return-to-work step under way with the employer's confirmation owed."""
    from painpath.paperwork.models import ReturnToWorkStep, WorkRestriction

    ctx, summary = whole_demo
    with ctx.db.session() as session:
        rows = list(session.scalars(select(WorkRestriction)))
        assert summary.facts["work_restrictions"] == 2
        assert sorted(r.status for r in rows) == ["draft", "signed", "signed"]
        assert all(r.based_on for r in rows)  # each rests on the chart's functional measures
        open_kinds = {t.kind: t.owner_role for t in session.scalars(select(Task).where(Task.provider == "work_restrictions", Task.status == "open"))}
        assert open_kinds == {"work_restrictions.re_evaluate": "clinician", "return_to_work.confirm_employer": "coordinator",
                              "return_to_work.clinician_check": "clinician"}
        assert _count(session, ReturnToWorkStep) == 2
