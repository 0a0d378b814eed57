"""Issue 13 parts 1 and 3, the pure rules with plain facts and the shipped packs: an opioid with a drug of each
cns_depressants class warns and owes a clinician's review citing the class's source; only benzodiazepines are
by themselves a reason to offer naloxone (CDC 2022 Rec 8); nothing without an opioid. A second overlapping
opioid warns with the new total and owes its own PDMP check but no second follow-up visit; buprenorphine is
named as excluded from the MME total, never "0 MME/day"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.citations import citation
from painpath.knowledge.loader import load_knowledge
from painpath.medications.opioids import rules as r
from painpath.worklist.engine import Fulfillment, Obligation, keyed

CAL = BusinessCalendar(country="US", timezone_name="America/Chicago")
NOW = datetime(2026, 3, 2, 15, 0)  # naive UTC, 09:00 in Chicago
TODAY = date(2026, 3, 2)

# One drug of each class, as a clinician would write it; the class comes from the pack, by drug id.
ONE_OF_EACH = {"benzodiazepine": "lorazepam", "z_drug": "zolpidem", "barbiturate": "butalbital",
               "gabapentinoid": "pregabalin", "muscle_relaxant": "carisoprodol"}


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


@pytest.fixture(scope="module")
def policy(knowledge) -> r.SafetyPolicy:  # noqa: ANN001
    return r.policy_from(knowledge.opioids.thresholds, knowledge.depressant_classes)


def oxy(id_: int = 1, start: date = TODAY, mme: float | None = 15.0, **more) -> r.RxFact:  # noqa: ANN003
    return r.RxFact(id=id_, drug_key=more.pop("drug_key", "oxycodone"), drug_name=more.pop("drug_name", "oxycodone"), start_date=start,
                    end_date=more.pop("end_date", None), stopped_on=more.pop("stopped_on", None), recorded_at=NOW, is_opioid=True,
                    daily_mme=mme, mme_status=more.pop("mme_status", "counted" if mme is not None else "unknown"), **more)


def sedative(id_: int, drug: str, class_id: str, start: date = TODAY, **more) -> r.RxFact:  # noqa: ANN003
    return r.RxFact(id=id_, drug_key=drug, drug_name=drug, start_date=start, end_date=None, stopped_on=more.pop("stopped_on", None),
                    recorded_at=NOW, depressant_class=class_id)


def facts(*prescriptions: r.RxFact, **more) -> r.EpisodeSafetyFacts:  # noqa: ANN003
    return r.EpisodeSafetyFacts(clinic_id=1, episode_id=7, patient_id=3, prescriptions=prescriptions, **more)


def found(policy: r.SafetyPolicy, f: r.EpisodeSafetyFacts, now: datetime = NOW) -> dict[str, Obligation | Fulfillment]:
    return {x.key.split(":episode:")[0]: x for x in keyed(r.episode_findings(f, policy, CAL, now))}


# ---- Part 1: each class, with and without an opioid ------------------------------------------------------

def test_the_policy_reads_every_class_of_the_pack(policy):
    assert set(policy.depressants) == set(ONE_OF_EACH)
    assert policy.depressants["benzodiazepine"].naloxone_words == "a benzodiazepine at the same time"
    # CDC 2022 Rec 8 names benzodiazepines only: no other class is by itself a reason to offer naloxone.
    assert [c for c, rule in policy.depressants.items() if rule.naloxone_words] == ["benzodiazepine"]


@pytest.mark.parametrize("class_id", sorted(ONE_OF_EACH))
def test_an_opioid_with_each_class_warns_and_owes_a_review_citing_the_class_source(policy, knowledge, class_id):
    drug = ONE_OF_EACH[class_id]
    earlier = TODAY - timedelta(days=10)
    got = found(policy, facts(oxy(start=earlier), sedative(2, drug, class_id)))
    review = got["opioid:coprescribing:1:2"]
    name = knowledge.depressant_classes[class_id].name
    assert isinstance(review, Obligation) and review.owner_role == "clinician"
    assert review.title == f"Review co-prescribing: oxycodone with {drug} ({name})"
    assert review.due_at == CAL.end_of_local_day_utc(TODAY)  # due from the later prescription's start
    assert review.reason.endswith(f"Source: {citation(knowledge.depressant_classes[class_id].source).rstrip('.')}.")
    assert "research/" not in review.reason  # staff see the public citation only
    assert review.evidence["drug_class"] == class_id
    (warning,) = r.summary(facts(oxy(start=earlier), sedative(2, drug, class_id)), policy, TODAY).coprescribing
    assert warning.startswith(f"oxycodone with {drug} (a {name}): ")


def test_opioid_and_benzodiazepine_warns_cites_rec_11_and_offers_naloxone(policy):
    got = found(policy, facts(oxy(), sedative(2, "alprazolam", "benzodiazepine")))
    assert "CDC 2022 Rec 11" in got["opioid:coprescribing:1:2"].reason
    assert "offer naloxone" in got["opioid:coprescribing:1:2"].reason
    naloxone = got["opioid:naloxone:since:2026-03-02"]
    assert naloxone.evidence["reasons"] == ["a benzodiazepine at the same time (alprazolam)"]  # 15 MME/day alone is no reason


@pytest.mark.parametrize("class_id", ["z_drug", "barbiturate", "gabapentinoid", "muscle_relaxant"])
def test_other_classes_warn_but_are_no_naloxone_reason_on_their_own(policy, class_id):
    got = found(policy, facts(oxy(), sedative(2, ONE_OF_EACH[class_id], class_id)))
    assert "opioid:coprescribing:1:2" in got
    assert not any(k.startswith("opioid:naloxone") for k in got)  # 15 MME/day, no risk diagnosis


def test_carisoprodol_adds_its_own_words_to_the_muscle_relaxant_warning(policy):
    caris = r.summary(facts(oxy(), sedative(2, "carisoprodol", "muscle_relaxant")), policy, TODAY).coprescribing[0]
    cyclo = r.summary(facts(oxy(), sedative(2, "cyclobenzaprine", "muscle_relaxant")), policy, TODAY).coprescribing[0]
    assert "Carisoprodol above all" in caris and "meprobamate" in caris
    assert "Carisoprodol" not in cyclo


@pytest.mark.parametrize("class_id", sorted(ONE_OF_EACH))
def test_no_warning_without_an_opioid(policy, class_id):
    alone = facts(sedative(2, ONE_OF_EACH[class_id], class_id))
    assert r.episode_findings(alone, policy, CAL, NOW) == []
    assert r.coprescriptions(alone.prescriptions, policy, TODAY) == []
    stopped_opioid = facts(oxy(start=TODAY - timedelta(days=20), stopped_on=TODAY), sedative(2, ONE_OF_EACH[class_id], class_id))
    assert r.coprescriptions(stopped_opioid.prescriptions, policy, TODAY) == []


def test_a_drug_of_no_class_and_a_class_the_packs_do_not_define_do_not_warn(policy):
    duloxetine = r.RxFact(2, "duloxetine", "duloxetine", TODAY, None, None, NOW)
    unknown_class = sedative(3, "meprobamate", "carbamate")
    assert r.coprescriptions([oxy(), duloxetine, unknown_class], policy, TODAY) == []


# ---- Part 3: a second overlapping opioid ------------------------------------------------------------------

def test_a_second_overlapping_opioid_warns_with_the_new_total_and_owes_its_pdmp_check(policy):
    first = oxy(1, start=TODAY - timedelta(days=7), mme=30.0)
    second = oxy(2, start=TODAY, mme=30.0, drug_key="morphine", drug_name="morphine")
    check = r.PdmpFact(5, TODAY - timedelta(days=8), datetime(2026, 2, 22, 16, 0))  # before the first only
    f = facts(first, second, pdmp_checks=(check,))
    (overlap,) = r.overlapping_opioids(f.prescriptions, TODAY)
    assert (overlap.earlier.id, overlap.later.id, overlap.total_from.total) == (1, 2, 60.0)
    assert "the total is 60 MME/day while both are taken" in overlap.warning and "Check the PDMP" in overlap.warning
    got = found(policy, f)
    pdmp = {k: v for k, v in got.items() if k.startswith("opioid:pdmp:rx:")}
    assert isinstance(pdmp["opioid:pdmp:rx:1"], Fulfillment)
    assert isinstance(pdmp["opioid:pdmp:rx:2"], Obligation)  # one PDMP check owed, for the new prescription
    assert pdmp["opioid:pdmp:rx:2"].title == "Check the PDMP: morphine prescribed Mon 02 Mar 2026 (overlaps oxycodone)"
    assert pdmp["opioid:pdmp:rx:2"].evidence["total_mme_from"] == 60.0
    assert r.summary(f, policy, TODAY).overlaps == [overlap.warning]


def test_the_second_opioid_before_the_follow_up_visit_joins_it_instead_of_a_second_task(policy):
    first = oxy(1, start=TODAY - timedelta(days=7), mme=30.0)
    second = oxy(2, start=TODAY, mme=30.0, drug_key="morphine", drug_name="morphine")
    got = found(policy, facts(first, second))
    follow_ups = {k: v for k, v in got.items() if k.startswith("opioid:follow_up:rx:")}
    assert list(follow_ups) == ["opioid:follow_up:rx:1"]  # no duplicate for the second
    task = follow_ups["opioid:follow_up:rx:1"]
    assert task.evidence["due_date"] == "2026-03-23"  # 4 weeks after the first start: the earlier of the two dues
    assert task.evidence["prescription_ids"] == [1, 2]
    assert "morphine started on Mon 02 Mar 2026 (total 60 MME/day)" in task.reason
    # Seen after the first start but before the second: the second owes its own visit.
    seen = facts(first, second, visits=(r.Dated(TODAY - timedelta(days=3), 9, "visit"),))
    got = found(policy, seen)
    assert isinstance(got["opioid:follow_up:rx:1"], Fulfillment) and isinstance(got["opioid:follow_up:rx:2"], Obligation)
    # A visit the day the second starts reviews the first, not the second (a visit must come after a start).
    same_day = found(policy, facts(first, second, visits=(r.Dated(TODAY, 9, "visit"),)), datetime(2026, 3, 3, 15, 0))
    assert isinstance(same_day["opioid:follow_up:rx:1"], Fulfillment) and isinstance(same_day["opioid:follow_up:rx:2"], Obligation)
    # One visit after both meets the one task.
    later = facts(first, second, visits=(r.Dated(TODAY + timedelta(days=1), 9, "visit"),))
    assert isinstance(found(policy, later, datetime(2026, 3, 3, 15, 0))["opioid:follow_up:rx:1"], Fulfillment)


def test_a_dose_change_or_a_refill_after_the_supply_is_no_overlap(policy):
    first = oxy(1, start=TODAY - timedelta(days=7), stopped_on=TODAY)
    raised = oxy(2, start=TODAY, mme=30.0, previous_id=1)
    assert r.overlapping_opioids([first, raised], TODAY) == []
    supply = oxy(1, start=TODAY - timedelta(days=30), end_date=TODAY - timedelta(days=1))
    refill = oxy(2, start=TODAY, end_date=TODAY + timedelta(days=29))
    assert r.overlapping_opioids([supply, refill], TODAY) == []


# ---- Part 3: buprenorphine is excluded, never "0 MME/day, complete" ---------------------------------------

def test_buprenorphine_is_named_as_excluded_from_the_total(policy):
    reason = "Not included in MME: partial mu-agonist activity and ceiling effects (CDC 2022 table, caution 6)"
    bup = oxy(1, mme=None, drug_key="buprenorphine", drug_name="buprenorphine", mme_status="excluded", mme_reason=reason)
    alone = r.summary(facts(bup), policy, TODAY)
    assert alone.mme_excluded == [("buprenorphine", reason)]
    assert alone.mme_label == "no MME total: buprenorphine excluded from the MME total"
    assert "0 MME" not in alone.mme_label
    both = r.summary(facts(bup, oxy(2, mme=30.0)), policy, TODAY)
    assert both.mme_label == "30 MME/day, not counting buprenorphine (excluded from the MME total)"
    assert r.summary(facts(oxy(2, mme=30.0)), policy, TODAY).mme_label == "30 MME/day"
