"""The prior-authorization packet: a cover letter with the clinical rationale in the payer's language,
then the documents attached to the kit, as one PDF.

`packet_content` is pure: a case's data, the policy decision, the episode's facts and the names of the
people and things involved in, plain data for the template out. `render_packet_pdf` renders the cover
with the shared WeasyPrint renderer (documents/render.py) and appends each attached PDF with pypdf.
The service side (who may read which chart, where the facts come from) is in `submission.py`.

What the cover quotes, and why each part is there: reviewers check a request against their policy's
list, so the letter follows that list (each criterion's label as the payer words it, and how it is
met), then gives the evidence behind it in the order reviewers look for it: exam, scores, functional
limits, conservative care, imaging, diagnostic-block relief.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter

from painpath.authorizations.criteria import CriterionResult, PolicyDecision
from painpath.authorizations.models import AuthorizationCase
from painpath.charting.history import rules as history_words
from painpath.charting.pain_diagram.words import pain_words
from painpath.documents import body_map
from painpath.documents.render import render_html, render_pdf
from painpath.facts.vocabulary import (
    CareComponent, EpisodeFacts, ExamFact, HistoryFact, ImagingStudy, PainDiagramFact, ProcedureFact,
)

TEMPLATE = "documents/authorization_packet.html"
PDF = "application/pdf"

STATUS_WORDS = {
    "met": "Met", "waived": "Waived", "not_applicable": "Not applicable", "not_yet": "Not yet met",
    "not_met": "Not met", "missing_evidence": "Evidence missing",
}
_CARE_WORDS = {
    "physical_therapy": "Physical therapy", "home_exercise": "Home exercise program", "medication": "Medication",
    "chiropractic": "Chiropractic care", "activity_modification": "Activity modification", "bracing": "Bracing",
    "weight_loss": "Weight loss", "injection": "Injection", "behavioral_therapy": "Behavioral therapy", "other": "Other care",
}
_MODALITY_WORDS = {
    "mri": "MRI", "ct": "CT", "xray": "X-ray", "emg_ncs": "EMG/NCS", "ultrasound": "Ultrasound",
    "mri_arthrogram": "MR arthrogram", "other": "Imaging",
}
# The functional limits payers ask about, in the order a reviewer reads them: label, unit.
_FUNCTIONAL_MEASURES = {
    "sitting_minutes": ("Sitting tolerance", "minutes"),
    "standing_minutes": ("Standing tolerance", "minutes"),
    "walking_minutes": ("Walking tolerance", "minutes"),
    "sleep_hours": ("Sleep", "hours a night"),
    "sleep_awakenings": ("Night awakenings from pain", "a night"),
    "lifting_limit_lb": ("Lifting limit", "pounds"),
    "pain_average": ("Average pain", "/10 NRS"),
    "pain_worst": ("Worst pain", "/10 NRS"),
}
_SIDED_TESTS = {"facet_loading": "Facet loading", "spurling": "Spurling test", "fadir": "FADIR"}
_SI_TESTS = {"distraction": "distraction", "thigh_thrust": "thigh thrust", "compression": "compression",
             "sacral_thrust": "sacral thrust", "gaenslen": "Gaenslen"}


# The content -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionLine:
    label: str  # the payer's requirement, in its words
    status: str  # "Met", "Waived", ...
    how: str  # how it is met, quoting the numbers
    met_on: date | None


@dataclass(frozen=True)
class DatedLine:
    """One line of evidence with its date: a score, a measure, an imaging study."""

    label: str
    value: str
    on: date | None


@dataclass(frozen=True)
class CareLine:
    kind: str
    description: str
    start: date
    end: date | None  # None: still going
    outcome: str


@dataclass(frozen=True)
class BlockRow:
    """One diagnostic block and one relief report (a block without a report has one row saying so)."""

    performed_on: date
    procedure: str
    levels: str
    baseline_pain: str
    relief: str  # "85%"
    hours_after: str
    scale: str


@dataclass(frozen=True)
class PainRegionRow:
    """One marked region of the latest pain diagram, as the packet's table prints it."""

    region: str  # "Outer lower leg"
    side: str  # "Left", "Right", "Midline"
    dermatome: str  # "L5", or "" where no single dermatome applies
    pain: str  # "burning"
    intensity: str  # "6/10"


