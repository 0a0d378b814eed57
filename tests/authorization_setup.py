"""Setup shared by the authorization tests: a patient with a coverage and an episode made through the API,
journey J6's facet workup (failed PT, a lumbar MRI, a baseline ODI) under Medicare, medial branch blocks
with their relief reports, and opening or reading an authorization case. Imported as a plain module
(`from authorization_setup import ...`), like smtp_relay.py: pytest puts tests/ on sys.path because
tests/conftest.py lives there. Fixtures come from factories (`clock = frozen_clock(NOW)`), so each test
module states its own moment.

Each helper asserts that the API took what it was given; the numbers a test is about (relief percents,
dates) stay in the test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Monday 7 Dec 2026, 10:00 in Chicago.
MONDAY_7_DEC_2026 = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)

MEDICARE = {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"}
FACET_LUMBAR = {"problem_summary": "Axial low back pain, worse on extension", "body_region": "lumbar", "laterality": "bilateral",
                "onset_date": "2026-03-01", "icd10_codes": ["M47.816"]}
FACET_MRI_SUMMARY = "Facet arthropathy L4-5, L5-S1; no stenosis"
LEVELS = ["L4-5", "L5-S1"]
MBB_CODES = ["64493", "64494"]
RFA_CODES = ["64635", "64636"]
# The lumbar RFA request J6 opens: both sides, L4-5 and L5-S1, hospital outpatient (POS 22).
RFA = {"procedure_id": "rfa_lumbar", "cpt_codes": RFA_CODES, "side": "bilateral", "levels": LEVELS, "place_of_service": "22"}


# Published valid NPIs (check digit holds): the CMS documentation example, and two from the NPPES
# public registry's format examples. Tests never need a payer to accept them, only our check to pass.
CLINIC_NPI = "1245319599"
CLINICIAN_NPI = "1234567893"


@pytest.fixture
def npis(db, clinic, staff) -> dict[str, str]:  # noqa: ANN001
    """The clinic and its clinician with NPIs, as an administrator would have entered them."""
    from painpath.core.auth.models import User
    from painpath.core.tenancy import Clinic

    with db.session() as session:
        session.get(Clinic, clinic.id).npi = CLINIC_NPI
        session.get(User, staff["clinician"].id).npi = CLINICIAN_NPI
    return {"clinic": CLINIC_NPI, "clinician": CLINICIAN_NPI}


@pytest.fixture
def pas_url(pas_endpoint, monkeypatch) -> str:  # noqa: ANN001
    """The clinic's default PAS endpoint is the loopback one (tests/pas_endpoint.py); its FHIR base."""
    monkeypatch.setenv("PAINPATH_PAS_BASE_URL", pas_endpoint.base_url)
    return pas_endpoint.base_url


def submit_electronically(client, case: dict, submitter: str = "pas_http", **extra):  # noqa: ANN001, ANN003, ANN201
    return client.post(f"/api/authorizations/{case['id']}/submit-electronically",
                       json={"version": case["version"], "submitter": submitter, **extra})


def eligible_rfa_case(client_for, patient_payload: dict, staff: dict) -> dict:  # noqa: ANN001
    """J6's lumbar RFA case under Medicare, eligible now (blocks of 85% and 82%, 15 days apart), as the API answered."""
    clinician = client_for("clinician")
    episode_id = facet_episode(client_for("coordinator"), clinician, patient_payload, responsible_clinician_id=staff["clinician"].id)
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    return open_case(client_for("coordinator"), episode_id, **RFA)


def payer_contact(ctx, monkeypatch, payer_id: str = "medicare_noridian_jf", **values) -> None:  # noqa: ANN001, ANN003
    """Give a payer in the directory its prior-authorization contact (fax, portal_url, pas_endpoint), as a
    clinic's payer pack would, for this test only."""
    import dataclasses
    from types import MappingProxyType

    from painpath.knowledge.schemas.payers import PriorAuthContact

    payer = ctx.knowledge.payers[payer_id]
    contact = PriorAuthContact(source="payer's provider manual", evidence="K", verified=False, **values)
    payers = MappingProxyType({**ctx.knowledge.payers, payer_id: payer.model_copy(update={"prior_auth": contact})})
    monkeypatch.setattr(ctx, "knowledge", dataclasses.replace(ctx.knowledge, payers=payers))


def frozen_clock(moment: datetime, *, tick: bool = False) -> Callable:
    """A `clock` fixture that travels to `moment` (standing still unless `tick`): `clock = frozen_clock(NOW)`."""

    @pytest.fixture
    def clock():  # noqa: ANN202
        with time_machine.travel(moment, tick=tick) as traveller:
            yield traveller

    return clock


def plain_episode() -> Callable:
    """An `episode_id` fixture: conftest's patient with conftest's (cervical) episode, no coverage, made at the
    module's `clock`: `episode_id = plain_episode()`."""

    @pytest.fixture
    def episode_id(client_for, patient_payload, episode_payload, clock) -> int:  # noqa: ANN001
        return new_episode(client_for("coordinator"), patient_payload, episode_payload)

    return episode_id


def new_episode(coordinator, patient: dict, episode: dict, coverage: dict | None = None) -> int:  # noqa: ANN001
    """A new patient (with `coverage` when given) and an episode for it, through the API; the episode's id."""
    patient_id = coordinator.post("/api/patients", json=patient).json()["id"]
    if coverage is not None:
        covered = coordinator.post(f"/api/patients/{patient_id}/coverages", json=coverage)
        assert covered.status_code == 201, covered.text
    opened = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode)
    assert opened.status_code == 201, opened.text
    return opened.json()["id"]


