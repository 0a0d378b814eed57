"""The records pages, posted the way a browser posts them (the CSRF token from the page's form field)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from painpath.intake.records.models import PriorProvider, RecordsDocument, RecordsRequest
from records_fixtures import make_episode, smtp_relay  # noqa: F401  (fixtures)

from support import small_pdf

PDF = small_pdf("scanned MRI report")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


@pytest.fixture
def page(client_for, make_episode, smtp_relay) -> dict:
    ep = make_episode()
    client = client_for("coordinator")
    client.headers.pop("x-csrf-token", None)  # forms must carry their own token
    html = client.get(f"/episodes/{ep['episode_id']}/records")
    assert html.status_code == 200
    return {**ep, "client": client, "token": csrf_of(html.text), "url": f"/episodes/{ep['episode_id']}/records", "relay": smtp_relay}


def _add_provider(page, **fields):  # noqa: ANN001, ANN003, ANN202
    data = {"csrf_token": page["token"], "name": "Lakeside Imaging", "kind": "imaging_center", "fax": "555-010-0199", **fields}
    return page["client"].post(f"{page['url']}/providers", data=data, follow_redirects=False)


def test_the_tracker_page_shows_the_forms_and_an_empty_checklist(page):
    html = page["client"].get(page["url"]).text
    assert "Records ready for the first visit" in html and "No records were requested for this episode." in html
    assert 'action="/episodes/%d/records/providers"' % page["episode_id"] in html
    assert "Okafor, Dana" in html and "MRN-1001" in html


def test_adding_a_provider_and_sending_a_request_from_the_page(page, db):
    added = _add_provider(page)
    assert added.status_code == 303
    with db.session() as session:
        provider_id = session.scalar(select(PriorProvider.id))
    sent = page["client"].post(f"{page['url']}/requests", data={
        "csrf_token": page["token"], "provider_id": str(provider_id), "transport": "fax",
        "item_mri_report": "true", "from_mri_report": "2025-12-01", "to_mri_report": "2026-01-05",
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    }, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"].startswith(f"{page['url']}#request-")
    (received,) = page["relay"].messages
    assert received.rcpt_tos == ["5550100199@fax.gateway.test"]
    html = page["client"].get(page["url"]).text
    assert "Sent, awaiting records" in html and "Lakeside Imaging" in html and "Awaited" in html
    assert "/records/requests/1/letter.pdf" in html
    letter = page["client"].get("/records/requests/1/letter.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")


def test_a_bad_provider_is_shown_again_with_each_problem_at_its_field(page):
    refused = _add_provider(page, name="", fax="call the front desk")
    assert refused.status_code == 422
    html = refused.text
    assert "The provider was not added" in html
    assert '<a href="#f-name">Name</a>: This is required' in html
    assert '<a href="#f-fax">Fax</a>: This is not in the expected format' in html
    assert 'id="f-fax" name="fax" type="tel" value="call the front desk"' in html  # what was typed is kept


def test_a_request_without_items_or_a_fax_number_names_the_fields(page, db):
    _add_provider(page, fax="")
    with db.session() as session:
        provider_id = session.scalar(select(PriorProvider.id))
    refused = page["client"].post(f"{page['url']}/requests", data={
        "csrf_token": page["token"], "provider_id": str(provider_id), "transport": "fax",
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    })
    assert refused.status_code == 422
    assert '<a href="#f-items">Records wanted</a>' in refused.text
    refused = page["client"].post(f"{page['url']}/requests", data={
        "csrf_token": page["token"], "provider_id": str(provider_id), "transport": "fax", "item_office_notes": "true",
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    })
    assert refused.status_code == 422
    assert '<a href="#f-transport">Send by</a>: Lakeside Imaging has no fax number' in refused.text
    with db.session() as session:
        assert session.scalar(select(RecordsRequest.id)) is None


def test_uploading_a_non_pdf_is_refused_naming_the_file_field_and_a_pdf_is_filed(page, db):
    refused = page["client"].post(f"{page['url']}/documents", data={"csrf_token": page["token"]},
                                  files={"file": ("notes.docx", b"PK\x03\x04 word document", "application/vnd.openxmlformats")})
    assert refused.status_code == 422
    assert "The document was not filed" in refused.text
    assert '<a href="#f-file">File</a>: notes.docx is not a PDF, PNG or JPEG file' in refused.text
    filed = page["client"].post(f"{page['url']}/documents", data={"csrf_token": page["token"], "covers_mri_report": "true"},
                                files={"file": ("mri.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert filed.status_code == 303
    with db.session() as session:
        document = session.scalars(select(RecordsDocument)).one()
    assert (document.filename, document.items) == ("mri.pdf", ["mri_report"])
    download = page["client"].get(f"/records/documents/{document.id}")
    assert download.content == PDF


def test_acknowledge_and_follow_up_buttons_and_the_clinic_tracker(page, db):
    _add_provider(page)
    _add_provider(page, name="Dr. Patel (PCP)", kind="physician", fax="555-010-0222")
    with db.session() as session:
        first, second = session.scalars(select(PriorProvider.id).order_by(PriorProvider.id)).all()
    for provider_id, item in ((first, "mri_report"), (second, "office_notes")):
        page["client"].post(f"{page['url']}/requests", data={
            "csrf_token": page["token"], "provider_id": str(provider_id), "transport": "fax", f"item_{item}": "true",
            "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
        })
    stale = page["client"].post("/records/requests/1/acknowledged", data={"csrf_token": page["token"], "version": "1"})
    assert stale.status_code == 409 and "was changed by someone else" in stale.text
    version = re.search(r'action="/records/requests/1/acknowledged">\s*<input type="hidden" name="csrf_token" value="[^"]+"><input type="hidden" name="version" value="(\d+)"',
                        page["client"].get(page["url"]).text).group(1)
    acked = page["client"].post("/records/requests/1/acknowledged", data={"csrf_token": page["token"], "version": version}, follow_redirects=False)
    assert acked.status_code == 303
    followed = page["client"].post("/records/requests/2/follow-up", data={"csrf_token": page["token"], "method": "phone"}, follow_redirects=False)
    assert followed.status_code == 303
    again = page["client"].post("/records/requests/1/acknowledged", data={"csrf_token": page["token"]})
    assert again.status_code == 409 and "only a sent request can be acknowledged" in again.text

    tracker = page["client"].get("/records?sort=provider")
    assert tracker.status_code == 200
    html = tracker.text
    assert html.index("Dr. Patel (PCP)") < html.index("Lakeside Imaging")
    assert "1 follow-up" in html and "Acknowledged" in html and "Okafor, Dana" in html
    by_status = page["client"].get("/records?sort=status").text
    assert by_status.index("Sent, awaiting records") < by_status.index("Acknowledged")


def test_read_only_roles_see_the_pages_without_forms_and_cannot_post(page, client_for):
    billing = client_for("billing")
    html = billing.get(page["url"]).text
    assert "Records ready for the first visit" in html and "Add a provider" not in html
    billing.headers.pop("x-csrf-token", None)
    refused = billing.post(f"{page['url']}/providers", data={"csrf_token": csrf_of(html), "name": "X"})
    assert refused.status_code == 403
    assert client_for("admin").get("/records").status_code == 403


def test_a_form_without_the_csrf_field_is_refused(page):
    response = page["client"].post(f"{page['url']}/providers", data={"name": "Lakeside Imaging", "kind": "imaging_center"})
    assert response.status_code == 403
