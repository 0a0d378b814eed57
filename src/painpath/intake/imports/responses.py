"""Questionnaire answers in imported records, filed as instrument administrations.

Each QuestionnaireResponse about the episode's patient is mapped onto one of our instruments
(interop.fhir.questionnaire) and recorded through the instruments service, so it is scored by OUR
engine and raises the same alerts as answers typed at the desk (a positive PHQ-9 item 9 opens the
safety review). A response we cannot file is skipped with its reason; it never refuses the file.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from painpath.charting.instruments import service as instruments
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar
from painpath.core.errors import DomainError
from painpath.interop.fhir import RecordSet
from painpath.interop.fhir import questionnaire as fhir_q


@dataclass
class FiledResponses:
    filed: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"type", "reason"} per response not filed
    warnings: list[str] = field(default_factory=list)


def file_responses(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                   records: RecordSet, patient_keys: Collection[str], on_this_episode: bool = False) -> FiledResponses:
    """File each response about the episode's patient. `on_this_episode`: the file holds answers alone and was
    uploaded on the episode, so a response is taken as the episode patient's whatever its subject says."""
    parts = records.questionnaire_parts
    questionnaires = [raw.data for raw in parts.get("Questionnaire", [])]
    value_sets = [raw.data for raw in parts.get("ValueSet", [])]
    ours = list(knowledge.instruments.values())
    result = FiledResponses()
    for raw in parts.get("QuestionnaireResponse", []):
        response = raw.data
        subject = records.subject_key(raw)
        if not on_this_episode and subject not in patient_keys:
            reason = "names no patient in the file" if subject is None else "about another patient in the file"
            result.skipped.append({"type": "QuestionnaireResponse", "reason": reason})
            continue
        questionnaire = fhir_q.questionnaire_for(response, questionnaires)
        instrument = fhir_q.detect_instrument(ours, response, questionnaire)
        if instrument is None:
            result.skipped.append({"type": "QuestionnaireResponse",
                                   "reason": "answers a questionnaire that is not one of the clinic's scored instruments"})
            continue
        try:
            with session.begin_nested():
                filed = instruments.import_fhir_response(
                    session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id,
                    instrument_id=instrument.id, response=response, questionnaire=questionnaire, value_sets=value_sets,
                )
        except DomainError as exc:
            words = "; ".join(p.message for p in exc.problems)
            result.skipped.append({"type": "QuestionnaireResponse", "reason": f"{instrument.name} answers could not be read: {words}"})
            continue
        result.filed += 1
        result.warnings.extend(getattr(filed, "import_warnings", ()))
    return result
