"""Gather each episode's `EpisodeFacts` (facts.py) from the slices that record them.

One query per source for all the episodes asked about, never one per episode: the readiness benchmark
gathers 20,000 episodes, and a test proves the number of statements does not grow with the episodes.

Gathering is not audited as a chart read. The audit trail answers "who looked at whose chart": the
criteria engine reading facts to compute eligibility and obligations is no person looking, and one
audit row per episode per sweep would bury the reads that matter. What a person then sees (the case
page, the kit) is audited where it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from painpath.authorizations.facts import (
    CareComponent, DocumentFact, EpisodeFacts, ExamFact, ImagingStudy, MeasureFact, ProcedureFact, ReliefReport, ScoreFact,
)
from painpath.charting import rules as charting_rules
from painpath.charting import service as charting
from painpath.charting.conservative_care import rules as care_rules
from painpath.charting.conservative_care import service as conservative_care
from painpath.charting.instruments import service as instruments
from painpath.charting.procedures import service as procedures
from painpath.core.clock import BusinessCalendar
from painpath.intake import service as intake
from painpath.medications.trials import service as medications
from painpath.medications.trials.timeline import describe as describe_trial
from painpath.orders import rules as order_rules
from painpath.orders import service as orders
from painpath.patients import service as patients

# A PT course whose last visit is this recent is still going (the next visit is usually within two weeks).
PT_ONGOING_DAYS = 14


def gather_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int],  # noqa: ANN001
                 today: date) -> dict[int, EpisodeFacts]:
    """The facts of each episode asked about (unknown ids are left out), as of the clinic's `today`."""
    ids = sorted(set(episode_ids))
    if not ids:
        return {}
    episodes = patients.episodes_with_primary_coverage(session, episode_ids=ids, on=today)
    red_flags = intake.red_flags_for_episodes(session, ids)
    care = conservative_care.entries_for_episodes(session, ids)
    trials = medications.trials_for_episodes(session, ids)
    pt_visits = charting.pt_visit_dates_for_episodes(session, ids)
    studies = orders.studies_for_episodes(session, ids)
    performed = procedures.procedures_for_episodes(session, ids)
    scores = instruments.scores_for_episodes(session, ids)
    measures = charting.numeric_measures_for_episodes(session, ids)
    exams = charting.latest_exams_for_episodes(session, ids)
    trial_pack = medications.pack(knowledge)

    found: dict[int, EpisodeFacts] = {}
    for episode, coverage in episodes:
        exam = _exam(exams.get(episode.id))
        episode_studies = studies.get(episode.id, [])
        found[episode.id] = EpisodeFacts(
            episode_id=episode.id,
            payer_id=coverage.payer_id if coverage else None,
            plan_type=coverage.plan_type if coverage else None,
            body_region=episode.body_region,
            laterality=episode.laterality,
            onset_date=episode.onset_date,
            diagnosis_codes=_unique((*(episode.icd10_codes or ()), *(exam.diagnosis_codes if exam else ()))),
            red_flags=red_flags.get(episode.id, frozenset()),
            care=tuple(sorted(
                [*map(_care_entry, care.get(episode.id, [])),
                 *(_trial(t, trial_pack) for t in trials.get(episode.id, [])),
                 *_pt_course(pt_visits.get(episode.id, []), today)],
                key=lambda c: (c.start, c.kind),
            )),
            imaging=tuple(map(_study, episode_studies)),
            procedures=tuple(_procedure(p, reliefs) for p, reliefs in performed.get(episode.id, [])),
            scores=tuple(ScoreFact(instrument_id=i, on=calendar.local_date(at), total=total) for i, at, total in scores.get(episode.id, [])),
            measures=tuple(MeasureFact(measure=m, on=on, value=value) for m, on, value in measures.get(episode.id, [])),
            exam=exam,
            documents=tuple(_imaging_report(s) for s in episode_studies if s.report_on_file),
        )
    return found


def _unique(codes: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def _care_entry(entry) -> CareComponent:  # noqa: ANN001
    return CareComponent(
        kind=entry.kind, start=entry.start_date, end=entry.end_date, description=entry.description,
        source=entry.source, drug_class=entry.drug_class, failed=care_rules.failed_flag(entry.failed),
    )


def _trial(trial, trial_pack) -> CareComponent:  # noqa: ANN001
    """A medication trial as conservative care. Failed only when it was stopped as ineffective; a trial
    stopped for side effects or cost, or still going, is not judged here (the criteria decide)."""
    drug = medications.resolve_drug(trial_pack, drug_key=trial.drug_key, rxnorm_code=trial.rxnorm_code, drug_name=None)
    return CareComponent(
        kind="medication", start=trial.start_date, end=trial.stop_date, description=describe_trial(trial),
        source="medication_trial", drug_class=drug.drug_class if drug else None,
        failed=True if trial.reason_stopped == "ineffective" else None,
    )


def _pt_course(visits: list[date], today: date) -> list[CareComponent]:
    """PT visits recorded here as one course from the first to the last visit, ongoing while recent."""
    if not visits:
        return []
    first, last = visits[0], visits[-1]
    ongoing = today - last <= timedelta(days=PT_ONGOING_DAYS)
    count = f"{len(visits)} PT visit{'s' if len(visits) != 1 else ''}"
    return [CareComponent(kind="physical_therapy", start=first, end=None if ongoing else last,
                          description=f"{count} at this clinic, {first:%d %b %Y} to {last:%d %b %Y}", source="pt_visits")]


def _study(study) -> ImagingStudy:  # noqa: ANN001
    return ImagingStudy(
        modality=study.modality, region=study.region, performed_on=study.performed_on, report_on_file=study.report_on_file,
        concordant=order_rules.concordant_flag(study.concordant), summary=study.summary,
    )


def _imaging_report(study) -> DocumentFact:  # noqa: ANN001
    reference = f"records_request:{study.records_request_id}" if study.records_request_id else f"imaging_study:{study.id}"
    return DocumentFact(kind="imaging_report", on=study.performed_on, reference=reference, result=study.study)


def _procedure(procedure, reliefs) -> ProcedureFact:  # noqa: ANN001
    return ProcedureFact(
        kind=procedure.procedure_key, cpt_codes=tuple(procedure.cpt_codes), region=procedure.region, side=procedure.side,
        levels=tuple(procedure.levels), performed_on=procedure.performed_on, diagnostic=procedure.diagnostic,
        baseline_pain=procedure.baseline_pain, baseline_scale=procedure.baseline_scale,
        relief=tuple(
            ReliefReport(measured_on=r.measured_on, percent=r.percent, scale=r.scale, hours_after=r.hours_after, lasted_days=r.lasted_days)
            for r in reliefs
        ),
        spacing_exception=procedure.spacing_exception,
    )


def _exam(found) -> ExamFact | None:  # noqa: ANN001
    if found is None:
        return None
    on, exam = found
    findings = dict(exam.findings or {})
    return ExamFact(
        on=on, findings=findings, si_positive_count=charting_rules.si_positive_count(findings.get("si_tests") or {}),
        diagnosis_codes=tuple(exam.diagnosis_codes or ()), reasoning=exam.reasoning,
    )
