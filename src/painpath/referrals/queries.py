"""Read models of other slices' tables, read-only, for this slice's forms and board (DESIGN: "read models"):

- the episode's documents on file a referral can enclose: imaging reports, signed visit notes and records
  received (orders, charting and intake.records own those tables; nothing here writes them);
- whether a care-plan step belongs to the episode (plans owns the table);
- patient names for the open-loops board.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.models import Encounter
from painpath.intake.records.models import RecordsDocument
from painpath.orders.models import ImagingStudy
from painpath.patients.models import Patient
from painpath.plans.models import PlanStep


@dataclass(frozen=True)
class DocumentOnFile:
    ref: str  # "imaging_study:3" | "encounter:12" | "records_document:7"
    label: str  # "MRI right hip, 14 Jan 2026 (report)"


def _day(day) -> str:  # noqa: ANN001
    return f"{day.day} {day:%b %Y}"


def documents_on_file(session: Session, episode_id: int) -> list[DocumentOnFile]:
    """Imaging reports, signed visit notes and records received on the episode, newest first within each kind."""
    found: list[DocumentOnFile] = []
    for study_id, study, performed_on in session.execute(
            select(ImagingStudy.id, ImagingStudy.study, ImagingStudy.performed_on)
            .where(ImagingStudy.episode_id == episode_id, ImagingStudy.report_on_file.is_(True))
            .order_by(ImagingStudy.performed_on.desc(), ImagingStudy.id.desc())):
        found.append(DocumentOnFile(f"imaging_study:{study_id}", f"Imaging report: {study}, {_day(performed_on)}"))
    for encounter_id, kind, day in session.execute(
            select(Encounter.id, Encounter.encounter_type, Encounter.date_of_service)
            .where(Encounter.episode_id == episode_id, Encounter.status == "signed", Encounter.addendum_of_id.is_(None))
            .order_by(Encounter.date_of_service.desc(), Encounter.id.desc())):
        found.append(DocumentOnFile(f"encounter:{encounter_id}", f"Visit note ({kind.replace('_', ' ')}), {_day(day)}"))
    for document_id, filename, uploaded_at in session.execute(
            select(RecordsDocument.id, RecordsDocument.filename, RecordsDocument.uploaded_at)
            .where(RecordsDocument.episode_id == episode_id).order_by(RecordsDocument.uploaded_at.desc(), RecordsDocument.id.desc())):
        found.append(DocumentOnFile(f"records_document:{document_id}", f"Records received: {filename}, {_day(uploaded_at)}"))
    return found


def step_of_episode(session: Session, step_row_id: int, episode_id: int) -> bool:
    return session.scalar(select(PlanStep.id).where(PlanStep.id == step_row_id, PlanStep.episode_id == episode_id)) is not None


def patient_names(session: Session, patient_ids: set[int]) -> dict[int, str]:
    if not patient_ids:
        return {}
    rows = session.execute(select(Patient.id, Patient.given_name, Patient.family_name).where(Patient.id.in_(patient_ids)))
    return {pid: f"{given} {family}" for pid, given, family in rows}
