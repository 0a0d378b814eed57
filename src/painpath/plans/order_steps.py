"""Plan steps that are orders: an imaging step opens an imaging order, a referral step (or a visit with a
pain psychologist) opens a referral, and the step is met only when that order's or referral's loop closes.

Pure, like rules.py: it reads the step's `order:` / `referral:` block from the pathway pack and the episode's
`imaging_orders` / `referrals` facts linked to the step row (`plan_step_row_id`). What it decides:

- No live order or referral linked to the active step: a clinician task "Order the hip X-ray" / "Write
  the orthopedics referral", due N business days after the step started (the pathway's `order_due`),
  linking to the order or referral form prefilled from the block.
- One linked (drafted, sent, booked, ...): that task is met, with the order's words and date.
- Its loop closed (an order `reviewed`, a referral `closed`): the step's loop measure is met, and the
  clinician's step review ("record the outcome and move on") is due on the day it closed. A cancelled one
  does not count: with no other live one, the order task opens again.

A document or study on file without the loop (a report faxed in by someone else) does not meet an order
step: the step waits for its own order to be read, so the plan never moves on a report nobody reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from painpath.facts.vocabulary import DocumentFact, EpisodeFacts, ImagingOrderFact, ImagingStudy, ReferralFact
from painpath.knowledge.schemas.pathways import DocumentOnFile, ImagingOrderPlan, PathwayStep, ReferralPlan
from painpath.worklist.engine import Finding, Fulfillment, Obligation

PROVIDER = "plans"
ORDER_KIND = "plans.step_order"
REFERRAL_KIND = "plans.step_referral"
# Used when a pathway with order steps has no order_due (the loader refuses that; this keeps a plan on a
# pack from before the setting working): two business days, the clinic's protocol.
DEFAULT_DUE_BUSINESS_DAYS = 2
CLOSED_ORDER, CLOSED_REFERRAL = "reviewed", "closed"
SIDE_WORDS = {"left": "left", "right": "right", "bilateral": "both sides", "none": "side not recorded"}
# A closed pain-psychology referral's consult note is the psychologist's evaluation.
EVALUATION_SPECIALTIES = frozenset({"pain_psychology", "behavioural_health"})

Linked = ImagingOrderFact | ReferralFact


def _day(on: date) -> str:
    return f"{on.day} {on:%b}"


@dataclass(frozen=True)
class StepLoop:
    """One step's order or referral: what the pathway asks for and what is linked to the step row."""

    block: ImagingOrderPlan | ReferralPlan
    step_row_id: int
    linked: tuple[Linked, ...]  # oldest first
    form_url: str  # the prefilled order or referral form
    due_business_days: int
    question: str  # the block's question filled with the episode's region and side
    # A closed pain-psychology referral counts as the psychologist's evaluation on file, unless the step
    # asks what the evaluation says ("cleared"): that answer comes only from the document itself.
    credits_evaluation: bool = False
    # When the step asks what the evaluation says ("cleared"), that answer on file meets the step whoever
    # wrote it (an evaluation done on the patient's own referral, say): the referral is the way to get it,
    # not a condition of its own.
    result_suffices: bool = False

    @property
    def is_order(self) -> bool:
        return isinstance(self.block, ImagingOrderPlan)

    @property
    def what(self) -> str:
        """"hip X-ray" / "orthopedics referral"."""
        return self.block.study if isinstance(self.block, ImagingOrderPlan) else f"{self.block.specialty_words} referral"

    @property
    def closed(self) -> tuple[Linked, ...]:
        return tuple(x for x in self.linked if x.status in (CLOSED_ORDER, CLOSED_REFERRAL))

    @property
    def live(self) -> tuple[Linked, ...]:
        """Linked and neither cancelled nor closed: under way."""
        return tuple(x for x in self.linked if x.status not in ("cancelled", CLOSED_ORDER, CLOSED_REFERRAL))

    @property
    def current(self) -> Linked | None:
        """The one the step follows: the latest closed, else the latest under way; None: nothing live."""
        return (self.closed or self.live or (None,))[-1]

    @property
    def closed_on(self) -> date | None:
        found = self.closed[-1] if self.closed else None
        return closed_on(found) if found is not None else None

    @property
    def cancelled(self) -> tuple[Linked, ...]:
        return tuple(x for x in self.linked if x.status == "cancelled")


def fill(template: str, *, region: str, side: str) -> str:
    return template.format(region=region.replace("_", " "), side=SIDE_WORDS.get(side, side))


def form_url(block: ImagingOrderPlan | ReferralPlan, *, episode_id: int, step_row_id: int, region: str, side: str) -> str:
    """The order or referral form, prefilled from the step's block and the episode (its region and side)."""
    if isinstance(block, ImagingOrderPlan):
        query = {"modality": block.modality, "protocol": block.protocol, "contrast": block.contrast,
                 "region": block.region or region, "side": side, "question": fill(block.question, region=block.region or region, side=side),
                 "urgency": block.urgency, "plan_step_row_id": step_row_id}
        return f"/episodes/{episode_id}/imaging-orders/new?{urlencode(query)}"
    query = {"specialty": block.specialty, "reason": fill(block.reason, region=region, side=side),
             "question": fill(block.question, region=region, side=side), "urgency": block.urgency, "plan_step_row_id": step_row_id}
    return f"/episodes/{episode_id}/referrals/new?{urlencode(query)}"


