"""Records requested to received, on a hand-built clinic: requests received after 2, 4 and half a day, one
still outstanding (censored), a draft never sent and one sent before the period left out. Providers, requests,
their sending and the records filed against them go through the records services at their dated moments."""

import io
from datetime import date, datetime, timezone

import time_machine
from ops_clinic import Desk, episode
from pypdf import PdfWriter

from painpath.intake.records import sending
from painpath.intake.records import service as records
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn, RequestedItemIn
from painpath.outcomes.measures import Filters
from painpath.outcomes.records_measures import RecordsTurnaround

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


RECEIVED_PDF = _pdf()


def _request(session, desk: Desk, e, kind: str, sent_at: datetime | None, received_at: datetime | None) -> None:  # noqa: ANN001
    """A provider listed on the episode and a request for its office notes, created (a draft) and printed at
    `sent_at` (UTC), and the notes filed against it at `received_at`, through the records services."""
    coordinator = desk.actor("coordinator")
    with time_machine.travel((sent_at or datetime(2026, 12, 1, 15)).replace(tzinfo=timezone.utc), tick=False):
        provider = records.add_provider(session, actor=coordinator, episode_id=e.id, data=ProviderIn(name=f"A {kind}", kind=kind, fax="555-0100"))
        request = records.create_request(session, actor=coordinator, calendar=desk.ctx.calendar, episode_id=e.id, data=RecordsRequestIn(
            provider_id=provider.id, items=[RequestedItemIn(item="office_notes")], transport="print", authorization_reference="HIPAA form",
            authorization_date=date(2026, 11, 15), requesting_clinician_id=desk.staff["clinician"].id))
        if sent_at is not None:
            sending.send_request(session, actor=coordinator, request_id=request.id)
    if received_at is not None:
        with time_machine.travel(received_at.replace(tzinfo=timezone.utc), tick=False):
            records.upload_document(session, actor=coordinator, episode_id=e.id, filename="notes.pdf", data=RECEIVED_PDF,
                                    request_id=request.id, items=["office_notes"])


def build(db, desk: Desk) -> tuple[int, int]:  # noqa: ANN001
    with db.session() as session:
        e1 = episode(session, desk, "One", payer="aetna_ma")
        e2 = episode(session, desk, "Two", payer="humana_ma")
        e3 = episode(session, desk, "Three", payer="humana_ma")
        ids = e1.id, e2.id
        _request(session, desk, e1, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 3, 15))  # 2 days
        _request(session, desk, e2, "physician", datetime(2026, 12, 2, 15), datetime(2026, 12, 6, 15))  # 4 days
        _request(session, desk, e1, "imaging_center", datetime(2026, 12, 2, 15), datetime(2026, 12, 3, 3))  # half a day
        _request(session, desk, e2, "hospital", datetime(2026, 12, 4, 15), None)  # outstanding
        _request(session, desk, e3, "physician", None, None)  # never sent
        _request(session, desk, e3, "physician", datetime(2026, 11, 20, 15), datetime(2026, 11, 21, 15))  # before the period
        return ids


def test_records_requested_to_received_by_provider_kind(db, clinic, ctx, staff):
    e1, e2 = build(db, Desk(ctx, staff))
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
        desk = Desk(ctx, staff)
        mine = episode(session, desk, "Mine", pathway="lumbar_radicular_pain", clinician_id=staff["clinician"].id, location_id=north)
        other = episode(session, desk, "Other", pathway="facet_low_back_pain")
        mine_id, other_id = mine.id, other.id
        _request(session, desk, mine, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 2, 15))
        _request(session, desk, other, "physician", datetime(2026, 12, 1, 15), datetime(2026, 12, 4, 15))

    def first_row(**chosen):  # noqa: ANN003, ANN202
        with db.session() as session:
            figure = RecordsTurnaround().compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                 filters=Filters(DECEMBER.period_from, DECEMBER.period_to, **chosen))
        return figure.rows[0].cells[1:4], figure.rows[0].episode_ids

    assert first_row() == ((2, 2, 2.0), (mine_id, other_id))
    assert first_row(pathway_id="lumbar_radicular_pain") == ((1, 1, 1.0), (mine_id,))
    assert first_row(pathway_id="facet_low_back_pain") == ((1, 1, 3.0), (other_id,))
    assert first_row(clinician_id=staff["clinician"].id) == ((1, 1, 1.0), (mine_id,))
    assert first_row(location_id=north) == ((1, 1, 1.0), (mine_id,))
    assert first_row(procedure_id="lumbar_tfesi") == ((2, 2, 2.0), (mine_id, other_id))  # ignored, as the definition says
