"""Each opioid-safety obligation end to end through the API, with the clock moved by time_machine:
prescriptions are validated against the packs, facts open and meet tasks, and each reason cites its source.

The shipped medication-trial pack has no benzodiazepine, so this module loads a small clinic pack that
adds one (alprazolam): the benzodiazepine flag comes from a pack's drug class, never from what was typed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.config import Settings
from painpath.worklist.models import Task

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago

BENZO_PACK = """
pack: {id: clinic.benzodiazepines, kind: medication_trials, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}
drugs:
  - id: alprazolam
    name: alprazolam
    drug_class: benzodiazepine
    route: oral
    reference_dose: {text: "not an analgesic", source: "test clinic pack", evidence: K, verified: false}
    adequate_trial:
      dose_rule: "not an analgesic trial"
      min_days: {value: 1, source: "test clinic pack", evidence: K, verified: false}
"""


@pytest.fixture
def settings(settings, tmp_path) -> Settings:
    """The suite's settings plus a clinic pack that knows a benzodiazepine (the shipped packs list none)."""
    packs = tmp_path / "clinic-packs"
    packs.mkdir()
    (packs / "benzodiazepines.yaml").write_text(BENZO_PACK)
    return settings.model_copy(update={"extra_pack_dirs": [Path(packs)]})


def rx(drug: str, strength: float, times: float, start: str, **more) -> dict:  # noqa: ANN003
    return {"drug": drug, "strength": strength, "strength_unit": "mg", "times_per_day": times, "form": "oral",
            "start_date": start, "days_supply": 30, **more}


@pytest.fixture
def chart(client_for, ctx, patient_payload, episode_payload):  # noqa: ANN001, ANN201
    """A clinician's client and a function opening an episode (with the ICD codes given)."""
    ctx.settings.session_hours = 24 * 800
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]

    def open_episode(*codes: str) -> int:
        payload = {**episode_payload, "icd10_codes": ["M48.062", *codes]}
        return coordinator.post(f"/api/patients/{patient_id}/episodes", json=payload).json()["id"]

    return clinician, open_episode


def tasks(db, episode_id: int, status: str = "open") -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.provider == "opioid_safety", Task.status == status))
        return {t.key.split(":episode:")[0]: t for t in rows}


def reconcile(ctx, db, episode_id: int) -> None:  # noqa: ANN001
    with db.session() as session:
        ctx.reconcile(session, [episode_id])


# ---- Prescriptions: refused with field and rule; an opioid without a factor is unknown, never 0 ------

def test_bad_prescriptions_are_refused_with_field_and_rule(chart):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()

        def refused(payload: dict) -> set[tuple[str, str]]:
            answer = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=payload)
            assert answer.status_code == 422, answer.text
            return {(e["field"], e["rule"]) for e in answer.json()["errors"]}

        assert refused(rx("oxycodine", 10, 4, "2026-03-02")) == {("drug", "known_drug")}
        assert ("strength", "positive") in refused(rx("oxycodone", 0, 4, "2026-03-02"))
        assert ("times_per_day", "times_per_day") in refused(rx("oxycodone", 10, 30, "2026-03-02"))
        assert ("times_per_day", "frequency_required") in refused(rx("oxycodone", 10, None, "2026-03-02"))
        assert ("strength_unit", "unit_for_form") in refused(rx("fentanyl", 25, None, "2026-03-02", form="transdermal_patch", interval_hours=72))
        assert ("interval_hours", "one_frequency") in refused(rx("oxycodone", 10, 4, "2026-03-02", interval_hours=6))
        assert ("prescriber_id", "prescriber") in refused(rx("oxycodone", 10, 4, "2026-03-02", prescriber_id=999))
        assert clinician.get(f"/api/episodes/{episode_id}/prescriptions").json()["prescriptions"] == []


