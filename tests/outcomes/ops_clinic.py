"""A hand-built clinic's patients and episodes for the operational measure tests: each episode with its primary
coverage, care plan, clinician and location, written as the rows the slices keep (the dated facts)."""

from datetime import date, datetime

from painpath.patients.models import Coverage, Episode, Patient
from painpath.plans.models import CarePlan


def episode(session, clinic_id: int, name: str, *, payer: str = "aetna_ma", pathway: str | None = None,  # noqa: ANN001
            clinician_id: int | None = None, location_id: int | None = None, status: str = "open") -> Episode:
    patient = Patient(clinic_id=clinic_id, mrn=f"MRN-{name}", given_name=name, family_name="Measure", birth_date=date(1970, 1, 1),
                      sex="female")
    session.add(patient)
    session.flush()
    session.add(Coverage(clinic_id=clinic_id, patient_id=patient.id, payer_id=payer, plan_type="commercial", member_id="M1",
                         effective_from=date(2026, 1, 1), priority=1))
    found = Episode(clinic_id=clinic_id, patient_id=patient.id, problem_summary="Low back pain", body_region="lumbar",
                    laterality="none", status=status, opened_at=datetime(2026, 11, 1, 15), responsible_clinician_id=clinician_id,
                    location_id=location_id)
    session.add(found)
    session.flush()
    if pathway is not None:
        session.add(CarePlan(clinic_id=clinic_id, episode_id=found.id, patient_id=patient.id, pathway_id=pathway, pack_version=1,
                             started_on=date(2026, 11, 2)))
        session.flush()
    return found
