"""Tasks that tell an admin a provider failed for an episode, and close themselves when it works again.

While a provider fails for an episode its tasks there are frozen (neither opened nor closed), so someone
must know. One task per provider, episode and kind of error: it is not re-opened on every pass (the open
key is unique) and not after an admin marked it done; it closes as met when the provider next runs for
that episode without error. The words name the episode by number and the rules in plain words, never
the patient, because they also reach the admin, who does not read charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.patients.models import Episode
from painpath.worklist.engine import DONE, OPEN, Obligation
from painpath.worklist.gather import DUPLICATE_KEY, ProviderFailure
from painpath.worklist.models import Task

PROVIDER = "worklist"
KIND = "worklist.provider_failed"
OWNER_ROLE = "admin"
RECOVERED = "The rules ran again for this episode without error; its tasks are up to date"


def alert_key(failure: ProviderFailure) -> str:
    return f"worklist:provider-failed:{failure.provider}:{failure.error}:episode:{failure.episode_id}"


def _rules_words(provider: str) -> str:
    return provider.replace("_", " ")


def _reason(failure: ProviderFailure) -> str:
    rules = _rules_words(failure.provider)
    if failure.error == DUPLICATE_KEY:
        cause = "they produced the same task twice, which usually means two entries describe the same thing"
    else:
        cause = f"they stopped with an error ({failure.error})"
    return (
        f"The {rules} rules could not update the worklist for episode {failure.episode_id}: {cause}. Until this is "
        f"fixed, that episode's {rules} tasks are neither opened nor closed; every other episode and every other "
        f"kind of task is unaffected, and staff can keep recording. Ask a clinician to check the episode's recent "
        f"{rules} entries for a duplicate or a mistake; if they are correct, report the provider "
        f"\"{failure.provider}\", the error \"{failure.error}\" and the episode number to painpath support. "
        "This task closes by itself when the rules run without error again."
    )


def alerts_to_open(session: Session, failures: Sequence[ProviderFailure], now: datetime) -> list[Obligation]:
    """One admin task per new failure (none when one is open or an admin already marked it done)."""
    found = []
    for failure in {alert_key(f): f for f in failures}.values():
        key = alert_key(failure)
        exists = session.scalar(select(Task.id).where(Task.key == key, Task.status.in_((OPEN, DONE))).limit(1))
        episode = session.get(Episode, failure.episode_id)
        if exists is not None or episode is None:
            continue
        found.append(Obligation(
            key=key, kind=KIND, provider=PROVIDER, clinic_id=episode.clinic_id, episode_id=episode.id,
            patient_id=episode.patient_id, title=f"Worklist rules failed for episode {episode.id}",
            due_at=now, owner_role=OWNER_ROLE, reason=_reason(failure),
            evidence={"provider": failure.provider, "error": failure.error, "episode_id": episode.id},
        ))
    return found


def recovered_alerts(tasks: Iterable, failures: Sequence[ProviderFailure]) -> list:
    """The open admin tasks among `tasks` (every stored task the reconcile loaded, as rows) whose provider ran for
    their episode without error this time."""
    still_failing = {(f.provider, f.episode_id) for f in failures}
    return [t for t in tasks if t.kind == KIND and t.status == OPEN
            and ((t.evidence or {}).get("provider"), t.episode_id) not in still_failing]
