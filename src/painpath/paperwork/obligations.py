"""The paperwork slice's obligation providers, registered at import (each topic registers its own)."""

from __future__ import annotations

from painpath.paperwork import form_obligations, restrictions_obligations  # noqa: F401
