"""The demo clinic's workers' compensation case (issue 17, J11): one lumbar episode becomes a California
workers' compensation claim with its adjuster and nurse case manager, modified duty with a return-to-work
date, an IME that disagreed with the plan (so the clinician's "Reconcile the plan with the IME" task is open),
and the carrier's progress report coming due (entered 40 days ago on a 45-day cadence), drafted and not sent
yet; a second IME is booked, its findings to come.

Written through the service (validated and audited like the panel's forms); the dates are then set in the
past directly, since the demo's history did not happen in real time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.charting.models import FunctionalMeasure
from painpath.patients.models import Episode
from painpath.plans.models import CarePlan
from painpath.workcomp import service
from painpath.workcomp.followup import service as followup
from painpath.workcomp.schemas import ClaimIn, ImeFindingsIn, ImeScheduleIn


def add_claim(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Turn the first open episode on a care plan with functional measures (the one whose work restrictions the
    demo writes, which the page walks that check every form reach) into a workers' compensation claim; 1 when done."""
    episode = session.scalar(
        select(Episode).join(CarePlan, CarePlan.episode_id == Episode.id)
        .where(Episode.clinic_id == clinic_id, Episode.status == "open", CarePlan.status == "active",
               Episode.id.in_(select(FunctionalMeasure.episode_id).where(FunctionalMeasure.measure == "sitting_minutes")))
        .order_by(Episode.id).limit(1))
    if episode is None:
        return 0
    coordinator = actor_for(users["coordinator"])
    today = ctx.calendar.local_date(now)
    injured = min(episode.onset_date or today - timedelta(days=60), today - timedelta(days=41))
    claim = service.save_claim(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id, data=ClaimIn(
        claim_number="WC-26-118204", injury_date=injured,
        mechanism="Lifting a 50 lb bag of cement from a pallet to a mixer, bent and twisted to the left; sudden low back pain "
                  "going down the left leg by the evening",
        body_parts="Low back, left leg", employer_name="Midwest Concrete Forms LLC", employer_contact="Rita Gomez, safety manager, (708) 555-0210",
        carrier_payer_id="ca_workers_comp", adjuster_name="Sam Whitfield", adjuster_phone="(916) 555-0122", adjuster_email="swhitfield@example.com",
        adjuster_fax="(916) 555-0123", nurse_case_manager_name="Lena Park RN", nurse_case_manager_phone="(916) 555-0140",
        nurse_case_manager_email="lpark@example.com", work_status="modified",
        work_status_note="No lifting over 15 lb; no repeated bending; change position every 30 minutes",
        return_to_work_on=today + timedelta(days=21)))
    claim.opened_at = now - timedelta(days=40)  # the 45-day report comes due in five days
    ime = service.schedule_ime(session, actor=coordinator, episode_id=episode.id,
                               data=ImeScheduleIn(scheduled_on=today - timedelta(days=6), examiner="Dr Robert Castillo (carrier's IME)"))
    service.record_findings(session, actor=coordinator, ime_id=ime.id, data=ImeFindingsIn(
        version=ime.version, findings="Lumbar paraspinal tenderness; straight-leg raise negative both sides; strength and reflexes normal.",
        agreement="disagrees", disagreement="An epidural steroid injection is not indicated; six more weeks of physical therapy first"))
    ime.findings_recorded_at = now - timedelta(days=3)
    # The carrier asked for a second look after the physical therapy: findings still to come.
    service.schedule_ime(session, actor=coordinator, episode_id=episode.id,
                         data=ImeScheduleIn(scheduled_on=today + timedelta(days=30), examiner="Dr Robert Castillo (carrier's IME)"))
    # The clinician drafted this period's report; it still waits to be sent, so the report stays due.
    followup.generate_report(session, actor=actor_for(users["clinician"]), knowledge=ctx.knowledge, calendar=ctx.calendar,
                             episode_id=episode.id, next_visit=today + timedelta(days=14))
    session.flush()
    return 1
