"""Payer submission plugins: how a prior-authorization request reaches the payer.

A sibling of `interop.transports` rather than a `Transport`: a transport delivers a document and is
done, a submitter may get the payer's decision back in the same exchange. Two plugins:

- "packet_fax" / "packet_print": the packet PDF goes out through the existing fax-gateway or print
  transport. No PAS answer comes back; the case waits for staff to record the payer's answer.
- "pas_http": the PAS request Bundle is POSTed to `[base]/Claim/$submit` as application/fhir+json and
  the response Bundle is read with `response.read_claim_response_bundle`.

`submit` never raises for the outside world's failures (refused relay, dead endpoint, timeout, 500,
garbage): it returns a `SubmissionResult` with `ok=False` and words staff can act on. Logs carry the
bundle id, status code and duration only: never the bundle, which is full of PHI.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from painpath.core.clock import utcnow
from painpath.core.logging import get_logger
from painpath.interop.pas.request import PasBuildError, validate_bundle
from painpath.interop.pas.response import PasDecision, read_claim_response_bundle
from painpath.interop.transports import OutboundDocument, TransportError, TransportReceipt, TransportSettings, transport_for

log = get_logger("painpath.interop.pas")

FHIR_JSON = "application/fhir+json"


class SubmitterSettings(BaseSettings):
    """Defaults from the environment (PAINPATH_ prefix); a payer pack's endpoint overrides the base URL."""

    model_config = SettingsConfigDict(env_prefix="PAINPATH_", env_file=".env", extra="ignore")

    # The payer's PAS FHIR base; Claim/$submit is appended. None: PAS over HTTP is not configured.
    pas_base_url: str | None = None
    # Seconds to wait for the payer's answer. PAS expects a synchronous answer within seconds (a pend
    # when the payer needs longer), so a hung endpoint must not hold a worker for minutes.
    pas_timeout: float = Field(default=30.0, gt=0, le=300)
    transport: TransportSettings = Field(default_factory=TransportSettings)


@dataclass(frozen=True)
class PayerSubmission:
    """One request for one payer. `reference` goes into logs and fax subjects: our case number, no PHI."""

    reference: str
    payer_name: str
    bundle: dict[str, Any] | None = None  # the PAS request Bundle (request.build_request_bundle)
    packet: bytes | None = None  # the packet PDF
    packet_filename: str = "prior-authorization.pdf"
    fax: str | None = None  # the payer's PA fax line
    cover_note: str = ""


@dataclass(frozen=True)
class SubmissionResult:
    submitter: str
    ok: bool
    submitted_at: datetime
    detail: str  # what happened, in words, no PHI
    awaiting_manual_answer: bool = False  # True when no electronic answer will come (fax, print)
    decision: PasDecision | None = None
    http_status: int | None = None
    duration_ms: int | None = None
    receipt: TransportReceipt | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PayerSubmitter(ABC):
    name: str = ""
    sends_pas_bundle: bool = False  # True: the caller builds the PAS request Bundle for it (PAS over HTTP, a clearinghouse)

    @abstractmethod
    def submit(self, submission: PayerSubmission) -> SubmissionResult:
        """Send the request; return what happened. Never raises for a failure outside our code."""

    def failed(self, detail: str, **values: Any) -> SubmissionResult:  # noqa: ANN401
        return SubmissionResult(submitter=self.name, ok=False, submitted_at=utcnow(), detail=detail, **values)


class PacketSubmitter(PayerSubmitter):
    """The packet PDF through the fax-gateway or print transport; the payer answers by phone, fax or portal."""

    def __init__(self, channel: str, settings: TransportSettings | None = None):
        self.channel = channel
        self.name = f"packet_{channel}"
        self.settings = settings

    def submit(self, submission: PayerSubmission) -> SubmissionResult:
        if not submission.packet:
            return self.failed(f"{submission.reference}: there is no packet PDF to send; build the packet first")
        document = OutboundDocument(
            reference=submission.reference,
            recipient_name=submission.payer_name,
            content=submission.packet,
            filename=submission.packet_filename,
            content_type="application/pdf",
            fax=submission.fax,
            cover_note=submission.cover_note or f"Prior authorization request {submission.reference} is attached.",
        )
        try:
            receipt = transport_for(self.channel, self.settings).send(document)
        except TransportError as exc:
            return self.failed(f"{submission.reference} was not sent: {exc}")
        return SubmissionResult(
            submitter=self.name, ok=True, submitted_at=receipt.sent_at, receipt=receipt, awaiting_manual_answer=True,
            detail=f"{submission.reference} sent by {self.channel} to {submission.payer_name}; record the payer's answer when it comes",
        )


