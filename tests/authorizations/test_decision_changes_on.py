"""Issue 14, time as data, for authorization cases: a decision says the first day its answer may change with the
clock alone (`PolicyDecision.changes_on`), so a case being prepared is reviewed on that day instead of every day.

The property: for random facts (care, imaging, procedures, scores, exams, documents, history, diagrams) under every
shipped policy and each of its procedures, the decision the worklist reads (outcome, eligible date, repeat or
first, each criterion's status and date, a missing item's words and what to record, the summary) is the same on
every day from today up to the day before `changes_on`. A wrong day there is a task that never refreshes.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import (
    CareComponent,
    DocumentFact,
    EpisodeFacts,
    ExamFact,
    HistoryFact,
    ImagingStudy,
    PainDiagramFact,
    PainMark,
    PlannedProcedure,
    ProcedureFact,
    ReliefReport,
    ScoreFact,
    SurgeryFact,
)
from painpath.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
TODAY = date(2026, 3, 2)
LOOK_AHEAD = 75  # days checked past today when the decision says nothing changes sooner
CASES = [(policy, kind) for policy in KNOWLEDGE.policies.values() for kind in policy.procedures if kind in KNOWLEDGE.procedures]
# Imaging findings the packs' exceptions look for (an acute disc injury waives a duration rule), and a few others.
WAIVER_FINDINGS = sorted({f for policy in KNOWLEDGE.policies.values() for w in policy.exceptions
                          if w.when.imaging_findings is not None for f in w.when.imaging_findings.findings} | {"disc_herniation"})


def _region(kind: str) -> str:
    return "cervical" if "cervical" in kind else "lumbar"


days = st.integers(-420, 40).map(lambda n: TODAY + timedelta(days=n))  # facts dated up to 40 days ahead too


@st.composite
def care(draw):  # noqa: ANN001, ANN201
    start = draw(days)
    end = draw(st.none() | st.integers(0, 120).map(lambda n: start + timedelta(days=n)))
    kind = draw(st.sampled_from(["physical_therapy", "home_exercise", "medication", "chiropractic", "activity_modification"]))
    return CareComponent(kind=kind, start=start, end=end, description=kind, source="test")


@st.composite
def procedure(draw, region: str):  # noqa: ANN001, ANN201
    kind = draw(st.sampled_from(sorted(KNOWLEDGE.procedures)))
    on = draw(days)
    relief = draw(st.lists(st.builds(lambda p, h, d: ReliefReport(measured_on=on, percent=p, scale="nrs", hours_after=h, lasted_days=d),
                                     st.sampled_from([40.0, 79.0, 80.0, 85.0]), st.sampled_from([None, 1.0, 6.0]),
                                     st.sampled_from([None, 30, 90, 200])), max_size=1))
    return ProcedureFact(kind=kind, cpt_codes=(), region=draw(st.sampled_from([region, "lumbar", "cervical"])), side="left",
                         levels=("L4-5",), performed_on=on, diagnostic=draw(st.booleans()), relief=tuple(relief))


SIGNS = [{}, {"straight_leg_raise": {"left": {"result": "positive"}}}, {"straight_leg_raise": {"left": {"result": "negative"}}},
         {"facet_loading": {"left": "positive"}}, {"si_tests": {"distraction": "positive", "thigh_thrust": "positive", "compression": "positive"}}]


@st.composite
def episode(draw, region: str):  # noqa: ANN001, ANN201
    exam = draw(st.none() | st.builds(lambda on, f: ExamFact(on=on, findings=f, si_positive_count=len(f.get("si_tests", {})),
                                                              diagnosis_codes=("M54.16",), reasoning=""), days, st.sampled_from(SIGNS)))
    history = draw(st.none() | st.builds(
        lambda smoking, on, value, year: HistoryFact(smoking_status=smoking, cotinine_on=on, cotinine_ng_ml=value,
                                                     surgeries=(SurgeryFact("L4-5 laminectomy", year, "lumbar", "no_relief"),) if year else ()),
        st.sampled_from(["never", "current", "former"]), st.none() | days, st.sampled_from([None, 5.0, 20.0]),
        st.sampled_from([None, 2019, 2027])))
    return EpisodeFacts(
        episode_id=1, payer_id="test", plan_type="commercial", body_region=region, laterality="left",
        onset_date=draw(st.none() | days), diagnosis_codes=("M54.16",),
        red_flags=frozenset(draw(st.lists(st.sampled_from(["cancer_history", "fever"]), max_size=1))),
        care=tuple(draw(st.lists(care(), max_size=3))),
        imaging=tuple(draw(st.lists(st.builds(
            lambda m, on, report, concordant, found: ImagingStudy(modality=m, region=region, performed_on=on, report_on_file=report,
                                                                  concordant=concordant, findings=found),
            st.sampled_from(["mri", "ct", "xray"]), days, st.booleans(), st.sampled_from([None, True, False]),
            st.lists(st.sampled_from(WAIVER_FINDINGS), max_size=1).map(tuple)), max_size=2))),
        procedures=tuple(draw(st.lists(procedure(region), max_size=3))),
        scores=tuple(draw(st.lists(st.builds(lambda i, on, total: ScoreFact(instrument_id=i, on=on, total=total),
                                             st.sampled_from(["odi", "ndi", "peg"]), days, st.sampled_from([10.0, 30.0, 50.0])), max_size=2))),
        exam=exam,
        documents=tuple(draw(st.lists(st.builds(
            lambda kind, on, value, result: DocumentFact(kind=kind, on=on, reference="test", value=value, result=result),
            st.sampled_from(["psych_eval", "nicotine_test", "pt_notes", "home_exercise_program", "imaging_report"]), days,
            st.sampled_from([None, 5.0, 20.0]), st.sampled_from([None, "cleared", "not_cleared"])), max_size=3))),
        history=history,
        pain_diagrams=tuple(draw(st.lists(st.builds(
            lambda on, marked: PainDiagramFact(on=on, marks=(PainMark("leg_lateral_left", "burning", 6),) if marked else (), reference="test"),
            days, st.booleans()), max_size=1))),
        extra={},
    )


def _read(decision) -> tuple:  # noqa: ANN001
    """What the worklist reads of a decision: rules.case_findings quotes these and nothing else."""
    criteria = tuple(
        (r.criterion_id, r.status, r.met_on, r.explanation if r.status in ("missing_evidence", "not_met") else None, r.to_record)
        for r in decision.criteria
    )
    return decision.outcome, decision.eligible_on, decision.is_repeat, criteria, decision.summary


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), case=st.sampled_from(CASES))
def test_a_decision_holds_every_day_until_the_day_it_names(data, case):  # noqa: ANN001
    policy, kind = case
    region = _region(kind)
    facts = data.draw(episode(region))
    planned = PlannedProcedure(kind=kind, cpt_codes=(), region=region, side="left", levels=("L4-5",))
    first = evaluate(policy, facts, planned, TODAY, KNOWLEDGE.procedures, payer_name="Test payer")
    until = first.changes_on or TODAY + timedelta(days=LOOK_AHEAD)
    assert until > TODAY
    expected = _read(first)
    for offset in range(1, min((until - TODAY).days, LOOK_AHEAD)):
        later = evaluate(policy, facts, planned, TODAY + timedelta(days=offset), KNOWLEDGE.procedures, payer_name="Test payer")
        assert _read(later) == expected, f"{policy.id} / {kind}: the answer changed on day {offset}, before {until}"


def test_a_case_waiting_on_its_weeks_of_therapy_is_next_looked_at_on_the_day_they_are_reached():
    """The usual case being prepared: imaging, exam and pain duration met, therapy under way, a behavioural
    evaluation and a pain diagram still to record. Only the care rule moves with the clock, on the day its weeks
    of therapy are reached (the criterion's own met_on, which is also the eligible date); nothing else changes
    before then, so the case is reviewed that day and not every day until then. After it, the next such day is
    when the MRI of 31 Jan 2026 stops counting under the 24-month rule: 1 Feb 2028."""
    policy = KNOWLEDGE.policies["strict_esi_lumbar_transforaminal"]
    facts = EpisodeFacts(
        episode_id=1, payer_id="test", plan_type="commercial", body_region="lumbar", laterality="left",
        onset_date=TODAY - timedelta(days=60), diagnosis_codes=("M54.16",),
        care=(CareComponent(kind="physical_therapy", start=TODAY - timedelta(days=10), end=None, description="PT", source="test"),
              CareComponent(kind="medication", start=TODAY - timedelta(days=40), end=None, description="NSAID", source="test")),
        imaging=(ImagingStudy(modality="mri", region="lumbar", performed_on=date(2026, 1, 31), report_on_file=True, concordant=True),),
        exam=ExamFact(on=TODAY - timedelta(days=20), findings=SIGNS[1], si_positive_count=0, diagnosis_codes=("M54.16",), reasoning=""),
        extra={},
    )
    planned = PlannedProcedure(kind="tfesi_lumbar", cpt_codes=("64483",), region="lumbar", side="left", levels=("L4-5",))
    decision = evaluate(policy, facts, planned, TODAY, KNOWLEDGE.procedures, payer_name="Test payer")
    care = decision.criterion("analgesics_and_pt")
    assert (decision.outcome, care.status) == ("needs_information", "not_yet")
    assert decision.changes_on == care.met_on == decision.eligible_on > TODAY + timedelta(days=7)
    imaging = decision.criterion("concordant_imaging").check.changes_on
    assert imaging() == date(2028, 2, 1)  # worked out when asked
    # Once the care rule is met, the next day is the MRI's.
    met = evaluate(policy, facts, planned, care.met_on, KNOWLEDGE.procedures, payer_name="Test payer")
    assert met.criterion("analgesics_and_pt").status == "met" and met.changes_on == date(2028, 2, 1)
