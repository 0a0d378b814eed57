"""Forms in the simulated clinic: a share of patients bring a work or disability form at or after the first
visit; it is logged in the forms queue, and the queue's tasks (draft, the clinician's signature, send) are
worked by their owning roles through the paperwork slice's services, as the forms pages do. The turnaround
is then what the engine's due dates and the staff's minutes make it.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import date, time, timedelta

from sqlalchemy.orm import Session

from painpath.paperwork import form_sending, form_service
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.form_schemas import DraftIn, FormRequestIn, StepIn
from painpath.simulation.running import Simulation
from painpath.worklist.models import Task

FORM_ARRIVES_AT = time(11, 0)
# The pack's forms by who asks: an employer's FMLA certification, an insurer's disability facts sheet.
FORM_BY_REQUESTER = {"employer": "fmla_wh380e", "insurer": "std_facts_sheet"}


def unrendered_form(*_args, **_kwargs) -> bytes:
    """A simulated form never leaves the clinic: its PDF is not filled or rendered (the sending flow is otherwise
    the real service, by print). Passed to the sending service as its renderer."""
    return b"%PDF-1.4 simulated form (not rendered)\n"


def maybe_bring_form(sim: Simulation, episode_id: int) -> None:
    """After an attended first visit: the scenario's share of patients bring a form, from that day to the
    scenario's business days after it."""
    forms = sim.scenario.forms
    if sim.rng.random() >= forms.request_share.value:
        return
    later = sim.rng.randint(0, max(0, round(forms.within_business_days.value)))
    requester = "employer" if sim.rng.random() < forms.employer_share.value else "insurer"
    sim.process(_form_arrives(sim, episode_id, sim.ctx.calendar.add_business_days(sim.today, later), requester))


def _form_arrives(sim: Simulation, episode_id: int, day: date, requester: str) -> Generator:
    yield from sim.until(sim.local(day, FORM_ARRIVES_AT))
    form_id = FORM_BY_REQUESTER[requester]
    if form_id not in sim.ctx.knowledge.form_definitions:
        return
    coordinator = sim.actor("coordinator")
    with sim.ctx.db.session() as session:
        form_service.create_request(session, actor=coordinator, knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                                    episode_id=episode_id, data=FormRequestIn(
                                        form_id=form_id, requester_kind=requester,
                                        requester_name="Employer HR" if requester == "employer" else "Disability insurer",
                                        received_on=sim.today,
                                        employee_receipt_on=sim.today - timedelta(days=2) if requester == "employer" else None,
                                        owner_id=coordinator.user_id))


def _request(session: Session, task: Task) -> FormRequest:
    return session.get(FormRequest, int(task.evidence["form_request_id"]))


def draft(session: Session, sim: Simulation, task: Task) -> None:
    """The coordinator drafts the form from the chart, with the clinician's usual estimates for what the chart
    does not hold."""
    request = _request(session, task)
    form_service.draft(session, actor=sim.actor("coordinator"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                       request_id=request.id, data=DraftIn(
                           version=request.version, flare_times=1, flare_per="month", flare_duration=2, flare_unit="days",
                           incapacity="Flare-ups about once a month, two days each", expected_duration="3 months",
                           expected_return_on=None))


def sign(session: Session, sim: Simulation, task: Task) -> None:
    request = _request(session, task)
    form_service.step(session, actor=sim.actor("clinician"), request_id=request.id,
                      data=StepIn(to="signed", version=request.version), may_sign=True)


def send(session: Session, sim: Simulation, task: Task) -> None:
    """Sent by print (the requester's fax is not modelled); the sending flow commits on its own."""
    request = _request(session, task)
    form_sending.send_step(session, actor=sim.actor("coordinator"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                           request_id=request.id, data=StepIn(to="sent", version=request.version, transport="print"),
                           render=unrendered_form)
