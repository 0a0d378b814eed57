"""Journey J2, the opioid-safety half, through the API: oxycodone 10 mg four times a day is 60 MME/day, so
naloxone is offered (>= 50), an agreement is required, the PDMP is checked before each prescription, and
urine drug tests follow the Opioid Risk Tool band; recording each fact meets its task."""

from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task

# Monday 2 March 2026, 15:00 UTC (09:00 in Chicago).
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
ORT_ANSWERS = {  # a man with personal and family alcohol misuse: 3 + 3 = 6, moderate risk
    "ort_family_alcohol": 1, "ort_family_illegal_drugs": 0, "ort_family_rx_drugs": 0, "ort_personal_alcohol": 1,
    "ort_personal_illegal_drugs": 0, "ort_personal_rx_drugs": 0, "ort_age_16_45": 0, "ort_preadolescent_sexual_abuse": 0,
    "ort_add_ocd_bipolar_schizophrenia": 0, "ort_depression": 0,
}
OXYCODONE = {"drug": "oxycodone", "strength": 10, "strength_unit": "mg", "dose_units": 1, "times_per_day": 4, "form": "oral",
             "quantity": 120, "days_supply": 30}


def _open_tasks(db, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.provider == "opioid_safety"))
        return {t.key.split(":episode:")[0]: t for t in rows if t.status == "open"}


def _status(db, key_start: str, episode_id: int) -> str:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.key.startswith(key_start)))
        return ",".join(sorted(t.status for t in rows))


def test_j2_oxycodone_60_mme_opens_and_meets_the_safety_obligations(client_for, ctx, db, patient_payload, episode_payload):
    ctx.settings.session_hours = 24 * 400
    with time_machine.travel(MONDAY, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json={
            **episode_payload, "problem_summary": "Lumbar stenosis with neurogenic claudication", "body_region": "lumbar",
            "laterality": "bilateral", "icd10_codes": ["M48.062"]}).json()
        episode_id = episode["id"]
        ort = clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json={"instrument_id": "ort", "answers": ORT_ANSWERS})
        assert ort.status_code == 201, ort.text

        first = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={**OXYCODONE, "start_date": "2026-03-02"})
        assert first.status_code == 201, first.text
        line = first.json()
        assert (line["is_opioid"], line["mme"]["status"], line["mme"]["daily_mme"]) == (True, "counted", 60.0)
        listed = clinician.get(f"/api/episodes/{episode_id}/prescriptions").json()
        assert listed["total_mme"]["total"] == 60.0 and listed["total_mme"]["complete"] is True
        assert listed["total_mme"]["label"] == "60 MME/day"

        tasks = _open_tasks(db, episode_id)
        assert set(tasks) == {
            "opioid:agreement:initial", f"opioid:pdmp:rx:{line['id']}", "opioid:udt:baseline", "opioid:naloxone:since:2026-03-02",
            f"opioid:follow_up:rx:{line['id']}",
        }
        naloxone = tasks["opioid:naloxone:since:2026-03-02"]
        assert naloxone.title == "Offer naloxone" and "60 MME/day (at or over 50)" in naloxone.reason
        assert "CDC 2022 Rec 8" in naloxone.reason
        agreement = tasks["opioid:agreement:initial"]
        assert "Long-term therapy (beyond 90 days)" in agreement.reason and agreement.evidence["due_date"] == "2026-05-31"
        pdmp = tasks[f"opioid:pdmp:rx:{line['id']}"]
        assert pdmp.due_at == datetime(2026, 3, 2, 15, 0) and "Check the PDMP before each opioid prescription" in pdmp.reason
        assert "CDC 2022 Rec 9" in pdmp.reason
        udt = tasks["opioid:udt:baseline"]
        assert "every 6 months (ORT moderate risk)" in udt.reason and udt.owner_role == "nurse"
        follow_up = tasks[f"opioid:follow_up:rx:{line['id']}"]
        assert follow_up.evidence["due_date"] == "2026-03-30" and "within 1 to 4 weeks" in follow_up.reason

        # Recording each fact meets its task, in the same request.
        offer = clinician.post(f"/api/episodes/{episode_id}/naloxone-offers", json={"offered_on": "2026-03-02", "outcome": "accepted"})
        assert offer.status_code == 201, offer.text
        signed = clinician.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2026-03-02"})
        assert signed.status_code == 201 and signed.json()["renewal_due"] == "2027-03-02"
        checked = clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={
            "state": "IL", "summary": "Only this clinic's oxycodone; one pharmacy", "findings": []})
        assert checked.status_code == 201, checked.text
        assert checked.json()["plugin"] == "manual_attestation"
        tested = clinician.post(f"/api/episodes/{episode_id}/urine-drug-tests", json={"collected_on": "2026-03-02", "result": "expected"})
        assert tested.status_code == 201, tested.text
        assert set(_open_tasks(db, episode_id)) == {f"opioid:follow_up:rx:{line['id']}"}
        assert _status(db, "opioid:naloxone", episode_id) == "met"
        assert _status(db, "opioid:agreement:initial", episode_id) == "met"
        assert _status(db, f"opioid:pdmp:rx:{line['id']}", episode_id) == "met"
        assert _status(db, "opioid:udt:baseline", episode_id) == "met"

        summary = clinician.get(f"/api/episodes/{episode_id}/opioid-safety").json()
        assert summary["ort_band"] == "moderate risk" and summary["drug_test_every_months"] == 6
        assert summary["next_drug_test_due"] == "2026-09-02" and summary["next_pdmp_due"] == "2026-06-02"
        assert summary["agreement_renewal_due"] == "2027-03-02" and summary["mme_total"] == 60.0

        # Four weeks later: the refill is a new prescription and needs its own PDMP check, due at once.
        clock.move_to(datetime(2026, 3, 30, 15, 0, tzinfo=timezone.utc))
        refill = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={**OXYCODONE, "start_date": "2026-03-31", "days_supply": 90}).json()
        assert f"opioid:pdmp:rx:{refill['id']}" in _open_tasks(db, episode_id)
        clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "No other prescribers"})
        assert f"opioid:pdmp:rx:{refill['id']}" not in _open_tasks(db, episode_id)
        assert _status(db, f"opioid:pdmp:rx:{refill['id']}", episode_id) == "met"

        # The next drug test comes onto the worklist two weeks before it is due: six months after the last
        # one for a moderate ORT band.
        clock.move_to(datetime(2026, 6, 20, 15, 0, tzinfo=timezone.utc))
        clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "No other prescribers"})
        third = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={**OXYCODONE, "start_date": "2026-06-29", "days_supply": 90})
        assert third.status_code == 201
        udt_after_first = f"opioid:udt:after:drug_test:{tested.json()['id']}"
        assert udt_after_first not in _open_tasks(db, episode_id)
        clock.move_to(datetime(2026, 8, 20, 15, 0, tzinfo=timezone.utc))
        with db.session() as session:
            ctx.reconcile(session, [episode_id])
        udt_next = _open_tasks(db, episode_id)[udt_after_first]
        assert udt_next.evidence["due_date"] == "2026-09-02" and udt_next.title == "Urine drug test due"
        assert "ORT moderate risk: test every 6 months" in udt_next.reason
        clinician.post(f"/api/episodes/{episode_id}/urine-drug-tests", json={"collected_on": "2026-08-20", "result": "expected"})
        assert _status(db, udt_after_first, episode_id) == "met"

    with db.session() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient_id)))
    assert {"prescription.record", "naloxone_offer.record", "opioid_agreement.record", "pdmp_check.record", "urine_drug_test.record"} <= actions
