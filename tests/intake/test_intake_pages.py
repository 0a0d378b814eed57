"""Intake pages: the callback queue, the new-call form, the intake screen (attempts, letter, the red-flag
screen and its live decision), the clinician's acknowledgement and booking, posted the way a browser does."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from fastapi.testclient import TestClient

from painpath.core.auth.roles import Permission, Role, role_allows

# Monday 7 Dec 2026, 10:00 in Chicago.
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
INTAKE_ROLES = [r.value for r in Role if role_allows(r, Permission.INTAKE)]
OTHER_STAFF = [r.value for r in Role if not role_allows(r, Permission.INTAKE) and r.value not in ("admin", "patient")]

CALL = {
    "new_patient": {"given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1970-07-02", "sex": "female", "phone": "555-0177"},
    "source": "phone", "caller_name": "Ana Lindqvist", "caller_phone": "555-0199", "caller_relation": "family",
    "referring_provider": "Dr. Amy Chen (PCP)", "reason": "Low back pain radiating to the left leg for 3 months",
    "pain_location": "low back, left leg", "pain_duration_weeks": 12, "payer_id": "aetna_commercial", "member_id": "W123456789",
    "body_region": "lumbar", "laterality": "left",
}


def form_client(client: TestClient) -> TestClient:
    """Posts carry the page's csrf_token field, as a browser's do (not the API header)."""
    client.headers.pop("x-csrf-token", None)
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def all_no(ctx, **overrides: str) -> dict[str, str]:  # noqa: ANN001
    """A complete screen with no red flag: every yes/no a no, numbers that raise nothing, no injury (so the
    injury's follow-ups are not asked)."""
    answers = {}
    for q in ctx.knowledge.red_flags.questions:
        if q.kind == "yes_no":
            answers[f"q-{q.id}"] = "no"
        elif q.kind == "choice" and q.ask_if is None:
            answers[f"q-{q.id}"] = "none"
    answers.update({"q-age": "44", "q-pain_onset_days": "90"})
    answers.update({f"q-{k}": v for k, v in overrides.items()})
    return answers


@pytest.fixture(autouse=True)
def _long_sessions(ctx) -> None:
    ctx.settings.session_hours = 24 * 30  # a sign-in outlives the clock moves below


@pytest.fixture
def call(client_for) -> dict:
    """A call recorded through the JSON API by the front desk."""
    made = client_for("front_desk").post("/api/intake/calls", json=CALL)
    assert made.status_code == 201, made.text
    return made.json()


@pytest.fixture
def desk(client_for) -> TestClient:
    return form_client(client_for("front_desk"))


# Access ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", INTAKE_ROLES)
def test_intake_pages_open_for_every_intake_role(client_for, call, role):
    client = client_for(role)
    for path in ("/intake", "/intake/new", f"/intake/new?patient_id={call['patient_id']}", f"/intake/calls/{call['id']}"):
        response = client.get(path)
        assert response.status_code == 200, (role, path)
    assert 'href="/intake"' in client.get("/account").text  # the nav link


@pytest.mark.parametrize("role", OTHER_STAFF)
def test_roles_without_intake_get_403(client_for, call, role):
    client = client_for(role)
    for path in ("/intake", "/intake/new", f"/intake/calls/{call['id']}"):
        assert client.get(path).status_code == 403, (role, path)
    assert 'href="/intake"' not in client.get("/account").text
    assert "/intake/new?patient_id=" not in client.get(f"/patients/{call['patient_id']}").text
    client = form_client(client)
    token = csrf_of(client.get("/worklist").text)
    for path in ("/intake/new", f"/intake/calls/{call['id']}/attempts", f"/intake/calls/{call['id']}/triage/preview",
                 f"/intake/calls/{call['id']}/triage"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, (role, path)


def test_signed_out_visitors_go_to_login(app):
    response = TestClient(app).get("/intake", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


# Queue and new call ----------------------------------------------------------------------------

def test_queue_lists_waiting_calls_oldest_first_with_due_and_attempts(client_for, ctx):
    api = client_for("front_desk")
    with time_machine.travel(MONDAY, tick=False) as clock:
        first = api.post("/api/intake/calls", json=CALL).json()
        clock.move_to(datetime(2026, 12, 7, 17, 0, tzinfo=timezone.utc))
        api.post("/api/intake/calls", json={**CALL, "caller_name": "Ben Okafor", "caller_relation": "self",
                                            "new_patient": {**CALL["new_patient"], "given_name": "Ben", "family_name": "Okafor"}})
        api.post(f"/api/intake/calls/{first['id']}/attempts", json={"outcome": "no_answer"})
        html = api.get("/intake").text
    assert html.index("Ana Lindqvist") < html.index("Ben Okafor")
    assert "Family member, for Lindqvist, Rosa" in html
    assert "Callback by" in html and "Tue 08 Dec 2026" in html  # within 1 business day
    assert re.search(r'data-label="Failed attempts" class="shrink">1</td>', html)
    assert 'href="tel:555-0199"' in html and 'href="/intake/new"' in html and "Awaiting callback" in html


def test_new_call_form_keeps_values_and_shows_problems_by_the_fields(desk):
    page = desk.get("/intake/new")
    token = csrf_of(page.text)
    assert "1</span> Caller" in page.text and 'name="payer_id"' in page.text and "Aetna" in page.text
    refused = desk.post("/intake/new", data={"csrf_token": token, "caller_name": "Ana Lindqvist", "caller_phone": "call me maybe",
                                             "given_name": "Rosa", "payer_id": "acme"})
    assert refused.status_code == 422
    html = refused.text
    assert "The call was not saved" in html
    assert 'value="Ana Lindqvist"' in html and 'value="Rosa"' in html  # kept
    assert re.search(r'id="f-caller_phone-error1">This is not in the expected format', html)
    assert re.search(r'id="f-family_name-error1">This is required', html)  # the person's fields, by name
    assert 'href="#f-reason">Reason for the call</a>' in html


def test_new_call_registers_the_person_opens_the_episode_and_reconciles(desk, ctx):
    token = csrf_of(desk.get("/intake/new").text)
    data = {"csrf_token": token, "caller_name": "Rosa Lindqvist", "caller_phone": "555-0177", "caller_relation": "self",
            "given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1970-07-02", "sex": "female", "phone": "",
            "source": "phone", "referring_provider": "", "payer_id": "aetna_commercial", "member_id": "W123456789", "received_at": "",
            "reason": "Low back pain", "pain_location": "low back", "pain_duration_weeks": "12", "body_region": "lumbar", "laterality": "left"}
    made = desk.post("/intake/new", data=data, follow_redirects=False)
    assert made.status_code == 303 and re.fullmatch(r"/intake/calls/\d+", made.headers["location"])
    html = desk.get(made.headers["location"]).text
    assert "Lindqvist, Rosa" in html and "Aetna" in html and "Red-flag screen" in html
    assert "Callback due" in html  # reconciled in the same request
    chart = desk.get("/patients?name=lindqvist").text
    assert "555-0177" in chart  # the caller's phone became the patient's


def test_new_call_for_an_existing_patient_shows_their_name(desk, call):
    page = desk.get(f"/intake/new?patient_id={call['patient_id']}")
    assert "Lindqvist, Rosa" in page.text and 'name="given_name"' not in page.text
    token = csrf_of(page.text)
    made = desk.post("/intake/new", data={
        "csrf_token": token, "patient_id": str(call["patient_id"]), "caller_name": "Rosa Lindqvist", "caller_phone": "555-0177",
        "reason": "Second problem: neck pain", "pain_location": "neck", "body_region": "cervical",
    }, follow_redirects=False)
    assert made.status_code == 303
    assert "neck" in desk.get(made.headers["location"]).text
    assert "New intake call" in desk.get(f"/patients/{call['patient_id']}").text


# Attempts and letter ---------------------------------------------------------------------------

def test_attempts_then_letter(desk, call):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    bad = desk.post(f"{url}/attempts", data={"csrf_token": token, "outcome": ""})
    assert bad.status_code == 422 and "The attempt was not recorded" in bad.text
    for outcome in ("no_answer", "voicemail", "busy"):
        assert desk.post(f"{url}/attempts", data={"csrf_token": token, "outcome": outcome}, follow_redirects=False).status_code == 303
    html = desk.get(url).text
    assert "Left a voicemail" in html and "Unreachable: letter due" in html and "Letter due" in html
    assert f'action="{url}/letter"' in html
    sent = desk.post(f"{url}/letter", data={"csrf_token": token, "channel": "portal"}, follow_redirects=False)
    assert sent.status_code == 303
    html = desk.get(url).text
    assert "Portal sent" in html and f'action="{url}/letter"' not in html and f'action="{url}/attempts"' not in html
    again = desk.post(f"{url}/letter", data={"csrf_token": token, "channel": "letter"})
    assert again.status_code == 409 and "only after the callback attempts failed" in again.text
    assert desk.post("/intake/calls/999999/attempts", data={"csrf_token": token, "outcome": "busy"}).status_code == 404


# The red-flag screen ---------------------------------------------------------------------------

def test_screen_lists_every_question_in_pack_order_with_no_answer_selected(desk, call, ctx):
    html = desk.get(f"/intake/calls/{call['id']}").text
    questions = ctx.knowledge.red_flags.questions
    positions = [html.index(f'id="question-{q.id}"') for q in questions]
    assert positions == sorted(positions)
    assert " checked" not in html.split('id="triage-form"')[1].split("</form>")[0]
    yes_no = [q for q in questions if q.kind == "yes_no"]
    required = [q for q in yes_no if q.required]
    assert html.count('value="yes" required') == len(required) and html.count('value="no" required') == len(required)
    assert 'type="number" id="q-age"' in html
    assert 'hx-post="/intake/calls/{}/triage/answers" hx-trigger="change" hx-target="#decision"'.format(call["id"]) in html
    for section in dict.fromkeys(q.section for q in questions):
        assert f">{section}</h3>" in html


def test_preview_fragment_shows_the_decision_and_why(desk, call, ctx):
    url = f"/intake/calls/{call['id']}/triage/preview"
    token = csrf_of(desk.get(f"/intake/calls/{call['id']}").text)
    headers = {"HX-Request": "true"}
    emergent = desk.post(url, data={"csrf_token": token, "q-bladder_dysfunction": "yes", "q-saddle_numbness": "yes"}, headers=headers)
    assert emergent.status_code == 200 and "<html" not in emergent.text
    assert "Emergent" in emergent.text and "Cauda equina syndrome" in emergent.text and "saddle numbness" in emergent.text
    assert "formnovalidate" in emergent.text  # an emergent screen is saved without the rest

    incomplete = desk.post(url, data={"csrf_token": token, "q-fever": "no"}, headers=headers)
    assert "Not decided yet" in incomplete.text and "1 of 30" in incomplete.text

    urgent = desk.post(url, data={"csrf_token": token, **all_no(ctx, fever="yes", injects_drugs="yes")}, headers=headers)
    assert "Urgent" in urgent.text and "injects drugs" in urgent.text and "Spinal infection" in urgent.text

    review = desk.post(url, data={"csrf_token": token, **all_no(ctx, night_pain="yes")}, headers=headers)
    assert "Clinician review: book the first visit as usual" in review.text and "Spinal malignancy" in review.text
    assert "RF-" not in review.text and 'data-urgency="review"' in review.text  # plain words, no pack ids

    injured = desk.post(url, data={"csrf_token": token, **all_no(ctx, injury="major")}, headers=headers)
    assert "Not decided yet" in injured.text and "30 of 32" in injured.text  # the two follow-ups now apply

    routine = desk.post(url, data={"csrf_token": token, **all_no(ctx, compensation_claim="yes")}, headers=headers)
    assert "Routine" in routine.text and "No red flags" in routine.text and "Compensation" in routine.text

    odd = desk.post(url, data={"csrf_token": token, "q-age": "old"}, headers=headers)
    assert odd.status_code == 200 and "Enter a whole number for age" in odd.text  # htmx swaps only 2xx


def test_unanswered_red_flag_questions_are_refused_next_to_each_question(desk, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    answers = all_no(ctx)
    del answers["q-foot_drop"], answers["q-fever"]
    refused = desk.post(f"{url}/triage", data={"csrf_token": token, **answers})
    assert refused.status_code == 422
    html = refused.text
    assert "The screen was not saved" in html
    def block(qid: str) -> str:
        return html.split(f'id="question-{qid}"')[1].split('id="question-')[0]

    for qid in ("foot_drop", "fever"):
        assert "Red-flag questions cannot be skipped" in block(qid) and 'aria-invalid="true"' in block(qid)
    assert 'value="no" checked' in block("bladder_dysfunction") and "cannot be skipped" not in block("bladder_dysfunction")


def test_saving_the_screen_routes_a_routine_call(desk, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    saved = desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx, compensation_claim="yes")}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == url
    html = desk.get(url).text
    assert 'id="triage-form"' not in html
    assert "Book the first visit" in html and "advanced practice provider" in html
    assert f'href="/episodes/{call["episode_id"]}/records"' in html
    assert "Yellow flags: to screen at the first visit" in html and "Compensation" in html
    assert re.search(r'<option value="new_patient" selected', html) and re.search(r'<option value="app" selected', html)
    # A second press of Save does not record a second decision.
    assert desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx)}, follow_redirects=False).status_code == 303


