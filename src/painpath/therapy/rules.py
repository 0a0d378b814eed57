"""Pure rules for PT courses: the visit schedule, visits used and left, the gap week and Medicare.

Facts in, decisions out: no database, no wall clock. The service loads a `CourseFacts` per course
(recorded PT visits are the episode's "pt_visit" encounters; visits used are counted from them, never
typed) and these functions say when each visit falls and what the worklist owes.

The gap week (journey J7): with 8 visits approved, the progress note is due before visit 7, the
provider follow-up is booked in visit 7's week and the extension request goes out with the note, so
visit 9 is not blocked; when no answer has come 2 business days before visit 9, the coordinator is told.
Each obligation's reason names its public source (payer policies, the Medicare manual), or says it is a clinic rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.worklist.engine import Finding, Fulfillment, Obligation, next_change_on

PROVIDER = "therapy"

# Which weekdays (0 = Monday) a course's visits fall on, by visits per week: spread out so tissue
# recovers between sessions. A holiday moves the visit to the next free business day of that week.
SLOT_WEEKDAYS: dict[int, tuple[int, ...]] = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}

# The gap-week obligations appear this many visits before the progress-note mark (visit 5 when the
# note is due before visit 7): about a week ahead at twice a week. [K] clinic default.
GAP_WEEK_LEAD_VISITS = 2
# Escalate when no payer answer has come this many business days before the first unauthorized visit
# (journey J7). [K] clinic default.
ESCALATE_BUSINESS_DAYS_BEFORE = 2
# The date-based expiry warning opens this many business days before the window ends and is due this
# many business days before it. [K] clinic defaults.
EXPIRY_OPENS_BUSINESS_DAYS_BEFORE = 10
EXPIRY_DUE_BUSINESS_DAYS_BEFORE = 5
# Medicare: a progress report at least every 10 treatment days, the evaluation counting as day 1
# (research/prior-auth.md section 8, MBPM Ch.15 section 220.3 [V]).
MEDICARE_PROGRESS_TREATMENT_DAYS = 10
MEDICARE_PROGRESS_LEAD_TREATMENT_DAYS = 3  # the task appears on treatment day 7 of the period [K]
# Medicare: the certification covers the plan's duration or 90 calendar days, whichever is less; the
# physician signs within 30 days of the first treatment (research/prior-auth.md section 8 [V]).
MEDICARE_CERTIFICATION_DAYS = 90
MEDICARE_FIRST_CERTIFICATION_DAYS = 30
RECERTIFICATION_LEAD_DAYS = 14  # [K] clinic default

# Public sources the reasons cite (staff pages show citations, never our research notes).
PAYER_PT_POLICIES = "eviCore and Cohere musculoskeletal therapy guidelines"
MEDICARE_PT_MANUAL = "CMS Medicare Benefit Policy Manual, chapter 15, section 220.3"
MEDICARE_CERTIFICATION_RULE = "42 CFR 424.24(c)"


@dataclass(frozen=True)
class AuthorizationFacts:
    id: int
    visits_approved: int
    window_from: date
    window_to: date
    authorization_number: str | None = None
    extension_requested_at: datetime | None = None
    extension_answered_at: datetime | None = None
    extension_outcome: str | None = None


@dataclass(frozen=True, order=True)
class Certification:
    """A plan-of-care certification: its day, and its row's id, which keys the recertification it starts
    (two certified the same day still give each key once)."""

    on: date
    id: int


@dataclass(frozen=True)
class CourseFacts:
    course_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    status: str  # active | completed | cancelled
    start_date: date
    frequency_per_week: int
    duration_weeks: int
    medicare: bool
    visit_dates: tuple[date, ...] = ()  # one per recorded PT visit (pt_visit encounter), any order
    authorizations: tuple[AuthorizationFacts, ...] = ()
    progress_reports: tuple[date, ...] = ()  # written_on of each progress report
    certifications: tuple[Certification, ...] = ()  # each plan-of-care certification
    # (visit date, booked at) of each booked or completed provider follow-up appointment on the episode.
    provider_follow_ups: tuple[tuple[date, datetime], ...] = ()

    @property
    def planned_visits(self) -> int:
        return self.frequency_per_week * self.duration_weeks


@dataclass(frozen=True)
class Visit:
    number: int  # 1-based within the course
    on: date
    recorded: bool  # False: projected from the frequency


@dataclass(frozen=True)
class UnauthorizedVisit:
    number: int  # within the authorization: 9 when 8 were approved
    on: date
    why: str

    @property
    def words(self) -> str:
        return f"visit {self.number} on {self.on:%a %d %b %Y} is unauthorized: {self.why}"


@dataclass(frozen=True)
class AuthorizationStatus:
    """One authorization seen against the schedule: visits used and left, and the gap-week dates."""

    authorization: AuthorizationFacts
    visits: tuple[Visit, ...]  # course visits from the window's start on; index + 1 = number in the authorization
    used: int
    left: int
    first_unauthorized: UnauthorizedVisit | None
    mark: Visit | None  # the visit the progress note is due before (visit 7 of 8)
    mark_number: int | None
    gap_week_opens_on: date | None
    progress_note_due_on: date | None  # also when the extension request is due
    escalate_on: date | None
    expiry_opens_on: date
    expiry_due_on: date
    visits_after_window: int  # planned visits within the approved count that fall after the window ends


# ---- Calendar helpers ------------------------------------------------------------------------------

def slot_days(start: date, frequency: int, calendar: BusinessCalendar) -> Iterator[date]:
    """Visit days from `start` on, forever: the frequency's weekdays each week on business days.

    A slot on a holiday moves to the next free business day of the same week; a week with no free day
    left loses that visit (it comes the week after, as the schedule counts visits, not weeks)."""
    pattern = SLOT_WEEKDAYS[min(max(frequency, 1), 5)]
    monday = start - timedelta(days=start.weekday())
    while True:
        week = [monday + timedelta(days=offset) for offset in range(5)]
        chosen: list[date] = []
        for weekday in pattern:
            free = [d for d in week[weekday:] if calendar.is_business_day(d) and d not in chosen]
            if free:
                chosen.append(free[0])
        yield from (d for d in chosen if d >= start)
        monday += timedelta(days=7)


def schedule(facts: CourseFacts, calendar: BusinessCalendar, today: date) -> list[Visit]:
    """Recorded visits, then the visits still planned, projected from the frequency from today on."""
    recorded = sorted(facts.visit_dates)
    visits = [Visit(i + 1, on, True) for i, on in enumerate(recorded)]
    remaining = facts.planned_visits - len(recorded)
    if facts.status != "active" or remaining <= 0:
        return visits
    first = max(today, facts.start_date)
    if recorded and recorded[-1] >= first:
        first = recorded[-1] + timedelta(days=1)  # one visit a day: today's is already recorded
    for day in slot_days(first, facts.frequency_per_week, calendar):
        if remaining == 0:
            break
        visits.append(Visit(len(visits) + 1, day, False))
        remaining -= 1
    return visits


def treatment_days(visits: list[Visit]) -> list[date]:
    """Distinct visit dates (Medicare counts treatment days, not encounters)."""
    return sorted({v.on for v in visits})


# ---- Authorizations -------------------------------------------------------------------------------

def current_authorization(facts: CourseFacts) -> AuthorizationFacts | None:
    """The latest authorization (by window start): an approved extension is recorded as a new one."""
    if not facts.authorizations:
        return None
    return max(facts.authorizations, key=lambda a: (a.window_from, a.id))


def visits_used(authorization: AuthorizationFacts, visit_dates: tuple[date, ...] | list[date]) -> int:
    """Recorded PT visits inside the authorization's window."""
    return sum(1 for d in visit_dates if authorization.window_from <= d <= authorization.window_to)


