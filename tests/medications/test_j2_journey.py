"""Journey J2 end to end through the API, with the clock moving across five months (issue 7, "Done when").

Lumbar stenosis under a commercial payer that reviews epidurals (Cigna through eviCore). On Monday
4 Jan 2027 the patient takes oxycodone 10 mg four times a day (60 MME/day): the naloxone offer, the
opioid agreement, the PDMP check, the urine drug test and the follow-up come onto the worklist with
their sources, and recording each meets it. The plan comes from the lumbar stenosis pathway (walker and
flexion-bias PT, then epidurals) with the flexion-bias PT course. The taper goes from 60 to 15 MME/day
in four monthly steps on real tablet strengths, each step a task on its day; a missed step becomes a
nurse's task; the printable schedule lists the steps. The first epidural is authorized, done and gives
30% relief at two weeks, so the second is not eligible, in the payer's words. A second scenario: 60%
relief that lasts makes the second eligible on the day the payer's spacing allows, and a fifth
injection inside a rolling 12 months is refused with the day a slot frees.

Every number checked comes from the packs (policies/commercial_typical.yaml typical_ilesi,
pathways/lumbar_stenosis.yaml, pt_protocols/lumbar_stenosis_flexion.yaml, tablet_strengths.yaml).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from authorization_setup import criteria_by_id, new_episode, open_case, read_case, record_relief
from painpath.worklist.models import Task

CIGNA = {"payer_id": "cigna_commercial_evicore", "member_id": "U8812204", "effective_from": "2026-01-01"}
STENOSIS = {"problem_summary": "Lumbar stenosis with neurogenic claudication", "body_region": "lumbar", "laterality": "bilateral",
            "onset_date": "2026-06-01", "icd10_codes": ["M48.062"]}
ORT_ANSWERS = {  # nothing scores: low risk, a urine drug test once a year
    "ort_family_alcohol": 0, "ort_family_illegal_drugs": 0, "ort_family_rx_drugs": 0, "ort_personal_alcohol": 0,
    "ort_personal_illegal_drugs": 0, "ort_personal_rx_drugs": 0, "ort_age_16_45": 0, "ort_preadolescent_sexual_abuse": 0,
    "ort_add_ocd_bipolar_schizophrenia": 0, "ort_depression": 0,
}
OXYCODONE = {"drug": "oxycodone", "strength": 10, "strength_unit": "mg", "dose_units": 1, "times_per_day": 4, "form": "oral",
             "quantity": 120, "days_supply": 30}
J2_TAPER = {"prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
            "percent_per_month": 18.75, "faster_reason": "J2: agreed four-month plan with a walker and flexion-bias PT"}
OXYCODONE_IR_STRENGTHS = {5, 10, 15, 20, 30}  # tablet_strengths.yaml, oxycodone_ir
# One interlaminar level (the payer allows 1 per session), hospital outpatient.
EPIDURAL = {"procedure_id": "ilesi_lumbar", "cpt_codes": ["62323"], "side": "none", "levels": ["L4-5"], "place_of_service": "22"}
EXAM = {"straight_leg_raise": {"left": {"result": "negative"}, "right": {"result": "negative"}},
        "sensory_deficits": [{"dermatome": "L5", "side": "left"}, {"dermatome": "L5", "side": "right"}]}


def _at(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in Chicago on `day` (winter, UTC-6; in summer it is an hour later, the same day)."""
    return datetime(day.year, day.month, day.day, hour + 6, tzinfo=timezone.utc)


DAY_0 = date(2027, 1, 4)  # a Monday


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _worklist(client, episode_id: int, status: str = "open") -> dict[str, dict]:  # noqa: ANN001
    """What staff see on the worklist for this episode, by task key."""
    page = _ok(client.get("/api/worklist", params={"episode_id": episode_id, "status": status, "limit": 500}))
    return {t["key"]: t for t in page["tasks"]}


def _reconciled(ctx, db, episode_id: int) -> None:  # noqa: ANN001
    """What the nightly sweep does: bring the episode's obligations in line with today."""
    with db.session() as session:
        ctx.reconcile(session, [episode_id])
        session.commit()


def _task_status(db, episode_id: int, key: str) -> str:  # noqa: ANN001
    with db.session() as session:
        return session.scalars(select(Task.status).where(Task.episode_id == episode_id, Task.key == key)).one()


