"""The cheaper alternatives beside an estimate (issue 19): a course of physical therapy at a community clinic
against a hospital department, and a generic's month against the brand's. The expected amounts are worked by
hand from the packs' figures (therapy_prices.yaml, drug_prices.yaml) and the benefits, in the comments."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from painpath.costs import rules
from painpath.costs.models import CostEstimate
from painpath.knowledge import PackError, load_knowledge
from support import page_form_post

from .test_cost_pages import BENEFITS, clock, episode  # noqa: F401 - fixtures

KNOWLEDGE = load_knowledge()
PRICES = {p.cpt: p for p in KNOWLEDGE.therapy_prices.therapy_prices}
VISIT = [(c.cpt, c.units) for c in KNOWLEDGE.therapy_prices.typical_visit.codes]
# A commercial plan: $1,500 deductible with $900 met (so $600 left), 20% coinsurance, $5,000 out-of-pocket maximum.
COMMERCIAL = rules.Benefits(deductible=150000, deductible_met=90000, coinsurance_percent=Decimal(20), copay=None,
                            oop_max=500000, oop_met=120000)
MEDICARE = rules.Benefits(deductible=28300, deductible_met=28300, coinsurance_percent=Decimal(20), copay=None, oop_max=None, oop_met=None)


def test_a_typical_visit_is_two_units_of_exercise_and_one_of_manual_therapy():
    assert sorted(VISIT) == [("97110", 2), ("97140", 1)]


def test_a_private_plan_pays_a_hospital_more_and_the_community_course_costs_the_patient_less():
    course = rules.therapy_alternative(PRICES, VISIT, visits=12, visits_from="from the therapy order", medicare_rates=False, b=COMMERCIAL)
    # community visit: 2 x $28.79 + $27.17 = $84.75; twelve visits $1,017.00
    assert (course.community.per_visit, course.community.allowed) == (8475, 101700)
    # the patient: the $600 deductible left, then 20% of the other $417.00 ($83.40): $683.40
    assert course.community.share == 68340
    # hospital: $28.79 x 1.41 = $40.59 (x2 = $81.18), $27.17 x 1.64 = $44.56: $125.74 a visit, $1,508.88 the course
    assert (course.hospital.per_visit, course.hospital.allowed) == (12574, 150888)
    # four visits ($502.96) and $97.04 of the fifth meet the deductible; the fifth's other $28.70 at 20% is $5.74;
    # visits six to twelve 20% of $125.74 = $25.148, $25.15 each ($176.05): $502.96 + $102.78 + $176.05 = $781.79
    assert course.hospital.share == 78179
    assert course.saving == 78179 - 68340
    assert not course.verified and 2011 in course.years


def test_under_original_medicare_both_sites_cost_the_same():
    course = rules.therapy_alternative(PRICES, VISIT, visits=12, visits_from="", medicare_rates=True, b=MEDICARE)
    # deductible met: 20% of $84.75 = $16.95 a visit at either site, $203.40 for twelve
    assert course.community.share == course.hospital.share == 20340
    assert course.saving == 0


def test_a_code_without_a_measured_hospital_markup_leaves_the_hospital_unpriced():
    course = rules.therapy_alternative(PRICES, [("97530", 1)], visits=6, visits_from="", medicare_rates=False, b=COMMERCIAL)
    assert course.hospital is None and course.hospital_missing == ("97530",) and course.saving is None
    assert course.community.allowed == 6 * 3620


def test_the_copay_is_owed_per_visit_and_the_out_of_pocket_maximum_caps_the_course():
    copay = rules.Benefits(deductible=0, deductible_met=0, coinsurance_percent=None, copay=4000, oop_max=500000, oop_met=490000)
    # $40 a visit until the $100 left of the out-of-pocket maximum is reached: $40 + $40 + $20, then nothing
    assert rules.course_share(8475, 12, copay) == 10000
    assert rules.course_share(8475, 12, None) is None


def test_a_brand_named_in_a_trial_or_the_plan_finds_its_generic():
    found = rules.generic_alternatives([("Lyrica 150 mg", "medication trial"), ("Try duloxetine, then pregabalin.", "care plan")],
                                       KNOWLEDGE.drug_prices)
    by_generic = {g.generic: g for g in found}
    # pregabalin 150 mg twice a day for 30 days: 60 capsules at $0.08 = $4.80; Lyrica at $13.50 = $810.00
    assert (by_generic["pregabalin"].generic_month, by_generic["pregabalin"].brand_month) == (480, 81000)
    assert by_generic["pregabalin"].named_in == "medication trial"  # the first naming is kept
    # duloxetine 60 mg once a day: 30 x $0.10 = $3.00; Cymbalta 30 x $10.50 = $315.00
    assert (by_generic["duloxetine"].generic_month, by_generic["duloxetine"].brand_month) == (300, 31500)
    assert rules.generic_alternatives([("gabapentin", "medication trial")], KNOWLEDGE.drug_prices) == []


def test_a_generic_priced_above_its_brand_is_refused_at_load(tmp_path):
    (tmp_path / "drugs.yaml").write_text(
        "pack: {id: clinic.drugs, kind: drug_prices, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"
        "drug_prices:\n  - id: meloxicam\n    generic_name: meloxicam\n    brand_name: Mobic\n    strength: 15 mg tablet\n"
        "    units_per_day: \"1\"\n    usual_dose: 15 mg once a day\n"
        "    generic_unit_price: {amount: \"5.00\", year: 2025, source: x, evidence: K, verified: false}\n"
        "    brand_unit_price: {amount: \"1.00\", year: 2025, source: x, evidence: K, verified: false}\n")
    try:
        load_knowledge([tmp_path])
    except PackError as exc:
        assert "meloxicam" in str(exc) and "generic" in str(exc)
    else:
        raise AssertionError("a generic dearer than its brand loaded")


def test_the_page_and_the_pdf_show_community_pt_and_the_generic(client_for, staff, episode, db):  # noqa: F811
    clinician = client_for("clinician")
    made = clinician.post(f"/api/episodes/{episode}/pt-courses", json={
        "protocol_id": "patellofemoral_hip_foot", "therapist_id": staff["therapist"].id, "practice_name": "Riverside Hospital Rehab",
        "start_date": "2026-12-08", "frequency_per_week": 2, "duration_weeks": 6})
    assert made.status_code == 201, made.text
    trial = clinician.post(f"/api/episodes/{episode}/medication-trials", json={
        "drug_name": "Lyrica", "dose_mg": 75, "times_per_day": 2, "start_date": "2026-11-01", "stop_date": "2026-11-30"})
    assert trial.status_code == 201, trial.text
    billing = client_for("billing")
    assert page_form_post(billing, f"/costs/episodes/{episode}/benefits", BENEFITS).status_code == 303
    page = billing.get(f"/costs/episodes/{episode}?procedure=knee_steroid_injection").text
    assert "Physical therapy at a community clinic" in page and "12 visits (from the therapy order)" in page
    # Medicare, deductible met: 20% of $84.75 x 12 = $203.40 at either site
    assert page.count("$203.40") == 2 and "the same fee schedule" in page
    assert "A generic version usually costs less." in page and "$4.80" in page and "$810.00" in page
    assert "your plan&#39;s drug list decides what you pay" in page or "your plan's drug list decides what you pay" in page
    assert "verified: false" not in page and ".yaml" not in page
    assert page_form_post(billing, f"/costs/episodes/{episode}/estimates", {"procedure": "knee_steroid_injection"}).status_code == 303
    with db.session() as session:
        row = session.scalar(select(CostEstimate))
        assert row.results["therapy"]["community"]["share_cents"] == 20340 and row.results["generics"][0]["generic"] == "pregabalin"
    pdf = billing.get(f"/cost-estimates/{row.id}/pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ways to pay less" in text and "Your doctor ordered physical therapy: about 12 visits" in text
    assert "community physical therapy clinic" in text and "about $203.40 for you for all the visits" in text
    assert "costs you the same at a hospital department" in text
    assert "Lyrica (pregabalin 150 mg capsule" in text and "a generic version usually costs less" in text
    assert "about $4.80 a month instead of about $810.00" in text and "your plan's drug list decides what you pay" in text
