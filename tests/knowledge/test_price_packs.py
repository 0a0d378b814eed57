"""The price packs (kinds `prices` and `negotiated_rates`, issue 19): the public Medicare figures of the research
with their year and source (none called verified), a site with no public figure absent, and a clinic's
negotiated rates from its own pack directory replacing the public numbers for that payer only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from painpath.costs import rules
from painpath.knowledge import PackError, load_knowledge

HEADER = "pack: {id: clinic.rates, kind: negotiated_rates, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"
RATE = ("negotiated_rates:\n  - id: bcbs_20610\n    cpt: \"20610\"\n    plain_name: Knee injection\n    payer: {payer}\n"
        "    office:\n      professional: {{amount: \"90.00\", year: 2026, source: \"Clinic contract 2026\", evidence: V, verified: true}}\n")


def test_public_prices_carry_year_source_and_are_unverified():
    knowledge = load_knowledge()
    public, _ = knowledge.price_entries("64483", None)
    assert public.office.professional.amount == Decimal("236.13") and public.office.professional.year == 2025
    assert public.asc.facility is None and public.hospital_outpatient.facility is None  # not found: absent
    for entry in knowledge.prices.values():
        for site in rules.SITES:
            amounts = entry.site(site)
            for value in (amounts.professional, amounts.facility) if amounts else ():
                if value is not None:
                    assert value.source and value.verified is False and value.evidence in ("S", "K")
    knee, _ = knowledge.price_entries("20610", None)
    assert (knee.hospital_outpatient.facility.amount, knee.asc.facility.amount) == (Decimal("313.60"), Decimal("38.94"))


def test_negotiated_rates_override_the_public_numbers_for_that_payer_only(tmp_path: Path):
    (tmp_path / "rates.yaml").write_text(HEADER + RATE.format(payer="bcbs_commercial"))
    knowledge = load_knowledge([tmp_path])
    public, negotiated = knowledge.price_entries("20610", "bcbs_commercial")
    fees = rules.fees_for_code(public, negotiated)
    assert fees["office"]["professional"].cents == 9000 and fees["office"]["professional"].source.startswith("negotiated rate")
    assert fees["hospital_outpatient"]["facility"].cents == 31360  # the public number stands where the contract is silent
    other = rules.fees_for_code(*knowledge.price_entries("20610", "aetna_commercial"))
    assert other["office"]["professional"].cents == 6881


def test_a_negotiated_rate_for_an_unknown_payer_is_refused(tmp_path: Path):
    (tmp_path / "rates.yaml").write_text(HEADER + RATE.format(payer="no_such_payer"))
    with pytest.raises(PackError, match="unknown payer id 'no_such_payer'"):
        load_knowledge([tmp_path])


def test_a_float_amount_and_an_office_facility_fee_are_refused(tmp_path: Path):
    (tmp_path / "rates.yaml").write_text(HEADER + RATE.format(payer="bcbs_commercial").replace('"90.00"', "90.00"))
    with pytest.raises(PackError, match="quoted string"):
        load_knowledge([tmp_path])
    bad = RATE.format(payer="bcbs_commercial") + "      facility: {amount: \"1.00\", year: 2026, source: x, evidence: V, verified: true}\n"
    (tmp_path / "rates.yaml").write_text(HEADER + bad)
    with pytest.raises(PackError, match="no separate facility fee"):
        load_knowledge([tmp_path])


def test_a_second_public_price_for_a_code_is_refused(tmp_path: Path):
    (tmp_path / "prices.yaml").write_text(
        "pack: {id: clinic.prices, kind: prices, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"
        "prices:\n  - id: my_20610\n    cpt: \"20610\"\n    plain_name: Knee injection\n"
        "    office: {professional: {amount: \"1.00\", year: 2026, source: x, evidence: S, verified: false}}\n")
    with pytest.raises(PackError, match="already priced"):
        load_knowledge([tmp_path])
