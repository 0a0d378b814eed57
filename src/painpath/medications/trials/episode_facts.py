"""The medication-trials sub-slice's fact reader (`painpath.facts.gather`): each trial as a stretch of
conservative care. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import CareComponent
from painpath.medications.trials import service
from painpath.medications.trials.timeline import describe


@register_reader("medication_trials")
def trial_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """A trial is failed only when it was stopped as ineffective; one stopped for side effects or cost, or
    still going, is not judged here (the criteria decide). Trials are few, and their words need the whole
    row (the dose), so this reader loads the trials themselves."""
    trial_pack = service.pack(query.knowledge)
    found: dict[int, Share] = {}
    for episode_id, trials in service.trials_for_episodes(session, episode_ids).items():
        care = []
        for trial in trials:
            drug = service.resolve_drug(trial_pack, drug_key=trial.drug_key, rxnorm_code=trial.rxnorm_code, drug_name=None)
            care.append(CareComponent(
                kind="medication", start=trial.start_date, end=trial.stop_date, description=describe(trial),
                source="medication_trial", drug_class=drug.drug_class if drug else None,
                failed=True if trial.reason_stopped == "ineffective" else None,
            ))
        found[episode_id] = {"care": tuple(care)}
    return found
