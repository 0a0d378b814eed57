"""Plain words for the criteria engine: dates, durations, percentages, lists. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from painpath.knowledge.schemas import Procedure

# CMS place-of-service codes a pain clinic meets (what a coordinator calls them).
PLACE_OF_SERVICE_WORDS = {
    "11": "an office",
    "19": "a hospital outpatient department",  # off-campus
    "22": "a hospital outpatient department",  # on-campus
    "24": "an ambulatory surgery center (ASC)",
}

CARE_WORDS = {
    "physical_therapy": "physical therapy",
    "home_exercise": "a home exercise program",
    "medication": "medication",
    "chiropractic": "chiropractic care",
    "activity_modification": "activity modification",
    "bracing": "bracing",
    "weight_loss": "weight loss",
    "injection": "injections",
    "behavioral_therapy": "behavioral therapy",
    "other": "other conservative care",
}

MODALITY_WORDS = {
    "mri": "MRI",
    "ct": "CT",
    "xray": "X-ray",
    "emg_ncs": "EMG/nerve conduction study",
    "ultrasound": "ultrasound",
    "mri_arthrogram": "MRI arthrogram",
    "other": "imaging study",
}

MEASURE_WORDS = {"pain_now": "pain now", "pain_average": "average pain", "pain_worst": "worst pain"}


def day(d: date) -> str:
    """3 Jan 2026: short, unambiguous, for explanations."""
    return f"{d.day} {d:%b %Y}"


def long_day(d: date) -> str:
    """Thursday 19 February 2026: for the summary a coordinator reads to a patient."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def elapsed(days: int) -> str:
    """How long, rounded down the way people say it: 10 days, 3 weeks, 4 months."""
    if days < 14:
        return plural(days, "day")
    if days < 91:
        weeks, rest = divmod(days, 7)
        return plural(weeks, "week") + (f" and {plural(rest, 'day')}" if rest else "")
    return plural(int(days // 30.44), "month")


def percent(value: float) -> str:
    return f"{value:g}%"


def number(value: float) -> str:
    return f"{value:g}"


def join(items: Iterable[str], last: str = "and") -> str:
    words = list(dict.fromkeys(w for w in items if w))  # in order, each once
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def kind_words(kind: str) -> str:
    """A document or finding slug as words: home_exercise_program -> home exercise program."""
    return kind.replace("_", " ")


def procedure_words(kind: str, catalogue: Mapping[str, Procedure]) -> str:
    """The catalogue's name in running text: 'lumbar medial branch block (diagnostic)'."""
    procedure = catalogue.get(kind)
    if procedure is None:
        return kind_words(kind)
    name = procedure.name
    # Keep acronyms ("MRI of the lumbar spine"); lower an ordinary capital ("Lumbar ...").
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def place_words(code: str) -> str:
    return PLACE_OF_SERVICE_WORDS.get(code, f"place of service {code}")


def sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text else text