def first_unauthorized_visit(authorization: AuthorizationFacts, visits: list[Visit]) -> UnauthorizedVisit | None:
    """The first planned visit this authorization does not cover: past the approved count or the window.

    None when the course ends inside the authorization, or the payer approved the extension."""
    if authorization.extension_outcome == "approved":
        return None
    in_window = [v for v in visits if v.on >= authorization.window_from]
    for number, visit in enumerate(in_window, start=1):
        if number > authorization.visits_approved:
            why = f"all {authorization.visits_approved} approved visits are used by then and no extension is approved"
            return UnauthorizedVisit(number, visit.on, why)
        if visit.on > authorization.window_to:
            why = f"the authorization window ends on {authorization.window_to:%d %b %Y} and no extension is approved"
            return UnauthorizedVisit(number, visit.on, why)
    return None


def authorization_status(facts: CourseFacts, authorization: AuthorizationFacts, calendar: BusinessCalendar, today: date,
                         *, visits_before_end: int = 2, visits: list[Visit] | None = None) -> AuthorizationStatus:
    """`visits`: the course's schedule for `today` when the caller has it already (schedule(facts, calendar, today))."""
    if visits is None:
        visits = schedule(facts, calendar, today)
    in_window = tuple(v for v in visits if v.on >= authorization.window_from)
    used = visits_used(authorization, facts.visit_dates)
    approved = authorization.visits_approved
    unauthorized = first_unauthorized_visit(authorization, visits)
    mark_number = max(1, approved - visits_before_end + 1)
    mark = in_window[mark_number - 1] if len(in_window) >= mark_number else None
    opens_index = max(0, mark_number - 1 - GAP_WEEK_LEAD_VISITS)
    opens_on = in_window[opens_index].on if mark is not None else None
    return AuthorizationStatus(
        authorization=authorization, visits=in_window, used=used, left=max(0, approved - used),
        first_unauthorized=unauthorized, mark=mark, mark_number=mark_number if mark else None,
        gap_week_opens_on=opens_on,
        progress_note_due_on=calendar.business_days_before(mark.on, 1) if mark else None,
        escalate_on=calendar.business_days_before(unauthorized.on, ESCALATE_BUSINESS_DAYS_BEFORE) if unauthorized else None,
        expiry_opens_on=calendar.business_days_before(authorization.window_to, EXPIRY_OPENS_BUSINESS_DAYS_BEFORE),
        expiry_due_on=calendar.business_days_before(authorization.window_to, EXPIRY_DUE_BUSINESS_DAYS_BEFORE),
        visits_after_window=sum(1 for n, v in enumerate(in_window, start=1) if n <= approved and v.on > authorization.window_to),
    )


