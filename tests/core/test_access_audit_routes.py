"""Every page and API route that shows patient data writes exactly one access row per patient shown.

Walks every GET route of the app against a small demo clinic, fills each id in the path with a real
row of that kind, and reads back the audit rows the request wrote (by its request id).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from support import own_database, sign_in
from painpath.authorizations.models import AuthorizationCase
from painpath.context import build_context
from painpath.core.db import Database
from painpath.costs.models import CostEstimate
from painpath.charting.models import Encounter
from painpath.charting.patient_events.models import PatientEvent
from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.demo import demo_password, load_demo
from painpath.intake.models import IntakeCall
from painpath.intake.records.models import RecordsDocument, RecordsRequest
from painpath.medications.tapers.models import TaperPlan
from painpath.orders.models import ImagingOrder
from painpath.medications.trials.models import TrialPlan
from painpath.patients.models import Episode, Patient
from painpath.therapy.models import PtCourse
from painpath.referrals.models import Referral
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.models import WorkRestriction
from painpath.web.app import create_app
from painpath.workcomp.models import IndependentExam, ProgressReport
from painpath.worklist.models import Task

NOW = datetime(2026, 11, 20, 22, 0)
ACCESS_ACTIONS = ("chart.read", "patient.listed")
# Each path parameter: the rows it names, as (id, patient id).
ID_SOURCES = {
    "patient_id": (Patient.id, Patient.id),
    "episode_id": (Episode.id, Episode.patient_id),
    "encounter_id": (Encounter.id, Encounter.patient_id),
    "case_id": (AuthorizationCase.id, AuthorizationCase.patient_id),
    "course_id": (PtCourse.id, PtCourse.patient_id),
    "taper_id": (TaperPlan.id, TaperPlan.patient_id),
    "trial_plan_id": (TrialPlan.id, TrialPlan.patient_id),
    "request_id": (RecordsRequest.id, RecordsRequest.patient_id),
    "document_id": (RecordsDocument.id, Episode.patient_id),
    "call_id": (IntakeCall.id, IntakeCall.patient_id),
    "task_id": (Task.id, Task.patient_id),
    "event_id": (PatientEvent.id, PatientEvent.patient_id),
    "referral_id": (Referral.id, Referral.patient_id),
    "restriction_id": (WorkRestriction.id, WorkRestriction.patient_id),
    "order_id": (ImagingOrder.id, ImagingOrder.patient_id),
    "form_request_id": (FormRequest.id, FormRequest.patient_id),
    "ime_id": (IndependentExam.id, IndependentExam.patient_id),
    "report_id": (ProgressReport.id, ProgressReport.patient_id),
    "estimate_id": (CostEstimate.id, CostEstimate.patient_id),
}
FIXED_VALUES = {"measure": "pain_now", "instrument_id": "odi"}
# Routes that show no patient data (the new-patient and new-call forms, the instrument catalog, account pages).
NO_PATIENT_DATA = {"/", "/account", "/api/me", "/api/openapi.json", "/healthz", "/login", "/patients/new", "/intake/new",
                   "/api/instruments", "/audit", "/api/audit", "/admin/users", "/admin/alerts", "/admin/clinic",
                   "/referral-practices",
                   # The outcomes dashboard and a figure's CSV: counts, no patient (the cases behind a row: CASES_LISTS).
                   "/outcomes", "/outcomes/{measure_id}.csv",
                   # The patient's own account settings (their e-mail address and reminder choice, no chart), and the
                   # public invitation link (it shows only the address the invitation went to).
                   "/portal/settings", "/portal/invitation/{token}"}
# Lists that show patients without an id in the path: (path, query).
SEARCHED = "<family name of the first patient>"
LISTS = {"/patients": {"name": SEARCHED}, "/api/patients": {"q": SEARCHED}, "/worklist": {}, "/api/worklist": {}, "/intake": {},
         "/api/intake/callbacks": {}, "/records": {}, "/api/records/outstanding": {}, "/authorizations": {},
         "/loops": {}, "/forms-queue": {}, "/payer-policy-changes": {}}
# Lists of patients reached through a path that names no patient (a measure): template -> (path, query).
CASES_LISTS = {"/outcomes/{measure_id}/cases": ("/outcomes/authorization_denials_and_escalations/cases", {"row": "all"})}


pytestmark = pytest.mark.storage  # the demo below has a database of its own, not database_url


@pytest.fixture(scope="module")
def audited_demo(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The demo clinic with the rows it lacks, loaded once per module: every test here only reads (GET) and
    finds its own audit rows by request id. Returns (context, the coordinator's signed-in client)."""
    with own_database(migrated_template, tmp_path_factory.mktemp("audited_demo")) as settings:
        ctx = build_context(settings, Database(settings.database_url))
        load_demo(ctx, patients=12, now=NOW)
        with TestClient(create_app(ctx)) as client:
            signed_in = sign_in(client, "coordinator", demo_password("coordinator"))
            _add_records(ctx, signed_in)
            _add_ime_rebuttal(ctx)
            with TestClient(client.app) as other:
                _add_pt_course_and_taper(ctx, signed_in, sign_in(other, "clinician", demo_password("clinician")))
            yield ctx, signed_in
        ctx.db.dispose()


