"""Work-restriction use cases: draft one (from the chart's latest functional measures or by hand), edit the
draft, sign it (then it never changes: a change is a new restriction that follows it), and read them for the
pages and the obligation rules. Every write is audited in the same transaction; every edit carries the
version it was read at (a stale one is refused with 409)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import service as charting
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.paperwork import restrictions_rules as rules
from painpath.paperwork.models import WorkRestriction
from painpath.paperwork.restrictions_duties import RestrictionFacts
from painpath.paperwork.restrictions_schemas import RestrictionIn


def _audit(session: Session, actor: Actor, action: str, restriction: WorkRestriction, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="work_restriction", object_id=restriction.id, patient_id=restriction.patient_id,
                 detail=detail)


def get_restriction(session: Session, *, clinic_id: int | None, restriction_id: int) -> WorkRestriction:
    return patients.clinic_record(session, WorkRestriction, restriction_id, clinic_id=clinic_id, what="work restriction")


def read_restriction(session: Session, *, actor: Actor, restriction_id: int) -> WorkRestriction:
    """A restriction for a person to see: chart access checked and the read audited (once per request)."""
    return patients.read_record(session, WorkRestriction, restriction_id, actor=actor, what="work restriction", object_type="work_restriction")


def episode_restrictions(session: Session, *, actor: Actor, episode_id: int) -> list[WorkRestriction]:
    """An episode's restrictions, newest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(WorkRestriction).where(WorkRestriction.episode_id == episode.id)
                                .order_by(WorkRestriction.issued_on.desc(), WorkRestriction.id.desc())))


def latest_signed(session: Session, episode_id: int) -> WorkRestriction | None:
    """The restriction in force (or last in force): the newest signed one."""
    return session.scalar(select(WorkRestriction).where(WorkRestriction.episode_id == episode_id, WorkRestriction.status == "signed")
                          .order_by(WorkRestriction.issued_on.desc(), WorkRestriction.signed_at.desc(), WorkRestriction.id.desc()).limit(1))


def _latest_measures(session: Session, episode_id: int) -> tuple[dict, dict[str, date]]:
    latest = charting.latest_measures(session, episode_id=episode_id)
    return latest["values"], {m: date.fromisoformat(d) for m, d in latest["as_of"].items()}


def draft_from_chart(session: Session, *, actor: Actor, episode_id: int) -> rules.Draft:
    """The restriction's items pre-filled from the episode's latest functional measures (a chart read)."""
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    return rules.draft_from_measures(*_latest_measures(session, episode_id))


def _problems(session: Session, episode_id: int, data: RestrictionIn, previous: WorkRestriction | None) -> tuple[list[FieldProblem], dict[str, str]]:
    """The checks of one restriction, and the measures it rests on (the latest of each measure it limits)."""
    limits = data.model_dump(exclude={"duty_level", "issued_on", "valid_until", "re_evaluate_on", "notes"})
    problems = rules.restriction_problems(duty_level=data.duty_level, issued_on=data.issued_on, valid_until=data.valid_until,
                                          re_evaluate_on=data.re_evaluate_on, limits=limits)
    _values, as_of = _latest_measures(session, episode_id)
    if previous is not None and rules.is_extension(previous.valid_until, data.valid_until):
        problems += rules.extension_problems(previous_issued_on=previous.issued_on, previous_based_on=previous.based_on, latest_as_of=as_of)
    based_on = {m: as_of[m].isoformat() for m, name in rules.MEASURE_FIELDS.items() if limits.get(name) is not None and m in as_of}
    return problems, based_on


def _write(restriction: WorkRestriction, data: RestrictionIn, based_on: dict[str, str]) -> None:
    limits = data.model_dump(exclude={"duty_level", "issued_on", "valid_until", "re_evaluate_on", "notes"})
    restriction.items = rules.items_from(limits)
    restriction.based_on = based_on
    restriction.duty_level, restriction.notes = data.duty_level, data.notes.strip()
    restriction.issued_on, restriction.valid_until, restriction.re_evaluate_on = data.issued_on, data.valid_until, data.re_evaluate_on


