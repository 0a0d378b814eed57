"""Readiness kept per case between passes: a case whose inputs have not changed since it was last decided
is not decided again.

A case's decision and kit are a pure function of its inputs (`criteria.evaluate`, `rules.checklist`): the
policy pack, the payer, the planned procedure, the day, and the episode's facts with the kit's documents.
Nothing else. So the memo keeps, per case, the inputs it was last decided on and what came of them, and
answers from it only when every input is equal to the last: the facts are compared whole (every field of
`EpisodeFacts`, so a new fact source is compared the day it is added), a new day decides again, and a
reloaded knowledge (a new object) empties the memo. What is saved is the evaluation, never the reading:
every pass still gathers every fact of every case from the database.

Why: the reconciler sweeps every open case of every clinic, again and again, and between two sweeps
almost no case's facts change; evaluating ~7 criteria and deriving the kit is about half of a sweep
(bench/README.md, "Authorization readiness"). The decision handed out is shared by the passes that find
the same inputs; decisions are read-only by convention, and their words, said when first read, are the
same for every reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from painpath.facts.vocabulary import EpisodeFacts

# Past this many cases the memo starts again empty: a bound on memory. Each entry holds a case's facts,
# decision and kit, about 14 kB (measured on the readiness bench: 4,000 cases, 56 MB), so a process sweeping
# 20,000 open cases keeps some 280 MB, and at most about 350 MB.
LIMIT = 25_000

_state: dict[str, Any] = {"knowledge": None, "entries": {}, "enabled": True}


def decided(knowledge: object, case_id: int, given: tuple, facts: EpisodeFacts, decide: Callable[[], Any]) -> Any:
    """What `decide()` answers for the case on these inputs (`given`: everything but the knowledge and the
    facts, such as the policy, payer, planned procedure and day): from the memo when the case was last
    decided on equal inputs, else decided now (and kept). Inputs are only compared (==), never hashed, so
    facts holding dicts (an exam's findings) are compared like any other."""
    if not _state["enabled"]:
        return decide()
    if _state["knowledge"] is not knowledge:  # a reloaded pack: nothing kept is known to hold
        _state["knowledge"], _state["entries"] = knowledge, {}
    entries = _state["entries"]
    found = entries.get(case_id)
    if found is not None and found[0] == given and found[1] == facts:
        return found[2]
    answer = decide()
    if len(entries) >= LIMIT and case_id not in entries:
        entries.clear()
    entries[case_id] = (given, facts, answer)
    return answer


def forget() -> None:
    """Empty the memo: the next pass decides every case again (the benchmark's cold pass)."""
    _state["entries"] = {}


@contextmanager
def bypassed() -> Iterator[None]:
    """Within: every case is decided afresh and nothing is kept (the reference the memo is checked against).
    Process-wide, for tests and the benchmark: not for a request among others."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before
