"""Read a payer's PAS answer (a Bundle with a ClaimResponse, a bare ClaimResponse, or an
OperationOutcome) into a plain `PasDecision` the authorization case can act on.

Where the decision is:
- PAS 2.2.1: ClaimResponse.item[].adjudication[].extension(reviewAction) with the X12 306 code (A1
  certified, A3 not certified, A4 pended) in the reviewActionCode sub-extension and the authorization
  number in `number`; dates in item extensions itemPreAuthPeriod / itemPreAuthIssueDate; authorized
  units in itemAuthorizedDetail.quantity; the denial reason in reviewAction.reasonCode and processNote.
- The reference implementation (HL7-DaVinci/prior-auth, older PAS): a ClaimResponse-level reviewAction
  extension with a plain code, `disposition` in words and `preAuthRef` as the authorization number;
  outcome "queued" with no review action means the payer has not decided yet.
- Errors: ClaimResponse.outcome = error with error[].code (X12 901 reject reasons), or an
  OperationOutcome in place of a response.
- A pend says what it asks for through CommunicationRequest or Task resources in the bundle and
  processNote text.

Pure: no database, no clock, no network. Nothing FHIR-shaped leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from painpath.interop.pas import codes as c
from painpath.interop.pas import trust

# "refused": the answer is not trusted (not shaped as PAS says, or not about the request we sent);
# nothing in it is applied, and `refusals` says why (trust.py).
Outcome = Literal["approved", "partially_approved", "pended", "denied", "error", "refused"]
ItemOutcome = Literal["approved", "partially_approved", "pended", "denied", "cancelled", "not_required", "contact_payer", "unknown"]

# X12 306 review action code -> what it means for one service line.
_ITEM_OUTCOME: dict[str, ItemOutcome] = {
    "A1": "approved", "A2": "partially_approved", "A6": "partially_approved", "A3": "denied",
    "A4": "pended", "C": "cancelled", "NA": "not_required", "CT": "contact_payer",
}
_DISPOSITION_WORDS: dict[str, str] = {"granted": "A1", "approved": "A1", "denied": "A3", "pending": "A4", "pended": "A4"}


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None


@dataclass(frozen=True)
class ItemDecision:
    """The payer's answer for one service line (or for the whole request when it answers at that level)."""

    sequence: int | None  # the Claim item's sequence; None for a request-level answer
    outcome: ItemOutcome
    review_action_code: str | None  # X12 306: A1, A3, A4, ...
    review_action: str  # the code in words: "certified in total"
    authorization_number: str | None = None
    reason_codes: tuple[str, ...] = ()  # X12 review decision reason codes (HCR03)
    authorized_period: Period | None = None  # when the approval may be used
    issued_on: date | None = None
    requested_period: Period | None = None
    requested_units: float | None = None  # from our Claim, when the bundle or the caller has it
    authorized_units: float | None = None
    authorized_codes: tuple[str, ...] = ()
    pend_reference: str | None = None  # the payer's reference for a pended or disallowed line
    notes: tuple[str, ...] = ()
    added_by_payer: bool = False  # an addItem: a line the payer authorized without our asking

    @property
    def units_reduced(self) -> bool:
        return self.requested_units is not None and self.authorized_units is not None and self.authorized_units < self.requested_units


@dataclass(frozen=True)
class InformationRequest:
    """Something a pended request waits for: a document or answer the payer asked for."""

    source: Literal["CommunicationRequest", "Task", "processNote"]
    description: str
    codes: tuple[str, ...] = ()  # LOINC codes of the documents asked for
    service_line: int | None = None
    respond_to: str | None = None  # a payer URL, when the Task gives one


@dataclass(frozen=True)
class PasError:
    code: str  # X12 901 reject reason, or the OperationOutcome issue code
    description: str
    path: str | None = None  # where in our request: "Bundle.entry[1].Organization.name", "2010A-NM103"
    follow_up: str | None = None  # what to do, in words


