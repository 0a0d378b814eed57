"""The visit-note screen: the episode's "Visit notes" panel, the one-form note (narrative, measures
pre-filled by carry-forward, exam) saved in one transaction, signing, read-only signed notes, addenda.

Forms are posted the way a browser posts them: the values are read from the rendered form (inputs,
checked radios and boxes, selected options) and the CSRF token from its hidden field, not the API header.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.charting.models import Encounter, ExamFindings, FunctionalGoal, FunctionalMeasure
from painpath.core.audit import AuditEvent
from support import read_form

# Monday 7 Dec 2026, 09:00 in Chicago.
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
MEASURES = {
    "sitting_minutes": "20", "standing_minutes": "15", "walking_minutes": "10", "sleep_hours": "5.5", "sleep_awakenings": "3",
    "lifting_limit_lb": "20", "lifting_side": "right", "work_status": "off_work", "adl_limits.dressing": "on", "adl_limits.driving": "on",
    "pain_now": "7", "pain_average": "6", "pain_worst": "9",
    "goals.0.text": "Walk the dog around the block", "goals.0.target.measure": "walking_minutes", "goals.0.target.target": "30",
    "goals.1.text": "Back to work",
}
EXAM = {
    "straight_leg_raise.right.result": "positive", "straight_leg_raise.right.angle_degrees": "45",
    "facet_loading.left": "positive", "facet_loading.right": "positive", "fadir.left": "negative",
    "hip_internal_rotation_degrees.left": "35", "hip_internal_rotation_degrees.right": "30",
    "si_tests.distraction": "positive", "si_tests.thigh_thrust": "positive", "si_tests.sacral_thrust": "positive", "si_tests.compression": "negative",
    "motor_deficits.0.level": "l5", "motor_deficits.0.side": "right", "motor_deficits.0.grade": "4",
    "sensory_deficits.0.dermatome": "L5", "sensory_deficits.0.side": "right", "sensory_deficits.0.finding": "diminished",
    "reflexes.patellar.left": "2", "reflexes.achilles.right": "1",
    "diagnosis_codes": "M47.816, M54.16", "reasoning": "Extension-based pain with facet loading",
}


def browser(client: TestClient) -> TestClient:
    """Posts must carry the form's own csrf_token field, as a browser's do."""
    client.headers.pop("x-csrf-token", None)
    return client


# Fixtures and helpers -------------------------------------------------------------------------------

@pytest.fixture
def traveller():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episode_id(traveller, client_for, patient_payload, episode_payload) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


@pytest.fixture
def clinician(client_for) -> TestClient:
    return browser(client_for("clinician"))


def start_note(client: TestClient, episode_id: int, encounter_type: str | None = None, on: str | None = None) -> int:
    """Start a note from the episode page's panel, with its defaults unless told otherwise."""
    values, _attrs = read_form(client.get(f"/episodes/{episode_id}").text, "new-note")
    values.update({k: v for k, v in {"encounter_type": encounter_type, "date_of_service": on}.items() if v})
    started = client.post(f"/episodes/{episode_id}/encounters", data=values, follow_redirects=False)
    assert started.status_code == 303, started.text
    found = re.fullmatch(r"/encounters/(\d+)", started.headers["location"])
    assert found
    return int(found.group(1))


def note_form(client: TestClient, note_id: int) -> dict[str, str]:
    page = client.get(f"/encounters/{note_id}")
    assert page.status_code == 200
    return read_form(page.text, "note-form")[0]


def save(client: TestClient, note_id: int, **changes: str):  # noqa: ANN201
    values = {**note_form(client, note_id), **changes}
    return client.post(f"/encounters/{note_id}", data=values, follow_redirects=False)


def snapshot(db, note_id: int) -> dict:
    """Everything the note screen can change, straight from the tables."""
    with db.session() as session:
        note = session.get(Encounter, note_id)
        measures = sorted((m.measure, m.value_number, m.value_code, tuple(m.value_list or ()), m.side)
                          for m in session.scalars(select(FunctionalMeasure).where(FunctionalMeasure.encounter_id == note_id)))
        goals = sorted((g.text, g.target_measure, g.target_value) for g in session.scalars(select(FunctionalGoal).where(FunctionalGoal.encounter_id == note_id)))
        exam = session.scalar(select(ExamFindings).where(ExamFindings.encounter_id == note_id))
        return {
            "note": (note.narrative, note.encounter_type, note.date_of_service, note.status, note.version),
            "measures": measures, "goals": goals,
            "exam": None if exam is None else (exam.findings, exam.diagnosis_codes, exam.reasoning),
        }