@pytest.fixture
def clients(ctx, client_for):  # noqa: ANN201
    ctx.settings.session_hours = 24 * 500  # the journey spans months; nobody signs in again
    with time_machine.travel(_at(DAY_0, 9), tick=False) as clock:
        yield clock, client_for("coordinator"), client_for("clinician"), client_for("nurse")



def _key(task_key: str) -> str:
    """An opioid-safety task key without its episode suffix ("opioid:udt:baseline:episode:7" -> "opioid:udt:baseline")."""
    return task_key.split(":episode:")[0]


def _open_keys(client, episode_id: int, prefix: str) -> set[str]:  # noqa: ANN001
    return {_key(k) for k in _worklist(client, episode_id) if k.startswith(prefix)}


def _episode_with_workup(coordinator, clinician, patient_payload: dict) -> int:  # noqa: ANN001
    """The Cigna patient on day 0: the lumbar MRI from December and the first visit's exam (L5 numbness both sides)."""
    episode_id = new_episode(coordinator, patient_payload, STENOSIS, CIGNA)
    _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
        "modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "origin": "outside",
        "performed_on": "2026-12-10", "report_on_file": True, "concordant": "yes",
        "summary": "Severe central canal stenosis at L4-5"}), 201)
    visit = _ok(clinician.post(f"/api/episodes/{episode_id}/encounters", json={
        "encounter_type": "initial", "date_of_service": DAY_0.isoformat(), "narrative": "Legs heavy after 5 minutes of walking."}), 201)
    _ok(clinician.put(f"/api/encounters/{visit['id']}/exam", json=EXAM))
    return episode_id


def _failed_pt(clinician, episode_id: int) -> None:  # noqa: ANN001
    """Six weeks of the flexion-bias program that did not get him walking: the payer's failed conservative care."""
    _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json={
        "kind": "physical_therapy", "start_date": DAY_0.isoformat(), "end_date": "2027-02-12", "source": "clinic",
        "description": "Flexion-bias PT twice a week with a rolling walker", "failed": "yes"}), 201)


def _authorize(coordinator, case: dict, on: date) -> dict:  # noqa: ANN001
    """Submit the eligible case through the payer's portal and record the approval (one session, 90 days)."""
    submitted = _ok(coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "portal", "version": case["version"]}))
    assert submitted["state"] == "submitted"
    approved = _ok(coordinator.post(f"/api/authorizations/{case['id']}/decision", json={
        "outcome": "approve", "version": submitted["version"], "authorization_number": f"EVC-{case['id']:05d}", "approved_units": 1,
        "approved_from": on.isoformat(), "approved_to": (on + timedelta(days=90)).isoformat()}))
    assert approved["state"] == "approved"
    return approved


def _epidural(clinician, episode_id: int, on: date) -> int:  # noqa: ANN001
    made = _ok(clinician.post(f"/api/episodes/{episode_id}/procedures", json={
        "procedure_key": "ilesi_lumbar", "cpt_codes": ["62323"], "side": "none", "levels": ["L4-5"], "performed_on": on.isoformat(),
        "baseline_pain": 7, "baseline_scale": "nrs"}), 201)
    return made["id"]


