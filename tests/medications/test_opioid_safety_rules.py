"""The pure opioid-safety rules with plain facts (no database), using the shipped opioid_thresholds pack."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.loader import load_knowledge
from painpath.medications.opioids import rules as r
from painpath.worklist.engine import Fulfillment, Obligation, keyed

CAL = BusinessCalendar(country="US", timezone_name="America/Chicago")
NOW = datetime(2026, 3, 2, 15, 0)  # naive UTC, 09:00 in Chicago
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def policy() -> r.SafetyPolicy:
    knowledge = load_knowledge()
    return r.policy_from(knowledge.opioids.thresholds, knowledge.depressant_classes)


def oxy(id_: int = 1, start: date = TODAY, mme: float | None = 60.0, **more) -> r.RxFact:  # noqa: ANN003
    return r.RxFact(id=id_, drug_key=more.pop("drug_key", "oxycodone"), drug_name=more.pop("drug_name", "oxycodone"), start_date=start,
                    end_date=more.pop("end_date", None), stopped_on=more.pop("stopped_on", None), recorded_at=NOW, is_opioid=True,
                    daily_mme=mme, mme_status=more.pop("mme_status", "counted" if mme is not None else "unknown"), **more)


def facts(*prescriptions: r.RxFact, **more) -> r.EpisodeSafetyFacts:  # noqa: ANN003
    return r.EpisodeSafetyFacts(clinic_id=1, episode_id=7, patient_id=3, prescriptions=prescriptions, **more)


def found(policy: r.SafetyPolicy, f: r.EpisodeSafetyFacts, now: datetime = NOW) -> dict[str, Obligation | Fulfillment]:
    return {x.key.split(":episode:")[0]: x for x in keyed(r.episode_findings(f, policy, CAL, now))}


def test_policy_reads_the_pack_numbers(policy):
    assert policy.naloxone_mme == 50 and policy.follow_up_weeks == (1, 4) and policy.methadone_follow_up_days == 3
    assert policy.pdmp_every_months == 3 and policy.reassess_months == 3 and policy.agreement_renewal_months == 12
    assert policy.udt_months_by_band == {"low risk": 12, "moderate risk": 6, "high risk": 3}


def test_add_months_clamps_to_the_end_of_the_month():
    assert r.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert r.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert r.add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)


def test_refills_with_short_gaps_are_one_course_and_a_long_gap_restarts_it(policy):
    first = oxy(1, date(2026, 1, 1), end_date=date(2026, 1, 30))
    refill = oxy(2, date(2026, 2, 20), end_date=date(2026, 3, 21))  # 20-day gap
    assert r.therapy_start([first, refill], TODAY, policy.therapy_gap_days) == date(2026, 1, 1)
    late = oxy(3, date(2026, 3, 1), end_date=date(2026, 3, 30))
    assert r.therapy_start([oxy(1, date(2025, 11, 1), end_date=date(2025, 11, 30)), late], TODAY, policy.therapy_gap_days) == date(2026, 3, 1)
    assert r.therapy_start([first], TODAY, policy.therapy_gap_days) is None  # ran out in January: not on opioids today


def test_total_is_incomplete_when_an_active_opioids_mme_is_unknown_and_excluded_adds_nothing():
    total = r.total_mme_on([oxy(1, mme=30.0), oxy(2, mme=None), oxy(3, mme=None, mme_status="excluded")], TODAY)
    assert (total.total, total.complete) == (30.0, False)
    assert r.total_mme_on([oxy(1, mme=30.0), oxy(3, mme=None, mme_status="excluded")], TODAY) == r.MmeTotal(30.0, True)


def test_a_raise_is_a_new_opioid_or_a_higher_or_unknown_mme():
    first = oxy(1, mme=30.0)
    by_id = {1: first}
    assert r.raises_dose(first, by_id)
    assert not r.raises_dose(oxy(2, mme=15.0, previous_id=1), by_id)
    assert r.raises_dose(oxy(2, mme=45.0, previous_id=1), by_id)
    assert r.raises_dose(oxy(2, mme=None, previous_id=1), by_id)


def test_naloxone_reasons_at_50_and_with_each_risk(policy):
    assert r.naloxone_reasons(facts(oxy(mme=49.9)), policy, TODAY) == []
    assert r.naloxone_reasons(facts(oxy(mme=50.0)), policy, TODAY) == ["50 MME/day (at or over 50)"]
    assert r.naloxone_reasons(facts(oxy(mme=50.0), oxy(2, mme=None)), policy, TODAY) == ["50 MME/day or more (at or over 50)"]
    low = oxy(mme=15.0)
    assert r.naloxone_reasons(facts(low, icd10_codes=("G47.33",)), policy, TODAY) == ["sleep apnea (G47.33)"]
    assert r.naloxone_reasons(facts(low, icd10_codes=("t40.2x1a",)), policy, TODAY) == ["a past overdose (T40.2X1A)"]
    assert r.naloxone_reasons(facts(low, icd10_codes=("F11.20",)), policy, TODAY) == ["a substance use disorder (F11.20)"]
    assert r.naloxone_reasons(facts(low, icd10_codes=("F17.210", "G47.30")), policy, TODAY) == []  # nicotine; central apnea code differs
    benzo = r.RxFact(9, "alprazolam", "alprazolam", TODAY, None, None, NOW, depressant_class="benzodiazepine")
    assert r.naloxone_reasons(facts(low, benzo), policy, TODAY) == ["a benzodiazepine at the same time (alprazolam)"]


def test_drug_test_interval_by_ort_band_and_without_one(policy):
    assert r.udt_months(policy, "low risk") == (12, "ORT low risk")
    assert r.udt_months(policy, "high risk") == (3, "ORT high risk")
    assert r.udt_months(policy, None)[0] == 3


def test_nothing_is_owed_without_an_opioid_today(policy):
    gaba = r.RxFact(1, "gabapentin", "gabapentin", TODAY, None, None, NOW, depressant_class="gabapentinoid")
    assert r.episode_findings(facts(gaba), policy, CAL, NOW) == []
    assert r.episode_findings(facts(oxy(stopped_on=TODAY)), policy, CAL, NOW) == []


def test_a_new_opioid_owes_every_duty_each_with_its_source(policy):
    got = found(policy, facts(oxy()))
    assert set(got) == {"opioid:agreement:initial", "opioid:pdmp:rx:1", "opioid:udt:baseline", "opioid:naloxone:since:2026-03-02",
                        "opioid:follow_up:rx:1"}
    for finding in got.values():
        assert isinstance(finding, Obligation) and "Source: " in finding.reason and finding.provider == "opioid_safety"
    assert got["opioid:pdmp:rx:1"].due_at == NOW  # due immediately
    assert got["opioid:agreement:initial"].evidence["due_date"] == "2026-05-31"
    assert got["opioid:follow_up:rx:1"].evidence["due_date"] == "2026-03-30"
    # Recomputing gives the same keys and due times: the worklist does not churn.
    assert r.episode_findings(facts(oxy()), policy, CAL, NOW) == r.episode_findings(facts(oxy()), policy, CAL, NOW)


def test_a_pdmp_check_in_the_week_before_counts_and_an_older_one_does_not(policy):
    week = r.PdmpFact(7, date(2026, 2, 23), datetime(2026, 2, 23, 16, 0))
    older = r.PdmpFact(6, date(2026, 2, 22), datetime(2026, 2, 22, 16, 0))
    assert isinstance(found(policy, facts(oxy(), pdmp_checks=(week,)))["opioid:pdmp:rx:1"], Fulfillment)
    assert isinstance(found(policy, facts(oxy(), pdmp_checks=(older,)))["opioid:pdmp:rx:1"], Obligation)


def test_recurring_duties_follow_the_latest_fact_and_appear_two_weeks_ahead(policy):
    base = facts(oxy(start=date(2026, 1, 5)), agreements=(r.Dated(date(2026, 1, 5), 3, "agreement"),),
                 drug_tests=(r.Dated(date(2026, 1, 5), 4, "drug_test"),),
                 pdmp_checks=(r.PdmpFact(5, date(2026, 1, 5), datetime(2026, 1, 5, 16, 0)),), ort_band="low risk",
                 visits=(r.Dated(date(2026, 1, 20), 9, "visit"),), naloxone_offers=((date(2026, 1, 5), "declined"),))
    early = found(policy, base, datetime(2026, 3, 21, 15, 0))
    assert "opioid:pdmp:after:pdmp_check:5" not in early  # due 5 Apr: not on the worklist 15 days ahead
    got = found(policy, base, datetime(2026, 3, 25, 15, 0))
    assert got["opioid:pdmp:after:pdmp_check:5"].evidence["due_date"] == "2026-04-05"
    assert "opioid:udt:after:drug_test:4" not in got  # low risk: yearly, not near yet
    assert "opioid:follow_up:after:visit:9" not in got  # due 20 Apr: not within two weeks on 25 Mar
    assert isinstance(got["opioid:agreement:initial"], Fulfillment) and isinstance(got["opioid:udt:baseline"], Fulfillment)
    assert got["opioid:naloxone:since:2026-01-05"].met_by == "Naloxone offered on Mon 05 Jan 2026 (declined)"
    later = found(policy, base, datetime(2026, 4, 10, 15, 0))
    assert later["opioid:follow_up:after:visit:9"].evidence["due_date"] == "2026-04-20"
    assert isinstance(later["opioid:follow_up:after:rx:1"], Fulfillment)  # the first visit met the duty after the start


def test_methadone_follow_up_is_three_days(policy):
    got = found(policy, facts(oxy(drug_key="methadone", drug_name="methadone", mme=23.5)))
    assert got["opioid:follow_up:rx:1"].evidence["due_date"] == "2026-03-05"
    assert "within 3 days" in got["opioid:follow_up:rx:1"].reason


def test_coprescribing_warning_names_both_drugs_and_cites_rec_11(policy):
    gaba = r.RxFact(2, "pregabalin", "pregabalin", TODAY, None, None, NOW, depressant_class="gabapentinoid")
    warning = found(policy, facts(oxy(mme=20.0), gaba))["opioid:coprescribing:1:2"]
    assert warning.title == "Review co-prescribing: oxycodone with pregabalin (gabapentinoid)" and "CDC 2022 Rec 11" in warning.reason


def test_summary_shows_the_schedule(policy):
    s = r.summary(facts(oxy(), agreements=(r.Dated(TODAY, 1, "agreement"),), drug_tests=(r.Dated(TODAY, 1, "drug_test"),),
                        ort_band="moderate risk", pdmp_checks=(r.PdmpFact(1, TODAY, NOW),)), policy, TODAY)
    assert (s.on_opioids, s.mme_total, s.agreement_renewal_due, s.next_drug_test_due, s.next_pdmp_due) == (
        True, 60.0, date(2027, 3, 2), date(2026, 9, 2), date(2026, 6, 2))
    assert s.naloxone_reasons == ["60 MME/day (at or over 50)"]


def test_two_facts_of_one_day_give_each_key_once_and_the_later_id_is_the_anchor(policy):
    """Issue 11: two agreements signed the same day used to give the renewal key twice and stop the worklist."""
    day = date(2026, 1, 5)
    twice = facts(oxy(start=day), agreements=(r.Dated(day, 8, "agreement"), r.Dated(day, 3, "agreement")),
                  drug_tests=(r.Dated(day, 4, "drug_test"), r.Dated(day, 2, "drug_test")),
                  pdmp_checks=(r.PdmpFact(6, day, datetime(2026, 1, 5, 16, 0)), r.PdmpFact(5, day, datetime(2026, 1, 5, 16, 0))),
                  visits=(r.Dated(date(2026, 1, 20), 11, "visit"), r.Dated(date(2026, 1, 20), 10, "visit")))
    findings = r.episode_findings(twice, policy, CAL, datetime(2026, 12, 28, 15, 0))
    keys = [f.key for f in findings]
    assert len(keys) == len(set(keys))
    got = {k.split(":episode:")[0]: f for k, f in zip(keys, findings)}
    assert isinstance(got["opioid:agreement:after:agreement:3"], Fulfillment)  # met by its same-day twin
    assert isinstance(got["opioid:agreement:after:agreement:8"], Obligation)  # the renewal is owed once
    assert isinstance(got["opioid:pdmp:after:pdmp_check:6"], Obligation) and isinstance(got["opioid:follow_up:after:visit:11"], Obligation)


def test_the_answer_holds_until_the_prescription_ends_and_changes_the_next_day(policy):
    from time_steps import assert_steps_at

    short = facts(oxy(start=date(2026, 2, 20), end_date=date(2026, 3, 6)))
    instant = assert_steps_at(lambda moment: r.episode_findings(short, policy, CAL, moment), NOW)
    assert CAL.local_date(instant) == date(2026, 3, 7) and keyed(r.episode_findings(short, policy, CAL, instant)) == []


def test_a_recurring_pdmp_check_appears_when_its_notice_window_opens(policy):
    from time_steps import assert_steps_at

    checked = facts(oxy(start=date(2025, 12, 1)), pdmp_checks=(r.PdmpFact(5, date(2026, 1, 5), datetime(2026, 1, 5, 16, 0)),))
    instant = assert_steps_at(lambda moment: r.episode_findings(checked, policy, CAL, moment), NOW)
    assert CAL.local_date(instant) == r.add_months(date(2026, 1, 5), policy.pdmp_every_months) - timedelta(days=policy.notice_days)
    assert "opioid:pdmp:after:pdmp_check:5" in found(policy, checked, instant)


def test_a_prescription_written_to_start_later_is_a_next_change(policy):
    from time_steps import assert_steps_at

    later = facts(oxy(start=date(2026, 3, 10)))
    instant = assert_steps_at(lambda moment: r.episode_findings(later, policy, CAL, moment), NOW)
    assert CAL.local_date(instant) == date(2026, 3, 10)
