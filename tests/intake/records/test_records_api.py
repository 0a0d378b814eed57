"""The records JSON API: providers, requests sent at once, uploads checked by content, downloads audited."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.intake.records import rules
from records_fixtures import make_episode, smtp_relay  # noqa: F401  (fixtures)

from support import small_pdf

PDF = small_pdf("Records")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def api(client_for, make_episode, smtp_relay) -> dict:
    ep = make_episode()
    client = client_for("front_desk")
    provider = client.post(f"/api/episodes/{ep['episode_id']}/records/providers",
                           json={"name": "Lakeside Imaging", "kind": "imaging_center", "fax": "555-010-0199"})
    assert provider.status_code == 201, provider.text
    request = client.post(f"/api/episodes/{ep['episode_id']}/records/requests", json={
        "provider_id": provider.json()["id"], "transport": "fax", "items": [{"item": "mri_report"}, {"item": "imaging"}],
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    })
    assert request.status_code == 201, request.text
    return {**ep, "client": client, "provider": provider.json(), "request": request.json(), "relay": smtp_relay}


def _upload(api, content: bytes, filename: str, content_type: str, items=("mri_report",), request_id=True):  # noqa: ANN001, ANN202
    data = {"items": list(items)}
    if request_id:
        data["request_id"] = str(api["request"]["id"])
    return api["client"].post(f"/api/episodes/{api['episode_id']}/records/documents",
                              files={"file": (filename, content, content_type)}, data=data)


def test_a_request_is_sent_when_it_is_created(api):
    request = api["request"]
    assert (request["status"], request["attempts"], request["sent_to"]) == ("sent", 1, "5550100199@fax.gateway.test")
    assert request["reference"] == f"RR-{request['id']:06d}"
    assert len(api["relay"].messages) == 1
    letter = api["client"].get(f"/api/records/requests/{request['id']}/letter")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-")


def test_a_text_file_is_refused_naming_the_file_field(api):
    response = _upload(api, b"Dear clinic, here are the notes.", "notes.pdf", "application/pdf")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("file", "file_type")
    assert "notes.pdf is not a PDF, PNG or JPEG file" in error["message"]


def test_an_oversized_file_is_refused(api):
    response = _upload(api, b"%PDF-" + b"0" * rules.MAX_UPLOAD_BYTES, "huge.pdf", "application/pdf")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("file", "max_size")
    # The stated limit is the one enforced, to the byte: 20 MB is 20,971,520 bytes.
    assert f"at most 20 MB ({rules.MAX_UPLOAD_BYTES:,} bytes)" in error["message"] and "20,971,520" in error["message"]


def test_a_file_that_only_starts_like_a_pdf_is_refused_and_nothing_is_stored(api, db):
    from painpath.intake.records.models import RecordsDocument, RecordsFile

    with db.session() as session:
        files_before = session.scalar(select(func.count()).select_from(RecordsFile))
    response = _upload(api, b"%PDF-1.4\n<script>alert(1)</script>\n", "report.pdf", "application/pdf")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("file", "readable_pdf")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RecordsDocument)) == 0
        assert session.scalar(select(func.count()).select_from(RecordsFile)) == files_before


def test_control_characters_are_cleaned_from_the_filename(api):
    response = _upload(api, PDF, "MRI\x1b[31mreport\u202efdp.exe", "application/pdf")
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "MRI [31mreport fdp.exe"


def test_a_missing_file_and_unrequested_items_name_their_fields(api):
    response = api["client"].post(f"/api/episodes/{api['episode_id']}/records/documents",
                                  data={"request_id": str(api["request"]["id"]), "items": ["pt_notes"]})
    assert response.status_code == 422
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {("file", "required"), ("items", "requested_items")}


def test_an_image_covering_part_of_the_request_marks_it_incomplete_then_a_pdf_completes_it(api, db, client_for):
    first = _upload(api, PNG, "mri-page1.jpg", "image/jpeg")  # the name lies; the bytes say PNG
    assert first.status_code == 201, first.text
    assert first.json()["content_type"] == "image/png"
    records = api["client"].get(f"/api/episodes/{api['episode_id']}/records").json()
    assert records["requests"][0]["status"] == "incomplete"
    assert [(c["item"], c["status"]) for c in records["checklist"]] == [("mri_report", "present"), ("imaging", "missing")]
    assert records["ready"] is False

    second = _upload(api, PDF, "imaging.pdf", "application/pdf", items=("imaging",))
    assert second.status_code == 201
    records = api["client"].get(f"/api/episodes/{api['episode_id']}/records").json()
    assert records["requests"][0]["status"] == "received"
    assert records["ready"] is True

    assert api["client"].get(f"/api/records/documents/{second.json()['id']}/content").status_code == 403  # the desk files, not reads
    download = client_for("nurse").get(f"/api/records/documents/{second.json()['id']}/content")
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    with db.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "records_document").order_by(AuditEvent.id)).all()
    assert actions == ["records_document.upload", "records_document.upload", "chart.read"]


def test_a_document_without_a_request_is_filed_to_the_episode(api):
    response = _upload(api, PDF, "brought-by-patient.pdf", "application/pdf", items=(), request_id=False)
    assert response.status_code == 201 and response.json()["request_id"] is None
    assert api["client"].get(f"/api/episodes/{api['episode_id']}/records").json()["requests"][0]["status"] == "sent"


def test_acknowledge_follow_up_and_the_clinic_tracker(api):
    client, request_id = api["client"], api["request"]["id"]
    acked = client.post(f"/api/records/requests/{request_id}/acknowledged", json={"version": api["request"]["version"]})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    stale = client.post(f"/api/records/requests/{request_id}/acknowledged", json={"version": api["request"]["version"]})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    followed = client.post(f"/api/records/requests/{request_id}/follow-up", json={"method": "fax"})
    assert followed.status_code == 200 and followed.json()["follow_up_count"] == 1
    (row,) = client.get("/api/records/outstanding").json()
    assert (row["provider"], row["patient_name"], row["status"], row["business_days"]) == ("Lakeside Imaging", "Okafor, Dana", "acknowledged", 0)


def test_fixing_the_fax_number_and_retrying(api, monkeypatch):
    client = api["client"]
    api["relay"].refuse = "554 5.1.1 Unknown fax number"
    provider = client.post(f"/api/episodes/{api['episode_id']}/records/providers",
                           json={"name": "Dr. Patel (PCP)", "kind": "physician", "fax": "555-010-0000"}).json()
    failed = client.post(f"/api/episodes/{api['episode_id']}/records/requests", json={
        "provider_id": provider["id"], "transport": "fax", "items": [{"item": "office_notes"}],
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    }).json()
    assert failed["status"] == "failed" and "554 5.1.1 Unknown fax number" in failed["last_error"]
    fixed = client.put(f"/api/records/providers/{provider['id']}", json={**{k: provider[k] for k in ("name", "kind", "direct_address", "phone")},
                                                                          "fax": "555-010-0222", "version": provider["version"]})
    assert fixed.status_code == 200
    api["relay"].refuse = None
    retried = client.post(f"/api/records/requests/{failed['id']}/retry", json={})
    assert retried.json()["status"] == "sent" and retried.json()["sent_to"] == "5550100222@fax.gateway.test"


def test_validation_errors_name_the_field(api):
    client = api["client"]
    bad = client.post(f"/api/episodes/{api['episode_id']}/records/requests", json={
        "provider_id": api["provider"]["id"], "transport": "telegraph", "items": [],
        "authorization_reference": "R", "authorization_date": "2026-01-05",
    })
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"transport", "items", "authorization_reference"}
    bad_provider = client.post(f"/api/episodes/{api['episode_id']}/records/providers", json={"name": "X Ray Co", "kind": "lab", "fax": "fax me"})
    assert {e["field"] for e in bad_provider.json()["errors"]} == {"kind", "fax"}


def test_roles_without_records_permission_may_read_but_not_write(api, client_for):
    billing = client_for("billing")
    assert billing.get(f"/api/episodes/{api['episode_id']}/records").status_code == 200
    refused = billing.post(f"/api/records/requests/{api['request']['id']}/follow-up", json={})
    assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "records:request"
