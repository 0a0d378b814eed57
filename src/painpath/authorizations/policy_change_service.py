"""Payer policy changes against the open cases: which cases a new policy version (loaded beside the current one,
or a clinic's draft) changes, and how; the coordinator's "reviewed" mark on a changed case.

The same function serves the page, `painpath packs diff` and the obligation provider (`impact`). Only cases
still being prepared (preparing, ready) are read: a submitted or decided request is judged under the policy it
was sent under. A case opened on or after the effective date was judged under the new version from the start,
so it has no change to report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations import lifecycle, service
from painpath.authorizations.criteria import find_policy
from painpath.authorizations.models import AuthorizationCase, CaseEvent, PayerPolicyDraft
from painpath.authorizations.policy_changes import CaseDifference, PolicyChange, case_difference
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar
from painpath.core.errors import FieldProblem, InvalidInput, NotFound
from painpath.knowledge import PackError, load_knowledge
from painpath.knowledge.loader import Knowledge, read_policies
from painpath.knowledge.schemas import Policy

# Versions that took effect in the last weeks stay on the page and the case page while their cases are reviewed.
RECENT = timedelta(days=30)
REVIEWED = "policy_change_reviewed"  # the case history's action when a coordinator has read the change
PREPARING_STATES = (lifecycle.PREPARING, lifecycle.READY)


@dataclass(frozen=True)
class CaseImpact:
    case: AuthorizationCase
    difference: CaseDifference


@dataclass(frozen=True)
class ChangeImpact:
    change: PolicyChange
    cases: tuple[CaseImpact, ...]


# Which changes -----------------------------------------------------------------------------------

def version_changes(knowledge: Knowledge, *, starting_after: date | None = None, starting_by: date | None = None) -> list[PolicyChange]:
    """Each later version of a loaded policy with the version it replaces, by effective date."""
    found = [
        PolicyChange(new=version, old=previous)
        for versions in knowledge.policy_versions.values()
        for previous, version in zip(versions, versions[1:])
        if (starting_after is None or version.effective_from > starting_after)
        and (starting_by is None or version.effective_from <= starting_by)
    ]
    return sorted(found, key=lambda c: (c.effective_from, c.new.name))


def draft_changes(knowledge: Knowledge, drafts: Iterable[Policy]) -> list[PolicyChange]:
    """A draft's policies, each with what is in force the day before it starts (the same policy id, or the policy
    that governs its payers and procedures then): previewed, never used for a decision."""
    return [PolicyChange(new=policy, old=_replaced(knowledge, policy), draft=True) for policy in drafts]


def _replaced(knowledge: Knowledge, new: Policy) -> Policy | None:
    day_before = new.effective_from - timedelta(days=1)
    if new.id in knowledge.policies:
        return knowledge.policy_on(new.id, day_before)
    for procedure_id in new.procedures:
        for payer_id in new.payers or [p.id for p in knowledge.payers.values() if p.plan_type in new.plan_types]:
            current = find_policy(knowledge, payer_id, procedure_id, day_before)
            if current is not None:
                return current
    return None


def pair_versions(old: Sequence[Policy], new: Sequence[Policy], *, draft: bool = False) -> list[PolicyChange]:
    """Two sets of policies (two pack versions, or the current pack and a draft) as changes: each new policy with
    the old one of its id, or else the old one for the same payers (or plan types) and procedures; unchanged
    policies are left out."""
    by_id = {p.id: p for p in old}
    found = []
    for policy in new:
        was = by_id.get(policy.id) or next(
            (p for p in old if set(p.procedures) & set(policy.procedures)
             and (set(p.payers) & set(policy.payers) or set(p.plan_types) & set(policy.plan_types))), None)
        if was is None or was != policy:
            found.append(PolicyChange(new=policy, old=was, draft=draft))
    return sorted(found, key=lambda c: (c.effective_from, c.new.name))


def names(knowledge: Knowledge) -> dict[str, str]:
    """Payers' and procedures' names by id, for the words of a change."""
    return {**{p.id: p.name for p in knowledge.procedures.values()}, **{p.id: p.name for p in knowledge.payers.values()}}


def governs(knowledge: Knowledge, change: PolicyChange, case: AuthorizationCase) -> bool:
    """Whether the new version decides this case from its effective date: it is about the case's procedure and
    payer (by name, or by plan type when no policy names the payer), and the case was decided under the
    replaced version until then."""
    new = change.new
    if case.procedure_id not in new.procedures:
        return False
    payer = knowledge.payers.get(case.payer_id)
    if case.payer_id not in new.payers:
        if payer is None or payer.plan_type not in new.plan_types:
            return False
        named = find_policy(knowledge, case.payer_id, case.procedure_id, change.effective_from)
        if named is not None and case.payer_id in named.payers and named.id != new.id:
            return False
    current = find_policy(knowledge, case.payer_id, case.procedure_id, change.day_before)
    return (current.id if current else None) == (change.old.id if change.old else None)


# What they change ----------------------------------------------------------------------------------

def impact(session: Session, *, knowledge: Knowledge, calendar: BusinessCalendar, changes: Sequence[PolicyChange],
           cases: Sequence[AuthorizationCase], today: date, changed_only: bool = True) -> list[ChangeImpact]:
    """For each change, the cases (among `cases`) it governs and their decisions under both versions, read on `today`."""
    candidates = [c for c in cases if c.state in PREPARING_STATES]
    wanted = {
        change.key: [c for c in candidates if calendar.local_date(c.opened_at) < change.effective_from and governs(knowledge, change, c)]
        for change in changes
    }
    chosen = {c.id: c for found in wanted.values() for c in found}
    gathered = service.facts_for_cases(session, knowledge=knowledge, calendar=calendar, cases=list(chosen.values()),
                                       today=today) if chosen else {}
    out = []
    for change in changes:
        rows = []
        for case in wanted[change.key]:
            facts = gathered.get(case.id)
            if facts is None:
                continue
            payer = knowledge.payers.get(case.payer_id)
            difference = case_difference(change, facts, service.planned_of(case), today, knowledge.procedures,
                                         payer_name=payer.name if payer else case.payer_id)
            if difference.changed or not changed_only:
                rows.append(CaseImpact(case, difference))
        out.append(ChangeImpact(change, tuple(rows)))
    return out


def clinic_open_cases(session: Session, *, clinic_id: int | None, where: Iterable = ()) -> list[AuthorizationCase]:  # noqa: ANN401
    query = select(AuthorizationCase).where(AuthorizationCase.state.in_(list(PREPARING_STATES)), *where)
    if clinic_id is not None:
        query = query.where(AuthorizationCase.clinic_id == clinic_id)
    return list(session.scalars(query.order_by(AuthorizationCase.opened_at, AuthorizationCase.id)))


# Drafts -------------------------------------------------------------------------------------------------

def read_draft(knowledge_dirs: Sequence[Path], file: Path, *, field: str = "draft") -> tuple[Knowledge, list[Policy]]:
    """A draft policy pack checked against the loaded packs (its payers and procedures must exist): the Knowledge
    it would make and its policies. A bad draft raises InvalidInput naming the pack's field; nothing is kept."""
    try:
        with_draft = load_knowledge(knowledge_dirs, drafts=[file])
        policies = read_policies(file)
    except PackError as exc:
        raise InvalidInput(FieldProblem(field, "valid_pack", f"{exc.path or 'the file'}: {exc.message}")) from None
    if not policies:
        raise InvalidInput(FieldProblem(field, "policy_pack", "The file holds no payer policy (its pack kind must be authorization_policy)"))
    return with_draft, policies


