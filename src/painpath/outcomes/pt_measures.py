"""PT progression: the change in function per PT visit attended, per PT protocol.

PT visit notes (encounters of type pt_visit) record the visit; function is measured by the episode's disability
instruments (ODI, NDI, LEFS), which the therapist or the patient scores. The change is direction-adjusted
(positive: better), so ODI and NDI falls and LEFS rises read the same way; each instrument has its own rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from painpath.outcomes import clinical_queries
from painpath.outcomes.clinical_queries import ScoreFact
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure

INSTRUMENTS = ("odi", "ndi", "lefs")


@dataclass(frozen=True)
class Progress:
    instrument_id: str
    gain: float  # points better, last against first (negative: worse)
    visits: int

    @property
    def per_visit(self) -> float:
        return self.gain / self.visits


def course_progress(start: date, visits: Sequence[date], scores: Sequence[ScoreFact], directions: Mapping[str, str]) -> Progress | None:
    """One course's function change per visit, or None without two visits and a score pair.

    The visits are the PT visit notes from the course's start on. The first score is the last one on or before the
    first visit (else the first one after it); the last score is the last one on or before the last visit and after
    the first score. The instrument is the first of ODI, NDI, LEFS with such a pair."""
    attended = sorted(v for v in visits if v >= start)
    if len(attended) < 2:
        return None
    first_visit, last_visit = attended[0], attended[-1]
    for instrument_id in INSTRUMENTS:
        own = sorted((s for s in scores if s.instrument_id == instrument_id and s.on <= last_visit), key=lambda s: s.on)
        before = [s for s in own if s.on <= first_visit]
        first = before[-1] if before else next((s for s in own if s.on > first_visit), None)
        if first is None:
            continue
        later = [s for s in own if s.on > first.on and s.on > first_visit]
        if not later:
            continue
        delta = later[-1].total - first.total
        gain = -delta if directions.get(instrument_id) == "lower_is_better" else delta
        return Progress(instrument_id, gain, len(attended))
    return None


COLUMNS = ("PT protocol", "Instrument", "Courses measured", "Median points better per visit", "Mean points better per visit",
           "Median visits")


class PtProgression:
    id = "pt_progression"
    title = "Function gained per PT visit"
    group = "clinical"
    definition = (
        "For each PT course started in the period (cancelled courses left out) with at least two PT visit notes: the "
        "change in the episode's ODI, NDI or LEFS score (the first of them scored at both ends) between the score "
        "at the first PT visit (the last one on or before it, else the first after it) and the last score on or "
        "before the last PT visit, counted as points better, divided by the PT visits attended; per PT protocol. "
        "Filters: period (course start), payer, pathway, clinician, location; the procedure filter does not apply.")

    def compute(self, session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:  # noqa: ANN001
        courses, visits, scores = clinical_queries.pt_courses_visits_scores(session, clinic_id=clinic_id, filters=filters,
                                                                            instrument_ids=INSTRUMENTS, calendar=calendar)
        directions = {i: knowledge.instruments[i].direction for i in INSTRUMENTS if i in knowledge.instruments}
        found: dict[tuple[str, str], list[tuple[int, Progress]]] = defaultdict(list)
        unmeasured = 0
        for course in courses:
            progress = course_progress(course.start_date, visits.get(course.episode_id, ()), scores.get(course.episode_id, ()), directions)
            if progress is None:
                unmeasured += 1
            else:
                found[(course.protocol_id, progress.instrument_id)].append((course.episode_id, progress))
        return figure(found, knowledge, unmeasured=unmeasured)


def figure(found: Mapping[tuple[str, str], Sequence[tuple[int, Progress]]], knowledge, *, unmeasured: int = 0) -> Figure:  # noqa: ANN001
    def protocol_name(protocol_id: str) -> str:
        protocol = knowledge.pt_protocols.get(protocol_id)
        return protocol.name if protocol else protocol_id

    def instrument_name(instrument_id: str) -> str:
        instrument = knowledge.instruments.get(instrument_id)
        return instrument.name if instrument else instrument_id

    rows = []
    for key in sorted(found, key=lambda k: (protocol_name(k[0]), INSTRUMENTS.index(k[1]))):
        per_visit = [p.per_visit for _, p in found[key]]
        rows.append(Row(key=f"{key[0]}|{key[1]}", episode_ids=tuple(sorted({e for e, _ in found[key]})), cells=(
            protocol_name(key[0]), instrument_name(key[1]), len(per_visit), round(statistics.median(per_visit), 2),
            round(statistics.fmean(per_visit), 2), statistics.median(p.visits for _, p in found[key]))))
    chart = Chart(kind="bar", x_label="PT protocol and instrument", y_label="Median points better per visit",
                  x=tuple(f"{r.cells[0]} ({r.cells[1]})" for r in rows),
                  series=(Series("Median points better per visit", tuple(r.cells[3] for r in rows)),)) if rows else None
    notes = (f"{unmeasured} course{'s' if unmeasured != 1 else ''} without two PT visits and a score at both ends left out",) if unmeasured else ()
    return Figure(measure_id=PtProgression.id, title=PtProgression.title, definition=PtProgression.definition, columns=COLUMNS,
                  rows=tuple(rows), chart=chart, notes=notes)


register_measure(PtProgression())
