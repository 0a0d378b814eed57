"""A session of ordinary and failing requests leaves no patient identifier in any log, at any level."""

import logging

import pytest
from sqlalchemy import text

# Identifiers no other test uses, so a hit can only come from this session.
GIVEN, FAMILY = "Zyrafelle", "Quenbyshire"
BIRTH_DATE = "1967-08-23"
MRN = "MRN-ZQ-7731"
PHONE = "555-0199"
IDENTIFIERS = (GIVEN, FAMILY, BIRTH_DATE, MRN, PHONE)

LOGGERS = ("", "sqlalchemy", "sqlalchemy.pool", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "painpath")


@pytest.fixture
def all_logs(caplog, capfd):  # noqa: ANN201
    """Everything logged or printed: stdlib records at DEBUG (SQLAlchemy statements included) and stdout/stderr."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    # INFO is where SQLAlchemy logs statements and their bound parameters (what hide_parameters governs).
    # Its DEBUG level dumps result rows: an operator's explicit row-dumping mode, never on in the service.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    def collected() -> str:
        out, err = capfd.readouterr()
        # httpx is the test's own client logging the URL it called, not something the service logs.
        records = [r for r in caplog.records if not r.name.startswith("httpx")]
        return "\n".join([*(logging.Formatter("%(name)s %(message)s").format(r) for r in records), out, err])

    return collected


@pytest.fixture
def app(ctx):  # noqa: ANN201
    """The real app plus one route that violates a unique constraint the way a race between two saves would."""
    from fastapi import APIRouter

    from painpath.core.auth.roles import Permission
    from painpath.web.app import create_app
    from painpath.web.deps import DbSession, requires

    router = APIRouter()

    @router.post("/test/duplicate-mrn", dependencies=[requires(Permission.AUTHENTICATED)])
    def duplicate_mrn(session: DbSession, body: dict) -> dict:
        session.execute(text(DUPLICATE_PATIENT), {"mrn": body["mrn"]})
        return {}

    built = create_app(ctx)
    built.include_router(router)
    return built


DUPLICATE_PATIENT = (
    "INSERT INTO patient (clinic_id, mrn, given_name, family_name, birth_date, sex, phone, preferred_contact, version, created_at, updated_at) "
    "SELECT clinic_id, mrn, given_name, family_name, birth_date, sex, phone, preferred_contact, 1, created_at, updated_at FROM patient WHERE mrn = :mrn"
)


def test_a_session_of_requests_logs_no_patient_identifiers(all_logs, client_for, patient_payload, episode_payload, ctx):
    client = client_for("front_desk")
    payload = dict(patient_payload, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH_DATE, mrn=MRN, phone=PHONE)
    created = client.post("/api/patients", json=payload)
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    assert client.get("/api/patients", params={"q": FAMILY}).status_code == 200
    assert client.get("/patients", params={"q": f"{FAMILY}, {GIVEN}"}).status_code == 200
    # Bad input: the 422 names field and rule; the log must not echo what was typed.
    bad = dict(payload, birth_date=f"{BIRTH_DATE}x", mrn=MRN + "-2")
    assert client.post("/api/patients", json=bad).status_code == 422
    duplicate = client.post("/api/patients", json=payload)
    assert duplicate.status_code == 422
    episode = client_for("coordinator").post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    assert client_for("clinician").get(f"/episodes/{episode.json()['id']}").status_code == 200

    # A database error below the service checks (the unique MRN violated by a raw insert) reaching the
    # app's error handling: neither the bound parameters nor the driver's DETAIL line may be logged.
    duplicated = client_for("admin").post("/test/duplicate-mrn", json={"mrn": MRN})
    assert duplicated.status_code == 409, duplicated.text
    assert MRN not in duplicated.text

    logs = all_logs()
    assert "INSERT INTO patient" in logs, "SQLAlchemy statement logging was not captured"
    leaked = [value for value in IDENTIFIERS if value in logs]
    assert leaked == [], f"patient identifiers in logs: {leaked}"
