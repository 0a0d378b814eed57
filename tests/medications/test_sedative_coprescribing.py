"""Issue 13 parts 1 and 3 end to end, with the shipped packs only (no clinic pack adds a benzodiazepine):
a clinician records a sedative from the medication page and sees the warning there and on the opioid safety
panel; the worklist gets a clinician review (due from the prescription date, citing CDC 2022 Rec 11) and,
for a benzodiazepine, the naloxone offer. A second overlapping opioid warns with the new total and owes one
PDMP check and no second follow-up visit; buprenorphine is named as excluded from the MME total.

The CDC opioid CDS Hooks example "order sign on benzodiazepine" (tests/data/external/opioid-mme) is replayed
through the API: its patient takes temazepam, so naloxone must be offered for the benzodiazepine."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task
from external_data import external

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago
ONE_OF_EACH = {"benzodiazepine": "lorazepam", "z_drug": "zolpidem", "barbiturate": "phenobarbital",
               "gabapentinoid": "pregabalin", "muscle_relaxant": "carisoprodol"}
REC08_BENZO = "opioid-mme/opioid-cds-hooks/requests/OpioidCDSREC08OrderSign/request-example-rec-08-order-sign-on-benzodiazepine.json"


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(clock, client_for, ctx, patient_payload, episode_payload) -> int:
    ctx.settings.session_hours = 24 * 400
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


@pytest.fixture
def clinician(client_for):  # noqa: ANN201
    return client_for("clinician")


def rx(drug: str, strength: float, times: float, start: str, **more) -> dict:  # noqa: ANN003
    return {"drug": drug, "strength": strength, "strength_unit": "mg", "times_per_day": times, "form": "oral",
            "start_date": start, "days_supply": 30, **more}


def prescribe(client, episode_id: int, payload: dict) -> dict:  # noqa: ANN001
    answer = client.post(f"/api/episodes/{episode_id}/prescriptions", json=payload)
    assert answer.status_code == 201, answer.text
    return answer.json()


def open_tasks(db, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.provider == "opioid_safety", Task.status == "open"))
        return {t.key.split(":episode:")[0]: t for t in rows}


def safety(client, episode_id: int) -> dict:  # noqa: ANN001
    return client.get(f"/api/episodes/{episode_id}/opioid-safety").json()


def post_form(client, url: str, data: dict):  # noqa: ANN001, ANN201
    """A browser-style form post: the CSRF token in the form, not the header."""
    headers = {k: v for k, v in client.headers.items() if k.lower() != "x-csrf-token"}
    return client.post(url, data={**data, "csrf_token": client.headers["x-csrf-token"]}, headers=headers, follow_redirects=False)


def section_text(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no #{section_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# ---- The page: a clinician records a benzodiazepine and sees the warning ----------------------------------

def test_a_clinician_records_a_benzodiazepine_on_the_medication_page_and_sees_the_warning(clinician, episode_id, db):
    page = clinician.get(f"/episodes/{episode_id}").text
    assert '<option value="lorazepam">' in page and '<option value="carisoprodol">' in page  # offered in the drug list
    form = {"strength_unit": "mg", "dose_units": "1", "form": "oral", "start_date": "2026-03-02", "days_supply": "30"}
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", {**form, "drug": "oxycodone", "strength": "5", "times_per_day": "2"}).status_code == 303
    saved = post_form(clinician, f"/episodes/{episode_id}/prescriptions", {**form, "drug": "Ativan", "strength": "1", "times_per_day": "2"})
    assert saved.status_code == 303, saved.text
    page = clinician.get(f"/episodes/{episode_id}").text
    meds = section_text(page, "medications")
    assert "lorazepam 1 mg, 1 oral 2 times a day" in meds  # recorded by its brand name, stored as the pack's drug
    assert "Co-prescribed: oxycodone with lorazepam (a benzodiazepine): Opioids with a benzodiazepine raise the risk" in meds
    panel = section_text(page, "opioid-safety")
    assert "Co-prescribed: oxycodone with lorazepam (a benzodiazepine)" in panel
    assert "Offer naloxone and teach its use: a benzodiazepine at the same time (lorazepam)" in panel
    review = open_tasks(db, episode_id)
    (key,) = [k for k in review if k.startswith("opioid:coprescribing:")]
    assert review[key].title == "Review co-prescribing: oxycodone with lorazepam (benzodiazepine)"


def test_buprenorphine_is_named_as_excluded_on_the_safety_panel_not_zero(clinician, episode_id):
    patch = {**rx("buprenorphine", 10, None, "2026-03-02"), "strength_unit": "mcg/hr", "form": "transdermal_patch", "interval_hours": 168}
    prescribe(clinician, episode_id, patch)
    summary = safety(clinician, episode_id)
    assert summary["mme_label"] == "no MME total: buprenorphine excluded from the MME total"
    (excluded,) = summary["mme_excluded"]
    assert excluded.startswith("buprenorphine: Not included in MME: partial mu-agonist activity")
    panel = section_text(clinician.get(f"/episodes/{episode_id}").text, "opioid-safety")
    assert "no MME total: buprenorphine excluded from the MME total today" in panel
    assert "buprenorphine: excluded from the MME total. Not included in MME" in panel
    assert not re.search(r"(?<![\d.])0(\.0)? MME/day", panel)  # never "0 MME/day" (the threshold "50 MME/day" may show)
    meds = section_text(clinician.get(f"/episodes/{episode_id}").text, "medications")
    assert "Total: no MME total: buprenorphine excluded from the MME total" in meds
    prescribe(clinician, episode_id, rx("oxycodone", 10, 4, "2026-03-02"))
    assert safety(clinician, episode_id)["mme_label"] == "60 MME/day, not counting buprenorphine (excluded from the MME total)"


# ---- The worklist and the API: each class ------------------------------------------------------------------

@pytest.mark.parametrize("class_id", sorted(ONE_OF_EACH))
def test_an_opioid_with_each_class_opens_a_review_due_from_the_prescription_date(clinician, episode_id, ctx, db, class_id):
    drug = ONE_OF_EACH[class_id]
    oxy = prescribe(clinician, episode_id, rx("oxycodone", 5, 2, "2026-02-23"))
    other = prescribe(clinician, episode_id, rx(drug, 10, 1, "2026-03-02"))
    assert (other["drug_class"], other["is_opioid"], other["mme"]["status"]) == (class_id, False, "not_opioid")
    review = open_tasks(db, episode_id)[f"opioid:coprescribing:{oxy['id']}:{other['id']}"]
    assert review.owner_role == "clinician"
    assert review.due_at.replace(tzinfo=None) == ctx.calendar.end_of_local_day_utc(date(2026, 3, 2)).replace(tzinfo=None)
    assert "Source: " in review.reason and "research/" not in review.reason
    (warning,) = safety(clinician, episode_id)["coprescribing"]
    assert warning.startswith(f"oxycodone with {drug} (a ")
    naloxone = [t for k, t in open_tasks(db, episode_id).items() if k.startswith("opioid:naloxone")]
    # 10 MME/day and no risk diagnosis: only a benzodiazepine makes naloxone due.
    assert bool(naloxone) == (class_id == "benzodiazepine")


def test_opioid_and_benzodiazepine_warn_cite_rec_11_and_offer_naloxone(clinician, episode_id, db):
    oxy = prescribe(clinician, episode_id, rx("oxycodone", 5, 2, "2026-03-02"))
    benzo = prescribe(clinician, episode_id, rx("alprazolam", 0.5, 2, "2026-03-02"))
    assert benzo["is_benzodiazepine"] is True and benzo["rxnorm_code"] == "596"
    tasks = open_tasks(db, episode_id)
    assert "CDC 2022 Rec 11" in tasks[f"opioid:coprescribing:{oxy['id']}:{benzo['id']}"].reason
    (naloxone,) = [t for k, t in tasks.items() if k.startswith("opioid:naloxone")]
    assert "a benzodiazepine at the same time (alprazolam)" in naloxone.reason
    assert safety(clinician, episode_id)["naloxone_reasons"] == ["a benzodiazepine at the same time (alprazolam)"]


def test_the_clinician_records_the_review_decision_and_recomputing_keeps_it_done(clinician, episode_id, ctx, db):
    oxy = prescribe(clinician, episode_id, rx("oxycodone", 5, 2, "2026-03-02"))
    benzo = prescribe(clinician, episode_id, rx("diazepam", 5, 1, "2026-03-02"))
    review = open_tasks(db, episode_id)[f"opioid:coprescribing:{oxy['id']}:{benzo['id']}"]
    done = clinician.post(f"/api/tasks/{review.id}/complete", json={"version": review.version, "note": "Both needed; diazepam for 2 weeks, naloxone given"})
    assert done.status_code == 200, done.text
    with db.session() as session:
        ctx.reconcile(session, [episode_id])
        assert session.get(Task, review.id).status == "done"
    assert f"opioid:coprescribing:{oxy['id']}:{benzo['id']}" not in open_tasks(db, episode_id)


def test_opioid_and_carisoprodol_warn_with_its_own_words(clinician, episode_id):
    prescribe(clinician, episode_id, rx("oxycodone", 5, 2, "2026-03-02"))
    prescribe(clinician, episode_id, rx("Soma", 350, 3, "2026-03-02"))
    (warning,) = safety(clinician, episode_id)["coprescribing"]
    assert warning.startswith("oxycodone with carisoprodol (a muscle relaxant): ") and "Carisoprodol above all" in warning


def test_no_warning_and_no_task_without_an_opioid(clinician, episode_id, db):
    for drug in ONE_OF_EACH.values():
        prescribe(clinician, episode_id, rx(drug, 10, 1, "2026-03-02"))
    assert open_tasks(db, episode_id) == {}
    meds = section_text(clinician.get(f"/episodes/{episode_id}").text, "medications")
    assert "Co-prescribed" not in meds


# ---- A second overlapping opioid ----------------------------------------------------------------------------

def test_a_second_overlapping_opioid_warns_with_the_new_total_one_pdmp_task_and_no_second_follow_up(clinician, episode_id, ctx, db):
    check = clinician.post(f"/api/episodes/{episode_id}/pdmp-checks", json={"state": "IL", "summary": "Clean", "checked_at": "2026-02-20T10:00"})
    assert check.status_code == 201, check.text
    oxy = prescribe(clinician, episode_id, rx("oxycodone", 10, 2, "2026-02-20"))  # 30 MME/day
    before = open_tasks(db, episode_id)
    assert [k for k in before if k.startswith("opioid:follow_up:rx:")] == [f"opioid:follow_up:rx:{oxy['id']}"]
    assert not [k for k in before if k.startswith("opioid:pdmp:rx:")]  # checked before the first
    morphine = prescribe(clinician, episode_id, rx("morphine", 15, 2, "2026-03-02"))  # 30 MME/day more
    after = open_tasks(db, episode_id)
    assert [k for k in after if k.startswith("opioid:pdmp:rx:")] == [f"opioid:pdmp:rx:{morphine['id']}"]
    pdmp = after[f"opioid:pdmp:rx:{morphine['id']}"]
    assert pdmp.title == "Check the PDMP: morphine prescribed Mon 02 Mar 2026 (overlaps oxycodone)"
    assert "the total is 60 MME/day while both are taken" in pdmp.reason
    follow_ups = [k for k in after if k.startswith("opioid:follow_up:rx:")]
    assert follow_ups == [f"opioid:follow_up:rx:{oxy['id']}"]  # no duplicate follow-up task
    assert "morphine started on Mon 02 Mar 2026 (total 60 MME/day)" in after[follow_ups[0]].reason
    with db.session() as session:
        ctx.reconcile(session, [episode_id])  # recomputing opens nothing new
    assert set(open_tasks(db, episode_id)) == set(after)
    (overlap,) = safety(clinician, episode_id)["overlaps"]
    assert overlap.startswith("morphine from Mon 02 Mar 2026 overlaps oxycodone (from Fri 20 Feb 2026): the total is 60 MME/day")
    meds = section_text(clinician.get(f"/episodes/{episode_id}").text, "medications")
    assert "Overlapping opioids: morphine from Mon 02 Mar 2026 overlaps oxycodone" in meds
    assert "Total: 60 MME/day" in meds


# ---- CDC opioid CDS example: order sign on a benzodiazepine --------------------------------------------------

def _request(relative: str) -> dict:
    text = external(relative).read_text()
    found, _end = json.JSONDecoder().raw_decode(text)  # upstream files carry a stray trailing "}"
    return found


def test_the_cdc_rec08_benzodiazepine_example_offers_naloxone_for_the_benzodiazepine(clinician, episode_id, db):
    request = _request(REC08_BENZO)
    draft = request["context"]["draftOrders"]["entry"][0]["resource"]
    benzo = next(v for k, v in request.items() if k.startswith("item") and v.get("resourceType") == "MedicationRequest")
    patch_words = draft["medicationCodeableConcept"]["coding"][0]["display"]  # "72 HR Fentanyl 0.075 MG/HR Transdermal System"
    benzo_words = benzo["medicationCodeableConcept"]["coding"][0]["display"]  # "Temazepam 20 MG Oral Tablet"
    patch_mcg_hr = float(re.search(r"([\d.]+) MG/HR", patch_words).group(1)) * 1000
    drug, strength = re.match(r"(\w+) ([\d.]+) MG", benzo_words).groups()
    prescribe(clinician, episode_id, {**rx("fentanyl", patch_mcg_hr, None, "2026-03-02"), "strength_unit": "mcg/hr",
                                      "form": "transdermal_patch", "interval_hours": 72})
    temazepam = prescribe(clinician, episode_id, rx(drug, float(strength), 1, "2026-03-02"))
    assert (temazepam["drug_key"], temazepam["drug_class"]) == ("temazepam", "benzodiazepine")
    reasons = safety(clinician, episode_id)["naloxone_reasons"]
    assert "a benzodiazepine at the same time (temazepam)" in reasons
    (naloxone,) = [t for k, t in open_tasks(db, episode_id).items() if k.startswith("opioid:naloxone")]
    assert "a benzodiazepine at the same time (temazepam)" in naloxone.reason
