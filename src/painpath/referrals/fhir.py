"""A referral as FHIR R4B: a Bundle with the ServiceRequest (category referral, the receiving practice as
performer, the reason and priority), the Task that tracks its loop (status mapped from the referral's
state, focus the ServiceRequest) and the practice as an Organization. Built with fhir.resources' R4B models,
so a malformed resource fails here rather than at the receiver."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from painpath.referrals.models import ReceivingPractice, Referral

# Task.status (http://hl7.org/fhir/task-status) for each state of the loop.
TASK_STATUS = {"drafted": "draft", "sent": "requested", "acknowledged": "received", "scheduled": "accepted", "seen": "in-progress",
               "consult_received": "in-progress", "closed": "completed", "cancelled": "cancelled"}
# ServiceRequest.status (http://hl7.org/fhir/request-status).
REQUEST_STATUS = {"drafted": "draft", "closed": "completed", "cancelled": "revoked"}
SNOMED_REFERRAL = {"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat()


def referral_bundle(referral: Referral, practice: ReceivingPractice, *, specialty_name: str, status_words: str) -> dict:
    """The Bundle as JSON-ready data."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.organization import Organization
    from fhir.resources.R4B.servicerequest import ServiceRequest
    from fhir.resources.R4B.task import Task

    org_url, request_url, task_url = (f"urn:painpath:{kind}:{referral.clinic_id}:{ident}" for kind, ident in (
        ("receiving-practice", practice.id), ("referral", referral.id), ("referral-task", referral.id)))
    telecom = [{"system": system, "value": value} for system, value in (("fax", practice.fax), ("phone", practice.phone)) if value]
    organization = Organization(id=f"practice-{practice.id}", name=practice.name, telecom=telecom or None, active=practice.active)
    request = ServiceRequest(
        id=f"referral-{referral.id}", identifier=[{"system": "urn:painpath:referral", "value": referral.reference}],
        status=REQUEST_STATUS.get(referral.status, "active"), intent="order",
        category=[{"coding": [SNOMED_REFERRAL], "text": "Referral"}], priority=referral.urgency,
        code={"text": f"Referral to {specialty_name}"}, subject={"reference": f"Patient/{referral.patient_id}"},
        authoredOn=_utc(referral.created_at), performer=[{"reference": org_url, "display": practice.name}],
        reasonCode=[{"text": referral.reason}], note=[{"text": f"Clinical question: {referral.question}"}],
    )
    task = Task(
        id=f"referral-task-{referral.id}", status=TASK_STATUS[referral.status], intent="order",
        businessStatus={"text": status_words}, focus={"reference": request_url}, for_fhir={"reference": f"Patient/{referral.patient_id}"},
        authoredOn=_utc(referral.created_at), lastModified=_utc(referral.updated_at or referral.created_at),
        owner={"reference": org_url, "display": practice.name}, priority=referral.urgency,
        statusReason={"text": referral.cancel_reason} if referral.status == "cancelled" and referral.cancel_reason else None,
    )
    bundle = Bundle(type="collection", entry=[
        {"fullUrl": request_url, "resource": request}, {"fullUrl": task_url, "resource": task}, {"fullUrl": org_url, "resource": organization},
    ])
    return json.loads(bundle.model_dump_json())
