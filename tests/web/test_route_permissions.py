"""Every route declares the permission it needs, and each role gets exactly what the matrix says."""

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from painpath.core.auth.roles import ROLE_PERMISSIONS, Permission, Role, role_allows
from painpath.web.deps import permission_of

# The access matrix, written out by hand: widening a role's access must be a deliberate edit here.
EXPECTED_ROLES = {
    Permission.AUTHENTICATED: set(Role),
    Permission.PATIENT_SEARCH: {"front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "manager"},
    # Minimum necessary: front desk and billing read the chart summary, not the clinical chart.
    Permission.CHART_SUMMARY: {"front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "manager"},
    Permission.CHART_READ: {"nurse", "coordinator", "clinician", "therapist", "manager"},
    Permission.AUTHORIZATION_READ: {"nurse", "coordinator", "clinician", "therapist", "billing", "manager"},
    Permission.PATIENT_WRITE: {"front_desk", "coordinator"},
    Permission.EPISODE_WRITE: {"nurse", "coordinator", "clinician"},
    Permission.VISIT_BOOK: {"front_desk", "nurse", "coordinator"},
    Permission.INTAKE: {"front_desk", "nurse", "coordinator", "clinician"},
    Permission.TRIAGE_ACKNOWLEDGE: {"clinician"},
    Permission.RECORDS_REQUEST: {"front_desk", "nurse", "coordinator", "manager"},
    Permission.MEDICATION_WRITE: {"nurse", "clinician"},
    Permission.NOTE_WRITE: {"nurse", "clinician", "therapist"},
    Permission.NOTE_SIGN: {"clinician", "therapist"},
    Permission.WORKLIST_READ: {"front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "manager"},
    Permission.WORKLIST_WORK: {"front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "manager"},
    Permission.WORKLIST_ASSIGN: {"coordinator", "manager"},
    Permission.KNOWLEDGE_READ: {"front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "manager", "admin"},
    Permission.INSTRUMENT_ADMINISTER: {"front_desk", "nurse", "coordinator", "clinician", "therapist"},
    Permission.AUTHORIZATION_WORK: {"coordinator", "clinician", "billing"},
    Permission.PLAN_WRITE: {"clinician"},
    Permission.ORDER_PLACE: {"clinician"},
    Permission.ORDER_WORK: {"coordinator", "clinician"},
    # The open-loops board names patients across the clinic: the people who chase and close loops, not therapists.
    Permission.LOOPS_READ: {"coordinator", "clinician", "manager"},
    Permission.USER_ADMIN: {"admin"},
    Permission.AUDIT_READ: {"manager", "admin"},
}
PUBLIC_PATHS = {"/login", "/healthz"}
# Signing out ends the test client's session, so it is checked by declaration only.
NOT_CALLED = {("POST", "/logout")}


def _api_routes(app):  # noqa: ANN001, ANN202
    return [r for r in app.routes if isinstance(r, APIRoute)]


def test_every_route_declares_exactly_one_permission(app):
    undeclared = [(sorted(r.methods), r.path, permission_of(r)) for r in _api_routes(app) if len(permission_of(r)) != 1]
    assert undeclared == [], f"routes without exactly one declared permission: {undeclared}"


def test_only_declared_routes_and_static_files_are_mounted(app):
    others = [r for r in app.routes if not isinstance(r, APIRoute)]
    assert [(type(r).__name__, r.path) for r in others] == [("Mount", "/static")]
    assert all(isinstance(r, Mount) for r in others)


def test_public_routes_are_only_the_expected_ones(app):
    public = {r.path for r in _api_routes(app) if permission_of(r) == [Permission.PUBLIC]}
    assert public == PUBLIC_PATHS


def test_role_permission_table_matches_the_written_matrix():
    for permission, roles in EXPECTED_ROLES.items():
        granted = {role.value for role in Role if permission in ROLE_PERMISSIONS[role]}
        assert granted == {r.value if isinstance(r, Role) else r for r in roles}, permission


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_reaches_exactly_the_routes_its_permissions_allow(app, client_for, role, db, clinic, staff, patient_payload):
    if role == Role.PATIENT.value:  # a patient reaches the portal through an account tied to their record
        from painpath.portal.models import PatientAccount

        patient_id = client_for("coordinator").post("/api/patients", json=patient_payload).json()["id"]
        with db.session() as session:
            session.add(PatientAccount(clinic_id=clinic.id, patient_id=patient_id, user_id=staff["patient"].id, email="patient@example.org"))
    client = client_for(role)
    mismatches = []
    for route in _api_routes(app):
        (permission,) = permission_of(route)
        for method in sorted(route.methods - {"HEAD"}):
            if (method, route.path) in NOT_CALLED:
                continue
            response = client.request(method, _concrete(route.path), follow_redirects=False, json={} if method != "GET" else None)
            allowed = role_allows(role, permission)
            denied = response.status_code == 403
            if allowed == denied:
                mismatches.append((method, route.path, permission.value, response.status_code))
    assert mismatches == [], f"{role}: {mismatches}"


def test_signed_out_requests_are_refused(app):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    for route in _api_routes(app):
        (permission,) = permission_of(route)
        if permission is Permission.PUBLIC:
            continue
        for method in route.methods - {"HEAD"}:
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            assert response.status_code in (401, 303), (method, route.path, response.status_code)
            if route.path.startswith("/api/"):
                assert response.status_code == 401
            else:
                assert response.headers["location"].startswith("/login?next=")