@dataclass(frozen=True)
class AttachedDocument:
    """A document in the kit. `content` is the PDF appended after the cover; None: on file, not attached."""

    title: str
    kind: str
    document_date: date
    content: bytes | None = None


@dataclass(frozen=True)
class PacketContent:
    reference: str
    letter_date: date
    clinic_name: str
    clinic_phone: str | None
    clinic_fax: str | None
    payer_name: str
    policy_name: str | None
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    member_id: str | None
    procedure_name: str
    codes: tuple[str, ...]  # "64635 Radiofrequency ablation, lumbar facet, single level"
    region: str
    side: str
    levels: str
    place_of_service: str
    planned_on: date | None
    units_requested: int
    priority: str
    diagnosis_codes: tuple[str, ...]
    problem_summary: str
    clinician_name: str | None
    rationale: str  # the opening paragraph
    criteria: tuple[CriterionLine, ...]
    warnings: tuple[str, ...]
    exam_on: date | None
    exam_findings: tuple[str, ...]
    exam_reasoning: str
    scores: tuple[DatedLine, ...]
    functional_limits: tuple[DatedLine, ...]
    care: tuple[CareLine, ...]
    imaging: tuple[DatedLine, ...]
    blocks: tuple[BlockRow, ...]
    attached: tuple[AttachedDocument, ...]  # appended after the cover, in this order
    on_file: tuple[AttachedDocument, ...]  # listed, not attached (no PDF content)
    # The requester's NPIs from Clinic settings and the users page; a packet sent to a payer has both.
    clinic_npi: str | None = None
    clinician_npi: str | None = None
    # The latest pain diagram charted at a visit: its date, each marked region, and region -> kind of pain
    # for the body map the renderer draws.
    pain_diagram_on: date | None = None
    pain_regions: tuple[PainRegionRow, ...] = ()
    pain_fills: tuple[tuple[str, str], ...] = ()
    # From the patient's history, what criteria read (smoking and a cotinine for fusion, surgeries for
    # stimulation): a criterion met from the history must show its evidence on paper like a kit document.
    smoking: str | None = None
    surgeries: tuple[str, ...] = ()


