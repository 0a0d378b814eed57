"""The staff-words scanner: what a person reads on a page must be clinic language, free of file paths,
evidence tags, research section names, internal keys, doubled words and empty defaults.

Used by the demo crawl (tests/web/test_crawl_demo.py), which walks every page each staff role reaches once and
checks both that every link opens and that every page speaks the clinic's language.
"""

from __future__ import annotations

import re
from html import unescape

# What a person reads: the text between tags, without scripts, styles or attribute values.
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")

FORBIDDEN = {
    "file path": re.compile(r"\.ya?ml\b|\bpacks/|\bresearch/|\bsrc/|\.py\b"),
    "evidence tag": re.compile(r"\[(K|V|E|C)\]"),
    "research section": re.compile(r"\bresearch (notes?|section)\b|§\s*\d", re.I),
    # A snake_case word (two or more parts) shown as text is an internal key, never clinic language.
    "internal key": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "doubled word": re.compile(r"\b([A-Za-z]{3,})\s+\1\b", re.I),
    "empty default": re.compile(
        r"\bNo an?\b|(?<![\w.])([A-Za-z]\w*) → \1\b|: 0 of \d+\b(?! (?:done|positive))|\(\w+: target"
    ),
}


def text_runs(html: str) -> list[str]:
    """The text a person reads, one run per stretch between tags (a doubled word is within one run)."""
    runs = (re.sub(r"\s+", " ", unescape(run)).strip() for run in _TAG.split(_HIDDEN.sub(" ", html)))
    return [run for run in runs if run]


def findings(html: str, names: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """What a person would read that breaks the rules; `names` are usernames, which people chose."""
    found = []
    for run in text_runs(html):
        run = " ".join(word for word in run.split(" ") if word not in names)
        for name, pattern in FORBIDDEN.items():
            for match in pattern.finditer(run):
                found.append((name, run[max(0, match.start() - 40): match.end() + 40]))
    return found
