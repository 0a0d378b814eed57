"""Pure intake rules with plain data: callback, triage deadline, letter, emergent acknowledgement, urgent slot,
clinician review and referral."""

from datetime import datetime

from painpath.core.clock import BusinessCalendar
from painpath.intake.rules import CallFacts, IntakeTargets, TriageFacts, call_findings, triage_findings
from painpath.worklist.engine import Fulfillment, Obligation

CAL = BusinessCalendar(country="US", timezone_name="America/Chicago")
TARGETS = IntakeTargets(callback_business_days=1, triage_hours=72, failed_attempts_before_letter=3)
RECEIVED = datetime(2026, 12, 23, 20, 0)  # Wed 23 Dec 2026, 14:00 in Chicago


def call(**changes):  # noqa: ANN003, ANN201
    base = dict(call_id=7, episode_id=3, patient_id=2, clinic_id=1, received_at=RECEIVED, status="awaiting_callback",
                failed_attempts=(), reached_at=None, letter_sent_at=None, triaged_at=None, episode_open=True)
    return CallFacts(**{**base, **changes})


def by_key(findings):  # noqa: ANN001, ANN201
    return {f.key: f for f in findings}


def test_callback_due_end_of_next_business_day_skipping_christmas():
    found = by_key(call_findings(call(), TARGETS, CAL))
    callback = found["intake:callback:7"]
    assert isinstance(callback, Obligation) and callback.owner_role == "front_desk"
    # Thu 24 Dec is a business day (Christmas is the 25th): due end of Thursday in Chicago.
    assert callback.due_at == datetime(2026, 12, 25, 5, 59, 59)
    triage = found["intake:triage:7"]
    assert triage.due_at == datetime(2026, 12, 26, 20, 0)


def test_zero_business_day_target_means_same_day():
    found = by_key(call_findings(call(), IntakeTargets(0, 72, 3), CAL))
    assert found["intake:callback:7"].due_at == datetime(2026, 12, 24, 5, 59, 59)


def test_two_failures_keep_the_callback_open_and_say_so():
    found = by_key(call_findings(call(failed_attempts=(datetime(2026, 12, 24, 15), datetime(2026, 12, 28, 15))), TARGETS, CAL))
    assert "2 attempt(s) so far" in found["intake:callback:7"].reason
    assert "intake:letter:7" not in found


def test_third_failure_meets_the_callback_and_opens_the_letter():
    attempts = (datetime(2026, 12, 24, 15), datetime(2026, 12, 28, 15), datetime(2026, 12, 29, 15))
    found = by_key(call_findings(call(failed_attempts=attempts, status="unreachable"), TARGETS, CAL))
    assert isinstance(found["intake:callback:7"], Fulfillment)
    letter = found["intake:letter:7"]
    assert isinstance(letter, Obligation) and letter.due_at == datetime(2026, 12, 31, 5, 59, 59)
    assert "3 call attempts" in letter.reason


def test_letter_sent_meets_the_letter_and_drops_the_triage_deadline():
    attempts = (datetime(2026, 12, 24, 15), datetime(2026, 12, 28, 15), datetime(2026, 12, 29, 15))
    found = by_key(call_findings(call(failed_attempts=attempts, letter_sent_at=datetime(2026, 12, 30, 15)), TARGETS, CAL))
    assert isinstance(found["intake:letter:7"], Fulfillment)
    assert "intake:triage:7" not in found


def test_reached_and_triaged_meet_both():
    found = by_key(call_findings(call(reached_at=datetime(2026, 12, 23, 21), triaged_at=datetime(2026, 12, 23, 21, 10)), TARGETS, CAL))
    assert isinstance(found["intake:callback:7"], Fulfillment) and isinstance(found["intake:triage:7"], Fulfillment)
    assert found["intake:callback:7"].met_by == "Caller reached Wed 23 Dec 2026 15:00"


def test_a_closed_episode_owes_nothing_new():
    assert call_findings(call(episode_open=False), TARGETS, CAL) == []


def triage(**changes):  # noqa: ANN003, ANN201
    base = dict(triage_id=5, episode_id=3, patient_id=2, clinic_id=1, urgency="emergent", decided_at=RECEIVED,
                reasons=("Possible cauda equina syndrome: new urinary retention, saddle numbness",),
                acknowledged_at=None, acknowledged_by=None, first_booking_after=None)
    return TriageFacts(**{**base, **changes})


def test_emergent_needs_a_clinician_now():
    (ob,) = triage_findings(triage(), CAL)
    assert ob.owner_role == "clinician" and ob.due_at == RECEIVED
    assert "emergency department" in ob.reason and "saddle numbness" in ob.reason


def test_acknowledged_emergent_is_met_with_who():
    (met,) = triage_findings(triage(acknowledged_at=datetime(2026, 12, 23, 20, 20), acknowledged_by="Dr. Raman"), CAL)
    assert isinstance(met, Fulfillment) and met.met_by.startswith("Acknowledged by Dr. Raman")


def _slot(findings):  # noqa: ANN001, ANN202
    return next(f for f in findings if f.key.startswith("intake:urgent-slot:"))