def test_an_opioid_without_a_factor_is_recorded_as_unknown_and_the_total_says_incomplete(chart):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()
        clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 10, 4, "2026-03-02"))
        nasal = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
            **rx("morphine", 100, 2, "2026-03-02"), "strength_unit": "mcg", "form": "nasal"})
        assert nasal.status_code == 201, nasal.text
        assert nasal.json()["mme"]["status"] == "unknown" and nasal.json()["mme"]["daily_mme"] is None
        total = clinician.get(f"/api/episodes/{episode_id}/prescriptions").json()["total_mme"]
        assert (total["total"], total["complete"], total["unknown"]) == (60.0, False, ["morphine"])
        assert total["label"] == "at least 60 MME/day (incomplete: an opioid's MME is unknown)"


def test_a_patch_is_counted_per_hour_and_buprenorphine_is_excluded(chart):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()
        patch = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
            **rx("fentanyl", 25, None, "2026-03-02"), "strength_unit": "mcg/hr", "form": "transdermal_patch", "interval_hours": 72})
        assert patch.json()["mme"]["daily_mme"] == 60.0
        bup = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
            **rx("buprenorphine", 10, None, "2026-03-02"), "strength_unit": "mcg/hr", "form": "transdermal_patch", "interval_hours": 168})
        assert bup.json()["mme"]["status"] == "excluded"
        total = clinician.get(f"/api/episodes/{episode_id}/prescriptions").json()["total_mme"]
        assert (total["total"], total["complete"], total["excluded"]) == (60.0, True, ["buprenorphine"])


# ---- Naloxone -----------------------------------------------------------------------------------------

def test_naloxone_at_low_dose_only_with_sleep_apnea_and_never_without_a_reason(chart, db):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        plain, apnea = open_episode(), open_episode("G47.33")
        for episode_id in (plain, apnea):
            clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02"))  # 15 MME/day
        assert not any(k.startswith("opioid:naloxone") for k in tasks(db, plain))
        (key,) = [k for k in tasks(db, apnea) if k.startswith("opioid:naloxone")]
        reason = tasks(db, apnea)[key].reason
        assert "sleep apnea (G47.33)" in reason and "ICD-10-CM" in reason and "CDC 2022 Rec 8" in reason
        clinician.post(f"/api/episodes/{apnea}/naloxone-offers", json={"offered_on": "2026-03-02", "outcome": "already_has"})
        assert tasks(db, apnea, "met")[key].resolution == "Naloxone offered on Mon 02 Mar 2026 (already has)"


def test_benzodiazepine_from_a_clinic_pack_warns_and_asks_for_naloxone_and_stopping_it_closes_the_warning(chart, db):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()
        oxy = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02")).json()
        benzo = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("alprazolam", 0.5, 2, "2026-03-02")).json()
        assert (benzo["is_benzodiazepine"], benzo["is_opioid"], benzo["mme"]["status"]) == (True, False, "not_opioid")
        open_now = tasks(db, episode_id)
        warning = open_now[f"opioid:coprescribing:{oxy['id']}:{benzo['id']}"]
        assert warning.title == "Review co-prescribing: oxycodone with alprazolam (benzodiazepine)" and "CDC 2022 Rec 11" in warning.reason
        (naloxone,) = [t for k, t in open_now.items() if k.startswith("opioid:naloxone")]
        assert "a benzodiazepine at the same time (alprazolam)" in naloxone.reason
        stopped = clinician.post(f"/api/prescriptions/{benzo['id']}/stop", json={"stopped_on": "2026-03-02", "version": benzo["version"]})
        assert stopped.status_code == 200, stopped.text
        assert f"opioid:coprescribing:{oxy['id']}:{benzo['id']}" in tasks(db, episode_id, "cancelled")


def test_gabapentin_with_an_opioid_is_a_warning(chart, db):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()
        gaba = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("gabapentin", 300, 3, "2026-03-02")).json()
        assert gaba["is_gabapentinoid"] is True
        assert not any(k.startswith("opioid:") for k in tasks(db, episode_id))  # no opioid: nothing owed
        oxy = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02")).json()
        assert tasks(db, episode_id)[f"opioid:coprescribing:{oxy['id']}:{gaba['id']}"].title == "Review co-prescribing: oxycodone with gabapentin (gabapentinoid)"


