"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py)."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.costs.models import CostEstimate

chart_access.register_collection("cost-estimates", CostEstimate)
