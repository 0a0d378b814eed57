"""The paperwork slice's obligation providers, gathered (each topic registers its own)."""

from painpath.paperwork import form_obligations  # noqa: F401
