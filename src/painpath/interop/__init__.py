"""Outside parties behind small plugin bases: fax and Direct transports, FHIR parsing, payer submission."""
