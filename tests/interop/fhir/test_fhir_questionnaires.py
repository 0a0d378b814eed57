"""Pack instruments as FHIR R4 Questionnaires and back, against published PHQ-9 and GAD-7 files
(tests/data/external/questionnaires; read only, never edited)."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from painpath.charting import scoring
from painpath.core.errors import InvalidInput
from painpath.interop.fhir import questionnaire as fq
from painpath.knowledge import load_knowledge
from external_data import external

EXTERNAL = external("questionnaires")
MII = EXTERNAL / "mii-proms"


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _mii_value_sets() -> list[dict]:
    return [_load(p) for p in sorted(MII.glob("ValueSet-*.json"))]


@pytest.mark.parametrize(
    ("file", "instrument_id", "how"),
    [
        ("lforms/phq9.R4.json", "phq9", {"loinc_code"}),
        ("lforms/phq9-with-the-weight-function.R4.json", "phq9", {"loinc_code"}),
        ("mii-proms/Questionnaire-mii-qst-pro-phq-9.json", "phq9", {"loinc_code"}),
        # This GAD-7 carries no item codes and UUID linkIds: only the item text can tell which is which.
        ("researchkitonfhir/GAD-7.json", "gad7", {"text", "text_similar"}),
    ],
)
def test_external_questionnaire_items_map_to_every_scored_item(knowledge, file, instrument_id, how):
    instrument = knowledge.instrument(instrument_id)
    questionnaire = _load(EXTERNAL / file)
    matches = fq.map_questionnaire(instrument, questionnaire)
    mapped = [m.item_id for m in matches.values()]
    assert sorted(mapped) == sorted(instrument.scored_items)  # every scored item, each once
    assert {m.how for m in matches.values()} <= how


def test_the_lforms_phq9_answer_codes_resolve_to_our_answers(knowledge):
    """LOINC LA codes (LA6568-5 ... LA6571-9) carry ordinalValue 0..3 in the LHC-Forms answerOptions."""
    instrument = knowledge.instrument("phq9")
    questionnaire = _load(EXTERNAL / "lforms/phq9.R4.json")
    index = fq._AnswerIndex()
    index.add_questionnaire(questionnaire)
    for link_id, match in fq.map_questionnaire(instrument, questionnaire).items():
        qitem = next(q for q in questionnaire["item"] if q["linkId"] == link_id)
        values = [fq.answer_value(instrument, match.item_id, {"valueCoding": o["valueCoding"]}, index) for o in qitem["answerOption"]]
        assert values == [0, 1, 2, 3], link_id


def test_the_gad7_contained_value_set_resolves_to_our_answers(knowledge):
    instrument = knowledge.instrument("gad7")
    questionnaire = _load(EXTERNAL / "researchkitonfhir/GAD-7.json")
    (value_set,) = [c for c in questionnaire["contained"] if c["resourceType"] == "ValueSet"]
    (include,) = value_set["compose"]["include"]
    index = fq._AnswerIndex()
    index.add_questionnaire(questionnaire)
    values = [fq.answer_value(instrument, "gad7_1", {"valueCoding": {"system": include["system"], "code": c["code"]}}, index) for c in include["concept"]]
    assert values == [0, 1, 2, 3]


def test_the_mii_example_response_imports_and_scores_to_the_score_it_carries(knowledge):
    instrument = knowledge.instrument("phq9")
    response = _load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json")
    observation = _load(MII / "Observation-mii-exa-pro-phq-9-observation.json")
    carried_in_response = next(i["answer"][0]["valueQuantity"]["value"] for i in response["item"] if i["linkId"] == "PHQ.Score")
    carried_in_observation = observation["valueQuantity"]["value"]

    imported = fq.import_response(
        instrument, response, questionnaire=_load(MII / "Questionnaire-mii-qst-pro-phq-9.json"), value_sets=_mii_value_sets(),
    )
    assert sorted(imported.answers) == sorted(instrument.scored_items)
    # The response's linkIds (PHQ.1 ...) are not its own Questionnaire's (PHQ-9.1 ...): they map by ordinal.
    assert {m.how for m in imported.matches} == {"link_id_ordinal"}
    assert set(imported.ignored) == {"PHQ.10", "PHQ.Score"}  # the unscored difficulty item and the carried score
    result = scoring.score(instrument, imported.answers)
    assert result.total == carried_in_response == carried_in_observation == imported.carried_total
    assert imported.reference == "QuestionnaireResponse/mii-exa-pro-phq-9-response"


def test_an_answer_code_nobody_defines_is_refused_with_field_and_rule(knowledge):
    instrument = knowledge.instrument("phq9")
    response = _load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json")
    for item in response["item"][:9]:
        item["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA9999-9"}}]  # in no pack and no ValueSet
    with pytest.raises(InvalidInput) as refused:
        fq.import_response(instrument, response)
    assert {(p.field, p.rule) for p in refused.value.problems} == {(f"answers.{i}", "allowed_value") for i in instrument.scored_items}


def test_a_resource_that_is_not_a_valid_response_is_refused(knowledge):
    instrument = knowledge.instrument("phq9")
    with pytest.raises(InvalidInput) as wrong_kind:
        fq.import_response(instrument, {"resourceType": "Observation", "status": "final"})
    assert wrong_kind.value.problems[0].rule == "allowed_value"
    with pytest.raises(InvalidInput) as invalid:
        fq.import_response(instrument, {"resourceType": "QuestionnaireResponse", "status": "completed", "authored": "yesterday"})
    assert invalid.value.problems[0].rule == "fhir_r4"
    with pytest.raises(InvalidInput) as draft:
        fq.import_response(instrument, {"resourceType": "QuestionnaireResponse", "status": "in-progress"})
    assert (draft.value.problems[0].field, draft.value.problems[0].rule) == ("resource.status", "completed")


@pytest.mark.parametrize("instrument_id", ["phq9", "gad7", "odi", "peg", "pcs", "start_back"])
def test_exported_resources_validate_and_round_trip(knowledge, instrument_id):
    instrument = knowledge.instrument(instrument_id)
    questionnaire = fq.export_questionnaire(instrument, pack_version=1)
    Questionnaire.model_validate(json.loads(questionnaire.model_dump_json()))
    assert [i.linkId for i in questionnaire.item] == [it.id for it in instrument.items]
    if instrument.loinc and instrument.loinc.panel:
        assert questionnaire.code[0].code == instrument.loinc.panel.code
    for qitem, item in zip(questionnaire.item, instrument.items):
        assert (qitem.code[0].code if qitem.code else None) == (item.loinc.code if item.loinc else None)

    # Every item's highest answer (a 'nearly every day' PHQ-9 raises the item 9 alert; that is fine here).
    answers = {it.id: instrument.answer_sets[it.answers][-1].value for it in instrument.items}
    result = scoring.score(instrument, answers)
    response, observation = fq.export_response(
        instrument, answers=answers, authored=datetime(2026, 11, 24, 15, 0), total=result.total, band=result.band,
        subject="Patient/7", response_id="adm-1", pack_version=1,
    )
    QuestionnaireResponse.model_validate(json.loads(response.model_dump_json()))
    Observation.model_validate(json.loads(observation.model_dump_json()))
    value = observation.valueInteger if observation.valueInteger is not None else observation.valueQuantity.value
    assert float(value) == result.total
    if instrument.loinc and instrument.loinc.total:
        assert observation.code.coding[0].code == instrument.loinc.total.code

    back = fq.import_response(instrument, json.loads(response.model_dump_json()))
    assert back.answers == answers
    assert {m.how for m in back.matches} == {"link_id"}
    # Read against our own exported Questionnaire, the LOINC item codes win.
    again = fq.import_response(instrument, json.loads(response.model_dump_json()), questionnaire=json.loads(questionnaire.model_dump_json()))
    assert again.answers == answers


def test_an_ordinal_only_answer_from_elsewhere_maps_by_points(knowledge):
    instrument = knowledge.instrument("gad7")
    response = {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [
            {"linkId": f"q.{n}", "answer": [{"valueCoding": {"system": "urn:x", "code": f"c{v}", "extension": [{"url": fq.ORDINAL_VALUE, "valueDecimal": v}]}}]}
            for n, v in enumerate([2, 1, 2, 1, 0, 1, 0], 1)
        ],
    }
    imported = fq.import_response(instrument, response)
    assert scoring.score(instrument, imported.answers).total == 7


def test_loinc_answer_codes_are_read_from_the_pack_without_a_value_set(knowledge):
    instrument = knowledge.instrument("phq9")
    response = _load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json")  # bare LA6571-9 codes, no system
    imported = fq.import_response(instrument, response)
    assert imported.answers == {item: 3 for item in instrument.scored_items}
    response["item"][0]["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}]
    assert fq.import_response(instrument, response).answers["phq9_1"] == 0


def test_a_questionnaire_with_a_conformance_fault_warns_instead_of_refusing(knowledge):
    instrument = knowledge.instrument("phq9")
    questionnaire = _load(MII / "Questionnaire-mii-qst-pro-phq-9.json")
    del questionnaire["item"][0]["type"]
    imported = fq.import_response(instrument, _load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"),
                                  questionnaire=questionnaire, value_sets=_mii_value_sets())
    assert sorted(imported.answers) == sorted(instrument.scored_items)
    assert len(imported.warnings) == 1 and "does not conform" in imported.warnings[0]


def test_the_instrument_is_told_from_the_response_and_a_form_that_is_none_of_ours_is_not_guessed(knowledge):
    ours = list(knowledge.instruments.values())
    phq9 = _load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json")
    assert fq.detect_instrument(ours, phq9).id == "phq9"
    oxygen = _load(EXTERNAL / "davinci-dtr-ig-2.0.1-examples" / "QuestionnaireResponse-home-o2-questionnaireresponse.json")
    assert fq.detect_instrument(ours, oxygen) is None
