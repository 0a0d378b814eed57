"""Read the common shapes of prescription directions ("sig") into plain numbers for the MME engine: pure.

    parse_sig("1 tab PO q6h prn, max 4/day")  -> 1 unit, every 6 hours, as needed, at most 4 a day
    parse_sig("10 mg BID")                     -> a 10 mg dose, twice a day
    parse_sig("1 patch q72h")                  -> 1 patch, changed every 72 hours (a patch's MME ignores it)

It reads only what it is sure of and refuses the rest (MmeRefusal with field "sig" and the rule), so a
direction like "take as directed" is sent back to the prescriber instead of guessed. Ranges are read
at their top ("1-2 tabs q4-6h" counts 2 tablets every 4 hours), because MME is a safety ceiling, and
the Sig's notes say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from painpath.medications.opioids.mme import MmeRefusal, RxInput

_NUMBER = r"(\d+(?:\.\d+)?)"
_WORD_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "half": "0.5"}
_UNIT_WORDS = r"tabs?|tablets?|caps?|capsules?|patch(?:es)?|sprays?|films?|lozenges?|pills?|troches?"
_AMOUNT_UNITS = {"mg": "mg", "mcg": "mcg", "mcg/hr": "mcg/hr", "mcg/h": "mcg/hr", "mg/hr": "mg/hr"}
_NAMED_FREQUENCIES: list[tuple[str, float]] = [
    (r"\b(?:qid|four times (?:a |per )?day|four times daily)\b", 4),
    (r"\b(?:tid|three times (?:a |per )?day|three times daily)\b", 3),
    (r"\b(?:bid|twice (?:a |per )?day|twice daily)\b", 2),
    (r"\b(?:qd|daily|once (?:a |per )?day|once daily|every day|qam|qpm|qhs|at bedtime|nightly|every morning|every night)\b", 1),
]


@dataclass(frozen=True)
class Sig:
    dose_units: float | None = None  # tablets, patches, sprays per dose
    dose_amount: float | None = None  # "10 mg" written as the dose
    dose_amount_unit: str | None = None
    times_per_day: float | None = None
    interval_hours: float | None = None
    as_needed: bool = False
    prn_max_per_day: float | None = None
    form: str | None = None  # transdermal_patch, nasal, buccal, buccal_film when the words say so
    notes: tuple[str, ...] = ()

    def to_rx(self, drug: str | None = None, *, strength: float | None = None, strength_unit: str | None = None,
              rxnorm_code: str | None = None, form: str | None = None) -> RxInput:
        """The RxInput for this direction: the product's strength per unit, or the dose written in mg."""
        if self.dose_amount is not None and strength is None:
            strength, strength_unit, units = self.dose_amount, self.dose_amount_unit, 1.0
        else:
            units = self.dose_units if self.dose_units is not None else 1.0
        return RxInput(drug=drug, rxnorm_code=rxnorm_code, strength=strength, strength_unit=strength_unit or "mg",
                     dose_units=units, times_per_day=self.times_per_day, interval_hours=self.interval_hours,
                     prn_max_per_day=self.prn_max_per_day, form=form or self.form or "oral", as_needed=self.as_needed)


def parse_sig(text: str) -> Sig:
    raw = (text or "").strip()
    if not raw:
        raise MmeRefusal("sig", "required", "write the directions, e.g. '1 tab every 6 hours'")
    s = _normalise(raw)
    notes: list[str] = []
    units, amount, amount_unit = _dose(s, notes)
    form = _form(s)
    prn = bool(re.search(r"\b(?:prn|as needed|if needed|when needed)\b", s))
    maximum = _maximum(s)
    times, interval = _frequency(s, notes)
    if times is None and interval is None and maximum is None and form != "transdermal_patch":
        raise MmeRefusal("sig", "frequency_unparseable",
                         f"no frequency found in {raw!r}; write it as '2 times a day', 'BID' or 'every 6 hours'")
    if units is None and amount is None:
        raise MmeRefusal("sig", "dose_unparseable", f"no dose found in {raw!r}; start with the amount, e.g. '1 tab' or '10 mg'")
    return Sig(dose_units=units, dose_amount=amount, dose_amount_unit=amount_unit, times_per_day=times,
               interval_hours=interval, as_needed=prn or maximum is not None, prn_max_per_day=maximum, form=form,
               notes=tuple(notes))


