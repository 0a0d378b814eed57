"""The demo clinic's records in the states that offer staff their forms (issue 12: every capability shows).

`demo.load_demo` calls these for some charted episodes (chosen by index, so even a 12-patient demo has each),
for some referrals still waiting for their first visit, and for two staff accounts. Each state is one a
clinic meets every week: a draft note on today's checked-in visit, a patient on a long-term opioid with
the safety checks around it, a taper paused during a flare, a PHQ-9 whose item 9 a clinician has not yet
reviewed, a PT extension awaiting the payer's answer, an outside CT whose report is requested (one request
printed and sent, one faxed while the clinic's mail relay was down), a referral the desk could not reach,
an emergent red flag waiting for a clinician, a colleague's account disabled and one paused after too many
wrong passwords. Facts go in through the slices' services, so they are validated and audited; where a
service stamps the wall clock, the stamp is moved to the day the demo says it happened.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import service as charting_service
from painpath.charting.instruments import service as instrument_service
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.schemas import EncounterIn
from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.core.auth import service as auth_service
from painpath.core.auth import user_admin
from painpath.core.auth.service import AuthPolicy
from painpath.core.auth.models import User
from painpath.core.clock import utcnow
from painpath.intake import service as intake_service
from painpath.intake.models import Appointment, CallAttempt, IntakeCall
from painpath.intake.records import sending
from painpath.intake.records import service as records_service
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn, RequestedItemIn
from painpath.interop.transports.registry import transport_for
from painpath.interop.transports.settings import TransportSettings
from painpath.medications.opioids import prescriptions as rx_service
from painpath.medications.opioids import service as safety_service
from painpath.medications.opioids.schemas import AgreementIn, PdmpCheckIn, PrescriptionIn
from painpath.medications.other import service as other_service
from painpath.medications.other.schemas import OtherMedicationIn
from painpath.medications.tapers import service as taper_service
from painpath.medications.tapers.schemas import PauseIn, TaperIn, TaperRxIn
from painpath.orders import service as order_service
from painpath.orders.schemas import StudyIn
from painpath.therapy import course_end
from painpath.therapy import service as therapy_service
from painpath.therapy.models import PtAuthorization, ProgressReport
from painpath.therapy.models import PtCourse
from painpath.therapy.schemas import CourseEndIn, ExtensionRequestedIn

# Which charted episodes (by index) show each state; a 12-patient demo charts three (indexes 0, 1, 2).
OPIOID_CARE = (0, 8)  # index % 8: on a long-term opioid, agreement and PDMP on file (the safety panel's forms)
PAUSED_TAPER = (1, 8)  # index % 8: a taper paused during a flare (resume)
PHQ9_TO_REVIEW = (0, 6)  # index % 6: item 9 answered "several days", no safety assessment yet
PT_EXTENSION_AWAITED = (1, 5)  # index % 5: a second PT course, its extension requested and not yet answered
PT_DISCHARGED = (2, 5)  # index % 5: a PT course the therapist ended three days ago, its goals met
OUTSIDE_CT_AWAITED = (2, 4)  # index % 4: an emergency-department CT, its report not yet on file
CT_REPORT_REQUESTED = (2, 20)  # index % 20: ... and requested from two places (each request renders a PDF letter)


def chosen(rule: tuple[int, int], index: int) -> bool:
    """Whether the charted episode at `index` shows the state of `rule` (remainder, every)."""
    remainder, every = rule
    return index % every == remainder


def at_clinic(day: date, hour: int = 10) -> datetime:
    """A wall-clock time on `day`, as the services take an administration time."""
    return datetime.combine(day, time(hour, 0))


# Staff accounts -----------------------------------------------------------------------------------

# username, role, display name, what happened to the account. Neither is a demo login.
RESTING_STAFF = (
    ("front_desk_former", "front_desk", "Carla Mendes", "disabled"),  # left the clinic in the summer
    ("nurse_locked", "nurse", "Ivan Petrov, RN", "locked"),  # mistyped the new password until the account paused
)


def resting_staff(session: Session, admin: Actor, users: dict, policy: AuthPolicy) -> None:
    """Disable the former employee's account as an admin does, and lock the other the way the sign-in service
    locks it (wrong passwords, counted): it stays locked for the policy's minutes from now. The demo knows the
    passwords are wrong, so it counts them without paying argon2's deliberate cost for each."""
    for username, _role, _name, state in RESTING_STAFF:
        if state == "disabled":
            user_admin.set_active(session, actor=admin, user_id=users[username].id, active=False)
            continue
        account = session.get(User, users[username].id)
        for _attempt in range(policy.lockout_failures):
            auth_service.count_failed_sign_in(session, account, policy, utcnow())


