"""One check per criterion type: an episode's facts at `today` against one criterion of a policy.

Pure: no I/O, no wall clock. Every check returns a `Check`: met, not yet (with the day it will be met
if nothing changes: ongoing care goes on, ended care stays ended, no new procedures), not met (with
why, quoting the numbers), or missing evidence (with what to record). `criteria.evaluate` adds
waivers, initial/repeat applicability and the overall decision.

Counting conventions (research/prior-auth.md, "How to read the tables"): a session is all injections
in one region on one date; a region is cervical/thoracic or lumbar/sacral (joints count on their own);
a rolling window looks back from the date of service. Dates are local calendar dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from operator import attrgetter
from typing import Literal

from painpath.authorizations.criteria_words import (
    CARE_WORDS,
    MEASURE_WORDS,
    MODALITY_WORDS,
    day,
    elapsed,
    join,
    kind_words,
    number,
    ordinal,
    percent,
    plural,
    procedure_words,
    sentence,
)
from painpath.facts.vocabulary import CareComponent, DocumentFact, EpisodeFacts, PlannedProcedure, ProcedureFact, SurgeryFact
from painpath.knowledge.schemas import (
    ConservativeCareCriterion,
    DiagnosticBlocksCriterion,
    DocumentsCriterion,
    ExamFindingCriterion,
    FrequencyLimitCriterion,
    ImagingCriterion,
    LevelsPerSessionCriterion,
    MinIntervalCriterion,
    NicotineTestCriterion,
    PainDiagramCriterion,
    PainDurationCriterion,
    PriorResponseCriterion,
    Procedure,
    PsychEvalCriterion,
    ScoreRequiredCriterion,
    SharedDecisionCriterion,
    Span,
    SteroidInjectionFirstCriterion,
)

Status = Literal["met", "not_yet", "not_met", "missing_evidence", "waived", "not_applicable"]

# Regions as payers count them "per region" (research/prior-auth.md counting conventions).
_REGION_GROUPS = {"cervical": "cervical", "thoracic": "cervical", "lumbar": "lumbar", "sacral": "lumbar"}
_REGION_GROUP_WORDS = {"cervical": "cervical/thoracic", "lumbar": "lumbar/sacral"}
_ACTIVE_REHAB = ("physical_therapy", "home_exercise")
_PERFORMED_ON = attrgetter("performed_on")  # sort key for procedures and studies


def region_group(region: str) -> str:
    return _REGION_GROUPS.get(region, region)


def region_group_words(region: str) -> str:
    group = region_group(region)
    return _REGION_GROUP_WORDS.get(group, group)


# Words given as a zero-argument callable are built only when read (criteria.CriterionResult says them):
# a batch pass over every open case never reads most of them.
Words = str | Callable[[], str]


def said(words: Words | None) -> str | None:
    return words() if callable(words) else words


def arriving(dates: Iterable[date], today: date) -> date | None:
    """The first of `dates` after today: a fact dated ahead that comes into force then."""
    return min((d for d in dates if d > today), default=None)


def window_changes(dates: Sequence[date], today: date, within_days: int | None) -> date | None:
    """The first day after today on which the facts counted "on or before the day, and at most `within_days` days
    old" change: one dated ahead comes into force, or one counted today grows too old."""
    days = [d for d in dates if d > today]
    if within_days:
        days += [left for d in dates if d <= today and (left := d + timedelta(days=within_days + 1)) > today]
    return min(days, default=None)


def earliest(*days: date | None) -> date | None:
    return min((d for d in days if d is not None), default=None)


class _Daily:
    """A check whose answer may change any day: it is looked at again tomorrow (the safe default)."""

    def __repr__(self) -> str:
        return "DAILY"


DAILY = _Daily()


@dataclass(slots=True, repr=False)
class Check:
    """A check's answer: the status and dates now, the words (explanation, to_record, by_then) when asked."""

    status: Status
    explanation: Words
    met_on: date | None = None  # not_yet: the day it will be met if nothing changes
    to_record: Words | None = None  # missing_evidence: what staff should record
    by_then: Words | None = None  # not_yet: what will be true by then, for the patient ("you will have had ...")
    warnings: tuple[str, ...] = ()
    # The first day after `today` on which the clock alone may change this answer: its status or met_on, or the
    # words the worklist quotes (a missing item's explanation and what to record, a refusal's reasons). None: only
    # a new fact changes it. DAILY: not worked out, so tomorrow. A dated fact that comes into force later (a study
    # dated ahead) or leaves a "within the last N days" window is such a day; so is the met_on of a not_yet.
    changes_on: date | None | _Daily | Callable[[], date | None] = DAILY  # a callable: worked out when asked

    def __repr__(self) -> str:
        return f"Check({self.status!r}, met_on={self.met_on!r})"


@dataclass(frozen=True)
class Context:
    facts: EpisodeFacts
    planned: PlannedProcedure
    today: date
    catalogue: Mapping[str, Procedure]

    @property
    def group(self) -> str:
        return region_group(self.planned.region)

    def performed(self, kinds: Iterable[str]) -> list[ProcedureFact]:
        """Performed procedures of `kinds` in the planned procedure's region, oldest first, up to today."""
        wanted, group, today = set(kinds), self.group, self.today
        return sorted(
            (p for p in self.facts.procedures if p.kind in wanted and p.performed_on <= today and region_group(p.region) == group),
            key=_PERFORMED_ON,
        )

    def arriving(self, kinds: Iterable[str]) -> date | None:
        """The first day after today on which a procedure of `kinds` in the region, recorded with a later date, counts."""
        wanted, group = set(kinds), self.group
        return arriving((p.performed_on for p in self.facts.procedures if p.kind in wanted and region_group(p.region) == group), self.today)

    def name(self, kind: str) -> str:
        return procedure_words(kind, self.catalogue)

    def group_name(self, kinds: Sequence[str]) -> str:
        """Names a list of procedure ids briefly: the planned one stands for its group."""
        if len(kinds) <= 2:
            return join((self.name(k) for k in kinds), last="or")
        lead = self.planned.kind if self.planned.kind in kinds else kinds[0]
        return f"{self.name(lead)} (or related procedure)"


# --- pain duration ------------------------------------------------------------------------------------