def field_errors(html: str, input_id: str) -> list[str]:
    """The messages rendered next to one input (ids "<input id>-error1", ...)."""
    return [unescape(m) for m in re.findall(rf'id="{re.escape(input_id)}-error\d+">([^<]*)<', html)]


# The episode panel ----------------------------------------------------------------------------------

def test_the_panel_lists_the_notes_and_starts_a_new_one(episode_id, clinician, db, staff):
    page = clinician.get(f"/episodes/{episode_id}")
    assert "Visit notes" in page.text and "No visit notes for this episode yet" in page.text
    values, attrs = read_form(page.text, "new-note")
    assert values["encounter_type"] == "initial"  # the episode's first note
    assert values["date_of_service"] == "2026-12-07"  # today on the clinic's clock
    assert attrs["date_of_service"]["type"] == "date"

    note_id = start_note(clinician, episode_id)
    with db.session() as session:
        note = session.get(Encounter, note_id)
        assert (note.episode_id, note.encounter_type, note.date_of_service, note.author_id, note.status) == (
            episode_id, "initial", date(2026, 12, 7), staff["clinician"].id, "unsigned")

    page = clinician.get(f"/episodes/{episode_id}").text
    row = re.search(rf'<tr id="note-{note_id}">(.*?)</tr>', page, re.S)
    assert row, "the note is not listed"
    cells = re.sub(r"<[^>]+>", " ", row.group(1)).split()
    assert " ".join(cells) == "Mon 07 Dec 2026 Initial visit Clinician User Unsigned 0"
    assert f'href="/encounters/{note_id}"' in row.group(1)
    assert read_form(page, "new-note")[0]["encounter_type"] == "follow_up"  # the episode has a note now


def test_a_refused_new_note_names_its_field_and_saves_nothing(episode_id, clinician, db):
    values, _attrs = read_form(clinician.get(f"/episodes/{episode_id}").text, "new-note")
    refused = clinician.post(f"/episodes/{episode_id}/encounters", data={**values, "date_of_service": "2026-12-09"})
    assert refused.status_code == 422
    assert field_errors(refused.text, "f-new-date_of_service") == ["Date of service cannot be in the future"]
    assert 'value="2026-12-09"' in refused.text  # the typed value is kept
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Encounter)) == 0


# The note form ----------------------------------------------------------------------------------------

def test_the_form_is_labelled_bounded_and_focuses_the_narrative(episode_id, clinician):
    note_id = start_note(clinician, episode_id)
    html = clinician.get(f"/encounters/{note_id}").text
    values, attrs = read_form(html, "note-form")
    assert "autofocus" in attrs["narrative"]
    assert [n for n, a in attrs.items() if "autofocus" in a] == ["narrative"]
    assert (attrs["sitting_minutes"]["min"], attrs["sitting_minutes"]["max"], attrs["sitting_minutes"]["step"]) == ("0", "1440", "1")
    assert attrs["sitting_minutes"]["inputmode"] == "numeric" and attrs["sitting_minutes"]["type"] == "number"
    assert (attrs["lifting_limit_lb"]["max"], attrs["pain_now"]["max"], attrs["sleep_hours"]["step"]) == ("300", "10", "any")
    assert attrs["straight_leg_raise.left.angle_degrees"]["max"] == "90"
    assert attrs["motor_deficits.0.grade"]["max"] == "5"
    # Every test starts "not tested".
    assert values["straight_leg_raise.left.result"] == "not_tested" and values["si_tests.gaenslen"] == "not_tested"
    assert values["fadir.right"] == "not_tested"
    # Every visible control has a label naming it.
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*\bname="(?!csrf_token|version)', html)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    radios = set(re.findall(r'<input[^>]*type="radio"[^>]*id="([^"]+)"', html)) | set(re.findall(r'<input[^>]*id="([^"]+)"[^>]*type="radio"', html))
    assert ids and [i for i in ids if i not in labelled and i not in radios] == []
    assert re.search(r'<script src="/static/js/visit-note.js"', html)


