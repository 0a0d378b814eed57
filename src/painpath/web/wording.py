"""Words for staff: pack sources as public citations, internal keys as plain words.

Pack sources record where a number came from for the people who maintain the packs (project research
notes, section numbers, evidence grades). Staff see only the public part: titles, policy numbers and URLs.
"""

from __future__ import annotations

import re

# A parenthesis that points into the project's research notes, e.g. "(research section 2, Frequency)".
_RESEARCH_ASIDE = re.compile(r"\s*\([^()]*\bresearch\b[^()]*\)", re.I)
# From a research-file reference to the end of its part: "research/clinical.md 2.1 licence column".
_RESEARCH_FILE = re.compile(r",?\s*\bresearch/\S+.*$", re.I)
# Evidence grades the pack maintainers use: "[V]", "[S]", "(S6)", "(public domain, R)".
_GRADE = re.compile(r"\s*\[[A-Z]\]|\s*\([A-Z]\d*\)")
# Internal references with no public meaning: a source file ("generate.py", "journeys.md"), the project's
# research notes or issues, "Composite for journey J1", a bare note number ("6. item 6").
_INTERNAL_PART = re.compile(
    r"\.(py|php|cql|md|ya?ml)\b|\bresearch (section|notes?)\b|^issue\b|^composite for journey\b|^\d+\.\s*item\b", re.I
)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


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


def plain_words(value: object) -> str:
    """A stored value with its internal keys spelled as words ("not_measurable" -> "not measurable")."""
    return _SNAKE.sub(lambda m: m.group(0).replace("_", " "), str(value))


def measure_name(measure: str | None) -> str:
    """A goal's measure as staff name it: instrument ids are abbreviations (odi -> ODI), others words."""
    if not measure:
        return ""
    return measure.upper() if measure.isalnum() and len(measure) <= 6 else plain_words(measure)


# Where a timeline fact was recorded, as staff name the place (the slice names are code).
_RECORDED_IN = {
    "patients": "episode", "charting": "chart", "conservative_care": "conservative care", "imports": "records import",
    "intake": "intake", "medications": "medications", "orders": "orders", "procedures": "procedures",
    "therapy": "physical therapy", "worklist": "worklist",
}


def recorded_in(source: str) -> str:
    return _RECORDED_IN.get(source) or plain_words(source)



# What each permission lets a person do, for the refusal page ("Your role cannot open the clinical chart").
PERMISSION_WORDS = {
    "authenticated": "use this page", "patient:search": "search for patients", "patient:write": "register or change patients",
    "chart:read": "open the clinical chart", "chart:summary": "see patients' details",
    "authorization:read": "open prior-authorization cases", "episode:write": "change episodes", "visit:book": "book visits",
    "intake:work": "take intake calls", "triage:acknowledge": "acknowledge triage decisions",
    "records:request": "request or file outside records", "note:write": "write visit notes", "note:sign": "sign visit notes",
    "medication:write": "record medication trials", "worklist:read": "see the worklist", "worklist:work": "work on tasks",
    "worklist:assign": "reassign tasks", "knowledge:read": "read the clinic's rules", "instrument:administer": "record questionnaire answers",
    "authorization:work": "work prior-authorization cases", "plan:write": "make care-plan decisions", "user:admin": "manage users",
    "audit:read": "read the audit log",
}


def refusal(permission: str) -> str:
    return f"Your role cannot {PERMISSION_WORDS.get(permission, 'do this')}. Ask a colleague whose role can, or your administrator."


# What a framework refusal means for a person at a page (the API keeps the framework's own words).
HTTP_WORDS = {
    404: "There is no page at this address. Check the link, or start again from the start page.",
    405: "This page cannot do that; go back and use the page's own buttons.",
}
