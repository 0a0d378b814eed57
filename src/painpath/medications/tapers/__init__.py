"""Opioid tapers: dated steps from the episode's prescriptions, pause and resume, the printed schedule."""
