"""Medication trials: history with adequacy from the medication-trials pack, and planned trials (target, titration)."""