def _add_pt_course_and_taper(ctx, coordinator, clinician):  # noqa: ANN001, ANN202
    """Nor does it start PT courses or opioid tapers: one of each, on the first open episode."""
    with ctx.db.session() as session:
        episode_id = session.scalars(select(Episode.id).where(Episode.status == "open").order_by(Episode.id)).first()
        therapist_id = session.scalars(select(User.id).where(User.role == "therapist").order_by(User.id)).first()
    course = coordinator.post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stenosis_flexion", "therapist_id": therapist_id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-11-02"})
    assert course.status_code == 201, course.text
    taper = clinician.post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 18.75, "faster_reason": "agreed four-month plan"})
    assert taper.status_code == 201, taper.text
    plan = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json={
        "drug_name": "gabapentin", "override_reason": "walked by the audit test", "target": {"daily_mg": 900, "success": "sleep"}})
    assert plan.status_code == 201, plan.text


def _add_ime_rebuttal(ctx):  # noqa: ANN001, ANN202
    """The demo's IME that disagreed is still to reconcile: give it a rebuttal letter, so its PDF route is walked."""
    from painpath.documents.render import html_to_pdf

    with ctx.db.session() as session:
        ime = session.scalars(select(IndependentExam).where(IndependentExam.agreement == "disagrees")).first()
        ime.rebuttal_text, ime.rebuttal_at, ime.rebuttal_pdf = "Rebuttal", NOW, html_to_pdf("<p>Rebuttal</p>")
        session.commit()


def _add_records(ctx, client):  # noqa: ANN001, ANN202
    """The demo files no records that came back: ask one provider for records and file what comes back."""
    with ctx.db.session() as session:
        episode_id = session.scalars(select(Episode.id).where(Episode.status == "open").order_by(Episode.id)).first()
    provider = client.post(f"/api/episodes/{episode_id}/records/providers", json={"name": "Lakeside Imaging", "kind": "imaging_center"})
    assert provider.status_code == 201, provider.text
    request = client.post(f"/api/episodes/{episode_id}/records/requests", json={
        "provider_id": provider.json()["id"], "transport": "print", "items": [{"item": "mri_report"}, {"item": "imaging"}],
        "authorization_reference": "Release R-7", "authorization_date": "2026-01-05",
    })
    assert request.status_code == 201, request.text
    letter = client.get(f"/api/records/requests/{request.json()['id']}/letter").content  # a real PDF to file back
    filed = client.post(f"/api/episodes/{episode_id}/records/documents", files={"file": ("mri.pdf", letter, "application/pdf")},
                        data={"items": ["mri_report"], "request_id": str(request.json()["id"])})
    assert filed.status_code == 201, filed.text


