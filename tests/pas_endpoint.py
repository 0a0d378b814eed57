"""A payer's PAS endpoint on loopback for tests: a real HTTP server (http.server in a thread) that
accepts POST /Claim/$submit and answers with the Da Vinci PAS IG 2.2.1 example responses.

It checks what a payer checks first: a JSON Bundle whose first entry is a Claim with
use = preauthorization, sent as application/fhir+json. Anything else gets 400 with the IG's
OperationOutcome-InvalidRequestResponse. Otherwise the answer is chosen by the CPT/HCPCS code of the
Claim's first item (`endpoint.answers`, default `endpoint.default`):

    approved      Bundle-ReferralAuthorizationResponseBundleExample   (A1, AUTH0001, 2005-05-02..06-02)
    pended        Bundle-ReferralPendingAuthorizationResponseBundleExample   (A4, PEND0001)
    denied        Bundle-RejectionResponseBundleExample   (A3)
    error         Bundle-ErrorResponseBundleExample   (outcome error, X12 reject reasons 04 and T4)
    server_error  HTTP 500 with a plain-text body
    slow          sleeps `endpoint.delay` seconds, then answers approved (for client timeouts)
    invalid_request  HTTP 400 with OperationOutcome-InvalidRequestResponse

Like a payer, the endpoint answers *the request it received* (`echo`, on by default): the example's
ClaimResponse is pointed at the Claim, patient and requestor we sent, the example's Patient (and Claim)
entries are replaced by the ones we sent, keeping our fullUrls (PAS spec-33), and the Bundle identifier
echoes ours. With `echo = False` the example goes out byte for byte, as the IG publishes it: an answer
about the IG's own patient and Claim, which our reader must refuse. `rewrite`, when set, changes the
answer just before it is sent (a test's way to send a malformed one).

Test modules import from here by name (tests/ is on sys.path through the root conftest).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from external_data import external

PAS_EXAMPLES = external("davinci-pas")
IG_EXAMPLES = PAS_EXAMPLES / "ig-2.2.1-examples"
RESPONSE_FILES = {
    "approved": "Bundle-ReferralAuthorizationResponseBundleExample.json",
    "pended": "Bundle-ReferralPendingAuthorizationResponseBundleExample.json",
    "denied": "Bundle-RejectionResponseBundleExample.json",
    "error": "Bundle-ErrorResponseBundleExample.json",
}
INVALID_REQUEST_FILE = "OperationOutcome-InvalidRequestResponse.json"


@dataclass
class Received:
    path: str
    content_type: str
    bundle: dict[str, Any] | None


@dataclass
class PasEndpoint:
    base_url: str = ""
    answers: dict[str, str] = field(default_factory=dict)  # first item's code -> outcome name
    default: str = "approved"
    delay: float = 2.0
    echo: bool = True
    rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    received: list[Received] = field(default_factory=list)

    def outcome_for(self, bundle: dict[str, Any]) -> str:
        claim = bundle["entry"][0]["resource"]
        codings = (claim.get("item") or [{}])[0].get("productOrService", {}).get("coding") or [{}]
        return self.answers.get(codings[0].get("code", ""), self.default)


def _example(name: str) -> bytes:
    return (IG_EXAMPLES / name).read_bytes()


def echo_request(response: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The IG example `response` made into an answer to `request`, the way a payer builds one."""
    answer = copy.deepcopy(response)
    claim = request["entry"][0]["resource"]
    patient_ref = claim["patient"]["reference"]
    ours = [e for e in request["entry"] if f"{e['resource']['resourceType']}/{e['resource'].get('id')}" == patient_ref]
    if "identifier" in request:
        answer["identifier"] = request["identifier"]
    claim_response = answer["entry"][0]["resource"]
    claim_response["patient"] = {"reference": patient_ref}
    claim_response["request"] = {"reference": f"Claim/{claim['id']}"}
    if "requestor" in claim_response:
        claim_response["requestor"] = {"reference": claim["provider"]["reference"]}
    kept = [e for e in answer["entry"] if e["resource"]["resourceType"] not in ("Patient", "Claim")]
    answer["entry"] = kept + copy.deepcopy(ours)
    return answer


def _request_problem(bundle: Any, content_type: str) -> str | None:  # noqa: ANN401
    if content_type.split(";")[0].strip() != "application/fhir+json":
        return f"content type {content_type!r}"
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return "not a Bundle"
    entries = bundle.get("entry") or []
    first = entries[0].get("resource", {}) if entries else {}
    if first.get("resourceType") != "Claim" or first.get("use") != "preauthorization":
        return "first entry is not a Claim with use=preauthorization"
    return None


def _handler(endpoint: PasEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401 - keep test output quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/fhir+json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type") or ""
            try:
                bundle = json.loads(raw)
            except ValueError:
                bundle = None
            endpoint.received.append(Received(self.path, content_type, bundle if isinstance(bundle, dict) else None))
            if self.path != "/Claim/$submit":
                return self._send(404, b"not found", "text/plain")
            if _request_problem(bundle, content_type):
                return self._send(400, _example(INVALID_REQUEST_FILE))
            outcome = endpoint.outcome_for(bundle)
            if outcome == "server_error":
                return self._send(500, b"Internal Server Error", "text/plain")
            if outcome == "invalid_request":
                return self._send(400, _example(INVALID_REQUEST_FILE))
            if outcome == "slow":
                time.sleep(endpoint.delay)
                outcome = "approved"
            if not endpoint.echo and endpoint.rewrite is None:
                return self._send(200, _example(RESPONSE_FILES[outcome]))
            answer = json.loads(_example(RESPONSE_FILES[outcome]))
            if endpoint.echo:
                answer = echo_request(answer, bundle)
            if endpoint.rewrite is not None:
                answer = endpoint.rewrite(answer)
            return self._send(200, json.dumps(answer).encode("utf-8"))

    return Handler


@pytest.fixture
def pas_endpoint() -> Iterator[PasEndpoint]:
    """A PAS endpoint on a free loopback port; `pas_endpoint.base_url` is the FHIR base."""
    endpoint = PasEndpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    server.daemon_threads = True
    endpoint.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="pas-endpoint", daemon=True)
    thread.start()
    yield endpoint
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
