"""Opioids: prescriptions with MME, and the opioid-safety facts (agreement, PDMP, drug tests, naloxone)."""
