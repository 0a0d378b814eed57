"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py):
each collection below is the path segment before the id in this slice's routes."""

from __future__ import annotations

from painpath.core.auth import chart_access
from painpath.orders.models import ImagingOrder, ImagingStudy

chart_access.register_collection("imaging-studies", ImagingStudy)
chart_access.register_collection("imaging-orders", ImagingOrder)