def test_one_save_records_note_measures_and_exam(episode_id, clinician, db, staff):
    note_id = start_note(clinician, episode_id)
    saved = save(clinician, note_id, narrative="Axial low back pain, worse on extension.", **MEASURES, **EXAM)
    assert saved.status_code == 303 and saved.headers["location"] == f"/encounters/{note_id}?saved=1"
    state = snapshot(db, note_id)
    assert state["note"] == ("Axial low back pain, worse on extension.", "initial", date(2026, 12, 7), "unsigned", 2)
    assert dict((m[0], m[1] if m[1] is not None else (m[2] or m[3])) for m in state["measures"]) == {
        "sitting_minutes": 20, "standing_minutes": 15, "walking_minutes": 10, "sleep_hours": 5.5, "sleep_awakenings": 3,
        "lifting_limit_lb": 20, "pain_now": 7, "pain_average": 6, "pain_worst": 9, "work_status": "off_work",
        "adl_limits": ("dressing", "driving")}
    assert ("lifting_limit_lb", 20.0, None, (), "right") in state["measures"]
    assert state["goals"] == [("Back to work", None, None), ("Walk the dog around the block", "walking_minutes", 30.0)]
    findings, codes, reasoning = state["exam"]
    assert codes == ["M47.816", "M54.16"] and reasoning == "Extension-based pain with facet loading"
    assert findings["straight_leg_raise"]["right"] == {"result": "positive", "angle_degrees": 45}
    assert findings["motor_deficits"] == [{"level": "L5", "side": "right", "grade": 4}]
    assert findings["reflexes"] == {"patellar": {"left": 2}, "achilles": {"right": 1}}
    assert findings["si_tests"]["gaenslen"] == "not_tested"

    page = clinician.get(saved.headers["location"])
    assert "Note saved." in page.text
    values, _attrs = read_form(page.text, "note-form")
    assert (values["sitting_minutes"], values["sleep_hours"], values["adl_limits.driving"], values["goals.0.target.target"]) == ("20", "5.5", "on", "30")
    assert (values["facet_loading.left"], values["motor_deficits.0.level"], values["diagnosis_codes"]) == ("positive", "L5", "M47.816, M54.16")
    assert "Carried forward" not in page.text  # the note's own values
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "encounter").order_by(AuditEvent.id))]
    assert actions == ["encounter.create", "encounter.update", "encounter.measures", "encounter.exam"]


def test_a_note_saved_without_exam_inputs_stays_without_an_exam(episode_id, clinician, db):
    note_id = start_note(clinician, episode_id)
    assert save(clinician, note_id, narrative="Phone review", pain_now="5").status_code == 303
    state = snapshot(db, note_id)
    assert state["exam"] is None and [m[0] for m in state["measures"]] == ["pain_now"]
    # Once it has an exam, clearing every exam input clears the exam instead of keeping the old one.
    assert save(clinician, note_id, **{"si_tests.distraction": "positive"}).status_code == 303
    assert snapshot(db, note_id)["exam"][0]["si_tests"]["distraction"] == "positive"
    assert save(clinician, note_id, **{"si_tests.distraction": "not_tested"}).status_code == 303
    assert snapshot(db, note_id)["exam"][0]["si_tests"]["distraction"] == "not_tested"


