"""A patient reaches one record: their own.

The rule is a caseload of the chart-access policy (core/auth/chart_access.py), like the therapist's: for
the patient role it narrows every route that takes an id to the episodes of the patient the account is
tied to, and an account that is revoked (or not tied) reaches nothing. Portal pages carry no patient or
episode id at all; they read the record through `portal_patient`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth.roles import Role
from painpath.core.errors import DomainError, FieldProblem
from painpath.patients.models import Episode
from painpath.portal.models import PatientAccount

NOT_YOURS = "This is not your record: the portal shows only your own care"


class NoPortalAccount(DomainError):
    """A patient sign-in without an active account (revoked, or never tied to a record): 403."""

    status_code = 403


@dataclass(frozen=True)
class PortalPatient:
    """The record a signed-in patient reaches."""

    account_id: int
    patient_id: int
    clinic_id: int
    user_id: int
    reminder_channel: str


def _active_account(actor: Actor):  # noqa: ANN202 - a select
    return (select(PatientAccount.patient_id)
            .where(PatientAccount.user_id == actor.user_id, PatientAccount.revoked_at.is_(None)))


def patient_episodes(actor: Actor) -> Select | None:
    """The episodes of the patient's own record; None for staff (not narrowed here)."""
    if actor.role != Role.PATIENT.value:
        return None
    return select(Episode.id).where(Episode.patient_id.in_(_active_account(actor)))


def portal_patient(session: Session, actor: Actor) -> PortalPatient:
    """The record `actor` (a patient) reaches, or NoPortalAccount when the access was revoked."""
    account = session.scalar(select(PatientAccount).where(PatientAccount.user_id == actor.user_id,
                                                          PatientAccount.revoked_at.is_(None)))
    if account is None or actor.role != Role.PATIENT.value:
        raise NoPortalAccount(FieldProblem("account", "portal_access",
                                           "Your portal access is not active. Call the clinic and we will send a new invitation."))
    return PortalPatient(account_id=account.id, patient_id=account.patient_id, clinic_id=account.clinic_id,
                         user_id=account.user_id, reminder_channel=account.reminder_channel)


chart_access.register_caseload(chart_access.Caseload("patient_own_record", patient_episodes, NOT_YOURS))

# A shared document's id (the patient's download, staff's withdrawal) reaches the chart of its episode.
from painpath.portal.document_models import PortalSharedDocument  # noqa: E402

chart_access.register_collection("shared-documents", PortalSharedDocument)
