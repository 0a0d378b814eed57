"""Daily morphine milligram equivalents (MME) per prescription and in total: pure, no I/O.

    lookup = knowledge.opioids.factor_set("cdc_2022_clinical")   # or None for the point-of-care default
    line = prescription_mme(RxInput(drug="oxycodone", strength=10, strength_unit="mg", times_per_day=4), lookup)
    line.daily_mme  # 60.0
    total_mme([line, ...]).complete

The rules (research/clinical.md 1.1):
- MME/day = daily opioid dose x factor. Oral forms count mg/day; a fentanyl patch counts its strength in
  mcg/hr (patches worn at once x strength), never multiplied by days of use; buccal, film and nasal
  fentanyl count mcg/day.
- Each line is rounded to 1 decimal (half up), the way the CDC MME calculator (S1) rounds each
  ingredient, and the total is the sum of the rounded lines.
- Only the opioid ingredient of a combination product counts (hydrocodone/APAP 5/325 is 5 mg hydrocodone).
- Buprenorphine is `excluded` with the reason, never counted as 0.
- An opioid without a factor is `unknown`, never 0, and makes the total incomplete.
- Input that cannot be right (a dose of 0, 30 tablets a dose, no frequency) raises MmeRefusal naming the
  field and the rule, so a form can show it next to the field. A medication list that must show every
  line whatever the data uses `prescription_mme_or_unknown`, which turns a refusal into an unknown line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from painpath.knowledge.schemas.opioids import SCOPE_UNIT, FactorLookup, OpioidEntry, OpioidFactor

Status = Literal["counted", "excluded", "unknown"]
FORMS = tuple(SCOPE_UNIT)  # oral, transdermal_patch, buccal, buccal_film, nasal

# Software sanity limits, not clinical ones: beyond these the input is a typo (mg for mcg, a tablet
# count in the strength field), so it is refused rather than turned into a frightening number.
MAX_DOSE_UNITS = 10  # tablets, patches or sprays taken at one time
MAX_TIMES_PER_DAY = 24  # at most hourly
MAX_INTERVAL_HOURS = 24 * 7  # once a week
MAX_DAILY_DOSE = {"mg": 5000.0, "mcg/hr": 1000.0, "mcg": 50000.0}  # per day (patches: mcg/hr worn at once)
MAX_DAILY_MME = 10000.0

# Mass and rate units we convert exactly into the scope's unit.
_TO_MCG = {"mg": Decimal(1000), "mcg": Decimal(1)}
_RATE_TO_MCG_HR = {"mg/hr": Decimal(1000), "mcg/hr": Decimal(1)}

# Partners of an opioid in combination products: never opioids, so they add nothing.
NON_OPIOID_PARTNERS = frozenset(
    {"acetaminophen", "apap", "paracetamol", "ibuprofen", "aspirin", "naloxone", "naltrexone", "caffeine",
     "butalbital", "promethazine", "guaifenesin", "chlorpheniramine", "homatropine", "pseudoephedrine",
     "carisoprodol", "celecoxib"}
)
# Words that name a salt or a release form, not a different drug ("oxycodone hydrochloride ER").
_NOISE_WORDS = frozenset(
    {"hydrochloride", "hcl", "sulfate", "sulphate", "bitartrate", "citrate", "phosphate", "tartrate",
     "er", "ir", "sr", "cr", "xr", "la", "ext", "extended", "immediate", "release", "oral", "tablet", "tab",
     "capsule", "cap", "solution", "patch", "transdermal", "buccal", "nasal", "spray", "film", "mg", "mcg", "hr"}
)


class MmeRefusal(ValueError):
    """Input the engine will not compute from: `field` names the RxInput field, `rule` the rule broken."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class RxInput:
    """One prescription as plain data.

    `strength` is the opioid ingredient's strength per unit (a tablet, a patch, a spray) in
    `strength_unit`; `dose_units` how many units are taken (or patches worn) at a time. Frequency is
    `times_per_day` or `interval_hours`. `prn_max_per_day` is the most units a day an as-needed
    prescription allows ("at most 4 a day"); giving it makes the line as-needed.
    """

    drug: str | None = None
    rxnorm_code: str | None = None
    strength: float | None = None
    strength_unit: str = "mg"
    dose_units: float = 1
    times_per_day: float | None = None
    interval_hours: float | None = None
    prn_max_per_day: float | None = None
    form: str = "oral"
    as_needed: bool = False