# ---- PDMP ----------------------------------------------------------------------------------------------

def test_pdmp_before_each_prescription_and_every_three_months(chart, ctx, db):
    with time_machine.travel(MONDAY, tick=False) as clock:
        clinician, open_episode = chart
        episode_id = open_episode()
        check = clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "Clean", "findings": ["early_refills"]})
        assert check.status_code == 201 and check.json()["findings"] == ["early_refills"]
        bad = clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "ZZ", "summary": "Clean"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"
        first = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02", days_supply=120)).json()
        assert f"opioid:pdmp:rx:{first['id']}" not in tasks(db, episode_id)  # checked the same day, before writing it
        assert tasks(db, episode_id, "met").get(f"opioid:pdmp:rx:{first['id']}") is None  # never opened: nothing to meet

        clock.move_to(datetime(2026, 5, 19, 15, 0, tzinfo=timezone.utc))  # 14 days before 3 months after the check
        reconcile(ctx, db, episode_id)
        periodic = tasks(db, episode_id)[f"opioid:pdmp:after:pdmp_check:{check.json()['id']}"]
        assert periodic.due_at == datetime(2026, 6, 3, 4, 59, 59)  # end of Tue 2 Jun in Chicago
        assert "at least every 3 months" in periodic.reason and "CDC 2022 Rec 9" in periodic.reason
        clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "Clean"})
        assert tasks(db, episode_id, "met")[f"opioid:pdmp:after:pdmp_check:{check.json()['id']}"].resolution == "PDMP checked on Tue 19 May 2026"


# ---- Agreement ----------------------------------------------------------------------------------------

def test_agreement_before_long_term_therapy_then_renewed_yearly(chart, ctx, db):
    with time_machine.travel(MONDAY, tick=False) as clock:
        clinician, open_episode = chart
        episode_id = open_episode()
        clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02", days_supply=365))
        initial = tasks(db, episode_id)["opioid:agreement:initial"]
        assert initial.due_at == datetime(2026, 6, 1, 4, 59, 59)  # 90 days on: end of Sun 31 May in Chicago
        assert "CDC opioid-cds" in initial.reason
        signed = clinician.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2026-03-02"})
        assert signed.status_code == 201
        assert "opioid:agreement:initial" in tasks(db, episode_id, "met")

        clock.move_to(datetime(2027, 2, 20, 15, 0, tzinfo=timezone.utc))
        clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2027-02-20", days_supply=90))
        renewal = tasks(db, episode_id)[f"opioid:agreement:after:agreement:{signed.json()['id']}"]
        assert renewal.title == "Renew the opioid treatment agreement" and "due for renewal on Tue 02 Mar 2027" in renewal.reason


def test_a_nurse_records_an_agreement_only_naming_the_clinician(chart, client_for, staff):
    with time_machine.travel(MONDAY, tick=False):
        _clinician, open_episode = chart
        episode_id = open_episode()
        nurse = client_for("nurse")
        missing = nurse.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2026-03-02"})
        assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "clinician_id"
        named = nurse.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2026-03-02", "clinician_id": staff["clinician"].id})
        assert named.status_code == 201
        assert client_for("front_desk").post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02")).status_code == 403


# ---- Urine drug tests by ORT band -----------------------------------------------------------------------

