"""Validated instruments as FHIR R4 (R4B models): Questionnaire, QuestionnaireResponse, score Observation.

Pure: no database, no clock. Export writes our pack instrument with linkId = our item id, LOINC item
codes where the pack has them, and answerOption codings in our own answer code system (the packs do
not carry LOINC answer codes) with the `ordinalValue` extension holding the points each answer scores.

Import maps a QuestionnaireResponse written against someone else's Questionnaire onto our items:

    item:   1. LOINC item code (from the source Questionnaire's item with that linkId)
            2. linkId: our item id, or a LOINC item code as a linkId path segment (LHC-Forms "/44250-9")
            3. item text (the response's or the Questionnaire's), exact after normalising, then close
               (difflib ratio >= 0.8, unambiguous)
            4. linkId ordinal: "PHQ.3" -> the instrument's 3rd item, only when the prefix names the
               instrument ("phq" for phq9) or is a generic "item"/"q"
    answer: our own code system; an ordinalValue extension on the coding; the code's ordinalValue in
            the source Questionnaire's answerOption or a ValueSet (contained or passed in; LOINC
            LA codes resolve this way); the display matching our label; valueInteger/valueDecimal as
            the answer value; valueString as the label.

Items that map to nothing (PHQ-9's unscored "difficulty" question, a carried score) are ignored and
listed; a numeric score item is kept as `carried_total` for comparison, never used as our score.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from painpath.core.errors import FieldProblem, InvalidInput
from painpath.knowledge.schemas import AnswerOption, Instrument

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# R5 and SDC name the same idea itemWeight; read both.
ORDINAL_URLS = (ORDINAL_VALUE, "http://hl7.org/fhir/StructureDefinition/itemWeight")
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SCORE_SYSTEM = "urn:painpath:instrument-score"


def questionnaire_url(instrument: Instrument) -> str:
    return f"urn:painpath:questionnaire:{instrument.id}"


def answer_system(instrument: Instrument, answer_set: str) -> str:
    return f"urn:painpath:answers:{instrument.id}:{answer_set}"


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _fhir_datetime(at: datetime) -> str:
    """Stored times are naive UTC; FHIR wants a zone on a dateTime with a time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.isoformat()


def _coding(instrument: Instrument, answer_set: str, option: AnswerOption) -> dict:
    return {
        "system": answer_system(instrument, answer_set), "code": str(option.value), "display": option.label,
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": _num(option.scored)}],
    }


# Export -------------------------------------------------------------------------------------

def export_questionnaire(instrument: Instrument, *, pack_version: int | None = None):  # noqa: ANN201
    """Our pack instrument as an R4 Questionnaire (fhir.resources R4B model)."""
    from fhir.resources.R4B.questionnaire import Questionnaire

    items = []
    for it in instrument.items:
        entry: dict[str, Any] = {
            "linkId": it.id, "text": it.text, "type": "choice", "required": it.id in instrument.scored_items,
            "answerOption": [{"valueCoding": _coding(instrument, it.answers, o)} for o in instrument.answer_sets[it.answers]],
        }
        if it.loinc is not None:
            entry["code"] = [{"system": LOINC, "code": it.loinc.code}]
        items.append(entry)
    data: dict[str, Any] = {
        "resourceType": "Questionnaire", "id": instrument.id.replace("_", "-"), "url": questionnaire_url(instrument),
        "name": re.sub(r"[^A-Za-z0-9]", "", instrument.name) or instrument.id, "title": instrument.title,
        "status": "active", "subjectType": ["Patient"], "item": items,
    }
    if pack_version is not None:
        data["version"] = str(pack_version)
    if instrument.loinc is not None and instrument.loinc.panel is not None:
        data["code"] = [{"system": LOINC, "code": instrument.loinc.panel.code}]
    return Questionnaire.model_validate(data)


