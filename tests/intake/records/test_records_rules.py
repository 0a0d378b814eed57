"""The pure records rules with plain data: file types, coverage, retry backoff, checklist, obligations."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from painpath.core.clock import BusinessCalendar
from painpath.intake.records import rules
from painpath.intake.records.rules import ChecklistFacts, RequestFacts
from painpath.worklist.engine import Fulfillment, NextChange, Obligation, keyed

CAL = BusinessCalendar()
MON_5_JAN = datetime(2026, 1, 5, 15, 0)  # 09:00 in Chicago
BASE = RequestFacts(
    request_id=7, episode_id=3, patient_id=2, clinic_id=1, episode_open=True, provider_name="Lakeside Imaging",
    transport="fax", status="sent", attempts=1, last_error=None, failed_at=None, sent_at=MON_5_JAN,
    acknowledged_at=None, received_at=None,
)


def _by_key(findings):  # noqa: ANN001, ANN202
    return {f.key.removeprefix("records:request:7:"): f for f in keyed(findings)}


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"%PDF-1.7\n", "application/pdf"), (b"\x89PNG\r\n\x1a\n\0\0", "image/png"), (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
     (b"GIF89a", None), (b"PK\x03\x04", None), (b"hello, this is text", None), (b"", None)],
)
def test_file_types_are_recognized_by_their_first_bytes(head, kind):
    assert rules.sniff_content_type(head) == kind


def test_a_request_is_received_only_when_every_item_is_covered():
    assert rules.status_after_documents(["mri_report", "office_notes"], ["mri_report"]) == "incomplete"
    assert rules.status_after_documents(["mri_report", "office_notes"], ["office_notes", "mri_report", "pt_notes"]) == "received"
    assert rules.missing_items(["mri_report", "office_notes"], ["mri_report"]) == ["office_notes"]


def test_retries_back_off_then_stop_for_a_person_to_decide():
    t = datetime(2026, 1, 5, 15, 0)
    delays = [rules.next_retry_at(t, n) - t for n in range(1, rules.MAX_AUTOMATIC_ATTEMPTS)]
    assert delays == [timedelta(minutes=m) for m in (5, 10, 20, 40, 80)]
    assert rules.next_retry_at(t, rules.MAX_AUTOMATIC_ATTEMPTS) is None
    assert rules.next_retry_at(t, 20) is None


def test_checklist_says_per_provider_and_item_what_is_on_file():
    items = rules.checklist([
        ChecklistFacts(1, "Lakeside Imaging", "received", ("mri_report",), frozenset({"mri_report"})),
        ChecklistFacts(2, "Dr. Patel (PCP)", "sent", ("office_notes", "medication_list"), frozenset()),
        ChecklistFacts(3, "Valley PT", "incomplete", ("pt_notes", "office_notes"), frozenset({"pt_notes"})),
        ChecklistFacts(4, "Mercy Hospital", "failed", ("operative_notes",), frozenset()),
    ])
    assert [(i.provider, i.item, i.status) for i in items] == [
        ("Lakeside Imaging", "mri_report", "present"),
        ("Dr. Patel (PCP)", "office_notes", "awaiting"),
        ("Dr. Patel (PCP)", "medication_list", "awaiting"),
        ("Valley PT", "pt_notes", "present"),
        ("Valley PT", "office_notes", "missing"),
        ("Mercy Hospital", "operative_notes", "failed"),
    ]
    assert items[0].label == "MRI reports"
    assert not rules.ready(items)
    assert rules.ready(items[:1])
    assert rules.ready([])  # nothing requested, nothing to wait for


def test_silence_becomes_a_follow_up_on_the_fifth_business_day():
    (waiting,) = rules.request_findings(BASE, CAL, datetime(2026, 1, 9, 22, 0))  # Fri evening: 4 business days
    assert isinstance(waiting, NextChange) and waiting.at == datetime(2026, 1, 12, 6, 0)  # Mon 12 Jan, 00:00 Chicago
    (task,) = rules.request_findings(BASE, CAL, datetime(2026, 1, 12, 14, 0))  # Mon 12 Jan, 08:00 Chicago
    assert isinstance(task, Obligation)
    assert (task.key, task.kind, task.owner_role) == ("records:request:7:follow_up", "records.follow_up", "coordinator")
    assert task.due_at == datetime(2026, 1, 13, 5, 59, 59)  # end of Mon 12 Jan in Chicago
    assert task.title == "Follow up on records from Lakeside Imaging"
    assert "Lakeside Imaging was sent the request on Mon 05 Jan 2026" in task.reason
    assert "5 business days" in task.reason
    assert task.evidence["due_date"] == "2026-01-12"


def test_the_silence_window_skips_holidays():
    sent_tue = replace(BASE, sent_at=datetime(2026, 1, 13, 15, 0))
    assert keyed(rules.request_findings(sent_tue, CAL, datetime(2026, 1, 20, 15, 0))) == []  # MLK Day (19 Jan) does not count
    (task,) = rules.request_findings(sent_tue, CAL, datetime(2026, 1, 21, 15, 0))
    assert task.due_at == datetime(2026, 1, 22, 5, 59, 59)


def test_a_follow_up_meets_the_first_task_and_a_second_silence_escalates():
    followed = replace(BASE, follow_ups=((datetime(2026, 1, 12, 16, 0), "phone"),))
    found = _by_key(rules.request_findings(followed, CAL, datetime(2026, 1, 16, 15, 0)))
    assert set(found) == {"follow_up"}
    assert isinstance(found["follow_up"], Fulfillment)
    assert found["follow_up"].met_by == "Followed up (phone call) on Mon 12 Jan 2026"

    found = _by_key(rules.request_findings(followed, CAL, datetime(2026, 1, 20, 15, 0)))  # Tue 20 Jan: 5 business days
    escalation = found["escalate:1"]
    assert (escalation.kind, escalation.owner_role) == ("records.escalate", "manager")
    assert escalation.due_at == datetime(2026, 1, 21, 5, 59, 59)
    assert "follow-up 1 on Mon 12 Jan 2026" in escalation.reason and "sent Mon 05 Jan 2026" in escalation.reason


def test_acknowledgement_meets_the_follow_up_and_restarts_the_clock():
    acked = replace(BASE, status="acknowledged", acknowledged_at=datetime(2026, 1, 7, 16, 0))
    found = _by_key(rules.request_findings(acked, CAL, datetime(2026, 1, 12, 15, 0)))
    assert found["follow_up"].met_by == "Lakeside Imaging acknowledged the request on Wed 07 Jan 2026"
    assert "follow_up_after_ack" not in found
    found = _by_key(rules.request_findings(acked, CAL, datetime(2026, 1, 14, 15, 0)))
    assert found["follow_up_after_ack"].kind == "records.follow_up"
    assert "acknowledged the request on Wed 07 Jan 2026" in found["follow_up_after_ack"].reason


def test_received_meets_every_tracking_task():
    received = replace(BASE, status="received", received_at=datetime(2026, 1, 20, 15, 0), follow_ups=((datetime(2026, 1, 12, 16, 0), "fax"),))
    found = _by_key(rules.request_findings(received, CAL, datetime(2026, 1, 21, 15, 0)))
    assert set(found) == {"follow_up", "escalate:1", "incomplete"}
    assert all(isinstance(f, Fulfillment) and f.met_by == "Records received on Tue 20 Jan 2026" for f in found.values())


def test_partial_records_ask_for_the_rest_by_the_next_business_day():
    partial = replace(BASE, status="incomplete", received_at=datetime(2026, 1, 9, 15, 0), missing=("office_notes",))
    found = _by_key(rules.request_findings(partial, CAL, datetime(2026, 1, 9, 15, 0)))
    task = found["incomplete"]
    assert task.kind == "records.incomplete"
    assert task.due_at == datetime(2026, 1, 13, 5, 59, 59)  # Fri 9 -> Mon 12 Jan, end of day
    assert "without: Office notes" in task.reason
    assert found["follow_up"].met_by == "Part of the records arrived on Fri 09 Jan 2026"


def test_a_failed_send_is_fixed_the_same_business_day_and_met_when_sent():
    failed = replace(BASE, status="failed", sent_at=None, attempts=2, failed_at=datetime(2026, 1, 10, 16, 0),  # a Saturday
                     last_error="The mail relay 127.0.0.1:25 refused the message: 554 no")
    (task,) = rules.request_findings(failed, CAL, datetime(2026, 1, 10, 16, 0))
    assert (task.key, task.kind, task.owner_role) == ("records:request:7:send_failed", "records.send_failed", "coordinator")
    assert task.due_at == datetime(2026, 1, 13, 5, 59, 59)  # next business day, Mon 12 Jan
    assert "could not be sent by fax (2 attempts): the fax relay refused the message." in task.reason and "127.0.0.1" not in task.reason
    assert "Check the fax number" in task.reason
    # While a retry is in flight the task stays as it was, so a reconcile then does not close it.
    assert rules.request_findings(replace(failed, status="sending"), CAL, datetime(2026, 1, 10, 16, 5)) == [task]
    sent = replace(failed, status="sent", sent_at=datetime(2026, 1, 12, 15, 0), attempts=3)
    (met,) = keyed(rules.request_findings(sent, CAL, datetime(2026, 1, 12, 15, 0)))
    assert met.key == task.key and met.met_by == "Sent by fax on Mon 12 Jan 2026 after 3 attempts"


def test_a_discharged_episode_owes_no_chasing():
    assert rules.request_findings(replace(BASE, episode_open=False), CAL, datetime(2026, 2, 1, 15, 0)) == []


def test_keys_are_stable_and_unique():
    facts = replace(BASE, status="acknowledged", acknowledged_at=datetime(2026, 1, 6, 15, 0),
                    follow_ups=((datetime(2026, 1, 13, 15, 0), "phone"), (datetime(2026, 1, 21, 15, 0), "fax")))
    first = rules.request_findings(facts, CAL, datetime(2026, 2, 2, 15, 0))
    again = rules.request_findings(facts, CAL, datetime(2026, 2, 2, 15, 0))
    assert first == again
    keys = [f.key for f in first]
    assert len(keys) == len(set(keys))
    assert [k.removeprefix("records:request:7:") for k in keys] == ["follow_up", "follow_up_after_ack", "escalate:1", "escalate:2"]
    assert isinstance(first[-1], Obligation) and first[-1].kind == "records.escalate"


def test_records_that_arrive_despite_a_failed_send_meet_the_fix_it_task():
    came_anyway = replace(BASE, status="received", sent_at=None, failed_at=datetime(2026, 1, 5, 16, 0), received_at=datetime(2026, 1, 6, 15, 0))
    found = _by_key(rules.request_findings(came_anyway, CAL, datetime(2026, 1, 6, 15, 0)))
    assert found["send_failed"].met_by == "Records received on Tue 06 Jan 2026"


def test_the_follow_up_appears_exactly_when_its_next_change_says():
    from time_steps import assert_steps_at

    at = assert_steps_at(lambda moment: rules.request_findings(BASE, CAL, moment), MON_5_JAN)
    assert at == datetime(2026, 1, 12, 6, 0)  # Mon 12 Jan 00:00 in Chicago, the fifth business day
    acked = replace(BASE, status="acknowledged", acknowledged_at=datetime(2026, 1, 8, 15, 0))
    assert assert_steps_at(lambda moment: rules.request_findings(acked, CAL, moment), datetime(2026, 1, 9, 15, 0)) == datetime(2026, 1, 15, 6, 0)
