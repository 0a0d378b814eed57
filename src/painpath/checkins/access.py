"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py)."""

from __future__ import annotations

from painpath.checkins.models import CheckinRecord
from painpath.core.auth import chart_access

chart_access.register_collection("checkin-records", CheckinRecord)
