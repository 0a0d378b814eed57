"""The patient's plan: one printable page (or two) in plain language, in large type.

It answers what a patient asks on the way out of the visit: what are we doing now and for how long, why
these exercises (the step's PT protocol, one plain reason per emphasis), how will we know it is working, what comes next if it does not (and whether the insurance paperwork for it
is already under way), what are my goals, and when do I come back.

`build_patient_plan` is pure: the plan's data, its pathway from the packs, the current step with its
evaluation (plans/rules.py), the authorization prepared for the step ahead and the follow-ups (the same
ones as the .ics file, plans/calendar.py) in, plain data for the template out. The words are written
for a 6th-8th grade reader: short sentences, no codes (no billing codes, no instrument abbreviations,
no "minimal important change": the number it stands for, said as "improves by 5 points or more").
`load` reads the database for it; `render` makes the PDF with the shared WeasyPrint renderer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from painpath.authorizations import lifecycle
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import NotFound
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_html, render_pdf
from painpath.knowledge.schemas.pathways import (
    TERMINAL_NEXT, DocumentOnFile, FunctionalTarget, ImagingOnFile, InstrumentChange, MedicationUse, PainAtMost, Pathway,
    PathwayStep, ReliefPercent, ReturnToWork,
)
from painpath.knowledge.schemas.pt_protocols import PtProtocol
from painpath.patients import service as patients
from painpath.plans import calendar as plan_calendar
from painpath.plans import decisions as shared_decisions
from painpath.plans import rules, service
from painpath.plans import support as plan_support
from painpath.plans.calendar import FollowUp

TEMPLATE = "documents/patient_plan.html"

# What each questionnaire measures, as a patient would say it.
_INSTRUMENT_WORDS = {
    "ndi": "neck disability score", "odi": "back disability score", "lefs": "leg function score",
    "peg": "pain and daily activity score", "phq9": "mood score", "gad7": "worry score", "isi": "sleep problem score",
    "pcs": "pain worry score", "tsk11": "fear of movement score", "tsk17": "fear of movement score",
}
_FUNCTION_WORDS = {  # measure: (at least, at most) phrasing, {n} the number
    "walking_minutes": ("walking {n} minutes", "walking no more than {n} minutes"),
    "sitting_minutes": ("sitting for {n} minutes", "sitting no more than {n} minutes"),
    "standing_minutes": ("standing for {n} minutes", "standing no more than {n} minutes"),
    "sleep_hours": ("sleeping {n} hours a night", "sleeping no more than {n} hours a night"),
    "sleep_awakenings": ("waking up from pain at least {n} times a night", "waking up from pain {n} times a night or less"),
    "lifting_limit_lb": ("lifting {n} pounds", "lifting no more than {n} pounds"),
}
_PAIN_WORDS = {"pain_average": "pain", "pain_now": "pain right now", "pain_worst": "worst pain"}
_IMAGING_WORDS = {
    "mri": "MRI", "ct": "CT scan", "xray": "X-ray", "emg_ncs": "nerve test", "ultrasound": "ultrasound",
    "mri_arthrogram": "MRI with dye in the joint", "other": "imaging test",
}
_DOCUMENT_WORDS = {"consult_note": "the specialist's report is back", "psych_eval": "the visit with the psychologist is done"}
_ENDINGS = {
    "maintain": ("Keep doing what works", "You keep up the exercises and habits that help, and we check in with you from time to time."),
    "discharge": ("Finish this plan", "We talk with you about what is best for you next."),
}
# Where the insurance approval for a procedure stands, in words for the patient.
_PAPERWORK_WORDS = {
    lifecycle.PREPARING: "We have already started the insurance paperwork, so there is no wait if you need it.",
    lifecycle.READY: "We have already started the insurance paperwork, so there is no wait if you need it.",
    lifecycle.SUBMITTED: "We have asked your insurance to approve it and are waiting for their answer.",
    lifecycle.PENDED: "We have asked your insurance to approve it and are waiting for their answer.",
    lifecycle.APPEALED: "We have asked your insurance again to approve it and are waiting for their answer.",
    lifecycle.PEER_TO_PEER: "Your doctor will talk with your insurance about it.",
    lifecycle.APPROVED: "Your insurance has already approved it.",
    lifecycle.PARTIALLY_APPROVED: "Your insurance has approved part of it; we will explain.",
    lifecycle.DENIED: "Your insurance said no at first. We are working on it and will talk with you.",
}


@dataclass(frozen=True)
class StepSection:
    name: str
    what: str
    paperwork: str | None = None  # where the insurance approval stands, when the step is a procedure


@dataclass(frozen=True)
class NowSection(StepSection):
    length: str | None = None  # "6 weeks"
    started_on: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class ExerciseReason:
    """One thing the step's exercises emphasise and why, from the PT protocol pack."""

    focus: str
    why: str