def packet_content(
    case: AuthorizationCase,
    decision: PolicyDecision | None,
    facts: EpisodeFacts,
    *,
    letter_date: date,
    clinic_name: str,
    clinic_phone: str | None,
    clinic_fax: str | None,
    payer_name: str,
    patient_name: str,
    patient_birth_date: date,
    patient_mrn: str,
    member_id: str | None,
    problem_summary: str,
    procedure_name: str,
    code_meanings: Mapping[str, str],
    procedure_names: Mapping[str, str],
    instrument_names: Mapping[str, str],
    clinician_name: str | None,
    documents: Sequence[AttachedDocument] = (),
    clinic_npi: str | None = None,
    clinician_npi: str | None = None,
    body_regions: Mapping[str, object] | None = None,
) -> PacketContent:
    """Everything the cover letter says, from the case, the decision and the facts. Pure."""
    codes = tuple(f"{code} {code_meanings[code]}" if code in code_meanings else code for code in case.cpt_codes)
    attached = tuple(d for d in documents if d.content)
    diagram = latest_pain_diagram(facts, letter_date)
    return PacketContent(
        reference=f"PA-{case.id}",
        letter_date=letter_date,
        clinic_name=clinic_name,
        clinic_phone=clinic_phone,
        clinic_fax=clinic_fax,
        payer_name=payer_name,
        policy_name=decision.policy_name if decision else None,
        patient_name=patient_name,
        patient_birth_date=patient_birth_date,
        patient_mrn=patient_mrn,
        member_id=member_id,
        procedure_name=procedure_name,
        codes=codes,
        region=case.region,
        side=case.side,
        levels=", ".join(case.levels or ()) or "not applicable",
        place_of_service=case.place_of_service,
        planned_on=case.planned_on,
        units_requested=case.units_requested,
        priority=case.priority,
        diagnosis_codes=facts.diagnosis_codes,
        problem_summary=problem_summary,
        clinician_name=clinician_name,
        clinic_npi=clinic_npi,
        clinician_npi=clinician_npi,
        rationale=_rationale(decision, payer_name, procedure_name, patient_name),
        criteria=tuple(criterion_line(c) for c in decision.criteria) if decision else (),
        warnings=decision.warnings if decision else (),
        exam_on=facts.exam.on if facts.exam else None,
        exam_findings=exam_lines(facts.exam) if facts.exam else (),
        exam_reasoning=facts.exam.reasoning if facts.exam else "",
        scores=tuple(_score_line(s.instrument_id, s.total, s.on, instrument_names) for s in sorted(facts.scores, key=lambda s: (s.on, s.instrument_id))),
        functional_limits=functional_limits(facts),
        care=tuple(care_line(c) for c in sorted(facts.care, key=lambda c: (c.start, c.kind))),
        imaging=tuple(imaging_line(s) for s in sorted(facts.imaging, key=lambda s: s.performed_on)),
        blocks=block_rows(facts.procedures, procedure_names),
        attached=attached,
        on_file=tuple(d for d in documents if not d.content),
        pain_diagram_on=diagram.on if diagram else None,
        pain_regions=pain_region_rows(diagram, body_regions or {}) if diagram else (),
        pain_fills=tuple((m.region, m.pain_type) for m in diagram.marks) if diagram else (),
        smoking=smoking_line(facts.history),
        surgeries=surgery_lines(facts.history),
    )


def smoking_line(history: HistoryFact | None) -> str | None:
    """"Former smoker, 12.5 pack-years; cotinine 4 ng/mL on 2 December 2026", or None when nobody asked."""
    if history is None or history.smoking_status == "unknown":
        return None
    line = history_words.SMOKING_WORDS[history.smoking_status]
    if history.pack_years is not None:
        line += f", {_number(history.pack_years)} pack-years"
    if history.cotinine_on is not None and history.cotinine_ng_ml is not None:
        line += f"; cotinine {_number(history.cotinine_ng_ml)} ng/mL on {history.cotinine_on.day} {history.cotinine_on:%B %Y}"
    return line


def surgery_lines(history: HistoryFact | None) -> tuple[str, ...]:
    """Each surgery in the history: "L4-5 laminectomy (2019, low back (lumbar)): no relief"."""
    if history is None:
        return ()
    return tuple(
        f"{s.procedure} ({s.year}, {history_words.REGION_WORDS.get(s.region, s.region)}): "
        f"{history_words.OUTCOME_WORDS.get(s.outcome, s.outcome)}"
        for s in sorted(history.surgeries, key=lambda s: s.year)
    )


def latest_pain_diagram(facts: EpisodeFacts, on: date) -> PainDiagramFact | None:
    """The last diagram charted on or before the letter's date."""
    found = [d for d in facts.pain_diagrams if d.on <= on]
    return max(found, key=lambda d: d.on) if found else None


def pain_region_rows(diagram: PainDiagramFact, regions: Mapping[str, object]) -> tuple[PainRegionRow, ...]:
    """Each marked region in the region pack's order, with its side and dermatome, for a reviewer to read."""
    order = {rid: index for index, rid in enumerate(regions)}
    rows = []
    for mark in sorted(diagram.marks, key=lambda m: (order.get(m.region, len(order)), m.region)):
        region = regions.get(mark.region)
        dermatome = getattr(region, "dermatome", None)
        rows.append(PainRegionRow(
            region=getattr(region, "name", mark.region.replace("_", " ")),
            side=str(getattr(region, "side", "")).capitalize(),
            dermatome=dermatome.words() if dermatome else "",
            pain=pain_words(mark.pain_type),
            intensity=f"{mark.intensity}/10",
        ))
    return tuple(rows)


