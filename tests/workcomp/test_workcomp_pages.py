"""J11 through the pages: the coordinator enters the claim with the adjuster and the nurse case manager (a bad
carrier is refused and the form keeps what was typed; a stale edit gets 409; each change is audited);
clinicians read it without the form; a request opened on the episode goes to the carrier under its clock and
the coordinator gets the words to tell the patient; an IME that disagrees opens the clinician's reconcile
task, met by a rebuttal letter or by a plan pivot; the progress report falls due on the carrier's 45 days and
is met when generated and sent (the PDF read back with pypdf)."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.plans.models import CarePlan
from painpath.workcomp.models import IndependentExam, WorkCompClaim
from painpath.worklist.engine import MET, OPEN
from painpath.worklist.models import Task
from support import page_form_post, page_section

MONDAY = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Mar 2026, 10:00 in Chicago
BACK = {"problem_summary": "Low back pain with right leg pain since lifting at work", "body_region": "lumbar", "laterality": "right",
        "onset_date": "2026-01-20", "icd10_codes": ["M54.16"]}
MECHANISM = "Lifted a 60 lb box of tiles from the floor onto a pallet, twisting to the right; felt a pop in the low back"
CLAIM = {"claim_number": "WC-2026-0042", "injury_date": "2026-01-20", "mechanism": MECHANISM, "body_parts": "Low back, right leg",
         "employer_name": "Prairie Tile Supply", "employer_contact": "Dana Ortiz, HR, (312) 555-0190", "carrier_payer_id": "ca_workers_comp",
         "adjuster_name": "Sam Whitfield", "adjuster_phone": "(916) 555-0122", "adjuster_email": "swhitfield@example.com",
         "adjuster_fax": "(916) 555-0123", "nurse_case_manager_name": "Lena Park RN", "nurse_case_manager_phone": "(916) 555-0140",
         "nurse_case_manager_email": "lpark@example.com", "nurse_case_manager_fax": "", "work_status": "modified",
         "work_status_note": "No lifting over 15 lb; change position every 30 minutes", "return_to_work_on": "2026-03-09"}
DISAGREEMENT = "An epidural injection is not indicated; six more weeks of physical therapy first"


def _text(page) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload, clock) -> int:  # noqa: ANN001, ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=BACK).json()["id"]


def _claim(ctx) -> WorkCompClaim:  # noqa: ANN001
    with ctx.db.session() as session:
        found = session.scalar(select(WorkCompClaim))
        session.expunge(found)
        return found


def _tasks(ctx, prefix: str) -> dict[str, Task]:  # noqa: ANN001
    with ctx.db.session() as session:
        found = {t.key: t for t in session.scalars(select(Task).where(Task.key.like(f"{prefix}%")))}
        session.expunge_all()
        return found


def _ime(ctx) -> IndependentExam:  # noqa: ANN001
    with ctx.db.session() as session:
        found = session.scalar(select(IndependentExam))
        session.expunge(found)
        return found


def test_the_claim_is_entered_checked_audited_and_read_only_for_clinicians(client_for, ctx, episode_id) -> None:  # noqa: ANN001
    coordinator = client_for("coordinator")
    refused = page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", {**CLAIM, "carrier_payer_id": "medicare_part_b", "injury_date": "2026-01-20"})
    assert refused.status_code == 422
    words = _text(refused)
    assert "Choose the workers' compensation carrier from the list" in words and MECHANISM in words  # the form keeps what was typed
    late = page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", {**CLAIM, "return_to_work_on": "2026-01-02"})
    assert late.status_code == 422 and "cannot be before the date of injury" in _text(late)

    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 303
    claim = _claim(ctx)
    assert (claim.claim_number, claim.carrier_payer_id, claim.nurse_case_manager_name) == ("WC-2026-0042", "ca_workers_comp", "Lena Park RN")
    edited = page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", {**CLAIM, "adjuster_name": "Sam Whitfield Jr", "version": str(claim.version)})
    assert edited.status_code == 303 and _claim(ctx).adjuster_name == "Sam Whitfield Jr"
    stale = page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", {**CLAIM, "version": str(claim.version)})
    assert stale.status_code == 409
    with ctx.db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "workcomp_claim").order_by(AuditEvent.id))]
    assert actions[:2] == ["workcomp_claim.create", "workcomp_claim.update"]

    api = coordinator.get(f"/api/episodes/{episode_id}/workcomp-claim").json()
    assert (api["claim_number"], api["adjuster_name"], api["injury_date"]) == ("WC-2026-0042", "Sam Whitfield Jr", "2026-01-20")
    put = coordinator.put(f"/api/episodes/{episode_id}/workcomp-claim", json={**CLAIM, "work_status": "off_work", "version": api["version"]})
    assert put.status_code == 200 and put.json()["work_status"] == "off_work"
    assert coordinator.put(f"/api/episodes/{episode_id}/workcomp-claim", json={**CLAIM, "version": api["version"]}).status_code == 409
    bad = coordinator.put(f"/api/episodes/{episode_id}/workcomp-claim", json={**CLAIM, "carrier_payer_id": "medicare_part_b", "version": put.json()["version"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "carrier_payer_id"

    panel = page_section(client_for("clinician").get(f"/episodes/{episode_id}").text, "workers-comp")
    assert "WC-2026-0042" in panel and "Lena Park RN" in panel and "Off work" in panel
    assert 'id="workcomp-claim-form"' not in panel  # clinicians read the claim; the coordinator keeps it
    assert page_form_post(client_for("clinician"), f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 403


def test_a_request_goes_to_the_carrier_under_its_clock_and_the_patient_is_told_what_comes_next(client_for, ctx, episode_id, clock) -> None:  # noqa: ANN001
    coordinator = client_for("coordinator")
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 303
    case = coordinator.post(f"/api/episodes/{episode_id}/authorizations", json={"procedure_id": "lumbar_sympathetic_block", "side": "right"})
    assert case.status_code == 201, case.text
    assert case.json()["payer_id"] == "ca_workers_comp"  # the carrier decides, not the patient's health plan
    # Faxed Friday 6 March at 18:00 Pacific (20:00 in Chicago): received Monday 9 March, due five business days
    # later (Monday 16 March).
    clock.move_to(datetime(2026, 3, 7, 2, 30, tzinfo=timezone.utc))
    coordinator = client_for("coordinator")  # signed in again: days have passed
    submitted = coordinator.post(f"/api/authorizations/{case.json()['id']}/submit",
                                 json={"version": case.json()["version"], "channel": "fax", "submitted_at": "2026-03-06T20:00:00"})
    assert submitted.status_code == 200, submitted.text
    coach = next(iter(_tasks(ctx, "workcomp:coach:").values()))
    assert coach.status == OPEN and coach.owner_role == "coordinator"
    assert "Monday 16 March" in coach.reason and "Monday 9 March" in coach.reason
    task_page = _text(coordinator.get(f"/tasks/{coach.id}"))
    assert "Call the patient and say" in task_page and "has to decide by Monday 16 March" in task_page
    panel = page_section(coordinator.get(f"/episodes/{episode_id}").text, "workers-comp")
    assert "carrier&#39;s decision due Mon 16 Mar 2026" in panel or "carrier's decision due Mon 16 Mar 2026" in html.unescape(panel)


def test_an_ime_that_disagrees_opens_the_reconcile_task_met_by_a_rebuttal(client_for, ctx, episode_id) -> None:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 303
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/imes", {"scheduled_on": "2026-03-04", "examiner": "Dr R. Castillo"}).status_code == 303
    ime = _ime(ctx)
    missing = page_form_post(coordinator, f"/workcomp-imes/{ime.id}/findings", {"version": str(ime.version), "findings": "Mild lumbar tenderness", "agreement": "disagrees"})
    assert missing.status_code == 422 and "Say what in the plan the examiner disagrees with" in _text(missing)
    assert page_form_post(coordinator, f"/workcomp-imes/{ime.id}/findings", {"version": str(ime.version), "findings": "Mild lumbar tenderness, SLR negative",
                                                                             "agreement": "disagrees", "disagreement": DISAGREEMENT}).status_code == 303
    task = _tasks(ctx, "workcomp:ime_reconcile:")[f"workcomp:ime_reconcile:{ime.id}"]
    assert task.status == OPEN and task.owner_role == "clinician" and task.title == "Reconcile the plan with the IME"
    assert DISAGREEMENT in task.reason

    ime = _ime(ctx)
    assert page_form_post(coordinator, f"/workcomp-imes/{ime.id}/rebuttal", {"version": str(ime.version), "rebuttal_text": "x" * 30}).status_code == 403
    letter = "The examination on 4 March did not test the right L5 dermatome, where the MRI shows the disc contacts the nerve root."
    assert page_form_post(clinician, f"/workcomp-imes/{ime.id}/rebuttal", {"version": str(ime.version), "rebuttal_text": letter}).status_code == 303
    assert _tasks(ctx, "workcomp:ime_reconcile:")[f"workcomp:ime_reconcile:{ime.id}"].status == MET
    pdf = clinician.get(f"/workcomp-imes/{ime.id}/rebuttal/pdf")
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "WC-2026-0042" in words and "dermatome" in words


def test_a_plan_pivot_after_the_ime_meets_the_reconcile_task(client_for, ctx, episode_id) -> None:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 303
    started = clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "lumbar_radicular_pain", "goals": [{"text": "Lift 25 lb at work"}]})
    assert started.status_code == 201, started.text
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/imes", {"scheduled_on": "2026-03-04", "examiner": "Dr R. Castillo"}).status_code == 303
    ime = _ime(ctx)
    assert page_form_post(coordinator, f"/workcomp-imes/{ime.id}/findings", {"version": str(ime.version), "findings": "Findings",
                                                                             "agreement": "disagrees", "disagreement": DISAGREEMENT}).status_code == 303
    assert _tasks(ctx, "workcomp:ime_reconcile:")[f"workcomp:ime_reconcile:{ime.id}"].status == OPEN
    with ctx.db.session() as session:
        plan = session.scalar(select(CarePlan).where(CarePlan.episode_id == episode_id))
        plan_id, version = plan.id, plan.version
    pivoted = clinician.post(f"/api/plans/{plan_id}/pivot", json={"version": version, "pathway_id": "lumbar_stenosis", "reason": "IME: PT first"})
    assert pivoted.status_code == 200, pivoted.text
    assert _tasks(ctx, "workcomp:ime_reconcile:")[f"workcomp:ime_reconcile:{ime.id}"].status == MET


def test_the_progress_report_falls_due_on_the_carriers_cadence_and_is_met_when_sent(client_for, ctx, episode_id, clock) -> None:  # noqa: ANN001
    coordinator = client_for("coordinator")
    assert page_form_post(coordinator, f"/episodes/{episode_id}/workcomp/claim", CLAIM).status_code == 303
    assert _tasks(ctx, "workcomp:progress_report:") == {}  # 45 days ahead: not on the worklist yet
    clock.move_to(MONDAY + timedelta(days=36))  # Tue 7 Apr: ten days before the report is due on Thu 16 Apr
    with ctx.db.session() as session:
        ctx.reconcile(session, [episode_id])
        session.commit()
    task = _tasks(ctx, "workcomp:progress_report:")["workcomp:progress_report:" + str(_claim(ctx).id) + ":2026-03-02"]
    assert task.status == OPEN and task.title == "Progress report due"
    assert task.due_at.date() in (datetime(2026, 4, 16).date(), datetime(2026, 4, 17).date())  # end of 16 Apr in Chicago, in UTC
    clinician = client_for("clinician")
    # The clinician signs work restrictions: the report lists them instead of the claim's one-line note.
    written = page_form_post(clinician, f"/episodes/{episode_id}/work-restrictions", {
        "duty_level": "light", "issued_on": "2026-04-07", "valid_until": "2026-05-05", "re_evaluate_on": "2026-05-04",
        "lifting_lb": "15", "break_every_minutes": "45", "avoid": ["ladder_climbing"]})
    assert written.status_code == 303, written.text
    restriction = written.headers["location"].rsplit("/", 1)[1]
    assert page_form_post(clinician, f"/work-restrictions/{restriction}/sign", {"version": "1"}).status_code == 303

    assert page_form_post(clinician, f"/episodes/{episode_id}/workcomp/reports", {"next_visit": "2026-04-21"}).status_code == 303
    panel = page_section(clinician.get(f"/episodes/{episode_id}").text, "workers-comp")
    report_id = int(re.search(r"/workcomp-reports/(\d+)/pdf", panel).group(1))
    pdf = clinician.get(f"/workcomp-reports/{report_id}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages))
    assert "Primary Treating Physician's Progress Report (PR-2)" in words
    assert "Lifted a 60 lb box of tiles" in words and "Work status: Modified duty" in words and "2026-03-09" in words
    assert "M54.16" in words and "WC-2026-0042" in words
    assert "Work restrictions in force until 2026-05-05" in words and "No lifting over 15 pounds" in words and "No ladder climbing" in words
    assert _tasks(ctx, "workcomp:progress_report:")[task.key].status == OPEN  # generated, not yet sent
    assert page_form_post(clinician, f"/workcomp-reports/{report_id}/sent", {"sent_to": "(916) 555-0123"}).status_code == 303
    assert _tasks(ctx, "workcomp:progress_report:")[task.key].status == MET
