"""The payer directory (kind `payers`): plan types and prior-authorization decision clocks."""

from __future__ import annotations

from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, StrictBool, model_validator

from painpath.knowledge.schemas.common import DurationUnit, Evidence, NonEmptyStr, Pack, PlanType, Slug, Strict


class SourcedDuration(Strict):
    """A time limit with where it came from.

    `amount` is a whole number: business-day arithmetic has no meaning for fractions, and every
    published clock we encode (7 days, 72 hours, 2 business days) is whole.
    """

    amount: Annotated[int, Field(gt=0, strict=True)]
    unit: DurationUnit
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> SourcedDuration:
        # A K number is a placeholder by definition; calling it verified would hide it from review.
        if self.evidence == "K" and self.verified:
            raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")
        return self


class ReceiptCutoff(Strict):
    """When a standard request counts as received: one that arrives after `after_local_time` (the payer's own
    time zone) or on a day the payer does not work counts as received the next business day, and the clock
    counts from the day after receipt (California RFA, 8 CCR 9792.9.1(a))."""

    after_local_time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    timezone: NonEmptyStr
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool


class DecisionClock(Strict):
    standard: SourcedDuration
    expedited: SourcedDuration
    receipt_cutoff: ReceiptCutoff | None = None


class ProgressReporting(Strict):
    """How often a workers' compensation carrier expects the treating physician's progress report while
    treatment continues (California PR-2: no later than 45 days after the last report)."""

    every_days: Annotated[int, Field(gt=0, strict=True)]
    # A significant change in the treatment plan (a pivot) owes a report within this many days; None: only the cadence.
    within_days_of_change: Annotated[int, Field(gt=0, strict=True)] | None = None
    form_title: NonEmptyStr
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool


class BusinessCalendar(Strict):
    # holidays.US() includes 11 Nov, but many private payers work that day; each payer says which.
    veterans_day_is_business_day: StrictBool
    reason: NonEmptyStr


_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _web_address(value: str, what: str) -> str:
    """An https address (plain http only on this machine's loopback, where test and sandbox endpoints run)."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.netloc:
        return value
    if parts.scheme == "http" and (parts.hostname or "") in {h.strip("[]") for h in _LOOPBACK_HOSTS}:
        return value
    raise ValueError(f"{what} must be an https:// address, got {value!r}")


class PriorAuthContact(Strict):
    """How a payer takes prior-authorization requests: a fax line, a web portal, a Da Vinci PAS endpoint.

    Each value is the payer's own published contact, so it carries where it was read (`source`)."""

    fax: Annotated[str, Field(pattern=r"^\+?1?[ .-]?\(?[2-9][0-9]{2}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}$")] | None = None
    portal_url: NonEmptyStr | None = None
    pas_endpoint: NonEmptyStr | None = None  # the PAS FHIR base; Claim/$submit is appended
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool

    @model_validator(mode="after")
    def _checked(self) -> PriorAuthContact:
        if not (self.fax or self.portal_url or self.pas_endpoint):
            raise ValueError("a prior_auth contact needs at least one of fax, portal_url, pas_endpoint")
        if self.portal_url:
            _web_address(self.portal_url, "portal_url")
        if self.pas_endpoint:
            _web_address(self.pas_endpoint, "pas_endpoint")
        if self.evidence == "K" and self.verified:
            raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")
        return self


class Payer(Strict):
    id: Slug
    name: NonEmptyStr
    plan_type: PlanType
    decision_clock: DecisionClock
    business_calendar: BusinessCalendar
    notes: NonEmptyStr | None = None
    prior_auth: PriorAuthContact | None = None
    progress_reports: ProgressReporting | None = None  # workers' compensation carriers


class PayerDirectory(Pack):
    collection: ClassVar[str] = "payers"
    payers: list[Payer]
