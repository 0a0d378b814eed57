"""Reminder e-mails to patients: queue the reminders that came due, send each once, retry with backoff.

`run_once(context)` is the periodic job (portal/scheduled.py puts it on the queue every minute, under the
cluster lock so one process runs it at a time). It has two halves, each safe to run twice:

- `queue_due`: for each active account (activated, not revoked) whose channel can carry a reminder, read
  the patient's check-ins (checkins.service.for_patient), ask reminder_rules which reminders are due, and
  add a `portal_reminder` row for each that has none. The unique (clinic, account, check-in key, kind)
  makes "once" hold across runs and workers: a second insert is refused by the database, and skipped.
- `send_due`: claim each pending (or failed, backoff passed, or stuck `sending`) row with a compare-and-set
  update, commit, send, then record sent or failed with the next attempt (the records requests' backoff:
  intake/records/rules.next_retry_at). The relay's refusal is kept without the patient's address.

Channels (portal/reminder_channels.py, `channel_for(account)`): "email" sends through
interop/transports/patient_mail; "none" queues nothing; "sms" queues nothing while no SMS vendor is registered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.checkins import service as checkins
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import Database
from painpath.core.logging import get_logger
from painpath.core.tenancy import Clinic
from painpath.intake.records import rules as retry_rules
from painpath.interop.transports.base import TransportError
from painpath.interop.transports.settings import TransportSettings
from painpath.portal import reminder_channels
from painpath.portal import reminder_rules as rules
from painpath.portal.models import PatientAccount, PortalReminder

log = get_logger("painpath.portal.reminders")
JOB_NAME = "portal_reminders"
def _active_accounts(session: Session) -> list[PatientAccount]:
    return list(session.scalars(select(PatientAccount).where(
        PatientAccount.revoked_at.is_(None), PatientAccount.activated_at.is_not(None)).order_by(PatientAccount.id)))


def queue_due(session: Session, *, knowledge, calendar: BusinessCalendar, now: datetime, portal_url: str) -> int:
    """Add the reminders that came due by `now` (naive UTC) and have no row yet; returns how many."""
    pack = knowledge.reminders
    if pack is None:
        return 0
    now_local = calendar.to_local(now).replace(tzinfo=None)
    today = now_local.date()
    queued = 0
    clinic_names: dict[int, str] = {}
    for account in _active_accounts(session):
        if reminder_channels.channel_for(account) is None:
            continue
        try:
            have = set(map(tuple, session.execute(select(PortalReminder.checkin_key, PortalReminder.kind)
                                                  .where(PortalReminder.account_id == account.id))))
            found = checkins.for_patient(session, clinic_id=account.clinic_id, patient_id=account.patient_id, knowledge=knowledge,
                                         calendar=calendar, today=today)
            for checkin in found:
                booked = calendar.to_local(checkin.booked_at).replace(tzinfo=None) if checkin.booked_at is not None else None
                planned = rules.planned(checkin, pack, booked_local=booked)
                if planned is None or (planned.checkin_key, planned.kind) in have or not rules.is_due(planned, checkin, now_local):
                    continue
                if account.clinic_id not in clinic_names:
                    clinic = session.get(Clinic, account.clinic_id)
                    clinic_names[account.clinic_id] = clinic.name if clinic is not None else "your clinic"
                words = rules.message(planned, checkin, clinic_name=clinic_names[account.clinic_id], portal_url=portal_url,
                                      booked_local=booked)
                due_at = calendar.to_utc(planned.due_local).replace(tzinfo=None)
                row = PortalReminder(clinic_id=account.clinic_id, account_id=account.id, checkin_key=planned.checkin_key,
                                     kind=planned.kind, channel=account.reminder_channel, due_at=due_at, subject=words.subject,
                                     body=words.body, state="pending", attempts=0, next_attempt_at=due_at)
                try:
                    with session.begin_nested():
                        session.add(row)
                except IntegrityError:  # another run queued it first: once is once
                    continue
                have.add((planned.checkin_key, planned.kind))
                queued += 1
        except Exception:  # one patient's failure never stops the others
            log.exception("reminder queueing failed for one account", account_id=account.id)
    return queued


def _claimable(now: datetime):  # noqa: ANN202 - a where clause
    stale = now - retry_rules.STUCK_AFTER
    return or_(
        and_(PortalReminder.state.in_(("pending", "failed")), PortalReminder.next_attempt_at.is_not(None),
             PortalReminder.next_attempt_at <= now),
        and_(PortalReminder.state == "sending", PortalReminder.last_attempt_at <= stale,
             PortalReminder.attempts < retry_rules.MAX_AUTOMATIC_ATTEMPTS),
    )


def send_one(db: Database, reminder_id: int, *, now: datetime, settings: TransportSettings) -> str | None:
    """Claim, send and record one reminder; returns its new state, or None when another worker has it."""
    with db.session() as session:
        row = session.get(PortalReminder, reminder_id)
        if row is None:
            return None
        claimed = session.execute(
            update(PortalReminder).where(PortalReminder.id == row.id, PortalReminder.state == row.state,
                                         PortalReminder.attempts == row.attempts, _claimable(now))
            .values(state="sending", attempts=row.attempts + 1, last_attempt_at=now, next_attempt_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            session.rollback()
            return None
        session.commit()  # durable before anything leaves: a crash from here on leaves a retryable row
        session.refresh(row)
        account = session.get(PatientAccount, row.account_id)
        actor = Actor.system("portal-reminders", row.clinic_id)
        channel = reminder_channels.channel_for(account) if account is not None else None
        if channel is None or account.reminder_channel != row.channel:  # the patient turned reminders off, or lost access
            row.state, row.next_attempt_at, row.last_error = "failed", None, "Not sent: the patient's reminder choice or access changed"
            session.commit()
            return row.state
        failure: str | None = None
        try:
            channel.send(account, row.subject, row.body, settings=settings)
        except TransportError as exc:
            failure = rules.redact(str(exc), account.email)
        if failure is None:
            row.state, row.sent_at, row.last_error = "sent", now, None
            audit.record(session, actor, "portal.reminder_sent", object_type="portal_reminder", object_id=row.id,
                         patient_id=account.patient_id, detail={"kind": row.kind, "attempt": row.attempts, "channel": row.channel})
        else:
            row.state, row.last_error = "failed", failure
            row.next_attempt_at = retry_rules.next_retry_at(now, row.attempts)
            audit.record(session, actor, "portal.reminder_failed", object_type="portal_reminder", object_id=row.id,
                         patient_id=account.patient_id, detail={"kind": row.kind, "attempt": row.attempts, "error": failure})
        session.commit()
        return row.state


def send_due(db: Database, *, now: datetime, settings: TransportSettings | None = None, limit: int = 200) -> int:
    """Send every reminder whose time (or backoff) has come; returns how many it tried."""
    settings = settings or TransportSettings()
    with db.session() as session:
        due = list(session.scalars(select(PortalReminder.id).where(_claimable(now))
                                   .order_by(PortalReminder.next_attempt_at, PortalReminder.id).limit(limit)))
    return sum(1 for reminder_id in due if send_one(db, reminder_id, now=now, settings=settings) is not None)


def run_once(db: Database, *, knowledge, calendar: BusinessCalendar, now: datetime | None = None,
             settings: TransportSettings | None = None) -> dict[str, int]:
    """One pass of the job: queue what came due, then send what is due. Safe to run any number of times."""
    now = now or utcnow()  # naive UTC, like every stored time
    settings = settings or TransportSettings()
    with db.session() as session:
        queued = queue_due(session, knowledge=knowledge, calendar=calendar, now=now, portal_url=settings.portal_url)
    tried = send_due(db, now=now, settings=settings)
    if queued or tried:
        log.info("portal reminders pass", queued=queued, tried=tried)
    return {"queued": queued, "tried": tried}


