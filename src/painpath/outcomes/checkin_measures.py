"""Check-in measure: adherence, of the check-ins whose window closed in the period, the share done.

The schedule is the check-in slice's own (painpath.checkins.service.schedule_of: the check-ins the dated facts
owe, with what staff recorded against each); the only query here selects the matching episodes (a read model, as
DESIGN.md allows), handed to the slice as a subquery. One batch schedule call for all of them, read as plain
rows (checkins.facts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.checkins import service as checkins
from painpath.checkins.schedule import ScheduledCheckin
from painpath.core.clock import utcnow
from painpath.outcomes.measures import Figure, Filters, Row, register_measure
from painpath.outcomes.ops_queries import bar_chart, episode_conditions, ignored_words, share
from painpath.patients.models import Episode

KINDS = ("after_procedure", "pt_block", "taper", "weekly_scores")
KIND_WORDS = {"after_procedure": "After a procedure", "pt_block": "During a PT course", "taper": "During a taper",
              "weekly_scores": "Weekly questionnaires"}
IGNORED = ("procedure",)


def outcome(checkin: ScheduledCheckin, last_closed: date) -> str | None:
    """How a check-in ended, once its window closed on or before `last_closed`: 'in_window' (done by the
    window's last day), 'late' (done after it), 'missed' (not done); None when it does not count (its window
    has not closed, or it was cancelled)."""
    if checkin.status == "cancelled" or checkin.due_on > last_closed:
        return None
    if checkin.status == "done" and checkin.done_on is not None:
        return "in_window" if checkin.done_on <= checkin.due_on else "late"
    return "missed"


def closed_in_period(checkins: Sequence[ScheduledCheckin], filters: Filters, today: date) -> list[tuple[ScheduledCheckin, str]]:
    """The check-ins whose window's last day falls in the period and before `today`, each with its outcome."""
    last_closed = min(filters.period_to, today - timedelta(days=1))
    found = []
    for c in checkins:
        if c.due_on < filters.period_from:
            continue
        result = outcome(c, last_closed)
        if result is not None:
            found.append((c, result))
    return found


class CheckinAdherence:
    id = "checkin_adherence"
    title = "Check-in adherence"
    group = "operational"
    definition = (
        "Of the check-ins whose window closed in the period (the anchor is the window's last day, or the new day "
        "given after a miss, and only days before today), the share done: in the window, or late (a check-in note "
        "written after the window), against missed (nothing by today). Grouped by kind: after a procedure, during a "
        "PT course, during a taper, weekly questionnaires. Cancelled check-ins are excluded, and so are episodes "
        "already closed (the check-in schedule covers open episodes). " + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        today = calendar.local_date(utcnow())
        episodes = select(Episode.id, Episode.clinic_id, Episode.patient_id).where(
            Episode.clinic_id == clinic_id, Episode.status == "open",
            *episode_conditions(filters, Episode.id, clinic_id=clinic_id, ignore=IGNORED))
        scheduled = checkins.schedule_of(session, episodes=episodes, knowledge=knowledge, calendar=calendar, today=today)
        closed = closed_in_period([c for found in scheduled.values() for c in found], filters, today)
        rows, done_shares = [], []
        for kind in ("all", *KINDS):
            group = [(c, r) for c, r in closed if kind == "all" or c.kind == kind]
            if kind != "all" and not group:
                continue
            in_window = sum(1 for _c, r in group if r == "in_window")
            late = sum(1 for _c, r in group if r == "late")
            missed = sum(1 for _c, r in group if r == "missed")
            rows.append(Row(key=kind, cells=("All check-ins" if kind == "all" else KIND_WORDS[kind], len(group), in_window, late,
                                             missed, share(in_window + late, len(group)), share(in_window, len(group))),
                            episode_ids=tuple(sorted({c.episode_id for c, _r in group}))))
            if kind != "all":
                done_shares.append(share(in_window + late, len(group)))
        return Figure(
            measure_id=self.id, title=self.title, definition=self.definition,
            columns=("Kind", "Windows closed", "Done in window", "Done late", "Missed", "Done %", "Done in window %"),
            rows=tuple(rows),
            chart=bar_chart("Kind", "% done", [r.cells[0] for r in rows if r.key != "all"], {"Done %": done_shares}))


register_measure(CheckinAdherence())
