"""The open prior authorizations of the patient's episodes, explained (portal/authorization_words.py).

Reads the cases through the authorizations slice's service, and the clinic's measured time to each payer's
decision through authorizations/turnaround.py (read once per payer, only for a case waiting for its answer);
the episodes were opened (chart access checked,
the read noted) by portal/record.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from painpath.authorizations import service as authorizations
from painpath.authorizations import lifecycle, turnaround
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.patients.models import Episode
from painpath.portal.authorization_words import AuthorizationWords, CaseFacts, explain


def _plain(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def for_episodes(session: Session, *, knowledge, calendar: BusinessCalendar, episodes: Sequence[Episode], today: date) -> list[AuthorizationWords]:  # noqa: ANN001
    found: list[AuthorizationWords] = []
    measured: dict[tuple[int, str], int | None] = {}  # (clinic, payer) -> the clinic's median days, read once
    now = utcnow()
    for episode in episodes:
        for case in authorizations.cases_for_episode(session, episode_id=episode.id):
            procedure = knowledge.procedures.get(case.procedure_id)
            payer = knowledge.payers.get(case.payer_id)
            facts = CaseFacts(
                what=_plain(procedure.name) if procedure is not None else "procedure", state=case.state, priority=case.priority,
                submitted_at=case.submitted_at, clock_restarted_at=case.clock_restarted_at, pend_due_at=case.pend_due_at,
                decided_at=case.decided_at, approved_to=case.approved_to, peer_to_peer_at=case.peer_to_peer_at,
                appealed_at=case.appealed_at)
            key = (case.clinic_id, case.payer_id)
            if key not in measured and case.state == lifecycle.SUBMITTED:
                measured[key] = turnaround.measured_business_days(session, clinic_id=case.clinic_id, payer_id=case.payer_id,
                                                                  calendar=calendar, now=now)
            words = explain(facts, payer=payer, insurer=payer.name if payer is not None else "your insurer", calendar=calendar, today=today,
                            measured_days=measured.get(key))
            if words is not None:
                found.append(words)
    return found
