"""The patient's portal pages, built from realistic records (journey J1's first weeks, as the patient sees them).

On Thu 8 Jan the clinician starts Dana's cervical plan (six weeks of structured care, then a nerve root block
whose insurance approval opens in preparing), a follow-up visit is booked for 19 Feb, a clinician signs a light
duty restriction and the employer's FMLA form comes in. Another patient, Robin, has a plan and a restriction of
their own. Dana's portal shows Dana's facts in plain words, never Robin's, never a code; the calendar file holds
the dates and no diagnosis or medicine words.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select, update

from painpath.authorizations.models import AuthorizationCase
from painpath.core.audit import AuditEvent
from painpath.patients.models import Location
from painpath.portal.document_models import PortalSharedDocument
from support import page_form_post


def _chicago(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour + 6, tzinfo=timezone.utc)


FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
LATER = _chicago(1, 14, 9)  # Wed 14 Jan
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
            "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
BLOCK = {"cpt_codes": ["64479"], "side": "right", "levels": ["C5-6"], "place_of_service": "24"}
START = {"pathway_id": "cervical_radiculopathy", "procedure": BLOCK,
         "goals": [{"text": "Back to ladder work"}, {"text": "Sleep through the night", "measure": "sleep_hours", "target": 7}]}
RESTRICTION = {"duty_level": "light", "issued_on": "2026-01-08", "valid_until": "2026-02-05", "re_evaluate_on": "2026-02-02",
               "lifting_lb": 15, "avoid": ["ladder_climbing"], "break_every_minutes": 45}
FMLA = {"form_id": "fmla_wh380e", "requester_kind": "employer", "requester_name": "Acme Logistics HR",
        "requester_contact": "(708) 555-0190", "received_on": "2026-01-08", "employee_receipt_on": "2026-01-07"}
# What must never reach a patient's page: codes, instrument abbreviations, internal keys.
JARGON = ("64479", "M54.12", "C5-6", "CPT", "ICD", "NDI", "bcbs_commercial", "WH-380-E", "preparing", "partially_approved",
          "peer_to_peer_scheduled", "not_met", "cervical_radiculopathy", "fmla_wh380e", "XBM884211907")


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _visible(html: str) -> str:
    """The page's words, without tags, scripts or attributes."""
    body = html.split("<main", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#39;", "'").replace("&amp;", "&").split())


def _record(coordinator, clinician, payload: dict, *, family: str, mrn: str) -> dict:  # noqa: ANN001
    patient_id = _ok(coordinator.post("/api/patients", json={**payload, "family_name": family, "mrn": mrn}), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
    episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json=START), 201)
    restriction = _ok(clinician.post(f"/api/episodes/{episode_id}/work-restrictions", json=RESTRICTION), 201)
    _ok(clinician.post(f"/api/work-restrictions/{restriction['id']}/sign", json={"version": restriction["version"]}))
    return {"patient_id": patient_id, "episode_id": episode_id, "plan": plan, "case_id": plan["authorization"]["case_id"]}


