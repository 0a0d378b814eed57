"""Conservative-care history through the JSON API: what was tried before (as told) or here, validated,
audited, ended when it stops, and on the timeline."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.charting.conservative_care import rules
from painpath.charting.conservative_care.models import CareEntry
from painpath.core.audit import AuditEvent
from painpath.facts.vocabulary import CareKind

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
PT_ELSEWHERE = {"kind": "physical_therapy", "start_date": "2026-09-01", "end_date": "2026-10-13",
                "description": "Twice weekly at Elm Street PT", "source": "reported", "failed": "yes"}
NAPROXEN_BEFORE = {"kind": "medication", "start_date": "2026-08-01", "end_date": "2026-08-31",
                   "description": "Naproxen 500 mg twice a day from the PCP", "drug_class": "nsaid", "failed": "yes"}

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _count(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(CareEntry))


def _problems(response) -> list[dict]:  # noqa: ANN001
    return [{"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_reported_pt_and_a_medication_from_before_are_recorded_audited_and_listed_oldest_first(client_for, episode_id, db):
    nurse = client_for("nurse")
    pt = nurse.post(f"/api/episodes/{episode_id}/conservative-care", json=PT_ELSEWHERE)
    assert pt.status_code == 201, pt.text
    assert (pt.json()["kind"], pt.json()["source"], pt.json()["failed"], pt.json()["drug_class"]) == ("physical_therapy", "reported", "yes", None)
    drug = nurse.post(f"/api/episodes/{episode_id}/conservative-care", json=NAPROXEN_BEFORE)
    assert drug.status_code == 201 and drug.json()["drug_class"] == "nsaid" and drug.json()["source"] == "reported"
    listed = client_for("coordinator").get(f"/api/episodes/{episode_id}/conservative-care").json()
    assert [(e["kind"], e["start_date"], e["end_date"]) for e in listed] == [
        ("medication", "2026-08-01", "2026-08-31"), ("physical_therapy", "2026-09-01", "2026-10-13"),
    ]
    with db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "conservative_care.record").order_by(AuditEvent.id)))
        assert [e.object_id for e in events] == [str(pt.json()["id"]), str(drug.json()["id"])]
        assert events[0].detail == {"kind": "physical_therapy", "source": "reported"}


def test_ongoing_care_is_ended_with_its_outcome_once_and_a_stale_version_is_refused(client_for, episode_id, db):
    clinician = client_for("clinician")
    ongoing = {"kind": "home_exercise", "start_date": "2026-11-02", "description": "McKenzie extension program", "source": "clinic"}
    entry = clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=ongoing).json()
    assert entry["end_date"] is None and entry["failed"] == "unknown"
    stale = clinician.put(f"/api/conservative-care/{entry['id']}/end", json={"end_date": "2026-12-04", "version": 7})
    assert stale.status_code == 409 and _problems(stale) == [{"field": "version", "rule": "current_version"}]
    before = clinician.put(f"/api/conservative-care/{entry['id']}/end", json={"end_date": "2026-11-01", "version": 1})
    assert before.status_code == 422 and _problems(before) == [{"field": "end_date", "rule": "after_start"}]
    ended = clinician.put(f"/api/conservative-care/{entry['id']}/end", json={"end_date": "2026-12-04", "failed": "no", "version": 1})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["end_date"], ended.json()["failed"], ended.json()["version"]) == ("2026-12-04", "no", 2)
    again = clinician.put(f"/api/conservative-care/{entry['id']}/end", json={"end_date": "2026-12-05", "version": 2})
    assert again.status_code == 409 and _problems(again) == [{"field": "end_date", "rule": "ongoing"}]
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "conservative_care.end")).one()
        assert event.object_id == str(entry["id"]) and event.detail == {"failed": "no"}


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"kind": "acupuncture"}, "kind", "known_kind"),
        ({"start_date": "2026-12-08", "end_date": None}, "start_date", "not_future"),
        ({"end_date": "2026-08-31"}, "end_date", "after_start"),
        ({"end_date": "2026-12-08"}, "end_date", "not_future"),
        ({"drug_class": "nsaid"}, "drug_class", "medication_only"),
        ({"kind": "medication", "drug_class": "NSAIDs!"}, "drug_class", "slug"),
        ({"failed": "maybe"}, "failed", "literal_error"),
        ({"source": "rumour"}, "source", "literal_error"),
        ({"description": ""}, "description", "string_too_short"),
    ],
)
def test_bad_entries_name_the_field_and_rule_and_save_nothing(client_for, episode_id, db, change, field, rule):
    response = client_for("nurse").post(f"/api/episodes/{episode_id}/conservative-care", json={**PT_ELSEWHERE, **change})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in _problems(response)
    assert _count(db) == 0


def test_only_note_writers_record_and_end_and_chart_readers_list(client_for, episode_id):
    assert client_for("coordinator").post(f"/api/episodes/{episode_id}/conservative-care", json=PT_ELSEWHERE).status_code == 403
    entry = client_for("clinician").post(f"/api/episodes/{episode_id}/conservative-care", json={**PT_ELSEWHERE, "end_date": None}).json()
    assert client_for("front_desk").put(f"/api/conservative-care/{entry['id']}/end", json={"end_date": "2026-12-01", "version": 1}).status_code == 403
    assert client_for("coordinator").get(f"/api/episodes/{episode_id}/conservative-care").status_code == 200
    # Minimum necessary: treatment history is the clinical chart, not the front desk's.
    assert client_for("front_desk").get(f"/api/episodes/{episode_id}/conservative-care").status_code == 403
    assert client_for("nurse").put("/api/conservative-care/999999/end", json={"end_date": "2026-12-01", "version": 1}).status_code == 404


def test_the_timeline_shows_when_care_started_and_ended(client_for, episode_id):
    nurse = client_for("nurse")
    nurse.post(f"/api/episodes/{episode_id}/conservative-care", json=PT_ELSEWHERE)
    summaries = [e["summary"] for e in nurse.get(f"/api/episodes/{episode_id}/timeline").json()]
    assert "Physical therapy (reported): Twice weekly at Elm Street PT, from 01 Sep 2026" in summaries
    assert "Physical therapy (reported): Twice weekly at Elm Street PT, ended 13 Oct 2026 (did not help enough)" in summaries


def test_the_kinds_are_the_facts_contracts_kinds():
    from typing import get_args

    assert rules.KINDS == get_args(CareKind)
    assert set(rules.KIND_WORDS) == set(rules.KINDS)
    assert [rules.failed_flag(v) for v in ("yes", "no", "unknown")] == [True, False, None]
