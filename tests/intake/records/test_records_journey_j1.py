"""Journey J1, the records half (shared/scenarios/journeys.md), driven through the services with the clock moved.

Mon 5 Jan 2026: intake call; records requests go the same day to the outside imaging center (fax) and the
PCP (Direct). Wed 7 Jan: the MRI report arrives and is filed. Thu 8 Jan, before the first visit: the
checklist shows the MRI report present; the PCP request is still outstanding on the clinic tracker. Mon 12
Jan: five business days of silence make it a follow-up task. After the follow-up, a second silence
escalates on Tue 20 Jan, because Mon 19 Jan (Martin Luther King Jr. Day) is not a business day.
"""

from __future__ import annotations

import email
import email.policy
import io
from datetime import date, datetime, timezone

import pypdf
import time_machine
from sqlalchemy import select

from painpath.core.auth.service import actor_for
from painpath.intake.records import service
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn
from painpath.patients import service as patients_service
from painpath.patients import timeline
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task
from records_fixtures import smtp_relay  # noqa: F401  (fixture)

from support import small_pdf

MRI_REPORT = small_pdf("MRI cervical spine: moderate C5-6 foraminal stenosis")


def utc(*args) -> datetime:  # noqa: ANN002
    return datetime(*args, tzinfo=timezone.utc)


def _open_tasks(db) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.provider == "records", Task.status == "open").order_by(Task.id)))


def _pdf_text(received) -> str:  # noqa: ANN001
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages)


