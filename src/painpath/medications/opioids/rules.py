"""Pure opioid-safety rules: the obligations an episode on opioids owes, and what met them.

Facts in (prescriptions with their computed MME, agreements, PDMP checks, drug tests, naloxone offers,
visits, the latest ORT band, the episode's diagnoses), decisions out. No database, no wall clock: the
service loads an `EpisodeSafetyFacts`, the provider passes `now` and the calendar.

Which drugs are sedatives or other CNS depressants, what each class means with an opioid, and whether a
class is by itself a reason to offer naloxone come from the `cns_depressants` pack (`policy.depressants`).
The numbers (and the ICD-10-CM prefixes of the diagnoses that call for naloxone) come from the
`opioid_thresholds` pack (research/clinical.md 1.4), each with its source and evidence tag, and every
obligation's reason ends with that source.

Recurring duties (PDMP every 3 months, drug tests by risk, visits every 3 months, the yearly agreement)
are keyed by the id of the fact they follow ("udt:after:drug_test:41"): a new fact meets the old key and
opens the next one, so the worklist keeps a met task met and shows the next one when it comes near. Ids,
not dates, so two facts recorded for the same day can never give one key twice (issue 11).
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.citations import with_citation
from painpath.worklist.engine import Finding, Fulfillment, Obligation, next_change_on

PROVIDER = "opioid_safety"

@dataclass(frozen=True)
class DepressantRule:
    """One class of the cns_depressants pack as the rules read it: what it means with an opioid, and
    whether it is by itself a reason to offer naloxone (`naloxone_words` None: it is not)."""

    name: str  # "benzodiazepine"
    with_opioid: str
    source: str
    naloxone_words: str | None = None
    naloxone_source: str | None = None
    drug_notes: Mapping[str, str] = field(default_factory=dict)  # drug id -> what to add for that drug (carisoprodol)


def depressant_rules(classes: Mapping) -> dict[str, DepressantRule]:  # noqa: ANN001 - class id -> knowledge.schemas.DepressantClass
    return {
        class_id: DepressantRule(
            name=cls.name, with_opioid=cls.with_opioid, source=cls.source,
            naloxone_words=cls.naloxone_reason.words if cls.naloxone_reason else None,
            naloxone_source=cls.naloxone_reason.source if cls.naloxone_reason else None,
            drug_notes={d.id: d.with_opioid for d in cls.drugs if d.with_opioid},
        )
        for class_id, cls in classes.items()
    }


@dataclass(frozen=True)
class SafetyPolicy:
    """The pack's numbers the rules act on, each with where it came from."""

    naloxone_mme: float
    naloxone_source: str
    follow_up_weeks: tuple[int, int]
    follow_up_source: str
    methadone_follow_up_days: int
    methadone_source: str
    reassess_months: int
    reassess_source: str
    pdmp_every_months: int
    pdmp_source: str
    udt_months_by_band: dict[str, int]  # ORT band label ("moderate risk") -> months between tests
    udt_before_starting: bool
    udt_source: str
    agreement_renewal_months: int
    agreement_source: str
    long_term_days: int
    long_term_source: str
    pdmp_before_rx_days: int  # a PDMP check this many days before a prescription counts as "before" it
    therapy_gap_days: int  # prescriptions with a gap of at most this many days are one course
    notice_days: int  # recurring duties appear on the worklist this many days before they are due
    sleep_apnea_prefixes: tuple[str, ...]  # ICD-10-CM code prefixes
    overdose_prefixes: tuple[str, ...]
    sud_prefixes: tuple[str, ...]
    icd_source: str
    depressants: Mapping[str, DepressantRule] = field(default_factory=dict)  # class id -> rule (cns_depressants pack)


