"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py):
each collection below is the path segment before the id in this slice's routes."""

from __future__ import annotations

from painpath.charting.patient_events.models import PatientEvent
from painpath.core.auth import chart_access

chart_access.register_collection("patient-events", PatientEvent)
