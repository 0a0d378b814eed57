"""The share of episodes reaching the minimal important change on ODI, NDI and PEG, by pathway and by plan step.

Whether a change reaches the minimal important change is `charting.scoring.change`, the rule the instrument pages
and the plan evaluation use (the instrument pack's MIC: points or percent of the baseline). The baseline is the
plan's rule for an instrument-change measure (plans/rules.py): the last score on or before the start, else the
first score inside the window when another follows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from painpath.charting import scoring
from painpath.outcomes import clinical_queries
from painpath.outcomes.clinical_queries import ScoreFact
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure

INSTRUMENTS = ("odi", "ndi", "peg")
_UNKNOWN = object()


class Window(NamedTuple):
    episode_id: int
    pathway_id: str
    step_id: str | None  # None: the whole plan
    started_on: date
    ended_on: date | None


def baseline_and_latest(scores: Sequence[ScoreFact], window: Window) -> tuple[ScoreFact, ScoreFact] | None:
    """The baseline and the latest score of one instrument for one window (scores in day order); None without a pair."""
    ordered = scores  # by day (tally sorts them once per episode)
    before = [s for s in ordered if s.on <= window.started_on]
    during = [s for s in ordered if window.started_on < s.on and (window.ended_on is None or s.on <= window.ended_on)]
    if before:
        baseline, later = before[-1], during
    elif len(during) > 1:
        baseline, later = during[0], during[1:]
    else:
        return None
    return (baseline, later[-1]) if later else None


@dataclass(frozen=True)
class Tally:
    measured: tuple[int, ...]
    reached: tuple[int, ...]
    not_measurable: tuple[int, ...]


def tally(windows: Sequence[Window], scores: Mapping[int, Sequence[ScoreFact]], instruments: Mapping) -> dict[tuple[str, str | None, str], Tally]:
    """(pathway, step or None, instrument) -> the episodes measured, those reaching the MIC, those not measurable.
    Each episode's scores come in time order (clinical_queries orders them by administration time)."""
    found: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: {"measured": set(), "reached": set(), "none": set()})
    wanted = {i: instruments[i] for i in INSTRUMENTS if i in instruments}
    by_instrument: dict[int, dict[str, list[ScoreFact]]] = {}
    answers: dict[tuple, bool | None] = {}  # None: no baseline and later score in that window
    changes: dict[tuple[str, float, float], bool] = {}  # (instrument, baseline, latest) -> reached the MIC
    for window in windows:
        episode_id = window.episode_id
        own_scores = by_instrument.get(episode_id)
        if own_scores is None:  # once per episode: its scores by instrument, in day order (as the query gives them)
            own_scores = by_instrument[episode_id] = defaultdict(list)
            for score in scores.get(episode_id, ()):
                if score.instrument_id in wanted:
                    own_scores[score.instrument_id].append(score)
        for instrument_id, own in own_scores.items():  # an instrument never scored says nothing about the pathway
            cell = found[(window.pathway_id, window.step_id, instrument_id)]
            # A plan's first step usually spans the plan's own window: the answer is worked out once for both.
            key = (episode_id, instrument_id, window.started_on, window.ended_on)
            reached = answers.get(key, _UNKNOWN)
            if reached is _UNKNOWN:
                pair = baseline_and_latest(own, window)
                if pair is None:
                    reached = None
                else:  # scores are small whole numbers: thousands of episodes share a handful of (baseline, latest) pairs
                    change = (instrument_id, pair[0].total, pair[1].total)
                    reached = changes.get(change)
                    if reached is None:
                        reached = changes[change] = scoring.change(wanted[instrument_id], baseline=change[1], current=change[2]).reached_mic
                answers[key] = reached
            if reached is None:
                cell["none"].add(episode_id)
                continue
            cell["measured"].add(episode_id)
            if reached:
                cell["reached"].add(episode_id)
    return {k: Tally(tuple(sorted(v["measured"])), tuple(sorted(v["reached"])), tuple(sorted(v["none"] - v["measured"])))
            for k, v in found.items()}


