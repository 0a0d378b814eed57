"""The payer's PAS answers on an authorization case: only an answer to the request this case sent changes
it. Anything else is refused with its reason, the case row, state and audit trail stay as they were
(but for the refusal itself), and a coordinator task opens on the case page.

The story runs against our loopback PAS endpoint (tests/pas_endpoint.py). Sent as the IG publishes it,
its approval is about the IG's own patient and Claim, so the submission stands but the answer is
refused; later answers come in through POST /api/authorizations/{id}/payer-answers, built from the IG
examples the way a payer builds them for our request (`echo_request`) and then broken as a payer's
system breaks them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import inspect, select

from authorization_setup import (  # noqa: F401  (fixtures)
    MONDAY_7_DEC_2026, eligible_rfa_case, frozen_clock, npis, pas_url, submit_electronically,
)
from painpath.authorizations.models import AuthorizationCase
from painpath.core.audit import AuditEvent
from painpath.interop.pas import PasHttpSubmitter, PayerSubmission, SubmissionResult, submitters
from painpath.worklist.models import Task
from pas_endpoint import IG_EXAMPLES, echo_request, pas_endpoint  # noqa: F401  (fixture)

clock = frozen_clock(MONDAY_7_DEC_2026, tick=True)
APPROVED = "Bundle-ReferralAuthorizationResponseBundleExample.json"
PENDED = "Bundle-ReferralPendingAuthorizationResponseBundleExample.json"
NOTIFICATION = "Bundle-PASSubscriptionNotification.json"
REFUSED_TASK = "Payer answer not applied: check with"


def example(name: str) -> dict:
    return json.loads((IG_EXAMPLES / name).read_text())


@pytest.fixture
def sent(client_for, patient_payload, staff, clock, npis, pas_url, pas_endpoint) -> dict[str, Any]:  # noqa: F811
    """A case submitted by PAS whose synchronous answer was the IG's approval verbatim (another patient):
    the case is submitted, the answer refused. Gives the case as the API answered and the bundle we sent."""
    case = eligible_rfa_case(client_for, patient_payload, staff)
    pas_endpoint.echo = False
    answer = submit_electronically(client_for("coordinator"), case)
    assert answer.status_code == 200, answer.text
    (received,) = pas_endpoint.received
    return {"case": answer.json(), "request": received.bundle}


def _feed(client, case_id: int, answer: dict):  # noqa: ANN001, ANN202
    return client.post(f"/api/authorizations/{case_id}/payer-answers", json=answer)


def _row(db, case_id: int) -> dict[str, Any]:  # noqa: ANN001
    with db.session() as session:
        case = session.get(AuthorizationCase, case_id)
        return {attr.key: getattr(case, attr.key) for attr in inspect(AuthorizationCase).mapper.column_attrs}


def _case_audit(db, case_id: int) -> list[str]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "authorization_case", AuditEvent.object_id == str(case_id)).order_by(AuditEvent.id)))


def _tasks(db, episode_id: int, starting: str) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return [t for t in session.scalars(select(Task).where(Task.episode_id == episode_id).order_by(Task.id))
                if t.title.startswith(starting)]


def test_an_answer_about_another_patient_is_refused_and_only_the_submission_stands(client_for, sent, db):
    body = sent["case"]
    assert body["state"] == "submitted" and body["submission"]["outcome"] == "refused"
    assert body["authorization_number"] is None and body["decided_at"] is None
    coordinator = client_for("coordinator")
    history = coordinator.get(f"/api/authorizations/{body['id']}").json()["history"]
    assert history[-1]["action"] == "answer_refused" and history[-1]["to_state"] == "submitted"
    assert "the answer is about a different patient" in history[-1]["note"]
    (task,) = _tasks(db, body["episode_id"], REFUSED_TASK)
    assert task.status == "open" and task.owner_role == "coordinator"
    assert task.title.startswith("Payer answer not applied: check with Medicare Part B (Noridian JF) (Lumbar radiofrequency ablation")
    assert "the answer is about a different patient" in task.reason and "The case was not changed" in task.reason
    assert task.evidence["case_id"] == body["id"]  # the task opens the authorization case page

    page = coordinator.get(f"/authorizations/{body['id']}")
    assert page.status_code == 200
    assert 'id="refused-answers"' in page.text
    assert "the answer is about a different patient: the patient it names does not carry the member id we sent" in page.text
    assert "12345678901" not in page.text  # the other patient's member id is not shown


def _mismatched_patient(answer: dict) -> dict:
    patient = next(e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = "9XY8ZZ7QQ66"
    return answer


def _claim_response_not_first(answer: dict) -> dict:
    answer["entry"].append(answer["entry"].pop(0))
    return answer


def _dangling_reference(answer: dict) -> dict:
    answer["entry"][0]["resource"]["insurer"] = {"reference": "Organization/SomeOtherPayer"}
    return answer


BREAKAGES = {
    "mismatched patient": (_mismatched_patient, "the answer is about a different patient"),
    "ClaimResponse not first": (_claim_response_not_first, "the answer's first entry is a Organization, not the ClaimResponse"),
    "dangling reference": (_dangling_reference, "the answer points at Organization/SomeOtherPayer (ClaimResponse.insurer)"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_answer_is_refused_with_the_case_unchanged_and_a_task_opened(client_for, sent, db, breakage):
    case = sent["case"]
    breaks, reason = BREAKAGES[breakage]
    answer = breaks(echo_request(example(APPROVED), sent["request"]))
    row_before, audit_before = _row(db, case["id"]), _case_audit(db, case["id"])
    tasks_before = _tasks(db, case["episode_id"], REFUSED_TASK)

    received = _feed(client_for("coordinator"), case["id"], answer)

    assert received.status_code == 200, received.text
    out = received.json()
    assert out["answer"]["outcome"] == "refused"
    assert any(r.startswith(reason) for r in out["answer"]["refusals"]), out["answer"]["refusals"]
    assert _row(db, case["id"]) == row_before  # every column, the state and the version
    assert _case_audit(db, case["id"]) == [*audit_before, "authorization.answer_refused"]
    tasks_after = _tasks(db, case["episode_id"], REFUSED_TASK)
    assert len(tasks_after) == len(tasks_before) + 1
    assert tasks_after[-1].status == "open" and reason in tasks_after[-1].reason
    # The same answer without the breakage is believed: the breakage is what was refused.
    fixed = _feed(client_for("coordinator"), case["id"], echo_request(example(APPROVED), sent["request"]))
    assert fixed.json()["answer"]["outcome"] == "approved" and fixed.json()["authorization_number"] == "AUTH0001"


def test_a_pended_notification_pends_the_case_with_a_follow_up_task_due_on_the_payers_clock(client_for, sent, db):
    case = sent["case"]
    notification = example(NOTIFICATION)
    notification["entry"][1]["resource"] = echo_request(example(PENDED), sent["request"])

    received = _feed(client_for("coordinator"), case["id"], notification)

    assert received.status_code == 200, received.text
    body = received.json()
    assert body["answer"]["outcome"] == "pended" and body["state"] == "pended"
    assert "PEND0001" in body["pend_request"]
    # Medicare's 7-calendar-day clock (payer pack) from the answer on Mon 7 Dec 2026: end of Mon 14 Dec in Chicago.
    assert body["pend_due_at"].startswith("2026-12-15T05:59:59")
    (follow_up,) = _tasks(db, case["episode_id"], "Answer ")
    assert follow_up.status == "open" and follow_up.owner_role == "coordinator"
    assert follow_up.due_at.isoformat().startswith("2026-12-15T05:59:59")
    (refused,) = _tasks(db, case["episode_id"], REFUSED_TASK)
    assert refused.status == "met"  # the case moved on: the earlier refusal is settled
    page = client_for("coordinator").get(f"/authorizations/{case['id']}")
    assert 'id="refused-answers"' not in page.text


def test_an_id_only_notification_pends_the_case_instead_of_check_with_the_payer(client_for, sent, db):
    notification = example(NOTIFICATION)
    del notification["entry"][1]  # id-only: the event, no payload
    body = _feed(client_for("coordinator"), sent["case"]["id"], notification).json()
    assert body["state"] == "pended"
    assert body["pend_request"].startswith("Pended: the payer sent a notification without a final decision")
    (follow_up,) = _tasks(db, sent["case"]["episode_id"], "Answer ")
    assert follow_up.status == "open" and "notification without a final decision" in follow_up.reason


def test_the_igs_notification_of_a_decision_is_accepted_when_it_answers_our_request(client_for, sent):
    notification = example(NOTIFICATION)
    notification["entry"][1]["resource"] = echo_request(notification["entry"][1]["resource"], sent["request"])
    body = _feed(client_for("coordinator"), sent["case"]["id"], notification).json()
    assert body["answer"]["outcome"] == "approved" and body["state"] == "approved"
    assert (body["approved_from"], body["approved_to"]) == ("2005-05-02", "2005-06-02")


class _DroppingEntries(PasHttpSubmitter):
    """A clinic plugin with a bug: it empties the bundle before handing it to PAS over HTTP."""

    name = "pas_http_dropping"

    def submit(self, submission: PayerSubmission) -> SubmissionResult:
        emptied = copy.deepcopy(submission.bundle) or {}
        emptied["entry"] = []
        return super().submit(PayerSubmission(**{**submission.__dict__, "bundle": emptied}))


def test_an_empty_request_bundle_is_not_sent_and_leaves_the_case_unchanged_with_a_task(
        client_for, patient_payload, staff, clock, npis, pas_url, pas_endpoint, db, monkeypatch):  # noqa: F811
    monkeypatch.setitem(submitters._factories, "pas_http_dropping", lambda settings: _DroppingEntries(settings.pas_base_url))
    case = eligible_rfa_case(client_for, patient_payload, staff)
    row_before = _row(db, case["id"])

    refused = submit_electronically(client_for("coordinator"), case, "pas_http_dropping")

    assert refused.status_code == 502, refused.text
    assert "the request bundle is empty" in refused.json()["errors"][0]["message"]
    assert pas_endpoint.received == []
    assert _row(db, case["id"]) == row_before
    assert _case_audit(db, case["id"])[-1] == "authorization.request_refused"
    (task,) = _tasks(db, case["episode_id"], "PAS request not sent")
    assert task.status == "open" and "the request bundle is empty" in task.reason
    page = client_for("coordinator").get(f"/authorizations/{case['id']}")
    assert 'id="refused-answers"' in page.text and "the request bundle is empty" in page.text
