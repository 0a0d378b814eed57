"""Pure rules of a PT course: the visit schedule on the clinic's business days (holidays skipped), visits
used and left, the gap-week obligations, the expiry warning and Medicare's progress report and
recertification. No database: facts in, findings out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.therapy import rules
from painpath.worklist.engine import Fulfillment, Obligation, keyed

CAL = BusinessCalendar(country="US", timezone_name="America/Chicago")
START = date(2026, 11, 2)  # a Monday; Thanksgiving is Thursday 26 November
AUTH = rules.AuthorizationFacts(id=7, visits_approved=8, window_from=START, window_to=date(2026, 12, 31))
COURSE = rules.CourseFacts(course_id=3, clinic_id=1, episode_id=11, patient_id=21, status="active", start_date=START,
                           frequency_per_week=2, duration_weeks=6, medicare=False, authorizations=(AUTH,))
PLAN = [v.on for v in rules.schedule(COURSE, CAL, START)]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0)  # 10:00 in Chicago


def visited_until(day: date, course: rules.CourseFacts = COURSE) -> rules.CourseFacts:
    """The course with every planned visit up to `day` recorded, as the therapist would chart them."""
    return replace(course, visit_dates=tuple(d for d in PLAN if d <= day))


def open_kinds(course: rules.CourseFacts, day: date, **kwargs) -> dict[str, Obligation]:  # noqa: ANN003
    return {f.kind: f for f in rules.course_findings(course, CAL, at(day), **kwargs) if isinstance(f, Obligation)}


def test_twice_a_week_falls_on_monday_and_thursday_and_thanksgiving_moves_to_friday():
    assert PLAN[:8] == [date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 9), date(2026, 11, 12), date(2026, 11, 16),
                        date(2026, 11, 19), date(2026, 11, 23), date(2026, 11, 27)]
    assert date(2026, 11, 26) not in PLAN
    assert len(PLAN) == 12 and PLAN[8] == date(2026, 11, 30)


def test_three_a_week_loses_no_visit_to_a_monday_holiday():
    course = replace(COURSE, start_date=date(2027, 1, 18), frequency_per_week=3, duration_weeks=1)  # MLK day, Monday
    assert [v.on for v in rules.schedule(course, CAL, date(2027, 1, 18))] == [date(2027, 1, 19), date(2027, 1, 20), date(2027, 1, 22)]


def test_recorded_visits_come_first_and_the_rest_is_projected_from_today():
    course = replace(COURSE, visit_dates=(date(2026, 11, 3), date(2026, 11, 6)))
    visits = rules.schedule(course, CAL, date(2026, 11, 7))
    assert [(v.on, v.recorded) for v in visits[:3]] == [(date(2026, 11, 3), True), (date(2026, 11, 6), True), (date(2026, 11, 9), False)]
    assert len(visits) == 12


def test_visits_used_are_counted_inside_the_window_only():
    auth = replace(AUTH, window_from=date(2026, 11, 5), window_to=date(2026, 11, 19))
    dates = (date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 12), date(2026, 11, 23))
    assert rules.visits_used(auth, dates) == 2
    status = rules.authorization_status(replace(COURSE, visit_dates=dates, authorizations=(auth,)), auth, CAL, date(2026, 11, 23))
    assert (status.used, status.left) == (2, 6)


def test_visit_9_is_unauthorized_without_an_extension():
    unauthorized = rules.first_unauthorized_visit(AUTH, rules.schedule(COURSE, CAL, START))
    assert (unauthorized.number, unauthorized.on) == (9, date(2026, 11, 30))
    assert unauthorized.words.startswith("visit 9 on Mon 30 Nov 2026 is unauthorized")
    approved = replace(AUTH, extension_outcome="approved")
    assert rules.first_unauthorized_visit(approved, rules.schedule(COURSE, CAL, START)) is None


def test_the_gap_week_opens_on_visit_5_and_is_due_before_visit_7():
    assert open_kinds(visited_until(date(2026, 11, 13)), date(2026, 11, 13)) == {}
    found = open_kinds(visited_until(date(2026, 11, 16)), date(2026, 11, 16))
    assert set(found) == {"pt_progress_note", "pt_provider_follow_up", "pt_extension_request"}
    due = CAL.end_of_local_day_utc(date(2026, 11, 20))  # the business day before visit 7 (Mon 23 Nov)
    assert {o.due_at for o in found.values()} == {due}
    assert "visit 7 of 8" in found["pt_progress_note"].title
    assert found["pt_progress_note"].owner_role == "therapist"
    assert found["pt_extension_request"].owner_role == "coordinator"
    assert "eviCore and Cohere" in found["pt_progress_note"].reason
    assert "visit 9 on Mon 30 Nov 2026 is unauthorized" in found["pt_extension_request"].reason


def test_the_setting_moves_the_mark():
    found = open_kinds(visited_until(date(2026, 11, 12)), date(2026, 11, 12), visits_before_end=3)
    assert "visit 6 of 8" in found["pt_progress_note"].title  # opens at visit 4, due before visit 6 (Thu 19 Nov)
    assert found["pt_progress_note"].due_at == CAL.end_of_local_day_utc(date(2026, 11, 18))


def test_a_progress_report_an_extension_request_and_a_follow_up_that_week_meet_the_gap_week():
    course = replace(
        visited_until(date(2026, 11, 19)), progress_reports=(date(2026, 11, 19),),
        authorizations=(replace(AUTH, extension_requested_at=datetime(2026, 11, 19, 20)),),
        provider_follow_ups=((date(2026, 11, 24), datetime(2026, 11, 17, 15)),),
    )
    findings = rules.course_findings(course, CAL, at(date(2026, 11, 19)))
    assert not [f for f in findings if isinstance(f, Obligation)]
    assert {f.key.rsplit(":", 1)[1] for f in findings if isinstance(f, Fulfillment)} == {
        "progress_note", "provider_follow_up", "extension_request"}


def test_a_follow_up_in_another_week_does_not_count():
    course = replace(visited_until(date(2026, 11, 16)), provider_follow_ups=((date(2026, 12, 1), datetime(2026, 11, 10, 15)),))
    assert "pt_provider_follow_up" in open_kinds(course, date(2026, 11, 16))


def test_escalation_fires_exactly_two_business_days_before_visit_9_across_thanksgiving():
    requested = replace(visited_until(date(2026, 11, 24)), progress_reports=(date(2026, 11, 19),),
                        authorizations=(replace(AUTH, extension_requested_at=datetime(2026, 11, 19, 20)),))
    # Visit 9 is Monday 30 Nov; two business days before, skipping Thanksgiving (Thu 26), is Wed 25 Nov.
    assert "pt_extension_escalation" not in open_kinds(requested, date(2026, 11, 24))
    escalation = open_kinds(replace(requested, visit_dates=tuple(d for d in PLAN if d <= date(2026, 11, 25))), date(2026, 11, 25))[
        "pt_extension_escalation"]
    assert escalation.due_at == CAL.end_of_local_day_utc(date(2026, 11, 25))
    assert escalation.owner_role == "coordinator" and "visit 9" in escalation.title
    answered = replace(requested, authorizations=(replace(AUTH, extension_requested_at=datetime(2026, 11, 19, 20),
                                                           extension_answered_at=datetime(2026, 11, 25, 15), extension_outcome="approved"),))
    assert "pt_extension_escalation" not in open_kinds(answered, date(2026, 11, 25))


def test_no_gap_week_when_the_course_fits_the_authorization():
    short = replace(COURSE, duration_weeks=4)  # 8 visits planned, 8 approved
    assert open_kinds(replace(short, visit_dates=tuple(PLAN[:6])), date(2026, 11, 19)) == {}


def test_the_expiry_warning_fires_by_date_even_when_visits_remain():
    auth = replace(AUTH, visits_approved=12, window_to=date(2026, 12, 4))  # 12 approved, but the window ends first
    course = replace(COURSE, authorizations=(auth,))
    status = rules.authorization_status(course, auth, CAL, START)
    assert status.visits_after_window == 2  # visits 11 and 12 (7 and 10 Dec) fall after 4 Dec
    # Ten business days before Fri 4 Dec, Thanksgiving skipped, is Thu 19 Nov; due five business days before, Fri 27 Nov.
    assert "pt_authorization_expiry" not in open_kinds(visited_until(date(2026, 11, 18), course), date(2026, 11, 18))
    expiry = open_kinds(visited_until(date(2026, 11, 19), course), date(2026, 11, 19))["pt_authorization_expiry"]
    assert expiry.due_at == CAL.end_of_local_day_utc(date(2026, 11, 27))
    assert "ends 04 Dec with 2 planned visits after it" in expiry.title and "6 of 12 visits are used" in expiry.reason
    requested = replace(course, authorizations=(replace(auth, extension_requested_at=datetime(2026, 11, 20, 18)),))
    assert "pt_authorization_expiry" not in open_kinds(visited_until(date(2026, 11, 20), requested), date(2026, 11, 20))


MEDICARE = replace(COURSE, medicare=True, frequency_per_week=3, duration_weeks=16, authorizations=(), certifications=(rules.Certification(START, 1),))
M_PLAN = [v.on for v in rules.schedule(MEDICARE, CAL, START)]


def test_medicare_progress_report_is_due_by_the_tenth_treatment_day():
    tenth = M_PLAN[9]
    course = replace(MEDICARE, visit_dates=tuple(M_PLAN[:6]))
    assert "pt_medicare_progress_report" not in open_kinds(course, M_PLAN[5])
    found = open_kinds(replace(MEDICARE, visit_dates=tuple(M_PLAN[:7])), M_PLAN[6])  # treatment day 7 opens it
    report = found["pt_medicare_progress_report"]
    assert report.due_at == CAL.end_of_local_day_utc(tenth) and "treatment day 10" in report.title
    assert "every 10 treatment days" in report.reason and "Medicare Benefit Policy Manual, chapter 15" in report.reason


def test_a_medicare_progress_report_starts_the_next_period():
    course = replace(MEDICARE, visit_dates=tuple(M_PLAN[:17]), progress_reports=(M_PLAN[8],))  # written on day 9
    found = rules.course_findings(course, CAL, at(M_PLAN[16]))
    met = [f.key for f in found if isinstance(f, Fulfillment)]
    assert "therapy:pt_course:3:medicare_progress:1" in met
    report = next(f for f in found if isinstance(f, Obligation) and f.kind == "pt_medicare_progress_report")
    assert "treatment day 19" in report.title and report.due_at == CAL.end_of_local_day_utc(M_PLAN[18])


def test_the_eval_counts_as_treatment_day_one_and_two_notes_the_same_day_are_one_day():
    course = replace(MEDICARE, visit_dates=(M_PLAN[0], M_PLAN[0], *M_PLAN[1:7]))
    found = open_kinds(course, M_PLAN[6])
    assert found["pt_medicare_progress_report"].due_at == CAL.end_of_local_day_utc(M_PLAN[9])


def test_medicare_recertification_is_due_on_day_90():
    assert rules.recertification_due_on(START) == START + timedelta(days=89)
    due_on = date(2027, 1, 30)
    assert "pt_poc_recertification" not in open_kinds(MEDICARE, due_on - timedelta(days=15))
    recert = open_kinds(MEDICARE, due_on - timedelta(days=14))["pt_poc_recertification"]
    assert recert.due_at == CAL.end_of_local_day_utc(due_on) and "day 90" in recert.title and recert.owner_role == "clinician"
    recertified = replace(MEDICARE, certifications=(rules.Certification(START, 1), rules.Certification(date(2027, 1, 25), 2)))
    findings = rules.course_findings(recertified, CAL, at(date(2027, 1, 25)))
    assert "therapy:pt_course:3:poc_recertification:certification:1" in [f.key for f in findings if isinstance(f, Fulfillment)]
    assert "pt_poc_recertification" not in {f.kind for f in findings if isinstance(f, Obligation)}


def test_medicare_plan_of_care_is_certified_within_30_days_of_the_first_treatment():
    course = replace(MEDICARE, certifications=(), visit_dates=(START,))
    certification = open_kinds(course, START)["pt_poc_certification"]
    assert certification.due_at == CAL.end_of_local_day_utc(START + timedelta(days=30))


def test_a_short_medicare_course_needs_no_recertification():
    short = replace(MEDICARE, duration_weeks=8)
    done = replace(short, visit_dates=tuple(v.on for v in rules.schedule(short, CAL, START)))  # all 24 visits recorded
    assert "pt_poc_recertification" not in open_kinds(done, date(2027, 1, 20))


def test_two_certifications_of_one_day_give_each_key_once():
    """Issue 11: facts recorded twice for one day must never give one key twice."""
    twice = replace(MEDICARE, certifications=(rules.Certification(START, 2), rules.Certification(START, 1)))
    keys = [f.key for f in keyed(rules.course_findings(twice, CAL, at(date(2027, 1, 20))))]
    assert len(keys) == len(set(keys))
    assert "therapy:pt_course:3:poc_recertification:certification:2" in keys  # the recertification after the later id


def test_a_missed_visit_moves_the_projection_the_next_day():
    from time_steps import assert_steps_at

    missed = replace(COURSE, visit_dates=tuple(d for d in PLAN if d < date(2026, 11, 23)))  # Mon 23 Nov not charted
    instant = assert_steps_at(lambda m: rules.course_findings(missed, CAL, m), at(date(2026, 11, 23)))
    assert CAL.local_date(instant) == date(2026, 11, 24)


def test_the_gap_week_opens_on_its_day():
    from time_steps import assert_steps_at

    charted = visited_until(date(2026, 11, 13))  # four of eight visits charted; visit 5 on Mon 16 Nov opens the gap week
    instant = assert_steps_at(lambda m: rules.course_findings(charted, CAL, m), at(date(2026, 11, 13)))
    assert CAL.local_date(instant) == date(2026, 11, 16)


def test_the_expiry_warning_opens_on_its_day():
    from time_steps import assert_steps_at

    short = replace(AUTH, visits_approved=20, window_to=date(2026, 11, 30))  # planned visits run into December
    course = replace(COURSE, authorizations=(short,), visit_dates=tuple(d for d in PLAN if d <= date(2026, 11, 10)))
    instant = assert_steps_at(lambda m: rules.course_findings(course, CAL, m), at(date(2026, 11, 10)))
    assert CAL.local_date(instant) == date(2026, 11, 13)  # ten business days before the window ends
    assert "pt_authorization_expiry" in open_kinds(course, date(2026, 11, 13))