@pytest.fixture
def records(client_for, patient_payload, ctx, db) -> dict:
    ctx.settings.session_hours = 24 * 90
    with time_machine.travel(FIRST_VISIT, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        dana = _record(coordinator, clinician, patient_payload, family="Okafor", mrn="MRN-1001")
        robin = _record(coordinator, clinician, {**patient_payload, "given_name": "Robin"}, family="Quillfeather", mrn="MRN-1002")
        with db.session() as session:
            main = session.scalars(select(Location).where(Location.name == "Riverside Main")).one().id
        _ok(coordinator.post(f"/api/episodes/{dana['episode_id']}/appointments", json={
            "visit_type": "follow_up", "provider_type": "physician", "location_id": main, "start_at": "2026-02-19T10:30:00",
            "duration_minutes": 30, "reason": "Recheck right C5-6 radiculopathy before the block"}), 201)
        _ok(coordinator.post(f"/api/episodes/{dana['episode_id']}/form-requests", json=FMLA), 201)
        yield {"clock": clock, "dana": dana, "robin": robin, "coordinator": coordinator, "clinician": clinician}


def _set_case(db, case_id: int, **values) -> None:  # noqa: ANN001, ANN003
    """The case's dated facts (the authorizations tests walk submission and decisions through their pages)."""
    with db.session() as session:
        session.execute(update(AuthorizationCase).where(AuthorizationCase.id == case_id).values(**values))
        session.commit()


def _no_jargon(text: str) -> None:
    for word in JARGON:
        assert word not in text, word


def test_home_says_the_step_the_next_date_and_the_approval_in_plain_words(records, portal_client_for):
    dana = portal_client_for(records["dana"]["patient_id"])
    page = dana.get("/portal")
    assert page.status_code == 200, page.text
    text = _visible(page.text)
    assert "Hello, Dana" in text
    assert "What we are doing now" in text
    assert "Next: your plan check-in on Thursday 19 February" in text
    # The plan's weekly questionnaire (the checkins slice's schedule) comes before the booked visit.
    assert "Your next date Thursday 15 January Weekly questionnaire" in text
    assert "We are getting the request to BCBS commercial ready" in text
    assert "Quillfeather" not in page.text and "Robin" not in text
    _no_jargon(text)


def test_the_plan_page_shows_the_step_what_next_and_when_goals(records, portal_client_for):
    dana = portal_client_for(records["dana"]["patient_id"])
    text = _visible(dana.get("/portal/plan").text)
    assert "Your care plan" in text
    assert "How we will know it is working" in text
    assert "Your plan check-in: Thursday 19 February" in text
    assert "If it does not help enough" in text
    assert "Back to ladder work" in text and "Sleep through the night (sleeping 7 hours a night)" in text
    assert "Insurance approval for the" in text
    _no_jargon(text)


def test_a_submitted_request_says_when_we_asked_and_when_they_usually_answer(records, portal_client_for, db):
    # Submitted Mon 12 Jan, 3 pm Chicago; BCBS answers within 15 calendar days: by Tue 27 Jan.
    _set_case(db, records["dana"]["case_id"], state="submitted", submitted_at=datetime(2026, 1, 12, 21, 0))
    dana = portal_client_for(records["dana"]["patient_id"])
    with time_machine.travel(LATER, tick=False):
        text = _visible(dana.get("/portal/authorization").text)
        home = _visible(dana.get("/portal").text)
    assert "We asked BCBS commercial to approve your" in text and "on 12 Jan." in text
    assert "Insurers must answer within 15 days (by 27 Jan)." in text
    assert "We will call you when they answer." in text
    assert "Waiting for BCBS commercial's answer, expected by 27 Jan" in home
    _no_jargon(text)


def test_approved_and_denied_say_what_happens_next(records, portal_client_for, db):
    dana = portal_client_for(records["dana"]["patient_id"])
    _set_case(db, records["dana"]["case_id"], state="approved", submitted_at=datetime(2026, 1, 12, 21, 0),
              decided_at=datetime(2026, 1, 13, 16, 0), approved_from=datetime(2026, 1, 13).date(), approved_to=datetime(2026, 4, 13).date(),
              authorization_number="AUTH-99812")
    with time_machine.travel(LATER, tick=False):
        approved = _visible(dana.get("/portal/authorization").text)
    assert "BCBS commercial approved your" in approved and "on 13 Jan." in approved
    assert "The approval is good until 13 Apr." in approved and "We will call you to book it." in approved
    assert "AUTH-99812" not in approved
    _set_case(db, records["dana"]["case_id"], state="denied", denial_code="CO-50", denial_reason="Not medically necessary per policy 7.01")
    with time_machine.travel(LATER, tick=False):
        denied = _visible(dana.get("/portal/authorization").text)
    assert "BCBS commercial said no to your" in denied
    assert "your doctor can talk with the insurer's doctor, or we can ask them to look again (an appeal)" in denied
    assert "CO-50" not in denied and "7.01" not in denied


def test_visits_and_the_calendar_file_hold_the_dates_and_nothing_clinical(records, portal_client_for, db):
    dana = portal_client_for(records["dana"]["patient_id"])
    text = _visible(dana.get("/portal/visits").text)
    assert "Thursday 19 February at 10:30 AM" in text and "Follow-up visit at" in text
    assert "Plan check-in: is it working?" in text
    assert "Weekly questionnaire A few questions to answer on the portal, from home. Any day from Thursday 15 January to Saturday 17 January." in text
    assert text.index("Thursday 15 January") < text.index("Thursday 19 February at 10:30 AM")
    response = dana.get("/portal/visits.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert any(s.startswith("Follow-up visit") for s in summaries) and "Plan check-in: is it working?" in summaries
    assert summaries.count("Weekly questionnaire") == 4
    raw = response.content.decode()
    for word in ("radiculopathy", "C5-6", "nerve root", "block", "neck", "arm", "oxycodone", "M54", "64479", "Quillfeather"):
        assert word.lower() not in raw.lower(), word
    with db.session() as session:
        downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "portal.calendar_downloaded")).all()
    assert [e.patient_id for e in downloads] == [records["dana"]["patient_id"]]


