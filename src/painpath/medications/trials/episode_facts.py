"""The medication-trials sub-slice's fact reader (`painpath.facts.gather`): each trial as a stretch of
conservative care. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import CareComponent
from painpath.medications.trials import service
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.timeline import describe

_trial = MedicationTrial.__table__.c
_TRIALS = FactSelect(lambda episode_in: select(
    _trial.episode_id, _trial.drug_key, _trial.rxnorm_code, _trial.drug_name, _trial.dose_mg, _trial.times_per_day, _trial.daily_mg,
    _trial.start_date, _trial.stop_date, _trial.reason_stopped,
).where(episode_in(_trial.episode_id)).order_by(_trial.episode_id, _trial.start_date, _trial.id), rows_by_name=True)


@register_reader("medication_trials")
def trial_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """A trial is failed only when it was stopped as ineffective; one stopped for side effects or cost, or
    still going, is not judged here (the criteria decide). Only the columns the words and the drug class
    need are read: `describe` reads a row by the trial's own attribute names as it reads a trial."""
    trial_pack = service.pack(query.knowledge)
    rows = _TRIALS.rows(session, episode_ids)
    drug_classes: dict[tuple, str | None] = {}  # a few drugs, many trials: each looked up in the pack once
    found: dict[int, list[CareComponent]] = {}
    for row in rows:
        drugs = (row.drug_key, row.rxnorm_code)
        if drugs not in drug_classes:
            drug = service.resolve_drug(trial_pack, drug_key=row.drug_key, rxnorm_code=row.rxnorm_code, drug_name=None)
            drug_classes[drugs] = drug.drug_class if drug else None
        care = CareComponent("medication", row.start_date, row.stop_date, describe(row), "medication_trial", drug_classes[drugs],
                     True if row.reason_stopped == "ineffective" else None)
        if (known := found.get(row.episode_id)) is None:
            found[row.episode_id] = [care]
        else:
            known.append(care)
    return {episode_id: {"care": tuple(care)} for episode_id, care in found.items()}