def policy_from(thresholds, depressant_classes: Mapping | None = None) -> SafetyPolicy:  # noqa: ANN001 - knowledge.schemas.OpioidThresholds
    t = thresholds
    fu = t.follow_up_after_start_or_increase
    dx = t.naloxone_risk_diagnoses
    return SafetyPolicy(
        naloxone_mme=t.naloxone_offer_at_mme.value, naloxone_source=t.naloxone_offer_at_mme.source,
        follow_up_weeks=(fu.min_weeks, fu.max_weeks), follow_up_source=fu.source,
        methadone_follow_up_days=int(t.methadone_follow_up_after_start_or_increase_days.value),
        methadone_source=t.methadone_follow_up_after_start_or_increase_days.source,
        reassess_months=int(t.reassess_at_least_every_months.value), reassess_source=t.reassess_at_least_every_months.source,
        pdmp_every_months=t.pdmp.max_interval_months, pdmp_source=t.pdmp.source,
        udt_months_by_band={b.ort_band: b.every_months for b in t.urine_drug_testing.by_ort_band},
        udt_before_starting=t.urine_drug_testing.before_starting, udt_source=t.urine_drug_testing.source,
        agreement_renewal_months=int(t.agreement_renewal_months.value), agreement_source=t.agreement_renewal_months.source,
        long_term_days=t.long_term_therapy_days.value, long_term_source=t.long_term_therapy_days.source,
        pdmp_before_rx_days=t.pdmp_check_before_prescription_days.value,
        therapy_gap_days=t.therapy_course_max_gap_days.value, notice_days=t.recurring_duty_notice_days.value,
        sleep_apnea_prefixes=tuple(dx.sleep_apnea), overdose_prefixes=tuple(dx.past_overdose),
        sud_prefixes=tuple(dx.substance_use_disorder), icd_source=dx.source,
        depressants=depressant_rules(depressant_classes or {}),
    )


@dataclass(frozen=True)
class RxFact:
    """One prescription as the rules see it; `daily_mme` is computed by the MME engine on read."""

    id: int
    drug_key: str
    drug_name: str
    start_date: date
    end_date: date | None
    stopped_on: date | None
    recorded_at: datetime
    is_opioid: bool = False
    depressant_class: str | None = None  # the cns_depressants pack's class id (benzodiazepine, gabapentinoid, ...)
    previous_id: int | None = None
    daily_mme: float | None = None
    mme_status: str = "not_opioid"  # counted | excluded | unknown | not_opioid
    mme_reason: str | None = None  # why the MME total leaves it out (the opioid pack's words for buprenorphine)

    def active_on(self, day: date) -> bool:
        if day < self.start_date or (self.stopped_on is not None and day >= self.stopped_on):
            return False
        return self.end_date is None or day <= self.end_date

    def last_day(self, today: date) -> date:
        """The last day taken (or to be taken): today for an open-ended one still running."""
        ends = [d for d in (self.end_date, self.stopped_on - timedelta(days=1) if self.stopped_on else None) if d is not None]
        return min(ends) if ends else max(today, self.start_date)

    def current_or_upcoming(self, today: date) -> bool:
        """Taken today, or written to start later and not stopped: either way it is owed its checks now."""
        return self.active_on(today) or (self.start_date > today and self.stopped_on is None)

    @property
    def is_methadone(self) -> bool:
        return self.drug_key == "methadone"


@dataclass(frozen=True, order=True)
class Dated:
    """A fact known by its day, with its row's id and what it is: the anchor of a recurring duty.

    Ordered by day, then id, so "the latest" is well defined when two share a day."""

    on: date
    id: int
    kind: str  # agreement | drug_test | pdmp_check | visit | rx: part of the key, so ids of two tables never meet


@dataclass(frozen=True)
class PdmpFact:
    id: int
    checked_on: date
    checked_at: datetime
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EpisodeSafetyFacts:
    clinic_id: int
    episode_id: int
    patient_id: int
    icd10_codes: tuple[str, ...] = ()
    prescriptions: tuple[RxFact, ...] = ()
    agreements: tuple[Dated, ...] = ()  # signed on
    pdmp_checks: tuple[PdmpFact, ...] = ()
    drug_tests: tuple[Dated, ...] = ()  # collected on
    naloxone_offers: tuple[tuple[date, str], ...] = ()  # (offered on, outcome)
    visits: tuple[Dated, ...] = ()  # encounters, by date of service
    ort_band: str | None = None  # label of the latest ORT ("moderate risk")
    ort_on: date | None = None