def _day_zero_opioid_safety(clinician, nurse, coordinator, episode_id: int) -> int:  # noqa: ANN001
    """(1) The prescription opens the safety obligations, each with its source; recording each meets it."""
    _ok(clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json={"instrument_id": "ort", "answers": ORT_ANSWERS}), 201)
    rx = _ok(clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={**OXYCODONE, "start_date": DAY_0.isoformat()}), 201)
    assert (rx["mme"]["status"], rx["mme"]["daily_mme"]) == ("counted", 60.0)

    tasks = {_key(k): t for k, t in _worklist(coordinator, episode_id).items() if k.startswith("opioid:")}
    assert set(tasks) == {"opioid:naloxone:since:2027-01-04", "opioid:agreement:initial", f"opioid:pdmp:rx:{rx['id']}",
                          "opioid:udt:baseline", f"opioid:follow_up:rx:{rx['id']}"}
    naloxone = tasks["opioid:naloxone:since:2027-01-04"]
    assert "60 MME/day (at or over 50)" in naloxone["reason"] and "Source: CDC 2022 Rec 8" in naloxone["reason"]
    agreement = tasks["opioid:agreement:initial"]
    assert "by Sun 04 Apr 2027" in agreement["reason"] and "Source: CDC opioid-cds" in agreement["reason"]
    pdmp = tasks[f"opioid:pdmp:rx:{rx['id']}"]
    assert "before each opioid prescription" in pdmp["reason"] and "Source: CDC 2022 Rec 9" in pdmp["reason"]
    udt = tasks["opioid:udt:baseline"]
    assert udt["owner_role"] == "nurse" and "every 12 months (ORT low risk)" in udt["reason"] and "CDC 2016 Rec 10" in udt["reason"]
    follow_up = tasks[f"opioid:follow_up:rx:{rx['id']}"]
    assert follow_up["evidence"]["due_date"] == "2027-02-01" and "Source: CDC 2022 Rec 7" in follow_up["reason"]

    _ok(clinician.post(f"/api/episodes/{episode_id}/naloxone-offers", json={"offered_on": "2027-01-04", "outcome": "accepted"}), 201)
    _ok(clinician.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2027-01-04"}), 201)
    _ok(clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "Only this clinic's oxycodone"}), 201)
    _ok(nurse.post(f"/api/episodes/{episode_id}/urine-drug-tests", json={"collected_on": "2027-01-04", "result": "expected"}), 201)
    assert _open_keys(coordinator, episode_id, "opioid:") == {f"opioid:follow_up:rx:{rx['id']}"}
    met = {_key(k) for k in _worklist(coordinator, episode_id, status="met")}
    assert {"opioid:naloxone:since:2027-01-04", "opioid:agreement:initial", f"opioid:pdmp:rx:{rx['id']}", "opioid:udt:baseline"} <= met
    return rx["id"]


def _plan_and_pt_course(clinician, staff, episode_id: int) -> dict:  # noqa: ANN001
    """(2) The plan from the lumbar stenosis pathway and its flexion-bias PT course."""
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={
        "pathway_id": "lumbar_stenosis", "procedure": {"cpt_codes": ["62323"], "levels": ["L4-5"], "place_of_service": "22"},
        "goals": [{"text": "Walk to the shops and back", "measure": "walking_minutes", "target": 20}]}), 201)
    step = plan["current_step"]
    assert (plan["pathway_name"], step["step_id"], step["trial_ends_on"]) == ("Lumbar spinal stenosis", "flexion_bias_program", "2027-02-15")
    assert step["pt_protocol_id"] == "lumbar_stenosis_flexion" and "rolling walker" in step["what"]
    assert step["on_failure"] == {"id": "first_epidural", "name": "First epidural steroid injection"}
    # The epidural the plan leads to is already being prepared with the payer's kit.
    assert (plan["authorization"]["procedure_id"], plan["authorization"]["state"]) == ("ilesi_lumbar", "preparing")

    course = _ok(clinician.post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": step["pt_protocol_id"], "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": DAY_0.isoformat()}), 201)
    assert (course["frequency_per_week"], course["duration_weeks"], course["medicare_rules"]) == (2, 6, False)
    assert len(course["visits"]) == 12
    return plan


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages).split())


