"""Work restrictions with plain data: the checks name their field and rule; drafting from the latest
functional measures carries each measure's date; an extension is refused until every measure the last
restriction rested on is newer than its issue date (the refusal names the stale ones); the re-evaluation is
due on its date or three business days before expiry, whichever is first; a return-to-work step's start owes
the employer's confirmation and a clinician's check. Dates are a Chicago business calendar (US holidays)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from painpath.core.clock import BusinessCalendar
from painpath.knowledge import load_knowledge
from painpath.paperwork import restrictions_rules as rules
from painpath.paperwork.restrictions_duties import RestrictionFacts, StepFacts, restriction_findings, step_findings
from painpath.paperwork.restrictions_words import limits_in_words, summary_sentence
from painpath.worklist.engine import Cancellation, Fulfillment, NextChange, Obligation

CAL = BusinessCalendar(timezone_name="America/Chicago")
TIMINGS = load_knowledge().work_restrictions.timings


def _utc(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour + 6)  # Chicago in winter as naive UTC


def _problems(**changes) -> list[tuple[str, str]]:  # noqa: ANN003
    args = {"duty_level": "light", "issued_on": date(2026, 12, 2), "valid_until": date(2026, 12, 30), "re_evaluate_on": date(2026, 12, 23),
            "limits": {"lifting_lb": 15}}
    args.update(changes)
    return [(p.field, p.rule) for p in rules.restriction_problems(**args)]


def test_a_complete_restriction_has_no_problems():
    assert _problems() == []


def test_each_bad_field_is_named_with_its_rule():
    assert _problems(valid_until=date(2026, 12, 1)) == [("valid_until", "after_issue"), ("re_evaluate_on", "within_validity")]
    assert _problems(re_evaluate_on=date(2027, 1, 2)) == [("re_evaluate_on", "within_validity")]
    assert _problems(limits={"lifting_lb": 400}) == [("lifting_lb", "range")]
    assert _problems(limits={"lifting_side": "right"}) == [("lifting_side", "needs_lifting_limit"), ("duty_level", "needs_items")]
    assert _problems(limits={"driving": "limited", "sitting_minutes": 30}) == [("driving_minutes", "required")]
    assert _problems(limits={"avoid": ["juggling"]}) == [("avoid", "allowed_value")]
    assert _problems(duty_level="off", limits={}) == []  # off work needs no limits


def test_the_j9_restriction_reads_as_the_clinic_writes_it():
    items = rules.items_from({"break_every_minutes": 45, "avoid": ["ladder_climbing"], "lifting_lb": 15})
    restriction = SimpleNamespace(duty_level="light", items=items)
    assert summary_sentence(restriction, weeks=4) == (
        "Light duty for four weeks, no lifting over 15 pounds, no ladder climbing, a break every 45 minutes to change position")
    assert items[0] == {"activity": "lifting", "value": 15, "unit": "lb", "frequency": None, "side": None}
    assert rules.limits_from(items) == {"avoid": ["ladder_climbing"], "lifting_lb": 15, "lifting_frequency": None, "lifting_side": None,
                                        "break_every_minutes": 45}


def test_limits_in_words_gives_frequency_arm_tolerances_schedule_and_driving():
    items = rules.items_from({"lifting_lb": 20, "lifting_frequency": "occasional", "lifting_side": "right", "sitting_minutes": 30,
                              "hours_per_day": 6, "shifts_per_week": 3, "driving": "no", "avoid": ["overhead_reach"]})
    assert limits_in_words(SimpleNamespace(duty_level="modified", items=items)) == [
        "Modified duty", "No lifting over 20 pounds (occasionally, the right arm)", "Sitting for no more than 30 minutes at a time",
        "No more than 6 hours a day", "No more than 3 shifts a week", "No driving at work", "No reaching overhead"]


def test_drafting_takes_the_latest_measures_with_their_dates_and_proposes_a_break():
    values = {"sitting_minutes": 15, "standing_minutes": 20, "lifting_limit_lb": 10, "lifting_side": "right", "work_status": "modified_duty",
              "sleep_hours": 5}
    as_of = {"sitting_minutes": date(2026, 12, 2), "standing_minutes": date(2026, 12, 2), "lifting_limit_lb": date(2026, 11, 20),
             "sleep_hours": date(2026, 12, 2)}
    draft = rules.draft_from_measures(values, as_of)
    assert draft.limits == {"lifting_lb": 10, "lifting_side": "right", "sitting_minutes": 15, "standing_minutes": 20, "break_every_minutes": 15}
    assert draft.duty_level == "modified"
    assert draft.based_on == {"lifting_limit_lb": "2026-11-20", "sitting_minutes": "2026-12-02", "standing_minutes": "2026-12-02"}
    assert "sits 15 min on 2 Dec 2026" in draft.sources
    assert "lifts 10 lb (the right arm) on 20 Nov 2026" in draft.sources


def test_no_measures_draft_nothing():
    assert rules.draft_from_measures({}, {}) == rules.Draft({}, None, {}, [])


# Extensions ---------------------------------------------------------------------------------------------

ISSUED = date(2026, 12, 2)
BASED_ON = {"sitting_minutes": "2026-12-02", "lifting_limit_lb": "2026-11-20"}


def test_only_a_restriction_running_past_the_last_one_is_an_extension():
    assert rules.is_extension(date(2026, 12, 30), date(2027, 1, 27))
    assert not rules.is_extension(date(2026, 12, 30), date(2026, 12, 30))


def test_an_extension_without_newer_measures_is_refused_naming_each_stale_one():
    (problem,) = rules.extension_problems(previous_issued_on=ISSUED, previous_based_on=BASED_ON,
                                          latest_as_of={"sitting_minutes": date(2026, 12, 2), "lifting_limit_lb": date(2026, 11, 20)})
    assert (problem.field, problem.rule) == ("measures", "newer_measures")
    assert "newer than the last restriction (issued 2 Dec 2026)" in problem.message
    assert "sitting tolerance last measured 2 Dec 2026" in problem.message  # the same day is not newer
    assert "lifting limit last measured 20 Nov 2026" in problem.message


def test_one_newer_measure_is_not_enough_the_stale_one_is_named():
    (problem,) = rules.extension_problems(previous_issued_on=ISSUED, previous_based_on=BASED_ON,
                                          latest_as_of={"sitting_minutes": date(2026, 12, 28), "lifting_limit_lb": date(2026, 11, 20)})
    assert "lifting limit last measured 20 Nov 2026" in problem.message
    assert "sitting" not in problem.message


def test_newer_measures_accept_the_extension():
    assert rules.extension_problems(previous_issued_on=ISSUED, previous_based_on=BASED_ON,
                                    latest_as_of={"sitting_minutes": date(2026, 12, 28), "lifting_limit_lb": date(2026, 12, 28)}) == []


def test_a_restriction_that_rested_on_no_measure_needs_the_charts_tolerances_newer():
    (problem,) = rules.extension_problems(previous_issued_on=ISSUED, previous_based_on={}, latest_as_of={"walking_minutes": date(2026, 11, 1)})
    assert "walking tolerance last measured 1 Nov 2026" in problem.message
    (none,) = rules.extension_problems(previous_issued_on=ISSUED, previous_based_on={}, latest_as_of={})
    assert "none are recorded" in none.message


# Re-evaluation and return-to-work obligations -----------------------------------------------------------

def _restriction(**changes) -> RestrictionFacts:  # noqa: ANN003
    base = {"restriction_id": 4, "clinic_id": 1, "episode_id": 3, "patient_id": 5, "duty_level": "light", "issued_on": date(2026, 12, 2),
            "valid_until": date(2026, 12, 30), "re_evaluate_on": date(2026, 12, 29), "superseded_on": None, "superseded_at": None,
            "episode_open": True}
    return RestrictionFacts(**{**base, **changes})


def test_the_re_evaluation_is_due_three_business_days_before_expiry_when_that_comes_first():
    due = rules.re_evaluation_due(CAL, re_evaluate_on=date(2026, 12, 29), valid_until=date(2026, 12, 30), lead=TIMINGS.re_evaluate_before_expiry)
    assert due == date(2026, 12, 24)  # 3 business days before Wed 30 Dec: Tue 29, Mon 28, Thu 24 (Fri 25 is Christmas)
    earlier = rules.re_evaluation_due(CAL, re_evaluate_on=date(2026, 12, 16), valid_until=date(2026, 12, 30), lead=TIMINGS.re_evaluate_before_expiry)
    assert earlier == date(2026, 12, 16)


def test_the_task_appears_before_it_is_due_and_names_the_expiry():
    early = restriction_findings(_restriction(), TIMINGS, CAL, _utc(date(2026, 12, 10)))
    assert early == [NextChange("work_restrictions", 3, CAL.start_of_local_day_utc(date(2026, 12, 21)), "restriction 4: re-evaluation nears")]
    (task,) = restriction_findings(_restriction(), TIMINGS, CAL, _utc(date(2026, 12, 21)))
    assert isinstance(task, Obligation)
    assert task.key == "work_restriction:4:re_evaluate" and task.owner_role == "clinician"
    assert task.due_at == CAL.end_of_local_day_utc(date(2026, 12, 24))
    assert "expire on 30 Dec 2026" in task.title
    assert "valid until 30 Dec 2026" in task.reason


def test_a_later_signed_restriction_meets_it_and_a_discharge_cancels_it():
    signed = _utc(date(2026, 12, 22))
    (met,) = restriction_findings(_restriction(superseded_on=date(2026, 12, 22), superseded_at=signed), TIMINGS, CAL, _utc(date(2026, 12, 23)))
    assert isinstance(met, Fulfillment) and met.met_at == signed
    (gone,) = restriction_findings(_restriction(episode_open=False), TIMINGS, CAL, _utc(date(2026, 12, 23)))
    assert isinstance(gone, Cancellation)


STEP = StepFacts(step_id=9, clinic_id=1, episode_id=3, patient_id=5, kind="graded", description="three 8-hour shifts a week, no lifting over 15 lb",
                 starts_on=date(2027, 1, 4), employer_confirmed_on=None, clinician_checked_on=None, episode_open=True)


def test_a_step_owes_nothing_before_it_starts():
    assert step_findings(STEP, TIMINGS, CAL, _utc(date(2026, 12, 31))) == [
        NextChange("work_restrictions", 3, CAL.start_of_local_day_utc(date(2027, 1, 4)), "return-to-work step 9 starts")]


def test_its_start_owes_the_employers_confirmation_and_a_clinicians_check():
    confirm, check = step_findings(STEP, TIMINGS, CAL, _utc(date(2027, 1, 4)))
    assert (confirm.key, confirm.owner_role, confirm.due_at) == ("return_to_work_step:9:confirm_employer", "coordinator",
                                                                 CAL.end_of_local_day_utc(date(2027, 1, 5)))
    assert (check.key, check.owner_role, check.due_at) == ("return_to_work_step:9:clinician_check", "clinician", CAL.end_of_local_day_utc(date(2027, 1, 11)))
    assert "three 8-hour shifts a week" in confirm.reason


def test_recorded_dates_meet_them():
    done = StepFacts(**{**STEP.__dict__, "employer_confirmed_on": date(2027, 1, 4), "clinician_checked_on": date(2027, 1, 8)})
    found = step_findings(done, TIMINGS, CAL, _utc(date(2027, 1, 8)))
    assert all(isinstance(f, Fulfillment) for f in found) and len(found) == 2
