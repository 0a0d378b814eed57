"""The physical therapy panel on the episode page, through its HTML forms: a course started from a protocol,
an authorization recorded, and the visits bar counted from the recorded PT visit notes (3 notes -> "3 of 8
visits used"), never typed; the extension request and the payer's answer; refused forms shown again with
the problem next to its field and nothing saved; roles without the permission refused.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.therapy.models import PtAuthorization, PtCourse

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Monday 16 Nov, 10:00 in Chicago
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
STENOSIS = {"problem_summary": "Neurogenic claudication, worse walking downhill", "body_region": "lumbar", "laterality": "bilateral",
            "onset_date": "2026-05-01", "icd10_codes": ["M48.062"]}
AUTHORIZATION = {"visits_approved": "8", "window_from": "2026-11-02", "window_to": "2026-12-31", "authorization_number": "A-77"}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE).status_code == 201
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=STENOSIS).json()["id"]


def _course_form(staff, **changes: str) -> dict:  # noqa: ANN001
    return {"protocol_id": "lumbar_stenosis_flexion", "therapist_id": str(staff["therapist"].id), "practice_name": "Lakeside Physical Therapy",
            "practice_kind": "partner", "practice_fax": "(555) 010-0199", "frequency_per_week": "", "duration_weeks": "",
            "start_date": "2026-11-02", "goals": "", **changes}


def _section(page, ident: str) -> str:  # noqa: ANN001
    start = page.text.index(f'id="{ident}"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text[start:page.text.index("</section>", start)])))


def _field_errors(page, fid: str) -> list[str]:  # noqa: ANN001
    return [html.unescape(m) for m in re.findall(rf'id="{re.escape(fid)}-error\d+">([^<]+)<', page.text)]


def _count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _one(db, model):  # noqa: ANN001, ANN202
    with db.session() as session:
        row = session.scalars(select(model).order_by(model.id.desc())).first()
        session.expunge(row)
        return row


def _start(client_for, staff, episode_id: int) -> PtCourse:  # noqa: ANN001
    made = client_for("clinician").post(f"/episodes/{episode_id}/pt-courses", data=_course_form(staff), follow_redirects=False)
    assert made.status_code == 303, made.text
    assert re.fullmatch(rf"/episodes/{episode_id}#pt-course-\d+", made.headers["location"])
    return made


def test_the_visits_bar_counts_the_recorded_pt_visit_notes(client_for, staff, episode_id, db):
    _start(client_for, staff, episode_id)
    course = _one(db, PtCourse)
    assert (course.frequency_per_week, course.duration_weeks) == (2, 6)  # the protocol's, as the fields were left empty
    coordinator = client_for("coordinator")
    recorded = coordinator.post(f"/pt-courses/{course.id}/authorizations", data=AUTHORIZATION, follow_redirects=False)
    assert recorded.status_code == 303
    authorization = _one(db, PtAuthorization)

    page = coordinator.get(f"/episodes/{episode_id}")
    panel = _section(page, "physical-therapy")
    assert "Flexion-bias programme for lumbar spinal stenosis" in panel
    assert "Lakeside Physical Therapy (partner practice); 2 visits a week for 6 weeks from Mon 2 Nov" in panel
    assert "0 of 8 visits used" in panel and "8 left" in panel

    # Three PT visit notes and a provider follow-up note: only the PT visits count.
    therapist = client_for("therapist")
    for day, kind in (("2026-11-02", "pt_visit"), ("2026-11-05", "pt_visit"), ("2026-11-09", "pt_visit"), ("2026-11-10", "follow_up")):
        assert therapist.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": kind, "date_of_service": day}).status_code == 201
    page = coordinator.get(f"/episodes/{episode_id}")
    panel = _section(page, "physical-therapy")
    assert "3 of 8 visits used" in panel and "5 left" in panel
    bar = re.search(rf'<progress id="pt-progress-{authorization.id}"[^>]*>', page.text).group(0)
    assert 'max="8"' in bar and 'value="3"' in bar
    assert f'<label for="pt-progress-{authorization.id}" class="pt-bar-label">3 of 8 visits used</label>' in page.text
    assert "Next visit: Mon 16 Nov (visit 4 of 8 authorized)" in panel
    assert "3 of 12 planned visits recorded" in panel
    # 12 planned visits, 8 approved: the progress note is due before visit 7, and visit 9 is unauthorized without an extension.
    assert "Progress note due before visit 7 of 8" in panel
    assert "Without an extension, visit 9 on" in panel and "is unauthorized" in panel
    # The therapist on the course reads the same bar.
    assert "3 of 8 visits used" in _section(therapist.get(f"/episodes/{episode_id}"), "physical-therapy")


def test_extension_request_and_answer_through_the_forms(client_for, staff, episode_id, db):
    _start(client_for, staff, episode_id)
    course = _one(db, PtCourse)
    coordinator = client_for("coordinator")
    assert coordinator.post(f"/pt-courses/{course.id}/authorizations", data=AUTHORIZATION, follow_redirects=False).status_code == 303
    authorization = _one(db, PtAuthorization)

    stale = coordinator.post(f"/pt-authorizations/{authorization.id}/extension-request", data={"version": str(authorization.version + 1)})
    assert stale.status_code == 409 and "changed by someone else" in _section(stale, "physical-therapy")
    assert _one(db, PtAuthorization).extension_requested_at is None

    no_reason = coordinator.post(f"/pt-authorizations/{authorization.id}/extension-request", data={"version": str(authorization.version)})
    assert no_reason.status_code == 422 and "Reason there is no progress report" in _section(no_reason, "physical-therapy")
    sent = coordinator.post(f"/pt-authorizations/{authorization.id}/extension-request",
                            data={"version": str(authorization.version), "reason": "the report is on the way by fax"}, follow_redirects=False)
    assert sent.status_code == 303
    authorization = _one(db, PtAuthorization)
    assert authorization.extension_requested_at is not None
    panel = _section(coordinator.get(f"/episodes/{episode_id}"), "physical-therapy")
    assert "Extension requested on Mon 16 Nov; no answer yet" in panel

    incomplete = coordinator.post(f"/pt-authorizations/{authorization.id}/extension-answer",
                                  data={"version": str(authorization.version), "outcome": "approved"})
    assert incomplete.status_code == 422
    assert _field_errors(incomplete, f"f-pt-ext-visits-{authorization.id}") == ["An approval needs the visits approved and the window's end"]
    assert _count(db, PtAuthorization) == 1 and _one(db, PtAuthorization).extension_answered_at is None

    answered = coordinator.post(f"/pt-authorizations/{authorization.id}/extension-answer", follow_redirects=False, data={
        "version": str(authorization.version), "outcome": "partial", "visits_approved": "4", "window_to": "2027-01-31"})
    assert answered.status_code == 303
    assert _count(db, PtAuthorization) == 2
    panel = _section(coordinator.get(f"/episodes/{episode_id}"), "physical-therapy")
    assert "the payer answered Partly approved on Mon 16 Nov" in panel and "0 of 4 visits used" in panel


def test_refused_course_and_authorization_forms_keep_the_values_and_save_nothing(client_for, staff, episode_id, db):
    clinician = client_for("clinician")
    refused = clinician.post(f"/episodes/{episode_id}/pt-courses", data=_course_form(staff, practice_fax="", practice_name="Riverside PT"))
    assert refused.status_code == 422 and "The PT course was not started" in refused.text
    assert _field_errors(refused, "f-pt-fax") == ["A partner practice needs a fax number for the prescription"]
    assert 'value="Riverside PT"' in refused.text
    no_protocol = clinician.post(f"/episodes/{episode_id}/pt-courses", data=_course_form(staff, protocol_id=""))
    assert no_protocol.status_code == 422 and _field_errors(no_protocol, "f-pt-protocol") == ["This is required"]
    assert _count(db, PtCourse) == 0

    _start(client_for, staff, episode_id)
    course = _one(db, PtCourse)
    backwards = client_for("billing").post(f"/pt-courses/{course.id}/authorizations",
                                           data={**AUTHORIZATION, "window_from": "2026-12-02", "window_to": "2026-11-30"})
    assert backwards.status_code == 422 and "The authorization was not recorded" in backwards.text
    assert _field_errors(backwards, f"f-pt-to-{course.id}") == ["The authorization window cannot end before it starts"]
    assert _count(db, PtAuthorization) == 0


@pytest.mark.parametrize("role", ["therapist", "billing", "front_desk"])
def test_only_clinical_and_coordinating_staff_start_a_course_from_the_page(client_for, staff, episode_id, db, role):
    assert client_for(role).post(f"/episodes/{episode_id}/pt-courses", data=_course_form(staff)).status_code == 403
    assert _count(db, PtCourse) == 0


@pytest.mark.parametrize("role", ["therapist", "nurse"])
def test_roles_without_authorization_work_cannot_record_authorizations_or_extensions(client_for, staff, episode_id, db, role):
    _start(client_for, staff, episode_id)
    course = _one(db, PtCourse)
    assert client_for(role).post(f"/pt-courses/{course.id}/authorizations", data=AUTHORIZATION).status_code == 403
    assert _count(db, PtAuthorization) == 0
    assert client_for("coordinator").post(f"/pt-courses/{course.id}/authorizations", data=AUTHORIZATION,
                                          follow_redirects=False).status_code == 303
    authorization = _one(db, PtAuthorization)
    assert client_for(role).post(f"/pt-authorizations/{authorization.id}/extension-request",
                                 data={"version": str(authorization.version)}).status_code == 403
    assert _one(db, PtAuthorization).extension_requested_at is None
