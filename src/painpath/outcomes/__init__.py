"""Outcomes the clinic plans with: operational measures (time to first visit, to authorization, PT gap days,
forms turnaround, check-in adherence ...) and clinical outcomes (relief duration as a survival curve, the share
reaching the minimal important change, PT progression, MME on tapers), on one dashboard with filters, tables,
CSV and a link from every figure to the cases behind it."""