def step_loop(step: PathwayStep, step_row_id: int, facts: EpisodeFacts, due_business_days: int | None = None) -> StepLoop | None:
    """The step's loop, or None when the step opens no order or referral."""
    block = step.opens
    if block is None:
        return None
    pool = facts.imaging_orders if isinstance(block, ImagingOrderPlan) else facts.referrals
    linked = tuple(x for x in pool if x.plan_step_row_id == step_row_id)
    url = form_url(block, episode_id=facts.episode_id, step_row_id=step_row_id, region=facts.body_region, side=facts.laterality)
    days = DEFAULT_DUE_BUSINESS_DAYS if due_business_days is None else due_business_days
    region = (block.region if isinstance(block, ImagingOrderPlan) else None) or facts.body_region
    asks_a_result = any(isinstance(m, DocumentOnFile) and m.kind == "psych_eval" and m.result
                        for m in (step.success.measures if step.success else ()))
    credits = isinstance(block, ReferralPlan) and block.specialty in EVALUATION_SPECIALTIES and not asks_a_result
    suffices = isinstance(block, ReferralPlan) and block.specialty in EVALUATION_SPECIALTIES and asks_a_result
    return StepLoop(block, step_row_id, linked, url, days, fill(block.question, region=region, side=facts.laterality), credits, suffices)


def started_on(linked: Linked) -> date:
    return linked.ordered_on if isinstance(linked, ImagingOrderFact) else linked.created_on


def closed_on(linked: Linked) -> date:
    """The day the loop closed (the report reviewed, the referral closed); its latest date when not stated."""
    if isinstance(linked, ImagingOrderFact):
        return linked.reviewed_on or linked.report_received_on or linked.ordered_on
    return linked.closed_on or linked.consult_note_on or linked.created_on


def href(linked: Linked) -> str:
    """The order's or referral's own page."""
    return f"/imaging-orders/{linked.order_id}" if isinstance(linked, ImagingOrderFact) else f"/referrals/{linked.referral_id}"


def _order_words(what: str, order: ImagingOrderFact) -> str:
    if order.status == "drafted":
        return f"{what} drafted {_day(order.ordered_on)}, not sent yet"
    parts = [f"{what} ordered {_day(order.ordered_on)}"]
    if order.sent_on:
        parts.append(f"sent {_day(order.sent_on)}")
    if order.booked_for:
        parts.append(f"booked for {_day(order.booked_for)}")
    if order.performed_on:
        parts.append(f"done {_day(order.performed_on)}")
    if order.status == "cancelled":
        parts.append("cancelled")
    elif order.report_received_on:
        parts.append(f"report back {_day(order.report_received_on)}")
        parts.append(f"reviewed {_day(order.reviewed_on)}" if order.reviewed_on else "report not reviewed yet")
    else:
        parts.append("report not back")
    return ", ".join(parts)


def _referral_words(what: str, referral: ReferralFact) -> str:
    if referral.status == "drafted":
        return f"{what} written {_day(referral.created_on)}, not sent yet"
    parts = [f"{what} written {_day(referral.created_on)}"]
    for label, on in (("sent", referral.sent_on), ("received by the practice", referral.acknowledged_on),
                      ("appointment", referral.appointment_on), ("seen", referral.seen_on)):
        if on:
            parts.append(f"{label} {_day(on)}")
    if referral.status == "cancelled":
        parts.append("cancelled")
    elif referral.consult_note_on:
        parts.append(f"consult note back {_day(referral.consult_note_on)}")
        parts.append(f"closed {_day(referral.closed_on)}" if referral.status == CLOSED_REFERRAL and referral.closed_on
                     else ("closed" if referral.status == CLOSED_REFERRAL else "consult note not reviewed yet"))
    elif referral.status == CLOSED_REFERRAL:
        parts.append(f"closed {_day(closed_on(referral))}")
    else:
        parts.append("consult note not back")
    return ", ".join(parts)


def words(loop: StepLoop, linked: Linked) -> str:
    """The order's or referral's state in words: "MR arthrogram of the hip ordered 3 Dec, booked for 4 Dec, report not back"."""
    what = loop.what[:1].upper() + loop.what[1:]
    return _order_words(what, linked) if isinstance(linked, ImagingOrderFact) else _referral_words(what, linked)


@dataclass(frozen=True)
class LoopState:
    """The loop as a success measure: met when closed, otherwise waiting (with what is missing)."""

    status: Literal["met", "not_measurable"]
    explanation: str
    missing: tuple[str, ...]


