"""The patient's calendar (.ics) of follow-ups (journey J1), parsed back with `icalendar`.

On Thu 8 Jan the cervical radiculopathy plan starts (its six-week program is reviewed on Thu 19 Feb),
a PT course starts twice a week (Mondays and Thursdays; Martin Luther King Jr. Day, Mon 19 Jan, and
Presidents' Day, Mon 16 Feb, move their visits to the Tuesday) and a follow-up with the physician is
booked for 19 Feb at 10:30 on the clinic's clock. The file carries each of them on the right day, in the
clinic's time zone, with UIDs that stay the same from one download to the next, and no diagnosis.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Location
from painpath.plans import calendar as plan_calendar


def _chicago(month: int, day: int, hour: int) -> datetime:
    """A Chicago wall-clock time in Jan-Mar 2026 (standard time, UTC-6) as an aware UTC time."""
    return datetime(2026, month, day, hour + 6, tzinfo=timezone.utc)


FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
NEXT_DAY = _chicago(1, 9, 9)
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
            "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
START = {"pathway_id": "cervical_radiculopathy", "goals": [{"text": "Back to ladder work"}],
         "procedure": {"cpt_codes": ["64479"], "side": "right", "levels": ["C5-6"], "place_of_service": "24"}}
# The twice-a-week schedule from Thu 8 Jan: Mondays and Thursdays, a holiday Monday moved to Tuesday.
PT_DAYS = [date(2026, 1, 8), date(2026, 1, 12), date(2026, 1, 15), date(2026, 1, 20), date(2026, 1, 22), date(2026, 1, 26),
           date(2026, 1, 29), date(2026, 2, 2), date(2026, 2, 5), date(2026, 2, 9), date(2026, 2, 12), date(2026, 2, 17)]
# Words a calendar invite must never carry: the diagnosis, the body part, the pathway, the procedure, codes.
DIAGNOSIS_WORDS = ("neck", "arm", "ladder", "thumb", "numb", "radicul", "cervical", "spine", "nerve", "block", "injection",
                   "c5", "m54", "64479", "structured program")


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _events(ics: bytes) -> dict[str, dict]:
    """UID -> the event's parsed fields."""
    cal = Calendar.from_ical(ics)
    return {str(e["UID"]): {"summary": str(e["SUMMARY"]), "start": e.decoded("DTSTART"), "end": e.decoded("DTEND"),
                            "description": str(e.get("DESCRIPTION", "")), "location": str(e.get("LOCATION", ""))}
            for e in cal.walk("VEVENT")}


def _kind(events: dict[str, dict], kind: str) -> dict[str, dict]:
    return {uid: e for uid, e in events.items() if uid.startswith(f"painpath-{kind}-")}


@pytest.fixture
def j1(client_for, patient_payload, staff, db, ctx) -> dict:
    """J1 on Thu 8 Jan: the plan, the PT course and two follow-ups booked (one then cancelled)."""
    ctx.settings.session_hours = 24 * 90
    with time_machine.travel(FIRST_VISIT, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
        _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
        plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json=START), 201)
        course = _ok(coordinator.post(f"/api/episodes/{episode_id}/pt-courses", json={
            "protocol_id": "cervical_traction_glides", "therapist_id": staff["therapist"].id, "practice_name": "Riverside Physical Therapy",
            "practice_kind": "onsite", "start_date": "2026-01-08"}), 201)
        with db.session() as session:
            main = session.scalars(select(Location).where(Location.name == "Riverside Main")).one().id
        follow_up = _ok(coordinator.post(f"/api/episodes/{episode_id}/appointments", json={
            "visit_type": "follow_up", "provider_type": "physician", "location_id": main, "start_at": "2026-02-19T10:30:00",
            "duration_minutes": 30, "reason": "Recheck right C5-6 radiculopathy before the block"}), 201)
        cancelled = _ok(coordinator.post(f"/api/episodes/{episode_id}/appointments", json={
            "visit_type": "follow_up", "provider_type": "app", "start_at": "2026-01-22T14:00:00"}), 201)
        _ok(coordinator.post(f"/api/appointments/{cancelled['id']}/cancel", json={"version": cancelled["version"], "reason": "Patient asked to move it"}))
        yield {"clock": clock, "episode_id": episode_id, "plan": plan, "course": course, "follow_up": follow_up,
               "cancelled": cancelled, "coordinator": coordinator, "patient_id": patient_id}


