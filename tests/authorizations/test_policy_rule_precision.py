"""Every prior-study rule and every exception of every shipped policy: how recent, which codes, exactly.

The tables below state, for each rule the shipped packs hold, the recency of its study or the exact
diagnosis codes of its exception (and whether the payer's text gave it or the clinic assumed it).
The rules are enumerated from the loaded packs, so a new imaging rule or exception without a row here
fails `test_every_shipped_rule_has_a_row`, and a row for a rule that is gone fails it too.

Each row is then run through the criteria engine with plain facts:
- a study from years before the episode does not satisfy; a study inside the window does; the window's
  first day counts and the day before it does not;
- where the rule is about this problem (`since_onset`), a study from shortly before the pain began does
  not count, even inside the window;
- a diagnosis exception waives on each intended code and on no other code of the same ICD-10-CM
  category (the family's sequelae and unrelated conditions, listed from the tabular list itself);
- an imaging-finding exception waives on a finding of this episode, not on the same finding on an
  older study.

Sources: research/prior-auth.md sections 1, 2, 4, 6 and 7 (the policies' own `source` fields) and the
ICD-10-CM tabular list as packaged by simple-icd-10-cm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import EpisodeFacts, ExamFact, ImagingStudy, PlannedProcedure
from painpath.knowledge import icd10cm, load_knowledge
from painpath.knowledge.schemas import ImagingCriterion, Policy, Waiver, add_months

KNOWLEDGE = load_knowledge()
TODAY = date(2026, 12, 7)


@dataclass(frozen=True)
class Recency:
    within_months: int | None
    since_onset: bool
    assumed: bool  # the payer's text gives no age: the clinic's assumption, verified: false

    def words(self) -> str:
        parts = [f"within the last {self.within_months} months"] if self.within_months else []
        return " and ".join(parts + ["taken since this problem began"] * self.since_onset)


EVICORE_24 = Recency(within_months=24, since_onset=False, assumed=False)  # eviCore CMM-200: MRI/CT within 24 months
CLINIC_12_THIS_PROBLEM = Recency(within_months=12, since_onset=True, assumed=True)  # no age in the source
EVICORE_SI_FUSION_6 = Recency(within_months=6, since_onset=False, assumed=False)  # eviCore CMM-611: <= 6 months old
EVICORE_MSK_THIS_EPISODE = Recency(within_months=None, since_onset=True, assumed=False)  # radiographs after the episode began

# (policy id, criterion id) -> the recency its study must have.
STUDY_RULES: dict[tuple[str, str], Recency] = {
    ("loose_tfesi", "concordant_imaging"): EVICORE_24,
    ("loose_ilesi", "concordant_imaging"): EVICORE_24,
    ("strict_esi_lumbar_transforaminal", "concordant_imaging"): EVICORE_24,
    ("strict_esi_lumbar_interlaminar", "concordant_imaging"): EVICORE_24,
    ("strict_esi_cervical_transforaminal", "concordant_imaging"): EVICORE_24,
    ("strict_esi_cervical_interlaminar", "concordant_imaging"): EVICORE_24,
    ("typical_tfesi", "concordant_imaging"): EVICORE_24,
    ("typical_ilesi", "concordant_imaging"): EVICORE_24,
    ("typical_facet_mbb", "imaging_excludes_other_causes"): CLINIC_12_THIS_PROBLEM,
    ("typical_si_fusion", "recent_imaging"): EVICORE_SI_FUSION_6,
    ("typical_knee_ha", "xray_confirmed_oa"): CLINIC_12_THIS_PROBLEM,
    ("typical_mri_knee", "radiographs_this_episode"): EVICORE_MSK_THIS_EPISODE,
    ("medicare_tfesi", "concordant_imaging"): CLINIC_12_THIS_PROBLEM,
    ("medicare_ilesi", "concordant_imaging"): CLINIC_12_THIS_PROBLEM,
    ("medicare_knee_ha", "xray_confirmed_oa"): CLINIC_12_THIS_PROBLEM,
    ("medicare_mri_knee", "radiographs_first"): CLINIC_12_THIS_PROBLEM,
    ("ma_tfesi", "concordant_imaging"): CLINIC_12_THIS_PROBLEM,
    ("ma_ilesi", "concordant_imaging"): CLINIC_12_THIS_PROBLEM,
    ("ma_knee_ha", "xray_confirmed_oa"): CLINIC_12_THIS_PROBLEM,
    ("ma_mri_knee", "radiographs_first"): CLINIC_12_THIS_PROBLEM,
    ("wc_ca_esi", "corroborating_imaging"): CLINIC_12_THIS_PROBLEM,
}


@dataclass(frozen=True)
class Codes:
    """A diagnosis exception: exactly these codes waive (L33906 "acute herpes zoster", mapped by the clinic)."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """An imaging-finding exception: the finding on a study as recent as `recency` says."""

    finding: str
    recency: Recency


@dataclass(frozen=True)
class RedFlags:
    """A red-flag exception: any red flag answered at this episode's triage."""