# --- Small pure helpers --------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def therapy_start(prescriptions: Sequence[RxFact], today: date, gap_days: int) -> date | None:
    """The first day of the current course of opioids (None when no opioid is active today).

    Prescriptions that follow each other with gaps of at most `gap_days` (the policy's
    `therapy_gap_days`) are one course, so a
    monthly refill or a dose change does not restart the clock for "long-term" or the agreement.
    """
    opioids = [rx for rx in prescriptions if rx.is_opioid]
    if not any(rx.active_on(today) for rx in opioids):
        return None
    since = min(rx.start_date for rx in opioids if rx.active_on(today))
    changed = True
    while changed:
        changed = False
        for rx in opioids:
            if rx.start_date < since and rx.last_day(today) >= since - timedelta(days=gap_days):
                since, changed = rx.start_date, True
    return since


def course_start(prescriptions: Sequence[RxFact], since: date) -> Dated:
    """The prescription that started the current course (the first by id of those starting on `since`)."""
    first = min(rx.id for rx in prescriptions if rx.is_opioid and rx.start_date == since)
    return Dated(since, first, "rx")


@dataclass(frozen=True)
class MmeTotal:
    total: float
    complete: bool  # False when an active opioid's MME is unknown: the total is then a lower bound


def total_mme_on(prescriptions: Sequence[RxFact], day: date) -> MmeTotal:
    active = [rx for rx in prescriptions if rx.is_opioid and rx.active_on(day)]
    total = sum(rx.daily_mme or 0.0 for rx in active if rx.mme_status == "counted")
    return MmeTotal(round(total, 1), all(rx.mme_status != "unknown" for rx in active))


def raises_dose(rx: RxFact, by_id: dict[int, RxFact]) -> bool:
    """A new opioid, or a change to a higher (or unknown) daily MME: the follow-up clock starts."""
    if not rx.is_opioid:
        return False
    previous = by_id.get(rx.previous_id) if rx.previous_id is not None else None
    if previous is None or not previous.is_opioid:
        return True
    if rx.daily_mme is None or previous.daily_mme is None:
        return True  # cannot tell it is not higher: ask for the follow-up rather than miss one
    return rx.daily_mme > previous.daily_mme


def naloxone_reasons(facts: EpisodeSafetyFacts, policy: SafetyPolicy, today: date) -> list[str]:
    """Why naloxone should be offered now (CDC 2022 Rec 8), in plain words; [] when nothing applies."""
    reasons = []
    mme = total_mme_on(facts.prescriptions, today)
    if mme.total >= policy.naloxone_mme:
        reasons.append(f"{mme.total:g} MME/day{'' if mme.complete else ' or more'} (at or over {policy.naloxone_mme:g})")
    for class_id, rule in policy.depressants.items():  # the classes the pack names as a reason (benzodiazepines)
        taken = [rx.drug_name for rx in facts.prescriptions if rx.depressant_class == class_id and rx.active_on(today)]
        if taken and rule.naloxone_words:
            reasons.append(f"{rule.naloxone_words} ({', '.join(taken)})")
    codes = [c.upper() for c in facts.icd10_codes]
    for prefixes, words in ((policy.sleep_apnea_prefixes, "sleep apnea"), (policy.overdose_prefixes, "a past overdose"),
                            (policy.sud_prefixes, "a substance use disorder")):
        found = [c for c in codes if c.startswith(prefixes)]
        if found:
            reasons.append(f"{words} ({', '.join(found)})")
    return reasons


@dataclass(frozen=True)
class Coprescription:
    """An opioid and a sedative or other CNS depressant taken on the same day (CDC 2022 Rec 11)."""

    opioid: RxFact
    other: RxFact
    rule: DepressantRule

    @property
    def advice(self) -> str:
        """What the combination means and what to do: the class's words, then the drug's own (carisoprodol)."""
        note = self.rule.drug_notes.get(self.other.drug_key)
        return self.rule.with_opioid + (f" {note}" if note else "")

    @property
    def warning(self) -> str:
        """The warning in words: "oxycodone with alprazolam (a benzodiazepine): ..."."""
        return f"{self.opioid.drug_name} with {self.other.drug_name} (a {self.rule.name}): {self.advice}"


