"""Records measure: outside records requested to received, by the prior provider's kind.

Reads records_request and prior_provider read-only (a read model, as DESIGN.md allows): one batch query.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.intake.records.models import PriorProvider, RecordsRequest
from painpath.outcomes.measures import Figure, Filters, Row, register_measure
from painpath.outcomes.ops_queries import (
    bar_chart,
    episode_conditions,
    hours_between,
    ignored_words,
    mean,
    median,
    period_bounds_utc,
    rounded,
    share,
)

KINDS = ("physician", "imaging_center", "hospital", "therapy", "other")
KIND_WORDS = {"physician": "Physician", "imaging_center": "Imaging center", "hospital": "Hospital", "therapy": "Therapy",
              "other": "Other"}
IGNORED = ("procedure",)


class RecordsTurnaround:
    id = "records_turnaround"
    title = "Records requested to received"
    group = "operational"
    definition = (
        "For each records request sent in the period (the anchor is the day it was sent, on the clinic's calendar): "
        "the days from sending to the first document filed against it (the request's received time). Grouped by the "
        "kind of prior provider asked (physician, imaging center, hospital, therapy, other). Requests never sent "
        "(drafts, failed sends) are excluded. Requests with nothing received yet are shown as outstanding, with their "
        "share of the requests sent; they are left out of the median and mean (censored: their wait is still running). "
        + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        start, end = period_bounds_utc(filters, calendar)
        found = session.connection().execute(
            select(RecordsRequest.episode_id, RecordsRequest.sent_at, RecordsRequest.received_at, PriorProvider.kind)
            .join(PriorProvider, PriorProvider.id == RecordsRequest.provider_id)
            .where(RecordsRequest.clinic_id == clinic_id, RecordsRequest.sent_at.is_not(None),
                   RecordsRequest.sent_at >= start, RecordsRequest.sent_at < end,
                   *episode_conditions(filters, RecordsRequest.episode_id, clinic_id=clinic_id, ignore=IGNORED))).all()
        by_kind: dict[str, list] = {"all": found}  # one pass: each request under its kind (an unknown kind is "other")
        for f in found:
            by_kind.setdefault(f.kind if f.kind in KINDS else "other", []).append(f)
        rows, medians, outstanding_shares = [], [], []
        for kind in ("all", *KINDS):
            group = by_kind.get(kind, [])
            if kind != "all" and not group:
                continue
            days = sorted(hours_between(f.sent_at, f.received_at) / 24.0 for f in group if f.received_at is not None)
            outstanding = len(group) - len(days)
            rows.append(Row(key=kind, cells=("All providers" if kind == "all" else KIND_WORDS[kind], len(group), len(days),
                                             rounded(median(days)), rounded(mean(days)), outstanding, share(outstanding, len(group))),
                            episode_ids=tuple(sorted({f.episode_id for f in group}))))
            if kind != "all":
                medians.append(rounded(median(days)))
                outstanding_shares.append(share(outstanding, len(group)))
        waiting = rows[0].cells[5] if rows else 0
        return Figure(
            measure_id=self.id, title=self.title, definition=self.definition,
            columns=("Provider kind", "Requests sent", "Received", "Median days", "Mean days", "Outstanding", "Outstanding %"),
            rows=tuple(rows),
            chart=bar_chart("Provider kind", "Days", [r.cells[0] for r in rows if r.key != "all"], {"Median days": medians}),
            notes=(f"{waiting} requests still outstanding: censored, not in the median or mean.",) if waiting else ())


register_measure(RecordsTurnaround())