@dataclass(frozen=True)
class PasDecision:
    outcome: Outcome
    summary: str  # one line for the case history, no PHI
    response_id: str | None = None
    created: datetime | None = None
    authorization_number: str | None = None
    items: tuple[ItemDecision, ...] = ()
    information_requests: tuple[InformationRequest, ...] = ()
    errors: tuple[PasError, ...] = ()
    notes: tuple[str, ...] = ()
    disposition: str | None = None
    refusals: tuple[str, ...] = ()  # why the answer was refused, in words (outcome "refused")

    @property
    def authorized_period(self) -> Period | None:
        periods = [i.authorized_period for i in self.items if i.authorized_period is not None]
        return periods[0] if periods else None


# Entry point -------------------------------------------------------------------------------------

def read_claim_response_bundle(bundle: dict[str, Any], *, request_bundle: dict[str, Any] | None = None) -> PasDecision:
    """The payer's decision in `bundle`. Never raises for a payer's content: an answer we cannot read is
    an "error" decision that says why, and an answer we must not believe is a "refused" decision that
    says why. Only the Bundle's first entry is the answer (PAS ClaimResponseFirst). With
    `request_bundle` (what we sent) the answer must also be about that request and its patient
    (trust.py); it also gives the requested units when the response does not carry our Claim."""
    if not isinstance(bundle, dict):
        return _unreadable("the answer is not a JSON object")
    bundle, notification = _unwrap(bundle)
    kind = bundle.get("resourceType")
    if kind == "OperationOutcome":
        return read_operation_outcome(bundle)
    resources = _resources(bundle) if kind == "Bundle" else [bundle]
    if not resources:
        return _unreadable(f"the answer ({kind or 'no resourceType'}) is empty")
    claim_responses = [n for n, r in enumerate(resources) if r.get("resourceType") == "ClaimResponse"]
    if not claim_responses:
        outcome = next((r for r in resources if r.get("resourceType") == "OperationOutcome"), None)
        if outcome is not None:
            return read_operation_outcome(outcome)
        if notification:
            return _notified_without_decision()
        return _unreadable(f"the answer ({kind or 'no resourceType'}) holds no ClaimResponse")
    if claim_responses[0] != 0:
        return _refused(f"the answer's first entry is a {resources[0].get('resourceType')}, not the ClaimResponse "
                        f"(it is entry {claim_responses[0] + 1}); a PAS response starts with the payer's ClaimResponse")
    if len(claim_responses) > 1:
        return _refused(f"the answer holds {len(claim_responses)} ClaimResponses; a PAS response answers one request with one")
    claim_response = resources[0]
    problem = _invalid(claim_response)
    if problem:
        return _unreadable(f"the ClaimResponse is not valid FHIR R4: {problem}")
    if request_bundle is not None:
        problems = trust.answer_problems(bundle, claim_response, request_bundle)
        if problems:
            return _refused(*problems)
    claim = next((r for r in resources if r.get("resourceType") == "Claim"), None)
    if claim is None and request_bundle is not None:
        claim = next((r for r in _resources(request_bundle) if r.get("resourceType") == "Claim"), None)
    return _decide(claim_response, resources, _requested_units(claim), notification=notification)


def read_operation_outcome(outcome: dict[str, Any]) -> PasDecision:
    """An OperationOutcome in place of a ClaimResponse: the payer refused the request itself."""
    errors = []
    for issue in outcome.get("issue") or []:
        if issue.get("severity") not in ("error", "fatal"):
            continue
        code = issue.get("code") or "unknown"
        details = issue.get("details") or {}
        text = details.get("text") or issue.get("diagnostics") or _first_display(details) or f"the payer refused the request ({code})"
        path = ", ".join(issue.get("expression") or issue.get("location") or []) or None
        errors.append(PasError(code=code, description=text, path=path))
    if not errors:
        errors.append(PasError(code="unknown", description="the payer answered with an OperationOutcome and no error detail"))
    return PasDecision(outcome="error", summary=f"The payer refused the request: {errors[0].description}", errors=tuple(errors), response_id=outcome.get("id"))


# Reading -----------------------------------------------------------------------------------------