def test_an_urgent_call_presets_an_urgent_visit(desk, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx, fever="yes", injects_drugs="yes")})
    html = desk.get(url).text
    assert "Book a same-day or next-business-day visit" in html
    assert re.search(r'<option value="urgent" selected', html)


ASAS_YES = {"ibp_onset_before_40": "yes", "ibp_insidious_onset": "yes", "ibp_better_with_exercise": "yes",
            "ibp_not_better_with_rest": "yes"}


def test_the_screen_asks_the_injury_follow_ups_and_the_asas_questions(desk, call):
    html = desk.get(f"/intake/calls/{call['id']}").text
    for text in ("How many days ago did the injury happen?", "Has the injury already had an X-ray, CT or MRI scan?",
                 "Yes, and told nothing was broken", "Did your back pain first start before you were 40 years old?",
                 "Does the back pain wake you at night and then get better once you get up and move about?"):
        assert text in html, text
    # The follow-ups are not marked required in the browser: they apply only after an injury.
    imaged = html.split('id="question-injury_imaged"')[1].split('id="question-')[0]
    assert " required" not in imaged
    assert ">Inflammatory back pain</h3>" in html


def test_an_injury_already_imaged_and_cleared_is_routine(desk, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    answers = all_no(ctx, injury="major", injury_days_ago="21", injury_imaged="cleared")
    saved = desk.post(f"{url}/triage", data={"csrf_token": token, **answers}, follow_redirects=False)
    assert saved.status_code == 303
    html = desk.get(url).text
    assert "Book the first visit" in html and "Clinician review" not in html
    assert "Yes, and told nothing was broken" in html  # the answers given, in words


def test_the_asas_pattern_routes_to_rheumatology_and_a_clinician_records_the_review(desk, client_for, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    saved = desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx, **ASAS_YES)}, follow_redirects=False)
    assert saved.status_code == 303
    html = desk.get(url).text
    assert 'id="triage-outcome"' in html and "Clinician review" in html and "Book the first visit" in html
    assert "Refer to rheumatology." in html and "Not a cancer work-up" in html
    assert "Spinal malignancy" not in html and "RF-" not in html
    assert 'id="waiting-review"' in html and 'id="record-review"' not in html  # the front desk does not review
    assert re.search(r'<option value="new_patient" selected', html)  # the routine booking stands

    clinician = form_client(client_for("clinician"))
    page = clinician.get(url).text
    assert 'id="record-review"' in page and "Record the clinician review" in page
    action = re.search(r'action="(/triage/\d+/acknowledge)"', page).group(1)
    done = clinician.post(action, data={"csrf_token": csrf_of(page), "note": "Referral to rheumatology sent", "next": url},
                          follow_redirects=False)
    assert done.status_code == 303
    html = desk.get(url).text
    assert 'id="reviewed"' in html and "Referral to rheumatology sent" in html and 'id="record-review"' not in html