def pain_duration(c: PainDurationCriterion, ctx: Context) -> Check:
    onset, today = ctx.facts.onset_date, ctx.today

    def needs() -> str:
        return f"this payer needs pain for at least {c.min.words()}"

    if onset is None:
        return Check(
            "missing_evidence",
            lambda: f"No onset date is recorded; {needs()}.",
            to_record="record when the pain started (the onset date)",
            changes_on=None,
        )
    reached = c.min.after(onset)

    def so_far() -> str:
        return elapsed(max(0, (today - onset).days))

    if today >= reached:
        return Check("met", lambda: f"Pain since {day(onset)} ({so_far()}); {needs()}.", changes_on=None)
    return Check(
        "not_yet",
        lambda: f"Pain since {day(onset)}, {so_far()} so far; {needs()}, reached on {day(reached)}.",
        met_on=reached,
        by_then=lambda: f"your pain will have lasted {c.min.words()}",
        changes_on=reached,
    )


# --- conservative care --------------------------------------------------------------------------------


def _spans(components: Iterable[CareComponent], on: date, window_start: date | None) -> list[tuple[date, date]]:
    """[start, end) stretches of care up to `on`, clipped to the window; ongoing care runs to `on`."""
    spans = []
    for comp in components:
        start = max(comp.start, window_start) if window_start else comp.start
        end = min(comp.end, on) if comp.end is not None else on
        if end > start:
            spans.append((start, end))
    return spans


def _union_days(spans: Sequence[tuple[date, date]]) -> int:
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += (end - start).days
            reach = end
        elif end > reach:
            total += (end - reach).days
            reach = end
    return total


def _needed_days(span: Span, spans: Sequence[tuple[date, date]], on: date) -> int:
    # Calendar months from the first day of care: continuous care is judged exactly as a person
    # counts it (3 months after 15 Oct is 15 Jan); care with gaps needs the same number of days.
    anchor = min((s for s, _ in spans), default=on)
    return (span.after(anchor) - anchor).days


def _present(components: Iterable[CareComponent], on: date, window_start: date | None) -> list[CareComponent]:
    return [
        comp
        for comp in components
        if comp.start <= on and (window_start is None or comp.end is None or comp.end >= window_start)
    ]


def _counted(c: ConservativeCareCriterion, care: Sequence[CareComponent]) -> list[CareComponent]:
    """The care the criterion counts: its `counts` kinds (all when omitted) plus its required kinds."""
    kinds = None if c.counts is None else set(c.counts) | {r.kind for r in c.required}
    return [comp for comp in care if kinds is None or comp.kind in kinds]


def _care_shortfalls(c: ConservativeCareCriterion, care: Sequence[CareComponent], on: date) -> list[str]:
    """What is still short on day `on`, in words; empty when the criterion is met that day."""
    return list(_care_gaps(c, care, on))


def _care_met(c: ConservativeCareCriterion, care: Sequence[CareComponent], on: date) -> bool:
    """Whether nothing is short on day `on` (stops at the first shortfall: this runs once per day searched)."""
    return next(_care_gaps(c, care, on), None) is None


def _care_gaps(c: ConservativeCareCriterion, care: Sequence[CareComponent], on: date) -> Iterator[str]:
    window_start = c.within.before(on) if c.within else None
    counted = [comp for comp in care if c.counts is None or comp.kind in c.counts]
    if c.min is None:
        if not _present(counted, on, window_start):
            yield "no conservative care is on record"
    else:
        spans = _spans(counted, on, window_start)
        covered, needed = _union_days(spans), _needed_days(c.min, spans, on)
        if covered < needed:
            yield f"{elapsed(covered)} of conservative care"
    for required in c.required:
        of_kind = [comp for comp in care if comp.kind == required.kind]
        words = CARE_WORDS[required.kind]
        if not _present(of_kind, on, window_start):
            yield f"no {words} on record"
        elif required.min is not None:
            spans = _spans(of_kind, on, window_start)
            covered = _union_days(spans)
            if covered < _needed_days(required.min, spans, on):
                yield f"{elapsed(covered)} of {words}"
    if c.concurrent_active_rehab and not any(
        comp.kind in _ACTIVE_REHAB and comp.start <= on and (comp.end is None or comp.end >= on) for comp in care
    ):
        yield "no active rehabilitation (physical therapy or a home exercise program) is going on now"


def _care_requirement(c: ConservativeCareCriterion) -> str:
    text = f"at least {c.min.words()} of conservative care" if c.min else "documented conservative care"
    extras = [
        f"{required.min.words()} of {CARE_WORDS[required.kind]}" if required.min else CARE_WORDS[required.kind]
        for required in c.required
    ]
    if extras:
        text += f" including {join(extras)}"
    if c.within:
        text += f" in the last {c.within.words()}"
    if c.concurrent_active_rehab:
        text += ", with active rehabilitation going on"
    if c.failed_surgery_counts:
        text += " (a spine surgery that did not help counts)"
    return text


def _care_by_then(c: ConservativeCareCriterion) -> str:
    parts = [f"{r.min.words()} of {CARE_WORDS[r.kind]}" for r in c.required if r.min is not None]
    overall = f"{c.min.words()} of conservative care" if c.min else None
    # "6 weeks of physical therapy" says it all when the overall span is the same length.
    if overall and not any(r.min == c.min for r in c.required):
        parts.insert(0, overall)
    return f"you will have had {join(parts)}" if parts else "your conservative care will have met the payer's rule"


def _care_on_record(care: Sequence[CareComponent], on: date) -> str:
    described = []
    for comp in sorted(care, key=lambda x: x.start):
        if comp.start > on:
            continue
        words = CARE_WORDS[comp.kind]
        if comp.end is None or comp.end >= on:
            described.append(f"{words} since {day(comp.start)}")
        else:
            described.append(f"{words} from {day(comp.start)} to {day(comp.end)}")
    return join(described) or "none"


_SPINE = ("cervical", "thoracic", "lumbar", "sacral")
_SURGERY_FAILED = ("no_relief", "worse")


def _failed_spine_surgeries(ctx: Context) -> list[SurgeryFact]:
    """Spine surgeries in the patient's history that did not relieve the pain (or made it worse), up to this year."""
    history = ctx.facts.history
    if history is None:
        return []
    return [s for s in history.surgeries if s.region in _SPINE and s.outcome in _SURGERY_FAILED and s.year <= ctx.today.year]