COLUMNS = ("Pathway", "Step", "Instrument", "Episodes measured", "Reached the minimal important change", "Share reached (%)",
           "No baseline or no later score")


class MinimalImportantChange:
    id = "mic_share"
    title = "Patients reaching a meaningful improvement (ODI, NDI, PEG)"
    group = "clinical"
    definition = (
        "For each care plan started in the period, and for each step of it: the share of episodes whose latest ODI, "
        "NDI or PEG score improved on the baseline by at least the instrument's minimal important change. The baseline "
        "is the last score on or before the plan or step started (else the first score after it, when a later one "
        "follows); the latest score is the last one before the step's outcome was decided or the plan ended (or to "
        "date). Episodes without a baseline and a later score are counted apart. Filters: period (plan start), "
        "pathway, payer, clinician, location; the procedure filter does not apply.")

    def compute(self, session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:  # noqa: ANN001
        plans, steps, scores = clinical_queries.plans_steps_scores(session, clinic_id=clinic_id, filters=filters,
                                                                   instrument_ids=INSTRUMENTS, calendar=calendar)
        pathway_of = {p.id: p.pathway_id for p in plans}
        windows = [Window(p.episode_id, p.pathway_id, None, p.started_on, p.ended_on) for p in plans]
        windows += [Window(s.episode_id, pathway_of[s.plan_id], s.step_id, s.started_on, s.decided_on) for s in steps]
        return figure(tally(windows, scores, knowledge.instruments), knowledge)


def figure(tallies: Mapping[tuple[str, str | None, str], Tally], knowledge) -> Figure:  # noqa: ANN001
    def pathway_name(pathway_id: str) -> str:
        pathway = knowledge.pathways.get(pathway_id)
        return pathway.name if pathway else pathway_id

    def step_name(pathway_id: str, step_id: str | None) -> str:
        if step_id is None:
            return "Whole plan"
        pathway = knowledge.pathways.get(pathway_id)
        step = next((s for s in pathway.steps if s.id == step_id), None) if pathway else None
        return step.name if step else step_id

    def instrument_name(instrument_id: str) -> str:
        instrument = knowledge.instruments.get(instrument_id)
        return instrument.name if instrument else instrument_id

    order = sorted(tallies, key=lambda k: (pathway_name(k[0]), k[1] is not None, step_name(k[0], k[1]), INSTRUMENTS.index(k[2])))
    rows = []
    for key in order:
        t = tallies[key]
        share = round(100 * len(t.reached) / len(t.measured), 1) if t.measured else None
        rows.append(Row(key="|".join((key[0], key[1] or "plan", key[2])), episode_ids=tuple(sorted({*t.measured, *t.not_measurable})),
                        cells=(pathway_name(key[0]), step_name(key[0], key[1]), instrument_name(key[2]), len(t.measured),
                               len(t.reached), share, len(t.not_measurable))))
    plan_keys = [k for k in order if k[1] is None]
    pathways = tuple(dict.fromkeys(k[0] for k in plan_keys))
    series = []
    for instrument_id in INSTRUMENTS:
        values = []
        for pathway_id in pathways:
            t = tallies.get((pathway_id, None, instrument_id))
            values.append(round(100 * len(t.reached) / len(t.measured), 1) if t and t.measured else None)
        if any(v is not None for v in values):
            series.append(Series(instrument_name(instrument_id), tuple(values)))
    chart = Chart(kind="bar", x_label="Pathway", y_label="Share reaching the minimal important change (%)",
                  x=tuple(pathway_name(p) for p in pathways), series=tuple(series)) if series else None
    return Figure(measure_id=MinimalImportantChange.id, title=MinimalImportantChange.title,
                  definition=MinimalImportantChange.definition, columns=COLUMNS, rows=tuple(rows), chart=chart)


register_measure(MinimalImportantChange())
