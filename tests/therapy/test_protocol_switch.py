"""A PT course switched to another protocol when the plan pivots (journey J3: lumbar work becomes hip work),
through the episode page's form and the JSON API: the course keeps its therapist and authorization, takes
the new protocol's goals, shows the switch with its reason, owes the prescription again, and is audited;
bad input names the field and rule and changes nothing; a stale form is refused with 409."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from sqlalchemy import func, select

from course_setup import NOW, start_course
from painpath.core.audit import AuditEvent
from painpath.therapy.models import PtAuthorization, PtCourse, PtProtocolChange

HIP = {"problem_summary": "Right buttock and groin pain, thought lumbar at first", "body_region": "lumbar", "laterality": "right",
       "onset_date": "2026-09-01", "icd10_codes": ["M54.16"]}
REASON = "Re-exam: positive FADIR, limited internal rotation; the plan pivoted from lumbar to the hip."


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(client_for, patient_payload, staff, db) -> PtCourse:
    return start_course(client_for, patient_payload, staff, db, episode=HIP, window_to="2027-01-15")


def _switch_form(course: PtCourse, **changes: str) -> dict:
    return {"protocol_id": "hip_labral_tear", "changed_on": "2026-11-30", "reason": REASON, "version": str(course.version), **changes}


def _count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_course_switches_to_the_hip_protocol_and_keeps_its_authorization(client_for, course, db, ctx):
    clinician = client_for("clinician")
    done = clinician.post(f"/pt-courses/{course.id}/protocol", data=_switch_form(course), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/episodes/{course.episode_id}#pt-course-{course.id}"

    with db.session() as session:
        switched = session.get(PtCourse, course.id)
        change = session.scalars(select(PtProtocolChange)).one()
        authorizations = session.scalars(select(PtAuthorization).where(PtAuthorization.course_id == course.id)).all()
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "pt_course.protocol_switched")).one()
        assert (switched.protocol_id, switched.therapist_id, switched.status) == ("hip_labral_tear", course.therapist_id, "active")
        assert switched.goals == "\n".join(ctx.knowledge.pt_protocols["hip_labral_tear"].goals)
        assert switched.prescription_sent_at is None
        assert (change.from_protocol_id, change.to_protocol_id, change.reason) == ("lumbar_stabilization", "hip_labral_tear", REASON)
        assert len(authorizations) == 1  # the visits the payer approved carry on
        assert audit.detail["from"] == "lumbar_stabilization" and audit.object_id == str(course.id)

    page = clinician.get(f"/episodes/{course.episode_id}")
    panel = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))
    hip_name = ctx.knowledge.pt_protocols["hip_labral_tear"].name
    assert "Protocol switched on" in panel and f"to {hip_name}: {REASON}" in panel
    timeline = clinician.get(f"/api/episodes/{course.episode_id}/timeline").json()
    assert any(e["kind"] == "pt_course.protocol_switched" for e in timeline)


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"protocol_id": "lumbar_stabilization"}, "protocol_id", "different_protocol"),
    ({"protocol_id": "no_such_protocol"}, "protocol_id", "known_protocol"),
    ({"changed_on": "2026-11-02"}, "changed_on", "after_course_start"),
    ({"reason": ""}, "reason", "string_too_short"),
])
def test_a_bad_switch_names_the_field_and_rule_and_changes_nothing(client_for, course, db, changes, field, rule):
    answer = client_for("clinician").post(f"/api/pt-courses/{course.id}/protocol", json={
        **_switch_form(course, **changes), "version": course.version})
    assert answer.status_code == 422, answer.text
    assert {(p["field"], p["rule"]) for p in answer.json()["errors"]} == {(field, rule)}
    assert _count(db, PtProtocolChange) == 0
    with db.session() as session:
        assert session.get(PtCourse, course.id).protocol_id == "lumbar_stabilization"


def test_a_stale_form_is_refused_and_a_therapist_or_front_desk_cannot_switch(client_for, course, db):
    stale = client_for("clinician").post(f"/pt-courses/{course.id}/protocol", data=_switch_form(course, version=str(course.version + 1)))
    assert stale.status_code == 409
    for role in ("therapist", "front_desk"):
        assert client_for(role).post(f"/pt-courses/{course.id}/protocol", data=_switch_form(course)).status_code == 403
    assert _count(db, PtProtocolChange) == 0
