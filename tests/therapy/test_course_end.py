"""Ending a PT course from the episode page: the therapist discharges the patient (completed) or the course stops
early (cancelled). The course then owes nothing: its open PT tasks close at once, the page shows how and why it
ended instead of its forms, the timeline and audit log keep it. Bad input names the field and rule and changes
nothing; a stale form, a second ending and a role without note writing are refused."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from sqlalchemy import select

from course_setup import NOW, start_course
from painpath.core.audit import AuditEvent
from painpath.therapy.models import PtCourse
from painpath.worklist.models import Task

BACK = {"problem_summary": "Low back pain after lifting at work", "body_region": "lumbar", "laterality": "bilateral",
        "onset_date": "2026-09-01", "icd10_codes": ["M54.50"]}
REASON = "Goals met at visit 6: sits 45 minutes, lifts 20 lb; home exercise program from here."


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(client_for, patient_payload, staff, db) -> PtCourse:
    """A course started 16 Nov whose authorization window ends 10 Dec: its expiry warning is open on 30 Nov."""
    return start_course(client_for, patient_payload, staff, db, episode=BACK, window_to="2026-12-10")


def _form(course: PtCourse, **changes: str) -> dict:
    return {"outcome": "completed", "ended_on": "2026-11-30", "reason": REASON, "version": str(course.version), **changes}


def _therapy_tasks(db, episode_id: int, status: str) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.episode_id == episode_id, Task.provider == "therapy", Task.status == status)))


def _words(page_text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page_text)))


def test_the_therapist_discharges_the_patient_and_the_course_owes_nothing_more(client_for, course, db, staff):
    assert [t.kind for t in _therapy_tasks(db, course.episode_id, "open")] == ["pt_authorization_expiry"]
    therapist = client_for("therapist")
    assert f'action="/pt-courses/{course.id}/end"' in therapist.get(f"/episodes/{course.episode_id}").text

    done = therapist.post(f"/pt-courses/{course.id}/end", data=_form(course), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/episodes/{course.episode_id}#pt-course-{course.id}"

    with db.session() as session:
        ended = session.get(PtCourse, course.id)
        assert (ended.status, str(ended.ended_on), ended.end_reason, ended.ended_by_id) == (
            "completed", "2026-11-30", REASON, staff["therapist"].id)
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "pt_course.completed")).one()
        assert (audit.actor_user_id, audit.object_id, audit.detail) == (staff["therapist"].id, str(course.id), {"ended_on": "2026-11-30"})
    assert _therapy_tasks(db, course.episode_id, "open") == []
    assert [t.kind for t in _therapy_tasks(db, course.episode_id, "cancelled")] == ["pt_authorization_expiry"]

    page = therapist.get(f"/episodes/{course.episode_id}")
    assert f"Discharged from PT on Mon 30 Nov ({staff['therapist'].display_name}): {REASON}" in _words(page.text)
    assert f'action="/pt-courses/{course.id}/end"' not in page.text  # nothing left to end, report or switch
    assert f'action="/pt-courses/{course.id}/protocol"' not in client_for("clinician").get(f"/episodes/{course.episode_id}").text
    timeline = therapist.get(f"/api/episodes/{course.episode_id}/timeline").json()
    assert any(e["kind"] == "pt_course.completed" and REASON in e["summary"] for e in timeline)


def test_a_course_stopped_early_says_so_on_the_api(client_for, course):
    answer = client_for("clinician").post(f"/api/pt-courses/{course.id}/end", json={
        **_form(course, outcome="cancelled", reason="Stopped coming after visit 3; moved out of state."), "version": course.version})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["ended_on"], body["obligations"]) == ("cancelled", "2026-11-30", [])
    page = client_for("clinician").get(f"/episodes/{course.episode_id}")
    assert "Stopped early on Mon 30 Nov" in _words(page.text)


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"ended_on": "2026-11-13"}, "ended_on", "after_course_start"),
    ({"ended_on": "2026-12-09"}, "ended_on", "plausible_date"),  # a course cannot be ended ahead of time
    ({"reason": "done"}, "reason", "string_too_short"),
    ({"outcome": "paused"}, "outcome", "literal_error"),
])
def test_a_bad_ending_names_the_field_and_rule_and_changes_nothing(client_for, course, db, changes, field, rule):
    answer = client_for("therapist").post(f"/pt-courses/{course.id}/end", data=_form(course, **changes))
    assert answer.status_code == 422, answer.text
    assert 'id="pt-end-errors-' in answer.text  # the form comes back open with what was typed and why
    answer = client_for("therapist").post(f"/api/pt-courses/{course.id}/end", json={**_form(course, **changes), "version": course.version})
    assert {(p["field"], p["rule"]) for p in answer.json()["errors"]} == {(field, rule)}
    with db.session() as session:
        kept = session.get(PtCourse, course.id)
        assert (kept.status, kept.ended_on, kept.end_reason) == ("active", None, None)
    assert len(_therapy_tasks(db, course.episode_id, "open")) == 1


def test_a_stale_form_a_second_ending_and_roles_without_note_writing_are_refused(client_for, course, db):
    therapist = client_for("therapist")
    assert therapist.post(f"/pt-courses/{course.id}/end", data=_form(course, version=str(course.version + 1))).status_code == 409
    for role in ("coordinator", "front_desk", "billing"):
        assert client_for(role).post(f"/pt-courses/{course.id}/end", data=_form(course)).status_code == 403
    with db.session() as session:
        assert session.get(PtCourse, course.id).status == "active"
    assert therapist.post(f"/pt-courses/{course.id}/end", data=_form(course), follow_redirects=False).status_code == 303
    with db.session() as session:
        version = session.get(PtCourse, course.id).version
    again = therapist.post(f"/api/pt-courses/{course.id}/end", json={**_form(course), "version": version})
    assert again.status_code == 409
    assert {(p["field"], p["rule"]) for p in again.json()["errors"]} == {("outcome", "active_course")}
