"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py): each
collection below is the path segment before the id in this slice's routes."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.workcomp.models import IndependentExam, ProgressReport

chart_access.register_collection("workcomp-imes", IndependentExam)
chart_access.register_collection("workcomp-reports", ProgressReport)
