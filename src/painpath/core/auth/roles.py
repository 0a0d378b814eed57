"""Roles and the permissions each grants. Every route declares one permission from here."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    NURSE = "nurse"
    COORDINATOR = "coordinator"
    CLINICIAN = "clinician"
    THERAPIST = "therapist"
    BILLING = "billing"
    MANAGER = "manager"
    ADMIN = "admin"
    PATIENT = "patient"


class Permission(StrEnum):
    PUBLIC = "public"  # login page, health check, static files
    AUTHENTICATED = "authenticated"  # any signed-in person: home, logout, own account
    PATIENT_SEARCH = "patient:search"
    PATIENT_WRITE = "patient:write"
    CHART_READ = "chart:read"
    EPISODE_WRITE = "episode:write"
    VISIT_BOOK = "visit:book"  # book or move appointments
    INTAKE = "intake:work"  # record calls and attempts, run the red-flag screen
    TRIAGE_ACKNOWLEDGE = "triage:acknowledge"  # a clinician acknowledges an emergent decision
    RECORDS_REQUEST = "records:request"  # list prior providers, send records requests, file what comes back
    WORKLIST_READ = "worklist:read"
    WORKLIST_WORK = "worklist:work"  # claim, complete, comment
    WORKLIST_ASSIGN = "worklist:assign"  # reassign to another person or role
    KNOWLEDGE_READ = "knowledge:read"
    USER_ADMIN = "user:admin"
    AUDIT_READ = "audit:read"


_STAFF_CORE = {
    Permission.AUTHENTICATED,
    Permission.PATIENT_SEARCH,
    Permission.CHART_READ,
    Permission.WORKLIST_READ,
    Permission.WORKLIST_WORK,
    Permission.KNOWLEDGE_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FRONT_DESK: frozenset(_STAFF_CORE | {Permission.PATIENT_WRITE, Permission.VISIT_BOOK, Permission.INTAKE, Permission.RECORDS_REQUEST}),
    Role.NURSE: frozenset(_STAFF_CORE | {Permission.EPISODE_WRITE, Permission.VISIT_BOOK, Permission.INTAKE, Permission.RECORDS_REQUEST}),
    Role.COORDINATOR: frozenset(
        _STAFF_CORE
        | {Permission.PATIENT_WRITE, Permission.EPISODE_WRITE, Permission.VISIT_BOOK, Permission.WORKLIST_ASSIGN, Permission.INTAKE,
           Permission.RECORDS_REQUEST}
    ),
    Role.CLINICIAN: frozenset(_STAFF_CORE | {Permission.EPISODE_WRITE, Permission.INTAKE, Permission.TRIAGE_ACKNOWLEDGE}),
    Role.THERAPIST: frozenset(_STAFF_CORE),
    # Billing works authorizations and claims, so it sees charts but does not edit clinical facts.
    Role.BILLING: frozenset(_STAFF_CORE),
    # Records escalations land with the manager, who must be able to act on them.
    Role.MANAGER: frozenset(_STAFF_CORE | {Permission.WORKLIST_ASSIGN, Permission.AUDIT_READ, Permission.RECORDS_REQUEST}),
    # Admin runs the system (users, audit) and does not read charts.
    Role.ADMIN: frozenset({Permission.AUTHENTICATED, Permission.USER_ADMIN, Permission.AUDIT_READ, Permission.KNOWLEDGE_READ}),
    # The patient portal arrives with later slices; until then a patient may only sign in and out.
    Role.PATIENT: frozenset({Permission.AUTHENTICATED}),
}

STAFF_ROLES = tuple(r for r in Role if r is not Role.PATIENT)


def role_allows(role: Role | str, permission: Permission) -> bool:
    if permission is Permission.PUBLIC:
        return True
    return permission in ROLE_PERMISSIONS[Role(role)]
