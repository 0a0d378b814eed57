"""The orders slice's open loops on the clinic-wide board: every imaging order not yet reviewed or cancelled,
its state in words, whom it waits on, since when, and stalled once the work of its state is overdue.
A read model: it joins the patient's name read-only for display."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.config import get_settings
from painpath.knowledge.loader import Knowledge, load_knowledge
from painpath.orders import loop_rules, order_rules
from painpath.orders.models import ImagingOrder
from painpath.orders.order_service import loop_of
from painpath.patients.models import Patient
from painpath.worklist.loops import OpenLoop, register_loop_source

OPEN = ("drafted", "sent", "booked", "done", "reported")
WAITING_ON = {"drafted": "us (to send it)", "sent": "us (to book it)", "booked": "the imaging centre", "done": "the imaging centre (the report)",
              "reported": "our clinician (to review the report)"}


def loops_of(session: Session, clinic_id: int, knowledge: Knowledge, calendar: BusinessCalendar) -> list[OpenLoop]:
    now = utcnow()
    rows = session.execute(select(ImagingOrder, Patient.given_name, Patient.family_name).join(Patient, Patient.id == ImagingOrder.patient_id)
                           .where(ImagingOrder.clinic_id == clinic_id, ImagingOrder.status.in_(OPEN)))
    found = []
    for order, given, family in rows:
        loop = loop_of(order, knowledge.imaging_centres)
        due = loop_rules.current_due(loop, knowledge.imaging_rules.timings, calendar) if knowledge.imaging_rules else None
        state = order_rules.STATUS_WORDS[order.status].capitalize() + (", the fax did not go" if order.send_state == "failed" else "")
        found.append(OpenLoop("imaging_order", order.id, order.episode_id, f"{given} {family}",
                              order_rules.describe(order.modality, order.region, order.side), state, WAITING_ON[order.status],
                              order.status_changed_at, order.urgency, f"/imaging-orders/{order.id}", stalled=due is not None and due < now))
    return found


@register_loop_source
def imaging_order_loops(session: Session, clinic_id: int) -> list[OpenLoop]:
    # A loop source is given no knowledge or calendar (worklist/loops.py): read them from the settings, as
    # build_context does; the loader caches parsed packs, so this costs a directory walk.
    # Settings that do not load here (a test process without the app's environment) leave the built-in
    # packs and the default calendar.
    try:
        settings = get_settings()
    except ValidationError:
        return loops_of(session, clinic_id, load_knowledge(), BusinessCalendar())
    calendar = BusinessCalendar(country=settings.holiday_country, subdivision=settings.holiday_subdivision,
                                timezone_name=settings.clinic_timezone)
    return loops_of(session, clinic_id, load_knowledge(settings.extra_pack_dirs), calendar)