# ---- Obligations ------------------------------------------------------------------------------------

def _obligation(facts: CourseFacts, calendar: BusinessCalendar, *, key: str, kind: str, title: str, due_on: date,
                owner_role: str, reason: str, **evidence: object) -> Obligation:
    return Obligation(
        key=key, kind=kind, provider=PROVIDER, clinic_id=facts.clinic_id, episode_id=facts.episode_id,
        patient_id=facts.patient_id, title=title, due_at=calendar.end_of_local_day_utc(due_on), owner_role=owner_role,
        reason=reason, evidence={"course_id": facts.course_id, **{k: str(v) for k, v in evidence.items()}},
    )


def _met(key: str, met_by: str, met_at: datetime) -> Fulfillment:
    return Fulfillment(key=key, provider=PROVIDER, met_by=met_by, met_at=met_at)


def _on(day: date) -> datetime:
    return datetime.combine(day, time(12, 0))


def gap_week_findings(facts: CourseFacts, status: AuthorizationStatus, calendar: BusinessCalendar, today: date) -> list[Finding]:
    """Progress note, provider follow-up, extension request and escalation for one authorization."""
    auth = status.authorization
    prefix = f"therapy:pt_auth:{auth.id}"
    unauthorized = status.first_unauthorized
    # Nothing to extend when every planned visit fits this authorization.
    if unauthorized is None or status.mark is None or status.gap_week_opens_on is None:
        return []
    found: list[Finding] = []
    mark, n, approved = status.mark, status.mark_number, auth.visits_approved
    due = status.progress_note_due_on
    assert due is not None
    opened = today >= status.gap_week_opens_on
    report = next((d for d in sorted(facts.progress_reports) if d >= auth.window_from), None)
    follow_up = next((booked for on, booked in facts.provider_follow_ups if on.isocalendar()[:2] == mark.on.isocalendar()[:2]), None)
    mark_words = f"visit {n} of {approved} authorized ({mark.on:%a %d %b})"

    if report is not None:
        found.append(_met(f"{prefix}:progress_note", "progress report", _on(report)))
    elif opened:
        found.append(_obligation(
            facts, calendar, key=f"{prefix}:progress_note", kind="pt_progress_note", owner_role="therapist", due_on=due,
            title=f"Write the PT progress note before {mark_words}",
            reason=(f"{approved} visits are authorized and visit {unauthorized.number} is planned for {unauthorized.on:%d %b}. "
                    f"Payers ask for a progress note with functional outcomes (ODI, LEFS, PROMIS) with each re-authorization "
                    f"({PAYER_PT_POLICIES}); the clinic wants it before the last {approved - n + 1} authorized visits so the "
                    "extension request can go out with it (setting pt_progress_note_visits_before_end)."),
            visit=n, visit_on=mark.on))
    if follow_up is not None:
        found.append(_met(f"{prefix}:provider_follow_up", "provider follow-up booked", follow_up))
    elif opened:
        monday = mark.on - timedelta(days=mark.on.weekday())
        found.append(_obligation(
            facts, calendar, key=f"{prefix}:provider_follow_up", kind="pt_provider_follow_up", owner_role="coordinator", due_on=due,
            title=f"Book the provider follow-up in the week of {monday:%d %b} (PT {mark_words})",
            reason=("The provider sees the patient in the week of the progress note, so the re-authorization carries the "
                    "physician's plan next to the therapist's findings (clinic rule; the payer wants the treatment plan, the "
                    f"initial evaluation and the progress notes with the extension request, {PAYER_PT_POLICIES})."),
            week_of=monday))
    if auth.extension_requested_at is not None:
        found.append(_met(f"{prefix}:extension_request", "extension requested", auth.extension_requested_at))
    elif opened:
        found.append(_obligation(
            facts, calendar, key=f"{prefix}:extension_request", kind="pt_extension_request", owner_role="coordinator", due_on=due,
            title=f"Send the PT extension request with the progress note (before {mark_words})",
            reason=(f"Without an extension, {unauthorized.words}. Extension requests go with the treatment plan, the initial "
                    f"evaluation and the progress notes, at least a week before the last covered visit for some payers "
                    f"({PAYER_PT_POLICIES}; Blue Cross Blue Shield of Massachusetts)."),
            first_unauthorized_visit=unauthorized.number, first_unauthorized_on=unauthorized.on))
    escalate_on = status.escalate_on
    assert escalate_on is not None
    if auth.extension_answered_at is not None:
        found.append(_met(f"{prefix}:extension_escalation", "payer answered", auth.extension_answered_at))
    elif today >= escalate_on:
        if auth.extension_requested_at is not None:
            asked = f"The extension was requested on {auth.extension_requested_at:%d %b}"
        else:
            asked = "No extension request has been sent"
        found.append(_obligation(
            facts, calendar, key=f"{prefix}:extension_escalation", kind="pt_extension_escalation", owner_role="coordinator",
            due_on=escalate_on,
            title=f"No payer answer on the PT extension: visit {unauthorized.number} is on {unauthorized.on:%a %d %b}",
            reason=(f"{asked} and no answer has come {ESCALATE_BUSINESS_DAYS_BEFORE} business days before the first "
                    f"unauthorized visit; call the payer or move the visit (clinic rule; real-time approvals and "
                    f"60-90 day request spans vary by payer, {PAYER_PT_POLICIES})."),
            first_unauthorized_visit=unauthorized.number, first_unauthorized_on=unauthorized.on))
    return found


