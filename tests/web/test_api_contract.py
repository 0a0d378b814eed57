"""The API contract an integration can rely on: timestamps carry their offset, dates are plain date
strings, and every status a route can answer with is in the OpenAPI document with the one error body."""

from __future__ import annotations

import re
from datetime import datetime

from test_pages import create_patient_with_episode

ERROR_STATUSES = {"400", "401", "403", "404", "409", "422"}


def test_every_api_route_documents_its_error_answers_with_the_error_body(client_for):
    document = client_for("clinician").get("/api/openapi.json").json()
    missing = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if not ERROR_STATUSES <= statuses:
                missing.append(f"{method.upper()} {path}: {sorted(ERROR_STATUSES - statuses)}")
            for status in ERROR_STATUSES & statuses:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    assert not missing, "\n".join(missing)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"field", "rule", "message"}


def test_framework_refusals_use_the_error_body(client_for):
    client = client_for("clinician")
    broken = client.post("/api/patients", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and set(broken.json()) == {"errors"}
    unknown = client.get("/api/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["rule"] == "http_404"


def _offset_of(stamp: str) -> bool:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).utcoffset() is not None


def test_timestamps_carry_their_offset_and_dates_are_date_strings(client_for, patient_payload, episode_payload):
    client = client_for("coordinator")
    patient_id, episode_id, task_id = create_patient_with_episode(client, patient_payload, episode_payload)
    episode = client.get(f"/api/episodes/{episode_id}").json()
    assert _offset_of(episode["opened_at"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", episode["onset_date"])
    chart = client.get(f"/api/patients/{patient_id}").json()
    assert chart["patient"]["birth_date"] == patient_payload["birth_date"]
    assert all(_offset_of(e["opened_at"]) for e in chart["episodes"])
    timeline = client.get(f"/api/episodes/{episode_id}/timeline").json()
    assert timeline and all(_offset_of(entry["at"]) for entry in timeline)
    task = client.get(f"/api/tasks/{task_id}").json()
    assert _offset_of(task["due_at"]) and _offset_of(task["opened_at"])
    listed = client.get("/api/worklist").json()["tasks"]
    assert listed and all(_offset_of(t["due_at"]) and _offset_of(t["opened_at"]) for t in listed)
    comment = client.post(f"/api/tasks/{task_id}/comments", json={"body": "Called, left a message"})
    assert comment.status_code == 201 and _offset_of(comment.json()["at"])