def coprescriptions(prescriptions: Sequence[RxFact], policy: SafetyPolicy, day: date) -> list[Coprescription]:
    """Every opioid active on `day` paired with every drug of a cns_depressants class active on it."""
    active = [rx for rx in prescriptions if rx.active_on(day)]
    return [
        Coprescription(opioid, other, policy.depressants[other.depressant_class])
        for opioid in active if opioid.is_opioid
        for other in active if other.depressant_class in policy.depressants
    ]


@dataclass(frozen=True)
class Overlap:
    """A second opioid prescribed while another was still being taken (not a dose change of it)."""

    earlier: RxFact
    later: RxFact
    total_from: MmeTotal  # the total MME/day from the day the later one starts

    @property
    def warning(self) -> str:
        total = f"{self.total_from.total:g} MME/day" + ("" if self.total_from.complete else " or more (incomplete)")
        return (f"{self.later.drug_name} from {_day(self.later.start_date)} overlaps {self.earlier.drug_name} "
                f"(from {_day(self.earlier.start_date)}): the total is {total} while both are taken. "
                "Check the PDMP before this prescription and review whether both are needed.")


def overlapping_opioids(prescriptions: Sequence[RxFact], today: date) -> list[Overlap]:
    """Pairs of opioid prescriptions taken together, both current (or written to start later).

    A dose change names the prescription it replaces and stops it the day it starts, so it never
    overlaps; two prescriptions that do are two opioids at once (or an early refill): the total rises.
    """
    current = sorted((rx for rx in prescriptions if rx.is_opioid and rx.current_or_upcoming(today)), key=lambda rx: (rx.start_date, rx.id))
    found = []
    for index, later in enumerate(current):
        for earlier in current[:index]:
            if later.previous_id != earlier.id and earlier.active_on(later.start_date):
                found.append(Overlap(earlier, later, total_mme_on(prescriptions, later.start_date)))
    return found


def udt_months(policy: SafetyPolicy, band: str | None) -> tuple[int, str]:
    """Months between drug tests for the ORT band, and how the band was chosen.

    Without an ORT the most frequent schedule applies until one is done: the ORT sets the intensity of
    monitoring, never whether care is given (research/clinical.md 2.2), so no ORT means watch closely.
    """
    if band is not None and band in policy.udt_months_by_band:
        return policy.udt_months_by_band[band], f"ORT {band}"
    return min(policy.udt_months_by_band.values()), "no Opioid Risk Tool on file, so the most frequent schedule"


# --- The obligations -----------------------------------------------------------------------------------

