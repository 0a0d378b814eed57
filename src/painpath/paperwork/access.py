"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py): the
restrictions' here, the forms' in form_access."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.paperwork import form_access  # noqa: F401
from painpath.paperwork.models import ReturnToWorkStep, WorkRestriction

chart_access.register_collection("work-restrictions", WorkRestriction)
chart_access.register_collection("return-to-work-steps", ReturnToWorkStep)