def test_the_calendar_has_the_review_the_pt_visits_and_the_booked_visit_on_the_clinics_calendar(j1, client_for, db, clinic):
    response = j1["coordinator"].get(f"/episodes/{j1['episode_id']}/plan.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"] == f'attachment; filename="care-plan-episode-{j1["episode_id"]}.ics"'
    cal = Calendar.from_ical(response.content)
    # The clinic's time zone, with its definition, so a phone in another zone shows the right hour.
    assert str(cal["X-WR-TIMEZONE"]) == "America/Chicago"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]
    events = _events(response.content)
    clinic_id = clinic.id

    # The plan's check-in falls on the day the six-week trial ends (19 Feb, a business day).
    review = _kind(events, "review")
    step = j1["plan"]["current_step"]
    assert list(review) == [f"painpath-review-{step['id']}@clinic-{clinic_id}.painpath"]
    (check_in,) = review.values()
    assert check_in["start"] == date.fromisoformat(step["trial_ends_on"]) == date(2026, 2, 19)
    assert check_in["summary"] == "Plan check-in: is it working?"

    # The PT visits are the therapy schedule's: the course's own projection, holidays skipped.
    pt = _kind(events, "pt-visit")
    course = j1["course"]
    assert sorted(e["start"] for e in pt.values()) == PT_DAYS == [date.fromisoformat(v["on"]) for v in course["visits"]]
    assert date(2026, 1, 19) not in PT_DAYS and date(2026, 2, 16) not in PT_DAYS
    fourth = pt[f"painpath-pt-visit-{course['id']}-4@clinic-{clinic_id}.painpath"]
    assert (fourth["start"], fourth["summary"]) == (date(2026, 1, 20), "Physical therapy (visit 4 of 12)")
    assert fourth["location"] == "Riverside Physical Therapy"

    # The booked follow-up at 10:30 in Chicago (16:30 UTC); the cancelled one is gone.
    booked = _kind(events, "appointment")
    assert list(booked) == [f"painpath-appointment-{j1['follow_up']['id']}@clinic-{clinic_id}.painpath"]
    (visit,) = booked.values()
    assert visit["start"].tzinfo is not None and str(visit["start"].tzinfo) == "America/Chicago"
    assert (visit["start"].date(), visit["start"].time(), visit["end"].time()) == (date(2026, 2, 19), time(10, 30), time(11, 0))
    assert visit["start"].astimezone(timezone.utc).time() == time(16, 30)
    assert "DTSTART;TZID=America/Chicago:20260219T103000" in response.content.decode()
    assert visit["summary"] == "Follow-up visit at Riverside Pain & Spine" and visit["location"] == "Riverside Main"

    # Invites leak: no diagnosis, body part, procedure or code in any summary or description; the phone is there.
    for event in events.values():
        for field in ("summary", "description"):
            words = event[field].replace("Riverside Pain & Spine", "").lower()  # the clinic's own name may say "spine"
            assert not [w for w in DIAGNOSIS_WORDS if w in words], (field, event[field])
        assert "Call Riverside Pain & Spine at 555-0101." in event["description"]
    assert len(events) == 1 + 12 + 1

    with db.session() as session:
        downloaded = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.calendar_downloaded")).one()
        assert downloaded.patient_id == j1["patient_id"] and downloaded.detail == {"events": 14}
    assert client_for("admin").get(f"/episodes/{j1['episode_id']}/plan.ics").status_code == 403


def test_uids_stay_the_same_from_one_download_to_the_next(j1, client_for):
    url = f"/episodes/{j1['episode_id']}/plan.ics"
    first = _events(j1["coordinator"].get(url).content)
    again = _events(j1["coordinator"].get(url).content)
    assert {uid: (e["start"], e["summary"]) for uid, e in first.items()} == {uid: (e["start"], e["summary"]) for uid, e in again.items()}

    # The therapist charts visit 1 on 8 Jan; the next day the file has visits 2-12 under the same UIDs and dates
    # (a calendar app updates them in place instead of adding copies), and visit 1 is past.
    therapist = client_for("therapist")
    _ok(therapist.post(f"/api/episodes/{j1['episode_id']}/encounters",
                       json={"encounter_type": "pt_visit", "date_of_service": "2026-01-08", "narrative": "Traction, nerve glides"}), 201)
    j1["clock"].move_to(NEXT_DAY)
    later = _events(j1["coordinator"].get(url).content)
    first_pt, later_pt = _kind(first, "pt-visit"), _kind(later, "pt-visit")
    visit_one = next(uid for uid, e in first_pt.items() if e["start"] == date(2026, 1, 8))
    assert set(later_pt) == set(first_pt) - {visit_one}
    assert all(later_pt[uid]["start"] == first_pt[uid]["start"] for uid in later_pt)
    assert set(_kind(later, "review")) == set(_kind(first, "review"))
    assert set(_kind(later, "appointment")) == set(_kind(first, "appointment"))


def test_a_trial_ending_on_a_holiday_is_reviewed_on_the_next_business_day():
    calendar = BusinessCalendar()
    assert plan_calendar.review_day(date(2026, 2, 19), calendar) == date(2026, 2, 19)  # a Thursday
    assert plan_calendar.review_day(date(2026, 2, 16), calendar) == date(2026, 2, 17)  # Presidents' Day
    assert plan_calendar.review_day(date(2026, 1, 17), calendar) == date(2026, 1, 20)  # Saturday, then MLK Day
