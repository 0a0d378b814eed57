"""What a workers' compensation claim owes and shows, reading the plans and the authorization cases: the
episode panel, the IME reconciliation, the progress report and the patient's coaching on approval steps."""
