"""Patient search treats % and _ as the characters a person typed, never as wildcards."""


def test_percent_and_underscore_match_only_themselves(client_for, patient_payload):
    client = client_for("front_desk")
    assert client.post("/api/patients", json=patient_payload).status_code == 201
    other = dict(patient_payload, mrn="MRN-1002", family_name="O_Neil", given_name="Sam")
    assert client.post("/api/patients", json=other).status_code == 201
    for text in ("%", "_", "%a", "O%", "_kafor"):
        found = client.get("/api/patients", params={"q": text}).json()
        assert found == [], (text, found)
    found = client.get("/api/patients", params={"q": "O_N"}).json()
    assert [p["family_name"] for p in found] == ["O_Neil"]
