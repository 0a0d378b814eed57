"""A signed-in patient reaches their own record and nothing else: no staff page, no other patient's data.

Every route of the app is enumerated from `app.routes`, so a route added later (by any slice) is covered
without a line here:

- a route whose permission is neither PUBLIC, AUTHENTICATED nor PORTAL_USE answers a patient 403 (the
  refusal page in a patient's words, with a link to their portal), for reads and writes, writing nothing;
- the AUTHENTICATED routes (/, /account, /api/me, ...) show a patient nothing of another patient;
- every route a patient may use that takes an id resolves that id through the chart-access policy (so the
  own-record caseload applies), and patient A using patient B's ids is refused with nothing of B shown;
- the patient's own pages without ids show nothing of another patient, and staff cannot use them.

Invitation links (single use, expiry, revocation) are walked in tests/portal/test_invitations.py; the
invitation e-mail's words are checked here against a chart with a diagnosis and a medication.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email import message_from_bytes

import pytest
import time_machine
from chart_rows import rows_for_every_collection
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from smtp_relay import smtp_relay  # noqa: F401 - the relay fixture
from sqlalchemy import func, select
from support import page_form_post

from painpath.core.audit import AuditEvent
from painpath.core.auth import chart_access
from painpath.core.auth.models import SignInFailure, UserSession
from painpath.core.auth.roles import Permission
from painpath.core.db import Base
from painpath.web.deps import permission_of

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)
OTHER_NAME = "Quillfeather"  # patient B's family name: never in anything patient A is shown
OTHER_MRN = "MRN-7001"
OWN_NAME = "Okafor"
# Path parameters that are no chart id, with a value of the right kind.
PLAIN_VALUES = {"instrument_id": "odi", "measure": "sitting_minutes", "token": "not-a-token"}
PATIENT_PERMISSIONS = {Permission.PUBLIC, Permission.AUTHENTICATED, Permission.PORTAL_USE}
PATIENT_REFUSAL = "This page is not part of your portal"


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _routes(app) -> list[tuple[str, APIRoute]]:  # noqa: ANN001
    return sorted(((m, r) for r in app.routes if isinstance(r, APIRoute) for m in r.methods - {"HEAD"}), key=lambda mr: (mr[1].path, mr[0]))


def _permissions(route: APIRoute) -> set[Permission]:
    return set(permission_of(route))


# Two patients: A (signed in) and B (a row in every table a route reaches by id) -----------------------

@pytest.fixture
def two_patients(client_for, staff, db, clinic, patient_payload, episode_payload) -> dict:
    coordinator = client_for("coordinator")
    own = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    own_episode = coordinator.post(f"/api/patients/{own}/episodes", json=episode_payload).json()["id"]
    other = coordinator.post("/api/patients", json={**patient_payload, "mrn": OTHER_MRN, "family_name": OTHER_NAME}).json()["id"]
    other_episode = coordinator.post(f"/api/patients/{other}/episodes", json=episode_payload).json()["id"]
    with db.session() as session:
        ids = {"clinic": clinic.id, "app_user": staff["clinician"].id, "patient": other, "episode": other_episode}
        found = rows_for_every_collection(session, clinic.id, ids)
    coverage = coordinator.post(f"/api/patients/{other}/coverages",
                                json={"payer_id": "bcbs_commercial", "member_id": "M-7001", "effective_from": "2026-01-01"})
    assert coverage.status_code == 201, coverage.text
    return {"own": own, "own_episode": own_episode,
            "other_ids": {**found, "patients": other, "episodes": other_episode, "coverages": coverage.json()["id"]}}


@pytest.fixture
def patient_a(portal_client_for, two_patients) -> TestClient:
    return portal_client_for(two_patients["own"])


def _url(path: str, ids: dict[str, int]) -> str:
    for name, param in re.findall(r"(?:/([^/{}]+))?/\{(\w+)(?::\w+)?\}", path):
        value = ids.get(name) if name in ids else PLAIN_VALUES.get(param, 1)
        path = re.sub(r"\{" + param + r"(?::\w+)?\}", str(value), path, count=1)
    return path


def _table_counts(db) -> dict[str, int]:  # noqa: ANN001
    skip = {AuditEvent.__tablename__, UserSession.__tablename__, SignInFailure.__tablename__}
    with db.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables if t.name not in skip}


def _shows_other(text: str) -> bool:
    return OTHER_NAME in text or OTHER_MRN in text


# Staff routes ----------------------------------------------------------------------------------------

def test_every_staff_route_refuses_a_patient(app, db, patient_a, two_patients):
    ids = two_patients["other_ids"]
    before = _table_counts(db)
    answered, leaked, unworded = {}, [], []
    staff_routes = [(m, r) for m, r in _routes(app) if not _permissions(r) & PATIENT_PERMISSIONS]
    assert len(staff_routes) > 100  # the walk found the app's routes
    for method, route in staff_routes:
        response = patient_a.request(method, _url(route.path, ids), follow_redirects=False)
        answered[(method, route.path)] = response.status_code
        if _shows_other(response.text):
            leaked.append((method, route.path))
        if response.status_code == 403 and not route.path.startswith("/api/") and PATIENT_REFUSAL not in response.text:
            unworded.append((method, route.path))
    assert {route: status for route, status in answered.items() if status != 403} == {}
    assert leaked == []
    assert unworded == []
    assert _table_counts(db) == before, "a refused request wrote something"


def test_a_staff_page_tells_a_patient_where_their_own_pages_are(patient_a, two_patients):
    page = patient_a.get(f"/episodes/{two_patients['own_episode']}")
    assert page.status_code == 403
    assert "This page is not part of your portal" in page.text and 'href="/portal"' in page.text
    assert 'href="/portal/settings"' in page.text  # the patient's own navigation stays
    assert "permission" not in page.text.lower()  # no staff jargon about roles and permissions
    api = patient_a.get(f"/api/patients/{two_patients['own']}")
    assert api.status_code == 403 and api.json()["errors"][0]["field"] == "permission"


def test_routes_any_signed_in_person_may_use_show_a_patient_nothing_of_another(app, patient_a):
    reached = []
    for method, route in _routes(app):
        if Permission.AUTHENTICATED not in _permissions(route) or route.path == "/logout":
            continue
        assert "{" not in route.path, f"{route.path}: a route every role reaches must take no id"
        response = patient_a.request(method, route.path, follow_redirects=False)
        assert response.status_code in (200, 303), (route.path, response.status_code)
        assert not _shows_other(response.text), route.path
        reached.append(route.path)
    assert {"/", "/account", "/api/me"} <= set(reached)
    assert patient_a.get("/", follow_redirects=False).headers["location"] == "/portal"
    account = patient_a.get("/account")
    assert "no staff pages" not in account.text and 'href="/portal"' in account.text


def test_a_patient_signs_out(patient_a):
    assert page_form_post(patient_a, "/logout", {}).status_code == 303
    assert patient_a.get("/api/me").status_code == 401


# The patient's own routes ----------------------------------------------------------------------------

# Path parameters of patient routes that name no row of anyone's record: a questionnaire of the instrument packs.
NOT_RECORD_IDS = {"instrument_id"}


def _patient_routes(app) -> list[tuple[str, APIRoute]]:  # noqa: ANN001
    return [(m, r) for m, r in _routes(app) if Permission.PORTAL_USE in _permissions(r)]


def test_every_patient_route_that_takes_an_id_is_checked_by_the_chart_access_policy(app):
    unresolved = []
    for _method, route in _patient_routes(app):
        for collection, param in chart_access.route_ids(route.path):
            if param in NOT_RECORD_IDS:
                continue
            if collection not in chart_access.collections():
                unresolved.append(f"{route.path}: {{{param}}} after /{collection}/")
    assert unresolved == [], ("a patient route takes an id the chart-access policy cannot resolve, so the own-record "
                              "caseload would not apply: register its collection in the slice's access.py")


def test_public_routes_take_no_chart_id(app):
    for _method, route in _routes(app):
        if Permission.PUBLIC in _permissions(route):
            assert not [c for c, _p in chart_access.route_ids(route.path) if c in chart_access.collections()], route.path


def test_a_patient_using_another_patients_ids_is_refused(app, patient_a, two_patients, db):
    ids = two_patients["other_ids"]
    before = _table_counts(db)
    for method, route in _patient_routes(app):
        if not chart_access.route_ids(route.path):
            continue
        response = patient_a.request(method, _url(route.path, ids), follow_redirects=False)
        assert response.status_code in (403, 404), (method, route.path, response.status_code)
        assert not _shows_other(response.text), (method, route.path)
    assert _table_counts(db) == before


def test_the_own_record_rule_refuses_another_patients_chart_by_any_id(db, clinic, two_patients, patient_a):
    """The caseload itself, for every registered collection: B's row is refused to A, A's own episode is not."""
    from painpath.core.audit import Actor
    from painpath.core.auth.models import User

    with db.session() as session:
        user = session.scalar(select(User).where(User.role == "patient", User.username == f"pat-{two_patients['own']}"))
        actor = Actor(user_id=user.id, label="user:pat", clinic_id=clinic.id, role="patient")
        for collection, object_id in two_patients["other_ids"].items():
            with pytest.raises(chart_access.ChartAccessRefused):
                chart_access.require(session, actor, collection=collection, object_id=object_id)
        chart_access.require(session, actor, collection="episodes", object_id=two_patients["own_episode"])


def test_the_patients_own_pages_show_nothing_of_another_and_staff_cannot_use_them(app, patient_a, client_for):
    clinician = client_for("clinician")
    for method, route in _patient_routes(app):
        if chart_access.route_ids(route.path):
            continue
        if method == "GET":
            response = patient_a.get(route.path, follow_redirects=False)
            assert response.status_code in (200, 303), (route.path, response.status_code)
            assert not _shows_other(response.text), route.path
        staff = clinician.request(method, route.path, follow_redirects=False)
        assert staff.status_code == 403, (method, route.path)


def test_a_revoked_patient_reaches_none_of_their_own_pages(app, db, portal_client_for, two_patients):
    from painpath.portal.models import PatientAccount

    patient = portal_client_for(two_patients["own"])
    with db.session() as session:
        account = session.scalar(select(PatientAccount).where(PatientAccount.patient_id == two_patients["own"]))
        account.revoked_at = datetime(2026, 11, 16, 15, 0)  # revoked without ending the session: the rule alone holds
    for method, route in _patient_routes(app):
        if method != "GET":
            continue
        response = patient.get(_url(route.path, {"patients": two_patients["own"], "episodes": two_patients["own_episode"]}),
                               follow_redirects=False)
        assert response.status_code in (403, 404), (route.path, response.status_code)
    home = patient.get("/")
    assert home.status_code == 403 and "Your portal access is not active" in home.text


# The invitation e-mail -------------------------------------------------------------------------------

def test_the_invitation_email_says_nothing_clinical(client_for, patient_payload, episode_payload, smtp_relay):  # noqa: F811
    coordinator = client_for("coordinator")
    clinician = client_for("clinician")
    patient_id = coordinator.post("/api/patients", json={**patient_payload, "email": "dana@example.org"}).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    plan = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json={
        "drug_name": "gabapentin", "override_reason": "checked by the portal test", "target": {"daily_mg": 900, "success": "sleep"}})
    assert plan.status_code == 201, plan.text
    sent = page_form_post(coordinator, f"/episodes/{episode_id}/portal/invite", {"email": "dana@example.org"})
    assert sent.status_code == 303 and "portal=sent" in sent.headers["location"]
    [received] = smtp_relay.messages
    mail = message_from_bytes(received.content)
    words = (mail["Subject"] + "\n" + mail.get_payload(decode=True).decode()).lower()
    for clinical in ("gabapentin", "m54.12", "radiculopathy", "neck", "arm pain", "ladder", "cervical", "diagnos", "medication",
                     "mrn-1001", "okafor", "1981"):
        assert clinical not in words, clinical
    assert "/portal/invitation/" in words and "riverside pain & spine" in words and "555-0101" in words