@dataclass(frozen=True)
class RxMme:
    status: Status
    reason: str  # the arithmetic, or why it is excluded/unknown, in plain words
    drug: str  # the opioid id found, or what was asked for when none was found
    daily_dose: float | None = None
    unit: str | None = None  # of daily_dose: mg (per day), mcg/hr (patch), mcg (per day)
    factor: float | None = None
    factor_set: str | None = None  # the set the factor came from (a fallback set says so)
    daily_mme: float | None = None
    analytic_only: bool = False  # the factor is from CDC's analytic file ("not clinical guidance")
    notes: tuple[str, ...] = ()  # assumptions made (PRN maximum) and cautions for this opioid
    refusal: MmeRefusal | None = None  # set when an unknown line comes from refused input


@dataclass(frozen=True)
class TotalMme:
    total: float  # sum of the counted lines; a lower bound when not complete
    complete: bool
    counted: list[RxMme] = field(default_factory=list)
    excluded: list[RxMme] = field(default_factory=list)
    unknown: list[RxMme] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.complete:
            return f"{self.total:.1f} MME/day"
        n = len(self.unknown)
        return f"at least {self.total:.1f} MME/day (incomplete: {n} opioid{'s' if n != 1 else ''} with no known factor)"


# --- Per prescription ---------------------------------------------------------------------------------


def prescription_mme(rx: RxInput, factors: FactorLookup) -> RxMme:
    """Daily MME of one prescription; raises MmeRefusal for input it cannot compute from."""
    form = _form(rx)
    opioid = _find_opioid(rx, factors)
    if opioid is None:
        asked = rx.drug or rx.rxnorm_code or ""
        return RxMme(
            status="unknown", drug=asked,
            reason=f"unknown drug {asked!r}: not an opioid in any loaded factor set, so its MME is unknown "
            "(never counted as 0); use the generic name or the RxNorm ingredient code",
            refusal=MmeRefusal("drug", "unknown_drug", f"{asked!r} is not in the opioid factor packs"),
        )
    daily_dose, unit, notes = _daily_dose(rx, form)
    excluded = _exclusion(opioid.id, factors)
    if excluded is not None:
        return RxMme(status="excluded", drug=opioid.id, reason=excluded, daily_dose=_num(daily_dose), unit=unit, notes=notes)
    found = _factor(opioid.id, form, factors)
    if found is None:
        return RxMme(
            status="unknown", drug=opioid.id, daily_dose=_num(daily_dose), unit=unit, notes=notes,
            reason=f"no {factors.name} factor for {opioid.name} ({_FORM_WORDS[form]}), nor in its fallback sets: "
            "MME unknown, never counted as 0",
        )
    factor_set, entry = found
    factor = Decimal(str(entry.factor_for(float(daily_dose))))
    mme = _round1(daily_dose * factor)
    if mme > MAX_DAILY_MME:
        raise MmeRefusal("strength", "impossible_dose", f"{mme:g} MME/day is beyond any real prescription; check the strength and unit")
    notes = notes + tuple(n for n in (entry.note,) if n)
    return RxMme(
        status="counted", drug=opioid.id, daily_dose=_num(daily_dose), unit=unit, factor=float(factor),
        factor_set=factor_set, daily_mme=float(mme), analytic_only=entry.analytic_only, notes=notes,
        reason=f"{_num(daily_dose):g} {_per_day(unit)} x {factor} ({factor_set}) = {mme} MME/day",
    )


def prescription_mme_or_unknown(rx: RxInput, factors: FactorLookup) -> RxMme:
    """As prescription_mme, but refused input becomes an `unknown` line (so the total says incomplete)."""
    try:
        return prescription_mme(rx, factors)
    except MmeRefusal as refusal:
        return RxMme(status="unknown", drug=rx.drug or rx.rxnorm_code or "", reason=f"not computed: {refusal}", refusal=refusal)


def total_mme(results: list[RxMme]) -> TotalMme:
    counted = [r for r in results if r.status == "counted"]
    total = sum((Decimal(str(r.daily_mme)) for r in counted), Decimal(0))
    unknown = [r for r in results if r.status == "unknown"]
    return TotalMme(
        total=float(_round1(total)), complete=not unknown, counted=counted,
        excluded=[r for r in results if r.status == "excluded"], unknown=unknown,
    )


# --- Finding the opioid ---------------------------------------------------------------------------------


