"""Why an authorization takes time, in the patient's words: where each open prior-authorization stands.

"We asked your insurer on 3 Feb. Insurers must answer within 5 business days (by 10 Feb). We will call you
when they answer." The answer's day is the payer's decision clock from the payers pack (business days on the
clinic's calendar as that payer counts them, authorizations/clocks.py), counted from the day the request
went in (or from the day the clock restarted after the insurer asked for more). When the clinic has decided
cases enough with that payer (authorizations/turnaround.py), the words give the clinic's own measure instead:
"In this clinic, Acme Health usually answers in about 3 business days (by 6 Feb)."; "late" still means after
the payer's deadline. No codes, no reference
numbers, no payer ids: the insurer's name, the procedure's own plain name and dates.

`explain` is pure: a case's dated facts, the payer and the clinic's calendar in, words out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from painpath.authorizations import clocks, lifecycle
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import Payer


@dataclass(frozen=True)
class CaseFacts:
    """What the words are made from (read from an authorization case)."""

    what: str  # the procedure's plain name: "lumbar epidural steroid injection"
    state: str
    priority: str
    submitted_at: datetime | None  # naive UTC
    clock_restarted_at: datetime | None
    pend_due_at: datetime | None
    decided_at: datetime | None
    approved_to: date | None
    peer_to_peer_at: datetime | None
    appealed_at: datetime | None


@dataclass(frozen=True)
class AuthorizationWords:
    title: str  # "Insurance approval for the lumbar epidural steroid injection"
    headline: str  # one line for the home page: "Waiting for Acme Health's answer, expected by 10 Feb"
    sentences: tuple[str, ...]
    answer_by: date | None = None  # when the insurer's answer is expected (waiting states only)
    tone: str = "waiting"  # waiting | approved | denied | preparing


def day_words(day: date) -> str:
    """"3 Feb" (with the year when it is not this year's)."""
    return f"{day.day} {day:%b}"


def _with_year(day: date, today: date) -> str:
    return day_words(day) if day.year == today.year else f"{day.day} {day:%b %Y}"


def _within(payer: Payer, priority: str) -> str:
    clock = clocks.clock_for(payer, priority)
    unit = {"business_days": "business day", "calendar_days": "day", "hours": "hour"}[clock.unit]
    return f"{clock.amount} {unit}{'s' if clock.amount != 1 else ''}"


def explain(facts: CaseFacts, *, payer: Payer | None, insurer: str, calendar: BusinessCalendar, today: date,
            measured_days: int | None = None) -> AuthorizationWords | None:
    """The words for one case; None for a case that is over (withdrawn, expired). `measured_days`: the clinic's
    median business days to this payer's decision, when it has enough decided cases to say."""
    if facts.state in lifecycle.TERMINAL:
        return None
    local = calendar.local_date
    title = f"Insurance approval for the {facts.what}"
    on = lambda moment: _with_year(local(moment), today)  # noqa: E731
    call = "We will call you when they answer."
    if facts.state in (lifecycle.PREPARING, lifecycle.READY):
        return AuthorizationWords(title, f"We are getting the request to {insurer} ready",
                                  (f"Your {facts.what} needs approval from your insurer, {insurer}, first.",
                                   "We are getting the request ready and will send it as soon as it is complete.",
                                   "You do not need to do anything now."), tone="preparing")
    if facts.state in (lifecycle.SUBMITTED, lifecycle.PENDED) and facts.submitted_at is not None:
        sentences = [f"We asked {insurer} to approve your {facts.what} on {on(facts.submitted_at)}."]
        answer_by = None
        if facts.state == lifecycle.PENDED:
            asked = f" by {on(facts.pend_due_at)}" if facts.pend_due_at else ""
            sentences.append(f"They asked us for more information, and we are sending it{asked}. "
                             "Their answer comes after they have it.")
        elif payer is not None:
            started = facts.clock_restarted_at or facts.submitted_at
            due = local(clocks.decision_due(calendar, payer, facts.priority, started))
            if measured_days is not None:
                answer_by = calendar.add_business_days(local(started), measured_days)
                days = f"{measured_days} business day{'s' if measured_days != 1 else ''}"
                sentences.append(f"In this clinic, {insurer} usually answers in about {days} (by {_with_year(answer_by, today)}).")
            else:
                answer_by = due
                sentences.append(f"Insurers must answer within {_within(payer, facts.priority)} (by {_with_year(answer_by, today)}).")
            if due < today:
                sentences.append("Their answer is late. We are following up with them.")
        sentences.append(call)
        headline = (f"Waiting for {insurer}'s answer, expected by {_with_year(answer_by, today)}" if answer_by
                    else f"Waiting for {insurer}'s answer")
        return AuthorizationWords(title, headline, tuple(sentences), answer_by=answer_by)
    if facts.state in lifecycle.IN_FORCE:
        if facts.approved_to is not None and facts.approved_to < today:
            return None  # the approval's time is over: nothing to wait for
        when = f" on {on(facts.decided_at)}" if facts.decided_at else ""
        part = "part of " if facts.state == lifecycle.PARTIALLY_APPROVED else ""
        sentences = [f"{insurer} approved {part}your {facts.what}{when}."]
        if part:
            sentences.append("We will call you to explain what was approved.")
        if facts.approved_to is not None:
            sentences.append(f"The approval is good until {_with_year(facts.approved_to, today)}.")
        sentences.append("We will call you to book it.")
        return AuthorizationWords(title, f"Approved by {insurer}{when}", tuple(sentences), tone="approved")
    decided = f" on {on(facts.decided_at)}" if facts.decided_at else ""
    if facts.state == lifecycle.DENIED:
        return AuthorizationWords(title, f"{insurer} said no{decided}; we are working on it", (
            f"{insurer} said no to your {facts.what}{decided}.",
            "This happens, and it is often not the final answer. We are looking at their reasons.",
            "Next, your doctor can talk with the insurer's doctor, or we can ask them to look again (an appeal).",
            "We will call you to talk about your choices."), tone="denied")
    if facts.state == lifecycle.PEER_TO_PEER:
        when = f" on {on(facts.peer_to_peer_at)}" if facts.peer_to_peer_at else " soon"
        return AuthorizationWords(title, f"Your doctor talks with {insurer}'s doctor{when}", (
            f"{insurer} said no to your {facts.what}{decided}.",
            f"Your doctor will talk with their doctor about it{when}.",
            "We will call you after that call."), tone="denied")
    if facts.state == lifecycle.APPEALED:
        when = f" on {on(facts.appealed_at)}" if facts.appealed_at else ""
        return AuthorizationWords(title, f"We asked {insurer} to look again", (
            f"{insurer} said no to your {facts.what}{decided}.",
            f"We asked them to look at it again (an appeal){when}.", call), tone="waiting")
    return AuthorizationWords(title, f"Waiting for {insurer}", (call,))
