"""The paperwork slice's obligation providers, registered at import (each module registers its own)."""

from __future__ import annotations

from painpath.paperwork import restrictions_obligations  # noqa: F401
