"""Support strategies on the care plan, on both databases: the clinician adds paced breathing and sleep hygiene
from the episode page (audited), the panel lists them with their plain words, the patient's plan PDF (read back
with pypdf) prints them, and taking one off removes it from both (the row kept, version-checked). Bad input is
refused naming the field, with the note kept."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from html import unescape

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.plans.models import PlanSupportItem
from support import page_form_post, page_section, page_text

NOW = datetime(2026, 1, 8, 15, 0, tzinfo=timezone.utc)  # Thu 8 Jan 2026, 09:00 in Chicago
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall", "body_region": "cervical", "laterality": "right",
            "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
START = {"pathway_id": "cervical_radiculopathy", "goals": [{"text": "Back to ladder work"}]}


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def planned(client_for, patient_payload, ctx) -> dict:
    with time_machine.travel(NOW, tick=False):
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
        _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json=START), 201)
        yield {"episode_id": episode_id, "clinician": clinician, "coordinator": coordinator}


def _pdf_text(client, episode_id: int) -> str:  # noqa: ANN001
    response = client.get(f"/episodes/{episode_id}/plan.pdf")
    assert response.status_code == 200, response.text
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


def test_strategies_added_on_the_plan_page_are_printed_on_the_patients_plan_and_removed_from_both(planned, db, ctx):
    clinician, episode_id = planned["clinician"], planned["episode_id"]
    url = f"/episodes/{episode_id}/support-items"
    with time_machine.travel(NOW, tick=False):
        assert page_form_post(clinician, url, {"strategy_id": "paced_breathing", "note": "When the arm pain flares"}).status_code == 303
        assert page_form_post(clinician, url, {"strategy_id": "sleep_hygiene"}).status_code == 303
        panel = unescape(page_text(page_section(clinician.get(f"/episodes/{episode_id}").text, "support-strategies")))
        breathing = ctx.knowledge.support_strategies["paced_breathing"]
        assert "Paced breathing" in panel and breathing.patient_words in panel and "Note: When the arm pain flares" in panel
        assert "Sleep hygiene" in panel

        text = _pdf_text(planned["coordinator"], episode_id)
        assert "Things you can do that help" in text
        assert "Paced breathing. Breathe in slowly through your nose for about 4 seconds" in text and "When the arm pain flares" in text
        assert "Sleep hygiene. Go to bed and get up at the same times every day." in text

        with db.session() as session:
            row = session.scalars(select(PlanSupportItem).where(PlanSupportItem.strategy_id == "paced_breathing")).one()
            item_id, version = row.id, row.version
            actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "care_plan_support_item")).all()
            assert actions == ["plan.support_added", "plan.support_added"]
        removed = page_form_post(clinician, f"{url}/remove", {"item_id": str(item_id), "version": str(version)})
        assert removed.status_code == 303
        stale = page_form_post(clinician, f"{url}/remove", {"item_id": str(item_id), "version": str(version)})
        assert stale.status_code == 422 and "not on this plan" in unescape(stale.text)
        text = _pdf_text(planned["coordinator"], episode_id)
        assert "Paced breathing" not in text and "Sleep hygiene" in text
        with db.session() as session:
            row = session.get(PlanSupportItem, item_id)
            assert row.removed_at is not None and row.removed_by_id is not None


def test_an_unknown_or_repeated_strategy_is_refused_naming_the_field_and_keeping_the_note(planned, db):
    clinician, episode_id = planned["clinician"], planned["episode_id"]
    url = f"/episodes/{episode_id}/support-items"
    with time_machine.travel(NOW, tick=False):
        missing = page_form_post(clinician, url, {"strategy_id": "", "note": "MARKER-note"})
        assert missing.status_code == 422
        panel = unescape(page_text(page_section(missing.text, "support-strategies")))
        assert "MARKER-note" in panel and "Strategy" in panel
        unknown = page_form_post(clinician, url, {"strategy_id": "acupuncture", "note": "MARKER-two"})
        assert unknown.status_code == 422 and "Choose one of the clinic's support strategies" in unescape(unknown.text)
        assert page_form_post(clinician, url, {"strategy_id": "biofeedback"}).status_code == 303
        again = page_form_post(clinician, url, {"strategy_id": "biofeedback"})
        assert again.status_code == 422 and "Biofeedback is already on this plan" in unescape(again.text)
        with db.session() as session:
            assert session.scalars(select(PlanSupportItem.strategy_id)).all() == ["biofeedback"]


def test_the_json_api_lists_adds_and_takes_off_strategies_like_the_panel(planned, client_for):
    clinician, episode_id = planned["clinician"], planned["episode_id"]
    url = f"/api/episodes/{episode_id}/support-items"
    with time_machine.travel(NOW, tick=False):
        assert client_for("nurse").post(url, json={"strategy_id": "biofeedback"}).status_code == 403  # the clinician's decision
        refused = clinician.post(url, json={"strategy_id": "acupuncture"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "strategy_id"
        added = _ok(clinician.post(url, json={"strategy_id": "biofeedback", "note": "Weekly, with the therapist"}), 201)
        assert (added["name"], added["note"], added["added_on"]) == ("Biofeedback", "Weekly, with the therapist", "2026-01-08")
        assert [i["id"] for i in _ok(client_for("nurse").get(url))] == [added["id"]]
        stale = clinician.post(f"{url}/remove", json={"item_id": added["id"], "version": added["version"] + 1})
        assert stale.status_code == 409
        _ok(clinician.post(f"{url}/remove", json={"item_id": added["id"], "version": added["version"]}))
        assert _ok(clinician.get(url)) == []