def test_work_and_forms_show_the_signed_restriction_and_the_form_status(records, portal_client_for):
    dana = portal_client_for(records["dana"]["patient_id"])
    text = _visible(dana.get("/portal/paperwork").text)
    assert "Light duty" in text and "No lifting over 15 pounds" in text and "No ladder climbing" in text
    assert "A break every 45 minutes to change position" in text
    assert "FMLA certification for Acme Logistics HR" in text and "We received it on 8 Jan 2026." in text
    robin = portal_client_for(records["robin"]["patient_id"])
    assert "Acme Logistics" not in robin.get("/portal/paperwork").text
    _no_jargon(text)


def test_every_portal_page_audits_one_read_of_the_patients_own_record(records, portal_client_for, db):
    dana = portal_client_for(records["dana"]["patient_id"])
    for path in ("/portal", "/portal/plan", "/portal/authorization", "/portal/visits", "/portal/visits.ics", "/portal/paperwork",
                 "/portal/documents"):
        request_id = f"portal-{path.replace('/', '-')}"
        assert dana.get(path, headers={"x-request-id": request_id}).status_code == 200, path
        with db.session() as session:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id, AuditEvent.action == "chart.read")).all()
        assert [r.patient_id for r in rows] == [records["dana"]["patient_id"]], path


def test_a_shared_plan_downloads_fresh_and_another_patients_document_is_refused(records, portal_client_for, client_for, db):
    coordinator = records["coordinator"]
    for who in ("dana", "robin"):
        shared = page_form_post(coordinator, f"/episodes/{records[who]['episode_id']}/portal-documents",
                                {"kind": "plan", "reference": str(records[who]["plan"]["id"])})
        assert shared.status_code == 303, shared.text
    with db.session() as session:
        ids = {row.patient_id: row.id for row in session.scalars(select(PortalSharedDocument))}
        shared_events = session.scalars(select(AuditEvent).where(AuditEvent.action == "portal.document_shared")).all()
    assert len(shared_events) == 2
    dana_doc, robin_doc = ids[records["dana"]["patient_id"]], ids[records["robin"]["patient_id"]]
    dana = portal_client_for(records["dana"]["patient_id"])
    listed = _visible(dana.get("/portal/documents").text)
    assert "Your care plan" in listed and "Download (PDF)" in listed
    download = dana.get(f"/portal/shared-documents/{dana_doc}", headers={"x-request-id": "portal-download"})
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    with db.session() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.request_id == "portal-download", AuditEvent.action == "chart.read")).all()
    assert [r.patient_id for r in reads] == [records["dana"]["patient_id"]]
    refused = dana.get(f"/portal/shared-documents/{robin_doc}")
    assert refused.status_code == 403
    assert "Quillfeather" not in refused.text
    # Staff without PORTAL_INVITE (a therapist) cannot share; stopping the share hides it from the patient.
    therapist = client_for("therapist")
    assert page_form_post(therapist, f"/episodes/{records['dana']['episode_id']}/portal-documents",
                          {"kind": "plan", "reference": str(records["dana"]["plan"]["id"])}).status_code == 403
    with db.session() as session:
        version = session.get(PortalSharedDocument, dana_doc).version
    assert page_form_post(coordinator, f"/shared-documents/{dana_doc}/withdraw", {"version": str(version)}).status_code == 303
    assert "The clinic has not shared any documents with you yet." in _visible(dana.get("/portal/documents").text)
    assert dana.get(f"/portal/shared-documents/{dana_doc}").status_code == 404


