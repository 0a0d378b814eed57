"""Forms turnaround in business days on the clinic's calendar, on a hand-built clinic: forms sent after 2, 6
and 4 business days (Christmas Day is not one), one late against the target, one not sent (censored). The forms
are logged, drafted, signed and printed through the paperwork services at their dated moments."""

from datetime import date, datetime, timezone

import time_machine
from ops_clinic import Desk, episode

from painpath.core.tenancy import Clinic
from painpath.outcomes.forms_measures import FormsTurnaround
from painpath.outcomes.measures import Filters
from painpath.paperwork import form_sending, form_service
from painpath.paperwork.form_schemas import DraftIn, FormRequestIn, StepIn

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))
# The employer's form is the FMLA certification (deadline: 15 calendar days); the insurer's the facts sheet (none).
FORM = {"employer": "fmla_wh380e", "insurer": "std_facts_sheet"}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)


def _form(session, desk: Desk, e, kind: str, received: date, *, sent_at: datetime | None = None,  # noqa: ANN001
          cancelled: bool = False) -> None:
    """A form received on `received` (logged that day), and sent at `sent_at` (UTC) when given: drafted, signed
    and printed at that moment through the paperwork services."""
    with time_machine.travel(_utc(datetime.combine(received, datetime.min.time()).replace(hour=15)), tick=False):
        request = form_service.create_request(session, actor=desk.actor("coordinator"), knowledge=desk.ctx.knowledge,
                                              calendar=desk.ctx.calendar, episode_id=e.id, data=FormRequestIn(
                                                  form_id=FORM[kind], requester_kind=kind, requester_name="Acme", received_on=received))
        if cancelled:
            form_service.step(session, actor=desk.actor("coordinator"), request_id=request.id, may_sign=False,
                              data=StepIn(to="cancelled", version=request.version, cancel_reason="Withdrawn by the requester"))
    if sent_at is None:
        return
    with time_machine.travel(_utc(sent_at), tick=False):
        request = form_service.draft(session, actor=desk.actor("clinician"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                                     request_id=request.id, data=DraftIn(version=request.version))
        request = form_service.step(session, actor=desk.actor("clinician"), request_id=request.id, may_sign=True,
                                    data=StepIn(to="signed", version=request.version))
        form_sending.send_form(session, actor=desk.actor("coordinator"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                               request=request, transport="print")


def build(db, clinic, desk: Desk) -> tuple[int, int]:  # noqa: ANN001
    with db.session() as session:
        # The clinic's setting: the target is 7 calendar days after receipt (paperwork's form_rules.clinic_target).
        session.get(Clinic, clinic.id).forms_turnaround_days = 7
        session.flush()
        e1 = episode(session, desk, "One", payer="aetna_ma", location_id=None)
        e2 = episode(session, desk, "Two", payer="humana_ma")
        e1_id, e2_id = e1.id, e2.id
        # Received Tue 1 Dec: target Tue 8 Dec, FMLA deadline Wed 16 Dec (15 calendar days).
        # Sent Thu 3 Dec, 10:00 in Chicago: 2 business days; by the target and the deadline.
        _form(session, desk, e1, "employer", date(2026, 12, 1), sent_at=datetime(2026, 12, 3, 16))
        # Sent Wed 9 Dec: 6 business days; after the target, within the deadline.
        _form(session, desk, e2, "employer", date(2026, 12, 1), sent_at=datetime(2026, 12, 9, 16))
        # Received Mon 21 Dec (target Mon 28 Dec), sent Mon 28 Dec: 22, 23, 24, 28 (Christmas Day is a holiday):
        # 4 business days, on the target day; the insurer's facts sheet has no deadline.
        _form(session, desk, e1, "insurer", date(2026, 12, 21), sent_at=datetime(2026, 12, 28, 16))
        _form(session, desk, e2, "insurer", date(2026, 12, 10))  # not sent yet
        _form(session, desk, e2, "insurer", date(2026, 12, 10), cancelled=True)  # cancelled
        _form(session, desk, e2, "employer", date(2026, 11, 25), sent_at=datetime(2026, 11, 26, 16))  # before the period
        return e1_id, e2_id


def test_forms_turnaround_against_target_and_deadline(db, clinic, ctx, staff):
    e1, e2 = build(db, clinic, Desk(ctx, staff))
    assert ctx.calendar.business_days_between(date(2026, 12, 21), date(2026, 12, 28)) == 4
    with db.session() as session:
        figure = FormsTurnaround().compute(session, clinic_id=clinic.id, filters=DECEMBER, knowledge=ctx.knowledge, calendar=ctx.calendar)
        aetna = FormsTurnaround().compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                          filters=Filters(DECEMBER.period_from, DECEMBER.period_to, payer_id="aetna_ma"))
    rows = {r.key: r for r in figure.rows}
    # who, received, sent, median, mean, on target %, by deadline %, not sent
    assert rows["all"].cells == ("All forms", 4, 3, 4.0, 4.0, 66.7, 100.0, 1)
    assert rows["all"].episode_ids == (e1, e2)
    assert rows["employer"].cells[1:] == (2, 2, 4.0, 4.0, 50.0, 100.0, 0)
    assert rows["insurer"].cells[1:] == (2, 1, 4.0, 4.0, 100.0, None, 1)
    assert figure.extra["target_days"] == 7 and "7 business days" in figure.notes[0] and "censored" in figure.notes[1]
    assert {r.key: r.cells[1:4] for r in aetna.rows} == {"all": (2, 2, 3.0), "employer": (1, 1, 2.0), "insurer": (1, 1, 4.0)}