def test_a_routine_decision_has_nothing_to_review(desk, client_for, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx)})
    clinician = form_client(client_for("clinician"))
    assert 'id="record-review"' not in clinician.get(url).text


# Emergent: the hard stop -----------------------------------------------------------------------

@pytest.fixture
def emergent(desk, call) -> dict:
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    saved = desk.post(f"{url}/triage", data={"csrf_token": token, "q-bladder_dysfunction": "yes", "q-saddle_numbness": "yes"},
                      follow_redirects=False)
    assert saved.status_code == 303
    return {"url": url, "token": token, **call}


def test_emergent_hard_stop_offers_no_booking_and_refuses_one(desk, emergent):
    html = desk.get(emergent["url"]).text
    assert 'role="alert" id="hard-stop"' in html and "Send to the emergency department now" in html
    assert "Waiting for a clinician's acknowledgement" in html
    assert "/appointments" not in html and "Book visit" not in html
    episode_url = f"/episodes/{emergent['episode_id']}"
    episode = desk.get(episode_url).text
    assert 'id="hard-stop"' in episode and "Booking is blocked" in episode and "/appointments" not in episode

    refused = desk.post(f"{episode_url}/appointments", data={
        "csrf_token": emergent["token"], "start_at": "2026-12-20T09:00", "visit_type": "urgent", "next": emergent["url"],
    })
    assert refused.status_code == 409
    assert "The visit was not booked" in refused.text and "a clinician must acknowledge before any booking" in refused.text
    assert "No visits booked" in desk.get(episode_url).text


