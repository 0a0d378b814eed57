"""Performed procedures (injections, blocks, ablations) and the relief reported after each."""
