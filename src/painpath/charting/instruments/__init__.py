"""Instrument administrations: answers scored from the packs, change since baseline, alerts."""
