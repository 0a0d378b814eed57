"""The therapist as co-author: a therapist reaches only their patients' charts.

An episode is a therapist's when one of its PT courses names them; a patient's chart is theirs when
one of the patient's episodes is. The rule is a caseload of the chart-access policy
(core/auth/chart_access.py), so it refuses every route that reaches another patient by any id (403,
audited) and keeps other patients' rows off the therapist's lists; core knows nothing about therapy.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth.roles import Role
from painpath.therapy.models import PtAuthorization, PtCourse

NOT_YOURS = "This patient is not on your PT caseload: a therapist opens the charts of patients whose PT course names them"


def therapist_episodes(actor: Actor) -> Select | None:
    """The episodes whose PT course names the therapist; None for every other role (not narrowed here)."""
    if actor.role != Role.THERAPIST.value:
        return None
    return select(PtCourse.episode_id).where(PtCourse.therapist_id == actor.user_id)


chart_access.register_caseload(chart_access.Caseload("therapist", therapist_episodes, NOT_YOURS))
chart_access.register_collection("pt-courses", PtCourse)
chart_access.register_collection("pt-authorizations", PtAuthorization)