@dataclass(frozen=True)
class Appointment:
    day: date
    time: str  # "9:30 AM", or "" for a day without a set time
    what: str
    where: str | None


@dataclass(frozen=True)
class OptionWords:
    name: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    duties: tuple[str, ...]


@dataclass(frozen=True)
class DecisionWords:
    """A decision made with the patient, in plain words: what was decided, the options talked about with
    their good and bad sides, and what the patient chose."""

    question: str
    on: date
    options: tuple[OptionWords, ...]
    choice: str  # "You chose: ..." or "You have not decided yet."


@dataclass(frozen=True)
class PatientPlan:
    clinic_name: str
    clinic_phone: str | None
    patient_name: str
    printed_on: date
    status: str  # active | completed | pivoted
    ended_words: str | None  # when there is no current step: why
    now: NowSection | None
    working_intro: str | None  # "We will know it is working when:" / "...when any one of these happens:"
    working: tuple[str, ...]
    so_far: str | None  # how it is going, from today's evaluation
    if_not: StepSection | None
    if_so: StepSection | None
    goals: tuple[str, ...]
    appointments: tuple[Appointment, ...]
    contact: str
    why_exercises: tuple[ExerciseReason, ...] = ()  # empty when the current step names no PT protocol
    decisions: tuple[DecisionWords, ...] = ()
    support: tuple[plan_support.SupportWords, ...] = ()  # support strategies the clinician added to the plan


# --- Words ----------------------------------------------------------------------------------------

def _num(x: float) -> str:
    return f"{x:g}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def _instrument_words(instrument_id: str, instruments: Mapping) -> str:
    if instrument_id in _INSTRUMENT_WORDS:
        return _INSTRUMENT_WORDS[instrument_id]
    found = instruments.get(instrument_id)
    return f"{found.title} score" if found is not None else "questionnaire score"


def _improvement_words(instrument, baseline: float | None) -> str:  # noqa: ANN001
    """The instrument's minimal important change as the number it stands for (points when they can be known)."""
    mic = instrument.mic
    if mic.points is not None and (mic.percent_of_baseline is None or baseline is None):
        points = mic.points
    elif mic.percent_of_baseline is not None and baseline is not None:
        points = rules._mic_points(mic, baseline)  # noqa: SLF001 - the same number the evaluation uses
    else:
        return f"improves by {_num(mic.percent_of_baseline)} percent or more"
    points = round(points, 1)
    return f"improves by {_num(points)} point{'s' if points != 1 else ''} or more"


