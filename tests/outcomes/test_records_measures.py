"""Records requested to received, on a hand-built clinic: requests received after 2, 4 and half a day, one
still outstanding (censored), a draft never sent and one sent before the period left out."""

from datetime import date, datetime

from ops_clinic import episode

from painpath.intake.records.models import PriorProvider, RecordsRequest
from painpath.outcomes.measures import Filters
from painpath.outcomes.records_measures import RecordsTurnaround

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))


def _request(session, e, kind: str, sent_at: datetime | None, received_at: datetime | None, status: str) -> None:  # noqa: ANN001
    provider = PriorProvider(clinic_id=e.clinic_id, episode_id=e.id, name=f"A {kind}", kind=kind, fax="555-0100")
    session.add(provider)
    session.flush()
    session.add(RecordsRequest(clinic_id=e.clinic_id, episode_id=e.id, patient_id=e.patient_id, provider_id=provider.id,
                               items=[{"item": "office_notes"}], transport="fax", status=status, authorization_reference="HIPAA form",
                               authorization_date=date(2026, 11, 30), sent_at=sent_at, received_at=received_at))


def build(db, clinic) -> tuple[int, int]:  # noqa: ANN001
    with db.session() as session:
        e1 = episode(session, clinic.id, "One", payer="aetna_ma")
        e2 = episode(session, clinic.id, "Two", payer="humana_ma")
        e3 = episode(session, clinic.id, "Three", payer="humana_ma")
        _request(session, e1, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 3, 15), "received")  # 2 days
        _request(session, e2, "physician", datetime(2026, 12, 2, 15), datetime(2026, 12, 6, 15), "received")  # 4 days
        _request(session, e1, "imaging_center", datetime(2026, 12, 2, 15), datetime(2026, 12, 3, 3), "received")  # half a day
        _request(session, e2, "hospital", datetime(2026, 12, 4, 15), None, "sent")  # outstanding
        _request(session, e3, "physician", None, None, "draft")  # never sent
        _request(session, e3, "physician", datetime(2026, 11, 20, 15), datetime(2026, 11, 21, 15), "received")  # before the period
        return e1.id, e2.id


def test_records_requested_to_received_by_provider_kind(db, clinic, ctx):
    e1, e2 = build(db, clinic)
    with db.session() as session:
        figure = RecordsTurnaround().compute(session, clinic_id=clinic.id, filters=DECEMBER, knowledge=ctx.knowledge,
                                             calendar=ctx.calendar)
        aetna = RecordsTurnaround().compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                            filters=Filters(DECEMBER.period_from, DECEMBER.period_to, payer_id="aetna_ma"))
    rows = {r.key: r for r in figure.rows}
    # kind, sent, received, median days, mean days, outstanding, outstanding %
    assert rows["all"].cells == ("All providers", 4, 3, 2.0, 2.2, 1, 25.0)
    assert rows["all"].episode_ids == (e1, e2)
    assert rows["physician"].cells[1:] == (2, 2, 3.0, 3.0, 0, 0.0)
    assert rows["imaging_center"].cells[1:] == (1, 1, 0.5, 0.5, 0, 0.0) and rows["imaging_center"].episode_ids == (e1,)
    assert rows["hospital"].cells[1:] == (1, 0, None, None, 1, 100.0) and rows["hospital"].episode_ids == (e2,)
    assert list(rows) == ["all", "physician", "imaging_center", "hospital"]
    assert figure.chart.x == ("Physician", "Imaging center", "Hospital")
    assert "censored" in figure.notes[0] and "censored" in figure.definition
    assert [r.cells[1:5] for r in aetna.rows] == [(2, 2, 1.2, 1.2), (1, 1, 2.0, 2.0), (1, 1, 0.5, 0.5)]


def test_pathway_clinician_and_location_filters(db, clinic, staff, ctx):
    from sqlalchemy import select

    from painpath.patients.models import Location

    with db.session() as session:
        north = session.scalar(select(Location.id).where(Location.name == "Northgate"))
        mine = episode(session, clinic.id, "Mine", pathway="lumbar_radicular", clinician_id=staff["clinician"].id, location_id=north)
        other = episode(session, clinic.id, "Other", pathway="axial_low_back")
        _request(session, mine, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 2, 15), "received")
        _request(session, other, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 4, 15), "received")
        mine_id, other_id = mine.id, other.id

    def first_row(**chosen):  # noqa: ANN003, ANN202
        with db.session() as session:
            figure = RecordsTurnaround().compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                 filters=Filters(DECEMBER.period_from, DECEMBER.period_to, **chosen))
        return figure.rows[0].cells[1:4], figure.rows[0].episode_ids

    assert first_row() == ((2, 2, 2.0), (mine_id, other_id))
    assert first_row(pathway_id="lumbar_radicular") == ((1, 1, 1.0), (mine_id,))
    assert first_row(pathway_id="axial_low_back") == ((1, 1, 3.0), (other_id,))
    assert first_row(clinician_id=staff["clinician"].id) == ((1, 1, 1.0), (mine_id,))
    assert first_row(location_id=north) == ((1, 1, 1.0), (mine_id,))
    assert first_row(procedure_id="lumbar_tfesi") == ((2, 2, 2.0), (mine_id, other_id))  # ignored, as the definition says