def test_drug_tests_without_an_ort_use_the_most_frequent_schedule(chart, ctx, db):
    with time_machine.travel(MONDAY, tick=False) as clock:
        clinician, open_episode = chart
        episode_id = open_episode()
        clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02", days_supply=180))
        assert "no Opioid Risk Tool on file" in tasks(db, episode_id)["opioid:udt:baseline"].reason
        tested = clinician.post(f"/api/episodes/{episode_id}/urine-drug-tests", json={"collected_on": "2026-03-02", "result": "expected"})
        bad = clinician.post(f"/api/episodes/{episode_id}/urine-drug-tests", json={"collected_on": "2026-03-02", "result": "unexpected"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "required"
        clock.move_to(datetime(2026, 5, 20, 15, 0, tzinfo=timezone.utc))
        reconcile(ctx, db, episode_id)
        assert tasks(db, episode_id)[f"opioid:udt:after:drug_test:{tested.json()['id']}"].evidence["due_date"] == "2026-06-02"  # high-risk: 3 months


# ---- Follow-up visits -----------------------------------------------------------------------------------

def test_follow_up_after_start_and_raise_and_three_days_for_methadone(chart, ctx, db):
    with time_machine.travel(MONDAY, tick=False) as clock:
        clinician, open_episode = chart
        episode_id, methadone_episode = open_episode(), open_episode()
        start = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 5, 2, "2026-03-02", days_supply=120)).json()
        assert tasks(db, episode_id)[f"opioid:follow_up:rx:{start['id']}"].evidence["due_date"] == "2026-03-30"
        meth = clinician.post(f"/api/episodes/{methadone_episode}/prescriptions", json=rx("methadone", 5, 2, "2026-03-02")).json()
        due = tasks(db, methadone_episode)[f"opioid:follow_up:rx:{meth['id']}"]
        assert due.evidence["due_date"] == "2026-03-05" and "within 3 days" in due.reason

        clock.move_to(datetime(2026, 3, 16, 15, 0, tzinfo=timezone.utc))
        visit = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-03-16"})
        assert visit.status_code == 201, visit.text
        assert tasks(db, episode_id, "met")[f"opioid:follow_up:rx:{start['id']}"].resolution == "Seen on Mon 16 Mar 2026"
        # A lower dose is not a raise: no new follow-up clock. A higher one is.
        lower = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
            **rx("oxycodone", 5, 1, "2026-03-16", days_supply=120), "previous_id": start["id"]}).json()
        assert f"opioid:follow_up:rx:{lower['id']}" not in tasks(db, episode_id)
        higher = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
            **rx("oxycodone", 10, 2, "2026-03-16", days_supply=120), "previous_id": lower["id"]}).json()
        raised = tasks(db, episode_id)[f"opioid:follow_up:rx:{higher['id']}"]
        assert raised.title == "Follow-up visit after oxycodone was raised" and raised.evidence["due_date"] == "2026-04-13"
        listed = clinician.get(f"/api/episodes/{episode_id}/prescriptions").json()
        assert [p["active"] for p in listed["prescriptions"]] == [False, False, True]  # each change stops the one before
        assert [p["stopped_on"] for p in listed["prescriptions"]] == ["2026-03-16", "2026-03-16", None]
        assert listed["total_mme"]["total"] == 30.0

        # At least every 3 months: the last visit was 16 Mar, so a visit is owed by 16 Jun.
        clock.move_to(datetime(2026, 6, 5, 15, 0, tzinfo=timezone.utc))
        reconcile(ctx, db, episode_id)
        every = tasks(db, episode_id)[f"opioid:follow_up:after:visit:{visit.json()['id']}"]
        assert every.evidence["due_date"] == "2026-06-16" and "Reassess at least every 3 months" in every.reason


def test_stopping_the_last_opioid_closes_what_it_owed(chart, db):
    with time_machine.travel(MONDAY, tick=False):
        clinician, open_episode = chart
        episode_id = open_episode()
        oxy = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=rx("oxycodone", 10, 4, "2026-03-02")).json()
        assert len(tasks(db, episode_id)) == 5
        clinician.post(f"/api/prescriptions/{oxy['id']}/stop", json={"stopped_on": "2026-03-02", "reason": "Changed plan", "version": oxy["version"]})
        assert tasks(db, episode_id) == {}
        assert len(tasks(db, episode_id, "cancelled")) == 5
