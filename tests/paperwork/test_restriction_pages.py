"""J9's work restrictions driven through the pages and the API: the clinician drafts from the chart (the
latest functional measures shown with their dates), a refused form keeps what was typed, the signed
restriction is immutable (an edit or a second signature is refused), the letter is read back from its PDF, the
re-evaluation task comes due before expiry, an extension is refused naming the stale measures and accepted once
newer ones are recorded (which meets the re-evaluation), and a graded return-to-work step's start opens the
coordinator's and the clinician's tasks. Front desk is refused the clinical pages."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.paperwork.models import WorkRestriction
from painpath.worklist.engine import MET, OPEN
from painpath.worklist.models import Task
from support import page_form_post

WEDNESDAY = datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)  # Wed 2 Dec 2026, 10:00 in Chicago
J9 = {"duty_level": "light", "issued_on": "2026-12-02", "valid_until": "2026-12-30", "re_evaluate_on": "2026-12-29",
      "lifting_lb": "15", "break_every_minutes": "45", "avoid": ["ladder_climbing"]}


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(client_for, patient_payload, episode_payload, clock):  # noqa: ANN001, ANN201, ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def _measure(clinician, episode_id: int, on: str, **values) -> None:  # noqa: ANN001, ANN003
    encounter = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": on})
    assert encounter.status_code == 201, encounter.text
    assert clinician.put(f"/api/encounters/{encounter.json()['id']}/measures", json=values).status_code == 200


def _tasks(ctx, episode_id: int) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    with ctx.db.session() as session:
        return {t.key: (t.status, t.owner_role) for t in session.scalars(select(Task).where(Task.episode_id == episode_id,
                                                                                            Task.provider == "work_restrictions"))}


def _reconcile(ctx, episode_id: int) -> None:  # noqa: ANN001
    with ctx.db.session() as session:
        ctx.reconcile(session, [episode_id])
        session.commit()


def _restriction(ctx, restriction_id: int) -> WorkRestriction:  # noqa: ANN001
    with ctx.db.session() as session:
        found = session.get(WorkRestriction, restriction_id)
        session.expunge(found)
        return found


def _post_restriction(client, episode_id: int, form: dict):  # noqa: ANN001, ANN202
    return page_form_post(client, f"/episodes/{episode_id}/work-restrictions", form)


def test_j9_draft_sign_print_re_evaluate_and_extend(ctx, client_for, episode, clock):  # noqa: ANN001
    clinician, coordinator = client_for("clinician"), client_for("coordinator")
    _measure(clinician, episode, "2026-11-20", lifting_limit_lb=15, lifting_side="right")
    _measure(clinician, episode, "2026-12-02", sitting_minutes=45, standing_minutes=60, work_status="modified_duty")

    drafted = clinician.get(f"/episodes/{episode}/work-restrictions/new?from_chart=true")
    assert drafted.status_code == 200
    text = _text(drafted.text)
    assert "sits 45 min on 2 Dec 2026" in text and "lifts 15 lb (the right arm) on 20 Nov 2026" in text
    assert 'name="lifting_lb" type="number" value="15"' in drafted.text
    assert 'name="break_every_minutes" type="number" value="45"' in drafted.text

    refused = _post_restriction(clinician, episode, {**J9, "valid_until": "2026-11-30", "re_evaluate_on": "2026-11-29"})
    assert refused.status_code == 422
    assert "Valid until must be after the issue date" in _text(refused.text)
    assert 'value="2026-11-30"' in refused.text and 'value="ladder_climbing" checked' in refused.text

    created = _post_restriction(clinician, episode, J9)
    assert created.status_code == 303, created.text
    restriction_id = int(created.headers["location"].rsplit("/", 1)[1])
    first = _restriction(ctx, restriction_id)
    assert first.status == "draft" and first.based_on == {"lifting_limit_lb": "2026-11-20"}

    # The draft is edited on its form at the version it was read at; a stale version is refused and keeps what was typed.
    edit_form = clinician.get(f"/work-restrictions/{restriction_id}/edit")
    assert edit_form.status_code == 200 and 'name="lifting_lb" type="number" value="15"' in edit_form.text
    stale_edit = page_form_post(clinician, f"/work-restrictions/{restriction_id}", {**J9, "lifting_lb": "12", "version": str(first.version + 1)})
    assert stale_edit.status_code == 409 and 'value="12"' in stale_edit.text
    edited = page_form_post(clinician, f"/work-restrictions/{restriction_id}", {**J9, "lifting_lb": "12", "version": str(first.version)})
    assert edited.status_code == 303
    assert page_form_post(clinician, f"/work-restrictions/{restriction_id}", {**J9, "version": str(first.version + 1)}).status_code == 303
    first = _restriction(ctx, restriction_id)
    assert first.items[0]["value"] == 15 and first.version == 3
    assert page_form_post(coordinator, f"/work-restrictions/{restriction_id}/sign", {"version": str(first.version)}).status_code == 403
    assert page_form_post(clinician, f"/work-restrictions/{restriction_id}/sign", {"version": str(first.version)}).status_code == 303
    signed = _restriction(ctx, restriction_id)
    assert signed.status == "signed" and signed.signed_by_id is not None

    # Signed is final: an edit and a second signature are refused, and nothing changed.
    edit = clinician.put(f"/api/work-restrictions/{restriction_id}", json={**{k: v for k, v in J9.items() if k != "lifting_lb"},
                                                                              "lifting_lb": 25, "version": signed.version})
    assert edit.status_code == 409 and "signed" in edit.text
    again = page_form_post(clinician, f"/work-restrictions/{restriction_id}/sign", {"version": str(signed.version)})
    assert again.status_code == 409
    assert _restriction(ctx, restriction_id).items == signed.items
    with ctx.db.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "work_restriction")))
    assert {"work_restriction.draft", "work_restriction.sign"} <= set(actions)

    # The coordinator reads and prints the letter.
    page = coordinator.get(f"/work-restrictions/{restriction_id}")
    assert page.status_code == 200 and "Sign the restrictions" not in page.text
    letter = coordinator.get(f"/work-restrictions/{restriction_id}/letter")
    assert letter.headers["content-type"] == "application/pdf"
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages))
    assert "Light duty for four weeks, no lifting over 15 pounds, no ladder climbing, a break every 45 minutes to change position" in pdf
    assert "Valid until 30 December 2026" in pdf and "Re-evaluation 29 December 2026" in pdf
    assert "Signed by" in pdf
    assert client_for("front_desk").get(f"/work-restrictions/{restriction_id}").status_code == 403

    # The re-evaluation: due three business days before the restriction expires (Thu 24 Dec, Fri 25 is Christmas).
    assert _tasks(ctx, episode) == {}
    clock.move_to(datetime(2026, 12, 21, 16, 0, tzinfo=timezone.utc))
    _reconcile(ctx, episode)
    clinician, coordinator = client_for("clinician"), client_for("coordinator")  # signed in again after the weeks passed
    assert _tasks(ctx, episode) == {f"work_restriction:{restriction_id}:re_evaluate": (OPEN, "clinician")}

    # An extension without newer measures is refused, naming each stale measure.
    extension = {**J9, "issued_on": "2026-12-21", "valid_until": "2027-01-18", "re_evaluate_on": "2027-01-13", "sitting_minutes": "45"}
    stale = _post_restriction(clinician, episode, extension)
    assert stale.status_code == 422
    assert "An extension needs measures newer than the last restriction (issued 2 Dec 2026): lifting limit last measured 20 Nov 2026" in _text(stale.text)
    _measure(clinician, episode, "2026-12-21", lifting_limit_lb=20, lifting_side="right", sitting_minutes=60)
    accepted = _post_restriction(clinician, episode, extension)
    assert accepted.status_code == 303, _text(accepted.text)
    second_id = int(accepted.headers["location"].rsplit("/", 1)[1])
    second = _restriction(ctx, second_id)
    assert second.previous_id == restriction_id and second.based_on == {"lifting_limit_lb": "2026-12-21", "sitting_minutes": "2026-12-21"}
    assert clinician.post(f"/api/work-restrictions/{second_id}/sign", json={"version": second.version}).status_code == 200
    assert _tasks(ctx, episode)[f"work_restriction:{restriction_id}:re_evaluate"][0] == MET

    listed = coordinator.get(f"/api/episodes/{episode}/work-restrictions").json()
    assert [r["id"] for r in listed] == [second_id, restriction_id]


def test_a_return_to_work_step_opens_its_tasks_when_it_starts(ctx, client_for, episode, clock):  # noqa: ANN001
    clinician, coordinator = client_for("clinician"), client_for("coordinator")
    refused = page_form_post(clinician, f"/episodes/{episode}/return-to-work-steps", {"starts_on": "2026-12-07", "kind": "graded", "description": ""})
    assert refused.status_code == 422 and "What the step is" in _text(refused.text)
    added = page_form_post(clinician, f"/episodes/{episode}/return-to-work-steps",
                           {"starts_on": "2026-12-07", "kind": "graded", "description": "three 8-hour shifts a week, no lifting over 15 lb",
                            "hours_per_week": "24"})
    assert added.status_code == 303
    full = clinician.post(f"/api/episodes/{episode}/return-to-work-steps",
                          json={"starts_on": "2027-01-04", "kind": "full_duty", "description": "full duty, no limits"})
    assert full.status_code == 201
    assert _tasks(ctx, episode) == {}

    panel = _text(coordinator.get(f"/episodes/{episode}").text)
    assert "From 7 Dec 2026: Graded step, three 8-hour shifts a week, no lifting over 15 lb (24 hours a week)" in panel

    clock.move_to(datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc))
    _reconcile(ctx, episode)
    clinician, coordinator = client_for("clinician"), client_for("coordinator")  # signed in again after the days passed
    step_id = coordinator.get(f"/api/episodes/{episode}/return-to-work-steps").json()[0]["id"]
    assert _tasks(ctx, episode) == {f"return_to_work_step:{step_id}:confirm_employer": (OPEN, "coordinator"),
                                    f"return_to_work_step:{step_id}:clinician_check": (OPEN, "clinician")}
    # The coordinator confirms with the employer; only a clinician records the check.
    version = coordinator.get(f"/api/episodes/{episode}/return-to-work-steps").json()[0]["version"]
    assert page_form_post(coordinator, f"/return-to-work-steps/{step_id}/record",
                          {"what": "clinician_checked", "on": "2026-12-07", "version": str(version)}).status_code == 403
    assert page_form_post(coordinator, f"/return-to-work-steps/{step_id}/record",
                          {"what": "employer_confirmed", "on": "2026-12-07", "version": str(version)}).status_code == 303
    stale = page_form_post(clinician, f"/return-to-work-steps/{step_id}/record",
                           {"what": "clinician_checked", "on": "2026-12-07", "version": str(version)})
    assert stale.status_code == 409
    assert _tasks(ctx, episode)[f"return_to_work_step:{step_id}:confirm_employer"][0] == MET

