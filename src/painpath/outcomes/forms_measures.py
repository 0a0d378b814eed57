"""Forms measure: forms turnaround, received to sent, in business days on the clinic's calendar.

Reads form_request and clinic read-only (a read model, as DESIGN.md allows): one batch query.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.tenancy import Clinic
from painpath.outcomes.authorization_measures import local_days
from painpath.outcomes.measures import Figure, Filters, Row, register_measure
from painpath.outcomes.ops_queries import bar_chart, episode_conditions, ignored_words, mean, median, rounded, share
from painpath.paperwork.form_models import FormRequest

IGNORED = ("procedure",)
REQUESTER_WORDS = {"employer": "Employers", "insurer": "Insurers"}


class FormsTurnaround:
    id = "forms_turnaround"
    title = "Forms turnaround"
    group = "operational"
    definition = (
        "For each form request received in the period (the anchor is the day the form was received): the business "
        "days, on the clinic's calendar, from the day it was received to the day it was sent. A form is on target "
        "when it was sent by its target day (the clinic's forms turnaround target, set when it was received) and "
        "within its deadline when it was sent by the form's own deadline (only forms that have one count there). "
        "Grouped by who asked (employers, insurers). Cancelled requests are excluded; forms not sent yet are shown "
        "apart (censored), not in the median, mean or shares. " + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        found = session.connection().execute(
            select(FormRequest.episode_id, FormRequest.requester_kind, FormRequest.received_on, FormRequest.sent_at,
                   FormRequest.target_on, FormRequest.deadline_on)
            .where(FormRequest.clinic_id == clinic_id, FormRequest.status != "cancelled",
                   FormRequest.received_on >= filters.period_from, FormRequest.received_on <= filters.period_to,
                   *episode_conditions(filters, FormRequest.episode_id, clinic_id=clinic_id, ignore=IGNORED))).all()
        target_days = session.scalar(select(Clinic.forms_turnaround_days).where(Clinic.id == clinic_id))
        rows, medians, on_target = [], [], []
        local, known = local_days(calendar), {}

        def business_days(start, end):  # noqa: ANN001, ANN202 - remembered per pair: the calendar walks day by day
            if (start, end) not in known:
                known[(start, end)] = calendar.business_days_between(start, end)
            return known[(start, end)]

        sent_on = {i: local(f.sent_at) for i, f in enumerate(found) if f.sent_at is not None}
        for kind in ("all", "employer", "insurer"):
            group = [(i, f) for i, f in enumerate(found) if kind == "all" or f.requester_kind == kind]
            if kind != "all" and not group:
                continue
            sent = [(f, sent_on[i]) for i, f in group if i in sent_on]
            group = [f for _i, f in group]
            days = sorted(business_days(f.received_on, on) for f, on in sent)
            by_target = sum(1 for f, on in sent if on <= f.target_on)
            with_deadline = [(f, on) for f, on in sent if f.deadline_on is not None]
            by_deadline = sum(1 for f, on in with_deadline if on <= f.deadline_on)
            rows.append(Row(
                key=kind,
                cells=("All forms" if kind == "all" else REQUESTER_WORDS.get(kind, kind), len(group), len(sent),
                       rounded(median(days)), rounded(mean(days)), share(by_target, len(sent)),
                       share(by_deadline, len(with_deadline)), len(group) - len(sent)),
                episode_ids=tuple(sorted({f.episode_id for f in group}))))
            if kind != "all":
                medians.append(rounded(median(days)))
                on_target.append(share(by_target, len(sent)))
        notes = [f"The clinic's target: {target_days} business days." if target_days else "The clinic has no turnaround target set; each form's target day applies."]
        if rows and rows[0].cells[7]:
            notes.append(f"{rows[0].cells[7]} forms not sent yet: censored, not in the median, mean or shares.")
        return Figure(
            measure_id=self.id, title=self.title, definition=self.definition,
            columns=("Requested by", "Forms received", "Sent", "Median business days", "Mean business days",
                     "Sent on target %", "Sent by deadline %", "Not sent yet"),
            rows=tuple(rows),
            chart=bar_chart("Requested by", "Business days", [r.cells[0] for r in rows if r.key != "all"],
                            {"Median business days": medians}),
            notes=tuple(notes), extra={"target_days": target_days})


register_measure(FormsTurnaround())
