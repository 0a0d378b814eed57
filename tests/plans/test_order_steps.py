"""Plan steps that are orders, with plain data: an imaging step and a referral step of a pathway each owe
their order (90 and 120 days in, a task exists), the task is met when an order is linked, the step is met
only when the loop closes (reviewed / closed), and a cancelled one opens the order task again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from painpath.core.clock import BusinessCalendar
from painpath.facts.vocabulary import DocumentFact, EpisodeFacts, ImagingOrderFact, ImagingStudy, ReferralFact
from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas.pathways import Pathway, PathwayStep
from painpath.plans import order_steps, rules
from painpath.worklist.engine import Fulfillment, NextChange, Obligation

KNOWLEDGE = load_knowledge()
CALENDAR = BusinessCalendar()  # the clinic default: America/Chicago, US holidays
ROW = 7
START = date(2026, 12, 1)  # Tue 1 Dec 2026: the step started


def facts(**kw) -> EpisodeFacts:  # noqa: ANN003
    base = dict(episode_id=1, payer_id="bcbs_commercial", plan_type="commercial", body_region="hip", laterality="right",
                onset_date=date(2026, 9, 1), diagnosis_codes=("M25.551",))
    return EpisodeFacts(**{**base, **kw})


def pathway(pathway_id: str) -> Pathway:
    return KNOWLEDGE.pathways[pathway_id]


def loop_of(pathway_id: str, step_id: str, f: EpisodeFacts) -> order_steps.StepLoop:
    p = pathway(pathway_id)
    return order_steps.step_loop(p.step(step_id), ROW, f, p.order_due.business_days)


def findings(pathway_id: str, step_id: str, f: EpisodeFacts, now: datetime) -> list:
    p = pathway(pathway_id)
    s = p.step(step_id)
    loop = loop_of(pathway_id, step_id, f)
    today = CALENDAR.local_date(now)
    evaluation = rules.evaluate_step(s, f, started_on=START, as_of=today, instruments=KNOWLEDGE.instruments, loop=loop)
    step_facts = rules.StepFacts(
        step_row_id=ROW, plan_id=3, clinic_id=1, episode_id=1, patient_id=1, pathway_name=p.name, step_name=s.name, status="active",
        started_on=START, trial_ends_on=rules.trial_ends_on(s, START), decided_at=None, outcome_note=None, evaluation=evaluation,
        proposal=rules.propose(p, s, evaluation), loop=loop)
    return rules.step_findings(step_facts, CALENDAR, now)


def days_in(n: int) -> datetime:
    return datetime(START.year, START.month, START.day, 18, tzinfo=timezone.utc) + timedelta(days=n)


def by_kind(found: list) -> dict[str, Obligation | Fulfillment]:
    out = {}
    for f in found:
        if isinstance(f, Obligation):
            out[f.kind] = f
        elif isinstance(f, Fulfillment):
            out["met:" + f.key] = f
    return out


def order(status: str, **kw) -> ImagingOrderFact:  # noqa: ANN003
    base = dict(order_id=41, modality="mri_arthrogram", region="hip", side="right",
                protocol="MR arthrogram of the hip with intra-articular contrast", urgency="routine", status=status,
                ordered_on=date(2026, 12, 3), plan_step_row_id=ROW)
    return ImagingOrderFact(**{**base, **kw})


def referral(status: str, **kw) -> ReferralFact:  # noqa: ANN003
    base = dict(referral_id=52, specialty="spine_surgery", urgency="routine", status=status, created_on=date(2026, 12, 2),
                plan_step_row_id=ROW)
    return ReferralFact(**{**base, **kw})


# --- The task exists when nothing is ordered -------------------------------------------------------------

@pytest.mark.parametrize("days", [0, 90, 120])
def test_an_imaging_step_owes_its_order_from_the_day_it_starts(days):
    found = by_kind(findings("hip_labral", "hip_xray", facts(), days_in(days)))
    task = found["plans.step_order"]
    assert task.title == "Order the hip X-ray" and task.owner_role == "clinician"
    assert task.key == f"plans:step-order:step:{ROW}"
    # Two business days after Tue 1 Dec: Thu 3 Dec (the pathway's order_due), whatever today is.
    assert CALENDAR.local_date(task.due_at) == date(2026, 12, 3)
    assert "AP pelvis and lateral view of the hip" in task.reason
    link = urlsplit(task.evidence["link"])
    assert link.path == "/episodes/1/imaging-orders/new"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert query == {"modality": "xray", "protocol": "AP pelvis and lateral view of the hip", "contrast": "none", "region": "hip",
                     "side": "right", "question": "Hip pain (right): arthritis, dysplasia, cam or pincer morphology?",
                     "urgency": "routine", "plan_step_row_id": str(ROW)}
    assert "plans.step_review" not in found  # nothing to review until the report is read


@pytest.mark.parametrize("days", [90, 120])
def test_a_referral_step_owes_its_referral(days):
    f = facts(body_region="lumbar", diagnosis_codes=("M54.16",))
    found = by_kind(findings("lumbar_radicular_pain", "spine_surgery_referral", f, days_in(days)))
    task = found["plans.step_referral"]
    assert task.title == "Write the spine surgery referral"
    link = urlsplit(task.evidence["link"])
    assert link.path == "/episodes/1/referrals/new"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert query["specialty"] == "spine_surgery" and query["plan_step_row_id"] == str(ROW)
    assert query["reason"].startswith("Lumbar radicular pain into the leg (right)")


def test_the_mr_arthrogram_form_carries_the_protocol_and_the_labral_question():
    loop = loop_of("hip_labral", "mri_arthrogram", facts(laterality="left"))
    query = {k: v[0] for k, v in parse_qs(urlsplit(loop.form_url).query).items()}
    assert query["modality"] == "mri_arthrogram" and query["contrast"] == "intra_articular"
    assert query["protocol"] == "MR arthrogram of the hip with intra-articular contrast"
    assert query["question"] == "Labral tear? Cam/pincer morphology?" and query["side"] == "left"


def test_an_order_linked_to_another_step_does_not_count():
    f = facts(imaging_orders=(order("sent", plan_step_row_id=ROW + 1), order("reviewed", plan_step_row_id=None)))
    assert "plans.step_order" in by_kind(findings("hip_labral", "mri_arthrogram", f, days_in(90)))


# --- The loop: met only when it closes -----------------------------------------------------------------

ORDER_STATES = [
    order("drafted"),
    order("sent", sent_on=date(2026, 12, 3)),
    order("booked", sent_on=date(2026, 12, 3), booked_for=date(2026, 12, 4)),
    order("done", sent_on=date(2026, 12, 3), booked_for=date(2026, 12, 4), performed_on=date(2026, 12, 4)),
    order("reported", sent_on=date(2026, 12, 3), booked_for=date(2026, 12, 4), performed_on=date(2026, 12, 4),
          report_received_on=date(2026, 12, 7)),
]


@pytest.mark.parametrize("linked", ORDER_STATES, ids=lambda o: o.status)
def test_a_linked_order_meets_the_order_task_but_not_the_step_until_its_report_is_reviewed(linked):
    f = facts(imaging_orders=(linked,))
    found = by_kind(findings("hip_labral", "mri_arthrogram", f, days_in(90)))
    assert "plans.step_order" not in found and "plans.step_review" not in found
    met = found[f"met:plans:step-order:step:{ROW}"]
    assert met.met_by.startswith("MR arthrogram of the hip") and met.evidence["link"] == "/imaging-orders/41"
    evaluation = rules.evaluate_step(pathway("hip_labral").step("mri_arthrogram"), f, started_on=START, as_of=date(2027, 3, 1),
                                     instruments=KNOWLEDGE.instruments, loop=loop_of("hip_labral", "mri_arthrogram", f))
    assert evaluation.status == "not_measurable"


def test_the_order_state_in_words():
    loop = loop_of("hip_labral", "mri_arthrogram", facts())
    assert order_steps.words(loop, ORDER_STATES[2]) == "MR arthrogram of the hip ordered 3 Dec, sent 3 Dec, booked for 4 Dec, report not back"
    assert order_steps.words(loop, ORDER_STATES[0]) == "MR arthrogram of the hip drafted 3 Dec, not sent yet"
    reviewed = replace(ORDER_STATES[4], status="reviewed", reviewed_on=date(2026, 12, 8))
    assert order_steps.words(loop, reviewed).endswith("report back 7 Dec, reviewed 8 Dec")


def test_a_reviewed_order_meets_the_step_and_the_clinician_reviews_it_on_that_day():
    reviewed = replace(ORDER_STATES[4], status="reviewed", reviewed_on=date(2026, 12, 8))
    f = facts(imaging_orders=(reviewed,))
    found = findings("hip_labral", "mri_arthrogram", f, days_in(10))
    kinds = by_kind(found)
    review = kinds["plans.step_review"]
    assert review.key == f"plans:step-review:step:{ROW}" and CALENDAR.local_date(review.due_at) == date(2026, 12, 8)
    assert "record the outcome and move to the next step" in review.title
    assert "Success: next, Orthopedics referral." in review.reason  # the report read on the order counts as on file
    assert not [x for x in found if isinstance(x, NextChange)]  # no trial: nothing changes with the clock alone


def test_a_report_on_file_without_the_steps_order_does_not_meet_the_step():
    """A report that came in another way (faxed with outside records) is not the step's loop: the step waits for its
    own order to be read, and the order task stays open."""
    f = facts(imaging=(ImagingStudy("mri_arthrogram", "hip", date(2026, 12, 4), True),))
    s = pathway("hip_labral").step("mri_arthrogram")
    evaluation = rules.evaluate_step(s, f, started_on=START, as_of=date(2026, 12, 10), instruments=KNOWLEDGE.instruments,
                                     loop=loop_of("hip_labral", "mri_arthrogram", f))
    assert evaluation.status == "not_measurable"
    assert evaluation.results[0].explanation == "MR arthrogram of the hip: not ordered yet"
    assert rules.propose(pathway("hip_labral"), s, evaluation).outcome is None
    assert "plans.step_order" in by_kind(findings("hip_labral", "mri_arthrogram", f, days_in(10)))


REFERRAL_STATES = [
    referral("drafted"),
    referral("sent", sent_on=date(2026, 12, 2)),
    referral("acknowledged", sent_on=date(2026, 12, 2), acknowledged_on=date(2026, 12, 4)),
    referral("scheduled", sent_on=date(2026, 12, 2), acknowledged_on=date(2026, 12, 4), appointment_on=date(2027, 1, 12)),
    referral("seen", sent_on=date(2026, 12, 2), appointment_on=date(2027, 1, 12), seen_on=date(2027, 1, 12)),
    referral("consult_received", sent_on=date(2026, 12, 2), seen_on=date(2027, 1, 12), consult_note_on=date(2027, 1, 20)),
]


@pytest.mark.parametrize("linked", REFERRAL_STATES, ids=lambda r: r.status)
def test_a_referral_meets_its_step_only_when_it_is_closed(linked):
    f = facts(body_region="lumbar", referrals=(linked,))
    found = by_kind(findings("lumbar_radicular_pain", "spine_surgery_referral", f, days_in(120)))
    assert "plans.step_referral" not in found and "plans.step_review" not in found
    assert found[f"met:plans:step-referral:step:{ROW}"].evidence["link"] == "/referrals/52"


def test_a_closed_referral_meets_the_step_with_its_consult_note():
    closed = replace(REFERRAL_STATES[-1], status="closed", closed_on=date(2027, 1, 21))
    f = facts(body_region="lumbar", referrals=(closed,))
    loop = loop_of("lumbar_radicular_pain", "spine_surgery_referral", f)
    assert order_steps.words(loop, closed).endswith("seen 12 Jan, consult note back 20 Jan, closed 21 Jan")
    review = by_kind(findings("lumbar_radicular_pain", "spine_surgery_referral", f, days_in(120)))["plans.step_review"]
    assert CALENDAR.local_date(review.due_at) == date(2027, 1, 21)
    assert "Success: next, Discharge from this pathway." in review.reason


def test_a_psychologists_referral_closed_is_not_a_clearance():
    """The stimulator pathway asks that the evaluation says "cleared": a closed referral alone does not say so."""
    closed = referral("closed", specialty="pain_psychology", consult_note_on=date(2026, 12, 20), closed_on=date(2026, 12, 21))
    s = pathway("spinal_cord_stimulation").step("psych_evaluation")
    f = facts(body_region="lumbar", referrals=(closed,))
    loop = loop_of("spinal_cord_stimulation", "psych_evaluation", f)
    evaluation = rules.evaluate_step(s, f, started_on=START, as_of=date(2026, 12, 22), instruments=KNOWLEDGE.instruments, loop=loop)
    assert evaluation.status == "not_measurable" and evaluation.results[0].status == "met"
    cleared = replace(f, documents=(DocumentFact("psych_eval", date(2026, 12, 20), "case_document:3", result="cleared"),))
    evaluation = rules.evaluate_step(s, cleared, started_on=START, as_of=date(2026, 12, 22), instruments=KNOWLEDGE.instruments,
                                     loop=loop_of("spinal_cord_stimulation", "psych_evaluation", cleared))
    assert evaluation.status == "met"


def test_a_crps_psychology_visit_is_met_by_the_closed_referral():
    closed = referral("closed", specialty="pain_psychology", consult_note_on=date(2026, 12, 10), closed_on=date(2026, 12, 11))
    f = facts(body_region="other", referrals=(closed,))
    s = pathway("crps").step("behavioral_health")
    evaluation = rules.evaluate_step(s, f, started_on=START, as_of=date(2026, 12, 16), instruments=KNOWLEDGE.instruments,
                                     loop=loop_of("crps", "behavioral_health", f))
    assert evaluation.status == "met"
    # Its two-week trial ends 15 Dec, after the referral closed: the review waits for the trial's end.
    review = by_kind(findings("crps", "behavioral_health", f, days_in(3)))["plans.step_review"]
    assert CALENDAR.local_date(review.due_at) == date(2026, 12, 15)


def test_a_cleared_psychological_evaluation_on_file_meets_the_stimulator_step_without_our_referral():
    """J10: the patient saw a psychologist on their own referral; the cleared evaluation is what the step
    asks for, so the step is met although no referral was written here. Without the answer it is not."""
    p = pathway("spinal_cord_stimulation")
    s = p.step("psych_evaluation")
    cleared = DocumentFact("psych_eval", date(2026, 12, 8), "case_document:3", result="cleared")
    for documents, expected in (((cleared,), "met"), ((), "not_measurable")):
        f = facts(body_region="lumbar", documents=documents)
        evaluation = rules.evaluate_step(s, f, started_on=START, as_of=date(2026, 12, 9), instruments=KNOWLEDGE.instruments,
                                         loop=loop_of("spinal_cord_stimulation", "psych_evaluation", f))
        assert evaluation.status == expected


# --- Cancelled -----------------------------------------------------------------------------------------

def test_a_cancelled_order_opens_the_order_task_again():
    cancelled = order("cancelled", sent_on=date(2026, 12, 3))
    f = facts(imaging_orders=(cancelled,))
    found = by_kind(findings("hip_labral", "mri_arthrogram", f, days_in(90)))
    task = found["plans.step_order"]
    assert task.key == f"plans:step-order:step:{ROW}"  # the same duty: the met task comes back as a new open one
    assert "The one written 3 Dec was cancelled" in task.reason
    evaluation = rules.evaluate_step(pathway("hip_labral").step("mri_arthrogram"), f, started_on=START, as_of=date(2026, 12, 10),
                                     instruments=KNOWLEDGE.instruments, loop=loop_of("hip_labral", "mri_arthrogram", f))
    assert evaluation.status == "not_measurable"  # cancelled is not a closed loop
    assert "(the last one was cancelled)" in evaluation.results[0].explanation


def test_a_cancelled_order_with_another_live_one_stays_met():
    f = facts(imaging_orders=(order("cancelled"), order("sent", order_id=42, ordered_on=date(2026, 12, 5), sent_on=date(2026, 12, 5))))
    found = by_kind(findings("hip_labral", "mri_arthrogram", f, days_in(90)))
    assert "plans.step_order" not in found
    assert found[f"met:plans:step-order:step:{ROW}"].evidence["link"] == "/imaging-orders/42"


def test_a_cancelled_referral_opens_the_referral_task_again():
    f = facts(body_region="lumbar", referrals=(referral("cancelled"),))
    assert "plans.step_referral" in by_kind(findings("lumbar_radicular_pain", "spine_surgery_referral", f, days_in(120)))


# --- Pack validation: no silent order step -------------------------------------------------------------

SOURCED = {"source": "test", "evidence": "K", "verified": False}
ORDER = {"study": "hip X-ray", "modality": "xray", "protocol": "AP pelvis", "question": "Hip pain ({side})?", **SOURCED}
REFERRAL = {"specialty": "orthopedics", "reason": "Hip pain", "question": "Surgery?", **SOURCED}


def bare_step(kind: str, **kw) -> dict:  # noqa: ANN003
    return {"id": "s", "name": "S", "kind": kind, "what": "w", "on_success": "maintain", "on_failure": "discharge", **kw}


@pytest.mark.parametrize(("kind", "says"), [("imaging", "an imaging step needs an order: block"),
                                            ("referral", "a referral step needs a referral: block")])
def test_a_silent_order_step_is_refused_at_load(kind, says):
    with pytest.raises(ValidationError, match=says):
        PathwayStep.model_validate(bare_step(kind))


def test_blocks_belong_on_their_kinds_and_name_only_known_words():
    with pytest.raises(ValidationError, match="an order: block belongs on an imaging or diagnostic step"):
        PathwayStep.model_validate(bare_step("conservative", order=ORDER))
    with pytest.raises(ValidationError, match="a referral: block belongs on a referral, behavioral or diagnostic step"):
        PathwayStep.model_validate(bare_step("procedure", procedure_id="x", referral=REFERRAL))
    with pytest.raises(ValidationError, match=r"question names \{laterality\}"):
        PathwayStep.model_validate(bare_step("imaging", order={**ORDER, "question": "Hip pain ({laterality})?"}))
    with pytest.raises(ValidationError, match="one order or one referral, not both"):
        PathwayStep.model_validate(bare_step("diagnostic", order=ORDER, referral=REFERRAL))
    assert PathwayStep.model_validate(bare_step("behavioral", referral=REFERRAL)).opens is not None
    assert PathwayStep.model_validate(bare_step("behavioral")).opens is None  # a behavioural step may be done here


def test_a_pathway_with_order_steps_needs_its_order_due_setting():
    body = {"id": "p", "name": "P", "summary": "s", "applies_to": {"body_regions": ["hip"]}, **SOURCED,
            "steps": [bare_step("imaging", order=ORDER)]}
    problems = Pathway.model_validate(body).problems("pathways[0]")
    assert [path for path, _words in problems] == ["pathways[0].order_due"]
    fixed = Pathway.model_validate({**body, "order_due": {"business_days": 2, **SOURCED}})
    assert fixed.problems("pathways[0]") == []


def test_every_imaging_and_referral_step_of_every_pathway_opens_its_order():
    for p in KNOWLEDGE.pathways.values():
        for s in p.steps:
            if s.kind in ("imaging", "referral"):
                assert s.opens is not None, (p.id, s.id)
                assert p.order_due is not None, p.id