def test_only_a_clinician_acknowledges_then_booking_opens(desk, client_for, emergent):
    clinician = form_client(client_for("clinician"))
    html = clinician.get(emergent["url"]).text
    action = re.search(r'action="(/triage/\d+/acknowledge)"', html).group(1)
    token = csrf_of(html)
    assert desk.post(action, data={"csrf_token": emergent["token"], "note": "Front desk cannot"}).status_code == 403

    short = clinician.post(action, data={"csrf_token": token, "note": "ok", "next": emergent["url"]})
    assert short.status_code == 422 and "Not acknowledged" in short.text and "at least 3 characters" in short.text

    done = clinician.post(action, data={"csrf_token": token, "note": "Patient on the way to the ED", "next": "https://evil.example/"},
                          follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/episodes/{emergent['episode_id']}"  # never off-site
    html = desk.get(emergent["url"]).text
    assert "Acknowledged by <strong>Clinician User</strong>" in html and "Patient on the way to the ED" in html
    assert 'role="alert" id="hard-stop"' not in html
    again = clinician.post(action, data={"csrf_token": token, "note": "Twice", "next": emergent["url"]})
    assert again.status_code == 409 and "Already acknowledged" in again.text

    with time_machine.travel(datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc), tick=False):
        booked = desk.post(f"/episodes/{emergent['episode_id']}/appointments", data={
            "csrf_token": emergent["token"], "start_at": "2026-12-09T10:00", "visit_type": "urgent", "provider_type": "physician",
            "modality": "in_person", "duration_minutes": "40", "next": emergent["url"],
        }, follow_redirects=False)
    assert booked.status_code == 303 and booked.headers["location"] == emergent["url"]
    assert "Wed 09 Dec 2026 10:00" in desk.get(emergent["url"]).text


