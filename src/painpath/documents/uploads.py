"""Checks every uploaded file passes before it is stored: a clean display name, a stated size limit, a real PDF."""

from __future__ import annotations

import io
import logging
import unicodedata
from pathlib import PurePath

from pypdf import PdfReader

MAX_FILENAME_CHARS = 255


def clean_filename(name: str | None, *, fallback: str = "document") -> str:
    """A name safe to store and show: no folders, no control or direction-override characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    # Cc are control characters (NUL, newlines, escapes); Cf include right-to-left overrides that disguise
    # "evil\u202efdp.exe" as "evilexe.pdf". Both become spaces, then runs of spaces collapse.
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in base)
    return " ".join(kept.split())[:MAX_FILENAME_CHARS] or fallback


def size_limit_words(limit_bytes: int) -> str:
    """The exact limit, as a person reads it and as the bytes a program checks: "at most 20 MB (20,971,520 bytes)"."""
    megabytes = limit_bytes / (1024 * 1024)
    shown = f"{megabytes:g}" if megabytes >= 1 else f"{limit_bytes / 1024:g} KB"
    unit = " MB" if megabytes >= 1 else ""
    return f"at most {shown}{unit} ({limit_bytes:,} bytes)"


def is_readable_pdf(data: bytes) -> bool:
    """True when pypdf can open the file and count its pages; a "%PDF-" prefix alone proves nothing."""
    # pypdf warns through logging on damaged files; those warnings are noise for a refused upload.
    quiet = logging.getLogger("pypdf")
    previous = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return len(reader.pages) > 0
    except Exception:  # noqa: BLE001 - any failure to parse means "not a PDF we can file"
        return False
    finally:
        quiet.setLevel(previous)
