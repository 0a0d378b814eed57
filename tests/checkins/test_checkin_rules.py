"""Check-in rules, pure: windows and keys from dated facts and the packs, state on a day, and the work a
missed or worrying check-in makes. No database, no clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from painpath.checkins import rules
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.loader import load_knowledge
from painpath.worklist.engine import Cancellation, Fulfillment, NextChange, Obligation

OWNER = rules.Owner(clinic_id=1, episode_id=7, patient_id=3)
CAL = BusinessCalendar()


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


@pytest.fixture(scope="module")
def pack(knowledge):  # noqa: ANN001, ANN201
    return knowledge.checkins


def _injection(knowledge, performed_on=date(2026, 12, 1), reliefs=()):  # noqa: ANN001, ANN202
    checks = knowledge.procedures["tfesi_lumbar"].relief_checks
    return rules.ProcedureFact(id=12, owner=OWNER, name="Lumbar TFESI at L4-5, left", performed_on=performed_on,
                               windows=[(c.name, *c.days()) for c in checks], reliefs_on=reliefs)


def test_an_injection_owes_the_procedure_packs_two_windows_keyed_by_the_procedure(knowledge, pack):
    found = rules.schedule(rules.EpisodeFacts(procedures=[_injection(knowledge)]), pack, date(2026, 12, 1))
    assert [(c.key, c.opens_on, c.due_on, c.how, c.status) for c in found] == [
        ("procedure:12:1", date(2026, 12, 2), date(2026, 12, 4), "telehealth", "upcoming"),
        ("procedure:12:2", date(2026, 12, 15), date(2026, 12, 15) + (found[1].due_on - date(2026, 12, 15)), "telehealth", "upcoming"),
    ]
    assert found[0].title == "Check-in 24 to 72 hours after the Lumbar TFESI at L4-5, left"
    assert {c.patient_title for c in found} == {"Check-in call with your care team"}
    assert "TFESI" not in found[0].patient_title


def test_states_follow_the_window_and_a_relief_report_inside_it_does_the_check_in(knowledge, pack):
    facts = rules.EpisodeFacts(procedures=[_injection(knowledge, reliefs=[date(2026, 12, 3)])])
    first, second = rules.schedule(facts, pack, date(2026, 12, 3))
    assert (first.status, first.done_on, first.done_how) == ("done", date(2026, 12, 3), "relief report")
    assert second.status == "upcoming"
    assert rules.schedule(facts, pack, second.opens_on)[1].status == "open"
    assert rules.schedule(facts, pack, second.due_on + timedelta(days=1))[1].status == "missed"


def test_a_relief_report_outside_the_window_does_not_do_it(knowledge, pack):
    facts = rules.EpisodeFacts(procedures=[_injection(knowledge, reliefs=[date(2026, 12, 9)])])
    first, _ = rules.schedule(facts, pack, date(2026, 12, 9))
    assert first.status == "missed"


def test_an_8_week_pt_block_owes_three_evenly_spaced_and_a_6_week_block_two(pack):
    eight = rules.PtCourseFact(id=5, owner=OWNER, start_date=date(2026, 12, 7), duration_weeks=8, status="active")
    found = rules.plan_pt(eight, pack)
    assert [(p.key, p.opens_on, p.due_on) for p in found] == [
        ("pt:5:1", date(2026, 12, 21), date(2026, 12, 23)), ("pt:5:2", date(2027, 1, 4), date(2027, 1, 6)),
        ("pt:5:3", date(2027, 1, 18), date(2027, 1, 20))]
    assert [p.title for p in found] == ["PT block check-in 1 of 3", "PT block check-in 2 of 3", "PT block check-in 3 of 3"]
    six = rules.PtCourseFact(id=6, owner=OWNER, start_date=date(2026, 12, 7), duration_weeks=6, status="completed")
    assert [p.opens_on for p in rules.plan_pt(six, pack)] == [date(2026, 12, 21), date(2027, 1, 4)]
    assert rules.plan_pt(rules.PtCourseFact(7, OWNER, date(2026, 12, 7), 8, "cancelled"), pack) == []
    # Discharged on 5 Jan, in week 5 of 8: the check-in of 4 Jan was owed, the one opening 18 Jan is not.
    early = rules.PtCourseFact(8, OWNER, date(2026, 12, 7), 8, "completed", ended_on=date(2027, 1, 5))
    assert [p.opens_on for p in rules.plan_pt(early, pack)] == [date(2026, 12, 21), date(2027, 1, 4)]


def test_j1_a_six_week_program_measured_by_the_ndi_owes_four_weekly_questionnaires(pack):
    step = rules.ScoreStepFact(id=41, owner=OWNER, started_on=date(2026, 12, 7), trial_ends_on=date(2027, 1, 18),
                               instruments=[("ndi", "NDI")])
    found = rules.plan_scores(step, pack)
    assert [(p.key, p.opens_on, p.how, p.instrument_id) for p in found] == [
        ("scores:41:ndi:1", date(2026, 12, 14), "questionnaire", "ndi"), ("scores:41:ndi:2", date(2026, 12, 21), "questionnaire", "ndi"),
        ("scores:41:ndi:3", date(2026, 12, 28), "questionnaire", "ndi"), ("scores:41:ndi:4", date(2027, 1, 4), "questionnaire", "ndi")]
    assert {p.patient_title for p in found} == {"Weekly questionnaire"}
    assert rules.plan_scores(rules.ScoreStepFact(41, OWNER, date(2026, 12, 7), date(2027, 1, 18), [("ndi", "NDI")], "failed"), pack) == []


def test_a_score_inside_the_window_does_the_weekly_questionnaire(pack):
    step = rules.ScoreStepFact(id=41, owner=OWNER, started_on=date(2026, 12, 7), trial_ends_on=date(2027, 1, 18),
                               instruments=[("ndi", "NDI")])
    facts = rules.EpisodeFacts(score_steps=[step], scores=[("ndi", date(2026, 12, 15)), ("odi", date(2026, 12, 22))])
    found = rules.schedule(facts, pack, date(2026, 12, 24))
    assert [(c.key, c.status, c.done_how) for c in found[:2]] == [("scores:41:ndi:1", "done", "questionnaire"),
                                                                   ("scores:41:ndi:2", "missed", None)]


def test_a_taper_follows_its_own_monthly_follow_ups_else_the_pack(pack):
    with_follow_ups = rules.TaperFact(id=3, owner=OWNER, start_date=date(2026, 12, 1), last_step_on=date(2027, 2, 1),
                                      follow_ups=[date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)], status="active")
    found = rules.plan_taper(with_follow_ups, pack)
    assert [(p.key, p.due_on) for p in found] == [("taper:3:1", date(2027, 1, 1)), ("taper:3:2", date(2027, 2, 1)), ("taper:3:3", date(2027, 3, 1))]
    assert found[0].opens_on == date(2027, 1, 1) - timedelta(days=pack.taper.window_days - 1)
    bare = rules.TaperFact(id=4, owner=OWNER, start_date=date(2026, 12, 1), last_step_on=date(2027, 2, 15), follow_ups=[], status="paused")
    assert [p.opens_on for p in rules.plan_taper(bare, pack)] == [date(2026, 12, 31), date(2027, 1, 30)]
    assert rules.plan_taper(rules.TaperFact(4, OWNER, date(2026, 12, 1), None, [], "completed"), pack) == []


def test_a_note_a_new_day_and_a_cancellation_change_the_state(knowledge, pack):
    facts = rules.EpisodeFacts(procedures=[_injection(knowledge)], records=[
        rules.RecordFact(key="procedure:12:1", id=1, done_on=date(2026, 12, 6)),
        rules.RecordFact(key="procedure:12:2", id=2, rescheduled_to=date(2026, 12, 30))])
    first, second = rules.schedule(facts, pack, date(2026, 12, 20))
    assert (first.status, first.done_how, first.record_id) == ("done", "check-in note", 1)  # done late still counts
    assert (second.status, second.due_on) == ("open", date(2026, 12, 30))
    cancelled = rules.EpisodeFacts(procedures=[_injection(knowledge)], records=[
        rules.RecordFact(key="procedure:12:1", id=1, cancelled_at=datetime(2026, 12, 5, 15))])
    assert rules.schedule(cancelled, pack, date(2026, 12, 20))[0].status == "cancelled"


def _work(facts, pack, today):  # noqa: ANN001, ANN202
    checkins = rules.schedule(facts, pack, today)
    return rules.findings(checkins, facts.records, today, CAL)


def test_an_open_pt_check_in_is_the_nurses_and_a_procedure_one_is_left_to_the_relief_check(knowledge, pack):
    course = rules.PtCourseFact(id=5, owner=OWNER, start_date=date(2026, 12, 7), duration_weeks=8, status="active")
    found = _work(rules.EpisodeFacts(procedures=[_injection(knowledge, date(2026, 12, 20))], pt_courses=[course]), pack, date(2026, 12, 22))
    due = [f for f in found if isinstance(f, Obligation)]
    assert [(o.key, o.owner_role, o.title) for o in due] == [("checkins:due:pt:5:1", "nurse", "Check-in due: PT block check-in 1 of 3")]
    assert due[0].due_at == CAL.end_of_local_day_utc(date(2026, 12, 23))
    assert due[0].evidence["link"] == "/checkins/episodes/7?key=pt:5:1"
    wake = [f for f in found if isinstance(f, NextChange)]
    assert wake[0].at == CAL.start_of_local_day_utc(date(2026, 12, 24))  # the PT window closes


def test_a_missed_check_in_is_the_coordinators_next_business_day_and_two_are_the_clinicians(knowledge, pack):
    facts = rules.EpisodeFacts(procedures=[_injection(knowledge, date(2026, 12, 1))])
    found = _work(facts, pack, date(2026, 12, 7))
    missed = [f for f in found if isinstance(f, Obligation)]
    assert [(o.key, o.owner_role, o.kind) for o in missed] == [("checkins:missed:procedure:12:1", "coordinator", "checkins.missed")]
    assert missed[0].title.startswith("Missed check-in: reach the patient, book it again or record it")
    assert missed[0].due_at == CAL.end_of_local_day_utc(date(2026, 12, 7))  # Fri 4 Dec closed; next business day Mon 7
    later = _work(facts, pack, date(2027, 1, 10))
    two = [o for o in later if isinstance(o, Obligation) and o.kind == "checkins.two_missed"]
    assert [(o.key, o.owner_role) for o in two] == [("checkins:two-missed:7:procedure:12:2", "clinician")]


def test_a_missed_check_in_done_late_rescheduled_or_cancelled_meets_its_task(knowledge, pack):
    for record in (rules.RecordFact(key="procedure:12:1", id=1, done_on=date(2026, 12, 7), done_at=datetime(2026, 12, 7, 16)),
                   rules.RecordFact(key="procedure:12:1", id=1, rescheduled_to=date(2026, 12, 9), changed_at=datetime(2026, 12, 7, 16)),
                   rules.RecordFact(key="procedure:12:1", id=1, cancelled_at=datetime(2026, 12, 7, 16))):
        found = _work(rules.EpisodeFacts(procedures=[_injection(knowledge, date(2026, 12, 1))], records=[record]), pack, date(2026, 12, 7))
        assert not [f for f in found if isinstance(f, Obligation)]
        assert [f.key for f in found if isinstance(f, Fulfillment)] == ["checkins:missed:procedure:12:1"]
        assert any(isinstance(f, Cancellation) for f in found)


def test_red_flags_at_a_check_in_are_the_clinicians_that_day_until_reviewed(knowledge, pack):
    record = rules.RecordFact(key="procedure:12:1", id=1, done_on=date(2026, 12, 3), done_at=datetime(2026, 12, 3, 16),
                              red_flags=True, red_flags_words="new leg weakness")
    found = _work(rules.EpisodeFacts(procedures=[_injection(knowledge)], records=[record]), pack, date(2026, 12, 3))
    (flag,) = [f for f in found if isinstance(f, Obligation)]
    assert (flag.owner_role, flag.due_at) == ("clinician", CAL.end_of_local_day_utc(date(2026, 12, 3)))
    assert "new leg weakness" in flag.reason
    reviewed = rules.RecordFact(**{**record.__dict__, "red_flags_reviewed_at": datetime(2026, 12, 3, 18)})
    found = _work(rules.EpisodeFacts(procedures=[_injection(knowledge)], records=[reviewed]), pack, date(2026, 12, 3))
    assert not [f for f in found if isinstance(f, Obligation)]
    assert "checkins:red-flags:procedure:12:1" in [f.key for f in found if isinstance(f, Fulfillment)]


def test_the_same_facts_give_the_same_keys_whatever_day(knowledge, pack):
    facts = rules.EpisodeFacts(procedures=[_injection(knowledge)],
                               pt_courses=[rules.PtCourseFact(5, OWNER, date(2026, 12, 7), 8, "active")])
    keys = {tuple(c.key for c in rules.schedule(facts, pack, date(2026, 12, 1) + timedelta(days=d))) for d in range(0, 90, 7)}
    assert len(keys) == 1
