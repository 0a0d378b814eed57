"""Which of the forms queue's ids reach a chart, for the chart-access policy (core/auth/chart_access.py)."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.paperwork.form_models import FormRequest

chart_access.register_collection("form-requests", FormRequest)