def expiry_findings(facts: CourseFacts, status: AuthorizationStatus, calendar: BusinessCalendar, today: date) -> list[Finding]:
    """The window ends while approved visits remain: a warning by date, whatever the count says."""
    auth = status.authorization
    key = f"therapy:pt_auth:{auth.id}:expiry"
    if status.visits_after_window == 0:
        return []
    if auth.extension_requested_at is not None:
        return [_met(key, "extension requested", auth.extension_requested_at)]
    if today < status.expiry_opens_on:
        return []
    left = status.visits_after_window
    return [_obligation(
        facts, calendar, key=key, kind="pt_authorization_expiry", owner_role="coordinator", due_on=status.expiry_due_on,
        title=f"PT authorization ends {auth.window_to:%d %b} with {left} planned visit{'s' if left != 1 else ''} after it",
        reason=(f"{status.used} of {auth.visits_approved} visits are used, but the approval window ends on "
                f"{auth.window_to:%d %b %Y}; ask the payer to extend the dates before then (approvals span about 60-90 days, "
                f"{PAYER_PT_POLICIES})."),
        window_to=auth.window_to)]


def medicare_progress_findings(facts: CourseFacts, visits: list[Visit], calendar: BusinessCalendar, today: date) -> list[Finding]:
    """A progress report at least every 10 treatment days; the evaluation is day 1 of the first period."""
    days = treatment_days([v for v in visits if v.on >= facts.start_date])
    recorded_days = sorted({d for d in facts.visit_dates if d >= facts.start_date})
    found: list[Finding] = []
    period_start = 1
    for written in sorted(facts.progress_reports):
        covered = sum(1 for d in recorded_days if d <= written)
        if covered >= period_start:
            found.append(_met(_medicare_key(facts, period_start), "progress report", _on(written)))
            period_start = covered + 1
    window = _medicare_progress_window(days, period_start)
    if window is None:
        return found  # the course ends before another report is owed
    due_index, opens_on, due_on = window
    if today >= opens_on:
        found.append(_obligation(
            facts, calendar, key=_medicare_key(facts, period_start), kind="pt_medicare_progress_report", owner_role="therapist",
            due_on=due_on,
            title=f"Medicare PT progress report due by treatment day {due_index} ({due_on:%a %d %b})",
            reason=(f"Medicare asks for a progress report at least once every {MEDICARE_PROGRESS_TREATMENT_DAYS} treatment days; "
                    f"the period starts on day 1 of the episode and the evaluation counts ({MEDICARE_PT_MANUAL})."),
            treatment_day=due_index))
    return found


