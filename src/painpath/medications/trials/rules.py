"""One new analgesic trial at a time (issue 7 item 1), from the adequacy labels of charting/trials.py.

Pure: the patient's assessed trials in, the running ones out. A trial still "in_progress" (ongoing and not
yet long enough) is running; adequate, inadequate and not-tolerated trials are settled, and a stopped
trial is over. An ongoing trial of a drug the packs do not know is "unknown_drug": it cannot be judged,
so it does not block (staff see it in the list). A dose change of the running drug is not a new trial.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from painpath.core.errors import FieldProblem

RUNNING_LABEL = "in_progress"


@dataclass(frozen=True)
class RunningTrial:
    trial_id: int
    drug: str  # the pack's drug id, else the name as typed
    drug_name: str
    started_on: str  # ISO date, for the message


def running_trials(assessed: Iterable, *, new_drug: str) -> list[RunningTrial]:  # noqa: ANN001 - service.AssessedTrial
    """The other drugs' trials still in progress: each blocks a new trial of `new_drug`."""
    found = []
    for item in assessed:
        trial, label = item.trial, item.assessment.label
        drug = trial.drug_key or trial.drug_name
        if label == RUNNING_LABEL and trial.stop_date is None and drug != new_drug:
            found.append(RunningTrial(trial.id, drug, trial.drug_name, trial.start_date.isoformat()))
    return found


def one_at_a_time_problem(running: list[RunningTrial], *, override_reason: str | None) -> FieldProblem | None:
    """The refusal when another trial is running and no override reason was given; None when allowed."""
    if not running or (override_reason or "").strip():
        return None
    names = ", ".join(f"{r.drug_name} (started {r.started_on})" for r in running)
    return FieldProblem(
        "override_reason", "one_trial_at_a_time",
        f"Another medication trial is still in progress: {names}. Trial one medicine at a time so its effect can be "
        "judged; finish or stop that trial first, or give the reason for starting a second one now")