def _surgery_words(surgeries: Sequence[SurgeryFact]) -> str:
    return join(f"{s.procedure} ({s.year}, {'no relief' if s.outcome == 'no_relief' else 'pain worse'})" for s in surgeries)


def conservative_care(c: ConservativeCareCriterion, ctx: Context) -> Check:
    care, today = ctx.facts.care, ctx.today

    def needs() -> str:
        return f"this payer needs {_care_requirement(c)}"

    def record() -> str:
        return _care_on_record(_counted(c, care), today)

    surgeries = _failed_spine_surgeries(ctx) if c.failed_surgery_counts else []
    if _care_met(c, care, today):
        also = (lambda: f"; surgery that did not help: {_surgery_words(surgeries)}") if surgeries else (lambda: "")
        # Without a sliding window or a "still going on" condition care only accumulates: met for good.
        accumulates = c.within is None and not c.concurrent_active_rehab
        return Check("met", lambda: f"Conservative care on record: {record()}{also()}; {needs()}.",
                     changes_on=None if accumulates or surgeries else DAILY)
    if surgeries:
        return Check("met", lambda: f"Surgery that did not help, from the patient's history: {_surgery_words(surgeries)}; {needs()}.",
                     changes_on=None)

    def shortfalls() -> str:
        return join(_care_shortfalls(c, care, today))

    counted = _counted(c, care)
    if not any(comp.start <= today for comp in counted):
        return Check(
            "missing_evidence",
            lambda: f"No conservative care is on record; {needs()}.",
            to_record="record the conservative care tried so far (what, and from when to when), or start it",
            changes_on=lambda: arriving((comp.start for comp in counted), today),
        )
    met_on = _first_day_care_is_met(c, care, today)
    if met_on is not None:
        # Not met on any day before met_on (it is the first), and met that day: the answer holds until then.
        return Check(
            "not_yet",
            lambda: f"Conservative care on record: {record()}. So far: {shortfalls()}; {needs()}, reached on {day(met_on)} if care continues.",
            met_on=met_on,
            by_then=lambda: _care_by_then(c),
            changes_on=met_on,
        )
    ongoing = any(comp.start <= today and (comp.end is None or comp.end >= today) for comp in counted)
    why_never = "continuing the current care alone will not meet it" if ongoing else "none of it is going on now"
    return Check("not_met", lambda: f"Conservative care on record: {record()}. So far: {shortfalls()}; {needs()}; {why_never}.")


def _first_day_care_is_met(c: ConservativeCareCriterion, care: Sequence[CareComponent], today: date) -> date | None:
    # Ongoing care grows one day per day, so if the rule can be met at all by care that continues it is
    # met within the longest span the rule names (plus its window); look that far and no further.
    spans = [s for s in [c.min, c.within, *(r.min for r in c.required)] if s is not None]
    horizon = max(((s.after(today) - today).days for s in spans), default=0) + 1

    def met(offset: int) -> bool:
        return _care_met(c, care, today + timedelta(days=offset))

    if c.within is None and not c.concurrent_active_rehab:
        # Without a sliding window or a "still going on" condition, care only accumulates: once met,
        # met for good, so the first day can be found by bisection (this runs for every open episode).
        if not met(horizon):
            return None
        low, high = 1, horizon
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if met(middle) else (middle + 1, high)
        return today + timedelta(days=low)
    return next((today + timedelta(days=o) for o in range(1, horizon + 1) if met(o)), None)


# --- imaging ------------------------------------------------------------------------------------------


def imaging_requirement(c: ImagingCriterion, region: str) -> str:
    """The imaging a payer asks for, in plain words with its recency: "MRI or CT of the lumbar/sacral region, within the last 24 months"."""
    regions = {region_group(r) for r in c.regions} if c.regions else {region_group(region)}
    modalities = join((MODALITY_WORDS[m] for m in c.modalities), last="or")
    where = join(sorted(region_group_words(r) for r in regions), last="or")
    return f"{modalities} of the {where} region, {c.recency.words()}"


def imaging(c: ImagingCriterion, ctx: Context) -> Check:
    regions = {region_group(r) for r in c.regions} if c.regions else {ctx.group}
    onset, today = ctx.facts.onset_date, ctx.today

    def modalities() -> str:
        return join((MODALITY_WORDS[m] for m in c.modalities), last="or")

    def where() -> str:
        return join(sorted(region_group_words(r) for r in regions), last="or")

    def needs() -> str:
        return f"this payer needs {imaging_requirement(c, ctx.planned.region)}"

    studies = sorted(
        (
            s
            for s in ctx.facts.imaging
            if s.modality in c.modalities and region_group(s.region) in regions and s.performed_on <= today
        ),
        key=_PERFORMED_ON,
    )
    # A study dated ahead of today counts from its day (and may become the latest).

    def later_study() -> date | None:
        return arriving((s.performed_on for s in ctx.facts.imaging
                         if s.modality in c.modalities and region_group(s.region) in regions), today)
    if not studies:
        return Check(
            "missing_evidence",
            lambda: f"No {modalities()} of the {where()} region is on record; {needs()}.",
            to_record=lambda: f"record the {modalities()} report of the {where()} region ({c.recency.words()}), or order the study",
            changes_on=later_study,
        )
    if c.recency.since_onset and onset is None:
        # Whether the study is of this problem cannot be told without the day it began.
        return Check(
            "missing_evidence",
            lambda: f"No onset date is recorded, so it cannot be told whether the imaging is of this problem; {needs()}.",
            to_record="record when the pain started (the onset date)",
            changes_on=None,
        )
    counted = [s for s in studies if c.recency.counts(s.performed_on, onset, today)]
    if not counted:
        latest = studies[-1]

        def why() -> str:
            name = f"the {MODALITY_WORDS[latest.modality]} of {day(latest.performed_on)}"
            if c.recency.since_onset and onset is not None and latest.performed_on < onset:
                return f"{sentence(name)} was taken before this problem began ({day(onset)})"
            return f"{sentence(name)} is {elapsed((today - latest.performed_on).days)} old"

        return Check("not_met", lambda: f"{why()}; {needs()} (a new study is needed).")
    study = counted[-1]
    # The answer is read off the latest counted study: it holds until a later one counts or this one grows too old.

    def holds() -> date | None:
        return earliest(later_study(), _stops_counting(c, study.performed_on, onset, today))

    def name() -> str:
        return f"the {MODALITY_WORDS[study.modality]} of {day(study.performed_on)}"

    warnings: tuple[str, ...] = ()
    if c.recency.within:
        valid_until = c.recency.within.after(study.performed_on)
        booked = ctx.planned.planned_on
        if booked is not None and booked > valid_until:
            warnings = (f"{sentence(name())} will be older than {c.recency.within.words()} on the booked date {day(booked)}.",)
    if c.report_on_file and not study.report_on_file:
        return Check(
            "missing_evidence",
            lambda: f"The report of {name()} is not on file; {needs()}.",
            to_record=lambda: f"get the report of {name()} on file",
            warnings=warnings,
            changes_on=holds,
        )
    if c.concordant and study.concordant is None:
        return Check(
            "missing_evidence",
            lambda: f"It is not recorded whether {name()} supports the diagnosis; {needs()}, supporting the diagnosis.",
            to_record=lambda: f"record whether {name()} supports the working diagnosis",
            warnings=warnings,
            changes_on=holds,
        )
    if c.concordant and study.concordant is False:
        return Check("not_met", lambda: f"{sentence(name())} does not support the working diagnosis; {needs()}, supporting it.",
                     changes_on=holds)

    def met() -> str:
        details = ["report on file"] if study.report_on_file else []
        if study.concordant:
            details.append("supports the diagnosis")
        detail = f" ({join(details)})" if details else ""
        return f"{sentence(name())}{detail}; {needs()}."

    return Check("met", met, warnings=warnings, changes_on=holds)


