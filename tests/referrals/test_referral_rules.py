"""A referral's loop with plain data: which step may follow which (and the named errors when not), and the
work each state owes: send, confirm receipt, confirm the appointment, chase the consult note, review it;
each met only by the fact that ends it, the review only when the referral is closed; a stalled step
escalates; a cancellation cancels with its reason. Dates are a Chicago business calendar (US holidays)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from painpath.core.clock import BusinessCalendar
from painpath.knowledge import load_knowledge
from painpath.referrals import rules
from painpath.worklist.engine import Cancellation, Fulfillment, NextChange, Obligation

CAL = BusinessCalendar(timezone_name="America/Chicago")
TIMINGS = load_knowledge().referral_timings
ROUTINE, URGENT = TIMINGS.routine, TIMINGS.urgent


def _utc(day: date, hour: int = 10) -> datetime:
    """A Chicago wall-clock hour in winter (UTC-6) as naive UTC."""
    return datetime(day.year, day.month, day.day, hour + 6)


WRITTEN = _utc(date(2026, 3, 2))  # Mon 2 Mar 2026
BASE = rules.LoopFacts(referral_id=7, clinic_id=1, episode_id=3, patient_id=5, specialty_name="Orthopedics",
                       practice_name="Riverside Orthopedics", urgency="routine", status="drafted", created_at=WRITTEN)


def _keys(found, kind) -> dict:  # noqa: ANN001
    return {f.key: f for f in found if isinstance(f, kind)}


# Transitions ------------------------------------------------------------------------------------------------

TODAY = date(2026, 3, 20)
SENT = rules.Current("sent", sent_on=date(2026, 3, 3))


def test_an_acknowledgement_is_recorded_on_a_sent_referral():
    assert rules.transition_problems(SENT, "acknowledged", {"acknowledged_on": date(2026, 3, 4)}, today=TODAY) == []


@pytest.mark.parametrize(("current", "to", "values", "field", "rule"), [
    # No "seen" before an appointment unless the practice says so.
    (SENT, "seen", {"seen_on": date(2026, 3, 10)}, "practice_confirmed", "needs_practice_word"),
    (rules.Current("drafted"), "acknowledged", {"acknowledged_on": date(2026, 3, 4)}, "to", "allowed_from"),
    (rules.Current("closed", sent_on=date(2026, 3, 3)), "cancelled", {"cancel_reason": "x"}, "to", "allowed_from"),
    (SENT, "acknowledged", {"acknowledged_on": date(2026, 3, 2)}, "acknowledged_on", "after_sent"),
    (SENT, "acknowledged", {"acknowledged_on": date(2026, 3, 21)}, "acknowledged_on", "not_future"),
    (SENT, "acknowledged", {}, "acknowledged_on", "required"),
    (SENT, "cancelled", {"cancel_reason": "  "}, "cancel_reason", "required"),
    (rules.Current("consult_received", sent_on=date(2026, 3, 3)), "closed", {"plan_adjustment": ""}, "plan_adjustment", "required"),
    (rules.Current("seen", sent_on=date(2026, 3, 3), seen_on=date(2026, 3, 12)), "consult_received",
     {"consult_note_on": date(2026, 3, 11), "consult_summary": "Labral tear, arthroscopy offered"}, "consult_note_on", "after_visit"),
    (rules.Current("seen", sent_on=date(2026, 3, 3), seen_on=date(2026, 3, 12)), "consult_received",
     {"consult_note_on": date(2026, 3, 13)}, "consult_summary", "required"),
    (rules.Current("scheduled", sent_on=date(2026, 3, 3), appointment_on=date(2026, 3, 12)), "seen",
     {"seen_on": date(2026, 3, 10)}, "seen_on", "after_appointment"),
    (rules.Current("scheduled", sent_on=date(2026, 3, 3), appointment_on=date(2026, 3, 12)), "consult_received",
     {"consult_note_on": date(2026, 3, 13), "consult_summary": "Seen", "practice_confirmed": True}, "seen_on", "required_when_skipping"),
])
def test_a_step_out_of_order_or_badly_dated_is_refused_naming_its_field_and_rule(current, to, values, field, rule):
    problems = rules.transition_problems(current, to, values, today=TODAY)
    assert (field, rule) in [(p.field, p.rule) for p in problems], problems


def test_the_practice_s_word_lets_a_visit_be_recorded_without_an_appointment():
    values = {"seen_on": date(2026, 3, 10), "practice_confirmed": True}
    assert rules.transition_problems(SENT, "seen", values, today=TODAY) == []


def test_an_appointment_may_be_in_the_future_and_may_move():
    assert rules.transition_problems(SENT, "scheduled", {"appointment_on": date(2026, 4, 2)}, today=TODAY) == []
    moved = rules.Current("scheduled", sent_on=date(2026, 3, 3), appointment_on=date(2026, 4, 2))
    assert rules.transition_problems(moved, "scheduled", {"appointment_on": date(2026, 4, 9)}, today=TODAY) == []


# Obligations ------------------------------------------------------------------------------------------------

def test_a_written_referral_owes_sending_within_two_business_days():
    found = rules.referral_findings(BASE, ROUTINE, CAL, WRITTEN)
    send = _keys(found, Obligation)["referral:7:send"]
    assert (send.owner_role, send.kind) == ("coordinator", "referrals.send")
    assert CAL.local_date(send.due_at) == date(2026, 3, 4)  # Mon + 2 business days = Wed
    # Stalled 5 business days after that: the next change is then.
    assert any(isinstance(f, NextChange) and CAL.local_date(f.at) == date(2026, 3, 11) for f in found)


def test_sending_meets_the_send_task_and_receipt_is_confirmed_three_business_days_later():
    sent = replace(BASE, status="sent", sent_at=_utc(date(2026, 3, 3)))
    before = rules.referral_findings(sent, ROUTINE, CAL, _utc(date(2026, 3, 5)))
    assert "referral:7:send" in _keys(before, Fulfillment)
    assert "referral:7:receipt" not in _keys(before, Obligation)
    assert [CAL.local_date(f.at) for f in before if isinstance(f, NextChange)] == [date(2026, 3, 6)]  # Tue + 3 business days
    due = rules.referral_findings(sent, ROUTINE, CAL, _utc(date(2026, 3, 6)))
    receipt = _keys(due, Obligation)["referral:7:receipt"]
    assert receipt.owner_role == "coordinator" and "no acknowledgement after 3 business days" in receipt.reason


def test_urgent_referrals_run_on_the_urgent_timings():
    sent = replace(BASE, urgency="urgent", status="sent", sent_at=_utc(date(2026, 3, 3)))
    found = rules.referral_findings(sent, URGENT, CAL, _utc(date(2026, 3, 4)))
    assert CAL.local_date(_keys(found, Obligation)["referral:7:receipt"].due_at) == date(2026, 3, 4)


def test_an_acknowledged_referral_owes_an_appointment_date_and_a_booked_one_the_consult_note():
    acked = replace(BASE, status="acknowledged", sent_at=_utc(date(2026, 3, 3)), acknowledged_on=date(2026, 3, 4))
    found = rules.referral_findings(acked, ROUTINE, CAL, _utc(date(2026, 3, 11)))
    assert "referral:7:receipt" in _keys(found, Fulfillment)
    assert CAL.local_date(_keys(found, Obligation)["referral:7:appointment"].due_at) == date(2026, 3, 11)
    booked = replace(acked, status="scheduled", appointment_on=date(2026, 3, 16))
    found = rules.referral_findings(booked, ROUTINE, CAL, _utc(date(2026, 3, 23)))
    assert "referral:7:appointment" in _keys(found, Fulfillment)
    chase = _keys(found, Obligation)["referral:7:consult_note"]
    assert CAL.local_date(chase.due_at) == date(2026, 3, 23)  # 7 days after the appointment
    assert chase.reason.startswith("Appointment on 16 Mar 2026")


def test_the_review_is_met_only_when_the_referral_is_closed_with_the_plan_adjusted():
    back = replace(BASE, status="consult_received", sent_at=_utc(date(2026, 3, 3)), acknowledged_on=date(2026, 3, 4),
                   appointment_on=date(2026, 3, 16), seen_on=date(2026, 3, 16), consult_note_on=date(2026, 3, 18))
    found = rules.referral_findings(back, ROUTINE, CAL, _utc(date(2026, 3, 18)))
    review = _keys(found, Obligation)["referral:7:review"]
    assert (review.owner_role, review.kind, CAL.local_date(review.due_at)) == ("clinician", "referrals.review", date(2026, 3, 25))
    assert "referral:7:consult_note" in _keys(found, Fulfillment)
    closed = replace(back, status="closed", closed_at=_utc(date(2026, 3, 20)))
    found = rules.referral_findings(closed, ROUTINE, CAL, _utc(date(2026, 3, 20)))
    assert "referral:7:review" in _keys(found, Fulfillment)
    assert not _keys(found, Obligation)


def test_a_stalled_referral_escalates_to_the_clinician_saying_how_long_it_waited_on_whom():
    sent = replace(BASE, status="sent", sent_at=_utc(date(2026, 3, 3)))
    # Receipt due Fri 6 Mar; 5 business days later (Fri 13 Mar) it has stalled.
    quiet = rules.referral_findings(sent, ROUTINE, CAL, _utc(date(2026, 3, 12)))
    assert "referral:7:receipt:escalation" not in _keys(quiet, Obligation)
    assert date(2026, 3, 13) in [CAL.local_date(f.at) for f in quiet if isinstance(f, NextChange)]
    found = rules.referral_findings(sent, ROUTINE, CAL, _utc(date(2026, 3, 13)))
    escalation = _keys(found, Obligation)["referral:7:receipt:escalation"]
    assert escalation.owner_role == "clinician" and escalation.kind == "referrals.escalation"
    assert escalation.reason.startswith("Waiting on Riverside Orthopedics (acknowledgement) since 3 Mar 2026: 10 days by 13 Mar 2026")
    # The practice answers: the escalation is met with the step.
    answered = replace(sent, status="acknowledged", acknowledged_on=date(2026, 3, 16))
    assert "referral:7:receipt:escalation" in _keys(rules.referral_findings(answered, ROUTINE, CAL, _utc(date(2026, 3, 16))), Fulfillment)


def test_a_stalled_review_escalates_to_the_manager():
    back = replace(BASE, status="consult_received", sent_at=_utc(date(2026, 3, 3)), seen_on=date(2026, 3, 10),
                   consult_note_on=date(2026, 3, 12))
    found = rules.referral_findings(back, ROUTINE, CAL, _utc(date(2026, 3, 26)))
    assert _keys(found, Obligation)["referral:7:review:escalation"].owner_role == "manager"


def test_a_cancelled_referral_cancels_its_work_with_its_reason():
    found = rules.referral_findings(replace(BASE, status="cancelled", cancel_reason="The patient declined"), ROUTINE, CAL, WRITTEN)
    assert found == [Cancellation("referral:7:*", rules.PROVIDER, "Referral cancelled: The patient declined")]


@pytest.mark.parametrize(("status", "offered"), [
    ("drafted", ["cancelled"]),  # sending has its own form
    ("sent", ["acknowledged", "scheduled", "seen", "consult_received", "cancelled"]),
    ("scheduled", ["scheduled", "seen", "consult_received", "cancelled"]),
    ("seen", ["consult_received", "cancelled"]),
    ("consult_received", ["closed", "cancelled"]),
    ("closed", []),
    ("cancelled", []),
])
def test_each_state_offers_the_steps_that_may_follow_it(status, offered):
    assert rules.offered_steps(status) == offered