def export_response(
    instrument: Instrument, *, answers: Mapping[str, int | None], authored: datetime, total: float | None,
    band: str | None = None, subject: str | None = None, response_id: str | None = None, pack_version: int | None = None,
):  # noqa: ANN201
    """An administration as (QuestionnaireResponse, score Observation); the Observation is None without a total."""
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    items = []
    for it in instrument.items:
        value = answers.get(it.id)
        if value is None:
            continue
        option = next(o for o in instrument.answer_sets[it.answers] if o.value == value)
        items.append({"linkId": it.id, "text": it.text, "answer": [{"valueCoding": _coding(instrument, it.answers, option)}]})
    canonical = questionnaire_url(instrument) + (f"|{pack_version}" if pack_version is not None else "")
    qr: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "questionnaire": canonical, "status": "completed",
        "authored": _fhir_datetime(authored), "item": items,
    }
    if response_id is not None:
        qr["id"] = response_id
    if subject is not None:
        qr["subject"] = {"reference": subject}
    response = QuestionnaireResponse.model_validate(qr)
    if total is None:
        return response, None

    if instrument.loinc is not None and instrument.loinc.total is not None:
        code = {"system": LOINC, "code": instrument.loinc.total.code, "display": f"{instrument.name} total score"}
    else:
        code = {"system": SCORE_SYSTEM, "code": f"{instrument.id}.total", "display": f"{instrument.name} total score"}
    obs: dict[str, Any] = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [code], "text": f"{instrument.name} total score"},
        "effectiveDateTime": _fhir_datetime(authored),
    }
    if float(total).is_integer():
        obs["valueInteger"] = int(total)
    else:
        obs["valueQuantity"] = {"value": total, "unit": "{score}", "system": UCUM, "code": "{score}"}
    if band is not None:
        obs["interpretation"] = [{"text": band}]
    if subject is not None:
        obs["subject"] = {"reference": subject}
    if response_id is not None:
        obs["derivedFrom"] = [{"reference": f"QuestionnaireResponse/{response_id}"}]
    return response, Observation.model_validate(obs)


# Import -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemMatch:
    link_id: str
    item_id: str
    how: str  # loinc_code | link_id | link_id_loinc | text | text_similar | link_id_ordinal


@dataclass(frozen=True)
class ImportedResponse:
    answers: dict[str, int | None]
    matches: tuple[ItemMatch, ...]
    ignored: tuple[str, ...]  # linkIds with answers that are none of our items
    carried_total: float | None  # a score the source wrote into the response, for comparison only
    authored: datetime | None
    reference: str | None
    # Faults in the source Questionnaire we read past (a Questionnaire only guides the mapping; the
    # answers are in the response, so a small conformance fault there warns rather than refuses).
    warnings: tuple[str, ...] = ()


def _walk(items: Sequence[dict]) -> list[dict]:
    """Every item, nested groups and items under answers included, in document order."""
    found: list[dict] = []
    for item in items or ():
        found.append(item)
        found.extend(_walk(item.get("item", ())))
        for answer in item.get("answer", ()) or ():
            found.extend(_walk(answer.get("item", ())))
    return found


def _norm(text: str | None) -> str:
    text = (text or "").lower().replace("'s", " is").replace("’s", " is")
    return " ".join(re.findall(r"[a-z0-9]+", text))


_ORDINAL = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9-]*)[._](?P<n>\d{1,2})$")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def match_item(instrument: Instrument, link_id: str, *, codes: Sequence[tuple[str | None, str]] = (), text: str | None = None) -> ItemMatch | None:
    """Which of our items a foreign item is, and how we know (see the module docstring for the order)."""
    by_loinc = {it.loinc.code: it.id for it in instrument.items if it.loinc is not None}
    for system, code in codes:
        if system in (None, LOINC) and code in by_loinc:
            return ItemMatch(link_id, by_loinc[code], "loinc_code")
    ids = {it.id for it in instrument.items}
    if link_id in ids:
        return ItemMatch(link_id, link_id, "link_id")
    for segment in re.split(r"[/|]", link_id):
        if segment in by_loinc:
            return ItemMatch(link_id, by_loinc[segment], "link_id_loinc")
    wanted = _norm(text)
    if wanted:
        exact = [it.id for it in instrument.items if _norm(it.text) == wanted]
        if len(exact) == 1:
            return ItemMatch(link_id, exact[0], "text")
        ratios = sorted(((difflib.SequenceMatcher(None, wanted, _norm(it.text)).ratio(), it.id) for it in instrument.items), reverse=True)
        if ratios and ratios[0][0] >= 0.8 and (len(ratios) == 1 or ratios[0][0] - ratios[1][0] >= 0.1):
            return ItemMatch(link_id, ratios[0][1], "text_similar")
    m = _ORDINAL.match(link_id)
    if m:
        prefix = _letters(m.group("prefix"))
        n = int(m.group("n"))
        named = prefix and (_letters(instrument.id).startswith(prefix) or _letters(instrument.name).startswith(prefix))
        if (named or prefix in ("item", "q", "question")) and 1 <= n <= len(instrument.items):
            return ItemMatch(link_id, instrument.items[n - 1].id, "link_id_ordinal")
    return None


