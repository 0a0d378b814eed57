"""Pack sources as public citations: what staff may read of where a number came from.

A pack's `source:` records provenance for the people who maintain the packs (project research notes,
section numbers, evidence grades). Staff see only the public part: titles, policy numbers and URLs. Rules
that put a source into a task's reason and the pages that show a source both call `citation`.
"""

from __future__ import annotations

import re

# A parenthesis that points into the project's research notes, e.g. "(research section 2, Frequency)".
_RESEARCH_ASIDE = re.compile(r"\s*\([^()]*\bresearch\b[^()]*\)", re.I)
# From a research-file reference to the end of its part: "research/clinical.md 2.1 licence column".
_RESEARCH_FILE = re.compile(r",?\s*\bresearch/\S+.*$", re.I)
# Evidence grades the pack maintainers use: "[V]", "[S]", "(S6)", "(public domain, R)".
_GRADE = re.compile(r"\s*\[[A-Z]\]|\s*\([A-Z]\d*\)")
# Internal references with no public meaning: one of our files ("generate.py", "journeys.md"), the project's
# research notes or issues, "Composite for journey J1", a bare note number ("6. item 6"). A file of a public
# repository (CDC's OpioidCDSCommon.cql) is a public citation and stays.
_INTERNAL_PART = re.compile(
    r"\.(py|md|ya?ml)\b|\bresearch (section|notes?)\b|^issue\b|^composite for journey\b|^\d+\.\s*item\b", re.I
)


def citation(source: str | None) -> str:
    """The public citation in a pack `source:` (empty when it names only internal notes)."""
    if not source:
        return ""
    kept = []
    for part in _RESEARCH_ASIDE.sub("", str(source)).split(";"):
        part = _GRADE.sub("", _RESEARCH_FILE.sub("", part)).strip(" ,")
        if part and not _INTERNAL_PART.search(part):
            kept.append(part)
    return "; ".join(kept)


def with_citation(text: str, source: str | None, form: str = " Source: {}.") -> str:
    """`text` followed by the public citation of `source` in `form`, or `text` alone when there is none. The
    default form is a sentence of its own, so whatever follows it (the reconciler's "Born late: ...") does
    not run into the citation."""
    cited = citation(source)
    if not cited:
        return text
    if form.endswith("."):
        cited = cited.rstrip(".")  # "... Rec 10." is not said twice
    return text + form.format(cited)
