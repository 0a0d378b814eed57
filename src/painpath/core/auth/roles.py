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
    # Minimum necessary: the clinical chart (notes, measures, exam, medications, PDMP, drug tests, answers,
    # plans) is CHART_READ; demographics, coverage, episodes, appointments, records requests and the
    # authorization board are CHART_SUMMARY, which front desk and billing hold without the clinical chart.
    CHART_READ = "chart:read"
    CHART_SUMMARY = "chart:summary"
    AUTHORIZATION_READ = "authorization:read"  # a prior-authorization case with its criteria, evidence and packet
    EPISODE_WRITE = "episode:write"
    VISIT_BOOK = "visit:book"  # book or move appointments
    INTAKE = "intake:work"  # record calls and attempts, run the red-flag screen
    TRIAGE_ACKNOWLEDGE = "triage:acknowledge"  # a clinician acknowledges an emergent decision
    RECORDS_REQUEST = "records:request"  # list prior providers, send records requests, file what comes back
    NOTE_WRITE = "note:write"  # write and edit unsigned visit notes, addenda, measures and exam findings
    NOTE_SIGN = "note:sign"  # sign a visit note, after which it is immutable
    MEDICATION_WRITE = "medication:write"  # record, change and stop medication trials (clinical history)
    WORKLIST_READ = "worklist:read"
    WORKLIST_WORK = "worklist:work"  # claim, complete, comment
    WORKLIST_ASSIGN = "worklist:assign"  # reassign to another person or role
    KNOWLEDGE_READ = "knowledge:read"
    INSTRUMENT_ADMINISTER = "instrument:administer"  # record a patient's answers to a validated instrument
    AUTHORIZATION_WORK = "authorization:work"  # open prior-authorization cases, submit, record payer answers, kit documents
    PLAN_WRITE = "plan:write"  # start a care plan, confirm a step's outcome, pivot to another pathway (clinical decisions)
    USER_ADMIN = "user:admin"
    CLINIC_SETTINGS = "clinic:settings"  # the clinic's own name, phone, fax and NPI (the requester on authorizations)
    AUDIT_READ = "audit:read"
    ORDER_PLACE = "order:place"  # order imaging, write a referral, read its report or consult note and close the loop (clinical decisions)
    ORDER_WORK = "order:work"  # send orders and referrals, book slots, record acknowledgements, appointments and results that arrive
    LOOPS_READ = "loops:read"  # the clinic-wide open-loops board: every order and referral still out, waiting on whom and how long
    CHECKIN_RECORD = "checkin:record"  # write a check-in note (pain, function, side effects, red flags, next step) on a telehealth check-in
    PORTAL_INVITE = "portal:invite"  # invite a patient to the portal, share documents with them, revoke their access
    PORTAL_USE = "portal:use"  # the patient's own portal pages: their one record, in plain words
    OUTCOMES_READ = "outcomes:read"  # the clinic's outcomes dashboard: measures across patients, and the cases behind each figure
    COST_ESTIMATE = "cost:estimate"  # record a patient's benefits and give cost estimates for planned procedures


_STAFF_CORE = {
    Permission.AUTHENTICATED,
    Permission.PATIENT_SEARCH,
    Permission.CHART_SUMMARY,
    Permission.WORKLIST_READ,
    Permission.WORKLIST_WORK,
    Permission.KNOWLEDGE_READ,
}

# Those who treat the patient, or supervise the care, read the clinical chart.
_CLINICAL = {Permission.CHART_READ, Permission.AUTHORIZATION_READ}

