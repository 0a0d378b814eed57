"""MedicationRequests from other systems, read the way a records import reads them (interop.fhir.
medication_orders, then other_rules.assess), reach the MME the CDC test files expect. The drug is found
by its RxNorm code only (an SCD or SBD through packs/rxnorm/products.yaml, or an ingredient code): the
display words are never read here, unlike test_mme_external_cases.py, so a wrong product entry fails.

Expected values are the files' own: the GuidanceResponse TotalMME of each MME calculator case
(cqframework/opioid-mme-r4) and the CDS Hooks cards of REC04_05 (cqframework/opioid-cds-r4)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from painpath.interop.fhir import RawResource, RecordSet
from painpath.interop.fhir.medication_orders import MedicationOrder, to_order
from painpath.knowledge import load_knowledge
from painpath.medications.other import rules as other_rules
from painpath.medications.other.service import chosen_code
from external_data import external, read_json, resources_of

EXTERNAL = external("opioid-mme")
MME_CASES = EXTERNAL / "mme-calculator-tests"
HOOKS = EXTERNAL / "opioid-cds-hooks"


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def medication_requests(value: Any) -> list[dict]:  # noqa: ANN401
    return resources_of(value, "MedicationRequest")


def orders(path: Path) -> list[MedicationOrder]:
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    requests = [r for f in files for r in medication_requests(read_json(f)) if r.get("status") == "active"]
    return [to_order(RawResource("MedicationRequest", r.get("id"), None, r, f"{path.name}"), RecordSet()) for r in requests]


def assessed(order: MedicationOrder, knowledge) -> other_rules.OtherAssessment:  # noqa: ANN001
    # The fields an imported other medication keeps (other_service.file_imported), nothing else.
    row = SimpleNamespace(rxnorm_code=chosen_code(knowledge, order.rxnorm_codes), dose_value=order.dose_value, dose_unit=order.dose_unit,
                          times_per_day=order.times_per_day, interval_hours=order.interval_hours, as_needed=order.as_needed)
    return other_rules.assess(row, knowledge)


def total(path: Path, knowledge) -> float:  # noqa: ANN001
    found = [assessed(o, knowledge) for o in orders(path)]
    assert found and all(a.status == "counted" for a in found), [a.words for a in found]
    return round(sum(a.mme.daily_mme for a in found), 1)


def expected_total(case: Path) -> float:
    response = read_json(next(case.glob("GuidanceResponse-*.json")))
    return next(float(p["valueQuantity"]["value"]) for c in response["contained"] for p in c.get("parameter", []) if p["name"] == "TotalMME")


@pytest.mark.parametrize(("case", "code"), [
    ("mmecalc", "7052"),  # an Epic order listing many codes: the morphine ingredient is the one the packs know
    ("patient-mme-greater-than-fifty", "197696"),  # SCD 72 HR fentanyl 0.075 MG/HR patch, 1 patch
    ("patient-mme-less-than-fifty", "1049593"),  # SCD oxycodone 60 MG ER tablet, dose 10 mg every 12 hours
    ("patient-mme-with-timeofday", "1049593"),  # the same, timing by timeOfDay 10:00 and 22:00
])
def test_mme_calculator_cases_from_the_code_reach_the_expected_total(knowledge, case: str, code: str) -> None:
    (order,) = orders(MME_CASES / case)
    assert chosen_code(knowledge, order.rxnorm_codes) == code
    assert total(MME_CASES / case, knowledge) == pytest.approx(expected_total(MME_CASES / case), abs=0.05)


def test_rec04_05_fentanyl_scd_matches_the_card(knowledge) -> None:
    request = HOOKS / "requests" / "OpioidCDSREC04_05" / "request-example-rec-04-05-mme-greater-than-fifty.json"
    card = read_json(HOOKS / "responses" / "OpioidCDSREC04_05" / "response-example-rec-04-05-mme-greater-than-fifty.json")["cards"][0]
    stated = float(re.search(r"MME\) is ([0-9.]+)", card["detail"]).group(1))  # type: ignore[union-attr]
    assert total(request, knowledge) == pytest.approx(stated, abs=0.05)


def test_rec04_05_kadian_sbd_stays_under_the_card_threshold(knowledge) -> None:
    # SBD 892495 (morphine sulfate 10 MG [Kadian]), one tablet a day; the expected response has no card.
    request = HOOKS / "requests" / "OpioidCDSREC04_05" / "request-example-rec-04-05-mme-less-than-fifty.json"
    assert read_json(HOOKS / "responses" / "OpioidCDSREC04_05" / "response-example-rec-04-05-mme-less-than-fifty.json").get("cards", []) == []
    (order,) = orders(request)
    assert chosen_code(knowledge, order.rxnorm_codes) == "892495" and order.dose_unit == "TAB"
    found = total(request, knowledge)
    assert 0 < found < knowledge.opioids.thresholds.pause_and_reassess_at_mme.value


def test_a_buprenorphine_product_is_excluded_not_counted(knowledge) -> None:
    request = HOOKS / "requests" / "OpioidCDSREC03" / "request-example-rec-03-not-long-acting-opioid.json"
    (found,) = [assessed(o, knowledge) for o in orders(request)]
    assert (found.status, found.drug_key) == ("excluded", "buprenorphine")


def test_a_code_no_pack_knows_is_not_assessed_and_says_so(knowledge) -> None:
    request = dict(medication_requests(read_json(MME_CASES / "patient-mme-less-than-fifty"
                                                 / "example-rec-05-mme-less-than-fifty-context.json"))[0])
    request["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "99999999",
                                                        "display": "Zorblex 5 MG Oral Tablet"}]}
    order = to_order(RawResource("MedicationRequest", "x", None, request, "test"), RecordSet())
    found = assessed(order, knowledge)
    assert (order.name, found.status, found.words, found.mme) == ("Zorblex 5 MG Oral Tablet", "not_assessed", "not assessed by painpath", None)
