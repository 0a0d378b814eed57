"""The orders slice's fact reader (`painpath.facts.gather`): imaging studies, and each report on file as a
document of the kit. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, fact_maker, fact_rows, register_reader
from painpath.facts.vocabulary import DocumentFact, ImagingStudy as ImagingFact
from painpath.orders import rules
from painpath.orders.models import ImagingStudy

_study = fact_maker(ImagingFact)
_document = fact_maker(DocumentFact)


@register_reader("imaging")
def imaging_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's studies, oldest first, and the reports on file among them."""
    studies: dict[int, list[ImagingFact]] = {}
    reports: dict[int, list[DocumentFact]] = {}
    imaging = ImagingStudy.__table__.c
    rows = fact_rows(session, select(
        imaging.episode_id, imaging.id, imaging.modality, imaging.region, imaging.performed_on, imaging.report_on_file,
        imaging.concordant, imaging.summary, imaging.study, imaging.records_request_id,
    ).where(ids_in(session, imaging.episode_id, episode_ids)).order_by(imaging.episode_id, imaging.performed_on, imaging.id))
    concordant_flag = rules.CONCORDANT_FLAGS.get  # rules.concordant_flag, without a call per row
    for episode_id, study_id, modality, region, performed_on, report_on_file, concordant, summary, study, request_id in rows:
        made = _study(modality, region, performed_on, report_on_file, concordant_flag(concordant), summary, ())
        if (known := studies.get(episode_id)) is None:
            studies[episode_id] = [made]
        else:
            known.append(made)
        if report_on_file:
            reference = f"records_request:{request_id}" if request_id else f"imaging_study:{study_id}"
            reports.setdefault(episode_id, []).append(_document("imaging_report", performed_on, reference, None, study))
    return {episode_id: {"imaging": tuple(found), "documents": tuple(reports.get(episode_id, ()))} for episode_id, found in studies.items()}
