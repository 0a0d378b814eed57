"""The decision memo (authorizations/decision_memo.py) answers exactly as deciding afresh does.

A readiness pass answers a case from the memo when nothing the decision is made of changed since the case
was last decided. The property: whatever the case was last decided on, and whatever it is asked about now
(the same facts gathered again, or facts, a day or a planned procedure that changed a little), the answer
is equal, words included, to the reference path: `service.decide` and `rules.checklist` on the facts of now.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from painpath.authorizations import decision_memo, rules, service
from painpath.authorizations.models import AuthorizationCase
from painpath.facts.vocabulary import (
    CareComponent,
    DocumentFact,
    EpisodeFacts,
    ExamFact,
    HistoryFact,
    ImagingStudy,
    ProcedureFact,
    ReliefReport,
    ScoreFact,
)
from painpath.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
TODAY = date(2026, 11, 30)
# Every shipped policy with each procedure it covers.
POLICY_PROCEDURES = sorted((policy_id, procedure) for policy_id, policy in KNOWLEDGE.policies.items() for procedure in policy.procedures)
REGIONS = ["cervical", "lumbar", "sacral", "knee", "sacroiliac"]


def days_ago(low: int = 0, high: int = 500) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda n: TODAY - timedelta(days=n))


care = st.builds(
    CareComponent, kind=st.sampled_from(["physical_therapy", "home_exercise", "medication", "chiropractic"]), start=days_ago(0, 300),
    end=st.none() | days_ago(0, 100), description=st.just("care"), source=st.just("clinic"),
    drug_class=st.none() | st.just("nsaid"), failed=st.none() | st.booleans(),
)
imaging = st.builds(
    ImagingStudy, modality=st.sampled_from(["mri", "ct", "xray"]), region=st.sampled_from(REGIONS), performed_on=days_ago(0, 900),
    report_on_file=st.booleans(), concordant=st.none() | st.booleans(),
)
relief = st.builds(ReliefReport, measured_on=days_ago(0, 200), percent=st.sampled_from([40.0, 70.0, 79.0, 80.0, 90.0]),
                   scale=st.sampled_from(["nrs", "vas"]), hours_after=st.none() | st.just(4.0), lasted_days=st.none() | st.integers(0, 200))
procedure = st.builds(
    ProcedureFact, kind=st.sampled_from(sorted(KNOWLEDGE.procedures)), cpt_codes=st.just(("64493",)), region=st.sampled_from(REGIONS),
    side=st.sampled_from(["left", "right", "bilateral"]), levels=st.sampled_from([(), ("L4-5",), ("C5-6",)]), performed_on=days_ago(0, 400),
    diagnostic=st.booleans(), baseline_pain=st.none() | st.just(7.0), baseline_scale=st.none() | st.just("nrs"),
    relief=st.lists(relief, max_size=2).map(tuple), spacing_exception=st.none() | st.just("documented urgency"),
)
score = st.builds(ScoreFact, instrument_id=st.sampled_from(["odi", "ndi", "peg"]), on=days_ago(0, 200), total=st.floats(0, 60).map(round))
document = st.builds(DocumentFact, kind=st.sampled_from(["psych_eval", "nicotine_test", "pt_notes"]), on=days_ago(0, 400),
                     reference=st.just("case_document:1"), value=st.none() | st.sampled_from([2.0, 20.0]),
                     result=st.none() | st.sampled_from(["cleared", "not_cleared"]))
exam = st.builds(ExamFact, on=days_ago(0, 100), findings=st.sampled_from([{}, {"straight_leg_raise": {"right": {"result": "positive"}}},
                                                                            {"facet_loading": {"left": "positive"}}]),
                 si_positive_count=st.integers(0, 4), diagnosis_codes=st.just(("M54.16",)), reasoning=st.just(""))
history = st.builds(HistoryFact, smoking_status=st.sampled_from(["never", "current", "former"]), cotinine_ng_ml=st.none() | st.just(5.0),
                    cotinine_on=st.none() | days_ago(0, 90))


@st.composite
def episode_facts(draw: st.DrawFn) -> EpisodeFacts:
    return EpisodeFacts(
        episode_id=7, payer_id="bcbs_commercial", plan_type="commercial", body_region=draw(st.sampled_from(REGIONS)), laterality="right",
        onset_date=draw(st.none() | days_ago(0, 400)), diagnosis_codes=draw(st.sampled_from([("M54.16",), ("M54.16", "B02.29")])),
        red_flags=draw(st.sampled_from([frozenset(), frozenset({"RF-CES"})])),
        care=tuple(draw(st.lists(care, max_size=3))), imaging=tuple(draw(st.lists(imaging, max_size=2))),
        procedures=tuple(draw(st.lists(procedure, max_size=3))), scores=tuple(draw(st.lists(score, max_size=2))),
        documents=tuple(draw(st.lists(document, max_size=2))), exam=draw(st.none() | exam), history=draw(st.none() | history),
    )


@st.composite
def cases(draw: st.DrawFn) -> AuthorizationCase:
    policy_id, procedure_id = draw(st.sampled_from(POLICY_PROCEDURES))
    return AuthorizationCase(
        id=3, episode_id=7, state="preparing", procedure_id=procedure_id, cpt_codes=["64483"],
        region=draw(st.sampled_from(REGIONS)), side=draw(st.sampled_from(["left", "right"])),
        levels=draw(st.sampled_from([[], ["L4-5"], ["L4-5", "L5-S1"]])), place_of_service=draw(st.sampled_from(["11", "22", "24"])),
        units_requested=1, planned_on=draw(st.none() | st.integers(1, 90).map(lambda n: TODAY + timedelta(days=n))),
        payer_id=draw(st.sampled_from(sorted(KNOWLEDGE.payers))), policy_id=policy_id,
    )


def changed(draw: st.DrawFn, facts: EpisodeFacts, case: AuthorizationCase, today: date) -> tuple[EpisodeFacts, AuthorizationCase, date]:
    """The same inputs gathered again (equal, not the same objects), or one of them changed a little."""
    how = draw(st.sampled_from(["same", "same", "day", "onset", "care", "procedure", "document", "exam", "planned_on", "levels", "policy"]))
    facts = replace(facts, care=tuple(replace(c) for c in facts.care), procedures=tuple(replace(p) for p in facts.procedures))
    case = AuthorizationCase(**{column: getattr(case, column) for column in
                                ("id", "episode_id", "state", "procedure_id", "cpt_codes", "region", "side", "levels", "place_of_service",
                                 "units_requested", "planned_on", "payer_id", "policy_id")})
    if how == "day":
        today += timedelta(days=draw(st.sampled_from([-1, 1, 30])))
    elif how == "onset":
        facts = replace(facts, onset_date=(facts.onset_date or TODAY) - timedelta(days=1))
    elif how == "care":
        facts = replace(facts, care=(*facts.care, draw(care)))
    elif how == "procedure":
        facts = replace(facts, procedures=(*facts.procedures, draw(procedure)))
    elif how == "document":
        facts = replace(facts, documents=(*facts.documents, draw(document)))
    elif how == "exam":
        facts = replace(facts, exam=draw(exam))
    elif how == "planned_on":
        case.planned_on = TODAY + timedelta(days=draw(st.integers(1, 90)))
    elif how == "levels":
        case.levels = [*(case.levels or []), "L3-4"]
    elif how == "policy":
        case.policy_id, case.procedure_id = draw(st.sampled_from(POLICY_PROCEDURES))
    return facts, case, today


@settings(max_examples=300, deadline=None)
@given(data=st.data(), first=episode_facts(), case=cases())
def test_the_memo_answers_as_deciding_afresh(data: st.DataObject, first: EpisodeFacts, case: AuthorizationCase) -> None:
    decision_memo.forget()
    service._decision_and_kit(KNOWLEDGE, case, first, TODAY)  # what the case was last decided on
    now, case_now, today = changed(data.draw, first, case, TODAY)
    decision, kit = service._decision_and_kit(KNOWLEDGE, case_now, now, today)
    reference = service.decide(KNOWLEDGE, case_now, now, today)
    assert decision == reference
    assert kit == tuple(rules.checklist(reference))
    assert [item.as_dict() for item in kit] == [item.as_dict() for item in rules.checklist(reference)]


def test_an_unchanged_case_is_answered_from_the_memo_and_a_changed_one_is_decided_again() -> None:
    decision_memo.forget()
    case = AuthorizationCase(id=11, episode_id=7, state="preparing", procedure_id="tfesi_lumbar", cpt_codes=["64483"], region="lumbar",
                             side="right", levels=["L4-5"], place_of_service="22", units_requested=1, planned_on=None,
                             payer_id="bcbs_commercial", policy_id=POLICY_PROCEDURES[0][0])
    facts = EpisodeFacts(episode_id=7, payer_id="bcbs_commercial", plan_type="commercial", body_region="lumbar", laterality="right",
                         onset_date=date(2026, 6, 1), diagnosis_codes=("M54.16",))
    first, _ = service._decision_and_kit(KNOWLEDGE, case, facts, TODAY)
    again, _ = service._decision_and_kit(KNOWLEDGE, case, replace(facts), TODAY)
    assert again is first  # the same inputs gathered again: not decided again
    later, _ = service._decision_and_kit(KNOWLEDGE, case, replace(facts), TODAY + timedelta(days=1))
    assert later is not first and later.today == TODAY + timedelta(days=1)
    with decision_memo.bypassed():
        fresh, _ = service._decision_and_kit(KNOWLEDGE, case, replace(facts), TODAY + timedelta(days=1))
    assert fresh is not later and fresh == later
    # Facts holding dicts (room for a criterion type added before its fact source) are compared as well.
    odd, _ = service._decision_and_kit(KNOWLEDGE, case, replace(facts, extra={"new_fact": 1}), TODAY)
    assert service._decision_and_kit(KNOWLEDGE, case, replace(facts, extra={"new_fact": 1}), TODAY)[0] is odd
    assert service._decision_and_kit(KNOWLEDGE, case, replace(facts, extra={"new_fact": 2}), TODAY)[0] is not odd