def _is_notification(answer: dict[str, Any]) -> bool:
    """A Subscription notification: a history Bundle whose first entry is the SubscriptionStatus Parameters."""
    resources = _resources(answer)
    return answer.get("type") == "history" and bool(resources) and resources[0].get("resourceType") == "Parameters"


def _unwrap(answer: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the response Bundle inside a wrapper, whether the wrapper was a Subscription notification): a
    notification is a history Bundle carrying the response Bundle of a pend (full-resource), or only
    the event (id-only); $inquire answers come as Parameters."""
    notification = answer.get("resourceType") == "Bundle" and _is_notification(answer)
    if answer.get("resourceType") == "Parameters":
        inner = [p["resource"] for p in answer.get("parameter") or [] if isinstance(p.get("resource"), dict)]
    elif answer.get("resourceType") == "Bundle" and not any(r.get("resourceType") == "ClaimResponse" for r in _resources(answer)):
        inner = [r for r in _resources(answer) if r.get("resourceType") == "Bundle"]
    else:
        return answer, notification
    for candidate in inner:
        if candidate.get("resourceType") == "ClaimResponse" or any(r.get("resourceType") == "ClaimResponse" for r in _resources(candidate)):
            return candidate, notification
    return answer, notification


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry") or [] if isinstance(e, dict) and isinstance(e.get("resource"), dict)]


def _invalid(resource: dict[str, Any]) -> str | None:
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{first['msg']} at {'.'.join(str(p) for p in first['loc'])}"
    return None


def _unreadable(why: str) -> PasDecision:
    error = PasError(code="unreadable", description=why)
    return PasDecision(outcome="error", summary=f"The payer's answer could not be read: {why}", errors=(error,))


def _refused(*why: str) -> PasDecision:
    reasons = "; ".join(why)
    return PasDecision(outcome="refused", summary=f"The payer's answer was refused and not applied: {reasons}", refusals=tuple(why))


def _notified_without_decision() -> PasDecision:
    """An id-only notification (or one whose payload holds no ClaimResponse): the payer says the request
    changed but gives no decision, so the request is still with them."""
    return PasDecision(outcome="pended", summary="Pended: the payer sent a notification without a final decision")


def _decide(response: dict[str, Any], resources: list[dict[str, Any]], requested: dict[int, float], *,
            notification: bool = False) -> PasDecision:
    notes = tuple(n["text"] for n in response.get("processNote") or [] if n.get("text"))
    notes_by_number = {n.get("number"): n["text"] for n in response.get("processNote") or [] if n.get("text")}
    items = [_item(i, notes_by_number, requested, added=False) for i in response.get("item") or []]
    items += [_item(i, notes_by_number, requested, added=True) for i in response.get("addItem") or []]
    items = [i for i in items if i is not None]
    if not items:
        legacy = _legacy_item(response)
        if legacy is not None:
            items = [legacy]
    errors = tuple(_error(e) for e in response.get("error") or [])
    requests = tuple(_information_requests(response, resources)) + tuple(
        InformationRequest(source="processNote", description=text) for text in notes if _any_pended(items)
    )
    outcome = _overall(response.get("outcome"), items, errors, notification=notification)
    number = next((i.authorization_number for i in items if i.authorization_number and i.outcome in ("approved", "partially_approved")), None)
    number = number or (response.get("preAuthRef") if outcome in ("approved", "partially_approved") else None)
    decision = PasDecision(
        outcome=outcome,
        summary="",
        response_id=response.get("id"),
        created=_datetime(response.get("created")),
        authorization_number=number,
        items=tuple(items),
        information_requests=requests,
        errors=errors,
        notes=notes,
        disposition=response.get("disposition"),
    )
    return _with_summary(decision, response.get("outcome"))


def _item(item: dict[str, Any], notes: dict[Any, str], requested: dict[int, float], *, added: bool) -> ItemDecision | None:
    action = _review_action(item.get("adjudication") or [])
    sequence = item.get("itemSequence")
    if isinstance(sequence, list):  # addItem.itemSequence is a list
        sequence = sequence[0] if sequence else None
    extensions = _extensions(item.get("extension"))
    if action is None and not extensions:
        return None
    code, number, reasons = action or (None, None, ())
    detail = extensions.get(c.EXT_AUTHORIZED_DETAIL)
    authorized_units = _quantity(_sub(detail, "quantity")) if detail else None
    if authorized_units is None and added:
        authorized_units = _quantity(item.get("quantity"))
    authorized_codes = _codes(_sub(detail, "productOrServiceCode")) if detail else ()
    if added and not authorized_codes:
        authorized_codes = _codes(item.get("productOrService"))
    return ItemDecision(
        sequence=sequence if isinstance(sequence, int) else None,
        outcome=_ITEM_OUTCOME.get(code or "", "unknown"),
        review_action_code=code,
        review_action=c.REVIEW_ACTIONS.get(code or "", f"review action {code}" if code else "no review action"),
        authorization_number=number,
        reason_codes=reasons,
        authorized_period=_period(_value(extensions.get(c.EXT_PREAUTH_PERIOD))),
        issued_on=_date(_value(extensions.get(c.EXT_PREAUTH_ISSUE_DATE))),
        requested_period=_period(_value(extensions.get(c.EXT_REQUESTED_SERVICE_DATE))),
        requested_units=None if added or not isinstance(sequence, int) else requested.get(sequence),
        authorized_units=authorized_units,
        authorized_codes=authorized_codes,
        pend_reference=_value(extensions.get(c.EXT_ADMINISTRATION_REFERENCE)),
        notes=tuple(notes[n] for n in item.get("noteNumber") or [] if n in notes),
        added_by_payer=added,
    )


def _review_action(adjudications: list[dict[str, Any]]) -> tuple[str | None, str | None, tuple[str, ...]] | None:
    """(X12 306 code, authorization number, reason codes) from the first adjudication that has a reviewAction."""
    for adjudication in adjudications:
        action = _extensions(adjudication.get("extension")).get(c.EXT_REVIEW_ACTION)
        if action is None:
            continue
        code_value = _sub(action, c.EXT_REVIEW_ACTION_CODE) or _sub(action, "code")
        codes = _codes(code_value) if isinstance(code_value, dict) else ((code_value,) if code_value else ())
        reasons = _codes(_sub(action, "reasonCode"))
        return (codes[0] if codes else None, _sub(action, "number"), reasons)
    return None


def _legacy_item(response: dict[str, Any]) -> ItemDecision | None:
    """The reference implementation's request-level answer: reviewAction on the ClaimResponse itself,
    or only `disposition` words."""
    extensions = _extensions(response.get("extension"))
    code = _value(extensions.get(c.EXT_REVIEW_ACTION))
    if isinstance(code, dict):
        code = (_codes(code) or (None,))[0]
    if not code:
        code = _DISPOSITION_WORDS.get(str(response.get("disposition") or "").strip().lower())
    if not code:
        return None
    reason = _value(extensions.get(c.EXT_REVIEW_ACTION_REASON))
    identifiers = [i.get("value") for i in response.get("identifier") or [] if i.get("value")]
    number = response.get("preAuthRef") or (identifiers[0] if identifiers else None)
    return ItemDecision(
        sequence=None,
        outcome=_ITEM_OUTCOME.get(code, "unknown"),
        review_action_code=code,
        review_action=c.REVIEW_ACTIONS.get(code, f"review action {code}"),
        authorization_number=number if code == "A1" else None,
        reason_codes=(reason,) if isinstance(reason, str) and reason else (),
        authorized_period=_period(_value(extensions.get(c.EXT_AUTHORIZED_EVENT_DATE))) or _period(response.get("preAuthPeriod")),
        pend_reference=number if code == "A4" else None,
    )


def _error(error: dict[str, Any]) -> PasError:
    code = (_codes(error.get("code")) or ("unknown",))[0]
    extensions = _extensions(error.get("extension"))
    element = _sub(extensions.get(c.EXT_ERROR_ELEMENT), "error") or _value(extensions.get(c.EXT_ERROR_ELEMENT))
    path = _value(extensions.get(c.EXT_ERROR_PATH))
    follow = (_codes(_value(extensions.get(c.EXT_ERROR_FOLLOWUP))) or (None,))[0]
    description = c.REJECT_REASONS.get(code) or _first_display(error.get("code")) or f"X12 reject reason {code}"
    where = " / ".join(p for p in (path, element) if isinstance(p, str) and p) or None
    return PasError(code=code, description=description, path=where, follow_up=c.FOLLOWUP_ACTIONS.get(follow, follow) if follow else None)


def _information_requests(response: dict[str, Any], resources: list[dict[str, Any]]) -> Iterable[InformationRequest]:
    for resource in resources:
        kind = resource.get("resourceType")
        if kind == "CommunicationRequest":
            yield _communication_request(resource)
        elif kind == "Task":
            yield from _task_requests(resource)


def _communication_request(request: dict[str, Any]) -> InformationRequest:
    line = _value(_extensions(request.get("extension")).get(c.EXT_SERVICE_LINE_NUMBER))
    texts, loinc = [], []
    for payload in request.get("payload") or []:
        if payload.get("contentString"):
            content = payload["contentString"]
            # PAS sends the LOINC code of the wanted document as the payload string (see the IG example).
            (loinc if _looks_like_loinc(content) else texts).append(content)
        attachment = payload.get("contentAttachment") or {}
        if attachment.get("title"):
            texts.append(attachment["title"])
        loinc += [code for code in _codes_of(_extensions(payload.get("extension")).values())]
    category = [_first_display(cat) or (_codes(cat) or ("",))[0] for cat in request.get("category") or []]
    description = "; ".join([*category, *texts, *(f"LOINC {code}" for code in loinc)]) or "additional information"
    return InformationRequest(source="CommunicationRequest", description=description, codes=tuple(loinc), service_line=line if isinstance(line, int) else None)


def _task_requests(task: dict[str, Any]) -> Iterable[InformationRequest]:
    url = next((i.get("valueUrl") for i in task.get("input") or [] if i.get("valueUrl")), None)
    for given in task.get("input") or []:
        if "valueCodeableConcept" not in given:
            continue
        codes = _codes(given["valueCodeableConcept"])
        line = _value(_extensions(given.get("extension")).get(c.EXT_SERVICE_LINE_NUMBER))
        shown = _first_display(given["valueCodeableConcept"]) or ", ".join(f"LOINC {code}" for code in codes)
        yield InformationRequest(
            source="Task", description=f"attachment requested: {shown}", codes=codes,
            service_line=line if isinstance(line, int) else None, respond_to=url,
        )


# Item outcomes that are the payer's final word on a line.
_FINAL = frozenset({"approved", "partially_approved", "denied", "cancelled", "not_required"})


def _overall(status: str | None, items: list[ItemDecision], errors: tuple[PasError, ...], *, notification: bool = False) -> Outcome:
    if status == "error" or errors:
        return "error"
    kinds = [i.outcome for i in items]
    if not any(k in _FINAL for k in kinds) and (status in ("queued", "partial") or notification):
        # Queued, or a notification, with nothing decided yet: the payer is still working on it.
        return "pended"
    if not kinds:
        return "error"
    if any(k in ("pended", "contact_payer") for k in kinds):
        return "pended"
    granted = [k for k in kinds if k in ("approved", "not_required", "partially_approved")]
    if granted and len(granted) == len(kinds):
        reduced = any(i.units_reduced for i in items)
        return "partially_approved" if reduced or "partially_approved" in kinds else "approved"
    if granted:
        return "partially_approved"
    if all(k == "denied" for k in kinds):
        return "denied"
    return "error"  # cancelled or codes we do not know: a person has to look


def _with_summary(decision: PasDecision, status: str | None) -> PasDecision:
    outcome = decision.outcome
    if outcome == "approved":
        text = "Approved"
        if decision.authorization_number:
            text += f", authorization {decision.authorization_number}"
        period = decision.authorized_period
        if period and period.start and period.end:
            text += f", valid {period.start:%d %b %Y} to {period.end:%d %b %Y}"
    elif outcome == "partially_approved":
        lines = ", ".join(f"line {i.sequence}: {i.review_action}" + (f" ({i.authorized_units:g} of {i.requested_units:g} units)" if i.units_reduced else "")
                          for i in decision.items if i.sequence is not None)
        text = f"Partially approved ({lines})" if lines else "Partially approved"
    elif outcome == "pended":
        if decision.items:
            asked = "; ".join(r.description for r in decision.information_requests)
            text = f"Pended: the payer asks for {asked}" if asked else "Pended: the payer has not decided yet and asked for nothing specific"
        else:
            text = f"Pended: the payer queued the request ({status})"
    elif outcome == "denied":
        reasons = [r for i in decision.items for r in i.reason_codes]
        text = "Denied" + (f" (reason {', '.join(reasons)})" if reasons else "")
        if decision.notes:
            text += f": {decision.notes[0]}"
    else:
        if decision.errors:
            first = decision.errors[0]
            text = f"The payer could not process the request: {first.description}" + (f" at {first.path}" if first.path else "")
        else:
            codes = ", ".join(sorted({i.review_action_code or "none" for i in decision.items})) or "none"
            text = f"The answer holds no decision we can act on (review action {codes}); check with the payer"
    return PasDecision(**{**decision.__dict__, "summary": text})


# Small FHIR helpers ------------------------------------------------------------------------------

def _any_pended(items: list[ItemDecision]) -> bool:
    return any(i.outcome in ("pended", "contact_payer") for i in items)


def _extensions(extensions: Any) -> dict[str, dict[str, Any]]:  # noqa: ANN401
    return {e["url"]: e for e in extensions or [] if isinstance(e, dict) and e.get("url")}


def _value(extension: dict[str, Any] | None) -> Any:  # noqa: ANN401
    if not extension:
        return None
    return next((v for k, v in extension.items() if k.startswith("value")), None)


def _sub(extension: dict[str, Any] | None, url: str) -> Any:  # noqa: ANN401
    """The value of a sub-extension, matched by its full or relative url."""
    if not extension:
        return None
    return _value(_extensions(extension.get("extension")).get(url))


def _codes(concept: Any) -> tuple[str, ...]:  # noqa: ANN401
    if not isinstance(concept, dict):
        return ()
    return tuple(coding["code"] for coding in concept.get("coding") or [] if coding.get("code"))


def _codes_of(extensions: Iterable[dict[str, Any]]) -> list[str]:
    return [code for e in extensions for code in _codes(_value(e)) if _looks_like_loinc(code)]


def _first_display(concept: Any) -> str | None:  # noqa: ANN401
    if not isinstance(concept, dict):
        return None
    return concept.get("text") or next((coding["display"] for coding in concept.get("coding") or [] if coding.get("display")), None)


def _looks_like_loinc(text: str) -> bool:
    number, _, check = text.partition("-")
    return number.isdigit() and check.isdigit() and len(check) == 1


def _quantity(quantity: Any) -> float | None:  # noqa: ANN401
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), (int, float)):
        return float(quantity["value"])
    return None


def _date(text: Any) -> date | None:  # noqa: ANN401
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _datetime(text: Any) -> datetime | None:  # noqa: ANN401
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text) if "T" in text else datetime.fromisoformat(f"{text}T00:00:00")
    except ValueError:
        return None


def _period(period: Any) -> Period | None:  # noqa: ANN401
    if not isinstance(period, dict):
        return None
    start, end = _date(period.get("start")), _date(period.get("end"))
    return Period(start, end) if start or end else None


def _requested_units(claim: dict[str, Any] | None) -> dict[int, float]:
    if not claim:
        return {}
    units = {}
    for item in claim.get("item") or []:
        value = _quantity(item.get("quantity"))
        if isinstance(item.get("sequence"), int) and value is not None:
            units[item["sequence"]] = value
    return units