def _medicare_progress_window(days: list[date], period_start: int) -> tuple[int, date, date] | None:
    """(treatment day the report is due by, the day its task appears, the day it is due), or None when the
    course ends before another report is owed."""
    due_index = period_start + MEDICARE_PROGRESS_TREATMENT_DAYS - 1
    if len(days) < due_index:
        return None
    return due_index, days[due_index - 1 - MEDICARE_PROGRESS_LEAD_TREATMENT_DAYS], days[due_index - 1]


def _medicare_period_start(facts: CourseFacts) -> int:
    """The first treatment day not covered by a written progress report."""
    recorded_days = sorted({d for d in facts.visit_dates if d >= facts.start_date})
    period_start = 1
    for written in sorted(facts.progress_reports):
        covered = sum(1 for d in recorded_days if d <= written)
        if covered >= period_start:
            period_start = covered + 1
    return period_start


def _medicare_key(facts: CourseFacts, period_start: int) -> str:
    return f"therapy:pt_course:{facts.course_id}:medicare_progress:{period_start}"


def recertification_due_on(certified_on: date) -> date:
    """The last day a certification covers: day 90 when the certification day is day 1."""
    return certified_on + timedelta(days=MEDICARE_CERTIFICATION_DAYS - 1)


def medicare_certification_findings(facts: CourseFacts, visits: list[Visit], calendar: BusinessCalendar, today: date) -> list[Finding]:
    """The plan of care certified within 30 days of the first treatment, then recertified every 90 days."""
    prefix = f"therapy:pt_course:{facts.course_id}"
    certs = sorted(facts.certifications)
    last_visit = visits[-1].on if visits else None
    first_treatment = min(facts.visit_dates) if facts.visit_dates else facts.start_date
    if not certs:
        due_on = first_treatment + timedelta(days=MEDICARE_FIRST_CERTIFICATION_DAYS)
        return [_obligation(
            facts, calendar, key=f"{prefix}:poc_certification", kind="pt_poc_certification", owner_role="clinician", due_on=due_on,
            title=f"Certify the PT plan of care by {due_on:%d %b}",
            reason=(f"Medicare: the physician or NPP signs and dates the plan of care within {MEDICARE_FIRST_CERTIFICATION_DAYS} "
                    f"days of the first treatment ({MEDICARE_CERTIFICATION_RULE})."))]
    found: list[Finding] = [_met(f"{prefix}:poc_certification", "plan of care certified", _on(certs[0].on))]
    for earlier, later in zip(certs, certs[1:]):
        found.append(_met(f"{prefix}:poc_recertification:certification:{earlier.id}", "plan of care recertified", _on(later.on)))
    last = certs[-1]
    due_on = recertification_due_on(last.on)
    if last_visit is None or last_visit <= due_on:
        return found  # the course ends inside the certified period
    if today >= due_on - timedelta(days=RECERTIFICATION_LEAD_DAYS):
        found.append(_obligation(
            facts, calendar, key=f"{prefix}:poc_recertification:certification:{last.id}", kind="pt_poc_recertification",
            owner_role="clinician", due_on=due_on,
            title=f"Recertify the PT plan of care by {due_on:%d %b} (day {MEDICARE_CERTIFICATION_DAYS})",
            reason=(f"Medicare: a certification covers the plan's duration or {MEDICARE_CERTIFICATION_DAYS} calendar days, "
                    f"whichever is less, and recertification is needed at least every {MEDICARE_CERTIFICATION_DAYS} days; "
                    f"certified on {last.on:%d %b %Y}, visits are planned until {last_visit:%d %b %Y} ({MEDICARE_PT_MANUAL})."),
            certified_on=last.on))
    return found


