"""Schemathesis against the live server: every operation, signed in, with generated valid and invalid
input, must never answer with a server error; every JSON API answer (status and body, timestamps with
their offset) must be one the OpenAPI document describes.

Runs on PostgreSQL (where NUL bytes and integer overflow used to reach a 500); `make test` runs it in its
PostgreSQL pass. The number of examples per operation is bounded so the whole run stays near a minute.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from support import EPISODE, PATIENT, password_for
from live_server import serving


# Examples per operation and generation mode; raise locally with PAINPATH_FUZZ_EXAMPLES to dig deeper.
EXAMPLES = int(os.environ.get("PAINPATH_FUZZ_EXAMPLES", "6"))
ROLES = ("clinician", "coordinator")
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Signing out would end the session every later example needs; it has no input to fuzz.
SKIPPED = {("POST", "/logout")}


def _signed_in(base_url: str, role: str) -> requests.Session:
    """A session signed in through the real login form, with the CSRF header API writes need."""
    http = requests.Session()
    http.get(f"{base_url}/login").raise_for_status()
    answer = http.post(
        f"{base_url}/login", allow_redirects=False,
        data={"username": role, "password": password_for(role), "login_csrf": http.cookies["painpath_login_csrf"], "next": "/"},
    )
    assert answer.status_code == 303, answer.text
    http.headers["x-csrf-token"] = http.get(f"{base_url}/api/me").json()["csrf_token"]
    return http


def _seed(base_url: str, sessions: dict[str, requests.Session]) -> dict[str, int]:
    """A patient, an episode, a visit note, a task, an appointment and a records provider, so operations
    on those ids reach real rows."""
    patient = sessions["coordinator"].post(f"{base_url}/api/patients", json=PATIENT)
    assert patient.status_code == 201, patient.text
    patient_id = patient.json()["id"]
    episode = sessions["coordinator"].post(f"{base_url}/api/patients/{patient_id}/episodes", json=EPISODE)
    assert episode.status_code == 201, episode.text
    episode_id = episode.json()["id"]
    note = sessions["clinician"].post(f"{base_url}/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-01-05"})
    assert note.status_code == 201, note.text
    tasks = sessions["coordinator"].get(f"{base_url}/api/worklist", params={"episode_id": episode_id}).json()["tasks"]
    visit = sessions["coordinator"].post(f"{base_url}/api/episodes/{episode_id}/appointments", json={"start_at": _in_a_week()})
    assert visit.status_code == 201, visit.text
    provider = sessions["coordinator"].post(
        f"{base_url}/api/episodes/{episode_id}/records/providers", json={"name": "Lakeside Imaging", "kind": "imaging_center", "fax": "555-0199"},
    )
    assert provider.status_code == 201, provider.text
    return {"patient_id": patient_id, "episode_id": episode_id, "encounter_id": note.json()["id"], "task_id": tasks[0]["id"],
            "appointment_id": visit.json()["id"], "provider_id": provider.json()["id"]}


def _in_a_week() -> str:
    return f"{datetime.now(timezone.utc) + timedelta(days=7):%Y-%m-%d}T10:00:00"


def _failure_summary(exc: BaseException) -> list[str]:
    failures = getattr(exc, "exceptions", None) or [exc]
    detail = os.environ.get("PAINPATH_FUZZ_DETAIL")  # set it to see each failure in full
    return [f"{type(f).__name__}: {f if detail else str(getattr(f, 'title', '') or f).splitlines()[0][:200]}" for f in failures]


# A timestamp without an offset: readers cannot tell UTC from the clinic's wall clock.
_NAIVE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _naive_timestamps(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if _NAIVE_TIMESTAMP.match(value) else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [found for item in items for found in _naive_timestamps(item)]


def _fuzz(operation, strategy, checks, base_url: str, sessions: dict[str, requests.Session], found: dict[str, set[str]]) -> None:  # noqa: ANN001
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy, role=st.sampled_from(ROLES))
    def run(case, role):  # noqa: ANN001
        response = case.call(base_url=base_url, session=sessions[role])
        try:
            case.validate_response(response, checks=checks)
        except (AssertionError, FailureGroup) as exc:  # one failure, or a group of them
            for line in _failure_summary(exc):
                found[f"{operation.method.upper()} {operation.path}"].add(
                    f"{line} (status {response.status_code}: {response.text[:160]})"
                )
        if "application/json" in str(response.headers.get("content-type")):
            for stamp in _naive_timestamps(response.json())[:1]:
                found[f"{operation.method.upper()} {operation.path}"].add(f"timestamp without offset: {stamp}")

    try:
        run()
    except Unsatisfiable:
        pass  # an operation without input has no invalid variant to generate


# PostgreSQL is where NUL bytes and integer overflow became server errors; the SQLite pass deselects this test.
@pytest.mark.postgresql_only
def test_api_has_no_server_errors_and_keeps_its_schema(ctx, staff):
    with serving(ctx) as base_url:
        sessions = {role: _signed_in(base_url, role) for role in ROLES}
        ids = _seed(base_url, sessions)
        document = sessions["clinician"].get(f"{base_url}/api/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document)
        found: dict[str, set[str]] = defaultdict(set)
        fuzzed = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            # The JSON API keeps its whole contract; pages answer in HTML and must simply never fail.
            checks = CHECKS if operation.path.startswith("/api/") else [not_a_server_error]
            fuzzed += 1
            known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
            strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)]
            if known:
                strategies.append(operation.as_strategy(path_parameters=known))
            for strategy in strategies:
                _fuzz(operation, strategy, checks, base_url, sessions, found)
    assert fuzzed > 180
    report = "\n".join(f"{op}: {line}" for op, lines in sorted(found.items()) for line in sorted(lines))
    assert not found, f"Schemathesis found {len(found)} operations that fail:\n{report}"
