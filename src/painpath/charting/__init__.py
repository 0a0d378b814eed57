"""Charting: encounters, functional measures, exam findings, instruments and medication trials."""