ACUTE_ZOSTER = Codes(("B02.7", "B02.8", "B02.9"))
ACUTE_DISC_INJURY = Finding("acute_disc_injury", Recency(within_months=None, since_onset=True, assumed=True))

# (policy id, exception id) -> what makes it hold.
EXCEPTIONS: dict[tuple[str, str], Codes | Finding | RedFlags] = {
    ("loose_tfesi", "acute_disc_injury"): ACUTE_DISC_INJURY,
    ("loose_ilesi", "acute_disc_injury"): ACUTE_DISC_INJURY,
    ("medicare_tfesi", "herpes_zoster"): ACUTE_ZOSTER,
    ("medicare_ilesi", "herpes_zoster"): ACUTE_ZOSTER,
    ("ma_tfesi", "herpes_zoster"): ACUTE_ZOSTER,
    ("ma_ilesi", "herpes_zoster"): ACUTE_ZOSTER,
    ("typical_mri_lumbar", "red_flag_bypass"): RedFlags(),
    ("typical_mri_cervical", "red_flag_bypass"): RedFlags(),
    ("medicare_mri_lumbar", "red_flag_bypass"): RedFlags(),
    ("medicare_mri_cervical", "red_flag_bypass"): RedFlags(),
    ("ma_mri_lumbar", "red_flag_bypass"): RedFlags(),
    ("ma_mri_cervical", "red_flag_bypass"): RedFlags(),
}


def shipped_study_rules() -> dict[tuple[str, str], tuple[Policy, ImagingCriterion]]:
    return {
        (p.id, c.id): (p, c)
        for p in KNOWLEDGE.policies.values()
        for c in p.criteria
        if isinstance(c, ImagingCriterion)
    }


def shipped_exceptions() -> dict[tuple[str, str], tuple[Policy, Waiver]]:
    return {(p.id, w.id): (p, w) for p in KNOWLEDGE.policies.values() for w in p.exceptions}


def test_every_shipped_rule_has_a_row() -> None:
    assert set(shipped_study_rules()) == set(STUDY_RULES)
    assert set(shipped_exceptions()) == set(EXCEPTIONS)


# --- building facts ----------------------------------------------------------------------------------


def planned_for(policy: Policy) -> PlannedProcedure:
    procedure = KNOWLEDGE.procedures[policy.procedures[0]]
    return PlannedProcedure(kind=procedure.id, cpt_codes=(procedure.codes[0].code,), region=procedure.region, side="left")


def study_for(criterion: ImagingCriterion, planned: PlannedProcedure, on: date, **more: object) -> ImagingStudy:
    region = criterion.regions[0] if criterion.regions else planned.region
    return ImagingStudy(criterion.modalities[0], region, on, report_on_file=True, concordant=True, **more)  # type: ignore[arg-type]


def episode(onset: date | None, **more: object) -> EpisodeFacts:
    base = EpisodeFacts(
        episode_id=1, payer_id=None, plan_type=None, body_region="low_back", laterality="left",
        onset_date=onset, diagnosis_codes=("M54.16",),
    )
    return replace(base, **more)  # type: ignore[arg-type]


def status_of(policy: Policy, criterion_id: str, facts: EpisodeFacts, today: date = TODAY) -> str:
    decision = evaluate(policy, facts, planned_for(policy), today, KNOWLEDGE.procedures)
    return decision.criterion(criterion_id).status


def study_status(key: tuple[str, str], onset: date | None, taken_on: date) -> str:
    policy, criterion = shipped_study_rules()[key]
    study = study_for(criterion, planned_for(policy), taken_on)
    return status_of(policy, criterion.id, episode(onset, imaging=(study,)))


# --- prior studies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(STUDY_RULES), ids="/".join)
def test_the_pack_states_the_recency_and_where_it_comes_from(key: tuple[str, str]) -> None:
    expected = STUDY_RULES[key]
    _, criterion = shipped_study_rules()[key]
    recency = criterion.recency
    assert (recency.within.months if recency.within else None) == expected.within_months
    assert recency.within is None or recency.within.months is not None  # all shipped windows are in months
    assert recency.since_onset is expected.since_onset and not recency.any_age
    if expected.assumed:
        # No age in the payer's text: the pack says so and names the clinic's assumption.
        assert (recency.evidence, recency.verified) == ("K", False)
        assert "gives no age" in recency.source and "clinic" in recency.source
    else:
        assert "no age for the study" not in recency.source
    assert recency.words() == expected.words()


