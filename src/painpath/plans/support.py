"""Support strategies on the care plan: the clinician adds a strategy of the support_strategies pack (CBT-based
pain programme, paced breathing, sleep hygiene, biofeedback, ...) with a note for this patient, or removes one;
the patient's plan prints the strategies in plain words. A removed item keeps its row (who removed it, when).
Every write is audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import FieldProblem, InvalidInput, StaleWrite
from painpath.core.validation import DbId, InputModel, SafeText, Version
from painpath.patients import service as patients
from painpath.plans.models import PlanSupportItem


class SupportItemIn(InputModel):
    """A support strategy added to the plan: a support_strategies pack id, and a note for this patient."""

    strategy_id: str = Field(min_length=1, max_length=60)
    note: SafeText | None = Field(default=None, max_length=500)


class SupportRemoveIn(InputModel):
    item_id: DbId
    version: Version


@dataclass(frozen=True)
class SupportWords:
    """A strategy as the patient's plan says it."""

    name: str
    words: str
    note: str | None


def _audit(session: Session, actor: Actor, action: str, row: PlanSupportItem) -> None:
    audit.record(session, actor, action, object_type="care_plan_support_item", object_id=row.id, patient_id=row.patient_id,
                 clinic_id=row.clinic_id, detail={"strategy": row.strategy_id})


def active_items(session: Session, *, episode_id: int) -> list[PlanSupportItem]:
    """The strategies on the episode's plan, in the order added. Not audited: for pages and the printed plan,
    whose reads are."""
    return list(session.scalars(select(PlanSupportItem).where(PlanSupportItem.episode_id == episode_id, PlanSupportItem.removed_at.is_(None))
                                .order_by(PlanSupportItem.added_on, PlanSupportItem.id)))


def list_items(session: Session, *, actor: Actor, episode_id: int) -> list[PlanSupportItem]:
    """The strategies on the episode's plan for the API; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return active_items(session, episode_id=episode.id)


def add_item(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
             data: SupportItemIn) -> PlanSupportItem:
    """Add a strategy to the plan; refused when the strategy is unknown or already on it."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    strategy = knowledge.support_strategies.get(data.strategy_id)
    if strategy is None:
        known = ", ".join(s.name for s in knowledge.support_strategies.values()) or "none"
        raise InvalidInput(FieldProblem("strategy_id", "known_strategy", f"Choose one of the clinic's support strategies: {known}"))
    if any(i.strategy_id == strategy.id for i in active_items(session, episode_id=episode.id)):
        raise InvalidInput(FieldProblem("strategy_id", "not_on_plan", f"{strategy.name} is already on this plan"))
    row = PlanSupportItem(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, strategy_id=strategy.id,
                          note=data.note or None, added_on=calendar.local_date(utcnow()), added_by_id=actor.user_id)
    session.add(row)
    session.flush()
    _audit(session, actor, "plan.support_added", row)
    return row


def remove_item(session: Session, *, actor: Actor, episode_id: int, data: SupportRemoveIn) -> PlanSupportItem:
    """Take a strategy off the plan (version-checked); the row stays with who removed it and when."""
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    row = session.get(PlanSupportItem, data.item_id)
    if row is None or row.episode_id != episode_id or row.removed_at is not None:
        raise InvalidInput(FieldProblem("item_id", "on_plan", "That support strategy is not on this plan (it may have been removed already)"))
    if data.version != row.version:
        raise StaleWrite("support strategy", data.version, row.version)
    row.removed_at, row.removed_by_id = utcnow(), actor.user_id
    session.flush()
    _audit(session, actor, "plan.support_removed", row)
    return row


def plan_words(session: Session, *, knowledge, episode_id: int) -> list[SupportWords]:  # noqa: ANN001
    """The strategies on the plan for the patient's printed plan; one whose pack entry is gone is left out."""
    found = []
    for row in active_items(session, episode_id=episode_id):
        strategy = knowledge.support_strategies.get(row.strategy_id)
        if strategy is not None:
            found.append(SupportWords(strategy.name, strategy.patient_words, row.note))
    return found
