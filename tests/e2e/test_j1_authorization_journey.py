"""Journey J1 end to end (the clinic scenarios, journey J1): the contractor with cervical radiculopathy under a
strict commercial payer (bcbs_commercial, policy strict_esi_cervical_transforaminal).

Mon 5 Jan 2026 intake, Wed 7 Jan the MRI report arrives, Thu 8 Jan the first visit opens the
authorization for the selective nerve root block in *preparing*: the kit fills in as facts arrive, the
worklist shows "Submit authorization" due Thu 19 Feb (6 weeks of PT). On 19 Feb the kit is complete and
the request goes out that day (0 days from eligibility to submission); the payer approves 36 hours
later; the block is booked inside the approval window.

Facts are recorded through the JSON API as the clinic's staff (there is no authorization case page
yet); what staff see is checked on the worklist page in a real browser. The live server runs in this
process, so `time_machine` moves the server's clock too.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from painpath.worklist.models import Task
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS


def _chicago(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Chicago wall-clock time in Jan-Feb 2026 (standard time, UTC-6) as an aware UTC time."""
    return datetime(2026, month, day, hour + 6, minute, tzinfo=timezone.utc) if hour + 6 < 24 else \
        datetime(2026, month, day + 1, hour + 6 - 24, minute, tzinfo=timezone.utc)


INTAKE = _chicago(1, 5, 9)  # Mon 5 Jan, 09:00
REPORT_ARRIVES = _chicago(1, 7, 11)  # Wed 7 Jan
FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
ELIGIBLE_DAY = _chicago(2, 19, 10)  # Thu 19 Feb, 10:00
DECISION = _chicago(2, 20, 22, 1)  # Fri 20 Feb, 22:01: just after 36 hours

PATIENT = {"mrn": "MRN-J1", "given_name": "Marco", "family_name": "Reyes", "birth_date": "1981-09-14", "sex": "male",
           "phone": "555-0117", "preferred_contact": "phone"}
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
# A ladder fall three weeks before the intake call.
EPISODE = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
           "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
CASE = {"procedure_id": "tfesi_cervical", "cpt_codes": ["64479"], "side": "right", "levels": ["C5-6"], "place_of_service": "24"}


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _ndi(client, episode_id: int, answers: list[int], at: str) -> float:  # noqa: ANN001
    body = {"instrument_id": "ndi", "answers": {f"ndi_{i}": a for i, a in enumerate(answers, start=1)}, "administered_at": at}
    return _ok(client.post(f"/api/episodes/{episode_id}/instrument-administrations", json=body), 201)["total"]


def _visit(client, episode_id: int, kind: str, on: str) -> int:  # noqa: ANN001
    return _ok(client.post(f"/api/episodes/{episode_id}/encounters",
                           json={"encounter_type": kind, "date_of_service": on, "narrative": "Neck and right arm pain."}), 201)["id"]


def _case(client, case_id: int) -> dict:  # noqa: ANN001
    return _ok(client.get(f"/api/authorizations/{case_id}"))


def _kit(case: dict) -> dict[str, dict]:
    return {i["criterion_id"]: i for i in case["kit"]["checklist"]}