# Charted episodes ---------------------------------------------------------------------------------

def draft_note(session: Session, clinician: Actor, episode_id: int, visits: list[Appointment], today: date) -> int | None:
    """The note of today's checked-in visit, started by the clinician and not yet signed."""
    visit = next((v for v in visits if v.status == "checked_in"), None)
    if visit is None:
        return None
    note = charting_service.create_encounter(session, actor=clinician, episode_id=episode_id, data=EncounterIn(
        encounter_type="follow_up", date_of_service=today, appointment_id=visit.id,
        narrative="Follow-up. Leg pain better since the last visit; still stiff in the mornings. Exam to follow."))
    return note.id


def opioid_care(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, today: date) -> int:
    """Oxycodone from primary care for a year, continued here: the agreement signed and the state PDMP checked at
    the first visit. No end date: a long-term prescription stays current until a clinician stops it."""
    rx = rx_service.record_prescription(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode_id, data=PrescriptionIn(
        drug="oxycodone", strength=5, interval_hours=6, as_needed=True, prn_max_per_day=4, start_date=today - timedelta(weeks=10)))
    safety_service.record_agreement(session, actor=clinician, calendar=ctx.calendar, episode_id=episode_id,
                                    data=AgreementIn(signed_on=today - timedelta(weeks=10), note="Reviewed with the patient; a copy given"))
    safety_service.record_pdmp_check(session, actor=clinician, calendar=ctx.calendar, episode_id=episode_id, data=PdmpCheckIn(
        state="IL", checked_at=at_clinic(today - timedelta(weeks=10)), summary="One prescriber, one pharmacy; matches the history"))
    # What else the patient takes, from primary care: outside our packs, so recorded as "not assessed by painpath".
    other_service.record_other(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode_id, data=OtherMedicationIn(
        name="Lisinopril", dose="10 mg tablet", sig="One tablet every morning", start_date=today - timedelta(days=400)))
    return rx.id


def paused_taper(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, today: date) -> int:
    """Hydrocodone 10 mg three times a day down to 10 MME, started six weeks ago, paused last week for a flare."""
    plan = taper_service.create_taper(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                      data=TaperIn(prescriptions=[TaperRxIn(drug="hydrocodone", strength=10, times_per_day=3)],
                                                   target_mme=10, start_date=today - timedelta(weeks=6)))
    taper_service.pause_taper(session, actor=clinician, calendar=ctx.calendar, taper_id=plan.id, data=PauseIn(
        paused_on=today - timedelta(days=6), reason="Flare after a fall on the stairs; holding the dose until the follow-up",
        version=plan.version))
    return plan.id


# PHQ-9 answers of a patient low in mood with passive thoughts of death several days (item 9 = 1).
PHQ9_ANSWERS = {"phq9_1": 2, "phq9_2": 2, "phq9_3": 2, "phq9_4": 1, "phq9_5": 1, "phq9_6": 1, "phq9_7": 1, "phq9_8": 0, "phq9_9": 1}


def phq9_to_review(session: Session, ctx: AppContext, nurse: Actor, episode_id: int, today: date) -> int:
    """A PHQ-9 the nurse gave on yesterday afternoon's check-in call (yesterday: the demo may load before nine in the
    morning, and no questionnaire is given in the future): item 9 is positive, the safety assessment still owed."""
    row = instrument_service.administer(session, actor=nurse, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                        data=AdministrationIn(instrument_id="phq9", answers=PHQ9_ANSWERS,
                                                              administered_at=at_clinic(today - timedelta(days=1), 15)))
    return row.id


def pt_extension_awaited(session: Session, therapist: Actor, course_id: int, today: date) -> None:
    """The therapist faxed the extension request with last week's progress report; the payer has not answered."""
    authorization = session.scalars(select(PtAuthorization).where(PtAuthorization.course_id == course_id)).first()
    report = session.scalars(select(ProgressReport).where(ProgressReport.course_id == course_id)).first()
    if authorization is None or report is None:
        return
    therapy_service.record_extension_requested(session, actor=therapist, authorization_id=authorization.id, data=ExtensionRequestedIn(
        version=authorization.version, requested_at=at_clinic(today - timedelta(days=4), 11), progress_report_id=report.id))


