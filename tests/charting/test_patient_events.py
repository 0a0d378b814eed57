"""The patient's timeline of major events through the JSON API: dated to the day, month or year as the
patient remembers, validated field by field, audited, corrected and removed with the version the user
saw, and shown on the episode timeline beside the clinic's own records, in date order."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.charting.patient_events import rules
from painpath.charting.patient_events.models import PatientEvent
from painpath.core.audit import AuditEvent

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
INJURY_2019 = {"kind": "injury", "year": 2019, "description": "Lifting injury at work, low back pain since"}
SURGERY_MARCH_2021 = {"kind": "surgery", "year": 2021, "month": 3, "description": "L4-5 microdiscectomy elsewhere"}
MRI_DAY = {"kind": "imaging", "year": 2021, "month": 1, "day": 14, "description": "Lumbar MRI: L4-5 disc extrusion"}

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _count(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(PatientEvent))


def _problems(response) -> list[dict]:  # noqa: ANN001
    return [{"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_events_keep_the_precision_the_patient_gave_and_list_in_date_order(client_for, episode_id, db):
    nurse = client_for("nurse")
    surgery = nurse.post(f"/api/episodes/{episode_id}/patient-events", json=SURGERY_MARCH_2021)
    assert surgery.status_code == 201, surgery.text
    assert (surgery.json()["occurred_on"], surgery.json()["date_precision"], surgery.json()["origin"]) == ("2021-03-01", "month", "reported")
    injury = nurse.post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019).json()
    assert (injury["occurred_on"], injury["date_precision"]) == ("2019-01-01", "year")
    mri = client_for("coordinator").post(f"/api/episodes/{episode_id}/patient-events", json=MRI_DAY).json()
    assert (mri["occurred_on"], mri["date_precision"]) == ("2021-01-14", "day")
    listed = client_for("clinician").get(f"/api/episodes/{episode_id}/patient-events").json()
    assert [(e["kind"], e["occurred_on"]) for e in listed] == [("injury", "2019-01-01"), ("imaging", "2021-01-14"), ("surgery", "2021-03-01")]
    with db.session() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "patient_event.record").order_by(AuditEvent.id)).all()
        assert [a.object_id for a in audited] == [str(surgery.json()["id"]), str(injury["id"]), str(mri["id"])]
        assert audited[0].detail == {"kind": "surgery", "occurred_on": "2021-03-01", "precision": "month", "origin": "reported"}


def test_a_vaguer_date_sorts_before_a_precise_one_of_the_same_period():
    events = [(date(2021, 3, 1), "day", 1), (date(2021, 3, 1), "month", 2), (date(2021, 1, 1), "year", 3), (date(2020, 12, 31), "day", 4)]
    assert [e[2] for e in sorted(events, key=lambda e: rules.sort_key(*e))] == [4, 3, 2, 1]
    assert [rules.when_words(d, p) for d, p, _ in events] == ["01 Mar 2021", "Mar 2021", "2021", "31 Dec 2020"]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"kind": "vacation"}, "kind", "known_kind"),
        ({"year": 2027}, "year", "not_future"),
        ({"year": 1850}, "year", "plausible"),
        ({"year": 2026, "month": 12, "day": 8}, "day", "not_future"),
        ({"year": 2023, "month": 2, "day": 29}, "day", "in_month"),
        ({"day": 12}, "month", "required_with_day"),
        ({"month": 13}, "month", "less_than_equal"),
        ({"year": "around 2019"}, "year", "int_parsing"),
        ({"year": None}, "year", "int_type"),
        ({"description": "x"}, "description", "string_too_short"),
    ],
)
def test_bad_events_name_the_field_and_rule_and_save_nothing(client_for, episode_id, db, change, field, rule):
    response = client_for("nurse").post(f"/api/episodes/{episode_id}/patient-events", json={**INJURY_2019, **change})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in _problems(response)
    assert _count(db) == 0


def test_an_event_is_corrected_and_removed_with_the_version_seen_and_both_are_audited(client_for, episode_id, db):
    clinician = client_for("clinician")
    event = clinician.post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019).json()
    stale = clinician.put(f"/api/patient-events/{event['id']}", json={**INJURY_2019, "month": 6, "version": 5})
    assert stale.status_code == 409 and _problems(stale) == [{"field": "version", "rule": "current_version"}]
    bad = clinician.put(f"/api/patient-events/{event['id']}", json={**INJURY_2019, "month": 2, "day": 30, "version": 1})
    assert bad.status_code == 422 and _problems(bad) == [{"field": "day", "rule": "in_month"}]
    fixed = clinician.put(f"/api/patient-events/{event['id']}", json={**INJURY_2019, "month": 6, "version": 1})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["occurred_on"], fixed.json()["date_precision"], fixed.json()["version"]) == ("2019-06-01", "month", 2)
    stale_remove = clinician.post(f"/api/patient-events/{event['id']}/remove", json={"version": 1})
    assert stale_remove.status_code == 409 and _count(db) == 1
    removed = clinician.post(f"/api/patient-events/{event['id']}/remove", json={"version": 2})
    assert removed.status_code == 200 and removed.json() == {"id": event["id"], "episode_id": episode_id}
    assert _count(db) == 0
    with db.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "patient_event").order_by(AuditEvent.id)).all()
        assert actions == ["patient_event.record", "patient_event.update", "patient_event.remove"]


def test_staff_who_change_episodes_record_and_the_clinical_chart_reads(client_for, episode_id):
    assert client_for("therapist").post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019).status_code == 403
    assert client_for("front_desk").post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019).status_code == 403
    event = client_for("coordinator").post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019).json()
    assert client_for("front_desk").get(f"/api/episodes/{episode_id}/patient-events").status_code == 403
    assert client_for("billing").post(f"/api/patient-events/{event['id']}/remove", json={"version": 1}).status_code == 403
    assert client_for("nurse").put("/api/patient-events/999999", json={**INJURY_2019, "version": 1}).status_code == 404


def test_the_episode_timeline_shows_them_beside_clinic_records_marked_as_reported(client_for, episode_id):
    nurse = client_for("nurse")
    nurse.post(f"/api/episodes/{episode_id}/patient-events", json=SURGERY_MARCH_2021)
    nurse.post(f"/api/episodes/{episode_id}/patient-events", json=INJURY_2019)
    timeline = nurse.get(f"/api/episodes/{episode_id}/timeline").json()
    reported = [(e["when"], e["summary"], e["reported_by"]) for e in timeline if e["reported_by"]]
    assert reported == [("2019", "Injury: Lifting injury at work, low back pain since", "reported by the patient"),
                        ("Mar 2021", "Surgery: L4-5 microdiscectomy elsewhere", "reported by the patient")]
    # Date order with the clinic's records: the 2019 injury comes before the episode was opened.
    kinds = [e["kind"] for e in timeline]
    assert kinds.index("patient_event.injury") < kinds.index("patient_event.surgery") < kinds.index("episode.opened")
    assert all(e["reported_by"] is None for e in timeline if not e["kind"].startswith("patient_event."))
