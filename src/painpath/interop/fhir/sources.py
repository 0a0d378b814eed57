"""What was received: one file, a directory of Bulk Data NDJSON files, several files, or uploaded bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from painpath.interop.fhir.errors import FhirImportError

PathLike = str | os.PathLike[str]
# bytes (with a filename), a file, a directory (its files form one set), or several of these as one set.
SourceInput = bytes | bytearray | PathLike | Sequence["bytes | PathLike | Source"]


@dataclass(frozen=True)
class Source:
    """One file's name (for messages and provenance) and its bytes."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _from_path(path: Path) -> list[Source]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise FhirImportError("empty", f"The folder {path.name} has no files to import.", source=path.name)
        return [Source(p.name, p.read_bytes()) for p in files]
    if not path.exists():
        raise FhirImportError("missing_file", f"There is no file or folder at {path}.", source=str(path))
    return [Source(path.name, path.read_bytes())]


def load_sources(path_or_bytes: SourceInput | Source, filename: str | None = None) -> tuple[list[Source], str]:
    """The files to read as one import, and the name to show for them (`filename` if given)."""
    if isinstance(path_or_bytes, Source):
        return [path_or_bytes], filename or path_or_bytes.name
    if isinstance(path_or_bytes, bytes | bytearray):
        name = filename or "upload"
        return [Source(name, bytes(path_or_bytes))], name
    if isinstance(path_or_bytes, str | os.PathLike):
        path = Path(path_or_bytes)
        sources = _from_path(path)
        label = filename or (f"{path.name}/" if path.is_dir() else path.name)
        return sources, label
    sources: list[Source] = []
    for item in path_or_bytes:
        if isinstance(item, Source):
            sources.append(item)
        elif isinstance(item, bytes | bytearray):
            sources.append(Source(f"part {len(sources) + 1}", bytes(item)))
        else:
            sources.extend(_from_path(Path(item)))
    if not sources:
        raise FhirImportError("empty", "No files were given to import.")
    names = [s.name for s in sources]
    label = filename or (names[0] if len(names) == 1 else f"{len(names)} files: {', '.join(names)}")
    return sources, label[:255]


def sources_sha256(sources: Sequence[Source]) -> str:
    """sha256 of the content: the file's own digest for one file; for a set, a digest of the sorted
    per-file digests, so the same files re-sent in another order or under other names are recognised."""
    if len(sources) == 1:
        return sources[0].sha256
    return hashlib.sha256("\n".join(sorted(s.sha256 for s in sources)).encode()).hexdigest()
