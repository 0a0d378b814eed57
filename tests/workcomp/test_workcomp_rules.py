"""The claim's obligations as plain data: each sent progress report meets the one due before it and starts
the next 45 days; an IME that agrees owes nothing; a pivot before the IME does not reconcile it."""

from __future__ import annotations

from datetime import date, datetime

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import SourcedWait, WorkersCompTimings
from painpath.workcomp import rules
from painpath.worklist.engine import Fulfillment, NextChange, Obligation

CAL = BusinessCalendar(timezone_name="America/Chicago")
OPENED = datetime(2026, 3, 2, 16, 0)


def _wait(amount: int, unit: str = "business_days") -> SourcedWait:
    return SourcedWait(amount=amount, unit=unit, source="test clinic protocol", evidence="K", verified=False)


# The clinic's turnarounds as the tests below read them (the shipped workers_comp pack has the same numbers).
TIMINGS = WorkersCompTimings(ime_report_chase_after=_wait(5), ime_reconcile_within=_wait(10),
                             progress_report_opens_before=_wait(10, "calendar_days"))


def _facts(**more) -> rules.ClaimFacts:  # noqa: ANN003
    return rules.ClaimFacts(claim_id=7, clinic_id=1, episode_id=3, patient_id=2, opened_at=OPENED, carrier_name="California workers' compensation",
                            report_every_days=45, report_title="PR-2", **{"timings": TIMINGS, **more})


def test_a_sent_report_meets_the_due_one_and_the_next_is_45_days_after_it() -> None:
    sent = datetime(2026, 4, 10, 15, 0)
    found = rules.report_findings(_facts(reports_sent=(sent,)), CAL, datetime(2026, 5, 16, 15, 0))
    met = [f for f in found if isinstance(f, Fulfillment)]
    assert [m.key for m in met] == ["workcomp:progress_report:7:2026-03-02"] and met[0].met_at == sent
    (due,) = [f for f in found if isinstance(f, Obligation)]
    assert due.key == "workcomp:progress_report:7:2026-04-10" and CAL.local_date(due.due_at) == date(2026, 5, 25)


def test_before_the_lead_time_the_report_is_not_on_the_worklist_but_says_when_it_opens() -> None:
    found = rules.report_findings(_facts(), CAL, datetime(2026, 4, 1, 15, 0))
    assert [type(f) for f in found] == [NextChange]
    assert CAL.local_date(found[0].at) == date(2026, 4, 6)  # 16 Apr due, ten days before


def test_only_a_disagreeing_ime_owes_a_reconciliation_and_only_a_later_pivot_meets_it() -> None:
    recorded = datetime(2026, 3, 10, 15, 0)
    agrees = rules.ImeFacts(1, "Dr A", date(2026, 3, 9), "agrees", None, recorded, None)
    disagrees = rules.ImeFacts(2, "Dr B", date(2026, 3, 9), "disagrees", "No injection", recorded, None)
    found = rules.reconcile_findings(_facts(imes=(agrees, disagrees), plan_pivots=(datetime(2026, 3, 5),)), CAL)
    (task,) = found
    assert isinstance(task, Obligation) and task.key == "workcomp:ime_reconcile:2" and "\u201cNo injection\u201d" in task.reason
    assert CAL.local_date(task.due_at) == date(2026, 3, 24)  # ten business days
    (met,) = rules.reconcile_findings(_facts(imes=(disagrees,), plan_pivots=(datetime(2026, 3, 11),)), CAL)
    assert isinstance(met, Fulfillment) and met.met_by == "plan pivoted after the IME"


def test_the_claim_form_refuses_a_health_plan_as_carrier_and_dates_out_of_order() -> None:
    class Payer:
        def __init__(self, plan_type: str) -> None:
            self.plan_type = plan_type

    payers = {"ca_workers_comp": Payer("workers_comp"), "aetna": Payer("commercial")}
    values = {"carrier_payer_id": "aetna", "injury_date": date(2026, 3, 1), "return_to_work_on": date(2026, 2, 1), "work_status": "full_duty"}
    problems = rules.claim_problems(values, payers, today=date(2026, 3, 2))
    assert {p.field for p in problems} == {"carrier_payer_id", "return_to_work_on", "work_status"}
    ok = {"carrier_payer_id": "ca_workers_comp", "injury_date": date(2026, 3, 1), "return_to_work_on": date(2026, 3, 20), "work_status": "modified"}
    assert rules.claim_problems(ok, payers, today=date(2026, 3, 2)) == []


