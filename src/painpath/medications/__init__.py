"""Medications, in four sub-slices: trials/ (history, adequacy from the medication-trials pack, planned
trials), opioids/ (prescriptions, MME, opioid safety), tapers/ (opioid tapers) and other/ (drugs outside
the packs, recorded but not assessed)."""
