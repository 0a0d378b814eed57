"""Whether a payer's PAS answer is an answer to the request we sent, before anything in it is believed.

Da Vinci PAS 2.2.1, specification.md ("The response to the prior authorization is processed in the
reverse order as the request", spec-30 to spec-33):
- the response Bundle SHALL start with the ClaimResponse (invariant ClaimResponseFirst on
  profile-pas-response-bundle); the reader (response.py) refuses any other first entry;
- the ClaimResponse references the Claim it answers in `request` (by the Claim's URL or identifier), so
  the answer can be matched to the original Claim;
- all resources the ClaimResponse references are returned in the Bundle; resources echoed from the
  request keep the request's fullUrl and identifiers.

So an answer is refused when a reference resolves neither inside the answer nor to a resource we sent
(the IG's own examples point the requestor at the request's PractitionerRole without returning it,
spec-33's echo), when its patient does not carry the member id we sent, or when `request` names
another Claim. Each problem is a sentence a coordinator can read; no identifiers of another patient
are repeated in it.

Pure: plain dicts in, sentences out.
"""

from __future__ import annotations

from typing import Any

from painpath.interop.pas import references as refs


def answer_problems(answer: dict[str, Any], claim_response: dict[str, Any], request_bundle: dict[str, Any]) -> list[str]:
    """Why `answer` (a response Bundle, or a bare ClaimResponse) is not an answer to `request_bundle`; [] when it is."""
    sent = refs.index(request_bundle)
    sent_entries = refs.entries(request_bundle)
    if not sent_entries or sent_entries[0]["resource"].get("resourceType") != "Claim":
        return ["the request we sent cannot be found, so the answer cannot be matched to it"]
    claim_entry = sent_entries[0]
    our_claim = claim_entry["resource"]
    answered = refs.index(answer) if answer.get("resourceType") == "Bundle" else {}
    problems = _dangling(answer, claim_response, answered, set(sent))
    problems += _patient_problems(claim_response, answered, sent, our_claim)
    problems += _request_problems(claim_response, answered, claim_entry)
    return problems


def _dangling(answer: dict[str, Any], claim_response: dict[str, Any], answered: dict[str, Any], sent: set[str]) -> list[str]:
    if answer.get("resourceType") == "Bundle":
        found = refs.dangling(answer, also_known=sent)
    else:
        found = [r for r in refs.references(claim_response, "ClaimResponse") if not refs.resolves(r.target, sent)]
    # ClaimResponse.request is judged by _request_problems, in words about the request.
    found = [r for r in found if not r.path.endswith("ClaimResponse.request")]
    return [f"the answer points at {r.target} ({_readable(r.path)}), which is neither in the answer nor in our request" for r in found]


def _readable(path: str) -> str:
    """`entry[0].ClaimResponse.requestor` -> `ClaimResponse.requestor`."""
    return path.split(".", 1)[1] if path.startswith("entry[") and "." in path else path


def _values(resource: dict[str, Any] | None) -> set[str]:
    if not resource:
        return set()
    return {i["value"].strip() for i in resource.get("identifier") or [] if isinstance(i, dict) and isinstance(i.get("value"), str)}


def _patient_problems(claim_response: dict[str, Any], answered: dict[str, Any], sent: dict[str, Any], our_claim: dict[str, Any]) -> list[str]:
    target = (claim_response.get("patient") or {}).get("reference")
    if not isinstance(target, str) or not target:
        return ["the answer does not say which patient it is about (ClaimResponse.patient is missing)"]
    ours = refs.resolve((our_claim.get("patient") or {}).get("reference") or "", sent)
    member_ids = _values(ours)
    theirs = refs.resolve(target, answered) or refs.resolve(target, sent)
    if theirs is None:
        return []  # reported as a dangling reference
    if theirs.get("resourceType") != "Patient":
        return [f"the answer's patient ({target}) is a {theirs.get('resourceType')}, not a Patient"]
    if not member_ids & _values(theirs):
        return ["the answer is about a different patient: the patient it names does not carry the member id we sent"]
    return []


def _request_problems(claim_response: dict[str, Any], answered: dict[str, Any], claim_entry: dict[str, Any]) -> list[str]:
    request = claim_response.get("request") or {}
    our_keys = {key: claim_entry["resource"] for key in refs.keys_of(claim_entry)}
    our_ids = _values(claim_entry["resource"])
    shown = ", ".join(sorted(our_ids)) or next(iter(our_keys), "our Claim")
    target = request.get("reference")
    identifier = (request.get("identifier") or {}).get("value")
    if not target and not identifier:
        return [f"the answer does not say which request it answers (ClaimResponse.request is missing); we sent {shown}"]
    if target and refs.resolve(target, our_keys) is None:
        return [f"the answer is for another request ({target}); we sent {shown}"]
    if identifier and identifier.strip() not in our_ids:
        return [f"the answer is for another request (identifier {identifier}); we sent {shown}"]
    echoed = refs.resolve(target, answered) if target else None
    if echoed is not None and _values(echoed) and not _values(echoed) & our_ids:
        return [f"the Claim the answer returns carries identifier {', '.join(sorted(_values(echoed)))}; we sent {shown}"]
    return []
