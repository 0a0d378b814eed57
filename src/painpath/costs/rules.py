"""Cost estimate rules: pure functions, plain numbers, no I/O.

Money is in whole cents (int). The patient's share of an allowed amount, with the plan's benefits as recorded:
the deductible still to meet is paid first; then the plan's copay if it has one for this service (instead of
coinsurance), else the coinsurance percent of the rest; the total is capped by what remains of the
out-of-pocket maximum. A site with two bills (the doctor's and the facility's) counts them together: the
deductible and the out-of-pocket maximum are shared by both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SITES = ("office", "asc", "hospital_outpatient")
SITE_WORDS = {"office": "In the clinic's office", "asc": "At an ambulatory surgery centre",
              "hospital_outpatient": "At a hospital outpatient department"}
FEE_WORDS = {"professional": "the doctor's fee", "facility": "the facility's fee"}
# Which fees make up the bill at each site: the office bills one fee; a centre or hospital bills two.
SITE_FEES = {"office": ("professional",), "asc": ("professional", "facility"), "hospital_outpatient": ("professional", "facility")}


@dataclass(frozen=True)
class Benefits:
    """The plan's benefits as facts (cents; percent as a number 0-100). None: not recorded."""

    deductible: int | None
    deductible_met: int | None
    coinsurance_percent: Decimal | None
    copay: int | None  # per visit or procedure, if the plan uses one for this service
    oop_max: int | None  # None: the plan has no out-of-pocket maximum (original Medicare)
    oop_met: int | None


@dataclass(frozen=True)
class Fee:
    kind: str  # professional | facility
    cents: int
    year: int
    source: str


@dataclass(frozen=True)
class Share:
    allowed: int
    deductible_part: int
    copay_part: int
    coinsurance_part: int
    total: int
    capped: bool  # the out-of-pocket maximum limited it


@dataclass(frozen=True)
class SiteEstimate:
    site: str
    fees: tuple[Fee, ...]
    missing_fees: tuple[str, ...]  # fee kinds the price list lacks: the site is not estimated
    share: Share | None
    lower_cost: bool = False


@dataclass(frozen=True)
class Alternative:
    name: str
    procedure_id: str | None
    lowest_share: int | None  # the patient's share at its lowest-cost site, when its prices are known
    lowest_site: str | None


@dataclass(frozen=True)
class Estimate:
    sites: tuple[SiteEstimate, ...]
    missing: tuple[str, ...]  # what to record before the estimate can be given, in plain words
    lower_cost_site: str | None
    alternatives: tuple[Alternative, ...] = field(default_factory=tuple)


