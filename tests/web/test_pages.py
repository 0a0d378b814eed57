"""Staff pages: each renders for a role allowed to see it, shows the data, and its forms round-trip.

Forms are posted the way a browser posts them: with the `csrf_token` field read from the page, not the
API header the shared fixture sets.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from painpath.core.auth.models import User
from painpath.core.auth.roles import Role

PAGES = ["/worklist", "/tasks/1", "/patients", "/patients/new", "/patients/1", "/episodes/1"]


def form_client(client: TestClient) -> TestClient:
    """Drop the API CSRF header so posts must carry the form's hidden field, as a browser's do."""
    client.headers.pop("x-csrf-token", None)
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def create_patient_with_episode(client: TestClient, patient_payload: dict, episode_payload: dict) -> tuple[int, int, int]:
    """Patient and episode through the JSON API; the engine opens the first-visit task."""
    patient = client.post("/api/patients", json=patient_payload)
    assert patient.status_code == 201, patient.text
    episode = client.post(f"/api/patients/{patient.json()['id']}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    tasks = client.get("/api/worklist", params={"episode_id": episode.json()["id"]}).json()["tasks"]
    assert [t["kind"] for t in tasks] == ["first_visit.book"]
    return patient.json()["id"], episode.json()["id"], tasks[0]["id"]


@pytest.fixture
def chart(client_for, patient_payload, episode_payload) -> dict:
    client = client_for("coordinator")
    patient_id, episode_id, task_id = create_patient_with_episode(client, patient_payload, episode_payload)
    return {"client": client, "patient_id": patient_id, "episode_id": episode_id, "task_id": task_id}


# Access ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitors_are_sent_to_the_login_form(app, path):
    response = TestClient(app).get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_roles_without_the_permission_get_403(chart, client_for):
    ids = chart
    admin = client_for("admin")
    for path in ("/worklist", "/patients", f"/patients/{ids['patient_id']}", f"/episodes/{ids['episode_id']}", f"/tasks/{ids['task_id']}"):
        response = admin.get(path)
        assert response.status_code == 403, path
        assert "Not allowed" in response.text
    assert client_for("therapist").get("/patients/new").status_code == 403

    # The check comes before anything is read or written, so any body will do.
    front_desk = form_client(client_for("front_desk"))
    token = csrf_of(front_desk.get("/patients").text)
    refused = front_desk.post(f"/patients/{ids['patient_id']}/episodes", data={"csrf_token": token, "problem_summary": "x"})
    assert refused.status_code == 403
    clinician = form_client(client_for("clinician"))
    token = csrf_of(clinician.get("/patients").text)
    assert clinician.post(f"/episodes/{ids['episode_id']}/appointments", data={"csrf_token": token}).status_code == 403
    nurse = form_client(client_for("nurse"))
    token = csrf_of(nurse.get("/worklist").text)
    assert nurse.post(f"/tasks/{ids['task_id']}/reassign", data={"csrf_token": token, "owner_role": "nurse"}).status_code == 403


def test_a_form_post_without_the_csrf_field_is_refused(chart):
    client = form_client(chart["client"])
    response = client.post(f"/tasks/{chart['task_id']}/claim", data={"version": "1"})
    assert response.status_code == 403
    assert "The form expired" in response.text


def test_navigation_shows_only_what_the_role_may_open(client_for):
    coordinator = client_for("coordinator").get("/account").text
    assert 'href="/worklist?mine=true"' in coordinator and 'href="/patients"' in coordinator
    assert "Coordinator User" in coordinator and "Sign out" in coordinator
    assert 'name="csrf-token"' in coordinator
    admin = client_for("admin").get("/account").text
    assert 'href="/patients"' not in admin and 'href="/worklist?mine=true"' not in admin
    assert "Admin User" in admin and 'action="/logout"' in admin


def test_sign_out_button_ends_the_session(client_for):
    client = form_client(client_for("nurse"))
    token = csrf_of(client.get("/account").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/worklist", follow_redirects=False).status_code == 303


def test_login_page_and_wrong_password(app, staff):
    client = TestClient(app)
    page = client.get("/login")
    assert page.status_code == 200
    assert '/static/css/app.css' in page.text and '/static/js/htmx.min.js' in page.text
    assert "<script>" not in page.text  # no inline scripts
    token = client.cookies.get("painpath_login_csrf")
    wrong = client.post("/login", data={"username": "nurse", "password": "nope", "login_csrf": token, "next": "/"})
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text and 'value="nurse"' in wrong.text


def test_a_sign_in_without_a_field_is_refused_at_that_field_and_counts_no_failure(app, db, staff):
    client = TestClient(app)
    client.get("/login")
    token = client.cookies.get("painpath_login_csrf")
    no_password = client.post("/login", data={"username": "nurse", "login_csrf": token})
    assert no_password.status_code == 422
    assert 'id="password-error">Enter your password<' in no_password.text and 'value="nurse"' in no_password.text
    assert "Enter your username" not in no_password.text
    no_username = client.post("/login", data={"username": "  ", "password": "typed", "login_csrf": client.cookies.get("painpath_login_csrf")})
    assert no_username.status_code == 422 and 'id="username-error">Enter your username<' in no_username.text
    with db.session() as session:
        assert session.get(User, staff["nurse"].id).failed_logins == 0


@pytest.mark.parametrize("asset", ["/static/css/app.css", "/static/js/htmx.min.js", "/static/js/app.js", "/static/img/favicon.svg"])
def test_static_assets_are_served_locally(app, asset):
    assert TestClient(app).get(asset).status_code == 200


# Worklist --------------------------------------------------------------------------------------

def test_worklist_shows_counts_and_the_task_with_links(chart):
    client = chart["client"]
    page = client.get("/worklist", params={"mine": "true"})
    assert page.status_code == 200
    html = page.text
    assert "Book the first visit" in html
    assert f'href="/episodes/{chart["episode_id"]}">Okafor, Dana</a>' in html
    assert f'href="/tasks/{chart["task_id"]}"' in html
    assert "Unclaimed" in html and "Coordinator" in html
    for label in ("Open", "Overdue", "Due today", "Claimed", "Unclaimed", "Closed today"):
        assert f'<span class="label">{label}</span>' in html
    assert re.search(r'<span class="label">Open</span><span class="value">1</span>', html)
    assert 'hx-get="/worklist"' in html and 'hx-target="#worklist-results"' in html


def test_worklist_filters_and_htmx_fragment(chart):
    client = chart["client"]
    fragment = client.get("/worklist", params={"role": "nurse"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<form method=\"get\"" not in fragment.text
    assert "No open tasks match" in fragment.text
    mine = client.get("/worklist", params={"patient_id": chart["patient_id"]}, headers={"HX-Request": "true"})
    assert "Book the first visit" in mine.text
    restore = client.get("/worklist", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_worklist_reports_a_bad_filter_and_ignores_it(chart):
    page = chart["client"].get("/worklist", params={"patient_id": "abc", "due_before": "2099-01-01"})
    assert page.status_code == 200
    assert "Some filters were not used" in page.text and "Patient ID" in page.text
    assert "Book the first visit" in page.text


def test_overdue_task_is_marked_in_words(chart, ctx):
    from datetime import timedelta

    from painpath.core.clock import utcnow
    from painpath.worklist.models import Task

    with ctx.db.session() as session:
        task = session.get(Task, chart["task_id"])
        task.due_at = utcnow() - timedelta(hours=1)
    html = chart["client"].get("/worklist", params={"overdue": "true"}).text
    assert 'class="badge badge-overdue">Overdue</span>' in html and 'class="is-overdue"' in html


# Task page -------------------------------------------------------------------------------------

def test_task_page_shows_details_evidence_and_forms(chart):
    html = chart["client"].get(f"/tasks/{chart['task_id']}").text
    assert "Book the first visit" in html
    assert "no first visit is booked" in html  # the reason
    assert "Target business days" in html  # evidence
    for action in ("claim", "complete", "comments", "reassign"):
        assert f'action="/tasks/{chart["task_id"]}/{action}"' in html


def test_reassign_form_only_for_those_who_may_reassign(chart, client_for):
    html = client_for("nurse").get(f"/tasks/{chart['task_id']}").text
    assert "/reassign" not in html and "/complete" in html
    assert "/reassign" in client_for("manager").get(f"/tasks/{chart['task_id']}").text


def test_claim_comment_and_complete_round_trip(chart):
    client = form_client(chart["client"])
    task_url = f"/tasks/{chart['task_id']}"
    token = csrf_of(client.get(task_url).text)

    claimed = client.post(f"{task_url}/claim", data={"csrf_token": token, "version": "1"}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == task_url
    assert "You have claimed this task" in client.get(task_url).text

    stale = client.post(f"{task_url}/complete", data={"csrf_token": token, "version": "1", "note": "Booked by phone"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text and "Booked by phone" in stale.text  # the note is kept

    commented = client.post(f"{task_url}/comments", data={"csrf_token": token, "body": "Left a voicemail"}, follow_redirects=False)
    assert commented.status_code == 303
    assert "Left a voicemail" in client.get(task_url).text

    short = client.post(f"{task_url}/complete", data={"csrf_token": token, "version": "2", "note": "ok"})
    assert short.status_code == 422
    assert "The task was not completed" in short.text and "at least 3 characters" in short.text

    done = client.post(f"{task_url}/complete", data={"csrf_token": token, "version": "2", "note": "Booked by phone"}, follow_redirects=False)
    assert done.status_code == 303
    html = client.get(task_url).text
    assert "This task is closed" in html and "Booked by phone" in html


def test_reassign_to_a_role(chart, client_for):
    client = form_client(client_for("manager"))
    task_url = f"/tasks/{chart['task_id']}"
    token = csrf_of(client.get(task_url).text)
    empty = client.post(f"{task_url}/reassign", data={"csrf_token": token, "version": "1"})
    assert empty.status_code == 422 and "Choose a person, a role, or both" in empty.text
    moved = client.post(f"{task_url}/reassign", data={"csrf_token": token, "version": "1", "owner_role": "nurse"}, follow_redirects=False)
    assert moved.status_code == 303
    html = client.get(task_url).text
    assert "<dt>Owner role</dt><dd>Nurse</dd>" in html


# Patients --------------------------------------------------------------------------------------

def test_patient_search_by_name_mrn_and_birth_date(chart):
    client = chart["client"]
    link = f'href="/patients/{chart["patient_id"]}"'
    assert "Enter a name" in client.get("/patients").text
    for params in ({"name": "oka"}, {"mrn": "MRN-1001"}, {"birth_date": "1981-03-14"}, {"name": "Dana Okafor"}):
        page = client.get("/patients", params=params)
        assert page.status_code == 200
        assert link in page.text, params
    none = client.get("/patients", params={"name": "Nobody"})
    assert "No patient matches" in none.text
    bad = client.get("/patients", params={"birth_date": "14/03/1981"})
    assert bad.status_code == 422 and "Date of birth" in bad.text
    fragment = client.get("/patients", params={"name": "oka"}, headers={"HX-Request": "true"})
    assert link in fragment.text and "<html" not in fragment.text


def test_patient_page_shows_demographics_coverage_and_episodes(chart, ctx):
    from datetime import date

    from painpath.core.auth.service import actor_for
    from painpath.core.auth.models import User
    from painpath.patients import service
    from painpath.patients.schemas import CoverageIn

    payer_id = next(iter(ctx.knowledge.payers))
    with ctx.db.session() as session:
        user = session.query(User).filter_by(username="coordinator").one()
        service.add_coverage(
            session, actor=actor_for(user), knowledge=ctx.knowledge, patient_id=chart["patient_id"],
            data=CoverageIn(payer_id=payer_id, member_id="XJ123", effective_from=date(2026, 1, 1)),
        )
    html = chart["client"].get(f"/patients/{chart['patient_id']}").text
    assert "Okafor, Dana" in html and "MRN-1001" in html and "555-0142" in html
    assert ctx.knowledge.payers[payer_id].name in html and "XJ123" in html
    assert f'href="/episodes/{chart["episode_id"]}"' in html
    assert "Open an episode of care" in html  # coordinators may open episodes


def test_new_patient_form_round_trip(client_for, patient_payload):
    client = form_client(client_for("front_desk"))
    form_page = client.get("/patients/new")
    assert form_page.status_code == 200
    token = csrf_of(form_page.text)
    data = {"csrf_token": token, **patient_payload, "email": "", "address": "", "home_location_id": ""}
    created = client.post("/patients/new", data=data, follow_redirects=False)
    assert created.status_code == 303
    assert re.fullmatch(r"/patients/\d+", created.headers["location"])
    assert "Okafor, Dana" in client.get(created.headers["location"]).text

    again = client.post("/patients/new", data={**data, "given_name": "Dario"})
    assert again.status_code == 422
    assert "The patient was not saved" in again.text
    assert 'href="#f-mrn">MRN</a>: MRN MRN-1001 is already in use' in again.text
    assert 'value="Dario"' in again.text  # what was typed is kept

    invalid = client.post("/patients/new", data={**data, "mrn": "NEW-1", "birth_date": "2999-01-01", "sex": ""})
    assert invalid.status_code == 422
    assert "Date of birth" in invalid.text and "Enter a date from 1900-01-01 to" in invalid.text
    assert 'id="f-sex"' in invalid.text and 'aria-invalid="true"' in invalid.text


def test_open_episode_form_validates_codes_then_opens_and_reconciles(chart, client_for):
    client = form_client(client_for("nurse"))
    patient_url = f"/patients/{chart['patient_id']}"
    token = csrf_of(client.get(patient_url).text)
    data = {
        "csrf_token": token, "problem_summary": "Low back pain radiating to the left leg", "body_region": "lumbar",
        "laterality": "left", "onset_date": "", "icd10_codes": "M54.16, M54.5", "location_id": "",
        "responsible_clinician_id": "", "coordinator_id": "",
    }
    refused = client.post(f"{patient_url}/episodes", data=data)
    assert refused.status_code == 422
    assert "The episode was not opened" in refused.text and "ICD-10-CM codes" in refused.text and "M54.5" in refused.text
    assert "Low back pain radiating to the left leg" in refused.text

    opened = client.post(f"{patient_url}/episodes", data={**data, "icd10_codes": "m5416"}, follow_redirects=False)
    assert opened.status_code == 303
    episode_url = opened.headers["location"]
    html = client.get(episode_url).text
    assert "M54.16" in html and "Radiculopathy, lumbar region" in html
    assert "Book the first visit" in html  # reconciled in the same request


# Episode ---------------------------------------------------------------------------------------

def test_episode_page_shows_summary_codes_tasks_and_timeline(chart):
    html = chart["client"].get(f"/episodes/{chart['episode_id']}").text
    assert "Neck and right arm pain after a ladder fall" in html
    assert "M54.12" in html and "Radiculopathy, cervical region" in html
    assert "Book the first visit" in html and f'href="/tasks/{chart["task_id"]}"' in html
    assert "Episode opened" in html and "Task opened" in html
    # Booking goes through appointments (so the emergent hard stop cannot be bypassed).
    assert f'action="/episodes/{chart["episode_id"]}/appointments"' in html and "/first-visit" not in html
    assert "No visits booked" in html


def _booking(token: str, **values: str) -> dict:
    return {"csrf_token": token, "visit_type": "new_patient", "provider_type": "app", "modality": "in_person",
            "duration_minutes": "40", "location_id": "", "reason": "", **values}


def test_booking_the_first_visit_closes_the_task(chart):
    client = form_client(chart["client"])
    episode_url = f"/episodes/{chart['episode_id']}"
    html = client.get(episode_url).text
    token = csrf_of(html)
    assert 'name="next" value="/episodes/' in html

    missing = client.post(f"{episode_url}/appointments", data=_booking(token, start_at="", next=episode_url))
    assert missing.status_code == 422
    assert "The visit was not booked" in missing.text and "Date and time" in missing.text and "This is required" in missing.text
    assert 'value="app" selected' in missing.text  # what was chosen is kept

    booked = client.post(f"{episode_url}/appointments", data=_booking(token, start_at="2027-06-10T09:30", next=episode_url), follow_redirects=False)
    assert booked.status_code == 303 and booked.headers["location"] == episode_url
    html = client.get(episode_url).text
    assert "Thu 10 Jun 2027 09:30" in html  # shown back in clinic time
    assert "Check the patient in at the first visit" in html  # a booking is not yet a visit
    assert "First visit booked" in html  # on the timeline

    assert "Book the first visit" not in client.get("/worklist", params={"mine": "true"}).text
    handed_on = client.get("/worklist", params={"status": "open"}).text
    assert "Check the patient in at the first visit" in handed_on and "Front desk" in handed_on


def test_visit_time_is_stored_as_utc(chart, ctx):
    from painpath.patients.models import Episode

    client = form_client(chart["client"])
    episode_url = f"/episodes/{chart['episode_id']}"
    token = csrf_of(client.get(episode_url).text)
    client.post(f"{episode_url}/appointments", data=_booking(token, start_at="2027-06-10T09:30", next=episode_url))
    with ctx.db.session() as session:
        stored = session.get(Episode, chart["episode_id"]).first_visit_at
    assert stored.isoformat() == "2027-06-10T14:30:00"  # 09:30 in Chicago (CDT, UTC-5)


def test_missing_records_give_a_404_page(chart):
    client = chart["client"]
    for path in ("/patients/999999", "/episodes/999999", "/tasks/999999"):
        response = client.get(path)
        assert response.status_code == 404 and "Not found" in response.text, path


@pytest.mark.parametrize("role", [r.value for r in Role if r.value not in ("admin", "patient")])
def test_every_staff_role_can_open_the_worklist_and_patient_search(client_for, role):
    client = client_for(role)
    assert client.get("/worklist").status_code == 200
    assert client.get("/patients").status_code == 200