def test_measures_are_carried_forward_from_the_last_notes(episode_id, clinician, db):
    first = start_note(clinician, episode_id, on="2026-12-01")
    assert save(clinician, first, narrative="First visit", **MEASURES).status_code == 303
    second = start_note(clinician, episode_id)
    page = clinician.get(f"/encounters/{second}").text
    values, _attrs = read_form(page, "note-form")
    assert values["encounter_type"] == "follow_up"
    assert (values["sitting_minutes"], values["lifting_limit_lb"], values["lifting_side"], values["work_status"]) == ("20", "20", "right", "off_work")
    assert (values["adl_limits.dressing"], values["goals.0.text"], values["goals.0.target.target"]) == ("on", "Walk the dog around the block", "30")
    assert "adl_limits.bathing" not in values
    assert field_hint(page, "f-sitting_minutes") == "Carried forward from 01 Dec 2026"
    assert field_hint(page, "f-pain_worst") == "Carried forward from 01 Dec 2026"
    assert snapshot(db, second)["measures"] == []  # shown, not stored, until the clinician saves

    # Saving with walking updated stores all values on the new note; the changed one loses its hint on a refusal.
    refused = save(clinician, second, walking_minutes="25", pain_now="-1")
    assert refused.status_code == 422
    assert field_hint(refused.text, "f-sitting_minutes") == "Carried forward from 01 Dec 2026"
    assert field_hint(refused.text, "f-walking_minutes") is None
    assert save(clinician, second, walking_minutes="25").status_code == 303
    carried = dict((m[0], m[1]) for m in snapshot(db, second)["measures"])
    assert (carried["walking_minutes"], carried["sitting_minutes"], carried["pain_worst"]) == (25, 20, 9)
    assert "Carried forward" not in clinician.get(f"/encounters/{second}").text


def field_hint(html: str, input_id: str) -> str | None:
    found = re.search(rf'id="{re.escape(input_id)}-hint">([^<]*)<', html)
    return found.group(1) if found else None


# Refusals: nothing is half-saved ----------------------------------------------------------------------

BAD = [
    ("sitting_minutes", "-5", "f-sitting_minutes", "Sitting tolerance must be between 0 and 1440 minutes"),
    ("lifting_limit_lb", "800", "f-lifting_limit_lb", "Lifting limit must be between 0 and 300 pounds"),
    ("diagnosis_codes", "M47.816, XYZ.9", "f-diagnosis_codes", "'XYZ.9' is not an ICD-10-CM code"),
    ("straight_leg_raise.left.angle_degrees", "120", "f-straight_leg_raise-left-angle_degrees", "Enter a number from 0 to 90"),
    ("motor_deficits.1.grade", "7", "f-motor_deficits-1-grade", "MRC motor grade must be a whole number from 0 to 5"),
]


@pytest.fixture
def charted(episode_id, clinician, db) -> tuple[int, dict]:
    """A note already saved with measures and an exam, and its rows."""
    note_id = start_note(clinician, episode_id)
    assert save(clinician, note_id, narrative="As first written", **MEASURES, **EXAM).status_code == 303
    return note_id, snapshot(db, note_id)


@pytest.mark.parametrize(("name", "value", "input_id", "message"), BAD)
def test_a_bad_value_is_refused_next_to_its_field_and_nothing_changes(charted, clinician, db, name, value, input_id, message):
    note_id, before = charted
    extra = {"motor_deficits.1.level": "S1", "motor_deficits.1.side": "left"} if name.startswith("motor") else {}
    refused = save(clinician, note_id, narrative="Changed in the refused save", pain_now="2", **{"si_tests.gaenslen": "positive"}, **extra, **{name: value})
    assert refused.status_code == 422
    errors = field_errors(refused.text, input_id)
    assert len(errors) == 1 and message in errors[0], errors
    assert "The note was not saved; nothing changed" in refused.text
    kept, _attrs = read_form(refused.text, "note-form")
    assert (kept[name], kept["narrative"], kept["pain_now"], kept["si_tests.gaenslen"]) == (value, "Changed in the refused save", "2", "positive")
    assert snapshot(db, note_id) == before


def test_every_bad_value_at_once_is_listed_and_nothing_changes(charted, clinician, db):
    note_id, before = charted
    bad = {name: value for name, value, _id, _message in BAD}
    refused = save(clinician, note_id, narrative="Changed", **{"motor_deficits.1.level": "S1", "motor_deficits.1.side": "left"}, **bad)
    assert refused.status_code == 422
    for _name, _value, input_id, message in BAD:
        assert any(message in e for e in field_errors(refused.text, input_id)), input_id
        assert f'href="#{input_id}"' in refused.text  # the summary links each problem to its input
    assert snapshot(db, note_id) == before
    # The first refused input takes the focus, so the keyboard lands where the work is.
    assert [n for n, a in read_form(refused.text, "note-form")[1].items() if "autofocus" in a] == ["sitting_minutes"]


