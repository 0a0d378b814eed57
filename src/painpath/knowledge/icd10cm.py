"""ICD-10-CM, as painpath asks of it: does a code exist, is it billable, what is it called, how is it written.

    is_code("M54.16")       # True (also "M5416")
    is_billable("M54.1")    # False: a category; its codes are billable
    description("M54.16")   # "Radiculopathy, lumbar region"
    dotted("M5416")         # "M54.16"

Read from data/icd10cm-index.tsv.gz (the release and its source: data/README.md), loaded on first use.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

INDEX = Path(__file__).parent / "data" / "icd10cm-index.tsv.gz"


@cache
def _index() -> dict[str, tuple[bool, str]]:
    """Code (dotted, as CMS writes it) -> (billable, description)."""
    entries = {}
    for line in gzip.decompress(INDEX.read_bytes()).decode("utf-8").split("\n"):
        code, leaf, text = line.split("\t", 2)
        entries[code] = (leaf == "1", text)
    return entries


def _entry(code: str) -> tuple[str, tuple[bool, str]] | None:
    """The code as CMS writes it and its entry; codes may come with or without their dot (M5416, M54.16)."""
    index = _index()
    if code in index:
        return code, index[code]
    if len(code) >= 4:
        with_dot = f"{code[:3]}.{code[3:]}"
        if with_dot in index:
            return with_dot, index[with_dot]
    return None


def is_code(code: str) -> bool:
    """A chapter, block, category or code of ICD-10-CM."""
    return _entry(code) is not None


def is_billable(code: str) -> bool:
    """A leaf of the classification: a code a claim may carry, not a category or subcategory header."""
    return _known(code)[1][0]


def description(code: str) -> str:
    return _known(code)[1][1]


def describe(code: str) -> str:
    """The description, or the plain answer a page shows for a code that is not in ICD-10-CM."""
    entry = _entry(code)
    return entry[1][1] if entry is not None else "Not an ICD-10-CM code"


def dotted(code: str) -> str:
    """The code as CMS writes it: M5416 -> M54.16."""
    return _known(code)[0]


def _known(code: str) -> tuple[str, tuple[bool, str]]:
    entry = _entry(code)
    if entry is None:
        raise ValueError(f"{code!r} is not an ICD-10-CM code")
    return entry
