"""A note belongs to its visit: a note started from an appointment records it (API and the Visits panel), an
appointment of another episode is refused naming the field, and the visit is completed from the note."""

from datetime import datetime, timezone

import time_machine

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 09:00 Chicago
VISIT_TIME = datetime(2026, 12, 7, 16, 5, tzinfo=timezone.utc)  # 10:05, just after the 10:00 visit begins


def _episode(client_for, patient_payload, episode_payload) -> int:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_api_links_a_note_to_a_visit_of_the_same_episode_only(client_for, staff, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        episode_id = _episode(client_for, patient_payload, episode_payload)
        other_episode = client_for("coordinator").post(
            f"/api/patients/{client_for('coordinator').get(f'/api/episodes/{episode_id}').json()['patient_id']}/episodes",
            json=episode_payload).json()["id"]
        desk = client_for("front_desk")
        visit = desk.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-07T10:00:00"}).json()
        clinician = client_for("clinician")
        note = clinician.post(f"/api/episodes/{episode_id}/encounters",
                              json={"encounter_type": "initial", "date_of_service": "2026-12-07", "appointment_id": visit["id"]})
        assert note.status_code == 201 and note.json()["appointment_id"] == visit["id"]
        wrong = clinician.post(f"/api/episodes/{other_episode}/encounters",
                               json={"encounter_type": "initial", "date_of_service": "2026-12-07", "appointment_id": visit["id"]})
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "appointment_id" and "another episode" in wrong.json()["errors"][0]["message"]
        plain = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-12-07"})
        assert plain.status_code == 201 and plain.json()["appointment_id"] is None


def test_start_the_note_from_the_visit_and_complete_the_visit_from_the_note(client_for, staff, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False) as clock:
        episode_id = _episode(client_for, patient_payload, episode_payload)
        visit = client_for("front_desk").post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-07T10:00:00"}).json()
        clock.move_to(VISIT_TIME)
        clinician = client_for("clinician")
        page = clinician.get(f"/episodes/{episode_id}").text
        assert f'id="visit-{visit["id"]}-note"' in page  # a clinician starts the note; the desk's buttons are not shown
        assert f'id="visit-{visit["id"]}-check-in"' not in page
        started = clinician.post(f"/episodes/{episode_id}/encounters", data={
            "csrf_token": _token(page), "appointment_id": str(visit["id"]), "encounter_type": "initial", "date_of_service": "2026-12-07"},
            follow_redirects=False)
        assert started.status_code == 303
        note_url = started.headers["location"]
        note_page = clinician.get(note_url).text
        assert 'id="note-complete-visit"' in note_page and "Documents the visit of" in note_page
        complete = f"{note_url}/complete-visit"
        done = clinician.post(complete, data={"csrf_token": _token(note_page), "version": str(visit["version"])}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == note_url
        visits = clinician.get(f"/api/episodes/{episode_id}/appointments").json()
        assert visits[0]["status"] == "completed"
        # Pressing it again from a stale page: the rule is named on the page, with 409.
        again = clinician.post(complete, data={"csrf_token": _token(note_page), "version": str(visits[0]["version"])})
        assert again.status_code == 409 and "Only a booked or checked-in visit can be completed; this visit is completed." in again.text