def _stops_counting(c: ImagingCriterion, performed_on: date, onset: date | None, today: date) -> date | None:
    """The first day after today on which a study counted today no longer counts (None: it never grows too old)."""
    if c.recency.within is None:
        return None
    # Calendar months end on different days: look around the day the span ends, and fall back on tomorrow.
    near = max(today + timedelta(days=1), c.recency.within.after(performed_on) - timedelta(days=3))
    return next((d for d in (near + timedelta(days=n) for n in range(8)) if not c.recency.counts(performed_on, onset, d)),
                today + timedelta(days=1))


# --- diagnostic blocks ------------------------------------------------------------------------------


def _block_label(number_: int, block: ProcedureFact) -> str:
    return f"block {number_} ({day(block.performed_on)})"


def _said_all(phrases: Sequence[Callable[[], str]]) -> str:
    return "; ".join(phrase() for phrase in phrases)


def diagnostic_blocks(c: DiagnosticBlocksCriterion, ctx: Context) -> Check:
    done = [p for p in ctx.performed(c.procedures) if p.diagnostic]

    def needs() -> str:
        text = f"this payer needs {plural(c.count, 'diagnostic block')} with at least {percent(c.min_relief_percent)} relief after each"
        if c.min_days_between:
            text += f", at least {plural(c.min_days_between, 'day')} apart"
        return text

    if len(done) < c.count:

        def too_few() -> str:
            text = f"{len(done)} of the {c.count} diagnostic blocks done" + (
                f" ({join(day(b.performed_on) for b in done)})" if done else ""
            )
            return f"{sentence(text)}; {needs()}."

        return Check("not_met", too_few)
    blocks = done[-c.count :]
    # What is wrong or missing, each phrase said only when read (the status needs only whether there are any).
    not_met: list[Callable[[], str]] = []
    missing: list[Callable[[], str]] = []
    to_record: list[Callable[[], str]] = []
    warnings: list[str] = []
    scale = blocks[0].baseline_scale
    for number_, block in enumerate(blocks, start=1):
        if block.baseline_pain is None or block.baseline_scale is None:
            missing.append(lambda n=number_, b=block: f"no baseline pain is recorded for {_block_label(n, b)}")
            to_record.append(lambda n=number_: f"record the baseline pain before block {n}")
            continue
        on_scale = [r for r in block.relief if r.scale == block.baseline_scale]
        if not on_scale:
            other_scales = sorted({r.scale for r in block.relief if r.scale != block.baseline_scale})
            if other_scales:
                missing.append(
                    lambda n=number_, b=block, others=other_scales: f"{_block_label(n, b)} has its baseline on "
                    f"{b.baseline_scale.upper()} but relief on {join(s.upper() for s in others)}"
                )
                to_record.append(
                    lambda n=number_, b=block: f"record the relief after block {n} on the same scale as the baseline ({b.baseline_scale.upper()})"
                )
            else:
                missing.append(lambda n=number_, b=block: f"no relief is recorded after {_block_label(n, b)}")
                to_record.append(lambda n=number_: f"record the relief after block {n} on the same scale")
            continue
        if c.same_scale and scale is not None and block.baseline_scale != scale:
            missing.append(
                lambda n=number_, b=block: f"block 1 was scored on {scale.upper()} and {_block_label(n, b)} on {b.baseline_scale.upper()}"
            )
            to_record.append(lambda n=number_: f"record block {n}'s baseline and relief on the same scale as block 1 ({scale.upper()})")
            continue
        relief = max(r.percent for r in on_scale)
        if relief < c.min_relief_percent:
            not_met.append(
                lambda n=number_, r=relief: f"block {n} gave {percent(r)} relief; this payer needs at least {percent(c.min_relief_percent)} after each block"
            )
    if c.same_levels and ctx.planned.levels:
        for number_, block in enumerate(blocks, start=1):
            if not block.levels:
                missing.append(lambda n=number_: f"the levels of block {n} are not recorded")
                to_record.append(lambda n=number_: f"record the levels of block {n}")
            elif not set(ctx.planned.levels) <= set(block.levels):
                not_met.append(
                    lambda n=number_, b=block: f"block {n} was at {join(b.levels)} but the {ctx.name(ctx.planned.kind)} is planned at "
                    f"{join(ctx.planned.levels)}; the blocks must be at the same levels"
                )
    if c.min_days_between:
        for first, second in pairwise(blocks):
            gap = (second.performed_on - first.performed_on).days
            if gap >= c.min_days_between:
                continue
            apart = f"blocks {plural(gap, 'day')} apart ({day(first.performed_on)} and {day(second.performed_on)})"
            if second.spacing_exception:
                warnings.append(f"{sentence(apart)}: accepted because an exception is documented: {second.spacing_exception}.")
            else:
                not_met.append(
                    lambda apart=apart: f"{apart}; this payer needs the next block at least {plural(c.min_days_between, 'day')} "
                    "after the one before, unless an exception reason is documented"
                )
    if not_met:
        return Check("not_met", lambda: f"{sentence(_said_all(not_met))}.", warnings=tuple(warnings))
    if missing:
        return Check(
            "missing_evidence",
            lambda: f"{sentence(_said_all(missing))}; {needs()}.",
            to_record=lambda: _said_all(to_record),
            warnings=tuple(warnings),
        )

    def met() -> str:
        reliefs = join(
            f"{percent(max(r.percent for r in b.relief if r.scale == b.baseline_scale))} on {day(b.performed_on)}" for b in blocks
        )
        return f"Diagnostic blocks gave {reliefs}; {needs()}."

    return Check("met", met, warnings=tuple(warnings))