def test_a_goal_target_problem_lands_on_its_row(charted, clinician, db):
    note_id, before = charted
    refused = save(clinician, note_id, **{"goals.1.text": "", "goals.2.text": "Lift the grandchild", "goals.2.target.measure": "lifting_limit_lb",
                                          "goals.2.target.target": "400"})
    assert refused.status_code == 422
    assert field_errors(refused.text, "f-goals-2-target-target") == ["Lifting limit must be between 0 and 300 pounds"]
    assert snapshot(db, note_id) == before


def test_a_stale_form_is_refused_with_409(charted, clinician, client_for, db):
    note_id, _before = charted
    nurse = browser(client_for("nurse"))
    loaded = note_form(nurse, note_id)
    # The clinician changes only a measure; the note's version moves all the same.
    assert save(clinician, note_id, pain_now="3").status_code == 303
    after = snapshot(db, note_id)
    stale = nurse.post(f"/encounters/{note_id}", data={**loaded, "narrative": "Nurse's edit"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text and "Open the current note" in stale.text
    assert read_form(stale.text, "note-form")[0]["narrative"] == "Nurse's edit"  # what was typed is still there
    assert snapshot(db, note_id) == after


# Signing, read-only notes, addenda -----------------------------------------------------------------

def sign(client: TestClient, note_id: int):  # noqa: ANN201
    values, _attrs = read_form(client.get(f"/encounters/{note_id}").text, "sign-form")
    return client.post(f"/encounters/{note_id}/sign-note", data=values, follow_redirects=False)


def test_a_signed_note_is_read_only_and_an_edit_is_refused(charted, clinician, db):
    note_id, _before = charted
    loaded = note_form(clinician, note_id)
    signed = sign(clinician, note_id)
    assert signed.status_code == 303 and signed.headers["location"] == f"/encounters/{note_id}?signed=1"
    after = snapshot(db, note_id)
    assert after["note"][3] == "signed"

    page = clinician.get(f"/encounters/{note_id}").text
    assert 'id="note-form"' not in page and 'id="sign-form"' not in page
    outside_addendum_form = re.sub(r'<form[^>]*id="addendum-form".*?</form>', "", page, flags=re.S)
    assert 'id="addendum-form"' in page
    assert not re.search(r'<(input|textarea|select)[^>]*name="(?!csrf_token)', outside_addendum_form.split('<main', 1)[1])
    assert "Signed by Clinician User on Mon 07 Dec 2026 09:00" in page
    assert "As first written" in page and "Sitting (minutes)</dt><dd>20</dd>" in page
    assert "3 of 5 positive" in page and "M47.816" in page

    refused = clinician.post(f"/encounters/{note_id}", data={**loaded, "narrative": "Changed after signing", "pain_now": "1"})
    assert refused.status_code == 409
    assert "This note is signed and cannot be changed" in refused.text
    resigned = clinician.post(f"/encounters/{note_id}/sign-note", data={"csrf_token": loaded["csrf_token"], "version": loaded["version"]})
    assert resigned.status_code == 409
    assert snapshot(db, note_id) == after


def test_a_second_signature_with_an_old_version_is_refused(charted, clinician, db):
    note_id, _before = charted
    values, _attrs = read_form(clinician.get(f"/encounters/{note_id}").text, "sign-form")
    assert save(clinician, note_id, pain_now="4").status_code == 303  # saved after the sign form was loaded
    stale = clinician.post(f"/encounters/{note_id}/sign-note", data=values)
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    assert snapshot(db, note_id)["note"][3] == "unsigned"


def test_an_addendum_is_added_to_a_signed_note_and_audited(charted, clinician, client_for, db, staff, episode_id):
    note_id, _before = charted
    assert sign(clinician, note_id).status_code == 303
    nurse = browser(client_for("nurse"))
    page = nurse.get(f"/encounters/{note_id}").text
    assert 'id="sign-form"' not in page  # a nurse writes, does not sign
    values, _attrs = read_form(page, "addendum-form")

    empty = nurse.post(f"/encounters/{note_id}/addenda", data={**values, "narrative": ""})
    assert empty.status_code == 422 and field_errors(empty.text, "f-addendum") == ["This is required"]

    added = nurse.post(f"/encounters/{note_id}/addenda", data={**values, "narrative": "Patient called: pain worse at night."}, follow_redirects=False)
    assert added.status_code == 303
    addendum_id = int(added.headers["location"].rsplit("#addendum-", 1)[1])
    with db.session() as session:
        addendum = session.get(Encounter, addendum_id)
        assert (addendum.addendum_of_id, addendum.author_id, addendum.narrative, addendum.status) == (
            note_id, staff["nurse"].id, "Patient called: pain worse at night.", "unsigned")
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "encounter.addendum"))
        assert (event.object_id, event.actor_user_id, event.actor_label, event.detail) == (
            str(addendum_id), staff["nurse"].id, "user:nurse", {"addendum_of": note_id})
        assert event.at == NOW.replace(tzinfo=None)
        assert session.get(Encounter, note_id).status == "signed"

    page = nurse.get(f"/encounters/{note_id}").text
    listed = re.search(rf'<li id="addendum-{addendum_id}">(.*?)</li>', page, re.S)
    assert listed and "Patient called: pain worse at night." in listed.group(1) and "Nurse User" in listed.group(1)
    row = re.search(rf'<tr id="note-{note_id}">(.*?)</tr>', nurse.get(f"/episodes/{episode_id}").text, re.S)
    assert row and re.sub(r"<[^>]+>", " ", row.group(1)).split()[-2:] == ["Signed", "1"]
    # The addendum's own page edits its narrative only.
    own = read_form(nurse.get(f"/encounters/{addendum_id}").text, "note-form")[0]
    assert "narrative" in own and "sitting_minutes" not in own and "si_tests.distraction" not in own


