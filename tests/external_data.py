"""Where the tests find third-party data: tests/data/external, shipped with the repository (see tests/data/README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXTERNAL = Path(__file__).resolve().parent / "data" / "external"


def external(relative: str) -> Path:
    """The path of a shipped external file or folder; a missing one is an error, never a reason to skip."""
    path = EXTERNAL / relative
    if not path.exists():
        raise FileNotFoundError(f"test data {path} is missing; it ships with the repository (tests/data/README.md)")
    return path


def read_json(file: Path) -> Any:  # noqa: ANN401
    """A JSON file's first value: the upstream CDS Hooks requests end with a stray "}" (opioid-mme SOURCES.md)."""
    text = file.read_text(encoding="utf-8").strip()
    return json.JSONDecoder().raw_decode(text)[0] if text else {}


def every_object(value: Any) -> Iterator[dict]:  # noqa: ANN401
    """Every JSON object in a value, depth first: resources inside prefetch bundles, codings inside concepts."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from every_object(child)
    elif isinstance(value, list):
        for child in value:
            yield from every_object(child)


def resources_of(value: Any, resource_type: str) -> list[dict]:  # noqa: ANN401
    return [found for found in every_object(value) if found.get("resourceType") == resource_type]
