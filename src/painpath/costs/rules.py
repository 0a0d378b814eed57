"""Cost estimate rules: pure functions, plain numbers, no I/O.

Money is in whole cents (int). The patient's share of an allowed amount, with the plan's benefits as recorded:
the deductible still to meet is paid first; then the plan's copay if it has one for this service (instead of
coinsurance), else the coinsurance percent of the rest; the total is capped by what remains of the
out-of-pocket maximum. A site with two bills (the doctor's and the facility's) counts them together: the
deductible and the out-of-pocket maximum are shared by both.
"""

from __future__ import annotations

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
