"""The patient's timeline on the episode page: an event added with the form inside the timeline, refusals
that keep what was typed and name the part of the date that is wrong, and the event's own page to correct
or remove it (409 on a stale version, nothing changed)."""

from __future__ import annotations

from sqlalchemy import func, select

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock, plain_episode
from painpath.charting.patient_events.models import PatientEvent

clock = frozen_clock(MONDAY_7_DEC_2026)
episode_id = plain_episode()
INJURY = {"kind": "injury", "year": "2019", "month": "", "day": "", "description": "Lifting injury at work"}


def _events(db) -> list[PatientEvent]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(PatientEvent).order_by(PatientEvent.id)))


def test_an_event_added_on_the_page_shows_in_the_timeline_as_the_patients(client_for, episode_id, db):
    coordinator = client_for("coordinator")
    response = coordinator.post(f"/episodes/{episode_id}/patient-events", data=INJURY, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith(f"/episodes/{episode_id}#timeline-heading")
    (event,) = _events(db)
    assert (event.occurred_on.isoformat(), event.date_precision) == ("2019-01-01", "year")
    page = coordinator.get(f"/episodes/{episode_id}").text
    assert 'class="timeline-reported"' in page and "Injury: Lifting injury at work" in page and "reported by the patient" in page
    assert f'href="/patient-events/{event.id}"' in page
    # Staff who change episodes get the form; the front desk sees neither the clinical timeline nor the form.
    clinician_page = client_for("clinician").get(f"/episodes/{episode_id}").text
    assert "Lifting injury at work" in clinician_page and 'id="patient-event-form"' in clinician_page
    front_desk = client_for("front_desk").get(f"/episodes/{episode_id}").text
    assert "Lifting injury at work" not in front_desk and 'id="patient-event-form"' not in front_desk


def test_a_refused_event_keeps_what_was_typed_and_names_the_date_part(client_for, episode_id, db):
    nurse = client_for("nurse")
    no_month = nurse.post(f"/episodes/{episode_id}/patient-events", data={**INJURY, "day": "12"})
    assert no_month.status_code == 422
    assert "The event was not added" in no_month.text and "A day needs its month" in no_month.text
    assert ">Lifting injury at work</textarea>" in no_month.text and 'value="12"' in no_month.text
    not_a_year = nurse.post(f"/episodes/{episode_id}/patient-events", data={**INJURY, "year": "around 2019"})
    assert not_a_year.status_code == 422 and "Enter a whole number" in not_a_year.text and 'value="around 2019"' in not_a_year.text
    assert _events(db) == []


def test_the_event_page_corrects_and_removes_with_the_version_seen(client_for, episode_id, db):
    nurse = client_for("nurse")
    nurse.post(f"/episodes/{episode_id}/patient-events", data=INJURY)
    (event,) = _events(db)
    page = nurse.get(f"/patient-events/{event.id}")
    assert page.status_code == 200 and "Lifting injury at work" in page.text and 'id="event-edit-form"' in page.text
    fixed = nurse.post(f"/patient-events/{event.id}/edit", data={**INJURY, "month": "6", "version": str(event.version)}, follow_redirects=False)
    assert fixed.status_code == 303
    assert _events(db)[0].date_precision == "month" and _events(db)[0].version == 2
    stale = nurse.post(f"/patient-events/{event.id}/edit", data={**INJURY, "description": "Changed by two people", "version": "1"})
    assert stale.status_code == 409 and "The event was not changed" in stale.text and "Changed by two people" in stale.text
    stale_remove = nurse.post(f"/patient-events/{event.id}/remove", data={"version": "1"})
    assert stale_remove.status_code == 409 and "The event was not removed" in stale_remove.text
    removed = nurse.post(f"/patient-events/{event.id}/remove", data={"version": "2"}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"].endswith(f"/episodes/{episode_id}#timeline-heading")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PatientEvent)) == 0
    # Reading an event is the clinical chart's: the front desk is refused.
    nurse.post(f"/episodes/{episode_id}/patient-events", data=INJURY)
    assert client_for("front_desk").get(f"/patient-events/{_events(db)[0].id}").status_code == 403
