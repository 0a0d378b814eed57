"""The demo clinic's past prior authorizations (issue 19), so the outcomes dashboard has figures to show: a
dozen cases over the last three months, each eligible, submitted (the same day or a few days late) and decided
by the payer, some denied and then overturned at a peer-to-peer call, upheld on appeal (then withdrawn) or
partially approved and appealed. They sit on the demo's episodes with the patient's own payer.

Written straight into the authorization tables with their history dated in the past, since a demo's past never
ran through the clock. Every case ends approved (booked inside its approval window) or withdrawn, so none adds
work to today's worklist."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.context import AppContext
from painpath.patients.models import Coverage, Episode

CASES = 14
SUBMISSION_LAG = (0, 0, 1, 3, 0, 2, 6, 0, 1, 0, 4, 0, 2, 1)  # days from eligibility to submission
DECISION_LAG = (2, 3, 6, 1, 4, 8, 2, 3, 5, 2, 7, 1, 3, 4)  # days from submission to the first answer
# What happened after the first answer, in turn: approved; denied then overturned at a peer-to-peer call;
# denied, appealed and upheld (the clinic withdrew); partially approved, appealed and approved.
PATHS = ("approved", "approved", "peer_to_peer", "approved", "appeal_upheld", "approved", "partial_appeal")
PROCEDURES = {"lumbar": ("rfa_lumbar", "tfesi_lumbar", "mbb_lumbar"), "cervical": ("tfesi_cervical", "mbb_cervical")}
FALLBACK_PAYER = "medicare_noridian_jf"


def _at(ctx: AppContext, day: date) -> datetime:
    return ctx.calendar.to_utc(datetime.combine(day, time(10, 0)))


def seed(session: Session, ctx: AppContext, users: dict, clinic_id: int, now: datetime) -> int:
    """The past cases; how many were written."""
    today = ctx.calendar.local_date(now)
    episodes = list(session.execute(select(Episode.id, Episode.patient_id, Episode.body_region)
                                    .where(Episode.clinic_id == clinic_id).order_by(Episode.id)))[:CASES]
    payers = dict(session.execute(select(Coverage.patient_id, Coverage.payer_id).where(Coverage.clinic_id == clinic_id)).all())
    coordinator = users["coordinator"].id
    written = 0
    for i, (episode_id, patient_id, region) in enumerate(episodes):
        payer = payers.get(patient_id) if payers.get(patient_id) in ctx.knowledge.payers else FALLBACK_PAYER
        choices = PROCEDURES.get(region, PROCEDURES["lumbar"])
        procedure = choices[i % len(choices)]
        eligible = today - timedelta(days=30 + 4 * i)
        submitted = eligible + timedelta(days=SUBMISSION_LAG[i % len(SUBMISSION_LAG)])
        first = submitted + timedelta(days=DECISION_LAG[i % len(DECISION_LAG)])
        path = PATHS[i % len(PATHS)]
        history = [("submit", submitted, "ready", "submitted")]
        if path == "approved":
            history.append(("approve", first, "submitted", "approved"))
        elif path == "peer_to_peer":
            history += [("deny", first, "submitted", "denied"), ("schedule_peer_to_peer", first + timedelta(days=2), "denied", "peer_to_peer_scheduled"),
                        ("approve", first + timedelta(days=4), "peer_to_peer_scheduled", "approved")]
        elif path == "appeal_upheld":
            history += [("deny", first, "submitted", "denied"), ("appeal", first + timedelta(days=3), "denied", "appealed"),
                        ("deny", first + timedelta(days=12), "appealed", "denied"), ("withdraw", first + timedelta(days=13), "denied", "withdrawn")]
        else:
            history += [("partially_approve", first, "submitted", "partially_approved"),
                        ("appeal", first + timedelta(days=2), "partially_approved", "appealed"),
                        ("approve", first + timedelta(days=9), "appealed", "approved")]
        decided = [day for action, day, _, _ in history if action in ("approve", "deny", "partially_approve")][-1]
        state = history[-1][3]
        approved = state == "approved"
        case = AuthorizationCase(
            clinic_id=clinic_id, episode_id=episode_id, patient_id=patient_id, state=state, procedure_id=procedure,
            cpt_codes=["64635"] if procedure.startswith("rfa") else ["64483"] if "tfesi" in procedure else ["64493"],
            region=region if region in PROCEDURES else "lumbar", side="bilateral" if procedure.startswith(("rfa", "mbb")) else "right",
            place_of_service="24", payer_id=payer, opened_at=_at(ctx, eligible - timedelta(days=10)), opened_by_id=coordinator,
            submitted_at=_at(ctx, submitted), submitted_by_id=coordinator, submission_channel="fax", eligible_on_at_submission=eligible,
            decided_at=_at(ctx, decided), planned_on=decided + timedelta(days=10) if approved else None,
            authorization_number=f"DEMO-{1000 + i}" if approved else None, approved_units=1 if approved else None,
            approved_from=decided if approved else None, approved_to=decided + timedelta(days=90) if approved else None,
            denial_reason="Conservative care not documented" if path == "appeal_upheld" else None,
            closed_reason="Appeal upheld; the plan changed to physical therapy" if state == "withdrawn" else None,
            peer_to_peer_at=_at(ctx, first + timedelta(days=2)) if path == "peer_to_peer" else None,
            appealed_at=next((_at(ctx, day) for action, day, _, _ in history if action == "appeal"), None))
        session.add(case)
        session.flush()
        session.add(CaseEvent(clinic_id=clinic_id, case_id=case.id, at=_at(ctx, eligible - timedelta(days=10)), actor_id=coordinator,
                              action="open", from_state=None, to_state="preparing"))
        for action, day, from_state, to_state in history:
            session.add(CaseEvent(clinic_id=clinic_id, case_id=case.id, at=_at(ctx, day), actor_id=coordinator, action=action,
                                  from_state=from_state, to_state=to_state))
        written += 1
    session.flush()
    return written
