"""The portal's words, from plain data: an authorization's wait explained on the clinic's business days, a
check-in on the patient's calendar, a form's status without its government number."""

from __future__ import annotations

from datetime import date, datetime, timezone

from painpath.checkins.schedule import ScheduledCheckin
from painpath.core.clock import BusinessCalendar
from painpath.portal.authorization_words import CaseFacts, explain
from painpath.portal.paperwork_words import form_name
from painpath.portal.visits import CHECKIN, checkin_follow_up, checkin_follow_ups

CALENDAR = BusinessCalendar(timezone_name="America/Chicago")


def _facts(**values) -> CaseFacts:  # noqa: ANN003
    base = {"what": "selective nerve root block", "state": "submitted", "priority": "standard", "submitted_at": None,
            "clock_restarted_at": None, "pend_due_at": None, "decided_at": None, "approved_to": None, "peer_to_peer_at": None,
            "appealed_at": None}
    return CaseFacts(**{**base, **values})


def _business_day_payer(knowledge):  # noqa: ANN001, ANN202
    return next(p for p in knowledge.payers.values() if p.decision_clock.standard.unit == "business_days"
                and p.decision_clock.receipt_cutoff is None and not p.business_calendar.veterans_day_is_business_day)


def test_a_business_day_clock_skips_the_weekend_and_the_holiday(ctx):
    payer = _business_day_payer(ctx.knowledge)
    amount = payer.decision_clock.standard.amount
    # Asked on Fri 13 Feb 2026 (10 am Chicago); Mon 16 Feb is Presidents' Day: the clinic's calendar skips it.
    asked = datetime(2026, 2, 13, 16, 0)
    words = explain(_facts(submitted_at=asked), payer=payer, insurer="Acme Health", calendar=CALENDAR, today=date(2026, 2, 13))
    expected = CALENDAR.local_date(CALENDAR.due_after_business_days(asked, amount))
    assert words.answer_by == expected and expected.weekday() < 5 and expected != date(2026, 2, 16)
    assert words.sentences[0] == "We asked Acme Health to approve your selective nerve root block on 13 Feb."
    assert words.sentences[1] == f"Insurers must answer within {amount} business day{'s' if amount != 1 else ''} (by {expected.day} {expected:%b})."
    assert words.sentences[-1] == "We will call you when they answer."


def test_a_late_answer_says_we_are_following_up(ctx):
    payer = _business_day_payer(ctx.knowledge)
    words = explain(_facts(submitted_at=datetime(2026, 2, 2, 16, 0)), payer=payer, insurer="Acme Health", calendar=CALENDAR,
                    today=date(2026, 3, 20))
    assert "Their answer is late. We are following up with them." in words.sentences


def test_pended_peer_to_peer_appeal_and_over_cases():
    pended = explain(_facts(state="pended", submitted_at=datetime(2026, 2, 2, 16, 0), pend_due_at=datetime(2026, 2, 9, 23, 0)),
                     payer=None, insurer="Acme Health", calendar=CALENDAR, today=date(2026, 2, 5))
    assert "They asked us for more information, and we are sending it by 9 Feb." in " ".join(pended.sentences)
    p2p = explain(_facts(state="peer_to_peer_scheduled", decided_at=datetime(2026, 2, 10, 16, 0), peer_to_peer_at=datetime(2026, 2, 12, 20, 0)),
                  payer=None, insurer="Acme Health", calendar=CALENDAR, today=date(2026, 2, 11))
    assert p2p.sentences[1] == "Your doctor will talk with their doctor about it on 12 Feb."
    appeal = explain(_facts(state="appealed", decided_at=datetime(2026, 2, 10, 16, 0), appealed_at=datetime(2026, 2, 16, 16, 0)),
                     payer=None, insurer="Acme Health", calendar=CALENDAR, today=date(2026, 2, 17))
    assert "We asked them to look at it again (an appeal) on 16 Feb." in appeal.sentences
    assert explain(_facts(state="withdrawn"), payer=None, insurer="x", calendar=CALENDAR, today=date(2026, 2, 1)) is None
    assert explain(_facts(state="approved", approved_to=date(2026, 1, 31)), payer=None, insurer="x", calendar=CALENDAR,
                   today=date(2026, 2, 1)) is None


def _checkin(**values) -> ScheduledCheckin:  # noqa: ANN003
    base = {"key": "procedure:12:1", "clinic_id": 1, "episode_id": 5, "patient_id": 3, "kind": "after_procedure",
            "title": "Check-in 2 weeks after the lumbar transforaminal epidural", "patient_title": "Check-in call with your care team",
            "opens_on": date(2026, 3, 2), "due_on": date(2026, 3, 4), "how": "telehealth", "status": "upcoming"}
    return ScheduledCheckin(**{**base, **values})


def test_a_booked_check_in_is_a_timed_event_in_patient_words_only():
    booked = checkin_follow_up(_checkin(booked_at=datetime(2026, 3, 3, 15, 30, tzinfo=timezone.utc)), CALENDAR)
    assert (booked.kind, booked.on, booked.time_words, booked.summary) == (CHECKIN, date(2026, 3, 3), "9:30 AM", "Check-in call with your care team")
    assert "epidural" not in booked.summary + booked.note
    window = checkin_follow_up(_checkin(), CALENDAR)
    assert window.starts_at is None and "Any day from Monday 2 March to Wednesday 4 March." in window.note


def test_only_check_ins_still_to_do_are_on_the_calendar():
    items = [_checkin(key="a", status="done"), _checkin(key="b", status="missed"), _checkin(key="c", status="open"),
             _checkin(key="d", status="upcoming", opens_on=date(2026, 3, 9), due_on=date(2026, 3, 11))]
    found = checkin_follow_ups(items, CALENDAR, date(2026, 3, 3))
    assert [(f.key, f.on) for f in found] == [("c", date(2026, 3, 3)), ("d", date(2026, 3, 9))]


def test_form_names_lose_their_government_numbers():
    assert form_name("FMLA certification (WH-380-E)") == "FMLA certification"
    assert form_name("Short-term disability facts sheet") == "Short-term disability facts sheet"


def test_the_clinics_measured_days_replace_the_deadline_and_late_still_means_past_the_deadline(ctx):
    payer = _business_day_payer(ctx.knowledge)
    # Asked Mon 2 Feb 2026 (10 am Chicago); the clinic's median is 3 business days: by Thu 5 Feb.
    words = explain(_facts(submitted_at=datetime(2026, 2, 2, 16, 0)), payer=payer, insurer="Acme Health", calendar=CALENDAR,
                    today=date(2026, 2, 3), measured_days=3)
    assert words.sentences[1] == "In this clinic, Acme Health usually answers in about 3 business days (by 5 Feb)."
    assert words.answer_by == date(2026, 2, 5) and "late" not in " ".join(words.sentences)
    late = explain(_facts(submitted_at=datetime(2026, 2, 2, 16, 0)), payer=payer, insurer="Acme Health", calendar=CALENDAR,
                   today=date(2026, 3, 20), measured_days=3)
    assert "Their answer is late. We are following up with them." in late.sentences