def measure_words(measure, step: PathwayStep, *, instruments: Mapping, procedure_names: Mapping[str, str],  # noqa: ANN001
                  baselines: Mapping[str, float]) -> str:
    """One success measure in plain words: "walking 30 minutes", "pain at 4 or less on a 0 to 10 scale"."""
    if isinstance(measure, InstrumentChange):
        name = _instrument_words(measure.instrument, instruments)
        if measure.require == "stable_or_better":
            return f"your {name} stays the same or gets better"
        return f"your {name} {_improvement_words(instruments[measure.instrument], baselines.get(measure.instrument))}"
    if isinstance(measure, FunctionalTarget):
        at_least, at_most = _FUNCTION_WORDS[measure.measure]
        return (at_least if measure.at_least is not None else at_most).format(n=_num(measure.at_least if measure.at_least is not None
                                                                                     else measure.at_most))
    if isinstance(measure, PainAtMost):
        return f"{_PAIN_WORDS[measure.measure]} at {_num(measure.at_most)} or less on a 0 to 10 scale"
    if isinstance(measure, ReliefPercent):
        own = measure.procedure_id is None or measure.procedure_id == step.procedure_id
        what = _lower_first(step.name) if own else _lower_first(procedure_names.get(measure.procedure_id, "procedure"))
        share = "at least half" if measure.at_least == 50 else f"at least {_num(measure.at_least)} percent"
        lasting = f", for at least {measure.lasting_days} days" if measure.lasting_days else ""
        return f"{share} of your pain goes away after the {what}{lasting}"
    if isinstance(measure, MedicationUse):
        return "you need the same amount of pain medicine or less"
    if isinstance(measure, ReturnToWork):
        return "you are back at work" + (" (full or light duty)" if "modified_duty" in measure.statuses else "")
    if isinstance(measure, ImagingOnFile):
        return f"your {_IMAGING_WORDS[measure.modality]} is done and we have the report"
    if isinstance(measure, DocumentOnFile):
        words = _DOCUMENT_WORDS.get(measure.kind, f"we have the {measure.kind.replace('_', ' ')}")
        return f"{words} and says you are {measure.result}" if measure.result else words
    raise TypeError(f"no words for {measure!r}")


def _length_words(step: PathwayStep) -> str | None:
    if step.trial is None:
        return None
    unit = step.trial.unit if step.trial.length != 1 else step.trial.unit.rstrip("s")
    return f"{step.trial.length} {unit}"


def _paperwork(step: PathwayStep, case: tuple[str, str] | None) -> str | None:
    """Where the approval stands, when the plan's prepared case is for this step's procedure."""
    if case is None or step.procedure_id is None or case[0] != step.procedure_id:
        return None
    return _PAPERWORK_WORDS.get(case[1])


def _next_section(pathway: Pathway, target: str, case: tuple[str, str] | None) -> StepSection:
    if target in TERMINAL_NEXT:
        name, what = _ENDINGS[target]
        return StepSection(name, what)
    step = pathway.step(target)
    return StepSection(step.name, step.what, _paperwork(step, case))


def _so_far(evaluation: rules.StepEvaluation | None) -> str | None:
    if evaluation is None:
        return None
    if evaluation.status == "met":
        return "Your latest check shows it is working."
    if evaluation.status == "no_measure":
        return "Your care team will decide with you at your check-in."
    until = f"{evaluation.trial_ends_on:%A} {_long(evaluation.trial_ends_on)}" if evaluation.trial_ends_on else "your check-in"
    if evaluation.status == "not_met":
        if evaluation.trial_over:
            return "It has not worked as well as we hoped. We will talk with you about the next step."
        return f"It is not there yet. Keep going: we will judge it on {until}."
    if evaluation.trial_over:
        return "We need a few more measurements before we can judge it. We will ask you at your next visit."
    return f"We will measure this at your check-ins, and judge it on {until}."


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def goal_words(goal: Mapping, instruments: Mapping) -> str:
    """The goal's own words, with its target in words when it has one: "Back to ladder work (neck disability score 10 or less)"."""
    text = str(goal.get("text", "")).strip()
    measure, target = goal.get("measure"), goal.get("target")
    if not measure or target is None:
        return text
    if measure in _FUNCTION_WORDS:
        return f"{text} ({_FUNCTION_WORDS[measure][0].format(n=_num(float(target)))})"
    if measure in _PAIN_WORDS:
        return f"{text} ({_PAIN_WORDS[measure]} at {_num(float(target))} or less)"
    if measure in instruments:
        better = "or less" if instruments[measure].direction == "lower_is_better" else "or more"
        return f"{text} ({_instrument_words(measure, instruments)} of {_num(float(target))} {better})"
    return text


def _appointment(follow_up: FollowUp) -> Appointment:
    return Appointment(follow_up.on, follow_up.time_words, follow_up.summary, follow_up.where)


def contact_words(clinic_name: str, clinic_phone: str | None) -> str:
    call = f"call {clinic_name} at {clinic_phone}" if clinic_phone else f"call {clinic_name}"
    return f"Questions, or need to change a date? Please {call}. If something changes suddenly, call us right away."


