"""The pure words of a policy change: what a new version changes in the rule, and for one case's decision."""

from __future__ import annotations

import copy
from datetime import date

import yaml

from painpath.authorizations.criteria import PolicyDecision
from painpath.authorizations.policy_changes import PolicyChange, date_words, policy_differences
from painpath.knowledge.schemas import Policy

BASE = yaml.safe_load("""
id: acme_lumbar_tfesi
name: "Acme commercial: lumbar TFESI"
payers: [acme_commercial]
procedures: [tfesi_lumbar]
effective_from: 2026-01-01
authorization_required: {rule: always, note: "Acme reviews it.", source: "Acme policy 12", evidence: V, verified: true}
criteria:
  - {id: care, type: conservative_care, label: "At least 4 weeks of failed conservative care", min: {weeks: 4},
     source: "Acme policy 12 section 4", evidence: V, verified: true}
  - {id: mri, type: imaging, label: "MRI of the region", modalities: [mri],
     recency: {within: {months: 12}, since_onset: false, source: "Acme 12 s6", evidence: V, verified: true}, source: "Acme 12 s6", evidence: V, verified: true}
""")


def policy(**changes) -> Policy:  # noqa: ANN003
    data = copy.deepcopy(BASE)
    data.update(changes)
    return Policy.model_validate(data)


def test_a_lengthened_period_with_its_new_label_quotes_both_labels() -> None:
    new = copy.deepcopy(BASE["criteria"])
    new[0].update(label="At least 6 weeks of failed conservative care", min={"weeks": 6})
    assert policy_differences(policy(), policy(criteria=new, effective_from=date(2027, 1, 1))) == [
        "Changed requirement: At least 6 weeks of failed conservative care (was: At least 4 weeks of failed conservative care)"]


def test_a_number_changed_under_the_same_label_is_quoted_with_its_period() -> None:
    new = copy.deepcopy(BASE["criteria"])
    new[1]["recency"]["within"] = {"months": 24}
    assert policy_differences(policy(), policy(criteria=new)) == [
        "Changed requirement: MRI of the region (recency within: 12 months → 24 months)"]


def test_requirements_added_and_removed_and_the_authorization_rule() -> None:
    new = [copy.deepcopy(BASE["criteria"][0]),
           {"id": "pain", "type": "pain_duration", "label": "Pain for 3 months", "min": {"months": 3}, "source": "s", "evidence": "V", "verified": True}]
    rule = {**BASE["authorization_required"], "rule": "places_of_service", "places_of_service": ["22"]}
    assert policy_differences(policy(), policy(criteria=new, authorization_required=rule)) == [
        "Prior authorization: always required → required in a hospital outpatient department",
        "New requirement: Pain for 3 months",
        "Requirement removed: MRI of the region",
    ]


def test_provenance_alone_is_no_change_and_a_first_policy_says_so() -> None:
    new = copy.deepcopy(BASE["criteria"])
    new[0]["source"] = "Acme policy 12, 2027 reprint"
    assert policy_differences(policy(), policy(criteria=new)) == []
    change = PolicyChange(new=policy(effective_from=date(2027, 1, 1)))
    assert change.words() == ["A new policy from Fri 01 Jan 2027: Acme commercial: lumbar TFESI, with 2 requirement(s)"]
    assert change.key == "acme_lumbar_tfesi@2027-01-01" and change.day_before == date(2026, 12, 31)


def test_the_projected_date_of_a_case_that_needs_information_is_not_known_not_none() -> None:
    def decided(outcome: str, eligible_on: date | None) -> PolicyDecision:
        return PolicyDecision(policy_id="p", policy_name="P", payer_name="Acme", procedure_id="tfesi_lumbar",
                              place_of_service="11", today=date(2026, 12, 7), outcome=outcome, eligible_on=eligible_on,
                              authorization_required=True, authorization_note="", is_repeat=False, criteria=())

    assert date_words(decided("needs_information", None)) == "not known until the missing information is recorded"
    assert date_words(decided("needs_information", date(2027, 2, 1))) == "Mon 01 Feb 2027"
    assert date_words(decided("eligible_now", None)) == "Mon 07 Dec 2026"
    assert date_words(decided("not_eligible", None)) == "not eligible"
