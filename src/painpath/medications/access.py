"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py):
each collection below is the path segment before the id in this slice's routes."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.medications.models import MedicationTrial
from painpath.medications.plan_models import TaperPlan, TaperStep, TrialPlan, TrialPlanItem
from painpath.medications.other_models import OtherMedication
from painpath.medications.safety_models import MedicationPrescription

chart_access.register_collection("medication-trials", MedicationTrial)
chart_access.register_collection("prescriptions", MedicationPrescription)
chart_access.register_collection("trial-plan-items", TrialPlanItem)
chart_access.register_collection("tapers", TaperPlan)
chart_access.register_collection("taper-steps", TaperStep)
chart_access.register_collection("medication-trial-plans", TrialPlan)
chart_access.register_collection("other-medications", OtherMedication)
