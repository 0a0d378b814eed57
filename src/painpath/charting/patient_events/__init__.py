"""The patient's own timeline of major events (onset, injuries, imaging, surgeries, work changes, ...)."""