def _candidates(session, param):  # noqa: ANN001, ANN202
    """Every row of the kind, so a route that needs data some rows lack (a plan, a letter) finds one that has it."""
    id_column, patient_column = ID_SOURCES[param]
    query = select(id_column, patient_column).order_by(id_column)
    if param == "document_id":  # a document knows its episode, the episode its patient
        query = query.join(Episode, Episode.id == RecordsDocument.episode_id)
    return list(session.execute(query))


def _access_rows(db, request_id):  # noqa: ANN001, ANN202
    with db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id, AuditEvent.action.in_(ACCESS_ACTIONS))))


def _get_routes(app):  # noqa: ANN001, ANN202
    return sorted({r.path for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods})


def _fill(path, param, value):  # noqa: ANN001, ANN202
    return path.replace("{" + param + "}", str(value))


def test_every_route_that_shows_a_patient_audits_one_access_per_patient(audited_demo):
    ctx, demo_client = audited_demo
    db = ctx.db
    problems, checked, missing_data = [], [], []
    for path in _get_routes(demo_client.app):
        params = re.findall(r"\{([^}]+)\}", path)
        if path.startswith("/portal"):  # the patient's own pages: walked as the patient in tests/portal/test_portal_pages.py
            continue
        if path in NO_PATIENT_DATA or path in LISTS or path in CASES_LISTS or not params:
            assert path in NO_PATIENT_DATA | set(LISTS) | set(CASES_LISTS), f"{path}: a new route without ids; say whether it shows patients"
            continue
        (id_param,) = [p for p in params if p not in FIXED_VALUES]
        template = path
        for param in params:
            if param in FIXED_VALUES:
                template = _fill(template, param, FIXED_VALUES[param])
        with db.session() as session:
            candidates = _candidates(session, id_param)
        for value, patient_id in candidates:
            request_id = uuid.uuid4().hex
            response = demo_client.get(_fill(template, id_param, value), headers={"x-request-id": request_id})
            if response.status_code == 200:
                break
        else:
            missing_data.append(path)
            continue
        checked.append(path)
        per_patient = Counter(row.patient_id for row in _access_rows(db, request_id))
        if patient_id not in per_patient:
            problems.append((path, f"no access row for the patient shown, rows: {dict(per_patient)}"))
        duplicates = {p: n for p, n in per_patient.items() if n > 1}
        if duplicates:
            problems.append((path, f"{sum(duplicates.values())} rows for {len(duplicates)} patient(s)"))
    assert problems == [], (problems, missing_data)
    # The demo's charted episodes follow care plans, so the printed plan and its calendar are walked too.
    assert missing_data == []
    assert len(checked) >= 46


@pytest.mark.parametrize("path", sorted(LISTS) + sorted(CASES_LISTS))
def test_every_list_of_patients_audits_the_patients_it_showed(audited_demo, path):
    ctx, demo_client = audited_demo
    db = ctx.db
    with db.session() as session:
        first = session.scalars(select(Patient).order_by(Patient.id)).first()
    path, query = CASES_LISTS.get(path, (path, LISTS.get(path, {})))
    params = {key: first.family_name if value == SEARCHED else value for key, value in query.items()}
    request_id = uuid.uuid4().hex
    if path.startswith("/outcomes"):  # the dashboard is the manager's and clinician's, not the coordinator's
        with TestClient(demo_client.app) as manager:
            response = sign_in(manager, "manager", demo_password("manager")).get(path, params=params, headers={"x-request-id": request_id})
    else:
        response = demo_client.get(path, params=params, headers={"x-request-id": request_id})
    assert response.status_code == 200
    rows = _access_rows(db, request_id)
    assert rows, f"{path} showed patients and audited none"
    per_patient = Counter(row.patient_id for row in rows)
    assert all(n == 1 for n in per_patient.values()), per_patient
    assert None not in per_patient
    assert {row.action for row in rows} == {"patient.listed"}
    if SEARCHED in query.values():
        assert first.id in per_patient