def loop_state(loop: StepLoop) -> LoopState:
    current = loop.current
    if current is None:
        verb = "not ordered yet" if loop.is_order else "not written yet"
        what = loop.what[:1].upper() + loop.what[1:]
        again = " (the last one was cancelled)" if loop.cancelled else ""
        return LoopState("not_measurable", f"{what}: {verb}{again}", (loop.what,))
    said = words(loop, current)
    if current in loop.closed:
        return LoopState("met", said, ())
    back = "the report reviewed" if loop.is_order else "the consult note reviewed and the referral closed"
    return LoopState("not_measurable", said, (f"{loop.what}: {back}",))


def summary(loop: StepLoop) -> dict:
    """The step's order or referral for a page or the API: its state in words with its own page, or (none
    under way) the prefilled form and the words for the button."""
    current = loop.current
    out = {"kind": "imaging_order" if loop.is_order else "referral", "what": loop.what, "closed": bool(loop.closed),
           "form_label": ("Order the " if loop.is_order else "Write the ") + loop.what, "form_url": None, "href": None,
           "link_label": "Open the imaging order" if loop.is_order else "Open the referral"}
    if current is None:
        return {**out, "words": loop_state(loop).explanation, "form_url": loop.form_url}
    return {**out, "words": words(loop, current), "href": href(current)}


def credited(facts: EpisodeFacts, loop: StepLoop) -> EpisodeFacts:
    """The episode's facts with what the closed loop brought back, so the step's own measures (a study's
    report on file, a consult note on file) read the loop's result even before another slice files it."""
    if not loop.closed:
        return facts
    if loop.is_order:
        studies = tuple(ImagingStudy(o.modality, o.region, o.performed_on or closed_on(o), True) for o in loop.closed
                        if isinstance(o, ImagingOrderFact))
        return replace(facts, imaging=(*facts.imaging, *studies))
    documents: list[DocumentFact] = []
    for r in loop.closed:
        if not isinstance(r, ReferralFact):
            continue
        on = r.consult_note_on or closed_on(r)
        documents.append(DocumentFact("consult_note", on, f"referral:{r.referral_id}"))
        if loop.credits_evaluation:
            documents.append(DocumentFact("psych_eval", on, f"referral:{r.referral_id}"))
    return replace(facts, documents=(*facts.documents, *documents))


# --- Obligations -----------------------------------------------------------------------------------

def order_key(loop: StepLoop) -> str:
    return f"plans:{'step-order' if loop.is_order else 'step-referral'}:step:{loop.step_row_id}"


def order_findings(loop: StepLoop, *, clinic_id: int, episode_id: int, patient_id: int, plan_id: int, pathway_name: str,
                   step_name: str, step_started_on: date, calendar) -> list[Finding]:  # noqa: ANN001
    """The clinician writes the step's order or referral; a live or closed one linked to the step meets it."""
    key = order_key(loop)
    current = loop.current
    if current is not None:
        return [Fulfillment(key, PROVIDER, words(loop, current), calendar.start_of_local_day_utc(started_on(current)),
                            {"plan_id": plan_id, "step_row_id": loop.step_row_id, "link": href(current)})]
    due_on = calendar.add_business_days(step_started_on, loop.due_business_days)
    verb = "Order the" if loop.is_order else "Write the"
    block = loop.block
    asks = (f"The pathway orders: {block.protocol}" if isinstance(block, ImagingOrderPlan)
            else f"The pathway refers to {block.specialty_words}") + f"; the question: {loop.question}"
    said = [f"{pathway_name}: {step_name} started {_day(step_started_on)}.", asks.rstrip(".") + "."]
    if loop.cancelled:
        last = loop.cancelled[-1]
        said.append(f"The one written {_day(started_on(last))} was cancelled, so the step has none under way.")
    said.append(f"Due {loop.due_business_days} business days after the step started; the step is met when the "
                + ("report is reviewed." if loop.is_order else "consult note is back and the referral closed."))
    return [Obligation(
        key=key, kind=ORDER_KIND if loop.is_order else REFERRAL_KIND, provider=PROVIDER, clinic_id=clinic_id, episode_id=episode_id,
        patient_id=patient_id, title=f"{verb} {loop.what}", due_at=calendar.end_of_local_day_utc(due_on), owner_role="clinician",
        reason=" ".join(said), evidence={"plan_id": plan_id, "step_row_id": loop.step_row_id, "link": loop.form_url},
    )]


def review_due_on(loop: StepLoop, trial_ends_on: date | None) -> date | None:
    """When the clinician reviews an order step: the day its loop closed (or the trial's end, if later);
    None while the loop is open: the order's own tasks chase it until then."""
    closed = loop.closed_on
    if closed is None:
        return None
    return max(closed, trial_ends_on) if trial_ends_on is not None else closed


def review_title(step_name: str, loop: StepLoop, due_on: date) -> str:
    back = "report reviewed" if loop.is_order else "consult note back"
    return f"Review {step_name}: {back} {_day(loop.closed_on or due_on)}; record the outcome and move to the next step"


__all__ = ["LoopState", "StepLoop", "credited", "form_url", "href", "loop_state", "order_findings", "review_due_on", "step_loop", "summary",
           "words"]