def _find_opioid(rx: RxInput, factors: FactorLookup) -> OpioidEntry | None:
    by_code = _by_code(rx.rxnorm_code, factors) if rx.rxnorm_code else None
    by_name = _by_name(rx.drug, factors) if rx.drug and rx.drug.strip() else None
    if by_code is not None and by_name is not None and by_code.id != by_name.id:
        raise MmeRefusal("rxnorm_code", "drug_and_code_disagree",
                         f"RxNorm {rx.rxnorm_code} is {by_code.name}, but the drug is {rx.drug!r}")
    if not (rx.drug and rx.drug.strip()) and not rx.rxnorm_code:
        raise MmeRefusal("drug", "required", "name the drug or give its RxNorm ingredient code")
    return by_code or by_name


def _by_code(code: str, factors: FactorLookup) -> OpioidEntry | None:
    return next((o for o in factors.vocabulary if o.rxnorm == code.strip()), None)


def _by_name(text: str, factors: FactorLookup) -> OpioidEntry | None:
    """The one opioid a name (or a combination product's name) stands for.

    "hydrocodone/acetaminophen" -> hydrocodone; a partner we do not know might itself be an opioid, so
    it is refused rather than ignored, and so are two opioids on one line.
    """
    parts = [p for p in re.split(r"\s*(?:/|\+|-|,|\bwith\b|\band\b)\s*", text.lower()) if p.strip()]
    opioids: dict[str, OpioidEntry] = {}
    strangers: list[str] = []
    for part in parts:
        entry = _match_name(part, factors)
        if entry is not None:
            opioids[entry.id] = entry
        elif _clean(part) not in NON_OPIOID_PARTNERS and _clean(part):
            strangers.append(part.strip())
    if len(opioids) > 1:
        raise MmeRefusal("drug", "one_opioid_per_line", f"{text!r} names {', '.join(opioids)}: enter each opioid on its own line")
    if opioids and strangers and len(parts) > 1:
        raise MmeRefusal("drug", "unknown_ingredient",
                         f"{text!r}: {', '.join(strangers)} is not a known partner of an opioid; enter the opioid ingredient alone")
    return next(iter(opioids.values()), None)


def _clean(name: str) -> str:
    words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in _NOISE_WORDS]
    return " ".join(words)


def _match_name(name: str, factors: FactorLookup) -> OpioidEntry | None:
    wanted = {name.strip().lower(), _clean(name)}
    matches = {o.id: o for o in factors.vocabulary if wanted & set(o.names())}
    if len(matches) > 1:
        raise MmeRefusal("drug", "ambiguous_drug", f"{name!r} could be {', '.join(sorted(matches))}")
    return next(iter(matches.values()), None)


def _exclusion(opioid_id: str, factors: FactorLookup) -> str | None:
    for factor_set in factors.chain:
        entry = next((o for o in factor_set.opioids if o.id == opioid_id), None)
        if entry is not None and entry.excluded is not None:
            return f"excluded from MME ({factor_set.id}): {entry.excluded.reason}"
        if entry is not None:
            return None  # the first set that lists the opioid decides whether it is counted
    return None


def _factor(opioid_id: str, form: str, factors: FactorLookup) -> tuple[str, OpioidFactor] | None:
    for factor_set in factors.chain:
        entry = next((o for o in factor_set.opioids if o.id == opioid_id), None)
        found = entry.factor(form) if entry is not None else None
        if found is not None:
            return factor_set.id, found
    return None


# --- The daily dose -------------------------------------------------------------------------------------

_FORM_WORDS = {"oral": "oral, mg", "transdermal_patch": "transdermal patch, mcg/hr", "buccal": "buccal or sublingual, mcg",
               "buccal_film": "film or oral spray, mcg", "nasal": "nasal spray, mcg"}


def _form(rx: RxInput) -> str:
    if rx.form not in FORMS:
        raise MmeRefusal("form", "unknown_form", f"{rx.form!r} is not one of {', '.join(FORMS)}")
    return rx.form


def _daily_dose(rx: RxInput, form: str) -> tuple[Decimal, str, tuple[str, ...]]:
    """(daily dose in the form's unit, that unit, notes on what was assumed)."""
    unit = SCOPE_UNIT[form]
    strength = _strength_in(rx, unit)
    units = _positive("dose_units", rx.dose_units, "the number of tablets, patches or sprays at a time")
    if units > MAX_DOSE_UNITS:
        raise MmeRefusal("dose_units", "impossible_dose", f"{units:g} at a time is more than {MAX_DOSE_UNITS}; check the quantity")
    if form == "transdermal_patch":
        # The patch strength is already a rate: how often it is changed does not change the MME.
        dose = strength * units
        notes: tuple[str, ...] = ()
    else:
        per_day, notes = _units_per_day(rx, units)
        dose = strength * per_day
    if dose > Decimal(str(MAX_DAILY_DOSE[unit])):
        raise MmeRefusal("strength", "impossible_dose",
                         f"{_num(dose):g} {_per_day(unit)} is beyond any real prescription; check the strength, unit and quantity")
    return dose, unit, notes


