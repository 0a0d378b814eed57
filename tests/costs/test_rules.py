"""Cost estimate rules with plain numbers: deductible not met / partly met / met / out-of-pocket maximum
reached, at three sites, copay plans and Medicare's 20% coinsurance."""

from decimal import Decimal

import pytest

from painpath.costs import rules
from painpath.costs.rules import Benefits, Fee


def fee(kind: str, dollars: str, year: int = 2026) -> Fee:
    return Fee(kind=kind, cents=rules.cents(dollars), year=year, source="test")


THREE_SITES = {
    "office": {"professional": fee("professional", "200.00")},
    "asc": {"professional": fee("professional", "100.00"), "facility": fee("facility", "300.00")},
    "hospital_outpatient": {"professional": fee("professional", "100.00"), "facility": fee("facility", "900.00")},
}


def plan(*, deductible="1000", met="0", coins="20", copay=None, oop="5000", oop_met="0") -> Benefits:
    return Benefits(deductible=rules.cents(deductible), deductible_met=rules.cents(met),
                    coinsurance_percent=None if coins is None else Decimal(coins),
                    copay=None if copay is None else rules.cents(copay), oop_max=rules.cents(oop), oop_met=rules.cents(oop_met))


def shares(est: rules.Estimate) -> dict[str, int | None]:
    return {s.site: (s.share.total if s.share else None) for s in est.sites}


def test_deductible_not_met_patient_pays_all_up_to_the_deductible_then_coinsurance():
    est = rules.estimate(THREE_SITES, plan(deductible="1000", met="0"))
    # office 200 all deductible; asc 400 all deductible; hospital 1000 all deductible
    assert shares(est) == {"office": 20000, "asc": 40000, "hospital_outpatient": 100000}
    assert est.lower_cost_site == "office"
    assert [s.site for s in est.sites if s.lower_cost] == ["office"]
    assert est.missing == ()


def test_deductible_partly_met():
    est = rules.estimate(THREE_SITES, plan(deductible="1000", met="900"))
    # 100 deductible left: office 100 + 20% of 100 = 120; asc 100 + 20% of 300 = 160; hospital 100 + 20% of 900 = 280
    assert shares(est) == {"office": 12000, "asc": 16000, "hospital_outpatient": 28000}
    share = est.sites[0].share
    assert (share.deductible_part, share.coinsurance_part, share.capped) == (10000, 2000, False)


def test_deductible_met_coinsurance_only():
    est = rules.estimate(THREE_SITES, plan(met="1000"))
    assert shares(est) == {"office": 4000, "asc": 8000, "hospital_outpatient": 20000}


def test_out_of_pocket_maximum_reached_patient_pays_nothing():
    est = rules.estimate(THREE_SITES, plan(met="1000", oop="3000", oop_met="3000"))
    assert shares(est) == {"office": 0, "asc": 0, "hospital_outpatient": 0}
    assert all(s.share.capped for s in est.sites)
    # every share is 0: the tie goes to the lowest allowed amount
    assert est.lower_cost_site == "office"


def test_out_of_pocket_maximum_nearly_reached_caps_the_share():
    est = rules.estimate(THREE_SITES, plan(met="0", oop="3000", oop_met="2750"))
    assert shares(est) == {"office": 20000, "asc": 25000, "hospital_outpatient": 25000}
    assert [s.share.capped for s in est.sites] == [False, True, True]


def test_copay_plan_pays_the_copay_after_the_deductible_instead_of_coinsurance():
    est = rules.estimate(THREE_SITES, plan(met="1000", coins=None, copay="75"))
    assert shares(est) == {"office": 7500, "asc": 7500, "hospital_outpatient": 7500}
    assert est.lower_cost_site == "office"  # same share: the lower allowed amount wins
    partly = rules.estimate(THREE_SITES, plan(met="950", coins=None, copay="75"))
    assert shares(partly) == {"office": 12500, "asc": 12500, "hospital_outpatient": 12500}
    small = rules.patient_share(3000, plan(met="1000", coins=None, copay="75"))
    assert small.total == 3000  # a copay never exceeds the allowed amount


def test_medicare_worked_example_64483_office_deductible_met():
    # research/wave2.md 9.6: 64483 in the office, 2025, deductible met: 0.20 x $236.13 = $47.23
    medicare = plan(deductible="257", met="257", coins="20", oop="999999", oop_met="0")
    assert rules.patient_share(rules.cents("236.13"), medicare).total == 4723


def test_medicare_deductible_not_met_at_three_sites():
    medicare = plan(deductible="283", met="0", coins="20", oop="999999", oop_met="0")
    est = rules.estimate(THREE_SITES, medicare)
    # office: 200 deductible; asc: 283 + 20% of 117 = 306.40; hospital: 283 + 20% of 717 = 426.40
    assert shares(est) == {"office": 20000, "asc": 30640, "hospital_outpatient": 42640}


def test_a_site_missing_a_fee_is_not_estimated_and_says_which():
    fees = {"office": THREE_SITES["office"], "asc": {"professional": fee("professional", "100")}}
    est = rules.estimate(fees, plan(met="1000"))
    asc = est.sites[1]
    assert asc.share is None and asc.missing_fees == ("facility",)
    assert est.lower_cost_site is None  # one estimated site: nothing to compare
    assert [s.site for s in est.sites] == ["office", "asc"]  # a site with no price at all is absent


def test_missing_benefits_are_named():
    empty = Benefits(None, None, None, None, None, None)
    est = rules.estimate(THREE_SITES, empty)
    assert all(s.share is None for s in est.sites)
    assert est.missing == ("record the deductible and the amount met to estimate",
                           "record the coinsurance percent (or the copay) to estimate")
    with pytest.raises(ValueError):
        rules.patient_share(100, empty)
    assert rules.estimate({}, None).missing[-1] == "no price is on file for this procedure at any site"


def test_merge_fees_sums_codes_and_keeps_the_latest_year():
    a = {"office": {"professional": fee("professional", "10.00", 2025)}}
    b = {"office": {"professional": fee("professional", "5.50", 2026)}, "asc": {"facility": fee("facility", "3")}}
    merged = rules.merge_fees([a, b])
    assert merged["office"]["professional"].cents == 1550 and merged["office"]["professional"].year == 2026
    assert "asc" not in merged


def test_no_out_of_pocket_maximum_means_no_cap_original_medicare():
    medicare = Benefits(deductible=28300, deductible_met=28300, coinsurance_percent=Decimal(20), copay=None, oop_max=None, oop_met=None)
    assert rules.patient_share(10_000_000, medicare).total == 2_000_000 and not rules.patient_share(10_000_000, medicare).capped
    half = Benefits(28300, 0, Decimal(20), None, 500000, None)
    assert rules.missing_benefits(half) == ["record the out-of-pocket amount met to estimate"]


def test_dollars():
    assert rules.dollars(123456) == "$1,234.56" and rules.dollars(5) == "$0.05" and rules.dollars(None) == ""
