"""Reminder rules, pure: when a reminder is due for a check-in (the reminders pack's timing), when it is not
any more, and the words of the message (no clinical detail). No database, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from painpath.checkins.schedule import ScheduledCheckin
from painpath.knowledge.loader import load_knowledge
from painpath.portal import reminder_rules as rules

PACK = load_knowledge().reminders
CALL = ScheduledCheckin(key="pt:5:1", clinic_id=1, episode_id=2, patient_id=3, kind="pt_block",
                        title="PT block check-in 1 of 3 (lumbar stenosis flexion protocol)", patient_title="A short call with your care team",
                        opens_on=date(2027, 2, 10), due_on=date(2027, 2, 12), how="telehealth", status="upcoming")
SCORES = ScheduledCheckin(key="scores:7:ndi:1", clinic_id=1, episode_id=2, patient_id=3, kind="weekly_scores",
                          title="Weekly NDI questionnaire 1 of 4", patient_title="A short questionnaire",
                          opens_on=date(2027, 2, 10), due_on=date(2027, 2, 12), how="questionnaire", status="upcoming", instrument_id="ndi")


def test_the_pack_says_the_day_before_a_call_and_the_day_a_questionnaire_opens():
    assert (PACK.checkin.days_before, PACK.checkin.at_hour) == (1, 9)
    assert (PACK.questionnaire.days_before, PACK.questionnaire.at_hour) == (0, 9)
    assert PACK.checkin.verified is False and "clinic protocol" in PACK.checkin.source.lower()


def test_a_call_is_reminded_the_day_before_it_opens_until_its_day():
    planned = rules.planned(CALL, PACK)
    assert (planned.kind, planned.due_local, planned.last_day) == ("checkin", datetime(2027, 2, 9, 9), date(2027, 2, 10))
    assert not rules.is_due(planned, CALL, datetime(2027, 2, 9, 8, 59))
    assert rules.is_due(planned, CALL, datetime(2027, 2, 9, 9, 0))
    assert rules.is_due(planned, replace(CALL, status="open"), datetime(2027, 2, 10, 17, 0))  # late, but before its day ends
    assert not rules.is_due(planned, replace(CALL, status="open"), datetime(2027, 2, 11, 9, 0))


def test_a_booked_call_is_reminded_the_day_before_its_booked_time():
    booked = datetime(2027, 2, 11, 14, 30)
    planned = rules.planned(CALL, PACK, booked_local=booked)
    assert (planned.due_local, planned.last_day) == (datetime(2027, 2, 10, 9), date(2027, 2, 11))
    words = rules.message(planned, CALL, clinic_name="Riverside Pain & Spine", portal_url="https://portal.example/", booked_local=booked)
    assert words.subject == "Your check-in with Riverside Pain & Spine"
    assert "You have a check-in with Riverside Pain & Spine on Thu 11 Feb at 2:30 pm. Sign in to see it: https://portal.example/portal/visits" in words.body


def test_a_questionnaire_is_reminded_when_its_window_opens_and_only_while_open():
    planned = rules.planned(SCORES, PACK)
    assert (planned.kind, planned.due_local, planned.last_day) == ("questionnaire", datetime(2027, 2, 10, 9), date(2027, 2, 12))
    assert not rules.is_due(planned, SCORES, datetime(2027, 2, 10, 10))  # the schedule still says upcoming
    assert rules.is_due(planned, replace(SCORES, status="open"), datetime(2027, 2, 10, 9))
    assert not rules.is_due(planned, replace(SCORES, status="open"), datetime(2027, 2, 13, 9))
    words = rules.message(planned, SCORES, clinic_name="Riverside Pain & Spine", portal_url="https://portal.example")
    assert "A short questionnaire is waiting for you: https://portal.example/portal/questionnaires" in words.body


@pytest.mark.parametrize("status", ["done", "missed", "cancelled"])
def test_nothing_is_owed_for_a_check_in_that_is_over(status):
    assert rules.planned(replace(CALL, status=status), PACK) is None
    assert rules.planned(replace(SCORES, status=status), PACK) is None


def test_the_message_holds_none_of_the_check_ins_clinical_words():
    for checkin in (CALL, replace(SCORES, status="open")):
        words = rules.message(rules.planned(checkin, PACK), checkin, clinic_name="Riverside Pain & Spine", portal_url="https://p.example")
        text = f"{words.subject}\n{words.body}".lower()
        for word in ("ndi", "lumbar", "stenosis", "flexion", "pt block", "questionnaire 1 of 4"):
            assert word not in text


def test_a_refusal_keeps_no_address():
    said = "The mail relay 127.0.0.1:25 refused the recipient dana@example.org: 550 no such user"
    assert rules.redact(said, "dana@example.org") == "The mail relay 127.0.0.1:25 refused the recipient the patient's address: 550 no such user"