def course_findings(facts: CourseFacts, calendar: BusinessCalendar, now: datetime, *, visits_before_end: int = 2) -> list[Finding]:
    """Everything one course owes at `now`: the current authorization's gap week and expiry, and Medicare's rules."""
    if facts.status != "active":
        return []
    today = calendar.local_date(now)
    found: list[Finding] = []
    # The schedule and the authorization's status, worked out once for all the findings below.
    visits = schedule(facts, calendar, today)
    authorization = current_authorization(facts)
    status = None
    if authorization is not None:
        status = authorization_status(facts, authorization, calendar, today, visits_before_end=visits_before_end, visits=visits)
        found += gap_week_findings(facts, status, calendar, today)
        found += expiry_findings(facts, status, calendar, today)
    if facts.medicare:
        found += medicare_progress_findings(facts, visits, calendar, today)
        found += medicare_certification_findings(facts, visits, calendar, today)
    days = change_days(facts, calendar, today, visits_before_end=visits_before_end, visits=visits, status=status)
    return found + next_change_on(PROVIDER, facts.episode_id, days,
                                  today, calendar, f"PT course {facts.course_id}: a planned visit passes or a window opens")


def change_days(facts: CourseFacts, calendar: BusinessCalendar, today: date, *, visits_before_end: int = 2,
                visits: list[Visit] | None = None, status: AuthorizationStatus | None = None) -> list[date]:
    """The days after today on which the course's answer can change with the clock alone: the day after
    the next projected visit (an unrecorded visit day passing moves the projection and every date drawn
    from it), and the days the gap week, the escalation, the expiry warning and Medicare's report and
    recertification windows open. Each date holds until the projection moves, which is also in the list."""
    if visits is None:
        visits = schedule(facts, calendar, today)
    days = [v.on + timedelta(days=1) for v in visits if not v.recorded][:1]
    authorization = current_authorization(facts)
    if authorization is not None:
        if status is None:  # else the caller's, for the same authorization, visits and lead
            status = authorization_status(facts, authorization, calendar, today, visits_before_end=visits_before_end, visits=visits)
        days += [d for d in (status.gap_week_opens_on, status.escalate_on, status.expiry_opens_on) if d is not None]
    if facts.medicare:
        treatment = treatment_days([v for v in visits if v.on >= facts.start_date])
        window = _medicare_progress_window(treatment, _medicare_period_start(facts))
        if window is not None:
            days.append(window[1])
        if facts.certifications:
            days.append(recertification_due_on(max(facts.certifications).on) - timedelta(days=RECERTIFICATION_LEAD_DAYS))
    return sorted(d for d in days if d > today)