def create_restriction(session: Session, *, actor: Actor, episode_id: int, data: RestrictionIn) -> WorkRestriction:
    """Draft a restriction. It follows the episode's signed one when there is one; if it runs past that one's
    end it is an extension, refused without functional measures newer than that one's issue date."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    previous = latest_signed(session, episode.id)
    problems, based_on = _problems(session, episode.id, data, previous)
    if problems:
        raise InvalidInput(problems)
    restriction = WorkRestriction(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id,
                                  previous_id=previous.id if previous else None, status="draft", drafted_by_id=actor.user_id)
    _write(restriction, data, based_on)
    session.add(restriction)
    session.flush()
    _audit(session, actor, "work_restriction.draft", restriction, duty_level=restriction.duty_level, previous_id=restriction.previous_id,
           valid_until=restriction.valid_until.isoformat(), items=[i["activity"] for i in restriction.items])
    return restriction


def _editable(session: Session, actor: Actor, restriction_id: int, version: int) -> WorkRestriction:
    restriction = get_restriction(session, clinic_id=actor.clinic_id, restriction_id=restriction_id)
    patients.read_episode(session, actor=actor, episode_id=restriction.episode_id)
    if restriction.version != version:
        raise StaleWrite("work restriction", version, restriction.version)
    if restriction.status == "signed":
        raise Conflict(FieldProblem("status", "signed_is_final", f"Restriction {restriction.reference} is signed and cannot change; "
                                    "write a new restriction that follows it"))
    current = latest_signed(session, restriction.episode_id)
    if (current.id if current else None) != restriction.previous_id:
        raise Conflict(FieldProblem("previous_id", "follows_current", "Another restriction was signed since this draft was written; "
                                    "write a new one from the restriction now in force"))
    return restriction


def update_draft(session: Session, *, actor: Actor, restriction_id: int, data: RestrictionIn, version: int) -> WorkRestriction:
    restriction = _editable(session, actor, restriction_id, version)
    previous = session.get(WorkRestriction, restriction.previous_id) if restriction.previous_id else None
    problems, based_on = _problems(session, restriction.episode_id, data, previous)
    if problems:
        raise InvalidInput(problems)
    _write(restriction, data, based_on)
    session.flush()
    _audit(session, actor, "work_restriction.edit", restriction, duty_level=restriction.duty_level, valid_until=restriction.valid_until.isoformat())
    return restriction


def sign_restriction(session: Session, *, actor: Actor, restriction_id: int, version: int) -> WorkRestriction:
    """A clinician signs the draft; from then on it is immutable. The extension rule is checked again: the
    measures the draft rested on must still be on the chart."""
    restriction = _editable(session, actor, restriction_id, version)
    previous = session.get(WorkRestriction, restriction.previous_id) if restriction.previous_id else None
    if previous is not None and rules.is_extension(previous.valid_until, restriction.valid_until):
        _values, as_of = _latest_measures(session, restriction.episode_id)
        if problems := rules.extension_problems(previous_issued_on=previous.issued_on, previous_based_on=previous.based_on, latest_as_of=as_of):
            raise InvalidInput(problems)
    restriction.status, restriction.signed_by_id, restriction.signed_at = "signed", actor.user_id, utcnow()
    session.flush()
    _audit(session, actor, "work_restriction.sign", restriction, valid_until=restriction.valid_until.isoformat())
    return restriction


# Facts for the obligation rules ------------------------------------------------------------------------

def restriction_facts(session: Session, *, episode_ids: Sequence[int] | None) -> list[RestrictionFacts]:
    """Every signed restriction of the episodes asked about (all when None), with what superseded it."""
    query = (select(WorkRestriction, Episode.status).join(Episode, Episode.id == WorkRestriction.episode_id)
             .where(WorkRestriction.status == "signed"))
    if episode_ids is not None:
        query = query.where(WorkRestriction.episode_id.in_(list(episode_ids)))
    rows = list(session.execute(query.order_by(WorkRestriction.episode_id, WorkRestriction.issued_on, WorkRestriction.signed_at, WorkRestriction.id)))
    found = []
    for index, (r, episode_status) in enumerate(rows):
        later = next((n for n, _s in rows[index + 1:] if n.episode_id == r.episode_id), None)
        found.append(RestrictionFacts(
            restriction_id=r.id, clinic_id=r.clinic_id, episode_id=r.episode_id, patient_id=r.patient_id, duty_level=r.duty_level,
            issued_on=r.issued_on, valid_until=r.valid_until, re_evaluate_on=r.re_evaluate_on,
            superseded_on=later.issued_on if later else None, superseded_at=later.signed_at if later else None,
            episode_open=episode_status == "open"))
    return found