@pytest.mark.parametrize("key", sorted(STUDY_RULES), ids="/".join)
def test_a_study_from_years_before_the_episode_does_not_satisfy(key: tuple[str, str]) -> None:
    onset = TODAY - timedelta(days=100)
    assert study_status(key, onset, add_months(onset, -36)) == "not_met"


@pytest.mark.parametrize("key", sorted(STUDY_RULES), ids="/".join)
def test_a_study_of_this_problem_within_the_window_satisfies(key: tuple[str, str]) -> None:
    onset = TODAY - timedelta(days=100)
    assert study_status(key, onset, onset + timedelta(days=10)) == "met"


@pytest.mark.parametrize("key", sorted(k for k, r in STUDY_RULES.items() if r.within_months), ids="/".join)
def test_the_window_counts_back_from_the_request_date(key: tuple[str, str]) -> None:
    months = STUDY_RULES[key].within_months
    assert months is not None
    first_day = add_months(TODAY, -months)
    onset = first_day - timedelta(days=30)  # the pain began before the window, so only the window decides
    assert study_status(key, onset, first_day) == "met"
    assert study_status(key, onset, first_day - timedelta(days=1)) == "not_met"


@pytest.mark.parametrize("key", sorted(STUDY_RULES), ids="/".join)
def test_a_recent_study_from_before_this_problem_counts_only_when_the_rule_allows(key: tuple[str, str]) -> None:
    onset = TODAY - timedelta(days=60)
    just_before = onset - timedelta(days=14)  # inside every window, but before the pain began
    expected = "not_met" if STUDY_RULES[key].since_onset else "met"
    assert study_status(key, onset, just_before) == expected


@pytest.mark.parametrize("key", sorted(k for k, r in STUDY_RULES.items() if r.since_onset), ids="/".join)
def test_without_an_onset_date_a_rule_about_this_problem_asks_for_it(key: tuple[str, str]) -> None:
    policy, criterion = shipped_study_rules()[key]
    study = study_for(criterion, planned_for(policy), TODAY - timedelta(days=10))
    decision = evaluate(policy, episode(None, imaging=(study,)), planned_for(policy), TODAY, KNOWLEDGE.procedures)
    result = decision.criterion(criterion.id)
    assert result.status == "missing_evidence" and result.to_record == "record when the pain started (the onset date)"


@pytest.mark.parametrize("key", sorted(STUDY_RULES), ids="/".join)
def test_the_case_page_words_say_how_recent(key: tuple[str, str]) -> None:
    policy, criterion = shipped_study_rules()[key]
    decision = evaluate(policy, episode(TODAY - timedelta(days=100)), planned_for(policy), TODAY, KNOWLEDGE.procedures)
    result = decision.criterion(criterion.id)
    assert result.requirement is not None and result.requirement.endswith(", " + STUDY_RULES[key].words())
    # Nothing on file: what to record says how recent it must be, too.
    assert result.status == "missing_evidence" and f"({STUDY_RULES[key].words()})" in (result.to_record or "")


# --- exceptions --------------------------------------------------------------------------------------


def exception_row(key: tuple[str, str], kind: type) -> tuple:
    """The expected row (of `kind`), the policy and its exception, for one shipped exception."""
    expected = EXCEPTIONS[key]
    assert isinstance(expected, kind)
    policy, waiver = shipped_exceptions()[key]
    return expected, policy, waiver


def waived_statuses(policy: Policy, waiver: Waiver, facts: EpisodeFacts, today: date) -> set[str]:
    decision = evaluate(policy, facts, planned_for(policy), today, KNOWLEDGE.procedures)
    return {decision.criterion(c).status for c in waiver.waives}


def family_of(code: str) -> list[str]:
    """Every billable code of the code's 3-character ICD-10-CM category (B02.9 -> B02.0 ... B02.9), from the
    simple-icd-10-cm package: CMS's tree, independent of painpath's own index."""
    import simple_icd_10_cm as icd  # parses CMS's XML on import: only the worker that runs this pays

    return [c for c in icd.get_descendants(code[:3]) if icd.is_leaf(c)]


CODE_EXCEPTIONS = sorted(k for k, v in EXCEPTIONS.items() if isinstance(v, Codes))


@pytest.mark.parametrize("key", CODE_EXCEPTIONS, ids="/".join)
def test_a_diagnosis_exception_names_exact_codes(key: tuple[str, str]) -> None:
    expected, _, waiver = exception_row(key, Codes)
    diagnoses = waiver.when.diagnoses
    assert diagnoses is not None
    assert tuple(diagnoses.codes) == expected.codes and diagnoses.prefixes == [] and diagnoses.excluding == []
    assert all(icd10cm.is_billable(c) for c in diagnoses.codes)


