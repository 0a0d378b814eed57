"""Input and output shapes for imaging studies and imaging orders; the checks are in rules.py and
order_rules.py and name their field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, InputModel, PastDate, UtcDateTime, Version

Concordant = Literal["yes", "no", "unknown"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class StudyIn(_Input):
    modality: str = Field(max_length=20)
    region: str = Field(max_length=20)
    study: str = Field(min_length=2, max_length=200, description='What was done: "MRI lumbar spine without contrast"')
    origin: Literal["clinic", "outside"] = "outside"
    performed_on: PastDate
    report_on_file: bool = False
    records_request_id: DbId | None = Field(default=None, description="The records request the report came back on")
    concordant: Concordant = "unknown"
    summary: str = Field(default="", max_length=4000)


class ReportIn(_Input):
    """The report of a known study arrived."""

    records_request_id: DbId | None = None
    concordant: Concordant = "unknown"
    summary: str = Field(default="", max_length=4000)
    version: Version


class StudyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    modality: str
    region: str
    study: str
    origin: str
    performed_on: date
    report_on_file: bool
    records_request_id: int | None
    concordant: str
    summary: str
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int


# Imaging orders ------------------------------------------------------------------------------------

Contrast = Literal["none", "with", "intra_articular", "with_and_without"]
UrgencyIn = Literal["routine", "urgent"]
SendBy = Literal["fax", "print"]


class OrderIn(_Input):
    """A clinician places an imaging order. Vocabulary checks (modality, region, side, centre) are in
    order_rules.py so they name their field in words."""

    modality: str = Field(max_length=20)
    protocol: str = Field(min_length=3, max_length=300, description='"MR arthrogram of the hip with intra-articular gadolinium"')
    contrast: Contrast = "none"
    region: str = Field(max_length=20)
    side: str = Field(default="none", max_length=10)
    clinical_question: str = Field(min_length=5, max_length=2000, description="What the study must answer")
    relevant_history: str = Field(default="", max_length=4000)
    urgency: UrgencyIn = "routine"
    centre_id: str | None = Field(default=None, max_length=60)
    plan_step_row_id: DbId | None = None


class _Versioned(_Input):
    version: Version


class SendIn(_Versioned):
    centre_id: str | None = Field(default=None, max_length=60, description="The centre; required unless chosen at ordering")
    send_by: SendBy = "fax"


class BookIn(_Versioned):
    """A slot: a standing urgent slot offered on the order page, or the date and time the centre gave."""

    centre_id: str = Field(max_length=60)
    booked_for: datetime = Field(description="The slot on the clinic's wall clock")
    minutes: int | None = Field(default=None, ge=5, le=480)
    standing: bool = False


class DoneIn(_Versioned):
    performed_on: PastDate


class OrderReportIn(_Versioned):
    """The centre's report arrived."""

    performed_on: PastDate | None = Field(default=None, description="The study date, when it was not recorded yet")
    summary: str = Field(min_length=2, max_length=4000, description="The report's impression")


class ReviewIn(_Versioned):
    concordant: Concordant = Field(description="Does the report support the working diagnosis (unknown: not judged)")
    note: str = Field(min_length=2, max_length=4000, description="What the report means for the plan")


class CancelIn(_Versioned):
    reason: str = Field(min_length=3, max_length=1000)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    modality: str
    protocol: str
    contrast: str
    region: str
    side: str
    clinical_question: str
    relevant_history: str
    urgency: str
    status: str
    centre_id: str | None
    plan_step_row_id: int | None
    send_state: str
    sent_at: UtcDateTime | None
    booked_for: UtcDateTime | None
    performed_on: date | None
    study_id: int | None
    report_received_at: UtcDateTime | None
    reviewed_at: UtcDateTime | None
    concordant: str
    review_note: str
    cancel_reason: str
    version: int