def pt_discharged(session: Session, therapist: Actor, course_id: int, today: date) -> None:
    """The therapist discharged the patient to a home program three days ago: the course's tasks are closed."""
    course = session.get(PtCourse, course_id)
    course_end.end_course(session, actor=therapist, course_id=course_id, data=CourseEndIn(
        outcome="completed", ended_on=today - timedelta(days=3), version=course.version,
        reason="Goals met: walks 30 minutes and lifts 20 lb from the floor without leg pain; home exercise program from here."))


ED_CT = {"lumbar": "CT lumbar spine without contrast", "cervical": "CT cervical spine without contrast"}


def outside_ct_awaited(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, region: str, today: date) -> bool:
    """A CT taken at the emergency department after a fall, its report not yet on file."""
    if region not in ED_CT:
        return False
    order_service.record_study(session, actor=clinician, calendar=ctx.calendar, episode_id=episode_id, data=StudyIn(
        modality="ct", region=region, study=ED_CT[region], performed_on=today - timedelta(days=12)))
    return True


# Where the CT's report is asked for: the hospital (printed and faxed by hand: sent, awaiting the records) and
# the radiology group by the fax gateway, sent while the clinic's mail relay was down (failed, to send again).
CT_SOURCES = (
    (ProviderIn(name="Riverside Community Hospital, Emergency Department", kind="hospital", fax="(708) 555-0177",
                phone="(708) 555-0176"), "print"),
    (ProviderIn(name="Northgate Radiology Associates", kind="imaging_center", fax="(847) 555-0179", phone="(847) 555-0178"), "fax"),
)


@contextmanager
def relay_down() -> Iterator[TransportSettings]:
    """Mail relay settings naming a port on this machine that is taken but answers nobody, so a send through it
    fails at once the way it does when the clinic's relay is down (nothing leaves the machine)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        yield TransportSettings(smtp_host="127.0.0.1", smtp_port=taken.getsockname()[1], smtp_timeout=2)


def request_ct_report(session: Session, ctx: AppContext, coordinator: Actor, episode_id: int, today: date) -> None:
    """Request the CT report from both sources and send the requests. Sending commits (a request is durable
    before anything leaves), so the demo calls this after everything else is written."""
    with relay_down() as down:
        for provider_in, transport in CT_SOURCES:
            provider = records_service.add_provider(session, actor=coordinator, episode_id=episode_id, data=provider_in)
            request = records_service.create_request(session, actor=coordinator, calendar=ctx.calendar, episode_id=episode_id, data=RecordsRequestIn(
                provider_id=provider.id, items=[RequestedItemIn(item="imaging", date_from=today - timedelta(days=12))], transport=transport,
                authorization_reference="Release signed at check-in", authorization_date=today - timedelta(days=7)))
            sending.send_request(session, actor=coordinator, request_id=request.id, transport_factory=lambda name: transport_for(name, down))


# Referrals waiting for their first visit ------------------------------------------------------------

def unreachable_call(session: Session, desk: Actor, call: IntakeCall, failed_before_letter: int) -> None:
    """Callback attempts on the three business days after the referral, none answered: a letter is owed."""
    outcomes = ("no_answer", "voicemail", "no_answer", "busy")
    for attempt in range(failed_before_letter):
        intake_service.record_attempt(session, actor=desk, call_id=call.id, outcome=outcomes[attempt % len(outcomes)],
                                      note="Left the clinic's number" if attempt else None, failed_before_letter=failed_before_letter)
    for day, row in enumerate(session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id).order_by(CallAttempt.id)), 1):
        row.at = call.received_at + timedelta(days=day)  # the service stamps the wall clock; these were on the days after


# Answers that make the screen emergent (suspected cauda equina): the desk saves them at once, without the rest.
EMERGENT_ANSWERS = {"bladder_dysfunction": True, "saddle_numbness": True}


def emergent_screen(session: Session, ctx: AppContext, desk: Actor, call: IntakeCall) -> None:
    """The caller was reached an hour after the referral and sent to the emergency department; a clinician
    has not yet acknowledged it, so no visit can be booked."""
    intake_service.record_attempt(session, actor=desk, call_id=call.id, outcome="reached", note=None, failed_before_letter=3)
    row = intake_service.record_triage(session, actor=desk, knowledge=ctx.knowledge, call_id=call.id, answers=dict(EMERGENT_ANSWERS))
    row.decided_at = call.received_at + timedelta(hours=1)
    call.reached_at = row.decided_at
    for attempt in session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id)):
        attempt.at = row.decided_at
