"""The paperwork slice's chart-access registrations, gathered (each topic registers its own)."""

from painpath.paperwork import form_access  # noqa: F401
