"""Medications, in three sub-slices: trials/ (history, adequacy from the medication-trials pack, planned
trials), opioids/ (prescriptions, MME, opioid safety) and tapers/ (opioid tapers)."""