def _rationale(decision: PolicyDecision | None, payer_name: str, procedure_name: str, patient_name: str) -> str:
    ask = f"We request prior authorization from {payer_name} for {procedure_name} for {patient_name}."
    if decision is None:
        return ask
    met = [c for c in decision.criteria if c.status in ("met", "waived")]
    counted = [c for c in decision.criteria if c.status != "not_applicable"]
    return (f"{ask} The request is made under {decision.policy_name}. Of its {len(counted)} criteria that apply, "
            f"{len(met)} {'is' if len(met) == 1 else 'are'} met as shown below, each with the evidence on file.")


def criterion_line(result: CriterionResult) -> CriterionLine:
    status = STATUS_WORDS.get(result.status, result.status)
    if result.status == "waived" and result.waived_by:
        status = f"Waived ({result.waived_by})"
    return CriterionLine(label=result.label, status=status, how=result.explanation, met_on=result.met_on)


def _number(value: float) -> str:
    return f"{value:g}"


def _score_line(instrument_id: str, total: float, on: date, names: Mapping[str, str]) -> DatedLine:
    name = names.get(instrument_id, instrument_id.upper())
    return DatedLine(name, _number(total), on)


def functional_limits(facts: EpisodeFacts) -> tuple[DatedLine, ...]:
    """The latest value of each functional measure a payer reads (sitting, standing, walking, sleep, lifting, pain)."""
    latest: dict[str, tuple[date, float]] = {}
    for m in facts.measures:
        if m.measure in _FUNCTIONAL_MEASURES and (m.measure not in latest or m.on >= latest[m.measure][0]):
            latest[m.measure] = (m.on, m.value)
    lines = []
    for measure, (label, unit) in _FUNCTIONAL_MEASURES.items():
        if measure in latest:
            on, value = latest[measure]
            joiner = "" if unit.startswith("/") else " "
            lines.append(DatedLine(label, f"{_number(value)}{joiner}{unit}", on))
    return tuple(lines)


def imaging_line(study: ImagingStudy) -> DatedLine:
    summary = study.summary or "no summary recorded"
    if not study.report_on_file:
        summary += " (report not yet on file)"
    return DatedLine(f"{_MODALITY_WORDS.get(study.modality, study.modality)}, {study.region}", summary, study.performed_on)


def care_line(care: CareComponent) -> CareLine:
    if care.failed is True:
        outcome = "Did not give enough relief"
    elif care.failed is False:
        outcome = "Helped"
    else:
        outcome = "Ongoing" if care.end is None else "Completed"
    kind = _CARE_WORDS.get(care.kind, care.kind)
    if care.drug_class:
        kind = f"{kind} ({care.drug_class.replace('_', ' ')})"
    return CareLine(kind=kind, description=care.description, start=care.start, end=care.end, outcome=outcome)


def block_rows(performed: Sequence[ProcedureFact], procedure_names: Mapping[str, str]) -> tuple[BlockRow, ...]:
    """The diagnostic-block relief table: one row per relief report, oldest block first."""
    rows: list[BlockRow] = []
    for block in sorted((p for p in performed if p.diagnostic), key=lambda p: p.performed_on):
        name = procedure_names.get(block.kind, block.kind)
        sides = "" if block.side in ("none", "") else f" ({block.side})"
        levels = (", ".join(block.levels) or "not recorded") + sides
        baseline = (f"{_number(block.baseline_pain)}/10" if block.baseline_pain is not None else "not recorded")
        reports = sorted(block.relief, key=lambda r: r.measured_on) or [None]
        for report in reports:
            rows.append(BlockRow(
                performed_on=block.performed_on, procedure=name, levels=levels, baseline_pain=baseline,
                relief=f"{_number(report.percent)}%" if report else "not recorded",
                hours_after=_number(report.hours_after) if report and report.hours_after is not None else "",
                scale=(report.scale if report else block.baseline_scale or "").upper(),
            ))
    return tuple(rows)