# --- frequency and spacing ------------------------------------------------------------------------


def frequency_limit(c: FrequencyLimitCriterion, ctx: Context) -> Check:
    window = timedelta(days=c.window_days)
    today = ctx.today
    dates = sorted({p.performed_on for p in ctx.performed(c.procedures) if today - p.performed_on < window})

    def limit() -> str:
        return (
            f"this payer allows at most {plural(c.max_sessions, 'session')} per {region_group_words(ctx.planned.region)} "
            f"region in any {c.window_days} days"
        )

    def so_far() -> str:
        return f"{plural(len(dates), 'session')} in the last {c.window_days} days" + (
            f" ({join(day(d) for d in dates)})" if dates else ""
        )

    def later() -> date | None:  # a session dated ahead takes a slot from its day
        return ctx.arriving(c.procedures)
    if len(dates) + 1 <= c.max_sessions:
        # Sessions only leave the window as days pass, so a slot that is free stays free.
        return Check("met", lambda: f"{sentence(so_far())}; this one would be the {ordinal(len(dates) + 1)}, and {limit()}.",
                     changes_on=later)
    # The oldest sessions leave the window one by one; the planned one fits once enough have left.
    must_leave = len(dates) + 1 - c.max_sessions
    frees_on = dates[must_leave - 1] + window
    return Check(
        "not_yet",
        lambda: f"{sentence(so_far())}; {limit()}, so a request now would be the {ordinal(len(dates) + 1)} and is refused. "
        f"A slot frees on {day(frees_on)}.",
        met_on=frees_on,
        by_then=lambda: f"a session slot frees up (at most {c.max_sessions} in any {c.window_days} days)",
        changes_on=lambda: earliest(frees_on, later()),
    )


def min_interval(c: MinIntervalCriterion, ctx: Context) -> Check:
    earlier = ctx.performed(c.procedures)
    today = ctx.today

    def needs() -> str:
        return f"this payer needs at least {c.min.words()} between them"

    def later() -> date | None:  # a procedure dated ahead becomes the last one from its day
        return ctx.arriving(c.procedures)
    if not earlier:
        return Check("met", lambda: f"No earlier {ctx.group_name(c.procedures)} in this region.", changes_on=later)
    last = earlier[-1]
    reached = c.min.after(last.performed_on)

    def since() -> str:
        return f"The last {ctx.name(last.kind)} was on {day(last.performed_on)}"

    if today >= reached:
        return Check("met", lambda: f"{since()} ({elapsed((today - last.performed_on).days)} ago); {needs()}.", changes_on=later)
    return Check(
        "not_yet",
        lambda: f"{since()}; {needs()}, reached on {day(reached)}.",
        met_on=reached,
        by_then=lambda: f"{c.min.words()} will have passed since your last {ctx.name(last.kind)}",
        changes_on=lambda: earliest(reached, later()),
    )


# --- response to an earlier procedure ---------------------------------------------------------------


def prior_response(c: PriorResponseCriterion, ctx: Context) -> Check:
    earlier = ctx.performed(c.procedures)
    min_lasting = c.min_lasting

    def holds() -> date | None:  # a procedure dated ahead becomes the last one from its day
        return ctx.arriving(c.procedures)

    def needs() -> str:
        text = f"this payer needs at least {percent(c.min_relief_percent)} relief from it"
        if min_lasting:
            text += f" lasting at least {min_lasting.words()}"
        return text

    if not earlier:
        if c.required_first:
            return Check("not_met", lambda: f"No {ctx.group_name(c.procedures)} on record; {needs()}, so it must come first.",
                         changes_on=holds)
        return Check("not_applicable", lambda: f"No earlier {ctx.group_name(c.procedures)} to judge.", changes_on=holds)
    last = earlier[-1]

    def what() -> str:
        return f"the last {ctx.name(last.kind)} ({day(last.performed_on)})"

    if not last.relief:
        return Check(
            "missing_evidence",
            lambda: f"No relief is recorded after {what()}; {needs()}.",
            to_record=lambda: f"record the relief after {what()} and how long it lasted",
            changes_on=holds,
        )
    good = [r for r in last.relief if r.percent >= c.min_relief_percent]
    if not good:
        best = max(r.percent for r in last.relief)
        return Check("not_met", lambda: f"{sentence(what())} gave at most {percent(best)} relief; {needs()}.", changes_on=holds)
    if min_lasting is None:
        return Check("met", lambda: f"{sentence(what())} gave {percent(max(r.percent for r in good))} relief; {needs()}.",
                     changes_on=holds)
    needed_until = min_lasting.after(last.performed_on)
    lasted = [r for r in good if r.lasted_days is not None]
    if any(last.performed_on + timedelta(days=r.lasted_days or 0) >= needed_until for r in lasted):
        best_lasting = max(lasted, key=lambda r: r.lasted_days or 0)
        return Check(
            "met",
            lambda: f"{sentence(what())} gave {percent(best_lasting.percent)} relief that lasted "
            f"{elapsed(best_lasting.lasted_days or 0)}; {needs()}.",
            changes_on=holds,
        )
    if not lasted:
        return Check(
            "missing_evidence",
            lambda: f"{sentence(what())} gave {percent(max(r.percent for r in good))} relief, but how long it lasted is not recorded; {needs()}.",
            to_record=lambda: f"record how long the relief after {what()} lasted",
            changes_on=holds,
        )
    longest = max(lasted, key=lambda r: r.lasted_days or 0)

    def held() -> str:
        return (
            f"{sentence(what())} gave {percent(longest.percent)} relief, holding for {elapsed(longest.lasted_days or 0)} "
            f"when last measured ({day(longest.measured_on)})"
        )

    if ctx.today < needed_until:
        return Check(
            "not_yet",
            lambda: f"{held()}; {needs()}, reached on {day(needed_until)} if the relief holds.",
            met_on=needed_until,
            by_then=lambda: f"the relief from your last {ctx.name(last.kind)} will have lasted {min_lasting.words()}, if it holds",
            changes_on=lambda: earliest(needed_until, holds()),
        )
    if longest.measured_on < needed_until:
        return Check(
            "missing_evidence",
            lambda: f"{held()}; {needs()}, and it has not been measured since.",
            to_record=lambda: f"record whether the relief after {what()} lasted {min_lasting.words()}",
            changes_on=holds,
        )
    return Check("not_met", lambda: f"{held()}; {needs()}.", changes_on=holds)


