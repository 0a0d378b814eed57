"""The check-in schedule from stored facts (both databases): an injection's two windows from the procedures
pack, a PT block's check-ins from the checkins pack, for_patient across open episodes, and the records."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from painpath.checkins import service

# Monday 7 Dec 2026, 10:00 in Chicago.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TFESI = {"procedure_key": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L4-5"],
         "performed_on": "2026-12-05", "baseline_pain": 8, "baseline_scale": "nrs"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(client_for, patient_payload, episode_payload, clock) -> tuple[int, int]:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"}).json()["id"]
    return patient_id, episode_id


def _pt(client_for, staff, episode_id, weeks=8):  # noqa: ANN001, ANN202
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stenosis_flexion", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-12-07", "duration_weeks": weeks})
    assert made.status_code == 201, made.text
    return made.json()


def test_an_injection_and_an_8_week_pt_block_give_their_check_ins(ctx, client_for, staff, clinic, episode):
    patient_id, episode_id = episode
    procedure = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=TFESI).json()
    course = _pt(client_for, staff, episode_id)
    with ctx.db.session() as session:
        found = service.schedule(session, clinic_id=clinic.id, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                 calendar=ctx.calendar, today=date(2026, 12, 7))[episode_id]
        assert [(c.key, c.opens_on, c.status) for c in found] == [
            (f"procedure:{procedure['id']}:1", date(2026, 12, 6), "open"),
            (f"procedure:{procedure['id']}:2", date(2026, 12, 19), "upcoming"),
            (f"pt:{course['id']}:1", date(2026, 12, 21), "upcoming"),
            (f"pt:{course['id']}:2", date(2027, 1, 4), "upcoming"),
            (f"pt:{course['id']}:3", date(2027, 1, 18), "upcoming"),
        ]
        mine = service.for_patient(session, clinic_id=clinic.id, patient_id=patient_id, knowledge=ctx.knowledge,
                                   calendar=ctx.calendar, today=date(2026, 12, 7))
        assert [c.key for c in mine] == [c.key for c in found]
        assert all(c.patient_id == patient_id and c.episode_id == episode_id for c in mine)
        assert service.schedule(session, clinic_id=clinic.id + 1, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                calendar=ctx.calendar, today=date(2026, 12, 7)) == {}
    listed = client_for("nurse").get(f"/api/episodes/{episode_id}/checkins").json()
    assert [(c["key"], c["opens_on"], c["status"]) for c in listed] == [(c.key, c.opens_on.isoformat(), c.status) for c in found]
    assert client_for("front_desk").get(f"/api/episodes/{episode_id}/checkins").status_code == 403


def test_j1_a_six_week_program_measured_by_the_ndi_owes_four_weekly_questionnaires_met_by_a_score(ctx, client_for, clinic, episode, db):
    from painpath.plans.models import CarePlan, PlanStep

    patient_id, episode_id = episode
    with db.session() as session:
        plan = CarePlan(clinic_id=clinic.id, episode_id=episode_id, patient_id=patient_id, pathway_id="cervical_radiculopathy",
                        pack_version=1, goals=[], status="active", started_on=date(2026, 11, 30))
        session.add(plan)
        session.flush()
        step = PlanStep(clinic_id=clinic.id, plan_id=plan.id, episode_id=episode_id, step_id="structured_program", status="active",
                        started_on=date(2026, 11, 30), trial_ends_on=date(2027, 1, 11))
        session.add(step)
        session.flush()
        step_id = step.id
    answers = {f"ndi_{i}": 2 for i in range(1, 11)}
    scored = client_for("nurse").post(f"/api/episodes/{episode_id}/instrument-administrations",
                                      json={"instrument_id": "ndi", "answers": answers, "administered_at": "2026-12-07T09:00:00", "source": "patient"})
    assert scored.status_code == 201, scored.text
    with db.session() as session:
        found = service.schedule(session, clinic_id=clinic.id, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                 calendar=ctx.calendar, today=date(2026, 12, 7))[episode_id]
    ndi = [c for c in found if c.kind == "weekly_scores"]
    assert [(c.key, c.opens_on, c.status, c.how, c.instrument_id) for c in ndi] == [
        (f"scores:{step_id}:ndi:1", date(2026, 12, 7), "done", "questionnaire", "ndi"),
        (f"scores:{step_id}:ndi:2", date(2026, 12, 14), "upcoming", "questionnaire", "ndi"),
        (f"scores:{step_id}:ndi:3", date(2026, 12, 21), "upcoming", "questionnaire", "ndi"),
        (f"scores:{step_id}:ndi:4", date(2026, 12, 28), "upcoming", "questionnaire", "ndi")]
    assert ndi[0].done_how == "questionnaire" and {c.patient_title for c in ndi} == {"Weekly questionnaire"}


def test_an_active_taper_owes_a_check_in_each_month_on_its_dose_steps_and_follow_ups(ctx, client_for, clinic, episode, db):
    _patient_id, episode_id = episode
    taper = client_for("clinician").post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 10})
    assert taper.status_code == 201, taper.text
    from sqlalchemy import select

    from painpath.medications.tapers.models import TaperStep
    with db.session() as session:
        rows = session.execute(select(TaperStep.kind, TaperStep.due_on).order_by(TaperStep.due_on)).all()
        found = service.schedule(session, clinic_id=clinic.id, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                 calendar=ctx.calendar, today=date(2026, 12, 7))[episode_id]
    from painpath.medications.tapers.models import TaperPlan
    with db.session() as session:
        start = session.get(TaperPlan, taper.json()["id"]).start_date  # a contact on the start day is the visit itself
    contacts = sorted({on for kind, on in rows if kind == "follow_up" or on > start})
    tapers = [c for c in found if c.kind == "taper"]
    assert [c.due_on for c in tapers] == contacts
    # Monthly through the taper (CDC 2022 Rec 5: follow up at least monthly): no gap between contacts over 31 days.
    assert len(contacts) >= 3 and all((b - a).days <= 31 for a, b in zip([start, *contacts], contacts))
    assert all(c.key.startswith(f"taper:{taper.json()['id']}:") and c.how == "telehealth" for c in tapers)


def test_two_missed_check_ins_are_the_clinicians_task_until_one_is_made_up(ctx, client_for, episode, db, clock):
    from sqlalchemy import select

    from painpath.worklist.models import Task
    _patient_id, episode_id = episode
    client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=TFESI)
    clock.move_to(datetime(2027, 1, 5, 16, 0, tzinfo=timezone.utc))  # both injection windows closed
    with db.session() as session:
        ctx.reconcile(session, [episode_id])
        session.commit()
    with db.session() as session:
        tasks = {t.kind: t for t in session.scalars(select(Task).where(Task.provider == "checkins"))}
        assert tasks["checkins.two_missed"].owner_role == "clinician" and tasks["checkins.two_missed"].status == "open"
        assert tasks["checkins.two_missed"].evidence["link"] == f"/episodes/{episode_id}#checkins"
        key = tasks["checkins.two_missed"].evidence["checkins"][0]
    from support import page_form_post
    coordinator = client_for("coordinator")
    assert page_form_post(coordinator, f"/checkins/episodes/{episode_id}/cancel",
                          {"key": key, "version": "0", "cancel_reason": "Patient on holiday; seen in clinic instead"}).status_code == 303
    with db.session() as session:
        two = session.scalars(select(Task).where(Task.kind == "checkins.two_missed")).one()
        assert two.status == "cancelled"


def test_one_check_in_read_by_its_key_is_the_same_as_in_the_whole_schedule(ctx, client_for, staff, clinic, episode, db):
    """get_checkin (every record action's check) reads only the kind of fact its key derives from; each check-in of
    every kind comes out as in the episode's whole schedule, its record with it, and a key no fact owes is NotFound."""
    from painpath.core.auth.service import actor_for
    from painpath.core.errors import NotFound
    from painpath.plans.models import CarePlan, PlanStep

    patient_id, episode_id = episode
    clinician = client_for("clinician")
    assert clinician.post(f"/api/episodes/{episode_id}/procedures", json=TFESI).status_code == 201
    _pt(client_for, staff, episode_id)
    assert clinician.post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 10}).status_code == 201
    with db.session() as session:
        plan = CarePlan(clinic_id=clinic.id, episode_id=episode_id, patient_id=patient_id, pathway_id="cervical_radiculopathy",
                        pack_version=1, goals=[], status="active", started_on=date(2026, 11, 30))
        session.add(plan)
        session.flush()
        session.add(PlanStep(clinic_id=clinic.id, plan_id=plan.id, episode_id=episode_id, step_id="structured_program",
                             status="active", started_on=date(2026, 11, 30), trial_ends_on=date(2027, 1, 11)))
    answers = {f"ndi_{i}": 2 for i in range(1, 11)}
    assert client_for("nurse").post(f"/api/episodes/{episode_id}/instrument-administrations", json={
        "instrument_id": "ndi", "answers": answers, "administered_at": "2026-12-07T09:00:00", "source": "patient"}).status_code == 201
    nurse = actor_for(staff["nurse"])
    today = date(2026, 12, 7)
    with db.session() as session:
        whole = service.episode_checkins(session, actor=nurse, episode_id=episode_id, knowledge=ctx.knowledge,
                                         calendar=ctx.calendar, today=today)
        first = whole[0]
        service.write_note(session, actor=nurse, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=first.key,
                           expected_version=None, pain_now=4, function_words="Walking further", side_effects=None, red_flags=False,
                           red_flags_words=None, next_step="Carry on", relief_percent=60 if first.kind == "after_procedure" else None)
    with db.session() as session:
        whole = service.episode_checkins(session, actor=nurse, episode_id=episode_id, knowledge=ctx.knowledge,
                                         calendar=ctx.calendar, today=today)
        assert {c.kind for c in whole} == {"after_procedure", "pt_block", "taper", "weekly_scores"}
        assert {c.status for c in whole} >= {"done", "upcoming"}
        for checkin in whole:
            one, record = service.get_checkin(session, actor=nurse, episode_id=episode_id, key=checkin.key, knowledge=ctx.knowledge,
                                              calendar=ctx.calendar, today=today)
            assert one == checkin
            assert (record.id if record is not None else None) == checkin.record_id
        for key in (f"{first.key}9", "procedure:0:1", "unknown:1", ""):
            with pytest.raises(NotFound):
                service.get_checkin(session, actor=nurse, episode_id=episode_id, key=key, knowledge=ctx.knowledge,
                                    calendar=ctx.calendar, today=today)
