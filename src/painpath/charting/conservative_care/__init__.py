"""Conservative-care history: PT, home exercise, medications before us, bracing, ... as told or as run here."""