def _codes(qitem: Mapping | None) -> list[tuple[str | None, str]]:
    return [(c.get("system"), c["code"]) for c in (qitem or {}).get("code", ()) or () if c.get("code")]


def _ordinal_of(element: Mapping) -> float | None:
    for ext in element.get("extension", ()) or ():
        if ext.get("url") in ORDINAL_URLS:
            for key in ("valueDecimal", "valueInteger"):
                if ext.get(key) is not None:
                    return float(ext[key])
    return None


class _AnswerIndex:
    """Answer codes -> ordinal values, from a Questionnaire's answerOptions and any ValueSets."""

    def __init__(self) -> None:
        self.by_system_code: dict[tuple[str, str], float] = {}
        self.by_code: dict[str, set[float]] = {}

    def add(self, system: str | None, code: str | None, ordinal: float | None) -> None:
        if code is None or ordinal is None:
            return
        if system:
            self.by_system_code[(system, code)] = ordinal
        self.by_code.setdefault(code, set()).add(ordinal)

    def add_value_set(self, value_set: Mapping) -> None:
        for include in (value_set.get("compose") or {}).get("include", ()) or ():
            for concept in include.get("concept", ()) or ():
                self.add(include.get("system"), concept.get("code"), _ordinal_of(concept))
        for entry in (value_set.get("expansion") or {}).get("contains", ()) or ():
            self.add(entry.get("system"), entry.get("code"), _ordinal_of(entry))

    def add_questionnaire(self, questionnaire: Mapping) -> None:
        for contained in questionnaire.get("contained", ()) or ():
            if contained.get("resourceType") == "ValueSet":
                self.add_value_set(contained)
        for qitem in _walk(questionnaire.get("item", ())):
            for option in qitem.get("answerOption", ()) or ():
                coding = option.get("valueCoding")
                if coding:
                    self.add(coding.get("system"), coding.get("code"), _ordinal_of(option) if _ordinal_of(option) is not None else _ordinal_of(coding))

    def lookup(self, system: str | None, code: str) -> float | None:
        if system and (system, code) in self.by_system_code:
            return self.by_system_code[(system, code)]
        found = self.by_code.get(code, set())
        return next(iter(found)) if len(found) == 1 else None


def _option_for_ordinal(options: Sequence[AnswerOption], ordinal: float) -> AnswerOption | None:
    """ordinalValue is the answer's weight: match our points first, then our stored value."""
    by_points = [o for o in options if abs(o.scored - ordinal) < 1e-9]
    if len(by_points) == 1:
        return by_points[0]
    by_value = [o for o in options if o.value == ordinal]
    return by_value[0] if len(by_value) == 1 else None


