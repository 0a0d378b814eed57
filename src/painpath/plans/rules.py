"""Pure pathway logic: is a step's entry condition met, did its trial succeed, what comes next, and what
the step owes the worklist.

Everything here reads plain data: a pathway step from the packs, the episode's `EpisodeFacts` (as
`facts.gather` builds them) and dates. Each measure is explained in plain words with its
numbers ("NDI 21 -> 19: improved 2, needs 5 (its minimal important change)"), so the clinician who
confirms a proposal sees why it was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from painpath.facts.vocabulary import EpisodeFacts
from painpath.plans import order_steps
from painpath.knowledge.schemas.pathways import (
    TERMINAL_NEXT, DocumentOnFile, FunctionalTarget, ImagingOnFile, InstrumentChange, MedicationUse, PainAtMost, Pathway,
    PathwayStep, ProcedureDone, ReliefPercent, ReturnToWork,
)
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, NextChange, Obligation, next_change_on

PROVIDER = "plans"
# Extra facts the plans service adds to EpisodeFacts.extra (gather does not collect them yet).
MEDICATION_USE = "medication_use"  # tuple[MedicationDose, ...]
WORK_STATUS = "work_status"  # tuple[(date, status), ...], oldest first
# A pivot's cancellations are repeated for this long: long enough for the next reconciliation to close
# the abandoned step's tasks with the reason, short enough that old pivots do not pile up.
CANCELLATION_DAYS = 30

Status = Literal["met", "not_met", "not_measurable"]
StepStatus = Literal["met", "not_met", "not_measurable", "no_measure"]

MEASURE_WORDS = {
    "walking_minutes": ("Walking", "minutes"), "sitting_minutes": ("Sitting", "minutes"),
    "standing_minutes": ("Standing", "minutes"), "sleep_hours": ("Sleep", "hours"),
    "sleep_awakenings": ("Night awakenings", ""), "lifting_limit_lb": ("Lifting", "lb"),
    "pain_now": ("Pain now", "/10"), "pain_average": ("Pain", "/10"), "pain_worst": ("Worst pain", "/10"),
}


@dataclass(frozen=True)
class MedicationDose:
    """One medication as taken over a stretch of days (a dose change is a new row)."""

    drug: str
    drug_class: str | None
    daily_mg: float | None
    start: date
    end: date | None  # last day taken; None while ongoing


@dataclass(frozen=True)
class MeasureResult:
    type: str
    status: Status
    explanation: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepEvaluation:
    step_id: str
    status: StepStatus
    combine: str
    results: tuple[MeasureResult, ...]
    started_on: date
    trial_ends_on: date | None
    as_of: date

    @property
    def trial_over(self) -> bool:
        return self.trial_ends_on is None or self.as_of >= self.trial_ends_on

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(m for r in self.results for m in r.missing)

    @property
    def explanation(self) -> str:
        if self.status == "no_measure":
            return "This step has no success measure: the clinician records the outcome."
        lines = "; ".join(r.explanation for r in self.results)
        verdict = {"met": "Success measure met", "not_met": "Success measure not met",
                   "not_measurable": "Not measurable yet"}[self.status]
        return f"{verdict} ({'all' if self.combine == 'all' else 'any one'} of: {lines})."


@dataclass(frozen=True)
class Proposal:
    outcome: Literal["succeeded", "failed"] | None
    next_step: str | None  # a step id, "maintain" or "discharge"; None: nothing to propose yet
    next_step_name: str | None
    words: str


@dataclass(frozen=True)
class EntryCheck:
    met: bool
    words: str  # the pathway's own words for the condition
    results: tuple[MeasureResult, ...]

    @property
    def explanation(self) -> str:
        if not self.results:
            return f"Entry: {self.words}" if self.words else "No entry condition."
        return "; ".join(r.explanation for r in self.results)


# --- Dates -----------------------------------------------------------------------------------------

def trial_ends_on(step: PathwayStep, started_on: date) -> date | None:
    return started_on + timedelta(days=step.trial.days) if step.trial is not None else None


def _day(on: date) -> str:
    return f"{on.day} {on:%b}"


def _num(x: float) -> str:
    return f"{x:g}"


# --- Entry conditions ------------------------------------------------------------------------------

def check_entry(step: PathwayStep, facts: EpisodeFacts, procedure_names: Mapping[str, str] | None = None) -> EntryCheck:
    """Whether the step's typed entry conditions hold on the episode's facts (untyped words are shown, not checked)."""
    if step.entry is None:
        return EntryCheck(True, "", ())
    names = procedure_names or {}
    results: list[MeasureResult] = []
    for condition in step.entry.conditions:
        if isinstance(condition, DocumentOnFile):
            results.append(_document(condition, facts, on_or_after=None))
        elif isinstance(condition, ImagingOnFile):
            results.append(_imaging(condition, facts, on_or_after=None))
        elif isinstance(condition, ProcedureDone):
            done = [p for p in facts.procedures if p.kind == condition.procedure_id]
            name = names.get(condition.procedure_id, condition.procedure_id.replace("_", " "))
            status: Status = "met" if len(done) >= condition.at_least else "not_met"
            results.append(MeasureResult("procedure_done", status, f"{name}: {len(done)} done, needs {condition.at_least}",
                                         () if status == "met" else (f"{name} ({condition.at_least - len(done)} more)",)))
    return EntryCheck(all(r.status == "met" for r in results), step.entry.words, tuple(results))


# --- Success measures ------------------------------------------------------------------------------

def evaluate_step(step: PathwayStep, facts: EpisodeFacts, *, started_on: date, as_of: date, instruments: Mapping,
                  procedure_names: Mapping[str, str] | None = None, trial_end: date | None = None,
                  loop: order_steps.StepLoop | None = None) -> StepEvaluation:
    """Each success measure of the step against the facts recorded from `started_on` up to `as_of`.

    A step that opens an order or referral (`loop`) is measured first by that loop: until it closes the
    step is not measurable, whatever else is on file; once it closes, the step's own measures read the
    facts with what the loop brought back (order_steps.credited)."""
    ends = trial_end if trial_end is not None else trial_ends_on(step, started_on)
    if loop is not None:
        return _evaluate_with_loop(step, order_steps.credited(facts, loop), loop, started_on=started_on, as_of=as_of, ends=ends,
                                   instruments=instruments, procedure_names=procedure_names or {})
    if step.success is None:
        return StepEvaluation(step.id, "no_measure", "all", (), started_on, ends, as_of)
    window = _Window(started_on, as_of)
    results = tuple(_measure(m, step, facts, window, instruments, procedure_names or {}) for m in step.success.measures)
    return StepEvaluation(step.id, _combine(step.success.combine, results), step.success.combine, results, started_on, ends, as_of)


def _evaluate_with_loop(step: PathwayStep, facts: EpisodeFacts, loop: order_steps.StepLoop, *, started_on: date, as_of: date,
                        ends: date | None, instruments: Mapping, procedure_names: Mapping[str, str]) -> StepEvaluation:
    state = order_steps.loop_state(loop)
    first = MeasureResult("loop_closed", state.status, state.explanation, state.missing)
    window = _Window(started_on, as_of)
    own = tuple(_measure(m, step, facts, window, instruments, procedure_names) for m in step.success.measures) if step.success else ()
    combine = step.success.combine if step.success else "all"
    if state.status == "met":
        status: Status = _combine(combine, own) if own else "met"
    elif loop.result_suffices and own and _combine(combine, own) == "met":
        status = "met"  # the evaluation's answer is on file: the step asked for that, not for our referral
        first = MeasureResult("loop_closed", "met", f"{state.explanation}; the evaluation's answer is on file, which the step asks for", ())
    else:
        status = "not_measurable"
    return StepEvaluation(step.id, status, combine, (first, *own), started_on, ends, as_of)


def evaluation_change_days(step: PathwayStep, facts: EpisodeFacts, today: date) -> tuple[date, ...]:
    """The days after `today` on which the step's evaluation can change with the clock alone: a fact dated
    ahead comes inside the window on its day, a medicine starts or ends, and a procedure's relief reaches
    the days a measure asks it to last. Between two of them the evaluation reads the same facts the same way."""
    days = [s.on for s in facts.scores] + [m.on for m in facts.measures] + [on for on, _status in facts.extra.get(WORK_STATUS, ())]
    lasting = [m.lasting_days for m in (step.success.measures if step.success else ()) if isinstance(m, ReliefPercent) and m.lasting_days]
    for procedure in facts.procedures:
        days += [procedure.performed_on, *(r.measured_on for r in procedure.relief),
                 *(procedure.performed_on + timedelta(days=n) for n in lasting)]
    for dose in medication_doses(facts):
        days += [dose.start, *((dose.end + timedelta(days=1),) if dose.end else ())]
    return tuple(sorted({d for d in days if d > today}))


def _combine(combine: str, results: Sequence[MeasureResult]) -> Status:
    statuses = [r.status for r in results]
    if combine == "all":
        if "not_met" in statuses:
            return "not_met"
        return "not_measurable" if "not_measurable" in statuses else "met"
    if "met" in statuses:
        return "met"
    return "not_measurable" if "not_measurable" in statuses else "not_met"


@dataclass(frozen=True)
class _Window:
    started_on: date
    as_of: date

    def inside(self, on: date) -> bool:
        """After the step started (the start day's values are its baseline) and not after today."""
        return self.started_on < on <= self.as_of


def _measure(measure, step: PathwayStep, facts: EpisodeFacts, window: _Window, instruments: Mapping,  # noqa: ANN001
             procedure_names: Mapping[str, str]) -> MeasureResult:
    if isinstance(measure, InstrumentChange):
        return _instrument_change(measure, facts, window, instruments)
    if isinstance(measure, FunctionalTarget):
        return _functional_target(measure, facts, window)
    if isinstance(measure, PainAtMost):
        return _pain(measure, facts, window)
    if isinstance(measure, ReliefPercent):
        return _relief(measure, step, facts, window, procedure_names)
    if isinstance(measure, MedicationUse):
        return _medication_use(measure, facts, window)
    if isinstance(measure, ReturnToWork):
        return _return_to_work(measure, facts, window)
    if isinstance(measure, ImagingOnFile):
        return _imaging(measure, facts, on_or_after=None)
    if isinstance(measure, DocumentOnFile):
        return _document(measure, facts, on_or_after=None)
    raise TypeError(f"unknown measure {measure!r}")


def _instrument_change(measure: InstrumentChange, facts: EpisodeFacts, window: _Window, instruments: Mapping) -> MeasureResult:
    instrument = instruments[measure.instrument]
    name = instrument.name
    scores = sorted((s for s in facts.scores if s.instrument_id == measure.instrument), key=lambda s: s.on)
    before = [s for s in scores if s.on <= window.started_on]
    during = [s for s in scores if window.inside(s.on)]
    baseline = before[-1] if before else (during[0] if len(during) > 1 else None)
    if baseline is None:
        return MeasureResult("instrument_change", "not_measurable", f"{name}: no baseline score at the start ({_day(window.started_on)})",
                             (f"{name} baseline",))
    later = [s for s in during if s is not baseline]
    if not later:
        return MeasureResult("instrument_change", "not_measurable",
                             f"{name} {_num(baseline.total)} at the start: no score since {_day(window.started_on)}",
                             (f"{name} since {_day(window.started_on)}",))
    latest = later[-1]
    lower_is_better = instrument.direction == "lower_is_better"
    improved = (baseline.total - latest.total) if lower_is_better else (latest.total - baseline.total)
    change = f"{name} {_num(baseline.total)} → {_num(latest.total)}"
    if measure.require == "stable_or_better":
        if improved >= 0:
            return MeasureResult("instrument_change", "met", f"{change}: stable or better")
        return MeasureResult("instrument_change", "not_met", f"{change}: worse by {_num(round(-improved, 1))}")
    needed = _mic_points(instrument.mic, baseline.total)
    status: Status = "met" if improved >= needed else "not_met"
    trend = f"improved {_num(round(improved, 1))}" if improved >= 0 else f"worse by {_num(round(-improved, 1))}"
    return MeasureResult("instrument_change", status, f"{change}: {trend}, needs {_num(round(needed, 1))} (its minimal important change)")


def _mic_points(mic, baseline: float) -> float:  # noqa: ANN001
    """The smallest improvement that counts: the points, or the percent of the baseline, whichever is less."""
    options = []
    if mic.points is not None:
        options.append(mic.points)
    if mic.percent_of_baseline is not None:
        options.append(abs(baseline) * mic.percent_of_baseline / 100)
    return min(options)


def _latest_measure(facts: EpisodeFacts, name: str, window: _Window):  # noqa: ANN202
    found = sorted((m for m in facts.measures if m.measure == name and window.inside(m.on)), key=lambda m: m.on)
    return found[-1] if found else None


def _functional_target(measure: FunctionalTarget, facts: EpisodeFacts, window: _Window) -> MeasureResult:
    label, unit = MEASURE_WORDS[measure.measure]
    latest = _latest_measure(facts, measure.measure, window)
    if latest is None:
        return MeasureResult("functional_target", "not_measurable", f"{label}: not measured since {_day(window.started_on)}",
                             (f"{label.lower()} since {_day(window.started_on)}",))
    value = f"{label} {_num(latest.value)} {unit} on {_day(latest.on)}".replace("  ", " ")
    if measure.at_least is not None:
        status: Status = "met" if latest.value >= measure.at_least else "not_met"
        return MeasureResult("functional_target", status, f"{value}, needs at least {_num(measure.at_least)}")
    status = "met" if latest.value <= measure.at_most else "not_met"  # type: ignore[operator]
    return MeasureResult("functional_target", status, f"{value}, needs at most {_num(measure.at_most)}")  # type: ignore[arg-type]


def _pain(measure: PainAtMost, facts: EpisodeFacts, window: _Window) -> MeasureResult:
    label, _unit = MEASURE_WORDS[measure.measure]
    latest = _latest_measure(facts, measure.measure, window)
    if latest is None:
        return MeasureResult("pain_at_most", "not_measurable", f"{label}: not recorded since {_day(window.started_on)}",
                             (f"{label.lower()} since {_day(window.started_on)}",))
    status: Status = "met" if latest.value <= measure.at_most else "not_met"
    return MeasureResult("pain_at_most", status,
                         f"{label} {_num(latest.value)}/10 on {_day(latest.on)}, needs {_num(measure.at_most)} or less")


def _relief(measure: ReliefPercent, step: PathwayStep, facts: EpisodeFacts, window: _Window,
            procedure_names: Mapping[str, str]) -> MeasureResult:
    procedure_id = measure.procedure_id or step.procedure_id or ""
    name = procedure_names.get(procedure_id, procedure_id.replace("_", " "))
    done = sorted((p for p in facts.procedures if p.kind == procedure_id and window.started_on <= p.performed_on <= window.as_of),
                  key=lambda p: p.performed_on)
    if not done:
        return MeasureResult("relief_percent", "not_measurable", f"{name}: not performed since {_day(window.started_on)}",
                             (f"{name} performed",))
    procedure = done[-1]
    reports = [r for r in procedure.relief if r.measured_on <= window.as_of]
    if not reports:
        return MeasureResult("relief_percent", "not_measurable", f"{name} on {_day(procedure.performed_on)}: no relief recorded",
                             (f"relief after the {name}",))
    best = max(reports, key=lambda r: (r.percent, r.lasted_days or 0))
    lasting = f" lasting {measure.lasting_days} days" if measure.lasting_days else ""
    words = f"Relief after the {name} on {_day(procedure.performed_on)}: {_num(best.percent)}%"
    needs = f"needs {_num(measure.at_least)}%{lasting}"
    if best.percent < measure.at_least:
        return MeasureResult("relief_percent", "not_met", f"{words}, {needs}")
    if measure.lasting_days is None:
        return MeasureResult("relief_percent", "met", f"{words}, {needs}")
    lasted = max((r.lasted_days or 0 for r in reports if r.percent >= measure.at_least), default=0)
    if lasted >= measure.lasting_days:
        return MeasureResult("relief_percent", "met", f"{words} for {lasted} days, {needs}")
    if (window.as_of - procedure.performed_on).days < measure.lasting_days:
        return MeasureResult("relief_percent", "not_measurable", f"{words} so far, {needs}",
                             (f"relief lasting {measure.lasting_days} days",))
    return MeasureResult("relief_percent", "not_met", f"{words} for {lasted} days, {needs}")


def medication_doses(facts: EpisodeFacts) -> tuple[MedicationDose, ...]:
    """The medications the service recorded with their doses; else the care history's medications (no doses)."""
    recorded = facts.extra.get(MEDICATION_USE)
    if recorded is not None:
        return tuple(recorded)
    return tuple(MedicationDose(c.description, c.drug_class, None, c.start, c.end) for c in facts.care if c.kind == "medication")


def _taken_on(doses: Sequence[MedicationDose], on: date) -> dict[str, float | None]:
    taken: dict[str, float | None] = {}
    for d in doses:
        if d.start <= on and (d.end is None or d.end >= on):
            key = d.drug.lower()
            previous = taken.get(key)
            taken[key] = d.daily_mg if previous is None else previous + (d.daily_mg or 0)
    return taken


def _medication_use(measure: MedicationUse, facts: EpisodeFacts, window: _Window) -> MeasureResult:
    doses = [d for d in medication_doses(facts) if not measure.drug_classes or d.drug_class in measure.drug_classes]
    before, after = _taken_on(doses, window.started_on), _taken_on(doses, window.as_of)
    higher, lower = [], []
    for drug, dose in after.items():
        if drug not in before:
            higher.append(f"{drug} started")
            continue
        was = before[drug]
        if dose is None or was is None:
            continue  # the same medicine without doses on record: counted as stable
        if dose > was:
            higher.append(f"{drug} {_num(was)} → {_num(dose)} mg a day")
        elif dose < was:
            lower.append(f"{drug} {_num(was)} → {_num(dose)} mg a day")
    lower += [f"{drug} stopped" for drug in before if drug not in after]
    since = f"since {_day(window.started_on)}"
    if higher:
        return MeasureResult("medication_use", "not_met", f"Medication use higher {since}: {', '.join(higher)}")
    if lower:
        return MeasureResult("medication_use", "met", f"Medication use lower {since}: {', '.join(lower)}")
    return MeasureResult("medication_use", "met", f"Medication use stable {since} ({len(after)} medicine{'s' if len(after) != 1 else ''})")


def _return_to_work(measure: ReturnToWork, facts: EpisodeFacts, window: _Window) -> MeasureResult:
    statuses = [(on, status) for on, status in facts.extra.get(WORK_STATUS, ()) if window.inside(on)]
    if not statuses:
        return MeasureResult("return_to_work", "not_measurable", f"Work status: not recorded since {_day(window.started_on)}",
                             ("work status",))
    on, status = statuses[-1]
    ok: Status = "met" if status in measure.statuses else "not_met"
    wanted = " or ".join(s.replace("_", " ") for s in measure.statuses)
    return MeasureResult("return_to_work", ok, f"Work status {status.replace('_', ' ')} on {_day(on)}, needs {wanted}")


# How staff say each modality; `.capitalize()` would turn "MRI" into "Mri", so the words start as they are written.
IMAGING_WORDS = {"mri": "MRI", "ct": "CT", "xray": "X-ray", "emg_ncs": "EMG/NCS", "ultrasound": "ultrasound", "mri_arthrogram": "MR arthrogram"}


def _first_up(words: str) -> str:
    return words[:1].upper() + words[1:]


def _imaging(measure: ImagingOnFile, facts: EpisodeFacts, on_or_after: date | None) -> MeasureResult:
    label = IMAGING_WORDS.get(measure.modality, measure.modality.replace("_", " "))
    label += f" of the {measure.region}" if measure.region else ""
    studies = [s for s in facts.imaging if s.modality == measure.modality and (measure.region is None or s.region == measure.region)]
    read = [s for s in studies if s.report_on_file]
    if read:
        return MeasureResult("imaging_on_file", "met", f"{_first_up(label)}: report on file ({_day(read[-1].performed_on)})")
    if studies:
        return MeasureResult("imaging_on_file", "not_measurable", f"{_first_up(label)} done, report not yet on file", (f"{label} report",))
    return MeasureResult("imaging_on_file", "not_measurable", f"{_first_up(label)}: not done yet", (f"{label} report",))


def _document(measure: DocumentOnFile, facts: EpisodeFacts, on_or_after: date | None) -> MeasureResult:
    label = measure.kind.replace("_", " ")
    found = [d for d in facts.documents if d.kind == measure.kind]
    if not found:
        return MeasureResult("document_on_file", "not_measurable", f"No {label} on file", (label,))
    if measure.result is None:
        return MeasureResult("document_on_file", "met", f"{label.capitalize()} on file ({_day(found[-1].on)})")
    fitting = [d for d in found if (d.result or "").lower() == measure.result.lower()]
    if fitting:
        return MeasureResult("document_on_file", "met", f"{label.capitalize()} on file ({_day(fitting[-1].on)}): {measure.result}")
    latest = found[-1]
    return MeasureResult("document_on_file", "not_met",
                         f"{label.capitalize()} on file ({_day(latest.on)}) says {latest.result or 'nothing'}, needs {measure.result}")


# --- Proposals -------------------------------------------------------------------------------------

def next_step_name(pathway: Pathway, target: str) -> str:
    if target == "maintain":
        return "Maintain: keep up what works, with follow-up"
    if target == "discharge":
        return "Discharge from this pathway"
    return pathway.step(target).name


def propose(pathway: Pathway, step: PathwayStep, evaluation: StepEvaluation) -> Proposal:
    """What the evaluation suggests; a clinician confirms it (or records another outcome)."""
    if evaluation.status == "no_measure":
        return Proposal(None, None, None, f"Record the outcome: on success {next_step_name(pathway, step.on_success).lower()}; "
                                          f"otherwise {next_step_name(pathway, step.on_failure).lower()}.")
    if evaluation.status == "met":
        name = next_step_name(pathway, step.on_success)
        return Proposal("succeeded", step.on_success, name, f"Success: next, {name}.")
    if not evaluation.trial_over:
        return Proposal(None, None, None, f"The trial runs until {_day(evaluation.trial_ends_on)}; judge it then."  # type: ignore[arg-type]
                        if evaluation.trial_ends_on else "Not judged yet.")
    if evaluation.status == "not_met":
        name = next_step_name(pathway, step.on_failure)
        return Proposal("failed", step.on_failure, name, f"Not met: next, {name}.")
    return Proposal(None, None, None, f"Cannot judge yet; missing: {', '.join(evaluation.missing)}.")


def procedures_ahead(pathway: Pathway, step: PathwayStep) -> list[str]:
    """The procedures a step leads to (its own, then those of its failure and success steps), whose
    authorization should be prepared while the step runs."""
    found: list[str] = []
    if step.procedure_id:
        found.append(step.procedure_id)
    for target in (step.on_failure, step.on_success):
        if target in TERMINAL_NEXT:
            continue
        nxt = pathway.step(target)
        if nxt.kind == "procedure" and nxt.procedure_id and nxt.procedure_id not in found:
            found.append(nxt.procedure_id)
    return found


# --- Obligations -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepFacts:
    """What the worklist needs to know about one plan step."""

    step_row_id: int
    plan_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    pathway_name: str
    step_name: str
    status: str  # active | succeeded | failed | abandoned
    started_on: date
    trial_ends_on: date | None
    decided_at: datetime | None
    outcome_note: str | None
    authorization_case_ids: tuple[int, ...] = ()
    evaluation: StepEvaluation | None = None
    proposal: Proposal | None = None
    evaluation_changes_on: tuple[date, ...] = ()  # evaluation_change_days, for an active step
    loop: order_steps.StepLoop | None = None  # the order or referral the step opens, for an active step


def review_key(step_row_id: int) -> str:
    return f"plans:step-review:step:{step_row_id}"


def step_findings(facts: StepFacts, calendar, now: datetime) -> list[Finding]:  # noqa: ANN001
    """An active step owes a clinician's review when its trial ends; a decided step meets it; an abandoned
    step cancels its own work and its authorization cases' work with the pivot's reason."""
    key = review_key(facts.step_row_id)
    if facts.status in ("succeeded", "failed") and facts.decided_at is not None:
        # An order the step never got is no longer owed once the clinician has recorded the outcome.
        return [Fulfillment(key, PROVIDER, f"Outcome recorded: {facts.status}", facts.decided_at,
                            {"plan_id": facts.plan_id, "step": facts.step_name}),
                Cancellation(f"plans:step-*:step:{facts.step_row_id}", PROVIDER, f"The step's outcome was recorded: {facts.status}")]
    if facts.status == "abandoned":
        if facts.decided_at is None or now - facts.decided_at > timedelta(days=CANCELLATION_DAYS):
            return []
        reason = f"Plan changed: {facts.outcome_note or 'step abandoned'}"
        # The pivot's words stop being said the first instant after the cancellation window.
        lapses = NextChange(PROVIDER, facts.episode_id, facts.decided_at + timedelta(days=CANCELLATION_DAYS, microseconds=1),
                            f"step {facts.step_row_id}: the pivot's cancellation window closes")
        return [Cancellation(f"plans:*:step:{facts.step_row_id}", PROVIDER, reason),
                *(Cancellation(f"auth:*:case:{case_id}", PROVIDER, reason) for case_id in facts.authorization_case_ids), lapses]
    if facts.status == "active" and facts.loop is not None:
        return _order_step_findings(facts, calendar, now)
    if facts.status != "active" or facts.trial_ends_on is None:
        return []
    return _review(facts, calendar, now, due_on=facts.trial_ends_on,
                   title=f"Review {facts.step_name}: trial ends {_day(facts.trial_ends_on)}",
                   said=f"{facts.pathway_name}: {facts.step_name} started {_day(facts.started_on)}; its trial ends {_day(facts.trial_ends_on)}.")


def _order_step_findings(facts: StepFacts, calendar, now: datetime) -> list[Finding]:  # noqa: ANN001
    """An order step owes its order (until one is linked) and, once the loop closes, the clinician's review."""
    loop = facts.loop
    found = order_steps.order_findings(loop, clinic_id=facts.clinic_id, episode_id=facts.episode_id, patient_id=facts.patient_id,
                                       plan_id=facts.plan_id, pathway_name=facts.pathway_name, step_name=facts.step_name,
                                       step_started_on=facts.started_on, calendar=calendar)
    due_on = order_steps.review_due_on(loop, facts.trial_ends_on)
    if due_on is None:
        return found  # nothing changes with the clock until the loop moves (a fact, not a date)
    said = f"{facts.pathway_name}: {facts.step_name} started {_day(facts.started_on)}; {order_steps.loop_state(loop).explanation}."
    return [*found, *_review(facts, calendar, now, due_on=due_on, title=order_steps.review_title(facts.step_name, loop, due_on), said=said)]


def _review(facts: StepFacts, calendar, now: datetime, *, due_on: date, title: str, said: str) -> list[Finding]:  # noqa: ANN001
    """The clinician's step review due on `due_on`, with the evaluation and the proposal in its reason."""
    # The proposal judges the trial from its last day on; the evaluation reads the facts up to the clinic's date.
    today = calendar.local_date(now)
    ahead = (facts.trial_ends_on,) if facts.trial_ends_on else ()
    changes = next_change_on(PROVIDER, facts.episode_id, (*ahead, *facts.evaluation_changes_on), today, calendar,
                             f"step {facts.step_row_id}: the trial ends or a dated fact comes into its window")
    words = [said]
    if facts.evaluation is not None:
        words.append(facts.evaluation.explanation)
    if facts.proposal is not None:
        words.append(facts.proposal.words)
    return [Obligation(
        key=review_key(facts.step_row_id), kind="plans.step_review", provider=PROVIDER, clinic_id=facts.clinic_id,
        episode_id=facts.episode_id, patient_id=facts.patient_id, title=title,
        due_at=calendar.end_of_local_day_utc(due_on), owner_role="clinician", reason=" ".join(words),
        evidence={"plan_id": facts.plan_id, "step_row_id": facts.step_row_id,
                  "status": facts.evaluation.status if facts.evaluation else None},
    ), *changes]
