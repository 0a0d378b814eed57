"""Tracking with the clock moved: silence becomes a follow-up task on the fifth business day (holidays
skipped), records received close it, a second silence after a follow-up escalates, an acknowledgement
restarts the clock, partial records are chased, and a discharged episode owes nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.intake.records import service
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn
from painpath.patients import service as patients_service
from painpath.patients.schemas import EpisodeUpdate
from painpath.worklist.models import Task
from records_fixtures import make_episode  # noqa: F401  (fixture)

from support import small_pdf

PDF = small_pdf("records from the provider")


def utc(*args) -> datetime:  # noqa: ANN002
    return datetime(*args, tzinfo=timezone.utc)


def _request(ctx, ep, *, name="Lakeside Imaging", items=("mri_report",), transport="print") -> int:  # noqa: ANN001
    with ctx.db.session() as session:
        provider = service.add_provider(session, actor=ep["actor"], episode_id=ep["episode_id"],
                                        data=ProviderIn(name=name, kind="imaging_center", fax="555-010-0199"))
        request = service.create_and_send(
            session, actor=ep["actor"], calendar=ctx.calendar, episode_id=ep["episode_id"],
            data=RecordsRequestIn(provider_id=provider.id, transport=transport, items=[{"item": i} for i in items],
                                  authorization_reference="Release R-7", authorization_date=date(2026, 1, 5)),
        )
        ctx.reconcile(session, [ep["episode_id"]])
        return request.id


def _reconcile(ctx, ep) -> None:  # noqa: ANN001
    with ctx.db.session() as session:
        ctx.reconcile(session, [ep["episode_id"]])


def _records_tasks(db) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.provider == "records").order_by(Task.id)))


def _upload(ctx, ep, request_id, items=("mri_report",)) -> None:  # noqa: ANN001
    with ctx.db.session() as session:
        service.upload_document(session, actor=ep["actor"], episode_id=ep["episode_id"], filename="mri.pdf", data=PDF,
                                request_id=request_id, items=list(items))
        ctx.reconcile(session, [ep["episode_id"]])


def test_sent_monday_becomes_a_follow_up_task_due_five_business_days_later_and_received_closes_it(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:
        ep = make_episode()
        request_id = _request(ctx, ep)
        assert _records_tasks(db) == []

        clock.move_to(utc(2026, 1, 9, 22, 0))  # Fri 9 Jan, 16:00 in Chicago: 4 business days of silence
        _reconcile(ctx, ep)
        assert _records_tasks(db) == []

        clock.move_to(utc(2026, 1, 12, 14, 0))  # Mon 12 Jan, 08:00 in Chicago
        _reconcile(ctx, ep)
        (task,) = _records_tasks(db)
        assert (task.kind, task.status, task.owner_role) == ("records.follow_up", "open", "coordinator")
        assert task.key == f"records:request:{request_id}:follow_up"
        assert task.due_at == datetime(2026, 1, 13, 5, 59, 59)  # end of Mon 12 Jan, clinic time
        assert "Lakeside Imaging was sent the request on Mon 05 Jan 2026" in task.reason

        clock.move_to(utc(2026, 1, 12, 18, 0))
        _upload(ctx, ep, request_id)
        (task,) = _records_tasks(db)
        assert task.status == "met"
        assert task.resolution == "Records received on Mon 12 Jan 2026"


def test_a_holiday_does_not_count_as_a_day_of_silence(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 13, 15, 0), tick=False) as clock:  # Tue 13 Jan
        ep = make_episode()
        _request(ctx, ep)
        clock.move_to(utc(2026, 1, 20, 15, 0))  # Tue 20 Jan: MLK Day (Mon 19) was not a business day
        _reconcile(ctx, ep)
        assert _records_tasks(db) == []
        clock.move_to(utc(2026, 1, 21, 15, 0))
        _reconcile(ctx, ep)
        (task,) = _records_tasks(db)
        assert task.due_at == datetime(2026, 1, 22, 5, 59, 59)  # end of Wed 21 Jan, clinic time


def test_after_a_follow_up_a_second_silence_escalates(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:
        ep = make_episode()
        request_id = _request(ctx, ep, name="Dr. Patel (PCP)", items=("office_notes", "medication_list"))
        clock.move_to(utc(2026, 1, 12, 16, 0))
        _reconcile(ctx, ep)
        with db.session() as session:
            service.record_follow_up(session, actor=ep["actor"], request_id=request_id, method="phone")
            ctx.reconcile(session, [ep["episode_id"]])
        (follow_up,) = _records_tasks(db)
        assert follow_up.status == "met" and follow_up.resolution == "Followed up (phone call) on Mon 12 Jan 2026"

        clock.move_to(utc(2026, 1, 19, 16, 0))  # MLK Day
        _reconcile(ctx, ep)
        assert len(_records_tasks(db)) == 1
        clock.move_to(utc(2026, 1, 20, 16, 0))
        _reconcile(ctx, ep)
        _follow_up, escalation = _records_tasks(db)
        assert (escalation.kind, escalation.owner_role, escalation.status) == ("records.escalate", "manager", "open")
        assert escalation.due_at == datetime(2026, 1, 21, 5, 59, 59)
        assert "Dr. Patel (PCP)" in escalation.reason and "follow-up 1 on Mon 12 Jan 2026" in escalation.reason

        _upload(ctx, ep, request_id, items=("office_notes", "medication_list"))
        assert [t.status for t in _records_tasks(db)] == ["met", "met"]


def test_an_acknowledgement_closes_the_follow_up_and_restarts_the_clock(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:
        ep = make_episode()
        request_id = _request(ctx, ep)
        clock.move_to(utc(2026, 1, 12, 15, 0))
        _reconcile(ctx, ep)
        with db.session() as session:
            service.record_acknowledged(session, actor=ep["actor"], request_id=request_id)
            ctx.reconcile(session, [ep["episode_id"]])
        (task,) = _records_tasks(db)
        assert task.status == "met" and "acknowledged the request on Mon 12 Jan 2026" in task.resolution
        clock.move_to(utc(2026, 1, 19, 15, 0))  # MLK Day: still 4 business days since the acknowledgement
        _reconcile(ctx, ep)
        assert len(_records_tasks(db)) == 1
        clock.move_to(utc(2026, 1, 20, 15, 0))
        _reconcile(ctx, ep)
        _first, again = _records_tasks(db)
        assert again.kind == "records.follow_up" and again.key.endswith(":follow_up_after_ack")
        assert again.due_at == datetime(2026, 1, 21, 5, 59, 59)


def test_partial_records_are_chased_and_the_rest_closes_the_chase(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:
        ep = make_episode()
        request_id = _request(ctx, ep, name="Valley PT", items=("pt_notes", "office_notes"))
        clock.move_to(utc(2026, 1, 7, 15, 0))
        _upload(ctx, ep, request_id, items=("pt_notes",))
        (task,) = _records_tasks(db)
        assert (task.kind, task.status) == ("records.incomplete", "open")
        assert "without: Office notes" in task.reason
        assert task.due_at == datetime(2026, 1, 9, 5, 59, 59)  # end of Thu 8 Jan
        with db.session() as session:
            assert service.records_ready(session, ep["episode_id"]) is False
        _upload(ctx, ep, request_id, items=("office_notes",))
        (task,) = _records_tasks(db)
        assert task.status == "met"


def test_discharging_the_episode_cancels_the_chase(ctx, db, make_episode):
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:
        ep = make_episode()
        _request(ctx, ep)
        clock.move_to(utc(2026, 1, 12, 15, 0))
        _reconcile(ctx, ep)
        with db.session() as session:
            episode = patients_service.read_episode(session, actor=ep["actor"], episode_id=ep["episode_id"])[1]
            values = {k: getattr(episode, k) for k in ("problem_summary", "body_region", "laterality", "onset_date", "icd10_codes",
                                                       "responsible_clinician_id", "coordinator_id", "location_id")}
            patients_service.update_episode(session, actor=ep["actor"], episode_id=episode.id,
                                            data=EpisodeUpdate(**values, status="discharged", version=episode.version))
            ctx.reconcile(session, [ep["episode_id"]])
        assert [t.status for t in _records_tasks(db)] == ["cancelled"]
