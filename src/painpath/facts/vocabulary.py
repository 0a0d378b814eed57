"""What payer policies and care pathways are evaluated against: an episode's facts at a moment, as plain
frozen data.

This is the contract between the slices that record facts (patients, intake, charting, orders,
medications) and the pure rules that read them (`authorizations.criteria`, `plans.rules`, the obligation
providers). `painpath.facts.gather` builds `EpisodeFacts` from the readers the slices register; the rules
never touch the database or the wall clock, so every criterion is tested with plain data.

It sits below the slices and above knowledge: the words it is typed with (regions, sides, care kinds,
modalities) are the packs' own, from `painpath.knowledge.terms`, so a pack and a fact can never disagree
on a spelling. Nothing here imports a slice.

Dates are the clinic's local calendar dates (what a payer counts), never datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from typing import Literal

from painpath.knowledge.terms import CareKind, Modality, Region, Side

__all__ = [
    "BehaviouralOfferFact", "CareComponent", "CareKind", "DocumentFact", "EpisodeFacts", "ExamFact", "HistoryFact", "ImagingOrderFact",
    "ImagingStudy", "MeasureFact", "Modality", "OrderStatus", "PainDiagramFact", "PainMark", "PlannedProcedure", "ProcedureFact",
    "ReferralFact", "ReferralStatus", "Region", "ReliefReport", "ScoreFact", "SharedDecisionFact", "Side", "SurgeryFact", "Urgency",
]

Urgency = Literal["routine", "urgent"]
# An imaging order's loop: written, sent to the centre, a slot booked, the study done, the report back, the
# report read by a clinician (the loop is closed). Cancelled ends it without a result.
OrderStatus = Literal["drafted", "sent", "booked", "done", "reported", "reviewed", "cancelled"]
# A referral's loop, as the issue names it; "closed" means the consult note was reviewed and the plan adjusted.
ReferralStatus = Literal["drafted", "sent", "acknowledged", "scheduled", "seen", "consult_received", "closed", "cancelled"]


@dataclass(frozen=True)
class CareComponent:
    """One stretch of conservative care: PT from 5 Jan to 19 Feb, naproxen for 3 weeks, ...
    `end` None means still going. `source` says where we know it from (a PT course we run, a
    medication trial recorded in charting, the patient's history as told at a visit)."""

    kind: CareKind
    start: date
    end: date | None
    description: str
    source: str
    drug_class: str | None = None  # for medications: "nsaid", "gabapentinoid", "oral_steroid", ...
    failed: bool | None = None  # None: not judged yet; True: did not help enough; False: helped


@dataclass(frozen=True)
class ImagingStudy:
    modality: Modality
    region: Region
    performed_on: date
    report_on_file: bool
    concordant: bool | None = None  # does the report support the working diagnosis; None: not stated
    summary: str = ""
    # Coded findings a payer exception can name ("acute_disc_injury" waives BCBS MP-303's 2-week rule).
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReliefReport:
    """Relief after a procedure on the same pain scale as the baseline."""

    measured_on: date
    percent: float  # 0-100, relief of the index pain
    scale: str  # "nrs", "vas", ...; payers want the same scale before and after
    hours_after: float | None = None  # for diagnostic blocks: within the anesthetic's window
    lasted_days: int | None = None  # for therapeutic procedures: how long relief >= the report's percent lasted


@dataclass(frozen=True)
class ProcedureFact:
    """A procedure already performed on the episode (from a signed procedure note)."""

    kind: str  # a procedure id from the procedures pack: "mbb_lumbar", "rfa_lumbar", "tfesi_cervical", ...
    cpt_codes: tuple[str, ...]
    region: Region
    side: Side
    levels: tuple[str, ...]  # ("L4-5", "L5-S1") or ("C5-6",); () where levels do not apply
    performed_on: date
    diagnostic: bool
    baseline_pain: float | None = None
    baseline_scale: str | None = None
    relief: tuple[ReliefReport, ...] = ()
    spacing_exception: str | None = None  # a documented reason a payer's spacing rule is waived

    @property
    def peak_relief(self) -> float | None:
        return max((r.percent for r in self.relief), default=None)


@dataclass(frozen=True)
class ScoreFact:
    instrument_id: str  # "odi", "ndi", "peg", ...
    on: date
    total: float


@dataclass(frozen=True)
class MeasureFact:
    measure: str  # "pain_average", "pain_worst", "walking_minutes", ... (charting.rules.MEASURES)
    on: date
    value: float


@dataclass(frozen=True)
class ExamFact:
    """The latest structured exam's findings that payer criteria quote."""

    on: date
    findings: dict  # the charting exam findings shape (straight_leg_raise, si_tests, ...)
    si_positive_count: int
    diagnosis_codes: tuple[str, ...]
    reasoning: str


@dataclass(frozen=True)
class DocumentFact:
    """A document on file for the episode: a psychological evaluation, a cotinine result, PT notes."""

    kind: str  # "psych_eval", "nicotine_test", "pt_notes", "home_exercise_program", "imaging_report", ...
    on: date
    reference: str  # where it is: "records_request:12", "case_document:4", ...
    value: float | None = None  # e.g. cotinine in ng/mL
    result: str | None = None  # e.g. "cleared" for a psychological evaluation


@dataclass(frozen=True)
class SurgeryFact:
    """A surgery in the patient's history, as told at a visit: dated by year only."""

    procedure: str  # as the clinician wrote it: "L4-5 laminectomy"
    year: int
    region: Region
    outcome: str  # helped | partly_helped | no_relief | worse | unknown


@dataclass(frozen=True)
class HistoryFact:
    """The patient's history (it belongs to the patient, so every episode of theirs reads the same), as far
    as rules read it: habits a payer asks about, and surgeries."""

    smoking_status: str  # never | former | current | unknown
    pack_years: float | None = None
    cotinine_ng_ml: float | None = None  # the latest cotinine recorded in the history, with its date
    cotinine_on: date | None = None
    surgeries: tuple[SurgeryFact, ...] = ()
    changed_on: date | None = None  # the clinic's date of the last change


@dataclass(frozen=True)
class PainMark:
    """One marked region of a pain diagram: a coded region of the body_regions pack (its side is in the
    code), the kind of pain and its intensity on a 0-10 scale."""

    region: str  # a body region id: "leg_lateral_left"
    pain_type: str  # aching | burning | electric | numbness | pins_and_needles
    intensity: int  # 0-10


@dataclass(frozen=True)
class PainDiagramFact:
    """A pain diagram recorded at a visit (one per visit note), dated by the visit."""

    on: date
    marks: tuple[PainMark, ...]
    reference: str  # "pain_diagram:12"


@dataclass(frozen=True)
class SharedDecisionFact:
    """A decision shared with the patient at a pathway step: the options discussed (ids of the step's
    `decision` options), the risks gone over, and the patient's choice (None: not decided yet)."""

    on: date
    pathway_id: str
    step_id: str
    options_discussed: tuple[str, ...]
    risks_discussed: tuple[tuple[str, str], ...]  # (option id, risk id) pairs
    choice: str | None
    option_procedures: tuple[tuple[str, str], ...] = ()  # (option id, procedure id) for options that are procedures

    def procedure_options(self, procedure_id: str) -> tuple[str, ...]:
        """The options of this decision that lead to the procedure."""
        return tuple(option for option, procedure in self.option_procedures if procedure == procedure_id)

    def risks_of(self, option_ids: tuple[str, ...]) -> frozenset[str]:
        """The risks discussed for these options."""
        return frozenset(risk for option, risk in self.risks_discussed if option in option_ids)


@dataclass(frozen=True)
class ImagingOrderFact:
    """An imaging study ordered here and how far its loop has come. `plan_step_row_id` is the care-plan step
    (a `care_plan_step` row) the order serves, when a pathway's imaging step opened it."""

    order_id: int
    modality: Modality
    region: Region
    side: Side
    protocol: str  # "MR arthrogram, hip, with intra-articular contrast"
    urgency: Urgency
    status: OrderStatus
    ordered_on: date
    plan_step_row_id: int | None = None
    sent_on: date | None = None
    booked_for: date | None = None  # the day of the booked slot
    performed_on: date | None = None
    report_received_on: date | None = None
    reviewed_on: date | None = None

    @property
    def loop_closed(self) -> bool:
        """The report has been read by a clinician, or the order was cancelled."""
        return self.status in ("reviewed", "cancelled")


@dataclass(frozen=True)
class ReferralFact:
    """A referral to another practice and how far its loop has come. `plan_step_row_id` as for an order."""

    referral_id: int
    specialty: str  # an id of the referral specialties pack: "orthopedics", "pain_psychology", ...
    urgency: Urgency
    status: ReferralStatus
    created_on: date
    plan_step_row_id: int | None = None
    sent_on: date | None = None
    acknowledged_on: date | None = None
    appointment_on: date | None = None
    seen_on: date | None = None
    consult_note_on: date | None = None
    closed_on: date | None = None

    @property
    def loop_closed(self) -> bool:
        """The consult note was reviewed and the plan adjusted, or the referral was cancelled."""
        return self.status in ("closed", "cancelled")


@dataclass(frozen=True)
class BehaviouralOfferFact:
    """A behavioural-health referral or programme offered to the patient after a score crossed its threshold,
    and the patient's answer. A declined offer is revisited when a newer score crosses again."""

    instrument: str  # instrument pack id: "pcs", "tsk17", "phq9", ...
    score_on: date  # the date of the score that prompted the offer
    offered_on: date
    answer: Literal["accepted", "declined", "undecided"]


@dataclass(frozen=True)
class PlannedProcedure:
    """What the authorization is for."""

    kind: str  # procedure id from the procedures pack
    cpt_codes: tuple[str, ...]
    region: Region
    side: Side = "none"
    levels: tuple[str, ...] = ()
    place_of_service: str = "11"  # CMS POS code: 11 office, 22 hospital outpatient, 24 ASC
    planned_on: date | None = None
    units: int = 1


@dataclass(frozen=True)
class EpisodeFacts:
    episode_id: int
    payer_id: str | None
    plan_type: str | None
    body_region: str
    laterality: str
    onset_date: date | None
    diagnosis_codes: tuple[str, ...]  # episode codes plus the working diagnosis, dotted ICD-10-CM
    red_flags: frozenset[str] = frozenset()  # red-flag ids present at triage ("RF-CES", ...)
    care: tuple[CareComponent, ...] = ()
    imaging: tuple[ImagingStudy, ...] = ()
    procedures: tuple[ProcedureFact, ...] = ()
    scores: tuple[ScoreFact, ...] = ()
    measures: tuple[MeasureFact, ...] = ()
    exam: ExamFact | None = None
    documents: tuple[DocumentFact, ...] = ()
    history: HistoryFact | None = None  # None: no history recorded for the patient yet
    pain_diagrams: tuple[PainDiagramFact, ...] = ()  # oldest first
    shared_decisions: tuple[SharedDecisionFact, ...] = ()  # oldest first
    imaging_orders: tuple[ImagingOrderFact, ...] = ()  # oldest first
    referrals: tuple[ReferralFact, ...] = ()  # oldest first
    behavioural_offers: tuple[BehaviouralOfferFact, ...] = ()  # oldest first
    extra: dict = field(default_factory=dict)  # room for a criterion type added before its fact source
