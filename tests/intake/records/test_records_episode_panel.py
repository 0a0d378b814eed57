"""The episode page shows the records-ready checklist before the first visit."""


def test_episode_page_shows_the_records_checklist(client_for, patient_payload, episode_payload, staff):
    client = client_for("coordinator")
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    page = client.get(f"/episodes/{episode_id}").text
    assert "No records requested yet." in page and f'href="/episodes/{episode_id}/records"' in page

    provider = client.post(f"/api/episodes/{episode_id}/records/providers", json={"name": "Northside Imaging Center", "kind": "imaging_center", "fax": "555-010-0177"}).json()
    made = client.post(f"/api/episodes/{episode_id}/records/requests", json={
        "provider_id": provider["id"], "transport": "print", "items": [{"item": "mri_report"}],
        "authorization_reference": "Release signed at intake", "authorization_date": "2026-11-20",
        "requesting_clinician_id": staff["clinician"].id,
    })
    assert made.status_code == 201, made.text
    page = client.get(f"/episodes/{episode_id}").text
    assert "Outstanding" in page and "Northside Imaging Center" in page