def _taper_on_day_zero(clinician, coordinator, episode_id: int) -> dict:  # noqa: ANN001
    """(3) The taper: four monthly steps from 60 to 15 MME/day on real tablets, each a task on its day."""
    taper = _ok(clinician.post(f"/api/episodes/{episode_id}/tapers", json=J2_TAPER), 201)
    steps = [(s["kind"], s["due_on"], s["daily_mme"]) for s in taper["steps"]]
    assert steps == [("step", "2027-01-04", 52.5), ("step", "2027-02-04", 37.5), ("step", "2027-03-04", 30),
                     ("step", "2027-04-04", 15), ("follow_up", "2027-05-04", None)]
    for step in taper["steps"][:4]:  # every dose is made of tablets that exist
        assert step["lines"] and {line["strength_mg"] for line in step["lines"]} <= OXYCODONE_IR_STRENGTHS, step
        assert all(line["product"] == "oxycodone_ir" for line in step["lines"])
    # Follow-up at least monthly: every visit (each step's day, then the check-in) within a month of the last.
    visits = [date.fromisoformat(s["due_on"]) for s in taper["steps"]]
    assert all((later - earlier).days <= 31 for earlier, later in zip(visits, visits[1:]))

    plan = taper["id"]
    tasks = _worklist(coordinator, episode_id)
    assert {f"taper:{plan}:step:{n}" for n in (1, 2, 3, 4)} | {f"taper:{plan}:follow_up:1"} <= set(tasks)
    assert tasks[f"taper:{plan}:step:2"]["title"] == "Taper step 2: 37.5 MME/day from 2027-02-04"
    assert "10 mg twice a day and 5 mg once a day" in tasks[f"taper:{plan}:step:2"]["reason"]
    assert tasks[f"taper:{plan}:follow_up:1"]["title"] == "Taper follow-up visit due 2027-05-04"

    text = _pdf_text(_ok_bytes(clinician.get(f"/api/tapers/{plan}/schedule.pdf")))
    assert "Your medicine schedule" in text
    for words in ("4 January 2027", "4 February 2027", "4 March 2027", "4 April 2027", "4 May 2027",
                  "10 mg three times a day and 5 mg once a day", "10 mg twice a day (20 mg a day)", "10 mg once a day (10 mg a day)"):
        assert words in text, words
    return taper


def _ok_bytes(response) -> bytes:  # noqa: ANN001
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", response.text
    return response.content


def _step_done(clinician, step: dict, note: str) -> None:  # noqa: ANN001
    _ok(clinician.post(f"/api/taper-steps/{step['id']}/done", json={"note": note}))


