"""Where the tests find third-party data: tests/data/external, shipped with the repository (see tests/data/README.md)."""

from __future__ import annotations

from pathlib import Path

EXTERNAL = Path(__file__).resolve().parent / "data" / "external"


def external(relative: str) -> Path:
    """The path of a shipped external file or folder; a missing one is an error, never a reason to skip."""
    path = EXTERNAL / relative
    if not path.exists():
        raise FileNotFoundError(f"test data {path} is missing; it ships with the repository (tests/data/README.md)")
    return path