def test_a_plan_pivot_owes_a_report_within_twenty_days_met_by_one_sent_after_it() -> None:
    pivot = datetime(2026, 3, 12, 17, 0)
    (due,) = rules.change_report_findings(_facts(plan_pivots=(pivot,), report_days_after_change=20), CAL)
    assert isinstance(due, Obligation) and due.key == "workcomp:change_report:7:2026-03-12"
    assert CAL.local_date(due.due_at) == date(2026, 4, 1)
    before = datetime(2026, 3, 10, 15, 0)
    (still,) = rules.change_report_findings(_facts(plan_pivots=(pivot,), report_days_after_change=20, reports_sent=(before,)), CAL)
    assert isinstance(still, Obligation)  # a report sent before the change does not report it
    after = datetime(2026, 3, 20, 15, 0)
    (met,) = rules.change_report_findings(_facts(plan_pivots=(pivot,), report_days_after_change=20, reports_sent=(before, after)), CAL)
    assert isinstance(met, Fulfillment) and met.met_at == after


def test_after_the_ime_date_the_coordinator_chases_the_findings_until_recorded() -> None:
    booked = rules.ImeFacts(4, "Dr C", date(2026, 3, 9), None, None, None, None)
    (wait,) = rules.ime_findings_findings(_facts(imes=(booked,)), CAL, datetime(2026, 3, 9, 15, 0))
    assert isinstance(wait, NextChange) and CAL.local_date(wait.at) == date(2026, 3, 10)
    (chase,) = rules.ime_findings_findings(_facts(imes=(booked,)), CAL, datetime(2026, 3, 10, 15, 0))
    assert isinstance(chase, Obligation) and chase.owner_role == "coordinator" and CAL.local_date(chase.due_at) == date(2026, 3, 16)
    recorded = rules.ImeFacts(4, "Dr C", date(2026, 3, 9), "agrees", None, datetime(2026, 3, 12, 15, 0), None)
    (met,) = rules.ime_findings_findings(_facts(imes=(recorded,)), CAL, datetime(2026, 3, 12, 16, 0))
    assert isinstance(met, Fulfillment) and met.key == "workcomp:ime_findings:4"


def test_the_turnarounds_are_the_clinics_own_numbers_from_its_pack() -> None:
    booked = rules.ImeFacts(4, "Dr C", date(2026, 3, 9), None, None, None, None)
    slower = WorkersCompTimings(ime_report_chase_after=_wait(8), ime_reconcile_within=_wait(3),
                                progress_report_opens_before=_wait(2, "business_days"))
    (chase,) = rules.ime_findings_findings(_facts(imes=(booked,), timings=slower), CAL, datetime(2026, 3, 10, 15, 0))
    assert CAL.local_date(chase.due_at) == date(2026, 3, 19)  # eight business days after Monday 9 March
    disagrees = rules.ImeFacts(5, "Dr D", date(2026, 3, 9), "disagrees", "no further injections", datetime(2026, 3, 10, 15, 0), None)
    (reconcile,) = rules.reconcile_findings(_facts(imes=(disagrees,), timings=slower), CAL)
    assert CAL.local_date(reconcile.due_at) == date(2026, 3, 13)  # three business days after Tuesday 10 March
    assert "within 3 business days of the findings (test clinic protocol)" in reconcile.reason  # the pack's words
    assert "8 business days after the evaluation (test clinic protocol)" in chase.reason
    # The report due 45 days after 2 March (Thursday 16 April) opens two business days before: Tuesday 14 April.
    (waiting,) = rules.report_findings(_facts(timings=slower), CAL, datetime(2026, 4, 13, 15, 0))
    assert isinstance(waiting, NextChange) and CAL.local_date(waiting.at) == date(2026, 4, 14)
