"""The raw-SQL floor of every outcomes measure, for `bench.outcomes_bench`.

A floor reads the rows its measure reads, for the same clinic and period, with the driver's cursor (psycopg or
sqlite3) as tuples, and groups them in plain Python into the same aggregate: counts, sums and day differences
per group. It does the least arithmetic the aggregate needs: no medians or Kaplan-Meier fit, no business calendar,
no clinic-local days (UTC dates), no ORM. The numbers the measure needs from the packs (the minimal important
change, the relief threshold) are read once, before timing.

Each floor is `floor(cursor, q) -> aggregate`; reads the authorization measures share on the page (the cases
submitted in the period and their history) are shared here the same way, through `q.memo`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime



@dataclass
class Query:
    mark: str  # the driver's placeholder: "?" (sqlite3) or "%s" (psycopg)
    clinic_id: int
    period_from: date
    period_to: date
    start_utc: datetime  # the period's first local day, as UTC
    end_utc: datetime  # the day after its last, as UTC
    mic: dict[str, tuple[str, float | None, float | None]]  # instrument -> (direction, points, percent of baseline)
    relief_threshold: float
    memo: dict = field(default_factory=dict)

    def run(self, cursor, sql: str, *params) -> list[tuple]:  # noqa: ANN001
        cursor.execute(sql.format(p=self.mark), params)
        return cursor.fetchall()

    def days(self) -> tuple[int, date, date]:
        return self.clinic_id, self.period_from, self.period_to

    def moments(self) -> tuple[int, datetime, datetime]:
        return self.clinic_id, self.start_utc, self.end_utc


def as_date(value) -> date:  # noqa: ANN001 - sqlite3 gives dates and times as text
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def as_datetime(value) -> datetime:  # noqa: ANN001
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _hours(start, end) -> float:  # noqa: ANN001
    return (as_datetime(end) - as_datetime(start)).total_seconds() / 3600


def _groups() -> defaultdict:
    return defaultdict(lambda: [0, 0, 0.0])  # [items, with a value, sum of values]


# --- authorizations ---------------------------------------------------------------------------------------

def _submitted(cursor, q: Query) -> tuple[list, dict]:  # noqa: ANN001
    if "submitted" not in q.memo:
        cases = q.run(cursor, "SELECT id, payer_id, procedure_id, episode_id, submitted_at FROM authorization_case "
                              "WHERE clinic_id = {p} AND submitted_at >= {p} AND submitted_at < {p}", *q.moments())
        actions: dict = defaultdict(list)
        for case_id, at, action in q.run(cursor,
                "SELECT e.case_id, e.at, e.action FROM authorization_case_event e JOIN authorization_case c ON c.id = e.case_id "
                "WHERE c.clinic_id = {p} AND c.submitted_at >= {p} AND c.submitted_at < {p} AND e.action IN "
                "('approve', 'partially_approve', 'deny', 'schedule_peer_to_peer', 'appeal') ORDER BY e.case_id, e.at, e.id", *q.moments()):
            actions[case_id].append((at, action))
        q.memo["submitted"] = (cases, actions)
    return q.memo["submitted"]


def eligibility_to_submission(cursor, q: Query) -> dict:  # noqa: ANN001
    groups: dict = defaultdict(lambda: [0, 0, set()])
    for payer, procedure, episode, eligible, submitted in q.run(cursor,
            "SELECT payer_id, procedure_id, episode_id, eligible_on_at_submission, submitted_at FROM authorization_case "
            "WHERE clinic_id = {p} AND submitted_at IS NOT NULL AND eligible_on_at_submission BETWEEN {p} AND {p}", *q.days()):
        g = groups[(payer, procedure)]
        g[0] += 1
        g[1] += (as_date(submitted) - as_date(eligible)).days
        g[2].add(episode)
    return {k: (n, total / n, len(eps)) for k, (n, total, eps) in groups.items()}


def submission_to_decision(cursor, q: Query) -> dict:  # noqa: ANN001
    cases, actions = _submitted(cursor, q)
    groups: dict = defaultdict(lambda: [0, 0.0])
    for case_id, payer, procedure, _episode, submitted in cases:
        first = next(((at, a) for at, a in actions.get(case_id, ()) if a in ("approve", "partially_approve", "deny")), None)
        if first is not None:
            g = groups[(payer, procedure)]
            g[0] += 1
            g[1] += _hours(submitted, first[0])
    return {k: (n, hours / n) for k, (n, hours) in groups.items()}


def denials_and_escalations(cursor, q: Query) -> dict:  # noqa: ANN001
    cases, actions = _submitted(cursor, q)
    rates: Counter = Counter()
    for case_id, payer, _procedure, _episode, _submitted_at in cases:
        lines = actions.get(case_id)
        first = next((a for _at, a in lines or () if a in ("approve", "partially_approve", "deny")), None)
        if first is None:
            continue
        rates[(payer, "decided")] += 1
        if first == "deny":
            done = {a for _, a in lines}
            rates[(payer, "denied")] += 1
            rates[(payer, "p2p")] += "schedule_peer_to_peer" in done
            rates[(payer, "appeal")] += "appeal" in done
    return dict(rates)


# --- intake, records, forms, therapy ------------------------------------------------------------------------

_CALLS = "FROM intake_call c WHERE c.clinic_id = {p} AND c.received_at >= {p} AND c.received_at < {p}"


def _calls_and_urgency(cursor, q: Query) -> tuple[list, dict]:  # noqa: ANN001
    calls = q.run(cursor, "SELECT c.id, c.episode_id, c.received_at, c.reached_at " + _CALLS, *q.moments())
    latest: dict = {}
    for episode_id, decided_at, triage_id, level in q.run(cursor,
            "SELECT t.episode_id, t.decided_at, t.id, t.urgency FROM triage t JOIN intake_call c ON c.episode_id = t.episode_id "
            "WHERE c.clinic_id = {p} AND c.received_at >= {p} AND c.received_at < {p}", *q.moments()):
        if episode_id not in latest or (decided_at, triage_id) > latest[episode_id][:2]:
            latest[episode_id] = (decided_at, triage_id, level)
    return calls, {e: v[2] for e, v in latest.items()}


def referral_to_first_contact(cursor, q: Query) -> dict:  # noqa: ANN001
    calls, urgency = _calls_and_urgency(cursor, q)
    reached = dict(q.run(cursor, "SELECT a.call_id, min(a.at) FROM call_attempt a JOIN intake_call c ON c.id = a.call_id "
                                 "WHERE c.clinic_id = {p} AND c.received_at >= {p} AND c.received_at < {p} AND a.outcome = 'reached' "
                                 "GROUP BY a.call_id", *q.moments()))
    groups = _groups()
    for call_id, episode_id, received, reached_at in calls:
        g = groups[urgency.get(episode_id, "not_triaged")]
        g[0] += 1
        contact = reached.get(call_id) or reached_at
        if contact is not None and as_datetime(contact) >= as_datetime(received):
            g[1] += 1
            g[2] += _hours(received, contact)
    return dict(groups)


def referral_to_first_visit(cursor, q: Query) -> dict:  # noqa: ANN001
    calls, urgency = _calls_and_urgency(cursor, q)
    visits: dict = defaultdict(list)
    for episode_id, start_at in q.run(cursor,
            "SELECT a.episode_id, a.start_at FROM appointment a JOIN intake_call c ON c.episode_id = a.episode_id "
            "WHERE c.clinic_id = {p} AND c.received_at >= {p} AND c.received_at < {p} AND a.visit_type IN ('new_patient', 'urgent') "
            "AND a.status IN ('booked', 'checked_in', 'completed')", *q.moments()):
        visits[episode_id].append(as_datetime(start_at))
    groups = _groups()
    for _call_id, episode_id, received, _reached in calls:
        g = groups[urgency.get(episode_id, "not_triaged")]
        g[0] += 1
        received = as_datetime(received)
        later = [v for v in visits.get(episode_id, ()) if v >= received]
        if later:
            g[1] += 1
            g[2] += (min(later) - received).total_seconds() / 86400
    return dict(groups)


def records_turnaround(cursor, q: Query) -> dict:  # noqa: ANN001
    groups = _groups()
    for _episode, sent, received, kind in q.run(cursor,
            "SELECT r.episode_id, r.sent_at, r.received_at, p.kind FROM records_request r JOIN prior_provider p ON p.id = r.provider_id "
            "WHERE r.clinic_id = {p} AND r.sent_at IS NOT NULL AND r.sent_at >= {p} AND r.sent_at < {p}", *q.moments()):
        g = groups[kind]
        g[0] += 1
        if received is not None:
            g[1] += 1
            g[2] += _hours(sent, received) / 24
    return dict(groups)


def forms_turnaround(cursor, q: Query) -> dict:  # noqa: ANN001
    groups: dict = defaultdict(lambda: [0, 0, 0, 0])  # forms, sent, days, on target
    for _episode, kind, received_on, sent_at, target_on, _deadline in q.run(cursor,
            "SELECT episode_id, requester_kind, received_on, sent_at, target_on, deadline_on FROM form_request "
            "WHERE clinic_id = {p} AND status <> 'cancelled' AND received_on >= {p} AND received_on <= {p}", *q.days()):
        g = groups[kind]
        g[0] += 1
        if sent_at is not None:
            sent_on = as_date(sent_at)
            g[1] += 1
            g[2] += (sent_on - as_date(received_on)).days
            g[3] += sent_on <= as_date(target_on)
    return dict(groups)


def pt_order_to_first_visit(cursor, q: Query) -> dict:  # noqa: ANN001
    courses = q.run(cursor, "SELECT id, episode_id, created_at, practice_kind FROM pt_course WHERE clinic_id = {p} "
                            "AND status <> 'cancelled' AND created_at >= {p} AND created_at < {p}", *q.moments())
    visits: dict = defaultdict(list)
    for episode_id, on in q.run(cursor,
            "SELECT DISTINCT e.episode_id, e.date_of_service FROM encounter e JOIN pt_course c ON c.episode_id = e.episode_id "
            "WHERE c.clinic_id = {p} AND c.created_at >= {p} AND c.created_at < {p} AND e.encounter_type = 'pt_visit' "
            "AND e.addendum_of_id IS NULL", *q.moments()):
        visits[episode_id].append(as_date(on))
    groups = _groups()
    for _course, episode_id, created_at, kind in courses:
        ordered = as_date(created_at)
        later = [d for d in visits.get(episode_id, ()) if d >= ordered]
        g = groups[kind]
        g[0] += 1
        if later:
            g[1] += 1
            g[2] += (min(later) - ordered).days
    return dict(groups)


def pt_gap_days(cursor, q: Query) -> tuple[int, int, int]:  # noqa: ANN001
    approved: Counter = Counter()
    for course_id, _from, _to, visits in q.run(cursor,
            "SELECT a.course_id, a.window_from, a.window_to, a.visits_approved FROM pt_authorization a JOIN pt_course c "
            "ON c.id = a.course_id WHERE c.clinic_id = {p} AND c.start_date >= {p} AND c.start_date <= {p} ORDER BY a.id", *q.days()):
        approved[course_id] += visits
    courses = planned = gaps = 0
    for course_id, _episode, _start, per_week, weeks in q.run(cursor,
            "SELECT id, episode_id, start_date, frequency_per_week, duration_weeks FROM pt_course WHERE clinic_id = {p} "
            "AND status <> 'cancelled' AND start_date >= {p} AND start_date <= {p}", *q.days()):
        courses += 1
        planned += per_week * weeks
        gaps += max(per_week * weeks - approved[course_id], 0)
    return courses, planned, gaps


# --- check-ins ------------------------------------------------------------------------------------------------

_OPEN = "JOIN episode ep ON ep.id = t.episode_id WHERE ep.clinic_id = {p} AND ep.status = 'open'"


def checkin_adherence(cursor, q: Query) -> dict:  # noqa: ANN001
    """The check-in schedule's inputs (checkins.facts reads the same), grouped per open episode, and the notes
    written against them counted by how they ended. The windows themselves are a rule (checkins.rules.schedule),
    not SQL: the floor leaves them out."""
    episodes = {row[0]: [] for row in q.run(cursor, "SELECT id, clinic_id, patient_id FROM episode WHERE clinic_id = {p} "
                                                    "AND status = 'open'", q.clinic_id)}
    for sql in ("SELECT t.episode_id, t.id, t.procedure_key, t.procedure_name, t.levels, t.side, t.performed_on FROM performed_procedure t ",
                "SELECT t.episode_id, r.procedure_id, r.measured_on FROM procedure_relief r JOIN performed_procedure t ON t.id = r.procedure_id ",
                "SELECT t.episode_id, t.id, t.start_date, t.duration_weeks, t.status FROM pt_course t ",
                "SELECT t.episode_id, t.id, t.start_date, t.status FROM opioid_taper_plan t ",
                "SELECT t.episode_id, s.plan_id, s.kind, s.due_on FROM opioid_taper_step s JOIN opioid_taper_plan t ON t.id = s.plan_id ",
                "SELECT t.episode_id, t.id, t.step_id, t.started_on, t.trial_ends_on, t.status, c.pathway_id FROM care_plan_step t "
                "JOIN care_plan c ON c.id = t.plan_id ",
                "SELECT t.episode_id, t.instrument_id, t.administered_at FROM instrument_administration t "):
        for row in q.run(cursor, sql + _OPEN, q.clinic_id):
            episodes[row[0]].append(row)
    outcomes: Counter = Counter()
    for _episode, key, done_on, cancelled_at in q.run(cursor, "SELECT t.episode_id, t.key, t.done_on, t.cancelled_at "
                                                              "FROM checkin_record t " + _OPEN, q.clinic_id):
        outcomes[(key.split(":", 1)[0], "cancelled" if cancelled_at is not None else "done" if done_on is not None else "open")] += 1
    return {"episodes": len(episodes), "facts": sum(len(v) for v in episodes.values()), "records": dict(outcomes)}


# --- clinical -------------------------------------------------------------------------------------------------

def relief_duration(cursor, q: Query) -> dict:  # noqa: ANN001
    reports: dict = defaultdict(list)
    for procedure_id, measured_on, percent, lasted in q.run(cursor,
            "SELECT r.procedure_id, r.measured_on, r.percent, r.lasted_days FROM procedure_relief r JOIN performed_procedure p "
            "ON p.id = r.procedure_id WHERE p.clinic_id = {p} AND p.performed_on >= {p} AND p.performed_on <= {p}", *q.days()):
        reports[procedure_id].append((as_date(measured_on), percent, lasted))
    groups: dict = defaultdict(lambda: [0, 0, 0.0])  # procedures with a report, events, days
    for procedure_id, _episode, key, performed_on in q.run(cursor,
            "SELECT id, episode_id, procedure_key, performed_on FROM performed_procedure WHERE clinic_id = {p} "
            "AND performed_on >= {p} AND performed_on <= {p}", *q.days()):
        own = reports.get(procedure_id)
        if not own:
            continue
        own.sort()
        performed = as_date(performed_on)
        g = groups[key]
        g[0] += 1
        ended = next((r for r in own if r[1] < q.relief_threshold), None)
        if ended is not None:
            g[1] += 1
            g[2] += max(ended[2] if ended[2] is not None else (ended[0] - performed).days, 0)
        else:
            g[2] += (own[-1][0] - performed).days
    return dict(groups)


def _scores(cursor, q: Query, instruments: tuple[str, ...], episodes_sql: str, params: tuple) -> dict:  # noqa: ANN001
    """{(episode, instrument): [(day, total)]} in time order, for the episodes `episodes_sql` selects."""
    found: dict = defaultdict(list)
    marks = ", ".join("{p}" for _ in instruments)
    for episode_id, instrument_id, at, total in q.run(cursor,
            f"SELECT episode_id, instrument_id, administered_at, total FROM instrument_administration WHERE clinic_id = {{p}} "
            f"AND instrument_id IN ({marks}) AND episode_id IN ({episodes_sql}) ORDER BY episode_id, administered_at, id",
            q.clinic_id, *instruments, *params):
        if total is not None:
            found[(episode_id, instrument_id)].append((as_date(at), float(total)))
    return found


def _reached(q: Query, instrument_id: str, baseline: float, latest: float) -> bool:
    direction, points, percent = q.mic[instrument_id]
    gain = baseline - latest if direction == "lower_is_better" else latest - baseline
    return gain > 0 and ((points is not None and gain >= points) or (percent is not None and baseline != 0
                                                                      and gain / abs(baseline) * 100 >= percent))


def mic_share(cursor, q: Query) -> dict:  # noqa: ANN001
    chosen = "SELECT episode_id FROM care_plan WHERE clinic_id = {p} AND started_on >= {p} AND started_on <= {p}"
    plans = q.run(cursor, "SELECT id, episode_id, pathway_id, started_on, ended_on FROM care_plan WHERE clinic_id = {p} "
                          "AND started_on >= {p} AND started_on <= {p}", *q.days())
    pathway = {plan_id: pathway_id for plan_id, _e, pathway_id, _s, _end in plans}
    windows = [(e, pathway_id, None, as_date(s), None if end is None else as_date(end)) for _id, e, pathway_id, s, end in plans]
    windows += [(e, pathway[plan_id], step, as_date(s), None if decided is None else as_date(decided)) for plan_id, e, step, s, decided in q.run(
        cursor, "SELECT s.plan_id, s.episode_id, s.step_id, s.started_on, s.decided_at FROM care_plan_step s JOIN care_plan c "
                "ON c.id = s.plan_id WHERE c.clinic_id = {p} AND c.started_on >= {p} AND c.started_on <= {p}", *q.days())]
    instruments = ("odi", "ndi", "peg")
    scores = _scores(cursor, q, instruments, chosen.replace("{p}", q.mark), q.days())
    groups: dict = defaultdict(lambda: [0, 0, 0])  # measured, reached, not measurable
    for episode_id, pathway_id, step, started, ended in windows:
        for instrument_id in instruments:
            own = scores.get((episode_id, instrument_id))
            if not own:
                continue
            g = groups[(pathway_id, step, instrument_id)]
            before = [s for s in own if s[0] <= started]
            during = [s for s in own if started < s[0] and (ended is None or s[0] <= ended)]
            baseline, later = (before[-1], during) if before else (during[0], during[1:]) if len(during) > 1 else (None, ())
            if baseline is None or not later:
                g[2] += 1
                continue
            g[0] += 1
            g[1] += _reached(q, instrument_id, baseline[1], later[-1][1])
    return dict(groups)


def pt_progression(cursor, q: Query) -> dict:  # noqa: ANN001
    chosen = ("SELECT episode_id FROM pt_course WHERE clinic_id = {p} AND start_date >= {p} AND start_date <= {p} "
              "AND status <> 'cancelled'").replace("{p}", q.mark)
    courses = q.run(cursor, "SELECT id, episode_id, protocol_id, start_date FROM pt_course WHERE clinic_id = {p} "
                            "AND start_date >= {p} AND start_date <= {p} AND status <> 'cancelled'", *q.days())
    visits: dict = defaultdict(list)
    for episode_id, on in q.run(cursor, "SELECT episode_id, date_of_service FROM encounter WHERE clinic_id = {p} AND encounter_type = "
                                        f"'pt_visit' AND addendum_of_id IS NULL AND episode_id IN ({chosen})", q.clinic_id, *q.days()):
        visits[episode_id].append(as_date(on))
    instruments = ("odi", "ndi", "lefs")
    scores = _scores(cursor, q, instruments, chosen, q.days())
    groups: dict = defaultdict(lambda: [0, 0.0, 0])  # courses measured, sum of gain per visit, visits
    for _course, episode_id, protocol_id, start in courses:
        attended = sorted(v for v in visits.get(episode_id, ()) if v >= as_date(start))
        if len(attended) < 2:
            continue
        for instrument_id in instruments:
            own = [s for s in scores.get((episode_id, instrument_id), ()) if s[0] <= attended[-1]]
            before = [s for s in own if s[0] <= attended[0]]
            first = before[-1] if before else next((s for s in own if s[0] > attended[0]), None)
            later = [s for s in own if first is not None and s[0] > first[0] and s[0] > attended[0]]
            if later:
                gain = later[-1][1] - first[1]
                g = groups[(protocol_id, instrument_id)]
                g[0] += 1
                g[1] += (-gain if q.mic[instrument_id][0] == "lower_is_better" else gain) / len(attended)
                g[2] += len(attended)
                break
    return dict(groups)


def _tapers(cursor, q: Query) -> list[tuple]:  # noqa: ANN001
    steps: dict = defaultdict(list)
    for plan_id, _number, due_on, mme, done_at in q.run(cursor,
            "SELECT s.plan_id, s.number, s.due_on, s.daily_mme, s.done_at FROM opioid_taper_step s JOIN opioid_taper_plan p "
            "ON p.id = s.plan_id WHERE p.clinic_id = {p} AND s.kind = 'step' AND p.start_date >= {p} AND p.start_date <= {p}", *q.days()):
        steps[plan_id].append((as_date(due_on), None if mme is None else float(mme), None if done_at is None else as_date(done_at)))
    return [(plan_id, as_date(start), float(original), status, steps.get(plan_id, [])) for plan_id, _e, start, original, status in q.run(
        cursor, "SELECT id, episode_id, start_date, original_mme, status FROM opioid_taper_plan WHERE clinic_id = {p} "
                "AND start_date >= {p} AND start_date <= {p}", *q.days())]


def mme_on_tapers(cursor, q: Query) -> dict:  # noqa: ANN001
    months: dict = defaultdict(lambda: [0, 0.0])
    for _plan, start, original, _status, steps in _tapers(cursor, q):
        done = sorted((on, mme) for _due, mme, on in steps if on is not None and mme is not None)
        for month in range(max((on - start).days // 30 for on, _ in done) + 1 if done else 1):
            current = original
            for on, mme in done:
                if (on - start).days < (month + 1) * 30:
                    current = mme
            months[month][0] += 1
            months[month][1] += current
    return dict(months)


def taper_status(cursor, q: Query) -> Counter:  # noqa: ANN001
    today = q.period_to
    return Counter(status if status in ("completed", "paused") else
                   "behind" if any(on is None and due < today for due, _mme, on in steps) else "on_plan"
                   for _plan, _start, _original, status, steps in _tapers(cursor, q))


FLOORS: dict[str, Callable] = {f.__name__: f for f in (
    eligibility_to_submission, submission_to_decision, denials_and_escalations, referral_to_first_contact, referral_to_first_visit,
    records_turnaround, forms_turnaround, pt_order_to_first_visit, pt_gap_days, checkin_adherence, relief_duration, mic_share,
    pt_progression, mme_on_tapers, taper_status)}
FLOOR_OF = {"authorization_eligibility_to_submission": "eligibility_to_submission",
            "authorization_submission_to_decision": "submission_to_decision",
            "authorization_denials_and_escalations": "denials_and_escalations"}


def floor_name(measure_id: str) -> str:
    return FLOOR_OF.get(measure_id, measure_id)


def run_floors(engine, q: Query, names) -> dict:  # noqa: ANN001
    """The named floors on one raw driver connection (a new one each call, as the dashboard opens a session)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        found = {name: FLOORS[name](cursor, q) for name in names}
        connection.rollback()
    finally:
        connection.close()
    return found


__all__ = ["FLOORS", "Query", "as_date", "floor_name", "run_floors"]