def test_urgent_slot_due_next_business_day_and_met_only_by_a_timely_booking():
    ob = _slot(triage_findings(triage(urgency="urgent"), CAL))
    assert ob.owner_role == "coordinator" and ob.due_at == datetime(2026, 12, 25, 5, 59, 59)
    timely = (datetime(2026, 12, 23, 21), datetime(2026, 12, 24, 16))
    met = _slot(triage_findings(triage(urgency="urgent", first_booking_after=timely), CAL))
    assert isinstance(met, Fulfillment)
    late = (datetime(2026, 12, 23, 21), datetime(2026, 12, 29, 16))
    still = _slot(triage_findings(triage(urgency="urgent", first_booking_after=late), CAL))
    assert isinstance(still, Obligation) and "later than that" in still.reason


def test_urgent_opens_a_clinician_review_due_the_same_business_day():
    """Decided Wed 23 Dec 14:00 Chicago (a business day): due at the end of that day, not the next one."""
    review = next(f for f in triage_findings(triage(urgency="urgent"), CAL) if f.key.startswith("intake:urgent-review:"))
    assert isinstance(review, Obligation) and review.owner_role == "clinician"
    assert review.due_at == CAL.end_of_local_day_utc(CAL.local_date(RECEIVED)) == datetime(2026, 12, 24, 5, 59, 59)
    saturday = datetime(2026, 12, 26, 16, 0)
    weekend = next(f for f in triage_findings(triage(urgency="urgent", decided_at=saturday), CAL) if f.key.startswith("intake:urgent-review:"))
    assert weekend.due_at == datetime(2026, 12, 29, 5, 59, 59)  # Mon 28 Dec, the next business day
    seen = next(f for f in triage_findings(triage(urgency="urgent", attended_after=datetime(2026, 12, 23, 22)), CAL)
                if f.key.startswith("intake:urgent-review:"))
    assert isinstance(seen, Fulfillment) and seen.met_by.startswith("Patient seen")


def test_routine_owes_nothing_here():
    assert triage_findings(triage(urgency="routine"), CAL) == []


def test_a_review_owes_a_clinician_look_by_the_end_of_the_next_business_day_and_no_slot():
    """Decided Wed 23 Dec: the review is due at the end of Thu 24 Dec in Chicago; no urgent slot is owed."""
    (review,) = triage_findings(triage(urgency="review", reasons=("Clinician review — ...: age 75",)), CAL)
    assert isinstance(review, Obligation) and review.kind == "intake.clinician_review" and review.owner_role == "clinician"
    assert review.due_at == datetime(2026, 12, 25, 5, 59, 59)
    assert "not urgent" in review.reason and "age 75" in review.reason
    (two_days,) = triage_findings(triage(urgency="review"), CAL, review_business_days=2)
    assert two_days.due_at == datetime(2026, 12, 29, 5, 59, 59)  # Thu 24, then Mon 28 (Christmas is closed)
    (done,) = triage_findings(triage(urgency="review", acknowledged_at=datetime(2026, 12, 23, 22), acknowledged_by="Dr. Raman"), CAL)
    assert isinstance(done, Fulfillment) and done.met_by.startswith("Reviewed by Dr. Raman")
    (seen,) = triage_findings(triage(urgency="review", attended_after=datetime(2026, 12, 24, 15)), CAL)
    assert isinstance(seen, Fulfillment) and seen.met_by.startswith("Patient seen")


def test_a_referral_is_owed_alongside_the_review_and_met_by_the_recorded_review():
    review, referral = triage_findings(triage(urgency="review", referrals=("rheumatology",)), CAL)
    assert review.kind == "intake.clinician_review"
    assert isinstance(referral, Obligation) and (referral.kind, referral.title) == ("intake.referral", "Refer to rheumatology")
    assert referral.key == "intake:referral:5:rheumatology" and referral.owner_role == "clinician"
    reviewed = triage(urgency="review", referrals=("rheumatology",), acknowledged_at=datetime(2026, 12, 23, 22), acknowledged_by="Dr. Raman")
    assert all(isinstance(f, Fulfillment) for f in triage_findings(reviewed, CAL))
    # An urgent decision with the same pattern owes its slot, its same-day review and the referral.
    kinds = {f.key.split(":")[1] for f in triage_findings(triage(urgency="urgent", referrals=("rheumatology",)), CAL)}
    assert kinds == {"urgent-review", "urgent-slot", "referral"}


def test_records_are_due_the_same_business_day_or_the_next_one_after_a_weekend():
    found = by_key(call_findings(call(), TARGETS, CAL))
    assert found["intake:records:7"].due_at == datetime(2026, 12, 24, 5, 59, 59)  # end of Wed 23 Dec in Chicago
    saturday = by_key(call_findings(call(received_at=datetime(2026, 12, 26, 16, 0)), TARGETS, CAL))
    assert saturday["intake:records:7"].due_at == datetime(2026, 12, 29, 5, 59, 59)  # Mon 28 Dec
    requested = by_key(call_findings(call(records_requested_at=datetime(2026, 12, 23, 21, 0)), TARGETS, CAL))
    assert isinstance(requested["intake:records:7"], Fulfillment)