def decision_words(view: shared_decisions.DecisionView) -> DecisionWords:
    """A recorded decision for the patient: the options discussed, each with its benefits, risks and duties."""
    options = tuple(OptionWords(o.name, tuple(o.benefits), tuple(r.words for r in o.risks), tuple(o.patient_duties))
                    for o in view.discussed)
    chosen = view.chosen
    # "A steroid injection now" -> "a steroid ...", but "MRI ..." stays as it is.
    said = chosen.name if chosen is None or chosen.name[1:2].isupper() else chosen.name[:1].lower() + chosen.name[1:]
    choice = f"You chose: {said}." if chosen is not None else "You have not decided yet. Take your time, and ask us anything."
    return DecisionWords(view.decision.question, view.row.discussed_on, options, choice)


# --- The content (pure) ---------------------------------------------------------------------------

def build_patient_plan(*, pathway: Pathway, plan_status: str, goals: Sequence[Mapping],
                       step: PathwayStep | None, step_started_on: date | None, trial_ends_on: date | None,
                       evaluation: rules.StepEvaluation | None, authorization: tuple[str, str] | None,
                       follow_ups: Sequence[FollowUp], instruments: Mapping, procedure_names: Mapping[str, str],
                       baselines: Mapping[str, float], clinic_name: str, clinic_phone: str | None, patient_name: str,
                       printed_on: date, pt_protocol: PtProtocol | None = None,
                       decisions: Sequence[DecisionWords] = (), support: Sequence[plan_support.SupportWords] = ()) -> PatientPlan:
    """The patient plan's content. `authorization` is (procedure id, state) of the case prepared for the
    step ahead; `baselines` the questionnaire scores at the step's start (for a change counted in percent);
    `pt_protocol` the current step's PT protocol, whose emphases say why these exercises; `decisions` the choices made
    with the patient (shared decisions), each with the options discussed."""
    now = if_not = if_so = None
    working: tuple[str, ...] = ()
    intro = None
    if step is not None:
        now = NowSection(step.name, step.what, _paperwork(step, authorization), _length_words(step), step_started_on, trial_ends_on)
        if step.success is not None:
            working = tuple(measure_words(m, step, instruments=instruments, procedure_names=procedure_names, baselines=baselines)
                            for m in step.success.measures)
            intro = ("We will know it is working when:" if step.success.combine == "all" or len(working) == 1
                     else "We will know it is working when any one of these happens:")
        if_not = _next_section(pathway, step.on_failure, authorization)
        if_so = _next_section(pathway, step.on_success, authorization)
    ended = None
    if step is None:
        ended = {"completed": "This plan is complete.", "pivoted": "We changed your plan; ask us for your new one."}.get(
            plan_status, "There is no step in progress right now.")
    return PatientPlan(
        clinic_name=clinic_name, clinic_phone=clinic_phone, patient_name=patient_name, printed_on=printed_on, status=plan_status,
        ended_words=ended, now=now, working_intro=intro, working=working, so_far=_so_far(evaluation), if_not=if_not, if_so=if_so,
        goals=tuple(w for w in (goal_words(g, instruments) for g in goals) if w),
        appointments=tuple(_appointment(f) for f in follow_ups), contact=contact_words(clinic_name, clinic_phone),
        why_exercises=tuple(ExerciseReason(e.focus, e.why) for e in pt_protocol.emphases) if step is not None and pt_protocol else (),
        decisions=tuple(decisions), support=tuple(support),
    )


def patient_plan_html(content: PatientPlan) -> str:
    return render_html(TEMPLATE, {"p": content})


def render(content: PatientPlan) -> bytes:
    return render_pdf(TEMPLATE, {"p": content})


# --- Reading the database -------------------------------------------------------------------------

@dataclass(frozen=True)
class Material:
    """What the PDF and the .ics are made from, read once (the chart read is audited by read_plan)."""

    view: service.PlanView
    clinic: Clinic
    patient_name: str
    follow_ups: list[FollowUp]