class _Builder:
    def __init__(self, facts: EpisodeSafetyFacts, policy: SafetyPolicy, calendar: BusinessCalendar, now: datetime):
        self.facts, self.policy, self.calendar, self.now = facts, policy, calendar, now
        self.today = calendar.local_date(now)
        self.opening_days: list[date] = []  # days on which a duty's notice window opens (see upcoming)

    def key(self, what: str) -> str:
        return f"opioid:{what}:episode:{self.facts.episode_id}"

    def due(self, day: date) -> datetime:
        return self.calendar.end_of_local_day_utc(day)

    def owe(self, what: str, title: str, due_at: datetime, reason: str, source: str, owner: str = "clinician", **evidence: object) -> Obligation:
        f = self.facts
        return Obligation(
            key=self.key(what), kind=f"opioid_safety.{what.split(':')[0]}", provider=PROVIDER, clinic_id=f.clinic_id,
            episode_id=f.episode_id, patient_id=f.patient_id, title=title, due_at=due_at, owner_role=owner,
            reason=with_citation(reason, source), evidence={k: v for k, v in evidence.items() if v is not None},
        )

    def met(self, what: str, met_by: str, met_at: datetime) -> Fulfillment:
        return Fulfillment(key=self.key(what), provider=PROVIDER, met_by=met_by, met_at=met_at, evidence={"episode_id": self.facts.episode_id})

    def moment(self, day: date) -> datetime:
        """A stored-style (naive UTC) time for a fact known only by its date: that day's end."""
        return self.due(day)

    def upcoming(self, due_day: date) -> bool:
        opens = due_day - timedelta(days=self.policy.notice_days)
        if self.today < opens:
            self.opening_days.append(opens)
        return self.today >= opens

    def next_change(self) -> list[Finding]:
        """When the answer next changes with the clock alone: a prescription starting, ending or stopping
        (what is taken, the course, the MME total and every pairing are read on the clinic's date), or a
        recurring duty's notice window opening."""
        days = [*self.opening_days]
        for rx in self.facts.prescriptions:
            days += [rx.start_date, *(d for d in (rx.stopped_on, rx.end_date and rx.end_date + timedelta(days=1)) if d is not None)]
        return next_change_on(PROVIDER, self.facts.episode_id, days, self.today, self.calendar,
                              "a prescription's dates or a recurring check's notice window")