# --- the planned session --------------------------------------------------------------------------


def levels_per_session(c: LevelsPerSessionCriterion, ctx: Context) -> Check:
    planned = ctx.planned
    count = len(planned.levels) or len(planned.cpt_codes)

    def needs() -> str:
        return f"this payer covers at most {plural(c.max_levels, 'level')} per session"

    if count == 0:
        return Check("missing_evidence", lambda: f"The planned levels are not recorded; {needs()}.", to_record="record the levels planned",
                     changes_on=None)

    def said_plan() -> str:
        shown = join(planned.levels) if planned.levels else " + ".join(planned.cpt_codes)
        return f"{plural(count, 'level')} planned ({shown}); {needs()}."

    return Check("not_met" if count > c.max_levels else "met", said_plan, changes_on=None)  # the plan alone decides


# --- scores, exam, documents ----------------------------------------------------------------------


def _record_name(is_score: bool, what: str) -> str:
    return what.upper() if is_score else MEASURE_WORDS.get(what, kind_words(what))


def score_required(c: ScoreRequiredCriterion, ctx: Context) -> Check:
    today = ctx.today
    # (day, value, a score (else a measure), its instrument or measure): named only when said.
    records: list[tuple[date, float, bool, str]] = [
        (s.on, s.total, True, s.instrument_id) for s in ctx.facts.scores if s.instrument_id in c.instruments
    ]
    records += [(m.on, m.value, False, m.measure) for m in ctx.facts.measures if m.measure in c.measures]
    recorded = records

    def holds() -> date | None:  # a record dated ahead, or one growing too old
        return window_changes([r[0] for r in recorded], today, c.within_days)

    records = [r for r in records if r[0] <= today]
    if c.within_days:
        records = [r for r in records if (today - r[0]).days <= c.within_days]

    def needs() -> str:
        text = f"this payer needs {c.what}"
        if c.min_value is not None:
            text += f" of at least {number(c.min_value)}"
        if c.within_days:
            text += f" from the last {plural(c.within_days, 'day')}"
        return text

    if not records:
        return Check("missing_evidence", lambda: f"No {c.what} is recorded; {needs()}.", to_record=lambda: f"record {c.what}", changes_on=holds)
    on, value, is_score, what = max(records, key=lambda r: r[0])

    def found() -> str:
        return f"{_record_name(is_score, what)} {number(value)} on {day(on)}"

    if c.min_value is not None and value < c.min_value:
        return Check("not_met", lambda: f"Latest {found()}; {needs()}.", changes_on=holds)

    def met() -> str:
        text = found()
        return f"{text[0].upper()}{text[1:]}; {needs()}."

    return Check("met", met, changes_on=holds)


def _tested(result: object) -> bool:
    return result not in (None, "", "not_tested")


def _radicular_signs(findings: Mapping) -> tuple[list[str], bool]:
    """Radicular signs found in a charting exam, and whether any of them was examined at all."""
    signs: list[str] = []
    examined = False
    slr = findings.get("straight_leg_raise") or {}
    for side in ("left", "right"):
        result = (slr.get(side) or {}).get("result")
        examined |= _tested(result)
        if result == "positive":
            signs.append(f"positive straight-leg raise ({side})")
    spurling = findings.get("spurling") or {}
    for side in ("left", "right"):
        examined |= _tested(spurling.get(side))
        if spurling.get(side) == "positive":
            signs.append(f"positive Spurling test ({side})")
    for deficit in findings.get("motor_deficits") or []:
        examined = True
        signs.append(f"weakness at {deficit.get('level')} ({deficit.get('side')}, grade {deficit.get('grade')}/5)")
    for deficit in findings.get("sensory_deficits") or []:
        examined = True
        signs.append(f"{deficit.get('finding', 'diminished')} sensation in {deficit.get('dermatome')} ({deficit.get('side')})")
    for reflex, sides in (findings.get("reflexes") or {}).items():
        for side, value in (sides or {}).items():
            examined |= value is not None
            if value in ("absent", "diminished", 0, 1):
                signs.append(f"{value if isinstance(value, str) else 'reduced'} {reflex} reflex ({side})")
    return signs, examined


