"""The patient search in the page header: one box read as name, MRN, date of birth or phone, filtered
by the caller's caseload like the /patients search."""

from __future__ import annotations

import pytest

from painpath.patients.search_text import split_query


@pytest.mark.parametrize(("typed", "read"), [
    ("Okafor", {"name": "Okafor", "birth_date": "", "phone": ""}),
    ("okafor 1981-03-14", {"name": "okafor", "birth_date": "1981-03-14", "phone": ""}),
    ("03/14/1981", {"name": "", "birth_date": "1981-03-14", "phone": ""}),
    ("(555) 014-2", {"name": "", "birth_date": "", "phone": "(555) 014-2"}),
    ("MRN-1001", {"name": "MRN-1001", "birth_date": "", "phone": ""}),
    ("12345", {"name": "12345", "birth_date": "", "phone": ""}),  # too short for a phone: an MRN or part of a name
    ("02/30/1981", {"name": "", "birth_date": "02/30/1981", "phone": ""}),  # kept, so the page can say it is no date
])
def test_the_one_box_is_read_as_fields(typed, read):
    assert split_query(typed) == read


def test_header_box_is_on_every_staff_page_and_finds_by_each_field(client_for, patient_payload):
    desk = client_for("front_desk")
    patient_id = desk.post("/api/patients", json={**patient_payload, "phone": "(555) 014-2000"}).json()["id"]
    assert 'id="header-q" name="q"' in desk.get("/worklist").text or 'id="header-q" name="q"' in desk.get("/intake").text
    for typed in ("okafor", "MRN-1001", "1981-03-14", "03/14/1981", "555.014.2000", "dana okafor 1981-03-14"):
        page = desk.get("/patients", params={"q": typed})
        assert page.status_code == 200 and f'href="/patients/{patient_id}"' in page.text, typed
    assert f'href="/patients/{patient_id}"' not in desk.get("/patients", params={"q": "555-999-0000"}).text
    assert f'href="/patients/{patient_id}"' not in desk.get("/patients", params={"q": "okafor 1990-01-01"}).text
    bad = desk.get("/patients", params={"q": "02/30/1981"})
    assert bad.status_code == 422 and "Enter the date of birth as a date" in bad.text


def test_header_search_shows_a_therapist_only_their_caseload(client_for, patient_payload):
    client_for("coordinator").post("/api/patients", json={**patient_payload, "phone": "555-014-2000"})
    therapist = client_for("therapist")
    page = therapist.get("/patients", params={"q": "555-014-2000"})
    assert page.status_code == 200 and "Okafor" not in page.text and "0 patients found" in page.text
