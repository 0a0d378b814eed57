"""Intake: the first 72 hours. Calls and callbacks, red-flag triage and routing, first appointments,
records requested from prior providers (records/) and electronic records imported (imports/)."""