def exam_finding(c: ExamFindingCriterion, ctx: Context) -> Check:
    exam, today = ctx.facts.exam, ctx.today

    def wants() -> list[str]:
        found = []
        if c.signs:
            found.append(join((("radicular signs" if s == "radicular" else "pain on facet loading") for s in c.signs), last="or"))
        if c.min_si_provocation_tests:
            found.append(f"at least {c.min_si_provocation_tests} positive SI provocation tests")
        return found

    def needs() -> str:
        wanted = wants()
        text = f"this payer needs a documented exam{' showing ' + join(wanted) if wanted else ''}"
        if c.within_days:
            text += f" from the last {plural(c.within_days, 'day')}"
        return text

    if exam is None or exam.on > today:
        return Check("missing_evidence", lambda: f"No structured exam is recorded; {needs()}.", to_record="record a structured exam",
                     changes_on=None if exam is None else exam.on)
    # What the exam shows holds until it grows too old (its words then say how old, so they change daily).
    holds = exam.on + timedelta(days=c.within_days + 1) if c.within_days else None

    def when() -> str:
        return sentence(f"the exam of {day(exam.on)}")

    if c.within_days and (today - exam.on).days > c.within_days:
        return Check(
            "missing_evidence",
            lambda: f"{when()} is {elapsed((today - exam.on).days)} old; {needs()}.",
            to_record=lambda: f"record a new exam (within {plural(c.within_days, 'day')} of the request)",
        )
    found: list[str] = []
    if c.signs:
        signs, examined = [], False
        if "radicular" in c.signs:
            radicular, examined = _radicular_signs(exam.findings)
            signs += radicular
        if "facet_loading" in c.signs:
            loading = exam.findings.get("facet_loading") or {}
            examined |= any(_tested(loading.get(side)) for side in ("left", "right"))
            signs += [f"pain on facet loading ({side})" for side in ("left", "right") if loading.get(side) == "positive"]
        if not signs:
            if not examined:
                return Check(
                    "missing_evidence",
                    lambda: f"{when()} does not record the tests for {wants()[0]}; {needs()}.",
                    to_record=lambda: f"record the exam tests for {wants()[0]}",
                    changes_on=holds,
                )
            return Check("not_met", lambda: f"{when()} shows no {wants()[0]}; {needs()}.", changes_on=holds)
        found.append(join(signs))
    if c.min_si_provocation_tests:
        si_tests = exam.findings.get("si_tests") or {}
        tested = sum(1 for v in si_tests.values() if _tested(v))
        positive = exam.si_positive_count
        if not tested and positive == 0:
            return Check(
                "missing_evidence",
                lambda: f"{when()} does not record the SI provocation tests; {needs()}.",
                to_record="record the SI provocation tests (distraction, thigh thrust, compression, sacral thrust, Gaenslen)",
                changes_on=holds,
            )
        if positive < c.min_si_provocation_tests:
            return Check(
                "not_met",
                lambda: f"{positive} of {max(tested, positive)} SI provocation tests done were positive on {day(exam.on)}; {needs()}.",
                changes_on=holds,
            )
        found.append(f"{positive} of {max(tested, positive)} SI provocation tests done were positive")
    return Check("met", lambda: f"{when()}{': ' + join(found) if found else ''}; {needs()}.", changes_on=holds)


def _documents_of(ctx: Context, kind: str, within_days: int | None):
    docs = [d for d in ctx.facts.documents if d.kind == kind and d.on <= ctx.today]
    if within_days:
        docs = [d for d in docs if (ctx.today - d.on).days <= within_days]
    return sorted(docs, key=lambda d: d.on)


def _window(within_days: int | None) -> str:
    return f" from the last {plural(within_days, 'day')}" if within_days else ""


def documents(c: DocumentsCriterion, ctx: Context) -> Check:
    found, missing = [], []

    def holds() -> date | None:
        return window_changes([d.on for d in ctx.facts.documents if d.kind in c.kinds], ctx.today, c.within_days)
    for kind in c.kinds:
        docs = _documents_of(ctx, kind, c.within_days)
        if docs:
            found.append((kind, docs[-1].on))
        else:
            missing.append(kind)

    if missing:

        def needs() -> str:
            return f"this payer needs on file: {join(kind_words(k) for k in c.kinds)}{_window(c.within_days)}"

        def absent() -> str:
            return join(kind_words(k) for k in missing)

        return Check(
            "missing_evidence",
            lambda: f"Not on file{_window(c.within_days)}: {absent()}; {needs()}.",
            to_record=lambda: f"put on file: {absent()}",
            changes_on=holds,
        )
    return Check("met", lambda: f"On file: {join(f'{kind_words(kind)} ({day(on)})' for kind, on in found)}.", changes_on=holds)


def psych_eval(c: PsychEvalCriterion, ctx: Context) -> Check:
    window = _window(c.within_days)

    def holds() -> date | None:
        return window_changes([d.on for d in ctx.facts.documents if d.kind == "psych_eval"], ctx.today, c.within_days)

    def needs() -> str:
        return f"this payer needs a psychological evaluation{window} with a result of {join(c.acceptable_results, last='or')}"

    docs = _documents_of(ctx, "psych_eval", c.within_days)
    if not docs:
        return Check(
            "missing_evidence",
            lambda: f"No psychological evaluation is on file{window}; {needs()}.",
            to_record="record the psychological evaluation (by a psychiatrist, clinical psychologist or licensed clinical social worker)",
            changes_on=holds,
        )
    latest = docs[-1]
    if latest.result is None:
        return Check(
            "missing_evidence",
            lambda: f"The psychological evaluation of {day(latest.on)} has no result recorded; {needs()}.",
            to_record=lambda: f"record the result of the psychological evaluation of {day(latest.on)}",
            changes_on=holds,
        )
    if latest.result not in c.acceptable_results:
        return Check("not_met", lambda: f"The psychological evaluation of {day(latest.on)} found: {latest.result}; {needs()}.", changes_on=holds)
    return Check("met", lambda: f"Psychological evaluation of {day(latest.on)}: {latest.result}.", changes_on=holds)


HISTORY_REFERENCE = "patient_history"  # a fact from the patient's history rather than a document on file


def _cotinine_tests(ctx: Context, within_days: int | None) -> list[DocumentFact]:
    """Cotinine tests on file (kit documents of kind nicotine_test) and the one recorded in the patient's
    history, oldest first: a test counts the same wherever staff wrote it down."""
    tests = _documents_of(ctx, "nicotine_test", within_days)
    history, today = ctx.facts.history, ctx.today
    if history is not None and history.cotinine_on is not None and history.cotinine_on <= today:
        if not within_days or (today - history.cotinine_on).days <= within_days:
            tests.append(DocumentFact("nicotine_test", history.cotinine_on, HISTORY_REFERENCE, value=history.cotinine_ng_ml))
    return sorted(tests, key=lambda d: d.on)


