"""Checks that a provider's answer is a step function of time and that its NextChange names the step.

`findings_at(moment)` computes one episode's findings from fixed facts. The answer (every finding but the
NextChange) must be the same at `now` and one microsecond before the emitted instant, so the instant is
not late, and differ at the instant itself, so it is not needlessly early.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from painpath.worklist.engine import Finding, NextChange, next_review

TICK = timedelta(microseconds=1)


def answer(findings: Sequence[Finding]) -> list[Finding]:
    """What a provider found, without its word on time."""
    return [f for f in findings if not isinstance(f, NextChange)]


def next_change(findings: Sequence[Finding], now: datetime) -> datetime:
    instants = set(next_review(findings, now).values())
    assert len(instants) == 1, f"expected one episode with a next change, got {instants}"
    return instants.pop()


def assert_steps_at(findings_at: Callable[[datetime], Sequence[Finding]], now: datetime) -> datetime:
    """Asserts the answer holds until the emitted instant and changes at it; returns the instant."""
    first = findings_at(now)
    at = next_change(first, now)
    assert at > now
    assert answer(findings_at(at - TICK)) == answer(first), "the answer changed before the emitted instant"
    assert answer(findings_at(at)) != answer(first), "the answer did not change at the emitted instant"
    return at


def provider_findings_at(ctx, provider_name: str, episode_id: int) -> Callable[[datetime], list[Finding]]:  # noqa: ANN001
    """One registered provider's findings for one episode at a moment, read from the database as the engine does."""
    from painpath.worklist.engine import registered_providers

    provider = next(p for p in registered_providers() if p.name == provider_name)

    def findings_at(moment: datetime) -> list[Finding]:
        with ctx.db.session() as session:
            return provider.findings(session, episode_ids=[episode_id], context=ctx.engine_context(moment))

    return findings_at
