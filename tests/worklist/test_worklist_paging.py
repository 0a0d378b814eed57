"""The "mine" page (two index walks merged) returns exactly what the plain OR query returns."""

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from painpath.core.audit import Actor
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist import service
from painpath.worklist.models import Task
from painpath.worklist.schemas import WorklistFilter


def test_mine_pages_match_the_or_query(ctx, clinic, staff):
    actor = Actor.system("test", clinic.id)
    me, other = staff["coordinator"], staff["nurse"]
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(mrn="P-1", given_name="Page", family_name="Test", birth_date="1970-01-01", sex="female"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(problem_summary="Back pain", body_region="lumbar", laterality="midline"))
        base = datetime(2026, 3, 2, 15, 0)
        # 30 tasks: mine by assignment, mine by role, another role's, claimed by someone else; some due at the same time.
        for n in range(30):
            owner, assignee = [("coordinator", me.id), ("coordinator", None), ("nurse", None), ("coordinator", other.id)][n % 4]
            session.add(Task(
                clinic_id=clinic.id, key=f"k{n}", provider="test", kind="test", episode_id=episode.id, patient_id=patient.id,
                title=f"T{n}", reason="r", evidence={}, owner_role=owner, assignee_id=assignee,
                due_at=base + timedelta(hours=n // 3), status="open", opened_at=base,
            ))
    with ctx.db.session() as session:
        user = session.get(type(me), me.id)
        expected = session.scalars(
            select(Task.id)
            .where(Task.status == "open", or_(Task.assignee_id == me.id, and_(Task.assignee_id.is_(None), Task.owner_role == "coordinator")))
            .order_by(Task.due_at, Task.id)
        ).all()
        assert len(expected) == 16
        for limit in (100, 5, 3):
            got, after = [], None
            while True:
                page = service.page_tasks(session, user=user, f=WorklistFilter(mine=True, limit=limit, after=after))
                got += [t.id for t in page.tasks]
                after = page.next_cursor
                if after is None:
                    break
            assert got == list(expected), limit