def load(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
         now: datetime | None = None) -> Material:
    now = now or utcnow()
    view = service.read_plan(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id)
    if view is None:
        raise NotFound("care plan for episode", episode_id)
    clinic = session.get(Clinic, view.plan.clinic_id)
    patient = patients.patient_of_episode(session, episode_id=episode_id)
    row = view.current.row if view.current is not None else None
    found = plan_calendar.follow_ups(session, calendar=calendar, episode_id=episode_id, clinic_name=clinic.name,
                                     current_step_row=row, now=now)
    return Material(view, clinic, f"{patient.given_name} {patient.family_name}", found)


def _baselines(session: Session, knowledge, calendar: BusinessCalendar, view: service.PlanView, today: date) -> dict[str, float]:  # noqa: ANN001
    """The questionnaire scores at the current step's start: the last one on or before it, else the first after."""
    current = view.current
    if current is None or current.step.success is None or not any(
            isinstance(m, InstrumentChange) for m in current.step.success.measures):
        return {}
    facts = service.episode_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[view.plan.episode_id], today=today)
    started = current.row.started_on
    found: dict[str, float] = {}
    for score in sorted(facts[view.plan.episode_id].scores, key=lambda s: s.on):
        if score.on <= started or score.instrument_id not in found:
            found[score.instrument_id] = score.total
    return found


def step_protocol(knowledge, step: PathwayStep | None) -> PtProtocol | None:  # noqa: ANN001
    """The PT protocol the step names, if any (the loader has checked the id exists)."""
    if step is None or step.pt_protocol_id is None:
        return None
    return knowledge.pt_protocols.get(step.pt_protocol_id)


def patient_plan_content(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                         now: datetime | None = None) -> tuple[PatientPlan, Material]:
    """The episode's plan in the patient's words (what the PDF prints and the portal shows): a chart read (audited
    once per request); NotFound when the episode has no plan."""
    now = now or utcnow()
    today = calendar.local_date(now)
    material = load(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id, now=now)
    view, current = material.view, material.view.current
    case = view.authorization.case if view.authorization is not None else None
    content = build_patient_plan(
        pathway=view.pathway, plan_status=view.plan.status, goals=view.plan.goals or [],
        step=current.step if current else None, step_started_on=current.row.started_on if current else None,
        trial_ends_on=current.row.trial_ends_on if current else None, evaluation=current.evaluation if current else None,
        authorization=(case.procedure_id, case.state) if case is not None else None, follow_ups=material.follow_ups,
        instruments=knowledge.instruments, procedure_names={p.id: p.name for p in knowledge.procedures.values()},
        baselines=_baselines(session, knowledge, calendar, view, today), clinic_name=material.clinic.name,
        clinic_phone=material.clinic.phone, patient_name=material.patient_name, printed_on=today,
        pt_protocol=step_protocol(knowledge, current.step if current else None),
        decisions=[decision_words(v) for v in shared_decisions.views_of(
            knowledge, shared_decisions.episode_decisions(session, episode_id=episode_id))],
        support=plan_support.plan_words(session, knowledge=knowledge, episode_id=episode_id),
    )
    return content, material


def patient_plan_pdf(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int) -> bytes:  # noqa: ANN001
    """The episode's plan for the patient as a PDF: a chart read (audited), and the print itself audited."""
    content, material = patient_plan_content(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id)
    plan = material.view.plan
    audit.record(session, actor, "plan.patient_plan_printed", object_type="care_plan", object_id=plan.id,
                 patient_id=plan.patient_id, clinic_id=plan.clinic_id)
    return render(content)


def plan_calendar_ics(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int) -> bytes:  # noqa: ANN001
    """The episode's follow-ups as an .ics file: a chart read (audited), and the download itself audited."""
    now = utcnow()
    material = load(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id, now=now)
    plan = material.view.plan
    audit.record(session, actor, "plan.calendar_downloaded", object_type="care_plan", object_id=plan.id,
                 patient_id=plan.patient_id, clinic_id=plan.clinic_id, detail={"events": len(material.follow_ups)})
    return plan_calendar.ics_bytes(material.follow_ups, clinic_id=material.clinic.id, clinic_name=material.clinic.name,
                                   clinic_phone=material.clinic.phone, calendar=calendar, now=now)
