"""Other-medication use cases: record one typed by a clinician, file the ones a records import brings,
stop one, and list them each with what painpath can say about it (other_rules.assess, on read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.medications.other import rules as other_rules
from painpath.medications.opioids import products
from painpath.medications.other.models import ENTERED, IMPORTED, OtherMedication
from painpath.medications.other.schemas import OtherMedicationIn, OtherMedicationStop
from painpath.medications.opioids.prescriptions import identify
from painpath.patients import service as patients


@dataclass(frozen=True)
class OtherLine:
    medication: OtherMedication
    assessment: other_rules.OtherAssessment
    active: bool


def validate(values: dict, knowledge) -> list[FieldProblem]:  # noqa: ANN001
    """Every problem with a typed other medication, each naming its field and rule."""
    problems: list[FieldProblem] = []
    if not values.get("name"):
        problems.append(FieldProblem("name", "required", "Name the medication as the patient or the label gives it"))
    known = identify(knowledge, drug=values.get("name"), rxnorm_code=None) if values.get("name") else None
    if known is not None:
        # A drug painpath assesses goes where it is assessed; here it would be silently left out of MME and warnings.
        problems.append(FieldProblem("name", "assessed_drug", f"{known.name} is in the clinic's drug packs: record it as a prescription "
                                     "so painpath checks it (MME, co-prescription warnings)"))
    code = values.get("rxnorm_code")
    by_code = identify(knowledge, drug=None, rxnorm_code=code) if code else None
    if by_code is not None and known is None:
        problems.append(FieldProblem("rxnorm_code", "assessed_drug", f"RxNorm {code} is {by_code.name}, which the clinic's drug packs know: "
                                     "record it as a prescription so painpath checks it"))
    return problems


def _audit(session: Session, actor: Actor, action: str, row: OtherMedication, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="other_medication", object_id=row.id, patient_id=row.patient_id, detail=detail)


def record_other(session: Session, *, actor: Actor, knowledge, episode_id: int, data: OtherMedicationIn) -> OtherMedication:  # noqa: ANN001
    """Write down a medication painpath does not assess; it is listed as "not assessed by painpath"."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    problems = validate(values, knowledge)
    if problems:
        raise InvalidInput(problems)
    row = OtherMedication(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, name=values["name"], dose=values["dose"],
        sig=values["sig"], rxnorm_code=values["rxnorm_code"], start_date=values["start_date"], origin=ENTERED, as_needed=False,
        recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "other_medication.record", row, origin=ENTERED)
    return row


def get_other(session: Session, *, clinic_id: int, other_id: int) -> OtherMedication:
    found = session.get(OtherMedication, other_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("other_medication", other_id)
    return found


def stop_other(session: Session, *, actor: Actor, other_id: int, data: OtherMedicationStop) -> OtherMedication:
    row = get_other(session, clinic_id=actor.clinic_id, other_id=other_id)
    if row.version != data.version:
        raise StaleWrite("other medication", data.version, row.version)
    if row.stopped_on is not None:
        raise Conflict(FieldProblem("stopped_on", "not_stopped", f"This medication was already stopped on {row.stopped_on.isoformat()}"))
    if row.start_date is not None and data.stopped_on < row.start_date:
        raise InvalidInput(FieldProblem("stopped_on", "after_start", "A medication cannot stop before it starts"))
    row.stopped_on = data.stopped_on
    session.flush()
    _audit(session, actor, "other_medication.stop", row, stopped_on=data.stopped_on.isoformat())
    return row


# ---- Filed from a records import -----------------------------------------------------------------------

def chosen_code(knowledge, codes: tuple[str, ...]) -> str | None:  # noqa: ANN001
    """The code to keep of the several a sender may give: a product the pack maps (it brings the strength),
    else one that names a drug the packs know, else the first."""
    if knowledge is None:  # an import run without the packs (a caller that reads no clinical knowledge)
        return codes[0] if codes else None
    return (next((c for c in codes if products.product(knowledge, c) is not None), None)
            or next((c for c in codes if identify(knowledge, drug=None, rxnorm_code=c) is not None), None)
            or (codes[0] if codes else None))


def _words(value: float | None, unit: str | None) -> str | None:
    return f"{value:g} {unit or ''}".strip() if value is not None else None


def file_imported(session: Session, *, actor: Actor, knowledge, episode_id: int, patient_id: int, clinic_id: int,  # noqa: ANN001
                  record_import_id: int, orders) -> dict:  # noqa: ANN001 - interop.fhir.medication_orders.MedicationOrder
    """File each imported medication order as an other medication and say what became of each: the report
    the import shows ("2 with MME computed, 1 not assessed by painpath: ...")."""
    report: dict = {"filed": 0, "counted": [], "not_assessed": []}
    for order in orders:
        row = OtherMedication(
            clinic_id=clinic_id, episode_id=episode_id, patient_id=patient_id, name=order.name[:200],
            dose=_words(order.dose_value, order.dose_unit), sig=order.sig, rxnorm_code=chosen_code(knowledge, order.rxnorm_codes),
            start_date=order.start_date, origin=IMPORTED, dose_value=order.dose_value, dose_unit=(order.dose_unit or "")[:40] or None,
            times_per_day=order.times_per_day, interval_hours=order.interval_hours, as_needed=order.as_needed,
            record_status=(order.status or "")[:40] or None, record_import_id=record_import_id, source_ref=order.source_ref[:300],
            recorded_by_id=actor.user_id, recorded_at=utcnow(),
        )
        session.add(row)
        found = other_rules.assess(row, knowledge) if knowledge is not None else other_rules.OtherAssessment("not_assessed", other_rules.NOT_ASSESSED)
        report["filed"] += 1
        # `why`: what stopped painpath from assessing it, for the import's report ("" for a drug no pack holds).
        why = found.words.removeprefix(other_rules.NOT_ASSESSED).strip(" ()") if found.status != "counted" else ""
        entry = {"name": row.name, "words": found.words, "why": why}
        report["counted" if found.status == "counted" else "not_assessed"].append(entry)
    session.flush()
    return report


# ---- Reading ---------------------------------------------------------------------------------------------

def lines_for(rows: list[OtherMedication], knowledge, as_of: date) -> list[OtherLine]:  # noqa: ANN001
    return [OtherLine(row, other_rules.assess(row, knowledge), row.active_on(as_of)) for row in rows]


def episode_others(session: Session, episode_id: int) -> list[OtherMedication]:
    return list(session.scalars(select(OtherMedication).where(OtherMedication.episode_id == episode_id).order_by(OtherMedication.id)))


def list_others(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int) -> list[OtherLine]:  # noqa: ANN001
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return lines_for(episode_others(session, episode.id), knowledge, calendar.local_date(utcnow()))