@pytest.mark.parametrize("key", CODE_EXCEPTIONS, ids="/".join)
def test_a_diagnosis_exception_waives_on_its_codes_and_no_other_of_the_family(key: tuple[str, str]) -> None:
    expected, policy, waiver = exception_row(key, Codes)
    onset = TODAY - timedelta(days=3)  # the waived duration rule is not met yet on its own
    assert "waived" not in waived_statuses(policy, waiver, episode(onset), TODAY)
    for code in expected.codes:
        # As typed: dotted, undotted, lower case; on the episode or only on the exam's working diagnosis.
        for written in (code, code.replace(".", "").lower()):
            assert waived_statuses(policy, waiver, episode(onset, diagnosis_codes=(written,)), TODAY) == {"waived"}, written
        exam = ExamFact(on=TODAY, findings={}, si_positive_count=0, diagnosis_codes=(code,), reasoning="")
        assert waived_statuses(policy, waiver, episode(onset, exam=exam), TODAY) == {"waived"}, code
    family = {c for code in expected.codes for c in family_of(code)}
    others = sorted(family - set(expected.codes))
    assert "B02.29" in others or not any(c.startswith("B02") for c in expected.codes)  # the postherpetic sequela
    for code in others:
        assert "waived" not in waived_statuses(policy, waiver, episode(onset, diagnosis_codes=(code,)), TODAY), code


FINDING_EXCEPTIONS = sorted(k for k, v in EXCEPTIONS.items() if isinstance(v, Finding))


@pytest.mark.parametrize("key", FINDING_EXCEPTIONS, ids="/".join)
def test_an_imaging_finding_exception_states_its_recency(key: tuple[str, str]) -> None:
    expected, _, waiver = exception_row(key, Finding)
    findings = waiver.when.imaging_findings
    assert findings is not None and findings.findings == [expected.finding]
    recency = findings.recency
    assert (recency.within.months if recency.within else None) == expected.recency.within_months
    assert recency.since_onset is expected.recency.since_onset
    if expected.recency.assumed:
        assert (recency.evidence, recency.verified) == ("K", False) and "clinic" in recency.source


@pytest.mark.parametrize("key", FINDING_EXCEPTIONS, ids="/".join)
def test_an_imaging_finding_waives_only_on_a_study_of_this_episode(key: tuple[str, str]) -> None:
    expected, policy, waiver = exception_row(key, Finding)
    onset = TODAY - timedelta(days=5)
    planned = planned_for(policy)

    def with_study(taken_on: date, onset_date: date | None = onset) -> EpisodeFacts:
        study = ImagingStudy("mri", planned.region, taken_on, True, True, findings=(expected.finding,))
        return episode(onset_date, imaging=(study,))

    assert waived_statuses(policy, waiver, with_study(onset + timedelta(days=1)), TODAY) == {"waived"}
    assert "waived" not in waived_statuses(policy, waiver, with_study(add_months(onset, -30)), TODAY)
    assert "waived" not in waived_statuses(policy, waiver, with_study(onset - timedelta(days=1)), TODAY)
    # Without an onset date the finding cannot be placed in this episode.
    assert "waived" not in waived_statuses(policy, waiver, with_study(onset + timedelta(days=1), None), TODAY)


RED_FLAG_EXCEPTIONS = sorted(k for k, v in EXCEPTIONS.items() if isinstance(v, RedFlags))


@pytest.mark.parametrize("key", RED_FLAG_EXCEPTIONS, ids="/".join)
def test_a_red_flag_exception_waives_on_this_episodes_triage(key: tuple[str, str]) -> None:
    policy, waiver = shipped_exceptions()[key]
    assert waiver.when.any_red_flag and waiver.when.diagnoses is None and waiver.when.imaging_findings is None
    onset = TODAY - timedelta(days=5)
    assert "waived" not in waived_statuses(policy, waiver, episode(onset), TODAY)
    flagged = episode(onset, red_flags=frozenset({"RF-CES"}))
    assert waived_statuses(policy, waiver, flagged, TODAY) == {"waived"}


@pytest.mark.parametrize("key", sorted(k for k, r in STUDY_RULES.items() if r.assumed), ids="/".join)
def test_an_assumed_recency_leaves_the_rule_pending_clinical_review(key: tuple[str, str]) -> None:
    policy, criterion = shipped_study_rules()[key]
    decision = evaluate(policy, episode(TODAY - timedelta(days=100)), planned_for(policy), TODAY, KNOWLEDGE.procedures)
    assert decision.criterion(criterion.id).verified is False
