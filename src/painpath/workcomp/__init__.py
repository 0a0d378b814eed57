"""Workers' compensation on the episode: the claim with its people, the carrier's clock on requests, the
independent medical evaluation and its reconciliation, the progress report on the carrier's cadence."""