def answer_value(instrument: Instrument, item_id: str, answer: Mapping, index: _AnswerIndex | None = None) -> int | None:
    """Our answer value for one foreign answer, or None if it cannot be told."""
    item = instrument.item(item_id)
    options = instrument.answer_sets[item.answers]
    labels = {_norm(o.label): o for o in options}
    coding = answer.get("valueCoding")
    if coding:
        system, code = coding.get("system"), coding.get("code")
        if system == answer_system(instrument, item.answers) and code is not None:
            hit = [o for o in options if str(o.value) == code]
            return hit[0].value if hit else None
        if code is not None and system in (LOINC, None):
            # A LOINC answer code (LA6568-5 "Not at all"), read from our pack without needing a ValueSet.
            by_loinc = [o for o in options if o.loinc == code]
            if by_loinc:
                return by_loinc[0].value
        ordinal = _ordinal_of(coding)
        if ordinal is None and code is not None and index is not None:
            ordinal = index.lookup(system, code)
        if ordinal is not None:
            option = _option_for_ordinal(options, ordinal)
            return None if option is None else option.value
        option = labels.get(_norm(coding.get("display")))
        return None if option is None else option.value
    for key in ("valueInteger", "valueDecimal"):
        if answer.get(key) is not None:
            raw = float(answer[key])
            hit = [o for o in options if o.value == raw]
            return hit[0].value if hit else None
    if answer.get("valueString") is not None:
        option = labels.get(_norm(answer["valueString"]))
        return None if option is None else option.value
    return None


def map_questionnaire(instrument: Instrument, questionnaire: Mapping) -> dict[str, ItemMatch]:
    """linkId -> our item, for every question of a foreign Questionnaire that is one of our items."""
    found: dict[str, ItemMatch] = {}
    for qitem in _walk(questionnaire.get("item", ())):
        if qitem.get("type") in ("group", "display"):
            continue
        match = match_item(instrument, qitem["linkId"], codes=_codes(qitem), text=qitem.get("text"))
        if match is not None:
            found[qitem["linkId"]] = match
    return found


def _validate(resource: Mapping, kind: str, field_name: str) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    if resource.get("resourceType") != kind:
        raise InvalidInput(FieldProblem(f"{field_name}.resourceType", "allowed_value", f"Expected a {kind}, got {resource.get('resourceType')!r}"))
    try:
        get_fhir_model_class(kind).model_validate(dict(resource))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(FieldProblem(f"{field_name}.{where}" if where else field_name, "fhir_r4", first.get("msg", "invalid"))) from None


def import_response(
    instrument: Instrument, response: Mapping, *, questionnaire: Mapping | None = None, value_sets: Sequence[Mapping] = (),
) -> ImportedResponse:
    """A QuestionnaireResponse's answers as our item id -> value. Raises InvalidInput (field + rule)
    for a resource that is not a valid R4 QuestionnaireResponse, one not completed, two answers to one
    of our items, or an answer we cannot read. Scoring is the caller's (our engine's) business."""
    _validate(response, "QuestionnaireResponse", "resource")
    warnings: list[str] = []
    if questionnaire is not None:
        try:
            _validate(questionnaire, "Questionnaire", "questionnaire")
        except InvalidInput as fault:
            warnings.extend(f"The questionnaire definition does not conform to FHIR R4 (at {_where(p.field)}: {p.message}); "
                            "its answers were read anyway" for p in fault.problems)
    if response.get("status") not in ("completed", "amended"):
        raise InvalidInput(FieldProblem("resource.status", "completed", f"Only a completed response can be imported (status {response.get('status')!r})"))
    index = _AnswerIndex()
    definitions: dict[str, dict] = {}
    if questionnaire is not None:
        index.add_questionnaire(questionnaire)
        definitions = {q["linkId"]: q for q in _walk(questionnaire.get("item", ())) if q.get("linkId")}
    for value_set in value_sets:
        index.add_value_set(value_set)

    total_code = instrument.loinc.total.code if instrument.loinc is not None and instrument.loinc.total is not None else None
    answers: dict[str, int | None] = {}
    matches: list[ItemMatch] = []
    ignored: list[str] = []
    carried: float | None = None
    problems: list[FieldProblem] = []
    for ritem in _walk(response.get("item", ())):
        given = ritem.get("answer") or []
        if not given:
            continue
        link_id = ritem["linkId"]
        qitem = definitions.get(link_id)
        match = match_item(instrument, link_id, codes=_codes(qitem), text=ritem.get("text") or (qitem or {}).get("text"))
        if match is None:
            ignored.append(link_id)
            numeric = _numeric(given[0])
            is_score = "score" in link_id.lower() or (total_code is not None and total_code in {c for _, c in _codes(qitem)})
            if numeric is not None and is_score:
                carried = numeric
            continue
        field_name = f"answers.{match.item_id}"
        if match.item_id in answers:
            problems.append(FieldProblem(field_name, "one_answer", f"Both {matches[[m.item_id for m in matches].index(match.item_id)].link_id!r} and {link_id!r} map to {match.item_id}"))
            continue
        if len(given) != 1:
            problems.append(FieldProblem(field_name, "one_answer", f"{link_id!r} has {len(given)} answers; {instrument.name} items take one"))
            continue
        value = answer_value(instrument, match.item_id, given[0], index)
        if value is None:
            allowed = ", ".join(f"{o.value} ({o.label})" for o in instrument.options(match.item_id))
            problems.append(FieldProblem(field_name, "allowed_value", f"The answer to {link_id!r} ({_describe(given[0])}) is none of {allowed}"))
            continue
        answers[match.item_id] = value
        matches.append(match)
    if problems:
        raise InvalidInput(problems)
    authored = _parse_datetime(response.get("authored"))
    reference = f"QuestionnaireResponse/{response['id']}" if response.get("id") else ((response.get("identifier") or {}).get("value"))
    return ImportedResponse(answers, tuple(matches), tuple(ignored), carried, authored, reference, tuple(warnings))