def cents(amount: Decimal | str | int) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dollars(value: int | None) -> str:
    """$1,234.56 for a patient; '' for None."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}${whole:,}.{part:02d}"


def missing_benefits(b: Benefits) -> list[str]:
    """What must be recorded before a share can be computed, in the words staff see."""
    found = []
    if b.deductible is None or b.deductible_met is None:
        found.append("record the deductible and the amount met to estimate")
    if b.copay is None and b.coinsurance_percent is None:
        found.append("record the coinsurance percent (or the copay) to estimate")
    if b.oop_max is not None and b.oop_met is None:
        found.append("record the out-of-pocket amount met to estimate")
    return found


def patient_share(allowed: int, b: Benefits) -> Share:
    """The patient's share of an allowed amount (cents) under the benefits; every benefit must be recorded."""
    if missing_benefits(b):
        raise ValueError("benefits incomplete: " + "; ".join(missing_benefits(b)))
    assert b.deductible is not None and b.deductible_met is not None
    deductible_left = max(b.deductible - b.deductible_met, 0)
    deductible_part = min(allowed, deductible_left)
    rest = allowed - deductible_part
    copay_part = coinsurance_part = 0
    if b.copay is not None:
        copay_part = min(b.copay, rest)
    else:
        assert b.coinsurance_percent is not None
        coinsurance_part = int((Decimal(rest) * b.coinsurance_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    uncapped = deductible_part + copay_part + coinsurance_part
    # No out-of-pocket maximum recorded means the plan has none (original Medicare Part B).
    total = uncapped if b.oop_max is None else min(uncapped, max(b.oop_max - (b.oop_met or 0), 0))
    return Share(allowed=allowed, deductible_part=deductible_part, copay_part=copay_part, coinsurance_part=coinsurance_part,
                 total=total, capped=total < uncapped)


def site_estimate(site: str, fees: Mapping[str, Fee], b: Benefits | None) -> SiteEstimate:
    """One site: its fees (summed over the codes), the fees the price list lacks, and the patient's share."""
    needed = SITE_FEES[site]
    missing = tuple(kind for kind in needed if kind not in fees)
    got = tuple(fees[kind] for kind in needed if kind in fees)
    share = None
    if not missing and got and b is not None and not missing_benefits(b):
        share = patient_share(sum(f.cents for f in got), b)
    return SiteEstimate(site=site, fees=got, missing_fees=missing, share=share)


def estimate(site_fees: Mapping[str, Mapping[str, Fee]], b: Benefits | None, *,
             alternatives: Sequence[Alternative] = ()) -> Estimate:
    """Each site's estimate (sites with no price at all are left out), the lower-cost site among those
    estimated (lowest share, then lowest allowed amount), and what is missing."""
    sites = [site_estimate(site, site_fees[site], b) for site in SITES if site_fees.get(site)]
    missing = list(missing_benefits(b)) if b is not None else ["record the patient's benefits (deductible, coinsurance or copay, out-of-pocket maximum) to estimate"]
    if not sites:
        missing.append("no price is on file for this procedure at any site")
    priced = [s for s in sites if s.share is not None]
    lower = None
    if len(priced) >= 2:
        best = min(priced, key=lambda s: (s.share.total, s.share.allowed, SITES.index(s.site)))  # type: ignore[union-attr]
        lower = best.site
        sites = [SiteEstimate(s.site, s.fees, s.missing_fees, s.share, lower_cost=s.site == lower) for s in sites]
    return Estimate(sites=tuple(sites), missing=tuple(missing), lower_cost_site=lower, alternatives=tuple(alternatives))


def lowest(est: Estimate) -> tuple[str | None, int | None]:
    """The site with the lowest patient share and that share, among estimated sites."""
    priced = [s for s in est.sites if s.share is not None]
    if not priced:
        return None, None
    best = min(priced, key=lambda s: (s.share.total, s.share.allowed, SITES.index(s.site)))  # type: ignore[union-attr]
    return best.site, best.share.total  # type: ignore[union-attr]


def merge_fees(per_code: Iterable[Mapping[str, Mapping[str, Fee]]]) -> dict[str, dict[str, Fee]]:
    """Sum several codes' fees site by site and kind by kind (a fee absent for any code stays absent at that site)."""
    codes = list(per_code)
    merged: dict[str, dict[str, Fee]] = {}
    for site in SITES:
        kinds = set.intersection(*(set(c.get(site, {})) for c in codes)) if codes else set()
        if not kinds:
            continue
        merged[site] = {}
        for kind in sorted(kinds):
            parts = [c[site][kind] for c in codes]
            merged[site][kind] = Fee(kind=kind, cents=sum(p.cents for p in parts), year=max(p.year for p in parts),
                                     source="; ".join(dict.fromkeys(p.source for p in parts)))
    return merged


def fees_for_code(public, negotiated) -> dict[str, dict[str, Fee]]:  # noqa: ANN001 - PriceEntry | None each
    """A code's fees per site: the public price list's numbers, each replaced by the payer's negotiated
    rate where the clinic's pack gives one (number by number: a negotiated office fee leaves the public
    hospital fees standing)."""
    found: dict[str, dict[str, Fee]] = {}
    for site in SITES:
        for kind in SITE_FEES[site]:
            for entry, label in ((negotiated, "negotiated rate"), (public, None)):
                amounts = entry.site(site) if entry is not None else None
                value = getattr(amounts, kind, None) if amounts is not None else None
                if value is not None:
                    source = f"{label}: {value.source}" if label else value.source
                    found.setdefault(site, {})[kind] = Fee(kind=kind, cents=cents(value.amount), year=value.year, source=source)
                    break
    return found


# ---- cheaper alternatives: community physical therapy, generic drugs ------------------------------------

@dataclass(frozen=True)
class CourseCost:
    """A course of therapy visits at one kind of site: what each visit and the course are allowed, and the
    patient's share of the course (None when the benefits are incomplete)."""

    per_visit: int
    visits: int
    allowed: int
    share: int | None


@dataclass(frozen=True)
class TherapyAlternative:
    visits: int
    visits_from: str  # "from the therapy order" | "from the PT protocol" | "the usual course"
    community: CourseCost
    hospital: CourseCost | None  # None: a code of the visit has no hospital price (hospital_missing names it)
    hospital_missing: tuple[str, ...]
    medicare_rates: bool  # True: the hospital is paid the same fee schedule (original Medicare)
    years: tuple[int, ...]
    sources: tuple[str, ...]
    verified: bool  # every number used is confirmed

    @property
    def saving(self) -> int | None:
        """What the patient saves at a community clinic, when both shares are known."""
        if self.hospital is None or self.hospital.share is None or self.community.share is None:
            return None
        return self.hospital.share - self.community.share


@dataclass(frozen=True)
class GenericAlternative:
    brand: str
    generic: str
    strength: str
    usual_dose: str
    generic_month: int  # cents for 30 days at the usual dose
    brand_month: int
    years: tuple[int, ...]
    sources: tuple[str, ...]
    verified: bool
    named_in: str  # where the chart names it: "medication trial" | "care plan"


def course_share(per_visit: int, visits: int, b: Benefits | None) -> int | None:
    """The patient's share of `visits` visits each allowed `per_visit` cents, visit by visit: the deductible met
    and the out-of-pocket spent so far carry from one visit to the next; a copay is owed per visit."""
    if b is None or missing_benefits(b):
        return None
    total = 0
    current = b
    for _ in range(visits):
        share = patient_share(per_visit, current)
        total += share.total
        current = Benefits(deductible=current.deductible, deductible_met=(current.deductible_met or 0) + share.deductible_part,
                           coinsurance_percent=current.coinsurance_percent, copay=current.copay, oop_max=current.oop_max,
                           oop_met=None if current.oop_max is None else (current.oop_met or 0) + share.total)
    return total


def _plus_percent(amount: int, percent: Decimal) -> int:
    return int((Decimal(amount) * (100 + percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def therapy_alternative(prices, visit_codes, *, visits: int, visits_from: str, medicare_rates: bool,  # noqa: ANN001
                        b: Benefits | None) -> TherapyAlternative | None:
    """A course of `visits` typical treatment visits at a community clinic and at a hospital department.

    `prices` maps CPT -> the therapy price entry (community amount, the hospital's Medicare amount, the measured
    private-plan hospital markup); `visit_codes` is [(cpt, units)]. Under original Medicare the hospital is paid
    from the same fee schedule; under another plan the hospital price is the community price plus the markup
    measured for that code, and a code with none leaves the hospital unpriced (never guessed)."""
    community = hospital = 0
    missing: list[str] = []
    years: set[int] = set()
    sources: list[str] = []
    verified = True
    for cpt, units in visit_codes:
        entry = prices.get(cpt)
        if entry is None:
            return None
        community += cents(entry.community.amount) * units
        years.add(entry.community.year)
        sources.append(f"{cpt}: {entry.community.source}")
        verified = verified and entry.community.verified
        if medicare_rates and entry.hospital_outpatient is not None:
            hospital += cents(entry.hospital_outpatient.amount) * units
            verified = verified and entry.hospital_outpatient.verified
        elif not medicare_rates and entry.hospital_private_plan_markup is not None:
            markup = entry.hospital_private_plan_markup
            hospital += _plus_percent(cents(entry.community.amount), markup.value) * units
            years.add(markup.year)
            sources.append(f"{cpt} at a hospital: {markup.source}")
            verified = verified and markup.verified
        else:
            missing.append(cpt)
    course = CourseCost(community, visits, community * visits, course_share(community, visits, b))
    at_hospital = None if missing else CourseCost(hospital, visits, hospital * visits, course_share(hospital, visits, b))
    return TherapyAlternative(visits=visits, visits_from=visits_from, community=course, hospital=at_hospital,
                              hospital_missing=tuple(missing), medicare_rates=medicare_rates, years=tuple(sorted(years)),
                              sources=tuple(dict.fromkeys(sources)), verified=verified)


def month_cost(unit_price: Decimal, units_per_day: Decimal, days: int = 30) -> int:
    """Cents for `days` days at `units_per_day` units of `unit_price` dollars each."""
    return int((unit_price * units_per_day * days * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def generic_alternatives(named: Sequence[tuple[str, str]], drug_prices) -> list[GenericAlternative]:  # noqa: ANN001
    """For each (name as charted, where) that names a priced drug by brand, generic or another name, the generic's
    month at the usual dose against the brand's; one line per drug, the first naming kept."""
    found: dict[str, GenericAlternative] = {}
    for name, where in named:
        text = name.lower()
        words = set(re.findall(r"[a-z0-9_]+", text))
        for entry in drug_prices.values():
            if entry.id in found:
                continue
            if any(n == text or n in words or (" " in n and n in text) for n in entry.names()):
                g, br = entry.generic_unit_price, entry.brand_unit_price
                found[entry.id] = GenericAlternative(
                    brand=entry.brand_name, generic=entry.generic_name, strength=entry.strength, usual_dose=entry.usual_dose,
                    generic_month=month_cost(g.amount, entry.units_per_day), brand_month=month_cost(br.amount, entry.units_per_day),
                    years=tuple(sorted({g.year, br.year})), sources=tuple(dict.fromkeys((g.source, br.source))),
                    verified=g.verified and br.verified, named_in=where)
    return list(found.values())
