"""How a patient id and an episode id reach a chart, for the chart-access policy (core/auth/chart_access.py).

Every other slice's rows hang off an episode, so their collections resolve through "episodes" here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.auth import chart_access
from painpath.core.auth.chart_access import ChartTarget
from painpath.patients.models import Coverage, Episode, Patient


def patient_chart(session: Session, clinic_id: int, patient_id: int) -> ChartTarget | None:
    """A patient id reaches every episode of the patient."""
    if session.scalar(select(Patient.id).where(Patient.id == patient_id, Patient.clinic_id == clinic_id)) is None:
        return None
    episode_ids = tuple(session.scalars(select(Episode.id).where(Episode.patient_id == patient_id)))
    return ChartTarget("patient", patient_id, patient_id, episode_ids)


def episode_chart(session: Session, clinic_id: int, episode_id: int) -> ChartTarget | None:
    patient_id = session.scalar(select(Episode.patient_id).where(Episode.id == episode_id, Episode.clinic_id == clinic_id))
    return None if patient_id is None else ChartTarget("episode", episode_id, patient_id, (episode_id,))


def coverage_chart(session: Session, clinic_id: int, coverage_id: int) -> ChartTarget | None:
    """A coverage reaches its patient's chart (it belongs to the patient, not to one episode)."""
    patient_id = session.scalar(select(Coverage.patient_id).where(Coverage.id == coverage_id, Coverage.clinic_id == clinic_id))
    chart = None if patient_id is None else patient_chart(session, clinic_id, patient_id)
    return None if chart is None else ChartTarget("coverage", coverage_id, chart.patient_id, chart.episode_ids)


chart_access.register_resolver("patients", patient_chart)
chart_access.register_resolver("coverages", coverage_chart)
chart_access.register_resolver("episodes", episode_chart)
