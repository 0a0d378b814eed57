"""The authorization measures: how fast the clinic submits once a patient is eligible, how fast payers answer,
and how often they deny and what peer-to-peer calls and appeals change. Each is defined once here, with the
definition in words that the dashboard shows beside it; the facts are the authorizations slice's cases and
their history (read in outcomes/queries.py), the same ones its engine and pages read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import mean, median
from typing import Any

from sqlalchemy.orm import Session

from painpath.outcomes import queries
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure

APPROVALS = ("approve", "partially_approve")


def _payer(knowledge: Any, payer_id: str) -> str:  # noqa: ANN401
    found = getattr(knowledge, "payers", {}).get(payer_id)
    return found.name if found else payer_id


def _procedure(knowledge: Any, procedure_id: str) -> str:  # noqa: ANN401
    found = getattr(knowledge, "procedures", {}).get(procedure_id)
    return found.name if found else procedure_id


def _one(value: float) -> float:
    return round(float(value), 1)


def _by_payer_and_procedure(cases, knowledge):  # noqa: ANN001, ANN202
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for case in cases:
        groups[(case.payer_id, case.procedure_id)].append(case)
    named = {key: (_payer(knowledge, key[0]), _procedure(knowledge, key[1])) for key in groups}
    return [(key, named[key], groups[key]) for key in sorted(groups, key=lambda k: named[k])]


@dataclass(frozen=True)
class EligibilityToSubmission:
    id: str = "authorization_eligibility_to_submission"
    title: str = "Days from eligibility to submission"
    definition: str = (
        "For each prior authorization submitted, the calendar days from the day the patient became eligible "
        "(as the criteria engine gave it when the case was submitted) to the day it was submitted, on the "
        "clinic's calendar; 0 means submitted the day the patient became eligible. Counted by payer and "
        "procedure for cases whose eligibility day falls in the period.")
    group: str = "operational"

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge: Any, calendar: Any) -> Figure:  # noqa: ANN401
        cases = queries.cases_eligible_in(session, clinic_id=clinic_id, filters=filters)
        rows, labels, medians, means = [], [], [], []
        local = local_days(calendar)
        for (payer_id, procedure_id), (payer, procedure), group in _by_payer_and_procedure(cases, knowledge):
            days = [(local(c.submitted_at) - c.eligible_on).days for c in group]
            same_day = sum(1 for d in days if d <= 0)
            rows.append(Row(key=f"{payer_id}|{procedure_id}",
                            cells=(payer, procedure, len(days), _one(median(days)), _one(mean(days)), same_day),
                            episode_ids=tuple(sorted({c.episode_id for c in group}))))
            labels.append(f"{payer} · {procedure}")
            medians.append(_one(median(days)))
            means.append(_one(mean(days)))
        chart = Chart("bar", "Payer and procedure", "Days", tuple(labels),
                      (Series("Median days", tuple(medians)), Series("Mean days", tuple(means)))) if rows else None
        return Figure(self.id, self.title, self.definition,
                      ("Payer", "Procedure", "Cases", "Median days", "Mean days", "Submitted on the day"), tuple(rows), chart)


@dataclass(frozen=True)
class SubmissionToDecision:
    id: str = "authorization_submission_to_decision"
    title: str = "Time from submission to the payer's decision"
    definition: str = (
        "For each prior authorization submitted in the period, the time from its submission to the payer's first "
        "decision (approved, partially approved or denied), in business days on the clinic's calendar and in "
        "hours. Counted by payer and procedure; cases still waiting for a first decision are counted apart.")
    group: str = "operational"

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge: Any, calendar: Any) -> Figure:  # noqa: ANN401
        cases = queries.cases_submitted_in(session, clinic_id=clinic_id, filters=filters, calendar=calendar)
        history = queries.case_actions(session, clinic_id=clinic_id, filters=filters, calendar=calendar)
        firsts = {case_id: next((at for at, a in lines if a in queries.DECISION_ACTIONS), None) for case_id, lines in history.items()}
        decided = [(c, firsts[c.case_id]) for c in cases if firsts.get(c.case_id) is not None]
        waiting = len(cases) - len(decided)
        rows, labels, medians = [], [], []
        first = {c.case_id: at for c, at in decided}
        between = _business_days(calendar)
        for (payer_id, procedure_id), (payer, procedure), group in _by_payer_and_procedure([c for c, _ in decided], knowledge):
            business = [between(c.submitted_at, first[c.case_id]) for c in group]
            hours = [max(0.0, (first[c.case_id] - c.submitted_at).total_seconds() / 3600) for c in group]
            rows.append(Row(key=f"{payer_id}|{procedure_id}",
                            cells=(payer, procedure, len(group), _one(median(business)), _one(mean(business)), _one(median(hours))),
                            episode_ids=tuple(sorted({c.episode_id for c in group}))))
            labels.append(f"{payer} · {procedure}")
            medians.append(_one(median(business)))
        chart = Chart("bar", "Payer and procedure", "Business days", tuple(labels),
                      (Series("Median business days", tuple(medians)),)) if rows else None
        notes = (f"{waiting} case{'s' if waiting != 1 else ''} submitted in the period still wait{'s' if waiting == 1 else ''} "
                 "for the payer's first decision.",) if waiting else ()
        return Figure(self.id, self.title, self.definition,
                      ("Payer", "Procedure", "Decided", "Median business days", "Mean business days", "Median hours"),
                      tuple(rows), chart, notes)


def local_days(calendar: Any):  # noqa: ANN401, ANN202
    """calendar.local_date, remembered per quarter hour of UTC: every time zone's offset and every daylight-saving
    change is a whole number of quarter hours, so a local day never changes inside one; thousands of cases fall
    in a few thousand quarters."""
    known: dict = {}
    local = calendar.local_date

    def day(moment: Any) -> Any:  # noqa: ANN401
        quarter = (moment.year, moment.month, moment.day, moment.hour, moment.minute // 15)
        found = known.get(quarter)
        if found is None:
            found = known[quarter] = local(moment)
        return found
    return day


def _business_days(calendar: Any):  # noqa: ANN401, ANN202
    """calendar.business_days_between of two moments' local days, remembered per pair of days: thousands of cases
    share a few hundred pairs, and the calendar walks day by day."""
    known: dict = {}
    local = local_days(calendar)

    def between(start: Any, end: Any) -> int:  # noqa: ANN401
        pair = (local(start), local(end))
        if pair not in known:
            known[pair] = calendar.business_days_between(*pair)
        return known[pair]
    return between


def escalation_outcome(actions: list[tuple[Any, str]], state: str) -> str:
    """What a peer-to-peer or appeal led to: the payer's last decision after the first escalation
    ("overturned" when it approved, "upheld" when it denied again), or "waiting"."""
    escalated = next((i for i, (_, a) in enumerate(actions) if a in queries.ESCALATION_ACTIONS), None)
    if escalated is None:
        return ""
    after = [a for _, a in actions[escalated + 1:] if a in queries.DECISION_ACTIONS]
    if not after:
        return "waiting"
    return "overturned" if after[-1] in APPROVALS else "upheld"


@dataclass(frozen=True)
class DenialsAndEscalations:
    id: str = "authorization_denials_and_escalations"
    title: str = "Denials, peer-to-peer calls and appeals"
    definition: str = (
        "Of the prior authorizations submitted in the period that the payer has decided: the share whose first "
        "decision was a denial (or a partial approval); of those, the share taken to a peer-to-peer call and the "
        "share appealed; and what followed: overturned (the payer's latest decision after the peer-to-peer or "
        "appeal approved the procedure), upheld (denied again) or still waiting. By payer, with all payers together.")
    group: str = "operational"

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge: Any, calendar: Any) -> Figure:  # noqa: ANN401
        cases = queries.cases_submitted_in(session, clinic_id=clinic_id, filters=filters, calendar=calendar)
        history = queries.case_actions(session, clinic_id=clinic_id, filters=filters, calendar=calendar)
        by_payer: dict[str, list] = defaultdict(list)
        for case in cases:
            actions = history.get(case.case_id, [])
            first = next((a for _, a in actions if a in queries.DECISION_ACTIONS), None)
            if first is None:
                continue
            done = {a for _, a in actions}
            by_payer[case.payer_id].append((case, first != "approve", "schedule_peer_to_peer" in done, "appeal" in done,
                                            escalation_outcome(actions, case.state)))
        rows, labels, denial, p2p, appeal = [], [], [], [], []

        def row(key: str, name: str, items: list) -> Row:
            decided = len(items)
            denied = [i for i in items if i[1]]
            peer = sum(1 for i in denied if i[2])
            appealed = sum(1 for i in denied if i[3])
            outcomes = [i[4] for i in denied if i[4]]
            return Row(key=key, cells=(name, decided, len(denied), _pct(len(denied), decided), peer, _pct(peer, len(denied)),
                                       appealed, _pct(appealed, len(denied)), outcomes.count("overturned"),
                                       outcomes.count("upheld"), outcomes.count("waiting")),
                       episode_ids=tuple(sorted({i[0].episode_id for i in items})))

        for payer_id in sorted(by_payer, key=lambda p: _payer(knowledge, p)):
            made = row(payer_id, _payer(knowledge, payer_id), by_payer[payer_id])
            rows.append(made)
            labels.append(made.cells[0])
            denial.append(made.cells[3])
            p2p.append(made.cells[5])
            appeal.append(made.cells[7])
        if len(rows) > 1:
            rows.append(row("all", "All payers", [i for items in by_payer.values() for i in items]))
        chart = Chart("bar", "Payer", "Percent", tuple(labels),
                      (Series("Denied (%)", tuple(denial)), Series("Peer-to-peer (% of denials)", tuple(p2p)),
                       Series("Appealed (% of denials)", tuple(appeal)))) if rows else None
        return Figure(self.id, self.title, self.definition,
                      ("Payer", "Decided", "Denied", "Denial rate %", "Peer-to-peer", "Peer-to-peer rate %", "Appealed",
                       "Appeal rate %", "Overturned", "Upheld", "Waiting"), tuple(rows), chart)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


ELIGIBILITY_TO_SUBMISSION = register_measure(EligibilityToSubmission())
SUBMISSION_TO_DECISION = register_measure(SubmissionToDecision())
DENIALS_AND_ESCALATIONS = register_measure(DenialsAndEscalations())
