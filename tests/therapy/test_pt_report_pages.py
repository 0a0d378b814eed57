"""PT progress reports, plan-of-care certifications, the extension request citing its progress report (or
giving a reason) and sending the PT prescription, all from the PT panel's forms: a refused form names the
field in plain words and keeps what was typed (422), a stale version is 409, only a clinician certifies,
and each change is audited."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from authorization_setup import frozen_clock, new_episode
from painpath.core.audit import AuditEvent
from painpath.therapy.models import PlanOfCareCertification, ProgressReport, PtAuthorization, PtCourse
from support import page_form_post as post_form
from support import page_section, page_text

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Monday 16 Nov, 10:00 in Chicago
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
STENOSIS = {"problem_summary": "Neurogenic claudication, worse walking downhill", "body_region": "lumbar", "laterality": "bilateral",
            "onset_date": "2026-05-01", "icd10_codes": ["M48.062"]}


clock = frozen_clock(NOW)


@pytest.fixture
def course(clock, client_for, staff, patient_payload, db) -> PtCourse:
    coordinator = client_for("coordinator")
    episode_id = new_episode(coordinator, patient_payload, STENOSIS, COVERAGE)
    started = coordinator.post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stenosis_flexion", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-11-02"})
    assert started.status_code == 201, started.text
    assert coordinator.post(f"/api/pt-courses/{started.json()['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-02", "window_to": "2026-12-31"}).status_code == 201
    with db.session() as session:
        return session.scalars(select(PtCourse)).one()


def _panel(client, episode_id: int) -> str:  # noqa: ANN001
    return page_section(client.get(f"/episodes/{episode_id}").text, "physical-therapy")


def _rows(db, model) -> list:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(model)))


def test_a_progress_report_is_recorded_from_the_panel_and_a_refused_one_keeps_its_text(client_for, course, db):
    therapist = client_for("therapist")
    refused = post_form(therapist, f"/pt-courses/{course.id}/progress-reports", {"written_on": "2026-11-20", "summary": "Walks 20 minutes"})
    assert refused.status_code == 422
    panel = page_section(refused.text, "physical-therapy")
    assert "The progress report was not saved" in panel and "future" in panel and "Walks 20 minutes" in panel
    assert _rows(db, ProgressReport) == []

    saved = post_form(therapist, f"/pt-courses/{course.id}/progress-reports", {"written_on": "2026-11-13", "summary": "Walks 20 minutes"})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#pt-course-{course.id}")
    assert "Walks 20 minutes" in page_text(_panel(therapist, course.episode_id))
    assert post_form(client_for("front_desk"), f"/pt-courses/{course.id}/progress-reports",
                     {"written_on": "2026-11-13", "summary": "x"}).status_code == 403
    assert len(_rows(db, ProgressReport)) == 1


def test_only_a_clinician_certifies_the_plan_of_care(client_for, course, db):
    assert post_form(client_for("therapist"), f"/pt-courses/{course.id}/certifications", {"certified_on": "2026-11-16"}).status_code == 403
    clinician = client_for("clinician")
    empty = post_form(clinician, f"/pt-courses/{course.id}/certifications", {"certified_on": ""})
    assert empty.status_code == 422 and "The certification was not recorded" in page_section(empty.text, "physical-therapy")
    assert post_form(clinician, f"/pt-courses/{course.id}/certifications", {"certified_on": "2026-11-16"}).status_code == 303
    assert [c.certified_on.isoformat() for c in _rows(db, PlanOfCareCertification)] == ["2026-11-16"]
    assert "Certified on Mon 16 Nov" in page_text(_panel(clinician, course.episode_id))


def test_an_extension_request_cites_a_progress_report_of_the_course(client_for, course, db):
    therapist, coordinator = client_for("therapist"), client_for("coordinator")
    assert post_form(therapist, f"/pt-courses/{course.id}/progress-reports", {"written_on": "2026-11-13", "summary": "Walks 20 minutes"}).status_code == 303
    (report,) = _rows(db, ProgressReport)
    (authorization,) = _rows(db, PtAuthorization)
    panel = _panel(coordinator, course.episode_id)
    assert re.search(rf'<option value="{report.id}"[^>]*>[^<]*Walks 20 minutes', panel)

    url = f"/pt-authorizations/{authorization.id}/extension-request"
    neither = post_form(coordinator, url, {"version": str(authorization.version)})
    assert neither.status_code == 422
    assert "Reason there is no progress report : Choose the progress report sent with the request" in page_text(page_section(neither.text, "physical-therapy"))
    wrong = post_form(coordinator, url, {"version": str(authorization.version), "progress_report_id": str(report.id + 1000)})
    assert wrong.status_code == 422 and "written for this PT course" in page_section(wrong.text, "physical-therapy")
    stale = post_form(coordinator, url, {"version": str(authorization.version + 1), "progress_report_id": str(report.id)})
    assert stale.status_code == 409
    assert _rows(db, PtAuthorization)[0].extension_requested_at is None

    sent = post_form(coordinator, url, {"version": str(authorization.version), "progress_report_id": str(report.id)})
    assert sent.status_code == 303
    (authorization,) = _rows(db, PtAuthorization)
    assert (authorization.extension_progress_report_id, authorization.extension_reason) == (report.id, None)
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "pt_authorization.extension_requested")).one()
        assert event.detail["progress_report_id"] == report.id


def test_the_prescription_is_sent_from_the_panel_with_a_pdf_link(client_for, course, db):
    coordinator = client_for("coordinator")
    panel = _panel(coordinator, course.episode_id)
    assert f'href="/api/pt-courses/{course.id}/prescription.pdf"' in panel and "Not sent yet" in page_text(panel)
    assert coordinator.get(f"/api/pt-courses/{course.id}/prescription.pdf").content.startswith(b"%PDF")
    bad = post_form(coordinator, f"/pt-courses/{course.id}/prescription/send", {"transport": "pigeon"})
    assert bad.status_code == 422 and "The prescription was not sent" in page_section(bad.text, "physical-therapy")
    assert post_form(coordinator, f"/pt-courses/{course.id}/prescription/send", {"transport": "print"}).status_code == 303
    with db.session() as session:
        assert session.get(PtCourse, course.id).prescription_sent_at is not None
    assert "Sent Mon 16 Nov" in page_text(_panel(coordinator, course.episode_id))