def nicotine_test(c: NicotineTestCriterion, ctx: Context) -> Check:
    today = ctx.today
    history = ctx.facts.history

    def holds() -> date | None:
        tested_on = [d.on for d in ctx.facts.documents if d.kind == "nicotine_test"]
        if history is not None and history.cotinine_on is not None:
            tested_on.append(history.cotinine_on)
        return window_changes(tested_on, today, c.within_days)

    def needs() -> str:
        return (
            f"this payer needs a cotinine test from the last {plural(c.within_days, 'day')} "
            f"of at most {number(c.max_ng_per_ml)} ng/mL"
        )

    recent = _cotinine_tests(ctx, c.within_days)
    history = ctx.facts.history
    if not recent and history is not None and history.smoking_status == "current":
        # The history says the patient smokes now: no test will come back nicotine-free until they stop.
        def smoker() -> str:
            packs = f" ({number(history.pack_years)} pack-years)" if history.pack_years is not None else ""
            return (f"The patient's history says they smoke now{packs} and no recent cotinine test is on file; {needs()}. "
                    "Once they have stopped, record a cotinine test (in the history or the kit).")

        return Check("not_met", smoker, to_record="a cotinine test once the patient has stopped smoking", changes_on=holds)
    if not recent:
        all_tests = _cotinine_tests(ctx, None)
        if all_tests:
            last = all_tests[-1]
            return Check(
                "missing_evidence",
                lambda: f"The last cotinine test ({day(last.on)}) is {elapsed((today - last.on).days)} old; {needs()}.",
                to_record="repeat the cotinine test",
            )
        return Check("missing_evidence", lambda: f"No cotinine test is on file; {needs()}.", to_record="record a cotinine (nicotine) test", changes_on=holds)
    latest = recent[-1]
    if latest.value is None:
        return Check(
            "missing_evidence",
            lambda: f"The cotinine test of {day(latest.on)} has no value recorded; {needs()}.",
            to_record=lambda: f"record the cotinine value of the test of {day(latest.on)}",
            changes_on=holds,
        )

    def result() -> str:
        where = " (in the patient's history)" if latest.reference == HISTORY_REFERENCE else ""
        return f"Cotinine {number(latest.value)} ng/mL on {day(latest.on)}{where}; {needs()}."

    if latest.value > c.max_ng_per_ml:
        return Check("not_met", result, changes_on=holds)
    warnings: tuple[str, ...] = ()
    booked = ctx.planned.planned_on
    if booked is not None and (booked - latest.on).days > c.within_days:
        warnings = (f"The cotinine test of {day(latest.on)} will be older than {plural(c.within_days, 'day')} on the booked date {day(booked)}.",)
    return Check("met", result, warnings=warnings, changes_on=holds)


def steroid_injection_first(c: SteroidInjectionFirstCriterion, ctx: Context) -> Check:
    side = ctx.planned.side

    def holds() -> date | None:
        return ctx.arriving(c.procedures)
    done = [
        p
        for p in ctx.performed(c.procedures)
        if side not in ("left", "right") or p.side in (side, "bilateral", "none")
    ]
    if not done:
        return Check(
            "not_met",
            lambda: f"No {ctx.group_name(c.procedures)} on record{' on the ' + side + ' side' if side in ('left', 'right') else ''}; "
            "this payer wants one tried first.",
            changes_on=holds,
        )
    last = done[-1]
    return Check("met", lambda: f"{sentence(ctx.name(last.kind))} on {day(last.performed_on)}; this payer wants one tried first.", changes_on=holds)


def pain_diagram(c: PainDiagramCriterion, ctx: Context) -> Check:
    """The latest pain diagram charted at a visit (within the window), with at least one region marked."""
    window = _window(c.within_days)

    def holds() -> date | None:
        return window_changes([d.on for d in ctx.facts.pain_diagrams], ctx.today, c.within_days)
    found = [d for d in ctx.facts.pain_diagrams if d.on <= ctx.today
             and (not c.within_days or (ctx.today - d.on).days <= c.within_days)]
    if not found:
        return Check(
            "missing_evidence",
            lambda: f"No pain diagram recorded at a visit{window}; this payer needs one with the painful regions marked.",
            to_record="record the pain diagram on a visit note (the note's Pain diagram page)",
            changes_on=holds,
        )
    latest = max(found, key=lambda d: d.on)
    if not latest.marks:
        return Check(
            "missing_evidence",
            lambda: f"The pain diagram of {day(latest.on)} marks no painful region; this payer needs the painful regions marked.",
            to_record=lambda: f"mark the painful regions on the pain diagram of {day(latest.on)}, or record a new one",
            changes_on=holds,
        )
    return Check("met", lambda: f"Pain diagram of {day(latest.on)}: {plural(len(latest.marks), 'region')} marked.", changes_on=holds)


def shared_decision(c: SharedDecisionCriterion, ctx: Context) -> Check:
    """The latest shared decision about the planned procedure, with every risk the payer names discussed."""
    procedure = ctx.name(ctx.planned.kind)
    names = {r.id: r.name for r in c.risks}

    def holds() -> date | None:  # a conversation dated ahead counts from its day
        return arriving((d.on for d in ctx.facts.shared_decisions), ctx.today)

    def needs() -> str:
        return f"this payer needs the risks of the {procedure} discussed with the patient: {join(names.values())}"

    about = [d for d in ctx.facts.shared_decisions if d.on <= ctx.today and set(d.procedure_options(ctx.planned.kind)) & set(d.options_discussed)]
    if not about:
        return Check(
            "missing_evidence",
            lambda: f"No conversation about the {procedure} is recorded with the patient; {needs()}.",
            to_record=lambda: f"record the shared decision about the {procedure} on the episode page, with the risks discussed",
            changes_on=holds,
        )
    latest = max(about, key=lambda d: d.on)
    discussed = latest.risks_of(latest.procedure_options(ctx.planned.kind))
    missing = [names[r.id] for r in c.risks if r.id not in discussed]
    if missing:
        return Check(
            "missing_evidence",
            lambda: f"The conversation of {day(latest.on)} did not cover: {join(missing)}; {needs()}.",
            to_record=lambda: f"record that {join(missing)} {'was' if len(missing) == 1 else 'were'} discussed with the patient",
            changes_on=holds,
        )
    if latest.choice is not None and latest.choice not in latest.procedure_options(ctx.planned.kind):
        return Check("not_met", lambda: f"On {day(latest.on)} the patient chose not to have the {procedure}; {needs()}.", changes_on=holds)
    return Check("met", lambda: f"Risks discussed with the patient on {day(latest.on)}: {join(names.values())}.", changes_on=holds)


CHECKS: dict[str, Callable[..., Check]] = {
    "pain_duration": pain_duration,
    "conservative_care": conservative_care,
    "imaging": imaging,
    "diagnostic_blocks": diagnostic_blocks,
    "frequency_limit": frequency_limit,
    "min_interval": min_interval,
    "prior_response": prior_response,
    "levels_per_session": levels_per_session,
    "score_required": score_required,
    "exam_finding": exam_finding,
    "documents": documents,
    "psych_eval": psych_eval,
    "nicotine_test": nicotine_test,
    "steroid_injection_first": steroid_injection_first,
    "pain_diagram": pain_diagram,
    "shared_decision": shared_decision,
}