def test_j2_five_months_of_opioid_safety_taper_plan_and_a_first_epidural_that_did_not_help_enough(
        clients, staff, ctx, db, patient_payload):
    clock, coordinator, clinician, nurse = clients

    # ---- Mon 4 Jan 2027, day 0 -----------------------------------------------------------------------
    episode_id = _episode_with_workup(coordinator, clinician, patient_payload)
    first_rx = _day_zero_opioid_safety(clinician, nurse, coordinator, episode_id)
    plan = _plan_and_pt_course(clinician, staff, episode_id)
    taper = _taper_on_day_zero(clinician, coordinator, episode_id)
    taper_id, steps = taper["id"], taper["steps"]

    # ---- Wed 6 Jan: step 1 is two days late and nobody recorded it: the nurse calls ----------------------
    clock.move_to(_at(date(2027, 1, 6)))
    _reconciled(ctx, db, episode_id)
    missed = _worklist(nurse, episode_id)[f"taper:{taper_id}:missed:1"]
    assert (missed["kind"], missed["owner_role"]) == ("taper_step_missed", "nurse") and "due 2027-01-04" in missed["title"]
    _step_done(clinician, steps[0], "Made the first step on 5 Jan; pain manageable")
    assert {f"taper:{taper_id}:step:1", f"taper:{taper_id}:missed:1"} <= set(_worklist(coordinator, episode_id, status="met"))

    # ---- Mon 1 Feb: the follow-up visit four weeks after the start meets the prescription's follow-up ----
    clock.move_to(_at(date(2027, 2, 1)))
    _ok(clinician.post(f"/api/episodes/{episode_id}/encounters", json={
        "encounter_type": "follow_up", "date_of_service": "2027-02-01", "narrative": "On the taper; walking with the walker."}), 201)
    assert _task_status(db, episode_id, f"opioid:follow_up:rx:{first_rx}:episode:{episode_id}") == "met"

    # ---- Thu 4 Feb: step 2, on its day: a task due today, not missed ------------------------------------
    clock.move_to(_at(date(2027, 2, 4)))
    _reconciled(ctx, db, episode_id)
    open_now = _worklist(coordinator, episode_id)
    assert f"taper:{taper_id}:step:2" in open_now and f"taper:{taper_id}:missed:2" not in open_now
    _step_done(clinician, steps[1], "Step 2 started today")

    # ---- Mon 15 Feb: six weeks of flexion-bias PT did not get him walking: the first epidural ----------
    clock.move_to(_at(date(2027, 2, 15)))
    _failed_pt(clinician, episode_id)
    step = _ok(clinician.get(f"/api/episodes/{episode_id}/plan"))["current_step"]
    plan = _ok(clinician.post(f"/api/plan-steps/{step['id']}/confirm", json={
        "version": step["version"], "outcome": "failed", "note": "Walks 8 minutes before his legs give out"}))
    assert plan["current_step"]["step_id"] == "first_epidural" and plan["current_step"]["procedure_id"] == "ilesi_lumbar"
    case = read_case(coordinator, plan["authorization"]["case_id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    assert criteria_by_id(case)["repeat_response"]["status"] == "not_applicable"
    _authorize(coordinator, case, date(2027, 2, 15))

    # ---- Mon 22 Feb: the first epidural ------------------------------------------------------------------
    clock.move_to(_at(date(2027, 2, 22)))
    first = _epidural(clinician, episode_id, date(2027, 2, 22))

    # ---- Thu 4 Mar: step 3 ----------------------------------------------------------------------------------
    clock.move_to(_at(date(2027, 3, 4)))
    _step_done(clinician, steps[2], "Step 3")

    # ---- Mon 8 Mar: two weeks after: 30% relief. The second epidural is not eligible, in the payer's words --
    clock.move_to(_at(date(2027, 3, 8)))
    record_relief(clinician, first, "2027-03-08", 30, lasted_days=14)
    second = open_case(coordinator, episode_id, **EPIDURAL)
    assert second["decision"]["outcome"] == "not_eligible", second["decision"]["summary"]
    repeat = criteria_by_id(second)["repeat_response"]
    assert repeat["status"] == "not_met"
    assert repeat["label"] == "Repeat injection: at least 50% relief for at least 2 weeks, with function or medication improvement"
    assert "gave at most 30% relief; this payer needs at least 50% relief from it lasting at least 2 weeks" in repeat["explanation"]
    assert second["decision"]["summary"].startswith("Not eligible under Cigna commercial (eviCore).")
    refused = coordinator.post(f"/api/authorizations/{second['id']}/submit", json={"channel": "portal", "version": second["version"]})
    assert refused.status_code == 409 and "repeat_response" in refused.text

    # ---- Mon 5 Apr (step 4 fell on Sunday 4 Apr): 15 MME/day; the new prescription needs its own PDMP check
    clock.move_to(_at(date(2027, 4, 5)))
    final = steps[3]
    assert final["daily_mme"] <= 15 and final["regimen_words"].endswith("10 mg once a day (10 mg a day)")
    old = _ok(clinician.get(f"/api/episodes/{episode_id}/prescriptions"))["prescriptions"][0]
    _ok(clinician.post(f"/api/prescriptions/{old['id']}/stop", json={"stopped_on": "2027-04-04", "reason": "Taper step 4", "version": old["version"]}))
    last_rx = _ok(clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
        **OXYCODONE, "times_per_day": 1, "quantity": 90, "days_supply": 90, "start_date": "2027-04-05", "previous_id": old["id"]}), 201)
    assert f"opioid:pdmp:rx:{last_rx['id']}" in _open_keys(coordinator, episode_id, "opioid:pdmp")
    _ok(clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "No other prescribers"}), 201)
    assert f"opioid:pdmp:rx:{last_rx['id']}" not in _open_keys(coordinator, episode_id, "opioid:pdmp")
    listed = _ok(clinician.get(f"/api/episodes/{episode_id}/prescriptions"))
    assert listed["total_mme"]["total"] <= 15 and listed["total_mme"]["label"] == "15 MME/day"
    _step_done(clinician, final, "On oxycodone 10 mg once a day")

    # ---- Tue 4 May: the check-in a month after the last step completes the taper ------------------------
    clock.move_to(_at(date(2027, 5, 4)))
    _step_done(clinician, steps[4], "Check-in: stable on 15 MME/day")
    done = _ok(clinician.get(f"/api/tapers/{taper_id}"))
    assert done["status"] == "completed" and all(s["done_at"] for s in done["steps"])
    _reconciled(ctx, db, episode_id)
    assert not {k for k in _worklist(coordinator, episode_id) if k.startswith(f"taper:{taper_id}:")}

    # ---- Mon 7 Jun, five months in: the safety summary staff see --------------------------------------------
    clock.move_to(_at(date(2027, 6, 7)))
    summary = _ok(clinician.get(f"/api/episodes/{episode_id}/opioid-safety"))
    assert summary["mme_total"] == 15 and summary["last_naloxone_outcome"] == "accepted"
    assert summary["agreement_signed_on"] == "2027-01-04" and summary["next_drug_test_due"] == "2028-01-04"


