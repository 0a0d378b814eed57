def test_sign_in_and_create_patient_with_episode_opens_first_visit_task(client_for, patient_payload, episode_payload):
    client = client_for("coordinator")
    created = client.post("/api/patients", json=patient_payload)
    assert created.status_code == 201, created.text
    episode = client.post(f"/api/patients/{created.json()['id']}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    worklist = client.get("/api/worklist", params={"mine": True}).json()
    assert [t["kind"] for t in worklist["tasks"]] == ["first_visit.book"]
    assert worklist["counts"]["open"] == 1
