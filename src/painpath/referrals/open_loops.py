"""The referrals' rows on the clinic-wide open-loops board (worklist/loops.py): every referral still open,
what it waits on, since when, and whether it has stalled (an escalation task is open for it). A read model:
it reads the worklist's open tasks and the patients' names, and writes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.referrals import queries, rules
from painpath.referrals.models import ReceivingPractice, Referral
from painpath.worklist.engine import OPEN
from painpath.worklist.loops import OpenLoop, register_loop_source
from painpath.worklist.models import Task


def stalled_referrals(session: Session, clinic_id: int) -> set[int]:
    """Referrals with an open escalation task: their key is referral:<id>:<stage>:escalation."""
    keys = session.scalars(select(Task.key).where(Task.clinic_id == clinic_id, Task.provider == rules.PROVIDER,
                                                  Task.kind == "referrals.escalation", Task.status == OPEN))
    return {int(k.split(":")[1]) for k in keys}


@register_loop_source
def referral_loops(session: Session, clinic_id: int) -> list[OpenLoop]:
    rows = session.execute(
        select(Referral.id, Referral.episode_id, Referral.patient_id, Referral.specialty, Referral.status, Referral.state_since,
               Referral.urgency, ReceivingPractice.name, ReceivingPractice.clinician_name)
        .join(ReceivingPractice, ReceivingPractice.id == Referral.practice_id)
        .where(Referral.clinic_id == clinic_id, Referral.status.in_(rules.OPEN_STATES))).all()
    names = queries.patient_names(session, {row.patient_id for row in rows})
    stalled = stalled_referrals(session, clinic_id)
    return [OpenLoop(
        kind="referral", loop_id=r.id, episode_id=r.episode_id, patient_name=names.get(r.patient_id, ""),
        what=f"{r.specialty.replace('_', ' ').capitalize()}: " + (f"{r.clinician_name}, " if r.clinician_name else "") + r.name,
        state=rules.STATUS_WORDS[r.status], waiting_on=rules.WAITING_ON[r.status], since=r.state_since, urgency=r.urgency,
        href=f"/referrals/{r.id}", stalled=r.id in stalled,
    ) for r in rows]