def test_an_addendum_to_an_unsigned_note_is_refused(charted, clinician, db):
    note_id, before = charted
    csrf = note_form(clinician, note_id)["csrf_token"]
    refused = clinician.post(f"/encounters/{note_id}/addenda", data={"csrf_token": csrf, "narrative": "Too soon"})
    assert refused.status_code == 409 and "not signed yet" in refused.text
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Encounter).where(Encounter.addendum_of_id.is_not(None))) == 0


# Who may do what ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["front_desk", "billing", "coordinator", "manager"])
def test_roles_without_note_write_get_403_and_change_nothing(charted, client_for, db, role, episode_id):
    note_id, before = charted
    client = browser(client_for(role))
    page = client.get(f"/encounters/{note_id}")
    panel = client.get(f"/episodes/{episode_id}").text
    if role in ("front_desk", "billing"):  # minimum necessary: no visit notes at all
        assert page.status_code == 403
        assert 'id="visit-notes"' not in panel and "shown to the clinical team only" in panel
    else:  # they read charts
        assert page.status_code == 200
        assert 'id="note-form"' not in page.text and "As first written" in page.text
        assert "Visit notes" in panel and 'id="new-note"' not in panel
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', panel).group(1)
    posts = [
        (f"/episodes/{episode_id}/encounters", {"encounter_type": "follow_up", "date_of_service": "2026-12-07"}),
        (f"/encounters/{note_id}", {**MEASURES, "narrative": "Not mine to write", "version": "2"}),
        (f"/encounters/{note_id}/addenda", {"narrative": "Not mine either"}),
        (f"/encounters/{note_id}/sign-note", {"version": "2"}),
    ]
    for path, data in posts:
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 403, path
    assert snapshot(db, note_id) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Encounter)) == 1


def test_a_nurse_writes_but_may_not_sign(charted, client_for, db):
    note_id, _before = charted
    nurse = browser(client_for("nurse"))
    assert save(nurse, note_id, narrative="Nurse's addition").status_code == 303
    csrf = note_form(nurse, note_id)["csrf_token"]
    assert nurse.post(f"/encounters/{note_id}/sign-note", data={"csrf_token": csrf, "version": "3"}).status_code == 403
    assert snapshot(db, note_id)["note"][0] == "Nurse's addition" and snapshot(db, note_id)["note"][3] == "unsigned"


def test_admin_may_not_read_notes_and_unknown_notes_are_404(charted, client_for, clinician):
    note_id, _before = charted
    assert client_for("admin").get(f"/encounters/{note_id}").status_code == 403
    assert clinician.get("/encounters/999999").status_code == 404
    csrf = note_form(clinician, note_id)["csrf_token"]
    assert clinician.post("/encounters/999999", data={"csrf_token": csrf}).status_code == 404
