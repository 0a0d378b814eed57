"""Medications: history and trials (adequacy from the medication-trials pack); opioid safety comes later."""
