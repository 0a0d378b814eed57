"""The operations simulator: a clinic's weeks replayed through the real engine in a throwaway database.

`scenario.py` is what a run is asked (a YAML file in `scenarios/`), `results.py` what it answers; `model.py`
drives the SimPy processes (referrals arriving, staff working the engine's worklist, payers answering,
patients missing visits) through the slices' services, and `report.py` turns results into the terminal
and HTML reports. Nothing here re-implements a rule: obligations come from the worklist the engine
computes for the simulated clinic.
"""
