"""Resolving references between resources in one set of files.

Transaction bundles point at each other by the entry's fullUrl (`urn:uuid:...`); search results and Bulk
Data NDJSON use relative (`Patient/123`) or absolute (`https://ehr.example/fhir/Patient/123`) references.
Both resolve to the same key here. Contained (`#med1`) and conditional (`Patient?identifier=...`)
references are not in the index; callers handle `#` themselves.
"""

from __future__ import annotations

import re

# [base/]Type/id[/_history/vid]: FHIR ids are 1-64 of [A-Za-z0-9-.].
_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


def resource_key(resource_type: str, fhir_id: str | None, full_url: str | None) -> str | None:
    """How a resource is known in this set: `Type/id` when it has an id, else its fullUrl."""
    if fhir_id:
        return f"{resource_type}/{fhir_id}"
    return full_url


def split_reference(reference: str) -> tuple[str, str] | None:
    """(type, id) of a relative or absolute literal reference, or None."""
    found = _TYPE_ID.search(reference)
    return (found.group(1), found.group(2)) if found else None


class ReferenceIndex:
    """Maps fullUrls and Type/id pairs to resource keys."""

    def __init__(self) -> None:
        self._by_url: dict[str, str] = {}
        self._by_type_id: dict[tuple[str, str], str] = {}

    def add(self, key: str, resource_type: str, fhir_id: str | None, full_url: str | None) -> None:
        if full_url:
            self._by_url.setdefault(full_url, key)
            parts = split_reference(full_url)
            if parts and parts[0] == resource_type:
                self._by_type_id.setdefault(parts, key)
        if fhir_id:
            self._by_type_id.setdefault((resource_type, fhir_id), key)

    def resolve(self, reference: str | None) -> str | None:
        if not reference or reference.startswith("#"):
            return None
        key = self._by_url.get(reference)
        if key is not None:
            return key
        parts = split_reference(reference)
        return self._by_type_id.get(parts) if parts else None
