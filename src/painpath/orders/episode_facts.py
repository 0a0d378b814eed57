"""The orders slice's fact reader (`painpath.facts.gather`): imaging studies, and each report on file as a
document of the kit. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import DocumentFact, ImagingStudy as ImagingFact
from painpath.orders import rules
from painpath.orders.models import ImagingStudy

_imaging = ImagingStudy.__table__.c
_STUDIES = FactSelect(lambda episode_in: select(
    _imaging.episode_id, _imaging.id, _imaging.modality, _imaging.region, _imaging.performed_on, _imaging.report_on_file,
    _imaging.concordant, _imaging.summary, _imaging.study, _imaging.records_request_id,
).where(episode_in(_imaging.episode_id)).order_by(_imaging.episode_id, _imaging.performed_on, _imaging.id))


@register_reader("imaging")
def imaging_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's studies, oldest first, and the reports on file among them."""
    studies: dict[int, list[ImagingFact]] = {}
    reports: dict[int, list[DocumentFact]] = {}
    rows = _STUDIES.rows(session, episode_ids)
    concordant_flag = rules.CONCORDANT_FLAGS.get  # rules.concordant_flag, without a call per row
    for episode_id, study_id, modality, region, performed_on, report_on_file, concordant, summary, study, request_id in rows:
        made = ImagingFact(modality, region, performed_on, report_on_file, concordant_flag(concordant), summary, ())
        if (known := studies.get(episode_id)) is None:
            studies[episode_id] = [made]
        else:
            known.append(made)
        if report_on_file:
            reference = f"records_request:{request_id}" if request_id else f"imaging_study:{study_id}"
            reports.setdefault(episode_id, []).append(DocumentFact("imaging_report", performed_on, reference, None, study))
    return {episode_id: {"imaging": tuple(found), "documents": tuple(reports.get(episode_id, ()))} for episode_id, found in studies.items()}