MAX_DRAFT_BYTES = 512 * 1024  # a policy pack is a few kilobytes; this is room for a whole payer's set


def preview(knowledge: Knowledge, knowledge_dirs: Sequence[Path], content: bytes) -> list[PolicyChange]:
    """The changes a draft's text would make, checked by the loader (the file lives in a temporary folder only
    while it is read); InvalidInput naming the pack's field when the loader refuses it."""
    if len(content) > MAX_DRAFT_BYTES:
        raise InvalidInput(FieldProblem("draft", "max_size", "The draft is larger than a policy pack can be (512 KB)"))
    with tempfile.TemporaryDirectory(prefix="painpath-draft-") as folder:
        file = Path(folder) / "draft.yaml"
        file.write_bytes(content)
        _, policies = read_draft(knowledge_dirs, file)
    return draft_changes(knowledge, policies)


def stored_drafts(session: Session, *, clinic_id: int | None) -> list[PayerPolicyDraft]:
    return list(session.scalars(select(PayerPolicyDraft).where(PayerPolicyDraft.clinic_id == clinic_id)
                                .order_by(PayerPolicyDraft.created_at, PayerPolicyDraft.id)))


def keep_draft(session: Session, *, actor: Actor, knowledge: Knowledge, knowledge_dirs: Sequence[Path], name: str,
               content: bytes) -> PayerPolicyDraft:
    """Store a draft the loader accepts, for colleagues to preview (audited); a bad one is refused, nothing kept."""
    preview(knowledge, knowledge_dirs, content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(FieldProblem("draft", "utf8", "The draft must be a UTF-8 text file")) from None
    draft = PayerPolicyDraft(clinic_id=actor.clinic_id, name=name[:200] or "draft.yaml", content=text, uploaded_by_id=actor.user_id)
    session.add(draft)
    session.flush()
    audit.record(session, actor, "payer_policy_draft.keep", object_type="payer_policy_draft", object_id=draft.id,
                 detail={"name": draft.name})
    return draft


def remove_draft(session: Session, *, actor: Actor, draft_id: int) -> None:
    draft = session.get(PayerPolicyDraft, draft_id)
    if draft is None or draft.clinic_id != actor.clinic_id:
        raise NotFound("payer policy draft", draft_id)
    audit.record(session, actor, "payer_policy_draft.remove", object_type="payer_policy_draft", object_id=draft.id,
                 detail={"name": draft.name})
    session.delete(draft)
    session.flush()


# The coordinator's mark -----------------------------------------------------------------------------------

def reviewed(session: Session, case_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(case id, change key) for each change a coordinator marked reviewed on these cases."""
    if not case_ids:
        return set()
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.detail).where(
        CaseEvent.case_id.in_(list(case_ids)), CaseEvent.action == REVIEWED))
    return {(case_id, (detail or {}).get("change", "")) for case_id, detail in rows}


def mark_reviewed(session: Session, *, actor: Actor, case_id: int, change_key: str, words: str) -> AuthorizationCase:
    """The coordinator has read what the policy change does to the case: a line in its history (audited)."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    if (case.id, change_key) not in reviewed(session, [case.id]):
        service.record_event(session, actor, case, REVIEWED, case.state, note=words, detail={"change": change_key})
    return case


def case_changes(session: Session, *, knowledge: Knowledge, calendar: BusinessCalendar, case: AuthorizationCase,
                 today: date) -> list[dict]:
    """For the case page: the payer policy versions (coming or recent) that change this case, with the reviewed mark."""
    found = version_changes(knowledge, starting_after=today - RECENT)
    if not found or case.state not in PREPARING_STATES:
        return []
    results = impact(session, knowledge=knowledge, calendar=calendar, changes=found, cases=[case], today=today)
    done = reviewed(session, [case.id])
    return [{"key": r.change.key, "name": r.change.new.name, "from": r.change.effective_from, "words": row.difference.words,
             "reviewed": (case.id, r.change.key) in done, "in_force": r.change.effective_from <= today}
            for r in results for row in r.cases]
