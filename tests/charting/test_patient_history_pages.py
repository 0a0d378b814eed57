"""The episode page's History panel: recorded from the form (the API's schema and service), shown on every
episode of the patient with who changed it last, refusals that keep what was typed and name the row and
field, and a stale version refused with 409."""

from __future__ import annotations

from sqlalchemy import select

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock, plain_episode
from painpath.charting.history.models import PatientHistory
from support import page_section, page_text

clock = frozen_clock(MONDAY_7_DEC_2026)
episode_id = plain_episode()
FORM = {
    "occupation": "Warehouse picker", "work_status": "working", "lifting_lb": "50", "sitting_hours": "", "driving_hours": "2",
    "shift_pattern": "rotating", "work_notes": "", "smoking_status": "current", "pack_years": "12.5", "quit_year": "",
    "cotinine_ng_ml": "180", "cotinine_on": "2026-12-01", "alcohol_drinks_per_week": "", "substances": "", "sleep_hours": "6",
    "prior_treatments": "", "version": "",
    "surgeries.0.procedure": "L4-5 microdiscectomy", "surgeries.0.year": "2019", "surgeries.0.region": "lumbar", "surgeries.0.outcome": "no_relief",
    "surgeries.1.procedure": "", "surgeries.1.year": "", "surgeries.1.region": "", "surgeries.1.outcome": "unknown",
    "sports.0.activity": "Swimming", "sports.0.sessions_per_week": "2", "sports.0.still_active": "true",
}


def _history(db) -> PatientHistory | None:  # noqa: ANN001
    with db.session() as session:
        return session.scalars(select(PatientHistory)).one_or_none()


def test_history_recorded_on_the_page_is_saved_shown_and_offered_for_editing(client_for, episode_id, db):
    clinician = client_for("clinician")
    response = clinician.post(f"/episodes/{episode_id}/history", data=FORM, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#patient-history")
    saved = _history(db)
    assert saved.surgeries == [{"procedure": "L4-5 microdiscectomy", "year": 2019, "region": "lumbar", "outcome": "no_relief"}]
    assert (saved.sports, saved.pack_years, saved.sitting_hours) == ([{"activity": "Swimming", "sessions_per_week": 2, "still_active": True}], 12.5, None)
    panel = page_text(page_section(client_for("nurse").get(f"/episodes/{episode_id}").text, "patient-history"))
    assert "Warehouse picker; Working; lifts up to 50 lb; drives 2 h a day; rotating shifts" in panel
    assert "L4-5 microdiscectomy (2019, low back (lumbar)): no relief" in panel
    assert "Smokes now, 12.5 pack-years; cotinine 180 ng/mL on 01 Dec 2026" in panel
    assert "Last changed by" in panel and "07 Dec 2026" in panel
    page = client_for("nurse").get(f"/episodes/{episode_id}").text
    assert 'name="version" value="1"' in page and 'value="L4-5 microdiscectomy"' in page and 'value="12.5"' in page


def test_a_refused_history_keeps_what_was_typed_and_names_the_row(client_for, episode_id, db):
    typed = {**FORM, "surgeries.0.year": "2031", "occupation": "Forklift driver"}
    response = client_for("nurse").post(f"/episodes/{episode_id}/history", data=typed)
    assert response.status_code == 422
    panel = page_text(page_section(response.text, "patient-history"))
    assert "The history was not saved" in panel and "Surgery 1, year: The year cannot be after 2026" in panel
    assert 'value="Forklift driver"' in response.text and 'value="2031"' in response.text
    assert _history(db) is None
    typo = client_for("nurse").post(f"/episodes/{episode_id}/history", data={**FORM, "surgeries.1.procedure": "Knee scope", "surgeries.1.year": "20x"})
    assert typo.status_code == 422 and "Surgery 2, year:" in page_text(page_section(typo.text, "patient-history"))


def test_a_stale_form_is_refused_with_409_and_the_newer_history_kept(client_for, episode_id, db):
    clinician = client_for("clinician")
    assert clinician.post(f"/episodes/{episode_id}/history", data=FORM, follow_redirects=False).status_code == 303
    assert clinician.post(f"/episodes/{episode_id}/history", data={**FORM, "version": "1", "smoking_status": "former", "quit_year": "2026"},
                          follow_redirects=False).status_code == 303
    stale = client_for("nurse").post(f"/episodes/{episode_id}/history", data={**FORM, "version": "1", "occupation": "Forklift driver"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text and 'value="Forklift driver"' in stale.text
    kept = _history(db)
    assert (kept.occupation, kept.smoking_status, kept.version) == ("Warehouse picker", "former", 2)


def test_the_visit_note_shows_the_history_read_only_with_a_way_to_edit_it(client_for, episode_id):
    clinician = client_for("clinician")
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-12-07"})
    assert note.status_code == 201, note.text
    empty = page_text(page_section(clinician.get(f"/encounters/{note.json()['id']}").text, "patient-history"))
    assert "No history recorded for this patient yet" in empty and "Record the history on the episode page" in empty
    assert clinician.post(f"/episodes/{episode_id}/history", data=FORM, follow_redirects=False).status_code == 303
    html = clinician.get(f"/encounters/{note.json()['id']}").text
    shown = page_text(page_section(html, "patient-history"))
    assert "L4-5 microdiscectomy (2019, low back (lumbar)): no relief" in shown and "Last changed by Clinician User" in shown
    assert f'href="/episodes/{episode_id}#patient-history"' in html and 'id="history-form"' not in html
