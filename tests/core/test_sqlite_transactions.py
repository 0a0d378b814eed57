"""SQLite transactions take the write lock only to write (issue 11, defect 2).

Readers run beside a writer that holds the lock; a read-first transaction queues for the lock at its first
write and refuses to write on stale reads (WriteConflict); a GET that meets that conflict is run again as a
writer and answers normally. PostgreSQL needs none of this: these tests run on SQLite only.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from painpath.core.audit import AuditEvent
from painpath.core.db import WriteConflict

pytestmark = pytest.mark.sqlite_only  # SQLite's locking; PostgreSQL has row locks and MVCC


def _count(db, table: str) -> int:  # noqa: ANN001
    with db.session(reads_first=True) as session:
        return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_reader_does_not_wait_for_a_writer_holding_the_lock(db, clinic):
    writer = db.session_factory()
    try:
        writer.execute(text("UPDATE clinic SET phone = '555-0199'"))  # holds the write lock, not committed
        started = time.perf_counter()
        with db.session(reads_first=True) as reader:
            phone = reader.execute(text("SELECT phone FROM clinic")).scalar_one()
        assert time.perf_counter() - started < 1.0  # BEGIN IMMEDIATE would wait out the 10 s busy timeout
        assert phone == "555-0101"  # the committed value: the writer's change is not visible yet
    finally:
        writer.rollback()
        writer.close()


def test_a_read_first_transaction_writes_when_nobody_wrote_since_its_reads(db, clinic):
    with db.session(reads_first=True) as session:
        assert session.execute(text("SELECT count(*) FROM location")).scalar_one() == 2
        session.execute(text("UPDATE clinic SET phone = '555-0177'"))
    with db.session() as session:
        assert session.execute(text("SELECT phone FROM clinic")).scalar_one() == "555-0177"


def test_a_read_first_transaction_refuses_to_write_on_stale_reads(db, clinic):
    with pytest.raises(WriteConflict):
        with db.session(reads_first=True) as session:
            session.execute(text("SELECT phone FROM clinic")).scalar_one()
            with db.session() as other:  # another clerk saves in between
                other.execute(text("UPDATE clinic SET return_fax = '555-0111'"))
            session.execute(text("UPDATE clinic SET phone = '555-0166'"))
    with db.session() as session:
        assert session.execute(text("SELECT phone, return_fax FROM clinic")).one() == ("555-0101", "555-0111")


def test_a_savepoint_in_a_read_first_transaction_takes_the_lock_before_it_opens(db, clinic):
    with db.session(reads_first=True) as session:
        session.execute(text("SELECT 1")).scalar_one()
        with session.begin_nested():
            session.execute(text("UPDATE clinic SET phone = '555-0155'"))
        session.execute(text("UPDATE clinic SET return_fax = '555-0156'"))
    with db.session() as session:
        assert session.execute(text("SELECT phone, return_fax FROM clinic")).one() == ("555-0155", "555-0156")


def test_a_get_that_loses_the_race_to_write_runs_again_and_answers(client_for, db, patient_payload):
    front_desk = client_for("front_desk")
    patient_id = front_desk.post("/api/patients", json=patient_payload).json()["id"]
    clinician = client_for("clinician")
    interleaved: list[str] = []

    def another_clerk_saves_first(session: Session, _context, _instances) -> None:  # noqa: ANN001
        # The first time the chart read comes to write its audit row, someone else commits a change.
        if interleaved or not any(isinstance(row, AuditEvent) for row in session.new):
            return
        interleaved.append("saved")
        with db.session() as other:
            other.execute(text("UPDATE clinic SET phone = '555-0144'"))

    # Ahead of core/audit.py's own before_flush hook, which writes the audit rows and takes them out of the session.
    event.listen(Session, "before_flush", another_clerk_saves_first, insert=True)
    try:
        answer = clinician.get(f"/api/patients/{patient_id}")
    finally:
        event.remove(Session, "before_flush", another_clerk_saves_first)

    assert interleaved == ["saved"]
    assert answer.status_code == 200, answer.text
    assert answer.json()["patient"]["mrn"] == patient_payload["mrn"]
    with db.session() as session:  # the first run's audit row was rolled back; the second run's stands
        reads = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "patient", AuditEvent.patient_id == patient_id,
                                                         AuditEvent.action.like("%read%"))).all()
    assert len(reads) == 1, [r.action for r in reads]
