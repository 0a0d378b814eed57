"""The orders slice's fact reader (`painpath.facts.gather`): imaging studies, and each report on file as a
document of the kit. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import DocumentFact, ImagingStudy as ImagingFact
from painpath.orders import rules
from painpath.orders.models import ImagingStudy


@register_reader("imaging")
def imaging_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's studies, oldest first, and the reports on file among them."""
    studies: dict[int, list[ImagingFact]] = {}
    reports: dict[int, list[DocumentFact]] = {}
    rows = session.execute(
        select(ImagingStudy.episode_id, ImagingStudy.id, ImagingStudy.modality, ImagingStudy.region, ImagingStudy.performed_on,
               ImagingStudy.report_on_file, ImagingStudy.concordant, ImagingStudy.summary, ImagingStudy.study,
               ImagingStudy.records_request_id)
        .where(ids_in(session, ImagingStudy.episode_id, episode_ids)).order_by(ImagingStudy.episode_id, ImagingStudy.performed_on, ImagingStudy.id)
    )
    for episode_id, study_id, modality, region, performed_on, report_on_file, concordant, summary, study, request_id in rows:
        studies.setdefault(episode_id, []).append(ImagingFact(
            modality=modality, region=region, performed_on=performed_on, report_on_file=report_on_file,
            concordant=rules.concordant_flag(concordant), summary=summary,
        ))
        if report_on_file:
            reference = f"records_request:{request_id}" if request_id else f"imaging_study:{study_id}"
            reports.setdefault(episode_id, []).append(DocumentFact(kind="imaging_report", on=performed_on, reference=reference, result=study))
    return {episode_id: {"imaging": tuple(found), "documents": tuple(reports.get(episode_id, ()))} for episode_id, found in studies.items()}