def test_j2_a_first_epidural_that_helped_makes_the_second_eligible_when_spacing_allows_and_the_yearly_limit_holds(
        clients, ctx, patient_payload):
    clock, coordinator, clinician, _ = clients
    episode_id = _episode_with_workup(coordinator, clinician, patient_payload)

    # Mon 15 Feb: PT failed; the first epidural is authorized and done on Mon 22 Feb.
    clock.move_to(_at(date(2027, 2, 15)))
    _failed_pt(clinician, episode_id)
    first_case = open_case(coordinator, episode_id, **EPIDURAL)
    assert first_case["decision"]["outcome"] == "eligible_now", first_case["decision"]["summary"]
    _authorize(coordinator, first_case, date(2027, 2, 15))
    clock.move_to(_at(date(2027, 2, 22)))
    first = _epidural(clinician, episode_id, date(2027, 2, 22))

    # Tue 23 Feb: 60% better the next day. Too soon: the payer wants 14 days between injections and the
    # relief to have lasted 2 weeks; both fall on Mon 8 Mar.
    clock.move_to(_at(date(2027, 2, 23)))
    record_relief(clinician, first, "2027-02-23", 60, hours_after=24, lasted_days=1)
    second_case = open_case(coordinator, episode_id, **EPIDURAL)
    criteria = criteria_by_id(second_case)
    assert second_case["decision"]["outcome"] == "eligible_on" and second_case["decision"]["eligible_on"] == "2027-03-08"
    assert (criteria["min_interval"]["status"], criteria["min_interval"]["met_on"]) == ("not_yet", "2027-03-08")
    assert criteria["conservative_4_weeks"]["status"] == "not_applicable"  # a repeat is judged on the first's response
    too_soon = coordinator.post(f"/api/authorizations/{second_case['id']}/submit", json={"channel": "portal", "version": second_case["version"]})
    assert too_soon.status_code == 409

    # Mon 8 Mar: the relief held for two weeks: eligible now, authorized and done.
    clock.move_to(_at(date(2027, 3, 8)))
    record_relief(clinician, first, "2027-03-08", 60, lasted_days=14)
    second_case = read_case(coordinator, second_case["id"])
    assert second_case["decision"]["outcome"] == "eligible_now", second_case["decision"]["summary"]
    assert criteria_by_id(second_case)["repeat_response"]["status"] == "met"
    _authorize(coordinator, second_case, date(2027, 3, 8))
    second = _epidural(clinician, episode_id, date(2027, 3, 8))

    # A third in June and a fourth in September (no more than 3 in any 6 months), each after lasting relief.
    previous = second
    for done_on in (date(2027, 6, 7), date(2027, 9, 13)):
        clock.move_to(_at(done_on))
        record_relief(clinician, previous, done_on.isoformat(), 65, lasted_days=60)
        previous = _epidural(clinician, episode_id, done_on)

    # Mon 4 Oct: a fifth would be the fifth in a rolling 12 months: refused until 22 Feb 2028, when the
    # first (22 Feb 2027) leaves the window. The 6-month rule alone would allow it.
    clock.move_to(_at(date(2027, 10, 4)))
    record_relief(clinician, previous, "2027-10-04", 60, lasted_days=21)
    fifth = open_case(coordinator, episode_id, **EPIDURAL)
    criteria = criteria_by_id(fifth)
    yearly = criteria["frequency_12_months"]
    assert yearly["status"] == "not_yet" and yearly["met_on"] == "2028-02-22", yearly
    assert "4 sessions in the last 365 days" in yearly["explanation"] and "refused" in yearly["explanation"]
    assert criteria["frequency_6_months"]["status"] == "met" and criteria["repeat_response"]["status"] == "met"
    assert fifth["decision"]["eligible_on"] == "2028-02-22"
    assert "A slot frees on 22 Feb 2028" in yearly["explanation"]
    refused = coordinator.post(f"/api/authorizations/{fifth['id']}/submit", json={"channel": "portal", "version": fifth["version"]})
    assert refused.status_code == 409 and "frequency_12_months" in refused.text