def test_j1_records_requested_same_day_mri_in_before_the_visit_pcp_chased(ctx, db, staff, smtp_relay):
    coordinator = actor_for(staff["coordinator"])
    front_desk = actor_for(staff["front_desk"])
    with time_machine.travel(utc(2026, 1, 5, 15, 0), tick=False) as clock:  # Mon 5 Jan, 09:00 in Chicago
        # The intake call: a 44-year-old contractor with neck and right arm pain after a ladder fall.
        with db.session() as session:
            patient = patients_service.create_patient(session, actor=coordinator, data=PatientIn(
                mrn="J1-0001", given_name="Marcus", family_name="Reyes", birth_date=date(1981, 6, 2), sex="male", phone="555-0199",
            ))
            episode = patients_service.open_episode(session, actor=coordinator, patient_id=patient.id, data=EpisodeIn(
                problem_summary="Neck and right arm pain since a ladder fall three weeks ago, thumb numbness",
                body_region="cervical", laterality="right", onset_date=date(2025, 12, 15), icd10_codes=["M54.12"],
                responsible_clinician_id=staff["clinician"].id, coordinator_id=staff["coordinator"].id,
            ))
            patients_service.record_first_visit_booked(session, actor=coordinator, episode_id=episode.id,
                                                       visit_at=datetime(2026, 1, 8, 16, 0))  # Thu 8 Jan, 10:00 Chicago
            ctx.reconcile(session, [episode.id])

        # Same day: the prior providers, and a records request to each.
        with db.session() as session:
            imaging = service.add_provider(session, actor=front_desk, episode_id=episode.id, data=ProviderIn(
                name="Northside Imaging Center", kind="imaging_center", fax="(555) 010-0177", phone="555-010-0170"))
            pcp = service.add_provider(session, actor=front_desk, episode_id=episode.id, data=ProviderIn(
                name="Dr. Ruth Alvarez (PCP)", kind="physician", direct_address="alvarez@direct.familymed.test"))
        requests = {}
        for provider, transport, items in (
            (imaging, "fax", [{"item": "mri_report", "date_from": "2025-12-15", "date_to": "2026-01-05"}]),
            (pcp, "direct", [{"item": "office_notes", "date_from": "2025-12-15"}, {"item": "medication_list"}]),
        ):
            with db.session() as session:
                sent = service.create_and_send(session, actor=front_desk, calendar=ctx.calendar, episode_id=episode.id,
                                               data=RecordsRequestIn(provider_id=provider.id, transport=transport, items=items,
                                                                     authorization_reference="Authorization to release, signed at intake",
                                                                     authorization_date=date(2026, 1, 5)))
                ctx.reconcile(session, [episode.id])
            assert sent.status == "sent" and ctx.calendar.local_date(sent.sent_at) == date(2026, 1, 5)
            requests[provider.name] = sent.id
        fax, direct = smtp_relay.messages
        assert fax.rcpt_tos == ["5550100177@fax.gateway.test"]
        assert direct.rcpt_tos == ["alvarez@direct.familymed.test"]
        assert "J1-0001" in _pdf_text(fax) and "MRI reports" in _pdf_text(fax)
        assert "J1-0001" in _pdf_text(direct) and "Medication list" in _pdf_text(direct)
        assert _open_tasks(db) == []  # nothing to chase yet

        # Wed 7 Jan: the MRI report arrives by fax and is filed against the imaging request.
        clock.move_to(utc(2026, 1, 7, 20, 0))
        with db.session() as session:
            service.upload_document(session, actor=front_desk, episode_id=episode.id, filename="northside-mri-c-spine.pdf",
                                    data=MRI_REPORT, request_id=requests["Northside Imaging Center"], items=["mri_report"])
            ctx.reconcile(session, [episode.id])
            assert service.get_request(session, clinic_id=episode.clinic_id, request_id=requests["Northside Imaging Center"]).status == "received"

        # Thu 8 Jan, 07:30 in Chicago, before the 10:00 first visit: what the clinician's team sees.
        clock.move_to(utc(2026, 1, 8, 13, 30))
        with db.session() as session:
            checklist = service.records_checklist(session, episode.id)
            assert [(c.provider, c.item, c.status) for c in checklist] == [
                ("Northside Imaging Center", "mri_report", "present"),
                ("Dr. Ruth Alvarez (PCP)", "office_notes", "awaiting"),
                ("Dr. Ruth Alvarez (PCP)", "medication_list", "awaiting"),
            ]
            assert service.records_ready(session, episode.id) is False
            (outstanding,) = service.outstanding(session, clinic_id=episode.clinic_id, calendar=ctx.calendar)
            assert (outstanding.provider, outstanding.patient_name, outstanding.business_days) == ("Dr. Ruth Alvarez (PCP)", "Reyes, Marcus", 3)
            kinds = [e.kind for e in timeline.for_episode(session, episode, ctx.calendar) if e.kind.startswith("records.")]
            assert kinds == ["records.requested", "records.sent", "records.requested", "records.sent", "records.received", "records.document"]

        # Fri 9 Jan: four business days of silence from the PCP; no task yet.
        clock.move_to(utc(2026, 1, 9, 22, 0))
        with db.session() as session:
            ctx.reconcile(session)  # what the periodic job does for every open episode
        assert _open_tasks(db) == []

        # Mon 12 Jan: five business days; the PCP request becomes a follow-up task for the coordinator.
        clock.move_to(utc(2026, 1, 12, 14, 30))
        with db.session() as session:
            ctx.reconcile(session)
        (task,) = _open_tasks(db)
        assert (task.kind, task.owner_role, task.episode_id) == ("records.follow_up", "coordinator", episode.id)
        assert task.title == "Follow up on records from Dr. Ruth Alvarez (PCP)"
        assert "sent the request on Mon 05 Jan 2026" in task.reason
        assert task.due_at == datetime(2026, 1, 13, 5, 59, 59)  # end of Mon 12 Jan, clinic time

        # The coordinator calls the PCP's office and records it; the task is met.
        clock.move_to(utc(2026, 1, 12, 17, 0))
        with db.session() as session:
            service.record_follow_up(session, actor=coordinator, request_id=requests["Dr. Ruth Alvarez (PCP)"], method="phone")
            ctx.reconcile(session, [episode.id])
        assert _open_tasks(db) == []

        # Mon 19 Jan is MLK Day: still only four business days since the follow-up.
        clock.move_to(utc(2026, 1, 19, 17, 0))
        with db.session() as session:
            ctx.reconcile(session)
        assert _open_tasks(db) == []

        # Tue 20 Jan: the second silence escalates to the manager.
        clock.move_to(utc(2026, 1, 20, 15, 0))
        with db.session() as session:
            ctx.reconcile(session)
            (row,) = service.outstanding(session, clinic_id=episode.clinic_id, calendar=ctx.calendar)
        (escalation,) = _open_tasks(db)
        assert (escalation.kind, escalation.owner_role) == ("records.escalate", "manager")
        assert escalation.due_at == datetime(2026, 1, 21, 5, 59, 59)
        assert row.business_days == 10 and row.follow_up_count == 1  # 5 Jan to 20 Jan, minus weekends and MLK Day