def test_the_episode_page_offers_staff_to_share_the_plan(records):
    page = records["coordinator"].get(f"/episodes/{records['dana']['episode_id']}")
    assert page.status_code == 200
    assert "On the patient&#39;s portal" in page.text or "On the patient's portal" in page.text
    assert "Share with the patient" in page.text


def test_staff_cannot_open_the_portal_pages(records):
    assert records["coordinator"].get("/portal").status_code == 403


def test_a_taper_schedule_is_shared_and_downloads_and_a_wrong_reference_is_refused_with_the_reason(records, portal_client_for, db):
    clinician, coordinator = records["clinician"], records["coordinator"]
    episode_id = records["dana"]["episode_id"]
    taper = clinician.post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 18.75, "faster_reason": "agreed four-month plan"})
    assert taper.status_code == 201, taper.text
    page = coordinator.get(f"/episodes/{episode_id}")
    assert "The taper schedule (started" in page.text
    wrong = page_form_post(coordinator, f"/episodes/{episode_id}/portal-documents",
                           {"kind": "plan", "reference": str(records["robin"]["plan"]["id"])})
    assert wrong.status_code == 422 and "This episode has no such plan to share" in wrong.text
    shared = page_form_post(coordinator, f"/episodes/{episode_id}/portal-documents", {"kind": "taper", "reference": str(taper.json()["id"])})
    assert shared.status_code == 303
    dana = portal_client_for(records["dana"]["patient_id"])
    listed = _visible(dana.get("/portal/documents").text)
    assert "Your medicine schedule" in listed
    with db.session() as session:
        doc_id = session.scalars(select(PortalSharedDocument.id).where(PortalSharedDocument.kind == "taper")).one()
    download = dana.get(f"/portal/shared-documents/{doc_id}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert download.headers["content-disposition"] == 'attachment; filename="medicine-schedule.pdf"'


def test_portal_pages_have_no_tables_that_would_scroll_sideways_at_375_px():
    from pathlib import Path

    import painpath.portal

    folder = Path(painpath.portal.__file__).parent / "templates" / "portal"
    for template in folder.glob("*.html"):
        if template.name == "share_panel.html":  # the staff panel on the episode page
            continue
        assert "<table" not in template.read_text(), template.name


def test_front_desk_shares_the_plan_but_not_a_medicine_schedule(records, client_for):
    desk = client_for("front_desk")
    episode_id = records["dana"]["episode_id"]
    taper = records["clinician"].post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 18.75, "faster_reason": "agreed four-month plan"})
    assert taper.status_code == 201, taper.text
    assert page_form_post(desk, f"/episodes/{episode_id}/portal-documents",
                          {"kind": "taper", "reference": str(taper.json()["id"])}).status_code == 403
    assert page_form_post(desk, f"/episodes/{episode_id}/portal-documents",
                          {"kind": "plan", "reference": str(records["dana"]["plan"]["id"])}).status_code == 303


def test_a_revoked_account_reaches_nothing(records, portal_client_for, db):
    from painpath.portal.models import PatientAccount

    dana = portal_client_for(records["dana"]["patient_id"])
    with db.session() as session:
        session.execute(update(PatientAccount).where(PatientAccount.patient_id == records["dana"]["patient_id"])
                        .values(revoked_at=datetime(2026, 1, 8, 15, 0)))
        session.commit()
    for path in ("/portal", "/portal/plan", "/portal/visits.ics", "/portal/documents"):
        response = dana.get(path)
        assert response.status_code in (303, 401, 403), (path, response.status_code)
        assert "Okafor" not in response.text
