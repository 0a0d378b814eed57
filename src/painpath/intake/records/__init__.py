"""Records upfront: prior providers are listed at intake, records are requested the same day through a
transport (print, fax gateway, Direct), tracked until they arrive, and filed to the episode."""
