"""J9's FMLA certification through the pages and the API: a coordinator logs the employer's WH-380-E, its
deadline is 15 calendar days from the employee's receipt (29 CFR 825.305(b)) and the clinic's target 4 days
from its arrival; the draft is filled from a chart built through the services (onset, functional measures,
visits) and read back with pypdf, the clinician-attested fields left blank; the clinician signs, the
coordinator sends, and the turnaround is measured. Each step's task opens and is met; a form not sent by
its legal deadline is flagged overdue; a refused form keeps what was typed; a stale version is refused."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.paperwork import form_rules
from painpath.paperwork.form_models import FormRequest
from painpath.worklist.engine import MET, OPEN
from painpath.worklist.models import Task
from smtp_relay import smtp_relay  # noqa: F401 - fixture
from support import page_form_post

MONDAY = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Mar 2026, 10:00 in Chicago
BACK = {"problem_summary": "Low back pain with right leg pain", "body_region": "lumbar", "laterality": "right",
        "onset_date": "2025-11-03", "icd10_codes": ["M54.16"]}
EMPLOYER = {"form_id": "fmla_wh380e", "requester_kind": "employer", "requester_name": "Acme Logistics HR",
            "requester_contact": "(708) 555-0190", "received_on": "2026-03-02", "employee_receipt_on": "2026-02-27"}


def _text(page) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(client_for, staff, patient_payload, clock):  # noqa: ANN001, ANN201, ARG001
    """A chart built through the services: the episode with its onset, a visit with functional measures."""
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes",
                                  json={**BACK, "responsible_clinician_id": staff["clinician"].id}).json()["id"]
    visit = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-02-20"})
    assert visit.status_code == 201, visit.text
    measures = clinician.put(f"/api/encounters/{visit.json()['id']}/measures",
                             json={"sitting_minutes": 20, "standing_minutes": 15, "lifting_limit_lb": 10, "lifting_side": "both",
                                   "work_status": "off_work"})
    assert measures.status_code == 200, measures.text
    return episode_id


def _request(ctx, request_id: int) -> FormRequest:  # noqa: ANN001
    with ctx.db.session() as session:
        found = session.get(FormRequest, request_id)
        session.expunge(found)
        return found


def _tasks(ctx, request_id: int) -> dict[str, tuple[str, str, datetime]]:  # noqa: ANN001
    with ctx.db.session() as session:
        return {t.key.split(":")[2]: (t.status, t.owner_role, t.due_at)
                for t in session.scalars(select(Task).where(Task.key.like(f"form:{request_id}:%")))}


def _log(coordinator, episode_id: int, **changes) -> int:  # noqa: ANN001, ANN003
    response = page_form_post(coordinator, f"/episodes/{episode_id}/form-requests", {**EMPLOYER, **changes})
    assert response.status_code == 303, _text(response)
    return int(response.headers["location"].rsplit("/", 1)[1])


def _step(client, ctx, request_id: int, to: str, **fields):  # noqa: ANN001, ANN003, ANN202
    return page_form_post(client, f"/form-requests/{request_id}/step", {"to": to, "version": str(_request(ctx, request_id).version), **fields})


def test_a_wh380e_is_filled_from_the_chart_signed_sent_and_its_turnaround_measured(ctx, client_for, episode, clock, smtp_relay):  # noqa: ANN001, F811
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    request_id = _log(coordinator, episode)
    logged = _request(ctx, request_id)
    # 15 calendar days from the employee's receipt on Fri 27 Feb; the clinic's 4 days from the arrival on Mon 2 Mar.
    assert logged.deadline_on == date(2026, 3, 14)
    assert logged.target_on == date(2026, 3, 6)
    tasks = _tasks(ctx, request_id)
    assert tasks["draft"][:2] == (OPEN, "coordinator")
    assert ctx.calendar.local_date(tasks["draft"][2]) == date(2026, 3, 6)
    assert "sign" not in tasks

    clock.shift(timedelta(days=1))
    coordinator = client_for("coordinator")  # signed in again: a session does not last a day
    drafted = page_form_post(coordinator, f"/form-requests/{request_id}/draft",
                             {"version": str(logged.version), "flare_times": "2", "flare_per": "month", "flare_duration": "3",
                              "flare_unit": "days", "incapacity": "", "expected_duration": "6 months", "expected_return_on": ""})
    assert drafted.status_code == 303, _text(drafted)
    assert _request(ctx, request_id).status == "drafted", drafted.headers
    tasks = _tasks(ctx, request_id)
    assert tasks["draft"][0] == MET and tasks["sign"][:2] == (OPEN, "clinician")

    pdf = coordinator.get(f"/form-requests/{request_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    fields = {name: value.get("/V") for name, value in PdfReader(io.BytesIO(pdf.content)).get_fields().items()}
    assert fields["txtDateCommenced"] == "11/03/2025"  # the episode's onset
    assert fields["txtTimes"] == "2" and fields["txtMonths"] == "1" and fields["txtDaysPerEpisode"] == "3"
    assert fields["txtWeeks"] in (None, "") and fields["txtHoursPerEpisode"] in (None, "")
    assert "Sitting tolerated for 20 minutes at a time (measured 02/20/2026)" in fields["txtJobfunctionsUnable"]
    assert "Lifting limited to 10 pounds" in fields["txtJobfunctionsUnable"]
    assert fields["txtProviderNameAddress"].startswith("Clinician User, Riverside Pain & Spine")
    assert fields["txtDatesTreated"] == "02/20/2026"
    assert fields["txtDuration"] == "6 months"
    assert "M54.16" in fields["txtDescribeOtherFacts1"]
    assert fields["txtDescribeOtherFacts2"] == "Work status: Off work"
    assert fields["txtDescribeOtherFacts3"] in (None, "")  # no work restrictions written yet
    for attested in ("txtDateSigned", "txtExplain1", "chxEpisodic", "chxUnableToWork", "chxNecessaryAbsent"):
        assert fields[attested] in (None, "", "/Off"), attested
    assert fields["txtEmployerName"] in (None, "")  # Section I is the employer's

    page = _text(coordinator.get(f"/form-requests/{request_id}"))
    assert "Left for the clinician to complete and sign" in page and "Open 1 day" in page

    # Only a clinician signs.
    refused = _step(coordinator, ctx, request_id, "signed")
    assert refused.status_code in (403, 422) and _request(ctx, request_id).status == "drafted"
    clock.shift(timedelta(days=1))
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    assert _step(clinician, ctx, request_id, "signed").status_code == 303
    assert _tasks(ctx, request_id)["send"][:2] == (OPEN, "coordinator")
    # Sending needs the way it went; a stale version is refused.
    assert _step(coordinator, ctx, request_id, "sent").status_code == 422
    stale = page_form_post(coordinator, f"/form-requests/{request_id}/step", {"to": "sent", "transport": "fax", "version": "1"})
    assert stale.status_code == 409
    # A refusing fax relay leaves it signed, the reason on the page and the send task open.
    smtp_relay.refuse = "554 5.7.1 Fax number not allowed"
    assert _step(coordinator, ctx, request_id, "sent", transport="fax").status_code == 303
    failed = _request(ctx, request_id)
    assert (failed.status, failed.transmission, failed.attempts) == ("signed", "failed", 1) and "554" in failed.last_error
    assert _tasks(ctx, request_id)["send"][0] == OPEN and "The last attempt failed" in _text(coordinator.get(f"/form-requests/{request_id}"))
    smtp_relay.refuse = None
    assert _step(coordinator, ctx, request_id, "sent", transport="fax").status_code == 303
    sent = _request(ctx, request_id)
    assert (sent.status, sent.transmission, sent.attempts) == ("sent", "sent", 2) and sent.sent_to.endswith("fax.gateway.test")
    (message,) = smtp_relay.messages
    assert message.rcpt_tos == ["7085550190@fax.gateway.test"] and f"FORM-{request_id:06d}.pdf".encode() in message.content
    tasks = _tasks(ctx, request_id)
    assert tasks["send"][0] == MET, tasks
    assert "overdue" not in tasks  # sent on 4 Mar, well before 14 Mar

    assert "Turnaround: 2 days from received to sent" in _text(coordinator.get(f"/form-requests/{request_id}"))
    queue = _text(client_for("manager").get("/forms-queue"))
    assert "Median turnaround of the 1 sent: 2 days" in queue and "Acme Logistics HR" in queue


def test_a_form_not_sent_by_its_legal_deadline_is_flagged_overdue(ctx, client_for, episode, clock):  # noqa: ANN001
    coordinator = client_for("coordinator")
    request_id = _log(coordinator, episode)
    assert "overdue" not in _tasks(ctx, request_id)
    clock.move_to(datetime(2026, 3, 15, 16, 0, tzinfo=timezone.utc))  # the day after 14 Mar
    with ctx.db.session() as session:
        ctx.reconcile(session, [episode])
    status, owner, due = _tasks(ctx, request_id)["overdue"]
    assert (status, owner) == (OPEN, "coordinator") and ctx.calendar.local_date(due) == date(2026, 3, 14)
    queue = client_for("coordinator").get("/forms-queue")
    assert "Overdue" in _text(queue)


def test_a_refused_request_keeps_what_was_typed_and_names_the_field(ctx, client_for, episode):  # noqa: ANN001
    coordinator = client_for("coordinator")
    refused = page_form_post(coordinator, f"/episodes/{episode}/form-requests",
                             {**EMPLOYER, "requester_name": "Zebra Freight", "employee_receipt_on": "2026-03-05"})
    assert refused.status_code == 422
    assert "Zebra Freight" in refused.text and "on or before the day the form reached us" in _text(refused)
    half_flare = page_form_post(coordinator, f"/form-requests/{_log(coordinator, episode)}/draft", {"version": "1", "flare_times": "3"})
    assert half_flare.status_code == 422 and "how long each lasts" in _text(half_flare)


def test_the_api_logs_and_lists_form_requests(client_for, episode):  # noqa: ANN001
    coordinator = client_for("coordinator")
    created = coordinator.post(f"/api/episodes/{episode}/form-requests", json={**EMPLOYER, "employee_receipt_on": None})
    assert created.status_code == 201, created.text
    # Without the employee's receipt date the clock counts from the form's arrival (the later, cautious start).
    assert created.json()["deadline_on"] == "2026-03-17"
    listed = coordinator.get(f"/api/episodes/{episode}/form-requests").json()
    assert [r["id"] for r in listed] == [created.json()["id"]]
    assert client_for("front_desk").get(f"/api/episodes/{episode}/form-requests").status_code == 403


def test_the_episode_panel_lists_forms(client_for, episode):  # noqa: ANN001
    coordinator = client_for("coordinator")
    _log(coordinator, episode)
    page = coordinator.get(f"/episodes/{episode}")
    assert 'id="forms"' in page.text and "FMLA certification (WH-380-E) for Acme Logistics HR" in _text(page)


def test_transitions_follow_the_queue():
    assert form_rules.transition_problems("received", "signed")[0].rule == "allowed_step"
    assert form_rules.transition_problems("drafted", "signed") == []
    assert form_rules.transition_problems("sent", "cancelled")[0].field == "to"
    assert form_rules.turnaround_days(date(2026, 3, 2), date(2026, 3, 6)) == 4


def test_the_short_term_disability_facts_sheet_says_what_the_chart_says(ctx, client_for, episode):  # noqa: ANN001
    coordinator = client_for("coordinator")
    request_id = _log(coordinator, episode, form_id="std_facts_sheet", requester_kind="insurer", requester_name="Harbor Mutual Claims",
                      employee_receipt_on="")
    logged = _request(ctx, request_id)
    assert logged.deadline_on is None and logged.target_on == date(2026, 3, 6)  # no legal rule: the clinic's target only
    pdf = coordinator.get(f"/form-requests/{request_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages))
    assert "M54.16" in text and "3 November 2025" in text  # diagnosis and onset
    assert "20 February 2026" in text  # the first visit
    assert "Sitting tolerated for 20 minutes at a time (measured 20 February 2026)" in text
    assert "Off work" in text and "Not known yet" in text  # no expected return given
    assert "Completed from the chart on 2 March 2026" in text


def test_the_clinic_sets_its_own_turnaround_target_on_its_settings_page(ctx, client_for, episode):  # noqa: ANN001
    """The seed clinic's 4 days is the default; a manager sets 2 on Clinic settings and the next form logged is
    held to 2 days from its arrival. A target outside 1 to 30 days is refused at its field."""
    manager = client_for("manager")
    page = manager.get("/admin/clinic")
    assert page.status_code == 200 and "Forms turnaround target (days)" in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    settings = {"name": "Riverside Pain & Spine", "version": version}
    refused = manager.post("/admin/clinic", data={**settings, "forms_turnaround_days": "45"}, follow_redirects=False)
    assert refused.status_code == 422 and 'value="45"' in refused.text
    before = _request(ctx, _log(client_for("coordinator"), episode))
    assert (before.target_on - before.received_on).days == 4  # the form definition's default
    assert manager.post("/admin/clinic", data={**settings, "forms_turnaround_days": "2"}, follow_redirects=False).status_code == 303
    after = _request(ctx, _log(client_for("coordinator"), episode))
    assert (after.target_on - after.received_on).days == 2
    assert "2 days from its arrival" in _text(client_for("coordinator").get(f"/form-requests/{after.id}"))
