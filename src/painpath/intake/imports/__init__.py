"""Electronic records (FHIR R4 bundles, NDJSON) filed onto an episode as facts with provenance."""