# Booking ---------------------------------------------------------------------------------------

def test_booking_from_the_call_page_returns_there_and_keeps_values_on_a_refusal(desk, call, ctx):
    url = f"/intake/calls/{call['id']}"
    token = csrf_of(desk.get(url).text)
    desk.post(f"{url}/triage", data={"csrf_token": token, **all_no(ctx)})
    episode = call["episode_id"]
    with time_machine.travel(MONDAY, tick=False):
        past = desk.post(f"/episodes/{episode}/appointments", data={
            "csrf_token": token, "start_at": "2026-12-01T09:00", "visit_type": "new_patient", "provider_type": "app",
            "modality": "telehealth", "duration_minutes": "40", "reason": "first visit", "next": url,
        })
        assert past.status_code == 422
        assert "Red-flag screen" not in past.text and "Book the first visit" in past.text  # the call page again
        assert "A visit cannot be booked for a time already past" in past.text
        assert 'value="2026-12-01T09:00"' in past.text and '<option value="telehealth" selected' in past.text

        booked = desk.post(f"/episodes/{episode}/appointments", data={
            "csrf_token": token, "start_at": "2026-12-15T09:30", "visit_type": "new_patient", "provider_type": "app",
            "modality": "in_person", "duration_minutes": "40", "next": url,
        }, follow_redirects=False)
    assert booked.status_code == 303 and booked.headers["location"] == url
    html = desk.get(url).text
    assert "First visit booked for Tue 15 Dec 2026 09:30" in html and "Book another visit" in html
    assert desk.post("/episodes/999999/appointments", data={"csrf_token": token, "start_at": "2030-01-01T09:00"}).status_code == 404


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_booking_redirects_only_to_a_path_on_this_site(desk, call, unsafe):
    token = csrf_of(desk.get(f"/intake/calls/{call['id']}").text)
    # A month ahead: appointments are booked at most two years ahead.
    start_at = f"{(datetime.now(timezone.utc) + timedelta(days=30)):%Y-%m-%d}T09:00"
    booked = desk.post(f"/episodes/{call['episode_id']}/appointments", data={
        "csrf_token": token, "start_at": start_at, "next": unsafe,
    }, follow_redirects=False)
    assert booked.status_code == 303 and booked.headers["location"] == f"/episodes/{call['episode_id']}"