class PasHttpSubmitter(PayerSubmitter):
    """Da Vinci PAS: POST the request Bundle to [base]/Claim/$submit and read the ClaimResponse Bundle."""

    name = "pas_http"
    sends_pas_bundle = True

    def __init__(self, base_url: str | None, *, timeout: float = 30.0, headers: dict[str, str] | None = None):
        self.base_url = (base_url or "").rstrip("/")
        self.timeout = timeout
        self.headers = headers or {}  # e.g. the payer's OAuth bearer token

    @property
    def submit_url(self) -> str:
        return f"{self.base_url}/Claim/$submit"

    def submit(self, submission: PayerSubmission) -> SubmissionResult:
        if not self.base_url:
            return self.failed("PAS over HTTP has no payer endpoint configured (PAINPATH_PAS_BASE_URL or the payer pack)")
        if submission.bundle is None:
            return self.failed(f"{submission.reference}: there is no PAS request bundle to send")
        try:
            # Checked here too, not only when we build it: a plugin or a caller may hand over a bundle we did
            # not build, and an empty bundle or a dangling reference is ours to catch, not the payer's.
            validate_bundle(submission.bundle)
        except PasBuildError as exc:
            return self.failed(f"{submission.reference}: the PAS request was not sent because it is not valid: {exc}",
                               extra={"request_refused": str(exc)})
        bundle_id = submission.bundle.get("id")
        started = time.monotonic()
        try:
            with httpx.Client(timeout=self.timeout) as client:
                answer = client.post(
                    self.submit_url,
                    content=json.dumps(submission.bundle).encode("utf-8"),
                    headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON, **self.headers},
                )
        except httpx.TimeoutException:
            return self._unreached(bundle_id, started, f"the payer did not answer within {self.timeout:g} seconds")
        except httpx.HTTPError as exc:  # refused connection, DNS, TLS, dropped line
            return self._unreached(bundle_id, started, str(exc) or type(exc).__name__)
        duration_ms = _elapsed_ms(started)
        log.info("pas_submit", bundle_id=bundle_id, status=answer.status_code, duration_ms=duration_ms)
        return self._read(submission, answer, duration_ms)

    def _unreached(self, bundle_id: str | None, started: float, why: str) -> SubmissionResult:
        duration_ms = _elapsed_ms(started)
        log.warning("pas_submit_unreached", bundle_id=bundle_id, duration_ms=duration_ms)
        return self.failed(f"Could not reach the payer's PAS endpoint at {self.submit_url}: {why}", duration_ms=duration_ms)

    def _read(self, submission: PayerSubmission, answer: httpx.Response, duration_ms: int) -> SubmissionResult:
        status = answer.status_code
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not answer.is_success:
            # A 4xx usually carries an OperationOutcome saying what the payer refused; keep it.
            decision = read_claim_response_bundle(body) if isinstance(body, dict) and body.get("resourceType") else None
            why = decision.summary if decision else (answer.reason_phrase or "no reason given")
            return self.failed(
                f"The payer's PAS endpoint answered {status}: {why}", http_status=status, duration_ms=duration_ms, decision=decision,
            )
        if not isinstance(body, dict):
            return self.failed(f"The payer's PAS endpoint answered {status} without a FHIR JSON body", http_status=status, duration_ms=duration_ms)
        decision = read_claim_response_bundle(body, request_bundle=submission.bundle)
        return SubmissionResult(
            submitter=self.name, ok=True, submitted_at=utcnow(), decision=decision, http_status=status,
            duration_ms=duration_ms, detail=f"{submission.reference}: {decision.summary}",
        )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# Registry ----------------------------------------------------------------------------------------

_factories: dict[str, Callable[[SubmitterSettings], PayerSubmitter]] = {
    "packet_fax": lambda settings: PacketSubmitter("fax", settings.transport),
    "packet_print": lambda settings: PacketSubmitter("print", settings.transport),
    "pas_http": lambda settings: PasHttpSubmitter(settings.pas_base_url, timeout=settings.pas_timeout),
}
SUBMITTER_NAMES = ("packet_fax", "packet_print", "pas_http")


class UnknownSubmitter(LookupError):
    pass


def register_submitter(name: str, factory: Callable[[SubmitterSettings], PayerSubmitter]) -> None:
    """A clinic's own plugin (a clearinghouse adapter, say) registers itself here."""
    _factories[name] = factory


def submitter_for(name: str, settings: SubmitterSettings | None = None) -> PayerSubmitter:
    """The submitter called `name`, configured from the environment unless settings are given."""
    factory = _factories.get(name)
    if factory is None:
        raise UnknownSubmitter(f"No payer submitter called {name!r}; use one of {', '.join(sorted(_factories))}")
    return factory(settings or SubmitterSettings())