def _normalise(text: str) -> str:
    s = text.lower().replace("\u00bd", "0.5")
    for word, digit in _WORD_NUMBERS.items():
        s = re.sub(rf"\b{word}\b", digit, s)
    s = re.sub(r"\b(\d+)\s*(?:to|–)\s*(\d+)\b", r"\1-\2", s)  # "1 to 2" -> "1-2"
    return re.sub(r"\s+", " ", s)


def _dose(s: str, notes: list[str]) -> tuple[float | None, float | None, str | None]:
    match = re.search(rf"(?:^|\b(?:take|apply|place|use|dissolve|give|inhale)\s+){_NUMBER}(?:\s*-\s*{_NUMBER})?\s*"
                      rf"({_UNIT_WORDS}|mcg/hr|mcg/h|mg/hr|mg|mcg)(?![a-z])", s)
    if match is None:
        return None, None, None
    low, high, unit = match.group(1), match.group(2), match.group(3)
    value = float(high or low)
    if high:
        notes.append(f"a range of {low}-{high} per dose: counted the top, {high}")
    if unit in _AMOUNT_UNITS:
        return None, value, _AMOUNT_UNITS[unit]
    return value, None, None


def _form(s: str) -> str | None:
    if re.search(r"\bpatch(?:es)?\b|\btransdermal\b", s):
        return "transdermal_patch"
    if re.search(r"\bnasal\b|\bnostril\b|\bintranasal\b", s):
        return "nasal"
    if re.search(r"\bfilms?\b|\boral spray\b", s):
        return "buccal_film"
    if re.search(r"\bbuccal\b|\bsublingual\b|\blozenges?\b|\btroches?\b|\bunder the tongue\b", s):
        return "buccal"
    return None


def _maximum(s: str) -> float | None:
    match = re.search(
        rf"\b(?:max(?:imum)?|at most|not to exceed|nte|no more than|up to)\s*(?:of\s*)?{_NUMBER}\s*"
        rf"(?:(?:{_UNIT_WORDS}|doses?)\s*)?(?:/|a|per|in|each|every)\s*(?:day|24 ?h(?:ours?|rs?)?|d)\b", s)
    return float(match.group(1)) if match else None


def _frequency(s: str, notes: list[str]) -> tuple[float | None, float | None]:
    """(times a day, hours between doses): one of them, or neither. Two different frequencies are refused."""
    rest = re.sub(r"\b(?:max(?:imum)?|at most|not to exceed|nte|no more than)\b.*$", "", s)
    found: list[tuple[float | None, float | None]] = []

    def take(pattern: str, read: object) -> None:
        # Each match is cut out of the text, so "3 times daily" is not read again as "daily".
        nonlocal rest
        for m in list(re.finditer(pattern, rest)):
            found.append(read(m))  # type: ignore[operator]
        rest = re.sub(pattern, " ", rest)

    def hours(m: re.Match[str]) -> tuple[None, float]:
        if m.group(2):
            notes.append(f"every {m.group(1)}-{m.group(2)} hours: counted the shortest interval, {m.group(1)} hours")
        return None, float(m.group(1))

    take(rf"\b(?:q|every)\s*{_NUMBER}(?:\s*-\s*{_NUMBER})?\s*(?:h|hr|hrs|hours?)\b", hours)
    take(rf"\b(?:q|every)\s*{_NUMBER}\s*(?:d|days?)\b", lambda m: (None, 24 * float(m.group(1))))
    take(r"\bevery other day\b|\bqod\b", lambda m: (None, 48.0))
    take(rf"\b{_NUMBER}\s*(?:x|times)\s*(?:a |per |each )?(?:day|daily)\b", lambda m: (float(m.group(1)), None))
    for pattern, times in _NAMED_FREQUENCIES:
        take(pattern, lambda m, times=times: (times, None))
    per_day = {round(t if t is not None else 24 / i, 6) for t, i in found}  # type: ignore[operator]
    if len(per_day) > 1:
        raise MmeRefusal("sig", "frequency_conflict", f"the directions give {len(per_day)} different frequencies; give one")
    return found[0] if found else (None, None)
