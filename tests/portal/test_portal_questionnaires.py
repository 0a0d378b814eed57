"""Questionnaires at home (both databases): a weekly NDI the plan owes is waiting on the patient's portal,
its form is the pack's, a form with answers missing keeps the others and names the questions, the answers
are scored by the same engine (the NDI's published sum, 0-50) and appear in the clinician's function
chart, and a PHQ-9 with item 9 above 0 shows the crisis lines at once and raises the clinician's task."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.audit import AuditEvent
from painpath.core.config import Settings
from painpath.knowledge.loader import BUILTIN_PACKS_DIR
from painpath.worklist.models import Task
from support import page_form_post, page_text, password_for, sign_in

# Monday 7 Dec 2026, 10:00 in Chicago: the plan starts; its first weekly NDI opens a week later.
START = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
FIRST_OPEN = datetime(2026, 12, 14, 16, 0, tzinfo=timezone.utc)
NDI = [2, 3, 1, 0, 4, 2, 3, 1, 2, 5]  # each section 0-5 (Vernon): the raw total is their sum, out of 50


@pytest.fixture
def settings(settings, tmp_path) -> Settings:
    """The shipped packs, and a clinic's own pathway that asks for a weekly PHQ-9 (mood) the same way the
    cervical program asks for a weekly NDI: how a PHQ-9 reaches a patient at home."""
    folder = tmp_path / "clinic_packs"
    folder.mkdir()
    text = (BUILTIN_PACKS_DIR / "pathways" / "cervical_radiculopathy.yaml").read_text(encoding="utf-8")
    text = (text.replace("id: pathways.cervical_radiculopathy", "id: pathways.clinic_neck_and_mood")
            .replace("  - id: cervical_radiculopathy", "  - id: clinic_neck_and_mood")
            .replace("name: Cervical radiculopathy", "name: Neck pain with low mood (clinic)")
            .replace("instrument: ndi", "instrument: phq9"))
    (folder / "clinic_neck_and_mood.yaml").write_text(text, encoding="utf-8")
    return settings.model_copy(update={"extra_pack_dirs": [folder]})


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _plan(client_for, patient_payload, episode_payload, pathway_id: str = "cervical_radiculopathy", mrn: str = "MRN-1001") -> tuple[int, int]:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json={**patient_payload, "mrn": mrn}).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": pathway_id})
    assert made.status_code == 201, made.text
    return patient_id, episode_id


def _words(html: str) -> str:
    return re.sub(r"\s+:", ":", page_text(html))


def _answers(instrument: str, values: list[int | None]) -> dict[str, str]:
    return {f"answers.{instrument}_{n}": ("" if v is None else str(v)) for n, v in enumerate(values, start=1)}


def test_a_weekly_ndi_waits_on_the_portal_is_scored_by_the_pack_and_shows_in_the_function_chart(
        ctx, client_for, portal_client_for, patient_payload, episode_payload, clock):
    patient_id, episode_id = _plan(client_for, patient_payload, episode_payload)
    patient = portal_client_for(patient_id)
    before = patient.get("/portal/questionnaires")
    assert before.status_code == 200
    assert 'id="questionnaires-none"' in before.text  # the first week has not come yet

    clock.move_to(FIRST_OPEN)
    sign_in(patient, f"pat-{patient_id}", password_for("patient"))  # a week on, the sign-in has expired
    page = patient.get("/portal/questionnaires", headers={"x-request-id": "portal-list-read"})
    assert page.status_code == 200
    with ctx.db.session() as session:  # the patient's read of their own record is audited like any chart read
        reads = session.scalars(select(AuditEvent).where(AuditEvent.request_id == "portal-list-read", AuditEvent.action == "chart.read")).all()
        assert [e.patient_id for e in reads] == [patient_id]
    listed = re.findall(r'href="(/portal/questionnaires/ndi\?checkin=[^"]+)"', page.text)
    assert len(listed) == 1, page.text
    assert "Neck Disability Index" in page_text(page.text) and "by Wed 16 Dec" in page_text(page.text)

    form = patient.get(listed[0].replace("&amp;", "&"))
    assert form.status_code == 200
    html = form.text
    # Built from the pack: ten questions, each a card of radio buttons with the pack's six statements.
    assert html.count('class="qform-question') == 10
    assert html.count('type="radio" id="q-ndi_1-') == 6
    assert 'name="checkin" value="scores:' in html
    key = re.search(r'name="checkin" value="([^"]+)"', html).group(1)
    assert "/episodes/" not in html and f"patients/{patient_id}" not in html  # no record ids in the portal

    # Two questions left blank (the NDI allows one): refused, the others kept, each blank one named.
    refused = page_form_post(patient, "/portal/questionnaires/ndi", {"checkin": key, **_answers("ndi", [2, 3, None, 0, 4, 2, None, 1, 2, 5])})
    assert refused.status_code == 422
    text = _words(refused.text)
    assert "Question 3: Please answer this question" in text and "Question 7: Please answer this question" in text
    assert 'id="q-ndi_1-2" name="answers.ndi_1" value="2" checked' in refused.text
    assert 'id="q-ndi_10-5" name="answers.ndi_10" value="5" checked' in refused.text
    with ctx.db.session() as session:
        assert session.scalar(select(InstrumentAdministration.id)) is None

    sent = page_form_post(patient, "/portal/questionnaires/ndi", {"checkin": key, **_answers("ndi", NDI)})
    assert sent.status_code == 303 and sent.headers["location"] == "/portal/questionnaires/thank-you"
    thanks = patient.get("/portal/questionnaires/thank-you")
    assert "Thank you" in thanks.text and str(sum(NDI)) not in page_text(thanks.text)
    with ctx.db.session() as session:
        row = session.scalars(select(InstrumentAdministration)).one()
        # The same engine as staff use: the published NDI total is the sum of the ten sections, out of 50.
        assert (row.instrument_id, row.total, row.subscales["percent"]) == ("ndi", float(sum(NDI)), sum(NDI) * 2.0)
        assert (row.source, row.administered_by_id, row.episode_id) == ("patient", None, episode_id)

    # The check-in is done: nothing waiting, and the patient sees the day, not the score.
    after = patient.get("/portal/questionnaires")
    assert 'id="questionnaires-none"' in after.text
    assert "Done on Mon 14 Dec, thank you." in page_text(after.text)
    assert str(sum(NDI)) not in page_text(after.text)
    # Answered already: the form is not waiting any more.
    assert patient.get(f"/portal/questionnaires/ndi?checkin={key}").status_code == 404

    # The clinician sees it in the episode's function chart.
    chart = client_for("clinician").get(f"/episodes/{episode_id}/function")
    assert chart.status_code == 200
    block = re.search(r'<script type="application/json" id="function-chart-data">(.*?)</script>', chart.text, re.S)
    charts = {c["id"]: c for c in json.loads(block.group(1))}
    assert charts["chart-instrument-ndi"]["datasets"][0]["data"] == [float(sum(NDI))]
    assert charts["chart-instrument-ndi"]["labels"] == ["14 Dec 2026"]


def test_the_portal_pages_are_the_patients_alone(client_for, portal_client_for, patient_payload, episode_payload, clock):
    patient_id, _ = _plan(client_for, patient_payload, episode_payload)
    clock.move_to(FIRST_OPEN)
    patient = portal_client_for(patient_id)
    assert patient.get("/portal/questionnaires/phq9").status_code == 404  # not asked for
    assert patient.get("/portal/questionnaires/nope").status_code == 404
    assert client_for("clinician").get("/portal/questionnaires").status_code == 403
    # Another patient's account sees nothing of this one's questionnaires.
    other_id = client_for("coordinator").post("/api/patients", json={**patient_payload, "mrn": "MRN-OTHER"}).json()["id"]
    other = portal_client_for(other_id)
    assert 'id="questionnaires-none"' in other.get("/portal/questionnaires").text
    assert other.get("/portal/questionnaires/ndi").status_code == 404


def test_phq9_item_9_shows_the_crisis_lines_at_once_and_raises_the_clinicians_task(
        ctx, clinic, client_for, portal_client_for, patient_payload, episode_payload, clock, db):
    from painpath.core.tenancy import Clinic

    with db.session() as session:
        session.get(Clinic, clinic.id).phone = "(555) 010-0100"
    patient_id, episode_id = _plan(client_for, patient_payload, episode_payload, pathway_id="clinic_neck_and_mood")
    clock.move_to(FIRST_OPEN)
    patient = portal_client_for(patient_id)
    form = patient.get("/portal/questionnaires/phq9")
    assert form.status_code == 200 and html_count(form.text, 'class="qform-question') == 9
    key = re.search(r'name="checkin" value="([^"]+)"', form.text).group(1)

    # Item 9 answered and item 2 left blank: nothing is saved (the PHQ-9 allows no blank), but the crisis
    # lines come first, at once, and the staff words of the alert stay out of the patient's page.
    partial = page_form_post(patient, "/portal/questionnaires/phq9", {"checkin": key, **_answers("phq9", [1, None, 1, 2, 1, 0, 1, 0, 1])})
    assert partial.status_code == 422
    assert partial.text.index('id="crisis"') < partial.text.index('id="qform-phq9"')
    assert "Question 2: Please answer this question" in _words(partial.text)
    assert "Question 9" not in _words(partial.text)

    sent = page_form_post(patient, "/portal/questionnaires/phq9", {"checkin": key, **_answers("phq9", [1, 2, 1, 2, 1, 0, 1, 0, 1])})
    assert sent.status_code == 303 and sent.headers["location"] == "/portal/questionnaires/support"
    support = patient.get("/portal/questionnaires/support")
    assert support.status_code == 200
    html = support.text
    main = html[html.index('<main'):] if "<main" in html else html
    # Before anything else on the page: the crisis lines, then the thank-you.
    assert main.index('id="crisis"') < main.index('id="thanks"')
    text = page_text(html)
    assert "988 Suicide &amp; Crisis Lifeline" in html and "Call or text 988" in text
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
    assert 'href="tel:(555) 010-0100"' in html

    with ctx.db.session() as session:
        row = session.scalars(select(InstrumentAdministration)).one()
        assert (row.instrument_id, row.total, row.source) == ("phq9", 9.0, "patient")
        assert [a["item"] for a in row.alerts if a["kind"] == "suicide_risk"] == ["phq9_9"]
        tasks = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.kind == "instruments.safety_review")).all()
        assert len(tasks) == 1 and tasks[0].owner_role == "clinician" and tasks[0].closed_at is None
    # The clinician's worklist shows it.
    assert "instruments.safety_review" not in page_text(client_for("clinician").get("/worklist").text)  # words, not keys
    worklist = client_for("clinician").get("/worklist").text
    assert tasks[0].title in worklist


def html_count(html: str, needle: str) -> int:
    return html.count(needle)
