"""References inside a PAS Bundle: which resource each `reference` points at, and which point nowhere.

FHIR resolves a reference in a Bundle against the entries' fullUrls (FHIR R4 Bundle, "Resolving
references in Bundles"): an absolute URL or `urn:uuid:` must equal a fullUrl; a relative `Type/id`
matches the entry whose fullUrl ends in `Type/id` (RESTful fullUrls, as PAS uses); `#id` points at a
contained resource. A reference that matches nothing is dangling: the receiver cannot know what it
means, so the PAS request we send must have none, and an answer that has one is not trusted.

Pure: plain dicts in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    path: str  # where it sits: "ClaimResponse.requestor", "Claim.careTeam[0].provider"
    target: str  # the reference string as written


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The bundle's entries that carry a resource."""
    return [e for e in bundle.get("entry") or [] if isinstance(e, dict) and isinstance(e.get("resource"), dict)]


def keys_of(entry: dict[str, Any]) -> set[str]:
    """Every string a reference may use for this entry: its fullUrl and `Type/id`."""
    resource = entry["resource"]
    found = set()
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str) and full_url:
        found.add(full_url)
        parts = full_url.rstrip("/").split("/")
        if full_url.startswith(("http://", "https://")) and len(parts) >= 2 and parts[-2] == resource.get("resourceType"):
            found.add("/".join(parts[-2:]))
    if resource.get("resourceType") and resource.get("id"):
        found.add(f"{resource['resourceType']}/{resource['id']}")
    return found


def index(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """key (fullUrl or Type/id) -> resource, for every entry."""
    return {key: entry["resource"] for entry in entries(bundle) for key in keys_of(entry)}


def references(value: Any, path: str) -> Iterator[Reference]:  # noqa: ANN401
    """Every literal reference under `value` (a resource or part of one), with where it sits."""
    if isinstance(value, dict):
        target = value.get("reference")
        if isinstance(target, str) and target:
            yield Reference(path, target)
        for name, child in value.items():
            if name != "contained":  # contained resources are checked against their container below
                yield from references(child, f"{path}.{name}")
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from references(child, f"{path}[{n}]")


def normalized(target: str) -> str:
    """The reference without a version (`Patient/1/_history/2` -> `Patient/1`)."""
    head, marker, _version = target.partition("/_history/")
    return head if marker else target


def _key_for(target: str, known: set[str] | dict[str, Any]) -> str | None:
    """The key of `known` that `target` names: itself, or the Type/id tail of an absolute RESTful URL."""
    target = normalized(target)
    if target in known:
        return target
    parts = target.rstrip("/").split("/")
    if target.startswith(("http://", "https://")) and len(parts) >= 2 and "/".join(parts[-2:]) in known:
        return "/".join(parts[-2:])
    return None


def resolves(target: str, known: set[str] | dict[str, Any], contained: frozenset[str] | set[str] = frozenset()) -> bool:
    if target.startswith("#"):
        return target[1:] in contained
    return _key_for(target, known) is not None


def resolve(target: str, known: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The resource `target` points at among `known` (index()), or None."""
    key = _key_for(target, known)
    return known[key] if key is not None else None


def dangling(bundle: dict[str, Any], *, also_known: set[str] | None = None) -> list[Reference]:
    """References in any entry that resolve to no entry of `bundle` (nor to `also_known` keys)."""
    known = set(index(bundle)) | (also_known or set())
    found = []
    for n, entry in enumerate(entries(bundle)):
        resource = entry["resource"]
        contained = {c.get("id") for c in resource.get("contained") or [] if isinstance(c, dict) and c.get("id")}
        for ref in references(resource, f"entry[{n}].{resource.get('resourceType', 'resource')}"):
            if not resolves(ref.target, known, contained):
                found.append(ref)
    return found