def facet_workup(coordinator, clinician, episode_id: int) -> dict:  # noqa: ANN001
    """What Medicare asks for before lumbar facet procedures, besides the blocks: 10 weeks of PT that failed
    (1 Jun to 15 Aug 2026), a concordant lumbar MRI (1 Sep) and a baseline ODI at the first visit (15 Sep).
    Returns the ODI administration as the API answered it."""
    care = {"kind": "physical_therapy", "start_date": "2026-06-01", "end_date": "2026-08-15", "source": "reported",
            "description": "PT, core stabilization, 10 weeks", "failed": "yes"}
    made = clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care)
    assert made.status_code == 201, made.text
    mri = {"modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "performed_on": "2026-09-01",
           "report_on_file": True, "concordant": "yes", "summary": FACET_MRI_SUMMARY}
    made = coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json=mri)
    assert made.status_code == 201, made.text
    odi = {"instrument_id": "odi", "answers": {f"odi_{i}": 3 for i in range(1, 11)}, "administered_at": "2026-09-15T10:00:00"}
    given = clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json=odi)
    assert given.status_code == 201, given.text
    return given.json()


def facet_episode(coordinator, clinician, patient: dict, **episode: object) -> int:  # noqa: ANN001
    """A Medicare patient with facet-mediated low back pain (J6) and the workup done; `episode` adds to the episode."""
    episode_id = new_episode(coordinator, patient, {**FACET_LUMBAR, **episode}, MEDICARE)
    facet_workup(coordinator, clinician, episode_id)
    return episode_id


def record_procedure(clinician, episode_id: int, key: str, cpt_codes: list[str], on: str, **more: object) -> int:  # noqa: ANN001
    """A bilateral L4-5/L5-S1 procedure done on `on` (baseline pain 7/10 NRS); its id."""
    body = {"procedure_key": key, "cpt_codes": cpt_codes, "side": "bilateral", "levels": LEVELS, "performed_on": on,
            "baseline_pain": 7, "baseline_scale": "nrs", **more}
    made = clinician.post(f"/api/episodes/{episode_id}/procedures", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def record_relief(clinician, procedure_id: int, on: str, percent: float, *, hours_after: float | None = None,  # noqa: ANN001
                  lasted_days: int | None = None) -> None:
    report = {"measured_on": on, "percent": percent, "scale": "nrs", "hours_after": hours_after, "lasted_days": lasted_days}
    made = clinician.post(f"/api/procedures/{procedure_id}/relief", json=report)
    assert made.status_code == 201, made.text


def record_block(clinician, episode_id: int, on: str, relief: float, **more: object) -> int:  # noqa: ANN001
    """A lumbar medial branch block on `on` and its relief `relief`% 4 hours after; the block's id."""
    block = record_procedure(clinician, episode_id, "mbb_lumbar", MBB_CODES, on, **more)
    record_relief(clinician, block, on, relief, hours_after=4)
    return block


def open_case(client, episode_id: int, **request: object) -> dict:  # noqa: ANN001
    """Open an authorization case through the API (`open_case(c, e, **RFA)`); the case as the API shows it."""
    opened = client.post(f"/api/episodes/{episode_id}/authorizations", json=request)
    assert opened.status_code == 201, opened.text
    return opened.json()


def read_case(client, case_id: int) -> dict:  # noqa: ANN001
    found = client.get(f"/api/authorizations/{case_id}")
    assert found.status_code == 200, found.text
    return found.json()


def criteria_by_id(case: dict) -> dict[str, dict]:
    return {c["criterion_id"]: c for c in case["decision"]["criteria"]}


CLINIC_ZONE = "America/Chicago"  # the test clinic's time zone (conftest settings)


def walk_case(client, episode_id: int, *, procedure_id: str, submitted_at: str, answers: Sequence[tuple[str, str]] = (),  # noqa: ANN001
              **request: object) -> dict:
    """A case opened, submitted at `submitted_at` and answered through the API, as staff record them: `answers` are
    (move, clinic wall-clock time), a move being approve, partially_approve, deny, schedule_peer_to_peer or appeal.
    The clock must stand after the last time. The case as the API last answered."""
    return submit_and_answer(client, open_case(client, episode_id, procedure_id=procedure_id, **request), submitted_at, answers)


def submit_and_answer(client, case: dict, submitted_at: str, answers: Sequence[tuple[str, str]] = ()) -> dict:  # noqa: ANN001
    """Submit an open case at `submitted_at` and record the payer's `answers` through the API (see walk_case)."""
    case = _answered(client.post(f"/api/authorizations/{case['id']}/submit",
                                 json={"version": case["version"], "channel": "fax", "submitted_at": submitted_at}))
    for move, at in answers:
        if move in ("approve", "partially_approve", "deny"):
            body: dict = {"version": case["version"], "outcome": move, "decided_at": at}
            if move == "deny":
                body["denial_reason"] = "Not medically necessary per the payer's policy"
            else:
                body.update(authorization_number=f"AUTH-{case['id']}-{at[:10]}", approved_units=1,
                            approved_from=at[:10], approved_to=f"{int(at[:4]) + 1}{at[4:10]}")
            case = _answered(client.post(f"/api/authorizations/{case['id']}/decision", json=body))
        else:  # recorded at that moment, as staff record a call or an appeal when it happens
            with time_machine.travel(datetime.fromisoformat(at).replace(tzinfo=ZoneInfo(CLINIC_ZONE)), tick=False):
                case = _answered(client.post(f"/api/authorizations/{case['id']}/step", json={"version": case["version"], "action": move, "at": at}))
    return case


def _answered(response) -> dict:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return response.json()