def episode_findings(facts: EpisodeSafetyFacts, policy: SafetyPolicy, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    """Every opioid-safety obligation the episode owes now, and the facts that met earlier ones."""
    b = _Builder(facts, policy, calendar, now)
    since = therapy_start(facts.prescriptions, b.today, policy.therapy_gap_days)
    if since is None:
        return b.next_change()  # no opioid today: nothing is owed, and open tasks close as no longer required
    found: list[Finding] = []
    found += _agreement(b, policy, since)
    found += _pdmp(b, policy, since)
    found += _drug_tests(b, policy, since)
    found += _naloxone(b, policy, since)
    found += _coprescribing(b)
    found += _follow_up(b, policy, since)
    return found + b.next_change()


def _after(what: str, anchor: Dated) -> str:
    return f"{what}:after:{anchor.kind}:{anchor.id}"


def _recurring(b: _Builder, what: str, anchors: Sequence[Dated], every_months: int, title: str, reason, source: str,  # noqa: ANN001
               met_words: str, owner: str = "clinician") -> list[Finding]:
    """The next duty after the latest anchor (in day, then id, order), and the previous duty met by that anchor."""
    anchors = sorted(anchors)
    found: list[Finding] = []
    last = anchors[-1]
    if len(anchors) >= 2:
        found.append(b.met(_after(what, anchors[-2]), f"{met_words} on {_day(last.on)}", b.moment(last.on)))
    due_day = add_months(last.on, every_months)
    if b.upcoming(due_day):
        found.append(b.owe(_after(what, last), title, b.due(due_day), reason(last.on, due_day), source, owner,
                           last=last.on.isoformat(), due_date=due_day.isoformat()))
    return found


def _agreement(b: _Builder, policy: SafetyPolicy, since: date) -> list[Finding]:
    signed = sorted(b.facts.agreements)
    if not signed:
        due_day = since + timedelta(days=policy.long_term_days)
        return [b.owe(
            "agreement:initial", "Opioid treatment agreement: sign before long-term therapy", b.due(due_day),
            f"On opioids since {_day(since)}. Long-term therapy (beyond {policy.long_term_days} days) needs a signed opioid "
            f"treatment agreement, by {_day(due_day)}; renew it every {policy.agreement_renewal_months} months.",
            policy.long_term_source, since=since.isoformat(), due_date=due_day.isoformat(),
        )]
    found: list[Finding] = [b.met("agreement:initial", f"Agreement signed on {_day(signed[0].on)}", b.moment(signed[0].on))]
    found += _recurring(
        b, "agreement", signed, policy.agreement_renewal_months, "Renew the opioid treatment agreement",
        lambda last, due: f"The opioid treatment agreement signed on {_day(last)} is due for renewal on {_day(due)} (yearly).",
        policy.agreement_source, "Agreement renewed",
    )
    return found


def _pdmp(b: _Builder, policy: SafetyPolicy, since: date) -> list[Finding]:
    found: list[Finding] = []
    checks = sorted(b.facts.pdmp_checks, key=lambda c: (c.checked_at, c.id))
    overlaps = {o.later.id: o for o in overlapping_opioids(b.facts.prescriptions, b.today)}
    for rx in b.facts.prescriptions:
        if not (rx.is_opioid and rx.current_or_upcoming(b.today)):
            continue
        what = f"pdmp:rx:{rx.id}"
        window_start = rx.start_date - timedelta(days=policy.pdmp_before_rx_days)
        check = next((c for c in checks if c.checked_on >= window_start), None)
        if check is not None:
            found.append(b.met(what, f"PDMP checked on {_day(check.checked_on)}", check.checked_at))
        else:
            overlap = overlaps.get(rx.id)
            found.append(b.owe(
                what, f"Check the PDMP: {rx.drug_name} prescribed {_day(rx.start_date)}"
                      + (f" (overlaps {overlap.earlier.drug_name})" if overlap else ""), rx.recorded_at,
                f"No PDMP check recorded in the {policy.pdmp_before_rx_days} days before this opioid prescription "
                f"({rx.drug_name}, from {_day(rx.start_date)}). " + (f"{overlap.warning} " if overlap else "")
                + "Check the PDMP before each opioid prescription.",
                policy.pdmp_source, prescription_id=rx.id,
                overlaps_prescription_id=overlap.earlier.id if overlap else None,
                total_mme_from=overlap.total_from.total if overlap else None,
            ))
    if checks:  # the first check is owed per prescription above; after it, at least every N months
        found += _recurring(
            b, "pdmp", [Dated(c.checked_on, c.id, "pdmp_check") for c in checks], policy.pdmp_every_months, f"Check the PDMP (at least every {policy.pdmp_every_months} months on opioids)",
            lambda last, due: f"Last PDMP check {_day(last)}; on long-term opioids check at least every "
                              f"{policy.pdmp_every_months} months, next by {_day(due)}.",
            policy.pdmp_source, "PDMP checked",
        )
    return found


def _drug_tests(b: _Builder, policy: SafetyPolicy, since: date) -> list[Finding]:
    tests = sorted(b.facts.drug_tests)
    months, why = udt_months(policy, b.facts.ort_band)
    if not tests:
        if not policy.udt_before_starting:
            return []
        return [b.owe(
            "udt:baseline", "Urine drug test (before or at the start of opioid therapy)", b.due(since),
            f"On opioids since {_day(since)} with no urine drug test on file: test at the start, then every {months} "
            f"months ({why}).", policy.udt_source, owner="nurse", since=since.isoformat(), every_months=months,
        )]
    found: list[Finding] = [b.met("udt:baseline", f"Drug test collected on {_day(tests[0].on)}", b.moment(tests[0].on))]
    found += _recurring(
        b, "udt", tests, months, "Urine drug test due",
        lambda last, due: f"Last urine drug test {_day(last)}; {why}: test every {months} months, next by {_day(due)}.",
        policy.udt_source, "Drug test collected", owner="nurse",
    )
    return found


def _naloxone(b: _Builder, policy: SafetyPolicy, since: date) -> list[Finding]:
    offers = sorted(d for d, _outcome in b.facts.naloxone_offers if d >= since)
    what = f"naloxone:since:{since.isoformat()}"
    if offers:
        outcome = dict(b.facts.naloxone_offers)[offers[-1]]
        return [b.met(what, f"Naloxone offered on {_day(offers[-1])} ({outcome.replace('_', ' ')})", b.moment(offers[-1]))]
    reasons = naloxone_reasons(b.facts, policy, b.today)
    if not reasons:
        return []
    # Due the day the latest prescription started: the change that made naloxone indicated.
    changed = max((rx.start_date for rx in b.facts.prescriptions if rx.active_on(b.today)), default=since)
    return [b.owe(
        what, "Offer naloxone", b.due(changed),
        f"Offer naloxone and teach its use: {'; '.join(reasons)}.",
        policy.naloxone_source + ("" if len(reasons) == 1 and "MME" in reasons[0] else f"; {policy.icd_source}"),
        reasons=reasons,
    )]


def _coprescribing(b: _Builder) -> list[Finding]:
    """A clinician's review of each opioid taken with a sedative or other CNS depressant, due the day the
    later of the two started; it closes when either stops (the review is no longer owed)."""
    return [
        b.owe(
            f"coprescribing:{pair.opioid.id}:{pair.other.id}",
            f"Review co-prescribing: {pair.opioid.drug_name} with {pair.other.drug_name} ({pair.rule.name})",
            b.due(max(pair.opioid.start_date, pair.other.start_date)),
            f"{pair.opioid.drug_name} and {pair.other.drug_name} are prescribed together. {pair.advice}",
            pair.rule.source, opioid_prescription_id=pair.opioid.id, other_prescription_id=pair.other.id,
            drug_class=pair.other.depressant_class,
        )
        for pair in coprescriptions(b.facts.prescriptions, b.policy, b.today)
    ]


def follow_up_groups(prescriptions: Sequence[RxFact], visits: Sequence[Dated], since: date) -> list[list[RxFact]]:
    """The starts and raises of this course, grouped so that one follow-up visit reviews each group.

    A start or raise made before the visit owed for an earlier one (no visit after the earlier one's
    start, up to this one's) joins the earlier group: the patient owes one visit, not one per
    prescription, and that visit must come after the last of them. Its key stays the first one's.
    """
    by_id = {rx.id: rx for rx in prescriptions}
    raises = sorted((rx for rx in prescriptions if rx.start_date >= since and raises_dose(rx, by_id)), key=lambda rx: (rx.start_date, rx.id))
    groups: list[list[RxFact]] = []
    for rx in raises:
        if groups and not any(groups[-1][0].start_date < v.on <= rx.start_date for v in visits):
            groups[-1].append(rx)
        else:
            groups.append([rx])
    return groups


def _follow_up_due(rx: RxFact, policy: SafetyPolicy) -> tuple[date, str, str]:
    """When the visit after this start or raise is due, the window in words, and its source."""
    if rx.is_methadone:
        days = policy.methadone_follow_up_days
        return rx.start_date + timedelta(days=days), f"{days} days", policy.methadone_source
    low, high = policy.follow_up_weeks
    return rx.start_date + timedelta(weeks=high), f"{low} to {high} weeks", policy.follow_up_source


def _follow_up(b: _Builder, policy: SafetyPolicy, since: date) -> list[Finding]:
    found: list[Finding] = []
    visits = sorted(b.facts.visits)
    for group in follow_up_groups(b.facts.prescriptions, visits, since):
        first, last = group[0], group[-1]
        what = f"follow_up:rx:{first.id}"
        after = next((v.on for v in visits if v.on > last.start_date), None)
        if after is not None:
            found.append(b.met(what, f"Seen on {_day(after)}", b.moment(after)))
            continue
        if not any(rx.current_or_upcoming(b.today) for rx in group):
            continue
        due_day, window, source = min((_follow_up_due(rx, policy) for rx in group), key=lambda d: d[0])
        changes = [f"{rx.drug_name} {'started' if rx.previous_id is None else 'raised'} on {_day(rx.start_date)}" for rx in group]
        total = total_mme_on(b.facts.prescriptions, last.start_date)
        now_total = f" (total {total.total:g} MME/day{'' if total.complete else ' or more'})" if len(group) > 1 else ""
        found.append(b.owe(
            what, f"Follow-up visit after {first.drug_name} was {'started' if first.previous_id is None else 'raised'}"
                  + (f" and {len(group) - 1} later change{'s' if len(group) > 2 else ''}" if len(group) > 1 else ""),
            b.due(due_day),
            f"{'; '.join(changes)}{now_total}: see the patient within {window} to review benefit and harm.",
            source, prescription_id=first.id, prescription_ids=[rx.id for rx in group] if len(group) > 1 else None,
            due_date=due_day.isoformat(),
        ))
    anchors = [course_start(b.facts.prescriptions, since)] + [v for v in visits if v.on > since]
    found += _recurring(
        b, "follow_up", anchors, policy.reassess_months, f"Opioid follow-up visit (at least every {policy.reassess_months} months)",
        lambda last, due: f"On opioids since {_day(since)}; last visit {_day(last) if last != since else 'none since the start'}. "
                          f"Reassess at least every {policy.reassess_months} months, next by {_day(due)}.",
        policy.reassess_source, "Seen",
    )
    return found


@dataclass(frozen=True)
class SafetySummary:
    """What the safety panel and the API show: the state of each duty, computed like the obligations."""

    on_opioids: bool
    since: date | None
    mme_total: float
    mme_complete: bool
    agreement_signed_on: date | None
    agreement_renewal_due: date | None
    last_pdmp_on: date | None
    next_pdmp_due: date | None
    last_drug_test_on: date | None
    next_drug_test_due: date | None
    drug_test_every_months: int
    drug_test_schedule_basis: str
    naloxone_reasons: list[str] = field(default_factory=list)
    last_naloxone_offer: tuple[date, str] | None = None
    # Opioids taken today that the total leaves out (buprenorphine), each with the reason in words.
    mme_excluded: list[tuple[str, str]] = field(default_factory=list)
    coprescribing: list[str] = field(default_factory=list)  # opioid with a sedative or other CNS depressant
    overlaps: list[str] = field(default_factory=list)  # a second opioid taken with the first

    @property
    def mme_label(self) -> str:
        """The total in words, never "0 MME/day" for an opioid the total leaves out."""
        counted = f"{self.mme_total:g} MME/day" + ("" if self.mme_complete else " or more (incomplete)")
        if not self.mme_excluded:
            return counted
        names = ", ".join(name for name, _reason in self.mme_excluded)
        if self.mme_total == 0 and self.mme_complete:
            return f"no MME total: {names} excluded from the MME total"
        return f"{counted}, not counting {names} (excluded from the MME total)"


def excluded_from_total(prescriptions: Sequence[RxFact], day: date) -> list[tuple[str, str]]:
    """Active opioids the MME total leaves out (CDC 2022: buprenorphine for pain is not counted), with why."""
    return [(rx.drug_name, rx.mme_reason or "not counted in MME") for rx in prescriptions
            if rx.is_opioid and rx.mme_status == "excluded" and rx.active_on(day)]


def summary(facts: EpisodeSafetyFacts, policy: SafetyPolicy, today: date) -> SafetySummary:
    since = therapy_start(facts.prescriptions, today, policy.therapy_gap_days)
    mme = total_mme_on(facts.prescriptions, today)
    signed = max((a.on for a in facts.agreements), default=None)
    last_pdmp = max((c.checked_on for c in facts.pdmp_checks), default=None)
    last_test = max((t.on for t in facts.drug_tests), default=None)
    months, why = udt_months(policy, facts.ort_band)
    next_test = add_months(last_test, months) if last_test else since
    offer = max(facts.naloxone_offers, default=None)
    return SafetySummary(
        on_opioids=since is not None, since=since, mme_total=mme.total, mme_complete=mme.complete,
        agreement_signed_on=signed, agreement_renewal_due=add_months(signed, policy.agreement_renewal_months) if signed else None,
        last_pdmp_on=last_pdmp, next_pdmp_due=add_months(last_pdmp, policy.pdmp_every_months) if last_pdmp else since,
        last_drug_test_on=last_test, next_drug_test_due=next_test, drug_test_every_months=months, drug_test_schedule_basis=why,
        naloxone_reasons=naloxone_reasons(facts, policy, today) if since else [], last_naloxone_offer=offer,
        mme_excluded=excluded_from_total(facts.prescriptions, today),
        coprescribing=[pair.warning for pair in coprescriptions(facts.prescriptions, policy, today)],
        overlaps=[overlap.warning for overlap in overlapping_opioids(facts.prescriptions, today)],
    )
