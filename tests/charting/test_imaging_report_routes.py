"""An imaging report is one fact however it arrives: typed on the episode's Imaging panel as an outside
study, filed as a document on the records tracker, or added to an authorization kit as an imaging report.
Each route satisfies the same kit item (Medicare's "concordant imaging" for a lumbar TFESI), and a study
awaiting its report gets the report instead of a second study being made."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from authorization_setup import MEDICARE, MONDAY_7_DEC_2026, criteria_by_id, frozen_clock, new_episode, open_case, read_case
from painpath.core.audit import AuditEvent
from painpath.orders.models import ImagingStudy
from support import small_pdf

clock = frozen_clock(MONDAY_7_DEC_2026)
RADICULAR = {"problem_summary": "Left L5 radicular pain", "body_region": "lumbar", "laterality": "left",
             "onset_date": "2026-08-01", "icd10_codes": ["M54.16"]}
TFESI = {"procedure_id": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L5-S1"], "place_of_service": "11"}
KIT_ITEM = "concordant_imaging"
MRI_ON = "2026-11-02"


@pytest.fixture
def case(client_for, patient_payload, clock) -> dict:  # noqa: ANN001
    episode_id = new_episode(client_for("coordinator"), patient_payload, RADICULAR, MEDICARE)
    opened = open_case(client_for("coordinator"), episode_id, **TFESI)
    return {"id": opened["id"], "episode_id": episode_id}


def _outside_study(client_for, case: dict) -> object:  # noqa: ANN001
    return client_for("nurse").post(f"/episodes/{case['episode_id']}/imaging-studies", follow_redirects=False, data={
        "modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "origin": "outside",
        "performed_on": MRI_ON, "report_on_file": "true", "concordant": "yes", "summary": "L5-S1 disc protrusion, left L5 root"})


def _records_tracker(client_for, case: dict) -> object:  # noqa: ANN001
    return client_for("coordinator").post(
        f"/episodes/{case['episode_id']}/records/documents", follow_redirects=False,
        data={"covers_mri_report": "true", "imaging_performed_on": MRI_ON, "imaging_concordant": "yes"},
        files={"file": ("mri.pdf", small_pdf("MRI lumbar spine report"), "application/pdf")})


def _kit_document(client_for, case: dict) -> object:  # noqa: ANN001
    return client_for("coordinator").post(f"/authorizations/{case['id']}/documents", follow_redirects=False, data={
        "kind": "imaging_report", "title": "MRI lumbar spine without contrast", "document_date": MRI_ON,
        "modality": "mri", "concordant": "yes"})


ROUTES = {"outside study": _outside_study, "records tracker": _records_tracker, "authorization kit": _kit_document}


def _item_status(client_for, case: dict) -> str:  # noqa: ANN001
    return criteria_by_id(read_case(client_for("coordinator"), case["id"]))[KIT_ITEM]["status"]


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_satisfies_the_same_kit_item_with_one_study(route, client_for, case, db):
    assert _item_status(client_for, case) == "missing_evidence"
    response = ROUTES[route](client_for, case)
    assert response.status_code == 303, response.text
    assert _item_status(client_for, case) == "met"
    with db.session() as session:
        (study,) = session.scalars(select(ImagingStudy)).all()
        assert (study.modality, study.region, study.performed_on.isoformat(), study.report_on_file, study.concordant) == \
            ("mri", "lumbar", MRI_ON, True, "yes")
        assert session.scalars(select(AuditEvent).where(AuditEvent.object_type == "imaging_study")).first() is not None


@pytest.mark.parametrize("route", ["records tracker", "authorization kit"])
def test_a_study_awaiting_its_report_gets_it_instead_of_a_second_study(route, client_for, case, db):
    awaiting = client_for("nurse").post(f"/episodes/{case['episode_id']}/imaging-studies", follow_redirects=False, data={
        "modality": "mri", "region": "lumbar", "study": "MRI lumbar spine", "performed_on": MRI_ON})
    assert awaiting.status_code == 303
    assert _item_status(client_for, case) == "missing_evidence"  # no report, no concordance
    assert ROUTES[route](client_for, case).status_code == 303
    with db.session() as session:
        (study,) = session.scalars(select(ImagingStudy)).all()
        assert study.report_on_file and study.concordant == "yes" and study.version == 2
    assert _item_status(client_for, case) == "met"


def test_a_kit_imaging_report_without_its_study_is_refused_naming_the_field(client_for, case, db):
    response = client_for("coordinator").post(f"/authorizations/{case['id']}/documents", data={
        "kind": "imaging_report", "title": "Outside imaging", "document_date": MRI_ON})
    assert response.status_code == 422
    assert "Say which study the report is of" in response.text and 'value="Outside imaging"' in response.text
    with db.session() as session:
        assert session.scalars(select(ImagingStudy)).first() is None


def test_filing_the_report_on_the_imaging_panel_with_a_stale_version_is_refused(client_for, case, db):
    nurse = client_for("nurse")
    nurse.post(f"/episodes/{case['episode_id']}/imaging-studies", data={
        "modality": "mri", "region": "lumbar", "study": "MRI lumbar spine", "performed_on": MRI_ON})
    with db.session() as session:
        study_id = session.scalars(select(ImagingStudy.id)).one()
    filed = nurse.post(f"/imaging-studies/{study_id}/report", data={"version": "1", "concordant": "yes"}, follow_redirects=False)
    assert filed.status_code == 303 and filed.headers["location"].endswith(f"#study-{study_id}")
    again = nurse.post(f"/imaging-studies/{study_id}/report", data={"version": "1", "concordant": "no", "summary": "typed again"})
    assert again.status_code == 409 and "The report was not filed" in again.text
    with db.session() as session:
        assert session.get(ImagingStudy, study_id).concordant == "yes"
