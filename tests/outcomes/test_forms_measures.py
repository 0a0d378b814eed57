"""Forms turnaround in business days on the clinic's calendar, on a hand-built clinic: forms sent after 2, 6
and 4 business days (Christmas Day is not one), one late against the target, one not sent (censored)."""

from datetime import date, datetime

from ops_clinic import episode

from painpath.core.tenancy import Clinic
from painpath.outcomes.forms_measures import FormsTurnaround
from painpath.outcomes.measures import Filters
from painpath.paperwork.form_models import FormRequest

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))


def _form(session, e, kind: str, received: date, target: date, *, deadline: date | None = None,  # noqa: ANN001
          sent_at: datetime | None = None, status: str = "sent") -> None:
    session.add(FormRequest(clinic_id=e.clinic_id, episode_id=e.id, patient_id=e.patient_id, form_id="wh_380_e", requester_kind=kind,
                            requester_name="Acme", received_on=received, target_on=target, deadline_on=deadline,
                            sent_at=sent_at, status=status, state_since=datetime(2026, 12, 1, 15)))


def build(db, clinic) -> tuple[int, int]:  # noqa: ANN001
    with db.session() as session:
        session.get(Clinic, clinic.id).forms_turnaround_days = 5
        e1 = episode(session, clinic.id, "One", payer="aetna_ma", location_id=None)
        e2 = episode(session, clinic.id, "Two", payer="humana_ma")
        # Sent Thu 3 Dec, 10:00 in Chicago: 2 business days; by the target and the deadline.
        _form(session, e1, "employer", date(2026, 12, 1), date(2026, 12, 8), deadline=date(2026, 12, 16), sent_at=datetime(2026, 12, 3, 16))
        # Sent Wed 9 Dec: 6 business days; after the target, within the deadline.
        _form(session, e2, "employer", date(2026, 12, 1), date(2026, 12, 8), deadline=date(2026, 12, 16), sent_at=datetime(2026, 12, 9, 16))
        # Received Mon 21 Dec, sent Mon 28 Dec: 22, 23, 24, 28 (Christmas Day is a holiday): 4 business days, by the target.
        _form(session, e1, "insurer", date(2026, 12, 21), date(2026, 12, 29), sent_at=datetime(2026, 12, 28, 16))
        _form(session, e2, "insurer", date(2026, 12, 10), date(2026, 12, 17), status="received")  # not sent yet
        _form(session, e2, "insurer", date(2026, 12, 10), date(2026, 12, 17), status="cancelled")  # cancelled
        _form(session, e2, "employer", date(2026, 11, 25), date(2026, 12, 2), sent_at=datetime(2026, 11, 26, 16))  # before the period
        return e1.id, e2.id


def test_forms_turnaround_against_target_and_deadline(db, clinic, ctx):
    e1, e2 = build(db, clinic)
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
    assert figure.extra["target_days"] == 5 and "5 business days" in figure.notes[0] and "censored" in figure.notes[1]
    assert {r.key: r.cells[1:4] for r in aetna.rows} == {"all": (2, 2, 3.0), "employer": (1, 1, 2.0), "insurer": (1, 1, 4.0)}
