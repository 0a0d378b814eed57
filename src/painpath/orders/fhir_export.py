"""An imaging order as FHIR R4B: a ServiceRequest (what was ordered, why, how urgently, for whom) and a Task
tracking its loop (status from the order's state, focus = the ServiceRequest, owner = the imaging centre),
in a collection Bundle checked against the fhir.resources R4B models before it leaves. Pure: plain data in."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from painpath.knowledge.schemas import ImagingCentre
from painpath.orders.models import ImagingOrder
from painpath.orders.order_rules import CONTRAST_WORDS, describe

# ServiceRequest.status (request-status) and Task.status (task-status) for each state of the loop.
REQUEST_STATUS = {"drafted": "active", "sent": "active", "booked": "active", "done": "active", "reported": "active",
                  "reviewed": "completed", "cancelled": "revoked"}
TASK_STATUS = {"drafted": "ready", "sent": "requested", "booked": "accepted", "done": "in-progress", "reported": "completed",
               "reviewed": "completed", "cancelled": "cancelled"}
SNOMED = "http://snomed.info/sct"
# Body sites as SNOMED CT concepts (background knowledge, for interoperability only; the text carries the meaning).
BODY_SITES = {"hip": "24136001", "knee": "72696002", "shoulder": "16982005", "lumbar": "122496007", "cervical": "122494005",
              "thoracic": "122495006"}


def _iso(moment: Any) -> str | None:  # noqa: ANN401
    return moment.isoformat() + "+00:00" if moment is not None else None


def order_bundle(order: ImagingOrder, centre: ImagingCentre | None, base: str = "urn:painpath") -> dict[str, Any]:
    request_id, task_id = f"imaging-order-{order.id}", f"imaging-order-{order.id}-task"
    study = describe(order.modality, order.region, order.side)
    site: dict[str, Any] = {"text": f"{order.side} {order.region}" if order.side in ("left", "right") else order.region}
    if order.region in BODY_SITES:
        site["coding"] = [{"system": SNOMED, "code": BODY_SITES[order.region], "display": order.region}]
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": request_id,
        "status": REQUEST_STATUS[order.status], "intent": "order", "priority": "urgent" if order.urgency == "urgent" else "routine",
        "category": [{"coding": [{"system": SNOMED, "code": "363679005", "display": "Imaging"}]}],
        "code": {"text": f"{order.protocol} ({study}, {CONTRAST_WORDS[order.contrast]})"},
        "bodySite": [site], "reasonCode": [{"text": order.clinical_question}],
        "subject": {"reference": f"Patient/{order.patient_id}"}, "authoredOn": _iso(order.ordered_at),
    }
    if order.relevant_history:
        request["note"] = [{"text": order.relevant_history}]
    task: dict[str, Any] = {
        "resourceType": "Task", "id": task_id, "status": TASK_STATUS[order.status], "intent": "order",
        "focus": {"reference": f"ServiceRequest/{request_id}"}, "for": {"reference": f"Patient/{order.patient_id}"},
        "authoredOn": _iso(order.ordered_at), "lastModified": _iso(order.status_changed_at),
        "businessStatus": {"text": order.status},
    }
    if centre is not None:
        task["owner"] = {"display": centre.name}
    if order.status == "cancelled":
        task["statusReason"] = {"text": order.cancel_reason}
    if order.booked_for is not None:
        task["restriction"] = {"period": {"start": _iso(order.booked_for)}}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"{base}/ServiceRequest/{request_id}", "resource": request},
                        {"fullUrl": f"{base}/Task/{task_id}", "resource": task}]}
    Bundle.model_validate(bundle)  # refuse to hand out anything the R4B models do not accept
    return bundle