def _tasks(ctx, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with ctx.db.session() as session:
        found = {t.key: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}
        session.expunge_all()
        return found


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text("Coordinator")


def _worklist_row(page: Page, text: str):  # noqa: ANN202
    page.goto("/worklist")
    return page.locator("#worklist-table tbody tr", has_text=text)


def test_j1_cervical_block_authorization_submitted_on_the_eligibility_day(page: Page, ctx, staff, client_for):
    ctx.settings.session_hours = 24 * 90  # the journey spans seven weeks; nobody signs in again
    with time_machine.travel(INTAKE, tick=True) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")

        # Mon 5 Jan: the intake call. Patient, coverage, episode; the outside MRI is known, its report is not
        # here yet; naproxen for 3 weeks and a steroid pack, as the patient tells it.
        patient_id = _ok(coordinator.post("/api/patients", json=PATIENT), 201)["id"]
        _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=EPISODE), 201)["id"]
        mri = _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
            "modality": "mri", "region": "cervical", "study": "MRI cervical spine without contrast", "origin": "outside",
            "performed_on": "2025-12-29", "report_on_file": False}), 201)
        for care in (
            {"kind": "medication", "start_date": "2025-12-15", "end_date": "2026-01-04", "drug_class": "nsaid", "failed": "yes",
             "description": "Naproxen 500 mg twice a day for 3 weeks", "source": "reported"},
            {"kind": "medication", "start_date": "2025-12-22", "end_date": "2025-12-27", "drug_class": "oral_steroid",
             "failed": "yes", "description": "Methylprednisolone 6-day pack", "source": "reported"},
        ):
            _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)

        # Wed 7 Jan: the imaging center's report: moderate C5-6 foraminal stenosis, concordant.
        clock.move_to(REPORT_ARRIVES)
        _ok(coordinator.post(f"/api/imaging-studies/{mri['id']}/report", json={
            "version": mri["version"], "concordant": "yes", "summary": "Moderate right C5-6 foraminal stenosis"}))

        # Thu 8 Jan, first visit: NDI 21/50 and arm pain 7/10; the 6-week program starts (PT, home exercise).
        clock.move_to(FIRST_VISIT)
        assert _ndi(clinician, episode_id, [3, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-01-08T08:50:00") == 21
        visit = _visit(clinician, episode_id, "initial", "2026-01-08")
        _ok(clinician.put(f"/api/encounters/{visit}/measures", json={"pain_now": 7, "pain_average": 7, "pain_worst": 8}))
        for care in (
            {"kind": "physical_therapy", "start_date": "2026-01-08", "source": "clinic",
             "description": "PT twice a week: cervical traction and nerve glides"},
            {"kind": "home_exercise", "start_date": "2026-01-08", "source": "clinic", "description": "Home traction and nerve glides"},
        ):
            _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)

        # The plan's if-then step: the authorization opens in preparing, before the exam is saved and the
        # home exercise handout is filed; those two are the kit's missing items, each a task with an owner.
        case = _ok(coordinator.post(f"/api/episodes/{episode_id}/authorizations", json=CASE), 201)
        assert case["state"] == "preparing" and case["policy_id"] == "strict_esi_cervical_transforaminal"
        assert case["decision"]["outcome"] == "needs_information"
        assert case["decision"]["eligible_on"] == "2026-02-19"
        kit = _kit(case)
        assert kit["concordant_imaging"]["status"] == "present"
        assert kit["baseline_ndi"]["status"] == "present"
        assert kit["six_weeks_with_pt"]["status"] == "pending" and kit["six_weeks_with_pt"]["pending_until"] == "2026-02-19"
        missing = {cid: item for cid, item in kit.items() if item["status"] == "missing"}
        assert set(missing) == {"radicular_exam", "home_exercise_program"}
        tasks = _tasks(ctx, episode_id)
        for criterion_id, item in missing.items():
            task = tasks[f"auth:kit:{criterion_id}:case:{case['id']}"]
            assert task.status == "open" and task.owner_role == item["owner_role"]
        assert tasks[f"auth:kit:radicular_exam:case:{case['id']}"].owner_role == "clinician"
        assert tasks[f"auth:kit:home_exercise_program:case:{case['id']}"].owner_role == "coordinator"

        # The exam (Spurling positive on the right, C6 sensory deficit) and the handout arrive: the kit fills in.
        _ok(clinician.put(f"/api/encounters/{visit}/exam", json={
            "spurling": {"left": "negative", "right": "positive"},
            "sensory_deficits": [{"dermatome": "C6", "side": "right", "finding": "diminished"}],
            "diagnosis_codes": ["M54.12"], "reasoning": "Right C6 radiculopathy concordant with C5-6 foraminal stenosis"}))
        _ok(coordinator.post(f"/api/authorizations/{case['id']}/documents", json={
            "kind": "home_exercise_program", "title": "Home traction and nerve glide program", "document_date": "2026-01-08"}), 201)
        case = _case(coordinator, case["id"])
        assert case["decision"]["outcome"] == "eligible_on"
        assert case["decision"]["eligible_on"] == "2026-02-19"
        assert "Thursday 19 February 2026" in case["decision"]["summary"]
        # Still pending: 4 weeks of pain (reached 12 Jan) and 6 weeks of PT (19 Feb); everything else is ready.
        pending = {cid: item["pending_until"] for cid, item in _kit(case).items() if item["status"] == "pending"}
        assert pending == {"pain_4_weeks": "2026-01-12", "six_weeks_with_pt": "2026-02-19"}
        assert case["kit"]["ready"] == case["kit"]["items"] - 2
        tasks = _tasks(ctx, episode_id)
        assert tasks[f"auth:kit:radicular_exam:case:{case['id']}"].status == "met"
        assert tasks[f"auth:kit:home_exercise_program:case:{case['id']}"].status == "met"

        # The worklist: "Submit authorization" due Thu 19 Feb, for the coordinator.
        worklist = _ok(coordinator.get("/api/worklist", params={"episode_id": episode_id}))
        submit = [t for t in worklist["tasks"] if t["title"].startswith("Submit authorization")]
        assert len(submit) == 1
        assert submit[0]["owner_role"] == "coordinator" and submit[0]["evidence"]["eligible_on"] == "2026-02-19"
        assert submit[0]["due_at"].startswith("2026-02-20T05:59:59")  # close of 19 Feb in Chicago

        _sign_in(page, "coordinator")
        row = _worklist_row(page, "Submit authorization")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Reyes, Marco")
        expect(row).to_contain_text("Thu 19 Feb 2026")
        expect(row).to_contain_text("Coordinator")

        # Thu 19 Feb: pain 6/10 and NDI 19/50 (less than the minimal important change); the kit is complete.
        clock.move_to(ELIGIBLE_DAY)
        assert _ndi(clinician, episode_id, [2, 2, 2, 2, 2, 2, 2, 2, 2, 1], "2026-02-19T09:30:00") == 19
        check = _visit(clinician, episode_id, "follow_up", "2026-02-19")
        _ok(clinician.put(f"/api/encounters/{check}/measures", json={"pain_now": 6, "pain_average": 6}))
        case = _case(coordinator, case["id"])
        assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
        assert case["kit"]["ready"] == case["kit"]["items"] > 0
        assert all(i["status"] in ("present", "not_applicable") for i in case["kit"]["checklist"])

        # Staff see it due today on the worklist page.
        row = _worklist_row(page, "Submit authorization")
        expect(row).to_contain_text("Due today")
        page.screenshot(path=f"{SHOTS}/j1-worklist.png", full_page=True)

        # Submitted that day: 0 days from eligibility to submission; the submit task is met, the
        # follow-up with the payer (15 calendar days) opens.
        case = _ok(coordinator.post(f"/api/authorizations/{case['id']}/submit", json={
            "channel": "portal", "reference": "BCBS-PA-7731", "version": case["version"], "submitted_at": "2026-02-19T10:00:00"}))
        assert case["state"] == "submitted"
        assert case["eligible_on_at_submission"] == "2026-02-19"
        assert case["days_from_eligibility_to_submission"] == 0
        tasks = _tasks(ctx, episode_id)
        assert tasks[f"auth:submit:case:{case['id']}"].status == "met"
        assert tasks[f"auth:decision:case:{case['id']}"].status == "open"
        expect(_worklist_row(page, "Submit authorization")).to_have_count(0)
        expect(_worklist_row(page, "Follow up with BCBS commercial")).to_have_count(1)

        # 36 hours later the payer approves: 1 unit, 20 Feb to 20 May.
        clock.move_to(DECISION)
        case = _ok(coordinator.post(f"/api/authorizations/{case['id']}/decision", json={
            "outcome": "approve", "version": case["version"], "decided_at": "2026-02-20T22:00:00",
            "authorization_number": "BCBS-A-55120", "approved_units": 1, "approved_codes": ["64479"],
            "approved_from": "2026-02-20", "approved_to": "2026-05-20"}))
        assert case["state"] == "approved" and case["authorization_number"] == "BCBS-A-55120"
        assert case["hours_to_decision"] == 36.0 and case["hours_to_decision"] / 24 == 1.5
        assert case["days_from_eligibility_to_submission"] == 0
        assert case["units_left"] == 1
        tasks = _tasks(ctx, episode_id)
        assert tasks[f"auth:decision:case:{case['id']}"].status == "met"
        assert tasks[f"auth:book:case:{case['id']}"].status == "open"
        expect(_worklist_row(page, "Book the approved")).to_have_count(1)

        # Booked inside the window: the book task is met and no expiry warning opens.
        case = _ok(coordinator.put(f"/api/authorizations/{case['id']}/planned-date",
                                   json={"planned_on": "2026-02-26", "version": case["version"]}))
        assert case["planned_on"] == "2026-02-26"
        tasks = _tasks(ctx, episode_id)
        assert tasks[f"auth:book:case:{case['id']}"].status == "met"
        expiry = tasks.get(f"auth:expiry:case:{case['id']}")
        assert expiry is None or expiry.status != "open"  # booked inside the window: no "approval ends first" task
        expect(_worklist_row(page, "Book the approved")).to_have_count(0)
        expect(page.locator("#worklist-table")).not_to_contain_text(re.compile("Approval ends before"))
