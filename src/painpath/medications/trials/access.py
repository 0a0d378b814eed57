"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py):
each collection below is the path segment before the id in this slice's routes."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.medications.trials.models import MedicationTrial, TrialPlan, TrialPlanItem

chart_access.register_collection("medication-trials", MedicationTrial)
chart_access.register_collection("trial-plan-items", TrialPlanItem)
chart_access.register_collection("medication-trial-plans", TrialPlan)