# Everyone who gives questionnaires at the desk, in the room or in therapy may record the answers.
_INSTRUMENTS = {Permission.INSTRUMENT_ADMINISTER}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Front desk registers, books and chases records: demographics, coverage and appointments, not the clinical chart.
    Role.FRONT_DESK: frozenset(_STAFF_CORE | _INSTRUMENTS | {Permission.PATIENT_WRITE, Permission.VISIT_BOOK, Permission.INTAKE, Permission.RECORDS_REQUEST,
                                                            Permission.PORTAL_INVITE, Permission.COST_ESTIMATE}),
    Role.NURSE: frozenset(
        _STAFF_CORE
        | _CLINICAL
        | _INSTRUMENTS
        | {Permission.EPISODE_WRITE, Permission.VISIT_BOOK, Permission.INTAKE, Permission.RECORDS_REQUEST, Permission.MEDICATION_WRITE,
           Permission.NOTE_WRITE, Permission.CHECKIN_RECORD, Permission.PORTAL_INVITE}
    ),
    Role.COORDINATOR: frozenset(
        _STAFF_CORE
        | _CLINICAL
        | _INSTRUMENTS
        | {Permission.PATIENT_WRITE, Permission.EPISODE_WRITE, Permission.VISIT_BOOK, Permission.WORKLIST_ASSIGN, Permission.INTAKE,
           Permission.RECORDS_REQUEST, Permission.AUTHORIZATION_WORK, Permission.ORDER_WORK, Permission.LOOPS_READ, Permission.PORTAL_INVITE,
           Permission.COST_ESTIMATE}
    ),
    Role.CLINICIAN: frozenset(
        _STAFF_CORE | _CLINICAL | _INSTRUMENTS | {Permission.EPISODE_WRITE, Permission.INTAKE, Permission.TRIAGE_ACKNOWLEDGE, Permission.MEDICATION_WRITE,
                       Permission.NOTE_WRITE, Permission.NOTE_SIGN, Permission.AUTHORIZATION_WORK, Permission.PLAN_WRITE,
                       Permission.ORDER_PLACE, Permission.ORDER_WORK, Permission.LOOPS_READ, Permission.CHECKIN_RECORD,
                       Permission.PORTAL_INVITE, Permission.OUTCOMES_READ, Permission.COST_ESTIMATE}
    ),
    # Therapists write and sign their own PT visit notes.
    Role.THERAPIST: frozenset(_STAFF_CORE | _CLINICAL | _INSTRUMENTS | {Permission.NOTE_WRITE, Permission.NOTE_SIGN}),
    # Billing works authorizations and claims: the case with its criteria and packet, not the rest of the clinical chart.
    Role.BILLING: frozenset(_STAFF_CORE | {Permission.AUTHORIZATION_WORK, Permission.AUTHORIZATION_READ, Permission.COST_ESTIMATE}),
    # Records escalations land with the manager, who must be able to act on them.
    Role.MANAGER: frozenset(_STAFF_CORE | _CLINICAL | {Permission.WORKLIST_ASSIGN, Permission.AUDIT_READ, Permission.RECORDS_REQUEST,
                                                        Permission.CLINIC_SETTINGS, Permission.LOOPS_READ, Permission.OUTCOMES_READ,
                                                        Permission.COST_ESTIMATE}),
    # Admin runs the system (users, audit) and does not read charts.
    Role.ADMIN: frozenset({Permission.AUTHENTICATED, Permission.USER_ADMIN, Permission.AUDIT_READ, Permission.KNOWLEDGE_READ,
                           Permission.CLINIC_SETTINGS}),
    # A patient reaches the portal only: their own record (portal/access.py), never a staff page.
    Role.PATIENT: frozenset({Permission.AUTHENTICATED, Permission.PORTAL_USE}),
}

STAFF_ROLES = tuple(r for r in Role if r is not Role.PATIENT)


def role_allows(role: Role | str, permission: Permission) -> bool:
    if permission is Permission.PUBLIC:
        return True
    return permission in ROLE_PERMISSIONS[Role(role)]


# What each permission lets a person do, for the refusal page ("Your role cannot open the clinical chart").
PERMISSION_WORDS = {
    "authenticated": "use this page", "patient:search": "search for patients", "patient:write": "register or change patients",
    "chart:read": "open the clinical chart", "chart:summary": "see patients' details",
    "authorization:read": "open prior-authorization cases", "episode:write": "change episodes", "visit:book": "book visits",
    "intake:work": "take intake calls", "triage:acknowledge": "acknowledge triage decisions",
    "records:request": "request or file outside records", "note:write": "write visit notes", "note:sign": "sign visit notes",
    "medication:write": "record medication trials", "worklist:read": "see the worklist", "worklist:work": "work on tasks",
    "worklist:assign": "reassign tasks", "knowledge:read": "read the clinic's rules", "instrument:administer": "record questionnaire answers",
    "authorization:work": "work prior-authorization cases", "plan:write": "make care-plan decisions", "user:admin": "manage users",
    "audit:read": "read the audit log", "order:place": "order imaging or write referrals", "order:work": "send and track orders and referrals",
    "loops:read": "see the clinic's open orders and referrals", "checkin:record": "write check-in notes",
    "portal:invite": "invite patients to the portal", "portal:use": "use the patient portal",
    "outcomes:read": "see the clinic's outcomes", "cost:estimate": "give cost estimates",
}


def permission_refusal(permission: str) -> str:
    return f"Your role cannot {PERMISSION_WORDS.get(permission, 'do this')}. Ask a colleague whose role can, or your administrator."
