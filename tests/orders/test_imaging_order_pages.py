"""Imaging-order pages through their HTML forms: the order form prefilled from a link (as a care-plan step links
to it) checks the imaging rules before the order is placed; the order page offers each state's action in turn
(send, the standing-slot picker, study done, report received, review) with the requisition PDF and the FHIR
export; the episode panel lists the order with its state; refused forms keep what was typed; roles are held to
their permissions."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone

import pypdf
import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle

from support import page_form_post

MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Mon 7 Dec 2026, 10:00 in Chicago
PREFILL = ("modality=mri_arthrogram&protocol=MR+arthrogram+of+the+hip+with+intra-articular+gadolinium&contrast=intra_articular&region=hip"
           "&side=right&question=Labral+tear%3F&urgency=urgent")


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _text(page) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


@pytest.fixture
def episode_id(client_for, patient_payload, clock) -> int:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    made = coordinator.post(f"/api/patients/{patient}/episodes", json={
        "problem_summary": "Right groin pain, clicking on pivoting", "body_region": "hip", "laterality": "right", "onset_date": "2026-09-01"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _pdf_text(response) -> str:  # noqa: ANN001
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages).split())


def _version(page) -> str:  # noqa: ANN001
    return re.search(r'name="version" value="(\d+)"', page.text).group(1)


def _place(client, episode_id: int, **changes) -> str:  # noqa: ANN001, ANN003
    form = {"modality": "mri_arthrogram", "protocol": "MR arthrogram of the hip with intra-articular gadolinium", "contrast": "intra_articular",
            "region": "hip", "side": "right", "clinical_question": "Labral tear? Groin pain, positive FADIR",
            "relevant_history": "No hip surgery", "urgency": "urgent", "centre_id": "lakeside_imaging", "action": "place", **changes}
    placed = page_form_post(client, f"/episodes/{episode_id}/imaging-orders/new", form)
    assert placed.status_code == 303, placed.text
    return placed.headers["location"]


def test_the_prefilled_form_shows_the_imaging_rules_before_the_order_is_placed(client_for, episode_id):
    clinician = client_for("clinician")
    page = clinician.get(f"/episodes/{episode_id}/imaging-orders/new?{PREFILL}&plan_step_row_id=")
    assert page.status_code == 200
    assert 'value="MR arthrogram of the hip with intra-articular gadolinium"' in page.text
    assert re.search(r'<option value="mri_arthrogram" selected>', page.text) and re.search(r'<option value="urgent" selected>', page.text)
    assert "Labral tear?" in page.text
    rules = _text(page)
    assert "No X-ray of the hip is on file: order the X-ray first" in rules
    assert "ACR Appropriateness Criteria" in rules and "imaging_rules" not in rules
    first = re.search(r'<a href="([^"]+)">Order the X-ray first</a>', page.text).group(1)
    xray = clinician.get(html.unescape(first))
    assert re.search(r'<option value="xray" selected>', xray.text) and 'value="X-ray of the hip"' in xray.text and "Labral tear?" in xray.text
    # A care-plan step speaks the pathway packs' words (contrast "iv") and the episode's laterality ("midline").
    spine = clinician.get(f"/episodes/{episode_id}/imaging-orders/new?modality=mri&region=lumbar&contrast=iv&side=midline&plan_step_row_id=")
    assert re.search(r'<option value="with" selected>', spine.text) and re.search(r'<option value="none" selected>Not applicable', spine.text)
    # A lumbar MRI checked on the same form: the projected date from the onset (1 Sep + 6 weeks = 13 Oct has passed).
    checked = page_form_post(clinician, f"/episodes/{episode_id}/imaging-orders/new",
                             {"modality": "mri", "region": "lumbar", "protocol": "MRI lumbar spine", "action": "check"})
    assert checked.status_code == 200 and "6 weeks have passed since the pain began on 01 Sep 2026" in _text(checked)


def test_an_urgent_order_goes_round_its_loop_on_the_order_page(client_for, episode_id):
    clinician, coordinator = client_for("clinician"), client_for("coordinator")
    order_url = _place(clinician, episode_id)
    page = coordinator.get(order_url)
    assert page.status_code == 200 and "Placed, not sent" in page.text and 'id="send-form"' in page.text
    sent = page_form_post(coordinator, f"{order_url}/send", {"version": _version(page), "centre_id": "lakeside_imaging", "send_by": "print"})
    assert sent.status_code == 303, sent.text
    page = coordinator.get(order_url)
    picker = _text(page)
    assert "Standing urgent slots within 48 hours" in picker
    assert "at Lakeside Imaging Center (demo) (60 minutes)" in picker
    slot = re.search(r'name="booked_for" value="([^"]+)">\s*<p><strong>', page.text).group(1)
    assert slot == "2026-12-08T12:30"
    booked = page_form_post(coordinator, f"{order_url}/book", {"version": _version(page), "centre_id": "lakeside_imaging",
                                                               "standing": "true", "booked_for": slot})
    assert booked.status_code == 303, booked.text
    page = coordinator.get(order_url)
    assert "a standing urgent slot" in _text(page)
    assert "Tue 8 Dec 2026 12:30 (60 minutes)" in _pdf_text(coordinator.get(f"{order_url}/requisition.pdf"))
    done = page_form_post(coordinator, f"{order_url}/done", {"version": _version(page), "performed_on": "2026-12-07"})
    assert done.status_code == 303, done.text
    page = coordinator.get(order_url)
    assert 'id="review-form"' not in page.text
    reported = page_form_post(coordinator, f"{order_url}/report", {"version": _version(page), "summary": "Anterosuperior labral tear"})
    assert reported.status_code == 303, reported.text
    page = coordinator.get(order_url)
    assert "a clinician reviews it" in _text(page)
    refused = page_form_post(coordinator, f"{order_url}/review", {"version": "5", "note": "Coordinator cannot"})
    assert refused.status_code == 403
    page = clinician.get(order_url)
    reviewed = page_form_post(clinician, f"{order_url}/review", {"version": _version(page), "concordant": "yes", "note": "Refer to orthopaedics"})
    assert reviewed.status_code == 303, reviewed.text
    assert "The loop is closed." in clinician.get(order_url).text

    episode = _text(clinician.get(f"/episodes/{episode_id}"))
    assert "Imaging orders" in episode and "MR arthrogram, right hip Urgent Report reviewed" in episode
    for words in ("Imaging ordered (urgent MR arthrogram, right hip): Labral tear? Groin pain, positive FADIR",
                  "Imaging booked for 08 Dec 2026 12:30", "Imaging report received", "Imaging report reviewed: Refer to orthopaedics"):
        assert words in episode


def test_the_requisition_pdf_and_the_fhir_export_carry_the_order(client_for, episode_id):
    clinician = client_for("clinician")
    order_url = _place(clinician, episode_id)
    pdf = clinician.get(f"{order_url}/requisition.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf)
    for words in ("Imaging requisition: MR arthrogram, right hip", "MR arthrogram of the hip with intra-articular gadolinium", "with intra-articular contrast",
                  "Labral tear? Groin pain, positive FADIR", "No hip surgery", "Urgent", "Lakeside Imaging Center (demo)", "To be booked by the centre"):
        assert words in text, words
    order_id = order_url.rsplit("/", 1)[1]
    exported = clinician.get(f"/api/imaging-orders/{order_id}/fhir")
    assert exported.status_code == 200
    bundle = Bundle.model_validate(exported.json())
    request, task = (entry.resource for entry in bundle.entry)
    assert (request.get_resource_type(), request.status, request.intent, request.priority) == ("ServiceRequest", "active", "order", "urgent")
    assert request.reasonCode[0].text == "Labral tear? Groin pain, positive FADIR"
    assert request.bodySite[0].text == "right hip" and "MR arthrogram of the hip" in request.code.text
    assert (task.get_resource_type(), task.status, task.focus.reference, task.owner.display) == (
        "Task", "ready", f"ServiceRequest/{request.id}", "Lakeside Imaging Center (demo)")


def test_refused_forms_keep_what_was_typed_and_a_stale_form_gets_409(client_for, episode_id):
    clinician = client_for("clinician")
    refused = page_form_post(clinician, f"/episodes/{episode_id}/imaging-orders/new", {
        "modality": "", "region": "hip", "side": "none", "protocol": "Hip study typed-marker", "clinical_question": "Why?", "action": "place"})
    assert refused.status_code == 422
    assert "typed-marker" in refused.text and 'id="f-modality-error1"' in refused.text and 'id="f-clinical_question-error1"' in refused.text
    order_url = _place(clinician, episode_id)
    page = clinician.get(order_url)
    stale = page_form_post(clinician, f"{order_url}/cancel", {"version": "9", "reason": "Patient moved away"})
    assert stale.status_code == 409 and "Patient moved away" in stale.text
    blank = page_form_post(clinician, f"{order_url}/cancel", {"version": _version(page), "reason": ""})
    assert blank.status_code == 422 and 'id="f-reason-error1"' in blank.text
    cancelled = page_form_post(clinician, f"{order_url}/cancel", {"version": _version(page), "reason": "Patient moved away"})
    assert cancelled.status_code == 303
    assert "Patient moved away" in _text(clinician.get(order_url))


def test_front_desk_may_not_open_an_order_and_only_clinicians_place_one_a_coordinator_sees_the_rules(client_for, episode_id):
    order_url = _place(client_for("clinician"), episode_id)
    assert client_for("front_desk").get(order_url).status_code == 403
    coordinator = client_for("coordinator")
    page = coordinator.get(f"/episodes/{episode_id}/imaging-orders/new?{PREFILL}")
    assert page.status_code == 200 and 'id="order-form"' not in page.text and "No X-ray of the hip is on file" in _text(page)
    assert page_form_post(coordinator, f"/episodes/{episode_id}/imaging-orders/new", {"modality": "xray", "action": "check"}).status_code == 403


def test_the_json_api_places_and_lists_orders_and_names_a_bad_field(client_for, episode_id):
    clinician = client_for("clinician")
    body = {"modality": "xray", "protocol": "X-ray of the right hip, AP pelvis and frog-leg lateral", "region": "hip", "side": "right",
            "clinical_question": "Arthritis or impingement morphology?", "urgency": "routine"}
    placed = clinician.post(f"/api/episodes/{episode_id}/imaging-orders", json=body)
    assert placed.status_code == 201, placed.text
    assert (placed.json()["status"], placed.json()["send_state"], placed.json()["version"]) == ("drafted", "none", 1)
    (listed,) = client_for("manager").get(f"/api/episodes/{episode_id}/imaging-orders").json()
    assert listed["clinical_question"] == "Arthritis or impingement morphology?"
    assert client_for("manager").get(f"/api/imaging-orders/{listed['id']}").json()["protocol"].startswith("X-ray of the right hip")
    bad = clinician.post(f"/api/episodes/{episode_id}/imaging-orders", json={**body, "side": "none"})
    assert bad.status_code == 422 and [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [("side", "joint_side")]
    assert client_for("coordinator").post(f"/api/episodes/{episode_id}/imaging-orders", json=body).status_code == 403
