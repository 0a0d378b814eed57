"""The therapist as co-author: a therapist reads only their patients' charts.

An episode is a therapist's when one of its PT courses names them; a patient's chart is theirs when
one of the patient's episodes is. The rule plugs into patients' chart reads (read_chart, read_episode),
which refuse with 403 and audit the refusal; patients itself knows nothing about therapy.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.audit import Actor
from painpath.core.auth.roles import Role
from painpath.patients.models import Episode
from painpath.patients.service import register_chart_access_rule
from painpath.therapy.models import PtCourse

NOT_YOURS = "This patient is not on your PT caseload: a therapist opens the charts of patients whose PT course names them"


def therapist_reads_own_patients(session: Session, actor: Actor, episodes: list[Episode]) -> str | None:
    if actor.role != Role.THERAPIST.value:
        return None
    episode_ids = [e.id for e in episodes]
    if episode_ids:
        named = session.scalar(
            select(PtCourse.id).where(PtCourse.episode_id.in_(episode_ids), PtCourse.therapist_id == actor.user_id).limit(1)
        )
        if named is not None:
            return None
    return NOT_YOURS


register_chart_access_rule(therapist_reads_own_patients)
