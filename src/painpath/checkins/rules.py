"""Check-ins (pure rules): which check-ins the dated facts owe, what state each is in on a given day, and the
work a missed or worrying one makes.

Nothing here reads the clock: a check-in's window derives from the fact that caused it (a procedure date, a
PT course's start and length, a taper's follow-up dates, a plan step's start and trial end) and the packs,
and its key from that fact, so the same facts give the same check-ins whatever day they are computed. What
staff did (a note, a booked time, a new day, a cancellation) arrives as `RecordFact`s keyed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from painpath.checkins.schedule import CheckinHow, CheckinKind, ScheduledCheckin
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, Obligation, next_change_on

PROVIDER = "checkins"
KIND_DUE = "checkins.due"
KIND_MISSED = "checkins.missed"
KIND_TWO_MISSED = "checkins.two_missed"
KIND_RED_FLAGS = "checkins.red_flags"

CALL_WORDS = "Check-in call with your care team"
QUESTIONNAIRE_WORDS = "Weekly questionnaire"


# ---- facts --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Owner:
    clinic_id: int
    episode_id: int
    patient_id: int


@dataclass(frozen=True)
class ProcedureFact:
    """A performed procedure whose pack entry asks relief checks; `windows` are (name, opens, due) in days."""

    id: int
    owner: Owner
    name: str
    performed_on: date
    windows: Sequence[tuple[str, int, int]]
    reliefs_on: Sequence[date] = ()  # measured_on of each relief report


@dataclass(frozen=True)
class PtCourseFact:
    id: int
    owner: Owner
    start_date: date
    duration_weeks: int
    status: str  # active | completed | cancelled
    ended_on: date | None = None  # the course's last day, once it ended (therapy/course_end.py)


@dataclass(frozen=True)
class TaperFact:
    id: int
    owner: Owner
    start_date: date
    last_step_on: date | None
    follow_ups: Sequence[date]  # the taper's own dated contacts after its start: dose steps and follow-ups
    status: str  # active | paused | completed


@dataclass(frozen=True)
class ScoreStepFact:
    """An active plan step whose success is measured by questionnaires (instrument id, name)."""

    id: int  # the plan step row
    owner: Owner
    started_on: date
    trial_ends_on: date | None
    instruments: Sequence[tuple[str, str]]
    status: str = "active"


@dataclass(frozen=True)
class RecordFact:
    """What staff did to one check-in (the stored check-in record)."""

    key: str
    id: int
    done_on: date | None = None
    done_at: datetime | None = None  # naive UTC
    booked_at: datetime | None = None  # naive UTC
    rescheduled_to: date | None = None
    cancelled_at: datetime | None = None
    changed_at: datetime | None = None  # the record's last change (naive UTC)
    red_flags: bool = False
    red_flags_words: str | None = None
    red_flags_reviewed_at: datetime | None = None


@dataclass(frozen=True)
class EpisodeFacts:
    procedures: Sequence[ProcedureFact] = ()
    pt_courses: Sequence[PtCourseFact] = ()
    tapers: Sequence[TaperFact] = ()
    score_steps: Sequence[ScoreStepFact] = ()
    scores: Sequence[tuple[str, date]] = ()  # (instrument id, local date administered)
    records: Sequence[RecordFact] = ()


@dataclass(frozen=True)
class Planned:
    key: str
    owner: Owner
    kind: CheckinKind
    title: str
    patient_title: str
    opens_on: date
    due_on: date
    how: CheckinHow
    instrument_id: str | None = None
    reliefs_on: Sequence[date] = field(default=())


# ---- planning -----------------------------------------------------------------------------------------

def pt_count(pack, duration_weeks: int) -> int:
    """How many check-ins a PT block of this length owes (the first pack rule that fits)."""
    for rule in pack.pt_block.counts:
        if rule.up_to_weeks is None or duration_weeks <= rule.up_to_weeks:
            return rule.count
    raise AssertionError("the pack's last rule catches every block")  # pragma: no cover (schema refuses it)


def plan_procedure(fact: ProcedureFact) -> list[Planned]:
    return [Planned(key=f"procedure:{fact.id}:{n}", owner=fact.owner, kind="after_procedure",
                    title=f"Check-in {name} the {fact.name}", patient_title=CALL_WORDS,
                    opens_on=fact.performed_on + timedelta(days=opens), due_on=fact.performed_on + timedelta(days=due),
                    how="telehealth", reliefs_on=tuple(fact.reliefs_on))
            for n, (name, opens, due) in enumerate(fact.windows, start=1)]


def plan_pt(fact: PtCourseFact, pack) -> list[Planned]:
    """Evenly through the block: an 8-week block with 3 check-ins has them at weeks 2, 4 and 6. A course that ended
    (discharged early, say) owes none that would open after its last day: the block they ask about is over."""
    if fact.status == "cancelled" or fact.duration_weeks < 1:
        return []
    count, days = pt_count(pack, fact.duration_weeks), fact.duration_weeks * 7
    width = pack.pt_block.window_days
    found = []
    for n in range(1, count + 1):
        opens = fact.start_date + timedelta(days=round(days * n / (count + 1)))
        if fact.ended_on is not None and opens > fact.ended_on:
            break
        found.append(Planned(key=f"pt:{fact.id}:{n}", owner=fact.owner, kind="pt_block",
                             title=f"PT block check-in {n} of {count}", patient_title=CALL_WORDS,
                             opens_on=opens, due_on=opens + timedelta(days=width - 1), how="telehealth"))
    return found


def plan_taper(fact: TaperFact, pack) -> list[Planned]:
    """Monthly during an active or paused taper.

    The taper already owns dated monthly contacts (medications.tapers: a dose step each month, and follow-ups
    at least monthly through a month after the last step, moved by pauses). A second monthly cadence on other days would call the patient
    twice a month about the same taper, so when those follow-ups exist the check-ins fall on them (each
    window ends on the follow-up's day: the check-in is how that follow-up is done between visits). Only a
    taper without follow-up rows falls back to the pack's every-N-days from the start to the last step."""
    if fact.status not in ("active", "paused"):
        return []
    width = pack.taper.window_days
    if fact.follow_ups:
        days = sorted(fact.follow_ups)
        windows = [(d - timedelta(days=width - 1), d) for d in days]
    else:
        last = fact.last_step_on or fact.start_date
        windows, n = [], 1
        while (opens := fact.start_date + timedelta(days=pack.taper.every_days * n)) <= last:
            windows.append((opens, opens + timedelta(days=width - 1)))
            n += 1
    return [Planned(key=f"taper:{fact.id}:{n}", owner=fact.owner, kind="taper", title=f"Taper check-in {n} of {len(windows)}",
                    patient_title=CALL_WORDS, opens_on=opens, due_on=due, how="telehealth")
            for n, (opens, due) in enumerate(windows, start=1)]


def plan_scores(fact: ScoreStepFact, pack) -> list[Planned]:
    """A weekly questionnaire during the step's trial, none in its review week (J1: six weeks give four)."""
    if fact.status != "active" or fact.trial_ends_on is None:
        return []
    rule = pack.weekly_scores
    last_open = fact.trial_ends_on - timedelta(days=rule.none_in_last_days)
    opens_days: list[date] = []
    opens = fact.started_on + timedelta(days=rule.first_after_days)
    while opens < last_open:
        opens_days.append(opens)
        opens += timedelta(days=rule.every_days)
    found = []
    for instrument_id, name in fact.instruments:
        for n, day in enumerate(opens_days, start=1):
            found.append(Planned(key=f"scores:{fact.id}:{instrument_id}:{n}", owner=fact.owner, kind="weekly_scores",
                                 title=f"Weekly {name} questionnaire {n} of {len(opens_days)}", patient_title=QUESTIONNAIRE_WORDS,
                                 opens_on=day, due_on=day + timedelta(days=rule.window_days - 1), how="questionnaire",
                                 instrument_id=instrument_id))
    return found


def plan(facts: EpisodeFacts, pack) -> list[Planned]:
    """Every check-in the facts owe, in date order."""
    found: list[Planned] = []
    for p in facts.procedures:
        found += plan_procedure(p)
    for c in facts.pt_courses:
        found += plan_pt(c, pack)
    for t in facts.tapers:
        found += plan_taper(t, pack)
    for s in facts.score_steps:
        found += plan_scores(s, pack)
    return sorted(found, key=lambda c: (c.opens_on, c.due_on, c.key))


# ---- state on a day -----------------------------------------------------------------------------------

def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def resolve(planned: Planned, record: RecordFact | None, scores: Sequence[tuple[str, date]], today: date) -> ScheduledCheckin:
    """The check-in's state on `today`: cancelled, done (a note, a relief report or a score inside the
    window, late ones too for a note), else upcoming / open / missed by its window (or its new day)."""
    due = record.rescheduled_to if record is not None and record.rescheduled_to is not None else planned.due_on
    done_on, done_how = None, None
    if record is not None and record.done_on is not None:
        done_on, done_how = record.done_on, "check-in note"
    elif planned.kind == "after_procedure":
        inside = [d for d in planned.reliefs_on if planned.opens_on <= d <= due]
        if inside:
            done_on, done_how = inside[0], "relief report"
    elif planned.kind == "weekly_scores":
        inside = [d for i, d in scores if i == planned.instrument_id and planned.opens_on <= d <= due]
        if inside:
            done_on, done_how = inside[0], "questionnaire"
    if record is not None and record.cancelled_at is not None and done_on is None:
        status = "cancelled"
    elif done_on is not None:
        status = "done"
    elif today < planned.opens_on:
        status = "upcoming"
    elif today <= due:
        status = "open"
    else:
        status = "missed"
    return ScheduledCheckin(
        key=planned.key, clinic_id=planned.owner.clinic_id, episode_id=planned.owner.episode_id,
        patient_id=planned.owner.patient_id, kind=planned.kind, title=planned.title, patient_title=planned.patient_title,
        opens_on=planned.opens_on, due_on=due, how=planned.how, status=status, instrument_id=planned.instrument_id,
        booked_at=_aware(record.booked_at) if record is not None else None, done_on=done_on, done_how=done_how,
        record_id=record.id if record is not None else None,
    )


def schedule(facts: EpisodeFacts, pack, today: date) -> list[ScheduledCheckin]:
    """The episode's check-ins on `today`, in date order."""
    records = {r.key: r for r in facts.records}
    return [resolve(p, records.get(p.key), facts.scores, today) for p in plan(facts, pack)]


# ---- the work they make -------------------------------------------------------------------------------

def checkin_link(episode_id: int, key: str) -> str:
    return f"/checkins/episodes/{episode_id}?key={key}"


def _met_at(checkin: ScheduledCheckin, record: RecordFact | None, calendar) -> datetime:
    if record is not None:
        moment = record.done_at or record.cancelled_at or record.changed_at
        if moment is not None:
            return moment
    return calendar.start_of_local_day_utc(checkin.done_on or checkin.due_on)


def findings(checkins: Sequence[ScheduledCheckin], records: Sequence[RecordFact], today: date, calendar) -> list[Finding]:
    """One episode's check-in work on `today` (all `checkins` belong to one episode).

    - an open telehealth check-in of a PT block: the nurse's "Check-in due" (after a procedure the relief-check
      task is that duty, and during a taper the taper's follow-up task is);
    - a missed one: the coordinator's "Missed check-in", due the next business day, met when it is done late,
      given a new day or cancelled with a reason;
    - two or more missed and not made up: the clinician's task, keyed by the second missed check-in;
    - red flags at a check-in: the clinician's task that day, until a clinician marks them reviewed;
    - when the answer next changes: a window opening, or closing (the day after its last day).
    """
    by_key = {r.key: r for r in records}
    found: list[Finding] = []
    missed: list[ScheduledCheckin] = []
    wake: list[date] = []
    episode_id = checkins[0].episode_id if checkins else None
    for c in checkins:
        record = by_key.get(c.key)
        common = {"provider": PROVIDER, "clinic_id": c.clinic_id, "episode_id": c.episode_id, "patient_id": c.patient_id}
        evidence = {"checkin": c.key, "opens_on": c.opens_on.isoformat(), "due_on": c.due_on.isoformat(),
                    "link": checkin_link(c.episode_id, c.key)}
        due_key, missed_key = f"checkins:due:{c.key}", f"checkins:missed:{c.key}"
        if c.status in ("upcoming", "open"):
            wake += [c.opens_on, c.due_on + timedelta(days=1)]
        if c.kind == "pt_block":
            if c.status == "open":
                found.append(Obligation(
                    key=due_key, kind=KIND_DUE, title=f"Check-in due: {c.title}",
                    due_at=calendar.end_of_local_day_utc(c.due_on), owner_role="nurse",
                    reason=(f"A short telehealth check-in is owed between {c.opens_on:%d %b} and {c.due_on:%d %b %Y}: ask about "
                            "pain, function, side effects and red flags, and write the check-in note."),
                    evidence=evidence, **common))
            elif c.status in ("done", "cancelled"):
                found.append(Fulfillment(due_key, PROVIDER, _met_words(c), _met_at(c, record, calendar), evidence={"checkin": c.key}))
        if c.status == "missed":
            missed.append(c)
            found.append(Obligation(
                key=missed_key, kind=KIND_MISSED, title=f"Missed check-in: reach the patient, book it again or record it ({c.title})",
                due_at=calendar.end_of_local_day_utc(calendar.add_business_days(c.due_on, 1)), owner_role="coordinator",
                reason=(f"The check-in owed between {c.opens_on:%d %b} and {c.due_on:%d %b %Y} was not done. Reach the patient: "
                        "record it if it happened, give it a new day, or cancel it with a reason."),
                evidence=evidence, **common))
        elif c.status in ("done", "cancelled") or (record is not None and record.rescheduled_to is not None):
            found.append(Fulfillment(missed_key, PROVIDER, _met_words(c), _met_at(c, record, calendar), evidence={"checkin": c.key}))
        if record is not None and record.red_flags and record.done_on is not None:
            flag_key = f"checkins:red-flags:{c.key}"
            if record.red_flags_reviewed_at is None:
                found.append(Obligation(
                    key=flag_key, kind=KIND_RED_FLAGS, title=f"Red flags at a check-in: {c.title}",
                    due_at=calendar.end_of_local_day_utc(record.done_on), owner_role="clinician",
                    reason=(f"At the check-in of {record.done_on:%d %b %Y} the patient reported: "
                            f"{record.red_flags_words or 'red flags'}. Review today and mark them reviewed."),
                    evidence=evidence, **common))
            else:
                found.append(Fulfillment(flag_key, PROVIDER, "Red flags reviewed", record.red_flags_reviewed_at,
                                         evidence={"checkin": c.key}))
    if episode_id is not None:
        if len(missed) >= 2:
            second = missed[1]
            found.append(Obligation(
                key=f"checkins:two-missed:{episode_id}:{second.key}", kind=KIND_TWO_MISSED, provider=PROVIDER,
                clinic_id=second.clinic_id, episode_id=episode_id, patient_id=second.patient_id,
                title="Two check-ins missed: review the plan with the patient",
                due_at=calendar.end_of_local_day_utc(calendar.add_business_days(second.due_on, 1)), owner_role="clinician",
                reason=("Check-ins missed and not made up: " + "; ".join(f"{m.title} (by {m.due_on:%d %b})" for m in missed)
                        + ". Decide whether the plan still fits the patient."),
                evidence={"checkins": [m.key for m in missed], "link": f"/episodes/{episode_id}#checkins"}))
        found.append(Cancellation(f"checkins:two-missed:{episode_id}:*", PROVIDER,
                                  "The missed check-ins were made up, given a new day or cancelled"))
        found += next_change_on(PROVIDER, episode_id, wake, today, calendar, "a check-in window opens or closes")
    return found


def _met_words(c: ScheduledCheckin) -> str:
    if c.status == "done":
        return f"Check-in done on {c.done_on:%d %b %Y} ({c.done_how})"
    if c.status == "cancelled":
        return "Check-in cancelled with a reason"
    return f"Check-in given a new day: {c.due_on:%d %b %Y}"


def with_status(checkin: ScheduledCheckin, **changes) -> ScheduledCheckin:  # small helper for tests and pages
    return replace(checkin, **changes)