def _where(field_name: str) -> str:
    """"questionnaire.item.0.type" -> "item 1, type": a place a person can find in the form."""
    parts = field_name.split(".")[1:]
    words = [f"{parts[i - 1]} {int(p) + 1}" if p.isdigit() and i else p for i, p in enumerate(parts)]
    kept = [w for i, w in enumerate(words) if not (i + 1 < len(parts) and parts[i + 1].isdigit())]
    return ", ".join(kept) or "the definition"


def _numeric(answer: Mapping) -> float | None:
    for key in ("valueInteger", "valueDecimal"):
        if answer.get(key) is not None:
            return float(answer[key])
    quantity = answer.get("valueQuantity")
    if quantity and quantity.get("value") is not None:
        return float(quantity["value"])
    return None


def _describe(answer: Mapping) -> str:
    for key, value in answer.items():
        if key.startswith("value"):
            return f"{key} {value}"
    return "no value"


def _parse_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def detect_instrument(instruments: Sequence[Instrument], response: Mapping, questionnaire: Mapping | None = None) -> Instrument | None:
    """Which of our instruments a response answers: our own canonical when it names one, else the
    instrument most of whose scored items the response's items map onto (at least half of them, and
    no tie). None when it is none of ours (a home-oxygen order form, say)."""
    canonical = response.get("questionnaire") or ""
    for instrument in instruments:
        if canonical == questionnaire_url(instrument):
            return instrument
    definitions = {q["linkId"]: q for q in _walk((questionnaire or {}).get("item", ())) if isinstance(q, dict) and q.get("linkId")}
    best: list[tuple[int, Instrument]] = []
    for instrument in instruments:
        found = set()
        for ritem in _walk(response.get("item", ())):
            if not isinstance(ritem, dict) or not ritem.get("linkId") or not ritem.get("answer"):
                continue
            qitem = definitions.get(ritem["linkId"])
            match = match_item(instrument, ritem["linkId"], codes=_codes(qitem), text=ritem.get("text") or (qitem or {}).get("text"))
            if match is not None:
                found.add(match.item_id)
        if len(found) * 2 >= len(instrument.scored_items) and found:
            best.append((len(found), instrument))
    best.sort(key=lambda pair: -pair[0])
    if not best or (len(best) > 1 and best[0][0] == best[1][0]):
        return None
    return best[0][1]


def questionnaire_for(response: Mapping, questionnaires: Sequence[Mapping]) -> Mapping | None:
    """The Questionnaire a response names (canonical url, or Questionnaire/id), among those at hand."""
    wanted = (response.get("questionnaire") or "").split("|")[0]
    if not wanted:
        return None
    for questionnaire in questionnaires:
        if wanted in (questionnaire.get("url"), f"Questionnaire/{questionnaire.get('id')}"):
            return questionnaire
    return None
