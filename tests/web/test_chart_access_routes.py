"""Every route that reaches patient data obeys the one chart-access policy (core/auth/chart_access.py).

The table below classifies every route of the app by hand; a route added without a line here fails
`test_every_route_is_classified`, so nobody adds a way into a chart without deciding who may use it:

- CLINICAL: reaches the clinical chart through an id in its path; front desk (and billing) are refused.
- SUMMARY: reaches a chart through an id but carries demographics, coverage, visits, tasks, records
  requests or desk work; front desk may use it (its permission decides).
- CASELOAD_LIST: a list across patients; a therapist sees only their caseload's rows (or is refused).
- NEW_PATIENT: registers someone new; no existing chart is reached.
- NO_PATIENT_DATA: sign-in, account, catalogue and preview routes.
- OWN_RECORD: a patient's portal page with no id: it reads the signed-in patient's own record only
  (portal/access.py portal_patient); staff are refused by its permission (tests/portal walks them).

For every CLINICAL and SUMMARY route, a therapist whose caseload does not include the patient is
refused (403) for reads and writes, and nothing is written; for every CLINICAL route the front desk is
refused (403). The rows those routes reach are plain rows of each registered table, made for this test.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from chart_rows import rows_for_every_collection
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.core.auth import chart_access
from painpath.core.auth.models import UserSession
from painpath.core.db import Base

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)

CLINICAL = "clinical"
SUMMARY = "summary"
CASELOAD_LIST = "caseload list"
NEW_PATIENT = "new patient"
NO_PATIENT_DATA = "no patient data"
OWN_RECORD = "own record"

ROUTES = {
    ("GET", "/login"): NO_PATIENT_DATA,
    ("POST", "/login"): NO_PATIENT_DATA,
    ("POST", "/logout"): NO_PATIENT_DATA,
    ("GET", "/"): NO_PATIENT_DATA,
    ("GET", "/account"): NO_PATIENT_DATA,
    ("GET", "/healthz"): NO_PATIENT_DATA,
    ("GET", "/api/openapi.json"): NO_PATIENT_DATA,
    ("GET", "/api/me"): NO_PATIENT_DATA,
    # Users are staff, not patients; only admins reach these.
    ("GET", "/admin/users"): NO_PATIENT_DATA,
    ("GET", "/admin/alerts"): NO_PATIENT_DATA,
    ("POST", "/admin/users"): NO_PATIENT_DATA,
    ("POST", "/admin/users/disable"): NO_PATIENT_DATA,
    ("POST", "/admin/users/enable"): NO_PATIENT_DATA,
    ("POST", "/admin/users/password"): NO_PATIENT_DATA,
    ("POST", "/admin/users/role"): NO_PATIENT_DATA,
    ("POST", "/admin/users/unlock"): NO_PATIENT_DATA,
    ("POST", "/admin/users/npi"): NO_PATIENT_DATA,
    ("GET", "/admin/clinic"): NO_PATIENT_DATA,
    # The patient's questionnaires at home (portal/questionnaire_pages.py).
    ("GET", "/portal/questionnaires"): OWN_RECORD,
    ("GET", "/portal/questionnaires/{instrument_id}"): OWN_RECORD,
    ("POST", "/portal/questionnaires/{instrument_id}"): OWN_RECORD,
    ("GET", "/portal/questionnaires/thank-you"): OWN_RECORD,
    ("GET", "/portal/questionnaires/support"): NO_PATIENT_DATA,  # the crisis lines and the clinic's phone
    ("POST", "/admin/clinic"): NO_PATIENT_DATA,
    # The audit log names patients across the clinic: only the audit roles (manager, admin) read it.
    ("GET", "/audit"): CASELOAD_LIST,
    ("GET", "/api/audit"): CASELOAD_LIST,
    ("POST", "/episodes/{episode_id}/medication-trials/plan"): CLINICAL,
    ("GET", "/api/patients"): CASELOAD_LIST,
    ("POST", "/api/patients"): NEW_PATIENT,
    ("GET", "/api/patients/{patient_id}"): SUMMARY,
    ("PUT", "/api/patients/{patient_id}"): SUMMARY,
    ("POST", "/api/patients/{patient_id}/coverages"): SUMMARY,
    ("PUT", "/api/coverages/{coverage_id}"): SUMMARY,
    ("POST", "/api/coverages/{coverage_id}/end"): SUMMARY,
    ("POST", "/api/patients/{patient_id}/episodes"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}"): SUMMARY,
    ("PUT", "/api/episodes/{episode_id}"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/timeline"): CLINICAL,
    ("GET", "/api/worklist"): CASELOAD_LIST,
    ("GET", "/api/tasks/{task_id}"): SUMMARY,
    ("POST", "/api/tasks/{task_id}/claim"): SUMMARY,
    ("POST", "/api/tasks/{task_id}/complete"): SUMMARY,
    ("POST", "/api/tasks/{task_id}/reassign"): CLINICAL,
    ("POST", "/api/tasks/{task_id}/comments"): SUMMARY,
    ("POST", "/api/intake/calls"): NEW_PATIENT,
    ("GET", "/api/intake/callbacks"): CASELOAD_LIST,
    ("POST", "/api/intake/calls/{call_id}/attempts"): SUMMARY,
    ("POST", "/api/intake/calls/{call_id}/letter"): SUMMARY,
    ("POST", "/api/intake/calls/{call_id}/no-prior-records"): SUMMARY,
    ("POST", "/api/intake/triage/preview"): NO_PATIENT_DATA,
    ("POST", "/api/intake/calls/{call_id}/triage"): SUMMARY,
    ("POST", "/api/triage/{triage_id}/acknowledge"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/appointments"): SUMMARY,
    ("POST", "/api/episodes/{episode_id}/appointments"): SUMMARY,
    ("POST", "/api/appointments/{appointment_id}/cancel"): SUMMARY,
    ("POST", "/api/appointments/{appointment_id}/reschedule"): SUMMARY,
    ("POST", "/api/appointments/{appointment_id}/check-in"): SUMMARY,
    ("POST", "/api/appointments/{appointment_id}/complete"): SUMMARY,
    ("POST", "/api/appointments/{appointment_id}/no-show"): SUMMARY,
    ("POST", "/api/intake/calls/{call_id}/triage/answers"): SUMMARY,
    ("GET", "/api/episodes/{episode_id}/records"): SUMMARY,
    ("POST", "/api/episodes/{episode_id}/records/providers"): SUMMARY,
    ("PUT", "/api/records/providers/{provider_id}"): SUMMARY,
    ("POST", "/api/episodes/{episode_id}/records/requests"): SUMMARY,
    ("POST", "/api/records/requests/{request_id}/retry"): SUMMARY,
    ("POST", "/api/records/requests/{request_id}/acknowledged"): SUMMARY,
    ("POST", "/api/records/requests/{request_id}/follow-up"): SUMMARY,
    ("GET", "/api/records/requests/{request_id}/letter"): SUMMARY,
    ("POST", "/api/episodes/{episode_id}/records/documents"): SUMMARY,
    ("GET", "/api/records/documents/{document_id}/content"): CLINICAL,
    ("GET", "/api/records/outstanding"): CASELOAD_LIST,
    ("POST", "/api/episodes/{episode_id}/record-imports"): SUMMARY,
    ("GET", "/api/episodes/{episode_id}/record-imports"): SUMMARY,
    ("GET", "/api/episodes/{episode_id}/imported-facts"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/encounters"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/encounters"): CLINICAL,
    ("GET", "/api/encounters/{encounter_id}"): CLINICAL,
    ("PUT", "/api/encounters/{encounter_id}"): CLINICAL,
    ("POST", "/api/encounters/{encounter_id}/sign"): CLINICAL,
    ("POST", "/api/encounters/{encounter_id}/addenda"): CLINICAL,
    ("PUT", "/api/encounters/{encounter_id}/measures"): CLINICAL,
    ("PUT", "/api/encounters/{encounter_id}/exam"): CLINICAL,
    ("PUT", "/api/encounters/{encounter_id}/pain-diagram"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/pain-diagrams"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/measures/latest"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/measures/{measure}"): CLINICAL,
    ("GET", "/api/instruments"): NO_PATIENT_DATA,
    ("POST", "/api/episodes/{episode_id}/instrument-administrations"): SUMMARY,
    ("GET", "/api/episodes/{episode_id}/instrument-administrations"): CLINICAL,
    ("POST", "/api/instrument-administrations/{administration_id}/safety-review"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/medication-trials"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/medication-trials"): CLINICAL,
    ("PUT", "/api/medication-trials/{trial_id}"): CLINICAL,
    ("POST", "/api/medication-trials/{trial_id}/stop"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/prescriptions"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/prescriptions"): CLINICAL,
    ("POST", "/api/prescriptions/{prescription_id}/stop"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/other-medications"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/other-medications"): CLINICAL,
    ("POST", "/api/other-medications/{other_id}/stop"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/opioid-agreements"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/pdmp-checks"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/urine-drug-tests"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/naloxone-offers"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/opioid-safety"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/medication-trials/plan"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/medication-trial-plans"): CLINICAL,
    ("POST", "/api/trial-plan-items/{item_id}/done"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/tapers"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/tapers"): CLINICAL,
    ("GET", "/api/tapers/{taper_id}"): CLINICAL,
    ("POST", "/api/tapers/{taper_id}/pause"): CLINICAL,
    ("POST", "/api/tapers/{taper_id}/resume"): CLINICAL,
    ("POST", "/api/taper-steps/{step_id}/done"): CLINICAL,
    ("GET", "/api/tapers/{taper_id}/schedule.pdf"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/procedures"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/procedures"): CLINICAL,
    ("POST", "/api/procedures/{procedure_id}/relief"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/conservative-care"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/conservative-care"): CLINICAL,
    ("PUT", "/api/conservative-care/{entry_id}/end"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/imaging-studies"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/imaging-studies"): CLINICAL,
    ("POST", "/api/imaging-studies/{study_id}/report"): CLINICAL,
    ("POST", "/episodes/{episode_id}/procedures"): CLINICAL,
    ("POST", "/procedures/{procedure_id}/relief"): CLINICAL,
    ("POST", "/episodes/{episode_id}/conservative-care"): CLINICAL,
    ("POST", "/conservative-care/{entry_id}/end"): CLINICAL,
    # The patient's history (work, sports, surgeries, habits): clinical, one row per patient.
    ("GET", "/api/patients/{patient_id}/history"): CLINICAL,
    ("PUT", "/api/patients/{patient_id}/history"): CLINICAL,
    ("POST", "/episodes/{episode_id}/history"): CLINICAL,
    ("POST", "/episodes/{episode_id}/imaging-studies"): CLINICAL,
    ("POST", "/imaging-studies/{study_id}/report"): CLINICAL,
    ("GET", "/episodes/{episode_id}/imaging-orders/new"): CLINICAL,
    ("POST", "/episodes/{episode_id}/imaging-orders/new"): CLINICAL,
    ("GET", "/imaging-orders/{order_id}"): CLINICAL,
    ("GET", "/imaging-orders/{order_id}/requisition.pdf"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/send"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/book"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/done"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/report"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/review"): CLINICAL,
    ("POST", "/imaging-orders/{order_id}/cancel"): CLINICAL,
    ("GET", "/api/imaging-orders/{order_id}/fhir"): CLINICAL,
    ("GET", "/api/imaging-orders/{order_id}"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/imaging-orders"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/imaging-orders"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/authorizations"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/authorizations"): CLINICAL,
    ("GET", "/api/authorizations/{case_id}"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/submit"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/pend"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/decision"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/step"): CLINICAL,
    ("PUT", "/api/authorizations/{case_id}/planned-date"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/documents"): CLINICAL,
    ("GET", "/api/authorizations/{case_id}/packet.pdf"): CLINICAL,
    ("GET", "/api/authorizations/{case_id}/peer-to-peer.pdf"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/submit-electronically"): CLINICAL,
    ("POST", "/api/authorizations/{case_id}/payer-answers"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/plans"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/plan"): CLINICAL,
    ("POST", "/api/plan-steps/{step_id}/confirm"): CLINICAL,
    ("POST", "/api/plans/{plan_id}/pivot"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/shared-decisions"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/shared-decisions"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/behavioural-offers"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/behavioural-offers"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/support-items"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/support-items"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/support-items/remove"): CLINICAL,
    ("GET", "/episodes/{episode_id}/plan.pdf"): CLINICAL,
    ("GET", "/episodes/{episode_id}/plan.ics"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/pt-courses"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/pt-courses"): CLINICAL,
    ("GET", "/api/pt-courses/{course_id}"): CLINICAL,
    ("POST", "/api/pt-courses/{course_id}/authorizations"): CLINICAL,
    ("POST", "/api/pt-authorizations/{authorization_id}/extension-request"): CLINICAL,
    ("POST", "/api/pt-authorizations/{authorization_id}/extension-answer"): CLINICAL,
    ("POST", "/api/pt-courses/{course_id}/progress-reports"): CLINICAL,
    ("POST", "/api/pt-courses/{course_id}/certifications"): CLINICAL,
    ("GET", "/api/pt-courses/{course_id}/prescription.pdf"): CLINICAL,
    ("POST", "/api/pt-courses/{course_id}/prescription/send"): CLINICAL,
    # Referrals (clinical: a referral names the problem and the clinical question) and their practices directory.
    ("POST", "/api/episodes/{episode_id}/referrals"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/referrals"): CLINICAL,
    ("POST", "/api/referrals/{referral_id}/transition"): CLINICAL,
    ("GET", "/api/referrals/{referral_id}/fhir"): CLINICAL,
    ("GET", "/episodes/{episode_id}/referrals/new"): CLINICAL,
    ("POST", "/episodes/{episode_id}/referrals"): CLINICAL,
    ("GET", "/referrals/{referral_id}"): CLINICAL,
    ("POST", "/referrals/{referral_id}/transition"): CLINICAL,
    ("POST", "/referrals/{referral_id}/send"): CLINICAL,
    ("GET", "/referrals/{referral_id}/letter"): CLINICAL,
    # Work restrictions and the graded return-to-work plan (clinical: function, restrictions, the work plan).
    ("POST", "/api/episodes/{episode_id}/work-restrictions"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/work-restrictions"): CLINICAL,
    ("PUT", "/api/work-restrictions/{restriction_id}"): CLINICAL,
    ("POST", "/api/work-restrictions/{restriction_id}/sign"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/return-to-work-steps"): CLINICAL,
    ("POST", "/api/episodes/{episode_id}/return-to-work-steps"): CLINICAL,
    ("POST", "/api/return-to-work-steps/{step_id}/record"): CLINICAL,
    ("GET", "/episodes/{episode_id}/work-restrictions/new"): CLINICAL,
    ("POST", "/episodes/{episode_id}/work-restrictions"): CLINICAL,
    ("GET", "/work-restrictions/{restriction_id}"): CLINICAL,
    ("POST", "/work-restrictions/{restriction_id}/sign"): CLINICAL,
    ("GET", "/work-restrictions/{restriction_id}/edit"): CLINICAL,
    ("POST", "/work-restrictions/{restriction_id}"): CLINICAL,
    ("GET", "/work-restrictions/{restriction_id}/letter"): CLINICAL,
    ("POST", "/episodes/{episode_id}/return-to-work-steps"): CLINICAL,
    ("POST", "/return-to-work-steps/{step_id}/record"): CLINICAL,
    # Workers' compensation: the claim says how the injury happened; the IME and the progress report are clinical.
    ("POST", "/episodes/{episode_id}/workcomp/claim"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/workcomp-claim"): CLINICAL,
    ("PUT", "/api/episodes/{episode_id}/workcomp-claim"): CLINICAL,
    ("POST", "/episodes/{episode_id}/workcomp/imes"): CLINICAL,
    ("POST", "/workcomp-imes/{ime_id}/findings"): CLINICAL,
    ("POST", "/workcomp-imes/{ime_id}/rebuttal"): CLINICAL,
    ("GET", "/workcomp-imes/{ime_id}/rebuttal/pdf"): CLINICAL,
    ("POST", "/episodes/{episode_id}/workcomp/reports"): CLINICAL,
    ("GET", "/workcomp-reports/{report_id}/pdf"): CLINICAL,
    ("POST", "/workcomp-reports/{report_id}/sent"): CLINICAL,
    ("GET", "/referral-practices"): NO_PATIENT_DATA,
    ("POST", "/referral-practices"): NO_PATIENT_DATA,
    ("POST", "/referral-practices/{practice_id}"): NO_PATIENT_DATA,
    # The forms queue (paperwork): a form request names the patient's condition and functional limits.
    ("POST", "/api/episodes/{episode_id}/form-requests"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/form-requests"): CLINICAL,
    ("GET", "/episodes/{episode_id}/form-requests/new"): CLINICAL,
    ("POST", "/episodes/{episode_id}/form-requests"): CLINICAL,
    ("GET", "/form-requests/{form_request_id}"): CLINICAL,
    ("POST", "/form-requests/{form_request_id}/draft"): CLINICAL,
    ("POST", "/form-requests/{form_request_id}/step"): CLINICAL,
    ("GET", "/form-requests/{form_request_id}/pdf"): CLINICAL,
    ("GET", "/forms-queue"): CASELOAD_LIST,
    # The open-loops board lists the clinic's outstanding orders and referrals; therapists are refused.
    ("GET", "/loops"): CASELOAD_LIST,
    ("POST", "/api/pt-courses/{course_id}/protocol"): CLINICAL,
    ("POST", "/api/pt-courses/{course_id}/end"): CLINICAL,
    ("GET", "/patients"): CASELOAD_LIST,
    ("GET", "/patients/new"): NO_PATIENT_DATA,
    ("POST", "/patients/new"): NEW_PATIENT,
    ("GET", "/patients/{patient_id}"): SUMMARY,
    ("POST", "/patients/{patient_id}/episodes"): CLINICAL,
    ("POST", "/patients/{patient_id}/coverages"): SUMMARY,
    ("POST", "/coverages/{coverage_id}/edit"): SUMMARY,
    ("POST", "/coverages/{coverage_id}/end"): SUMMARY,
    ("POST", "/episodes/{episode_id}/care-team"): CLINICAL,
    ("GET", "/episodes/{episode_id}"): SUMMARY,
    ("GET", "/worklist"): CASELOAD_LIST,
    ("GET", "/tasks/{task_id}"): SUMMARY,
    ("POST", "/tasks/{task_id}/claim"): SUMMARY,
    ("POST", "/tasks/{task_id}/complete"): SUMMARY,
    ("POST", "/tasks/{task_id}/comments"): SUMMARY,
    ("POST", "/tasks/{task_id}/reassign"): CLINICAL,
    ("GET", "/intake"): CASELOAD_LIST,
    ("GET", "/intake/new"): NO_PATIENT_DATA,
    ("POST", "/intake/new"): NEW_PATIENT,
    ("GET", "/intake/calls/{call_id}"): SUMMARY,
    ("POST", "/intake/calls/{call_id}/attempts"): SUMMARY,
    ("POST", "/intake/calls/{call_id}/letter"): SUMMARY,
    ("POST", "/intake/calls/{call_id}/triage/preview"): SUMMARY,
    ("POST", "/intake/calls/{call_id}/triage"): SUMMARY,
    ("POST", "/triage/{triage_id}/acknowledge"): CLINICAL,
    ("POST", "/episodes/{episode_id}/appointments"): SUMMARY,
    ("POST", "/appointments/{appointment_id}/cancel"): SUMMARY,
    ("POST", "/appointments/{appointment_id}/reschedule"): SUMMARY,
    ("POST", "/appointments/{appointment_id}/check-in"): SUMMARY,
    ("POST", "/appointments/{appointment_id}/complete"): SUMMARY,
    ("POST", "/appointments/{appointment_id}/no-show"): SUMMARY,
    ("POST", "/intake/calls/{call_id}/triage/answers"): SUMMARY,
    ("GET", "/episodes/{episode_id}/records"): SUMMARY,
    ("POST", "/episodes/{episode_id}/records/providers"): SUMMARY,
    ("POST", "/records/providers/{provider_id}"): SUMMARY,
    ("POST", "/episodes/{episode_id}/records/requests"): SUMMARY,
    ("POST", "/records/requests/{request_id}/retry"): SUMMARY,
    ("POST", "/records/requests/{request_id}/acknowledged"): SUMMARY,
    ("POST", "/records/requests/{request_id}/follow-up"): SUMMARY,
    ("POST", "/episodes/{episode_id}/records/documents"): SUMMARY,
    ("GET", "/records/requests/{request_id}/letter.pdf"): SUMMARY,
    ("GET", "/records/documents/{document_id}"): CLINICAL,
    ("GET", "/records"): CASELOAD_LIST,
    ("GET", "/episodes/{episode_id}/imported"): SUMMARY,
    ("POST", "/episodes/{episode_id}/imported"): SUMMARY,
    ("GET", "/encounters/{encounter_id}"): CLINICAL,
    ("POST", "/encounters/{encounter_id}"): CLINICAL,
    ("POST", "/encounters/{encounter_id}/sign-note"): CLINICAL,
    ("POST", "/encounters/{encounter_id}/addenda"): CLINICAL,
    ("POST", "/encounters/{encounter_id}/complete-visit"): CLINICAL,
    ("GET", "/encounters/{encounter_id}/pain-diagram"): CLINICAL,
    ("POST", "/encounters/{encounter_id}/pain-diagram"): CLINICAL,
    ("POST", "/episodes/{episode_id}/encounters"): CLINICAL,
    ("POST", "/instrument-administrations/{administration_id}/safety-review"): CLINICAL,
    ("GET", "/episodes/{episode_id}/instruments/{instrument_id}"): SUMMARY,
    ("POST", "/episodes/{episode_id}/instruments/{instrument_id}"): SUMMARY,
    ("GET", "/episodes/{episode_id}/function"): CLINICAL,
    ("POST", "/episodes/{episode_id}/medication-trials"): CLINICAL,
    ("POST", "/medication-trials/{trial_id}/stop"): CLINICAL,
    ("POST", "/episodes/{episode_id}/prescriptions"): CLINICAL,
    ("POST", "/prescriptions/{prescription_id}/stop"): CLINICAL,
    ("POST", "/episodes/{episode_id}/other-medications"): CLINICAL,
    ("POST", "/other-medications/{other_id}/stop"): CLINICAL,
    ("POST", "/episodes/{episode_id}/opioid-agreements"): CLINICAL,
    ("POST", "/episodes/{episode_id}/pdmp-checks"): CLINICAL,
    ("POST", "/episodes/{episode_id}/urine-drug-tests"): CLINICAL,
    ("POST", "/episodes/{episode_id}/naloxone-offers"): CLINICAL,
    ("POST", "/tapers/{taper_id}/pause"): CLINICAL,
    ("POST", "/tapers/{taper_id}/resume"): CLINICAL,
    ("POST", "/episodes/{episode_id}/tapers"): CLINICAL,
    ("POST", "/taper-steps/{step_id}/done"): CLINICAL,
    ("POST", "/trial-plan-items/{item_id}/done"): CLINICAL,
    ("GET", "/medication-trial-plans/{trial_plan_id}/schedule.pdf"): CLINICAL,
    ("GET", "/authorizations"): CASELOAD_LIST,
    # Payer policy changes (issue 20): the open cases a coming version or a draft changes, kept to the caseload.
    ("GET", "/payer-policy-changes"): CASELOAD_LIST,
    ("POST", "/payer-policy-changes/preview"): CASELOAD_LIST,
    ("POST", "/payer-policy-changes/drafts/{draft_id}/remove"): NO_PATIENT_DATA,
    ("POST", "/authorizations/{case_id}/policy-change-reviewed"): CLINICAL,
    # The outcomes dashboard (issue 19): aggregates and their CSV name no patient; the cases behind a row do.
    ("GET", "/outcomes"): NO_PATIENT_DATA,
    ("GET", "/outcomes/{measure_id}.csv"): NO_PATIENT_DATA,
    ("GET", "/outcomes/{measure_id}/cases"): CASELOAD_LIST,
    ("GET", "/authorizations/{case_id}"): CLINICAL,
    ("POST", "/authorizations/{case_id}/submit"): CLINICAL,
    ("POST", "/authorizations/{case_id}/decision"): CLINICAL,
    ("POST", "/authorizations/{case_id}/pend"): CLINICAL,
    ("POST", "/authorizations/{case_id}/step"): CLINICAL,
    ("POST", "/authorizations/{case_id}/planned-date"): CLINICAL,
    ("POST", "/authorizations/{case_id}/documents"): CLINICAL,
    ("GET", "/authorizations/{case_id}/packet"): CLINICAL,
    ("GET", "/authorizations/{case_id}/peer-to-peer"): CLINICAL,
    # The patient's own timeline of major events (charting.patient_events).
    ("POST", "/api/episodes/{episode_id}/patient-events"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/patient-events"): CLINICAL,
    ("PUT", "/api/patient-events/{event_id}"): CLINICAL,
    ("POST", "/api/patient-events/{event_id}/remove"): CLINICAL,
    ("POST", "/episodes/{episode_id}/patient-events"): CLINICAL,
    ("GET", "/patient-events/{event_id}"): CLINICAL,
    ("POST", "/patient-events/{event_id}/edit"): CLINICAL,
    ("POST", "/patient-events/{event_id}/remove"): CLINICAL,
    ("POST", "/authorizations/{case_id}/submit-electronically"): CLINICAL,
    ("POST", "/episodes/{episode_id}/authorizations"): CLINICAL,
    ("POST", "/episodes/{episode_id}/plans"): CLINICAL,
    ("POST", "/plan-steps/{step_row_id}/confirm"): CLINICAL,
    ("POST", "/plans/{plan_id}/pivot"): CLINICAL,
    ("POST", "/episodes/{episode_id}/shared-decisions"): CLINICAL,
    ("POST", "/episodes/{episode_id}/behavioural-offers"): CLINICAL,
    ("POST", "/episodes/{episode_id}/support-items"): CLINICAL,
    ("POST", "/episodes/{episode_id}/support-items/remove"): CLINICAL,
    ("POST", "/episodes/{episode_id}/pt-courses"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/authorizations"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/protocol"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/end"): CLINICAL,
    ("POST", "/pt-authorizations/{authorization_id}/extension-request"): CLINICAL,
    ("POST", "/pt-authorizations/{authorization_id}/extension-answer"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/progress-reports"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/certifications"): CLINICAL,
    ("POST", "/pt-courses/{course_id}/prescription/send"): CLINICAL,
    # Check-ins: the episode's check-ins and one check-in's page (?key=), its note, booking, new day, cancellation.
    ("GET", "/checkins/episodes/{episode_id}"): CLINICAL,
    ("GET", "/api/episodes/{episode_id}/checkins"): CLINICAL,
    ("POST", "/checkins/episodes/{episode_id}/note"): CLINICAL,
    ("POST", "/checkins/episodes/{episode_id}/book"): CLINICAL,
    ("POST", "/checkins/episodes/{episode_id}/reschedule"): CLINICAL,
    ("POST", "/checkins/episodes/{episode_id}/cancel"): CLINICAL,
    ("POST", "/checkins/episodes/{episode_id}/red-flags-reviewed"): CLINICAL,
    # Cost estimates (issue 19): the benefits of the episode's coverage and the estimate, desk and billing work.
    ("GET", "/costs/episodes/{episode_id}"): SUMMARY,
    ("POST", "/costs/episodes/{episode_id}/benefits"): SUMMARY,
    ("POST", "/costs/episodes/{episode_id}/estimates"): SUMMARY,
    ("GET", "/cost-estimates/{estimate_id}/pdf"): SUMMARY,
    # Portal invitations (the staff side): desk work on the patient's account, under the episode.
    ("POST", "/episodes/{episode_id}/portal/invite"): SUMMARY,
    ("POST", "/episodes/{episode_id}/portal/resend"): SUMMARY,
    ("POST", "/episodes/{episode_id}/portal/revoke"): SUMMARY,
    # The public invitation link (a token, no id) and the patient's own settings (no id: their own account).
    ("GET", "/portal/invitation/{token}"): NO_PATIENT_DATA,
    ("POST", "/portal/invitation/{token}"): NO_PATIENT_DATA,
    ("GET", "/portal/settings"): NO_PATIENT_DATA,
    ("POST", "/portal/settings/reminders"): NO_PATIENT_DATA,
    ("POST", "/portal/settings/password"): NO_PATIENT_DATA,
    ("POST", "/portal/settings/email"): NO_PATIENT_DATA,
    # The patient's portal pages (portal/*_pages.py): their own record, no id in the path.
    ("GET", "/portal"): OWN_RECORD,
    ("GET", "/portal/plan"): OWN_RECORD,
    ("GET", "/portal/authorization"): OWN_RECORD,
    ("GET", "/portal/visits"): OWN_RECORD,
    ("GET", "/portal/visits.ics"): OWN_RECORD,
    ("GET", "/portal/paperwork"): OWN_RECORD,
    ("GET", "/portal/documents"): OWN_RECORD,
    # A shared document's download: the own-record caseload refuses another patient's id.
    ("GET", "/portal/shared-documents/{shared_document_id}"): CLINICAL,
    # Staff share the plan or a taper schedule with the patient (PORTAL_INVITE, front desk included).
    ("POST", "/episodes/{episode_id}/portal-documents"): SUMMARY,
    ("POST", "/shared-documents/{shared_document_id}/withdraw"): SUMMARY,
}

# Path parameters that are not chart ids: a questionnaire of the knowledge packs, a measure's name, a referral practice.
NOT_CHART_IDS = {"instrument_id": "odi", "measure": "sitting_minutes", "practice_id": "1",  # a practice of the directory, no patient
                 "token": "not-a-token",  # a portal invitation's one-time token: public, it names no chart
                 "measure_id": "authorization_denials_and_escalations",  # an outcomes measure: a figure of the clinic, no chart
                 "draft_id": "1"}  # a clinic's draft of a payer policy: knowledge, no chart
# Front desk reads these with the chart summary (demographics, coverage, visits, records requests, tasks).
OFF_CASELOAD_NAME = "Quillfeather"


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _api_routes(app) -> list[APIRoute]:  # noqa: ANN001
    return [r for r in app.routes if isinstance(r, APIRoute)]


def _chart_collections(path: str) -> list[tuple[str, str]]:
    return [(c, p) for c, p in chart_access.route_ids(path) if c in chart_access.collections()]


def test_every_route_is_classified(app):
    present = {(m, r.path) for r in _api_routes(app) for m in r.methods - {"HEAD"}}
    assert sorted(present - ROUTES.keys()) == [], "unclassified routes: add each to ROUTES with who may reach it"
    assert sorted(ROUTES.keys() - present) == [], "ROUTES lists routes the app no longer has"


def test_every_id_in_a_path_is_a_chart_id_or_named_as_not_one(app):
    for route in _api_routes(app):
        for collection, param in chart_access.route_ids(route.path):
            assert collection in chart_access.collections() or param in NOT_CHART_IDS, (
                f"{route.path}: {{{param}}} after /{collection}/ reaches no chart the policy knows; register the "
                f"collection in the slice's access.py or name the parameter in NOT_CHART_IDS")
        for method in route.methods - {"HEAD"}:
            reaches = bool(_chart_collections(route.path))
            assert reaches == (ROUTES[(method, route.path)] in (CLINICAL, SUMMARY)), (method, route.path)


# One patient off the therapist's caseload, with a row in every table a route reaches by id ---------------

@pytest.fixture
def off_caseload(client_for, staff, db, clinic, patient_payload, episode_payload) -> dict[str, int]:
    """A patient whose PT course names another therapist, and the id to use for every chart collection."""
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json={**patient_payload, "mrn": "MRN-7001", "family_name": OFF_CASELOAD_NAME}).json()["id"]
    episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    episode_id = episode.json()["id"]
    with db.session() as session:
        ids = {"clinic": clinic.id, "app_user": staff["clinician"].id, "patient": patient_id, "episode": episode_id}
        found = rows_for_every_collection(session, clinic.id, ids)
    # A coverage hangs off the patient, not an episode: made through the API like the patient.
    coverage = coordinator.post(f"/api/patients/{patient_id}/coverages",
                                json={"payer_id": "bcbs_commercial", "member_id": "M-7001", "effective_from": "2026-01-01"})
    assert coverage.status_code == 201, coverage.text
    return {**found, "patients": patient_id, "episodes": episode_id, "coverages": coverage.json()["id"]}


def _url(path: str, ids: dict[str, int]) -> str:
    url = path
    for collection, param in chart_access.route_ids(path):
        value = NOT_CHART_IDS.get(param) if collection not in ids else ids[collection]
        url = url.replace(f"{{{param}}}", str(value))
    return url


def _table_counts(db) -> dict[str, int]:  # noqa: ANN001
    skip = {AuditEvent.__tablename__, UserSession.__tablename__}
    with db.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables if t.name not in skip}


def _chart_routes(app, *kinds: str) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted((m, r.path) for r in _api_routes(app) for m in r.methods - {"HEAD"} if ROUTES[(m, r.path)] in kinds)


def test_a_therapist_off_the_caseload_is_refused_on_every_chart_route(app, client_for, off_caseload, db):
    therapist = client_for("therapist")
    before = _table_counts(db)
    answered = {}
    for method, path in _chart_routes(app, CLINICAL, SUMMARY):
        response = therapist.request(method, _url(path, off_caseload), json={} if method != "GET" else None, follow_redirects=False)
        answered[(method, path)] = response.status_code
        if response.status_code == 403:
            assert OFF_CASELOAD_NAME not in response.text, (method, path)
    assert {route: status for route, status in answered.items() if status != 403} == {}
    assert _table_counts(db) == before, "a refused request wrote something"


def test_a_caseload_refusal_names_the_caseload_and_is_audited(client_for, off_caseload, db, staff):
    therapist = client_for("therapist")
    response = therapist.put(f"/api/encounters/{off_caseload['encounters']}/measures", json={"sitting_minutes": 40})
    assert response.status_code == 403
    (problem,) = response.json()["errors"]
    assert (problem["field"], problem["rule"]) == ("encounter_id", "chart_access")
    assert "not on your PT caseload" in problem["message"]
    with db.session() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read_refused")).all()
    assert [(e.object_type, e.object_id, e.actor_user_id, e.patient_id) for e in refused] == [
        ("encounter", str(off_caseload["encounters"]), staff["therapist"].id, off_caseload["patients"])]


def test_lists_across_patients_show_a_therapist_only_their_caseload(app, client_for, off_caseload):
    therapist = client_for("therapist")
    for method, path in _chart_routes(app, CASELOAD_LIST):
        url = path + ("?q=" + OFF_CASELOAD_NAME if path in ("/api/patients", "/patients") else "")
        response = therapist.request(method, url, follow_redirects=False)
        assert response.status_code in (200, 403), (path, response.status_code)
        # The search form shows back what was typed; no row of the result may name the patient.
        shown = response.text.replace(f'value="{OFF_CASELOAD_NAME}"', "")
        assert OFF_CASELOAD_NAME not in shown, path


def test_front_desk_is_refused_the_clinical_chart_for_reads_and_writes(app, client_for, off_caseload):
    desk = client_for("front_desk")
    answered = {}
    for method, path in _chart_routes(app, CLINICAL):
        response = desk.request(method, _url(path, off_caseload), json={} if method != "GET" else None, follow_redirects=False)
        answered[(method, path)] = response.status_code
    assert {route: status for route, status in answered.items() if status != 403} == {}


def test_front_desk_reads_the_summary_of_a_chart(app, client_for, patient_payload, episode_payload):
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    desk = client_for("front_desk")
    ids = {"patients": patient_id, "episodes": episode_id}
    for method, path in _chart_routes(app, SUMMARY):
        if method != "GET" or not all(c in ids for c, _p in _chart_collections(path)):
            continue
        response = desk.get(_url(path, ids))
        assert response.status_code == 200, (path, response.status_code)