def _strength_in(rx: RxInput, unit: str) -> Decimal:
    strength = _positive("strength", rx.strength, "the strength of one tablet, patch or spray")
    given = (rx.strength_unit or "").strip().lower().replace("mcg/h", "mcg/hr").replace("mg/h", "mg/hr").replace("hrr", "hr")
    given = given.replace("µg", "mcg").replace("ug", "mcg")
    if unit == "mcg/hr":
        if given not in _RATE_TO_MCG_HR:
            raise MmeRefusal("strength_unit", "patch_needs_rate", f"a patch's strength is a rate in mcg/hr, not {rx.strength_unit!r}")
        return strength * _RATE_TO_MCG_HR[given]
    if given not in _TO_MCG:
        raise MmeRefusal("strength_unit", "unknown_unit", f"{rx.strength_unit!r} is not mg or mcg (mcg/hr is for patches)")
    return strength * _TO_MCG[given] / _TO_MCG[unit]


def _units_per_day(rx: RxInput, units: Decimal) -> tuple[Decimal, tuple[str, ...]]:
    """Units taken per day. As-needed: the stated maximum, or the most the schedule allows (and say so)."""
    scheduled = _scheduled_times_per_day(rx)
    as_needed = rx.as_needed or rx.prn_max_per_day is not None
    if rx.prn_max_per_day is not None:
        maximum = _positive("prn_max_per_day", rx.prn_max_per_day, "the most a day")
        notes = [f"as needed: counted the stated maximum of {_num(maximum):g} a day"]
        if scheduled is not None and maximum > units * scheduled:
            notes.append(f"the stated maximum is more than the schedule allows ({_num(units * scheduled):g} a day); counted the maximum")
        if maximum > MAX_DOSE_UNITS * MAX_TIMES_PER_DAY:
            raise MmeRefusal("prn_max_per_day", "impossible_dose", f"{maximum:g} a day is beyond any real prescription")
        return maximum, tuple(notes)
    if scheduled is None:
        raise MmeRefusal("frequency", "frequency_required", "give how often: times a day, or every N hours")
    if as_needed:
        return units * scheduled, (
            f"as needed with no maximum a day: counted the most the schedule allows ({_num(units * scheduled):g} a day)",
        )
    return units * scheduled, ()


def _scheduled_times_per_day(rx: RxInput) -> Decimal | None:
    if rx.times_per_day is not None and rx.interval_hours is not None:
        from_interval = Decimal(24) / _positive("interval_hours", rx.interval_hours, "hours between doses")
        if abs(from_interval - _positive("times_per_day", rx.times_per_day, "times a day")) > Decimal("0.01"):
            raise MmeRefusal("frequency", "frequency_conflict",
                             f"{rx.times_per_day:g} times a day does not match every {rx.interval_hours:g} hours")
    if rx.times_per_day is not None:
        times = _positive("times_per_day", rx.times_per_day, "times a day")
        if times > MAX_TIMES_PER_DAY:
            raise MmeRefusal("times_per_day", "impossible_frequency", f"{times:g} times a day is more than hourly")
        return times
    if rx.interval_hours is not None:
        hours = _positive("interval_hours", rx.interval_hours, "hours between doses")
        if hours < 1 or hours > MAX_INTERVAL_HOURS:
            raise MmeRefusal("interval_hours", "impossible_frequency", f"every {hours:g} hours is outside 1 hour to 1 week")
        return Decimal(24) / hours
    return None


def _positive(field_name: str, value: float | None, what: str) -> Decimal:
    if value is None:
        raise MmeRefusal(field_name, "required", f"give {what}")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise MmeRefusal(field_name, "not_a_number", f"{value!r} is not a number")
    number = Decimal(str(value))
    if not number.is_finite() or number <= 0:
        raise MmeRefusal(field_name, "impossible_dose", f"{value!r} must be more than 0 ({what})")
    return number


def _round1(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _num(value: Decimal) -> float:
    # Enough digits to be exact for any real dose, without binary noise like 13.333333333333334.
    return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _per_day(unit: str | None) -> str:
    return "mcg/hr" if unit == "mcg/hr" else f"{unit}/day"