def exam_lines(exam: ExamFact) -> tuple[str, ...]:
    """The structured exam as sentences a reviewer reads; tests not done are left out."""
    f = exam.findings
    lines: list[str] = []
    slr = f.get("straight_leg_raise") or {}
    sides = [_slr_side(side, slr.get(side) or {}) for side in ("left", "right")]
    if any(sides):
        lines.append("Straight leg raise: " + "; ".join(s for s in sides if s))
    for key, label in _SIDED_TESTS.items():
        result = _sided(f.get(key) or {})
        if result:
            lines.append(f"{label}: {result}")
    hip = f.get("hip_internal_rotation_degrees") or {}
    hip_sides = [f"{side} {hip[side]}°" for side in ("left", "right") if hip.get(side) is not None]
    if hip_sides:
        lines.append("Hip internal rotation: " + ", ".join(hip_sides))
    si = f.get("si_tests") or {}
    done = {k: v for k, v in si.items() if v in ("positive", "negative")}
    if done:
        positive = [_SI_TESTS.get(k, k) for k, v in done.items() if v == "positive"]
        named = f" ({', '.join(positive)})" if positive else ""
        lines.append(f"SI joint provocation: {exam.si_positive_count} of {len(done)} tests positive{named}")
    for deficit in f.get("motor_deficits") or []:
        lines.append(f"Motor deficit: {deficit.get('level')} {deficit.get('side')}, strength {deficit.get('grade')}/5")
    for deficit in f.get("sensory_deficits") or []:
        lines.append(f"Sensory deficit: {deficit.get('dermatome')} {deficit.get('side')}, {deficit.get('finding')}")
    for reflex, by_side in (f.get("reflexes") or {}).items():
        values = [f"{side} {value}" for side, value in (by_side or {}).items() if value is not None]
        if values:
            lines.append(f"Reflex, {reflex}: {', '.join(values)}")
    return tuple(lines)


def _slr_side(side: str, found: dict) -> str:
    result = found.get("result")
    if result not in ("positive", "negative"):
        return ""
    angle = f" at {found['angle_degrees']}°" if found.get("angle_degrees") is not None else ""
    return f"{side} {result}{angle}"


def _sided(found: dict) -> str:
    return ", ".join(f"{side} {found[side]}" for side in ("left", "right") if found.get(side) in ("positive", "negative"))


# Rendering ---------------------------------------------------------------------------------------

def _pain_map(content: PacketContent) -> str:
    if content.pain_diagram_on is None:
        return ""
    return body_map.render(dict(content.pain_fills), title=f"Pain diagram of {content.pain_diagram_on:%d %b %Y}")


def packet_html(content: PacketContent) -> str:
    return render_html(TEMPLATE, {"packet": content, "pain_map": _pain_map(content)})


def render_packet_pdf(content: PacketContent) -> bytes:
    """The cover letter, then every attached PDF in order. An attachment pypdf cannot read is refused
    with its title, so a broken upload is found before the payer finds it."""
    cover = render_pdf(TEMPLATE, {"packet": content, "pain_map": _pain_map(content)})
    if not content.attached:
        return cover
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for document in content.attached:
        try:
            reader = PdfReader(io.BytesIO(document.content or b""))
        except Exception as exc:  # pypdf raises several kinds for a damaged file
            raise UnreadableAttachment(document.title) from exc
        writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class UnreadableAttachment(ValueError):
    def __init__(self, title: str):
        self.title = title
        super().__init__(f"The attached document {title!r} is not a readable PDF; replace it before building the packet")
