"""Authorization case use cases: open a case for a planned procedure, evaluate its kit, move it through
the payer's answers, attach documents. Every change writes the case history and the audit log in the
same transaction.

The criteria decision and the checklist are computed on every read from the episode's facts (through
`gather`), the policy pack and today's date; nothing about eligibility is stored except the eligibility
date at submission, which the clinic's "days from eligibility to submission" measure needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations import clocks, criteria, decision_memo, lifecycle, rules
from painpath.authorizations.models import AuthorizationCase, CaseDocument, CaseEvent
from painpath.authorizations.schemas import CaseOpenIn, DecisionIn, DocumentIn, PendIn, PlannedDateIn, StepIn, SubmitIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in, memoized_by_episode
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import DocumentFact, EpisodeFacts, PlannedProcedure
from painpath.orders import rules as order_rules
from painpath.orders import service as orders
from painpath.orders.schemas import StudyIn
from painpath.patients import service as patients
from painpath.workcomp import service as workcomp

# How far back to look for the day a patient became eligible, when a case is submitted after it.
ELIGIBILITY_LOOKBACK_DAYS = 366


@dataclass(frozen=True)
class Evaluated:
    """A case with what the engine says about it today."""

    case: AuthorizationCase
    decision: criteria.PolicyDecision | None
    checklist: tuple[rules.ChecklistItem, ...]
    units_used: int
    submitted_on: date | None = None  # the clinic's calendar day of the submission
    facts: EpisodeFacts | None = None  # what the decision was made on (with the kit's documents)

    @property
    def kit_progress(self) -> tuple[int, int]:
        return rules.kit_progress(list(self.checklist))

    @property
    def days_from_eligibility_to_submission(self) -> int | None:
        if self.submitted_on is None:
            return None
        return rules.days_from_eligibility_to_submission(self.case.eligible_on_at_submission, self.submitted_on)


def _today(calendar: BusinessCalendar, now: datetime | None = None) -> date:
    return calendar.local_date(now or utcnow())


def _case(session: Session, clinic_id: int | None, case_id: int) -> AuthorizationCase:
    found = session.get(AuthorizationCase, case_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("authorization case", case_id)
    return found


def record_event(session: Session, actor: Actor, case: AuthorizationCase, action: str, from_state: str | None,
                 note: str | None = None, detail: dict | None = None, at: datetime | None = None) -> None:
    """A line in the case history, and the same fact in the audit log."""
    session.add(CaseEvent(
        clinic_id=case.clinic_id, case_id=case.id, at=at or utcnow(), actor_id=actor.user_id, action=action,
        from_state=from_state, to_state=case.state, note=note, detail=detail,
    ))
    audit.record(session, actor, f"authorization.{action}", object_type="authorization_case", object_id=case.id,
                 patient_id=case.patient_id, detail={"from": from_state, "to": case.state, **(detail or {})})


def _check_version(case: AuthorizationCase, version: int) -> None:
    if case.version != version:
        raise StaleWrite("authorization case", version, case.version)


# Opening ---------------------------------------------------------------------------------------

def open_case(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
              data: CaseOpenIn) -> AuthorizationCase:
    """Open a case in *preparing* for a planned procedure under the episode's primary payer."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    procedure = knowledge.procedures.get(data.procedure_id)
    problems: list[FieldProblem] = []
    if procedure is None:
        known = ", ".join(sorted(knowledge.procedures))
        raise InvalidInput(FieldProblem("procedure_id", "known_procedure", f"No procedure {data.procedure_id!r}; known: {known}"))
    allowed = {c.code for c in procedure.codes}
    for index, code in enumerate(data.cpt_codes):
        if code not in allowed:
            problems.append(FieldProblem(f"cpt_codes[{index}]", "procedure_code",
                                         f"{code} is not a code for {procedure.name}; use one of {', '.join(sorted(allowed))}"))
    today = _today(calendar)
    if data.planned_on is not None and data.planned_on < today:
        problems.append(FieldProblem("planned_on", "not_past", "The planned procedure date cannot be in the past"))
    # A workers' compensation episode's requests go to the claim's carrier, under its clock, whatever the
    # patient's own health coverage is.
    payer_id = workcomp.carrier_payer_id(session, episode_id=episode.id) or patients.primary_payer_id(session, patient_id=patient.id, on=today)
    if payer_id is None:
        problems.append(FieldProblem("coverage", "required", "The patient has no active coverage; add the payer before opening an authorization"))
    if problems:
        raise InvalidInput(problems)
    assert payer_id is not None
    policy = criteria.find_policy(knowledge, payer_id, procedure.id, today)
    case = AuthorizationCase(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, state=lifecycle.PREPARING,
        procedure_id=procedure.id, cpt_codes=list(data.cpt_codes) or [procedure.codes[0].code],
        region=procedure.region if procedure.region != "any" else episode.body_region, side=data.side,
        levels=list(data.levels), place_of_service=data.place_of_service, units_requested=data.units_requested,
        planned_on=data.planned_on, priority=data.priority, payer_id=payer_id, policy_id=policy.id if policy else None,
        opened_at=utcnow(), opened_by_id=actor.user_id,
    )
    session.add(case)
    session.flush()
    record_event(session, actor, case, "open", None, detail={"procedure_id": procedure.id, "payer_id": payer_id,
                                                        "policy_id": case.policy_id})
    return case


def get_case(session: Session, *, actor: Actor, case_id: int) -> AuthorizationCase:
    """A case, with the chart-read audit of its episode."""
    case = _case(session, actor.clinic_id, case_id)
    patients.read_episode(session, actor=actor, episode_id=case.episode_id)
    return case


def cases_for_episode(session: Session, *, episode_id: int) -> list[AuthorizationCase]:
    return list(session.scalars(select(AuthorizationCase).where(AuthorizationCase.episode_id == episode_id)
                                .order_by(AuthorizationCase.opened_at, AuthorizationCase.id)))


def history(session: Session, *, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)))


def documents(session: Session, *, case_id: int) -> list[CaseDocument]:
    return list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.document_date, CaseDocument.id)))


# Evaluation ------------------------------------------------------------------------------------

_PLANNED_COLUMNS = attrgetter("procedure_id", "cpt_codes", "region", "side", "levels", "place_of_service", "planned_on",
                              "units_requested")


def planned_of(case: AuthorizationCase) -> PlannedProcedure:
    return _planned(_planned_values(case))


def _planned_values(case: AuthorizationCase) -> tuple:
    """The planned procedure's fields as the case holds them, read in one call (lists made tuples, so a
    list changed in place later cannot change a value kept): the decision memo compares these, and builds
    the PlannedProcedure only when it decides."""
    kind, cpt_codes, region, side, levels, place_of_service, planned_on, units = _PLANNED_COLUMNS(case)
    return kind, tuple(cpt_codes), region, side, tuple(levels or ()), place_of_service, planned_on, units


def _planned(values: tuple) -> PlannedProcedure:
    kind, cpt_codes, region, side, levels, place_of_service, planned_on, units = values
    return PlannedProcedure(kind=kind, cpt_codes=cpt_codes, region=region, side=side, levels=levels,  # type: ignore[arg-type]
                            place_of_service=place_of_service, planned_on=planned_on, units=units)


# Kit documents that are imaging reports: filed as the episode's imaging study (orders.file_report), so the
# kit's imaging items read one fact whether the report came here, on the records tracker or as an outside study.
IMAGING_KINDS = frozenset({"imaging_report", "mri_report"})


def _file_imaging_report(session: Session, actor: Actor, calendar: BusinessCalendar, case: AuthorizationCase, data: DocumentIn) -> None:
    modality = data.modality or ("mri" if data.kind == "mri_report" else None)
    if modality is None:
        raise InvalidInput(FieldProblem("modality", "required", "Say which study the report is of (MRI, CT, X-ray, ...) so it counts as the episode's imaging"))
    region = data.region or (case.region if case.region in order_rules.REGIONS else "other")
    study = StudyIn.model_validate({"modality": modality, "region": region, "study": data.title, "origin": "outside",
                                    "performed_on": data.document_date, "report_on_file": True,
                                    "concordant": data.concordant or "unknown", "summary": data.result or ""})
    orders.file_report(session, actor=actor, calendar=calendar, episode_id=case.episode_id, data=study)


def kit_documents_for_episodes(session: Session, episode_ids: Sequence[int]) -> dict[int, list[DocumentFact]]:
    """Documents filed in the episodes' authorization kits, as facts (one query for any number of episodes; within
    a read_memo span, one per episode however many providers ask: core.db.memoized_by_episode)."""
    return memoized_by_episode(session, ("authorizations.kit_documents",), episode_ids, lambda ids: _kit_documents(session, ids))


def _kit_documents(session: Session, episode_ids: Sequence[int]) -> dict[int, list[DocumentFact]]:
    found: dict[int, list[DocumentFact]] = {}
    rows = session.execute(
        select(CaseDocument.episode_id, CaseDocument.id, CaseDocument.kind, CaseDocument.document_date, CaseDocument.value,
               CaseDocument.result)
        .where(ids_in(session, CaseDocument.episode_id, episode_ids), CaseDocument.kind.not_in(list(IMAGING_KINDS)))
    )
    for episode_id, document_id, kind, on, value, result in rows:
        found.setdefault(episode_id, []).append(DocumentFact(
            kind=kind, on=on, reference=f"case_document:{document_id}", value=value, result=result,
        ))
    return found


def _units_used(case: AuthorizationCase, facts: EpisodeFacts | None) -> int:
    """Sessions of the approved procedure performed inside the approval window (never typed by hand),
    from the performed procedures the facts already hold."""
    if facts is None or (case.state not in lifecycle.IN_FORCE and case.state != lifecycle.EXPIRED):
        return 0
    used = 0
    for p in facts.procedures:
        if p.kind != case.procedure_id:
            continue
        if case.approved_from and p.performed_on < case.approved_from:
            continue
        if case.approved_to and p.performed_on > case.approved_to:
            continue
        used += 1
    return used


def evaluate_cases(session: Session, *, knowledge, calendar: BusinessCalendar, cases: Sequence[AuthorizationCase],  # noqa: ANN001
                   today: date) -> list[Evaluated]:
    """Each case with its policy decision and checklist for `today` (one gathering for all their episodes)."""
    episode_ids = sorted({c.episode_id for c in cases})
    facts = gather_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=episode_ids, today=today)
    docs = kit_documents_for_episodes(session, episode_ids)
    out = []
    for case in cases:  # each attribute read once: this runs for every open case of every clinic
        episode_id, state, submitted_at = case.episode_id, case.state, case.submitted_at
        episode_facts = facts.get(episode_id)
        decision, items, decided_on = None, (), None
        if episode_facts is not None and state in _DECIDED_STATES and case.policy_id in knowledge.policies:
            found = docs.get(episode_id)
            decided_on = _with_documents(episode_facts, found) if found else episode_facts
            decision, items = _decision_and_kit(knowledge, case, decided_on, today)
        units_used = _units_used(case, episode_facts) if state in _UNITS_COUNTED_STATES else 0
        out.append(Evaluated(case, decision, items, units_used, calendar.local_date(submitted_at) if submitted_at else None, decided_on))
    return out


def facts_for_cases(session: Session, *, knowledge, calendar: BusinessCalendar, cases: Sequence[AuthorizationCase],  # noqa: ANN001
                    today: date) -> dict[int, EpisodeFacts]:
    """Each case's episode facts with the documents of its kits, by case id (one gathering for all), whether or not
    a policy decides the case today: what a policy change's preview evaluates."""
    episode_ids = sorted({c.episode_id for c in cases})
    facts = gather_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=episode_ids, today=today)
    docs = kit_documents_for_episodes(session, episode_ids)
    return {c.id: _with_documents(facts[c.episode_id], docs.get(c.episode_id, [])) for c in cases if c.episode_id in facts}


_DECIDED_STATES = frozenset({lifecycle.PREPARING, lifecycle.READY})  # the criteria are evaluated until the request is sent
_UNITS_COUNTED_STATES = lifecycle.IN_FORCE | {lifecycle.EXPIRED}  # _units_used counts nothing in the others


def _decision_and_kit(knowledge, case: AuthorizationCase, facts: EpisodeFacts,  # noqa: ANN001
                      today: date) -> tuple[criteria.PolicyDecision, tuple[rules.ChecklistItem, ...]]:
    """The case's decision and kit, from the decision memo when nothing they are made of changed since the
    case was last decided (decision_memo: every pass still reads every fact)."""
    planned = _planned_values(case)

    def fresh() -> tuple[criteria.PolicyDecision, tuple[rules.ChecklistItem, ...]]:
        decision = _decide(knowledge, case, _planned(planned), facts, today)
        return decision, tuple(rules.checklist(decision))

    return decision_memo.decided(knowledge, case.id, (case.policy_id, case.payer_id, today, planned), facts, fresh)


def _with_documents(facts: EpisodeFacts, found: list[DocumentFact]) -> EpisodeFacts:
    return replace(facts, documents=(*facts.documents, *found)) if found else facts


def facts_for_case(session: Session, *, knowledge, calendar: BusinessCalendar, case: AuthorizationCase, today: date) -> EpisodeFacts:  # noqa: ANN001
    """The episode's facts as the engine sees them for this case, with the documents placed in any of its kits."""
    facts = gather_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[case.episode_id], today=today)[case.episode_id]
    return _with_documents(facts, kit_documents_for_episodes(session, [case.episode_id]).get(case.episode_id, []))


def decide(knowledge, case: AuthorizationCase, facts: EpisodeFacts, today: date) -> criteria.PolicyDecision:  # noqa: ANN001
    return _decide(knowledge, case, planned_of(case), facts, today)


def _decide(knowledge, case: AuthorizationCase, planned: PlannedProcedure, facts: EpisodeFacts,  # noqa: ANN001
            today: date) -> criteria.PolicyDecision:
    policy = knowledge.policy_on(case.policy_id, today)
    payer = knowledge.payers.get(case.payer_id)
    return criteria.evaluate(policy, facts, planned, today, knowledge.procedures, payer_name=payer.name if payer else case.payer_id)


def evaluate_case(session: Session, *, knowledge, calendar: BusinessCalendar, case: AuthorizationCase,  # noqa: ANN001
                  today: date | None = None) -> Evaluated:
    return evaluate_cases(session, knowledge=knowledge, calendar=calendar, cases=[case], today=today or _today(calendar))[0]


def eligible_since(knowledge, case: AuthorizationCase, facts: EpisodeFacts, today: date,  # noqa: ANN001
                   not_before: date | None = None) -> date:
    """The first day of the unbroken run of "eligible now" that ends today: the day the patient became eligible."""
    # Only the outcome is read, day after day: the policy and the planned procedure are looked up once.
    policy, planned = knowledge.policy_on(case.policy_id, today), planned_of(case)
    day = today
    for _ in range(ELIGIBILITY_LOOKBACK_DAYS):
        earlier = day - timedelta(days=1)
        if (not_before is not None and earlier < not_before) or criteria.evaluate(
            policy, facts, planned, earlier, knowledge.procedures
        ).outcome != "eligible_now":
            break
        day = earlier
    return day


# Moves -----------------------------------------------------------------------------------------

def _move(session: Session, actor: Actor, case: AuthorizationCase, action: str, *, note: str | None = None,
          detail: dict | None = None, at: datetime | None = None) -> AuthorizationCase:
    try:
        to_state = lifecycle.move(case.state, action)
    except lifecycle.IllegalMove as exc:
        raise Conflict(FieldProblem("state", "allowed_move", str(exc).capitalize())) from None
    from_state = case.state
    case.state = to_state
    session.flush()
    record_event(session, actor, case, action, from_state, note=note, detail=detail, at=at)
    return case


def _blocking_problems(evaluated: Evaluated) -> list[FieldProblem]:
    decision = evaluated.decision
    if decision is None:
        return []
    problems = [FieldProblem(f"criteria.{r.criterion_id}", "met", f"{r.label}: {r.explanation}")
                for r in decision.criteria if r.status in ("not_met", "missing_evidence", "not_yet")]
    return problems


def mark_ready(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int, version: int,  # noqa: ANN001
               note: str | None = None) -> AuthorizationCase:
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, version)
    problems = _blocking_problems(evaluate_case(session, knowledge=knowledge, calendar=calendar, case=case))
    if problems:
        raise Conflict(problems)
    return _move(session, actor, case, "mark_ready", note=note)


def submit(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int, data: SubmitIn) -> AuthorizationCase:  # noqa: ANN001
    """Record that the request went to the payer. Refused while a criterion is unmet or evidence is missing."""
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, data.version)
    now = utcnow()
    at = calendar.to_utc(data.submitted_at) if data.submitted_at else now
    if at > now:
        raise InvalidInput(FieldProblem("submitted_at", "not_future", "A submission cannot be recorded in the future"))
    today = calendar.local_date(at)
    evaluated = evaluate_case(session, knowledge=knowledge, calendar=calendar, case=case, today=today)
    problems = _blocking_problems(evaluated)
    if problems:
        raise Conflict(problems)
    if evaluated.decision is not None:  # decided on the facts with the kit's documents, as facts_for_case gives them
        case.eligible_on_at_submission = eligible_since(knowledge, case, evaluated.facts, today)
    case.submitted_at = at
    case.submitted_by_id = actor.user_id
    case.submission_channel = data.channel
    case.submission_reference = data.reference
    return _move(session, actor, case, "submit", at=at, detail={"channel": data.channel})


def pend(session: Session, *, actor: Actor, calendar: BusinessCalendar, case_id: int, data: PendIn) -> AuthorizationCase:
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, data.version)
    due = calendar.to_utc(data.due_at)
    if due <= utcnow():
        raise InvalidInput(FieldProblem("due_at", "future", "The payer's deadline for the information must be in the future"))
    case.pend_request = data.request
    case.pend_due_at = due
    return _move(session, actor, case, "pend", note=data.request)


def record_decision(session: Session, *, actor: Actor, calendar: BusinessCalendar, case_id: int, data: DecisionIn) -> AuthorizationCase:
    """The payer's answer: approved (number, units, codes, window), partially approved, or denied (specific reason)."""
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, data.version)
    now = utcnow()
    at = calendar.to_utc(data.decided_at) if data.decided_at else now
    problems: list[FieldProblem] = []
    if at > now:
        problems.append(FieldProblem("decided_at", "not_future", "A decision cannot be recorded in the future"))
    if case.submitted_at is not None and at < case.submitted_at:
        problems.append(FieldProblem("decided_at", "after_submission", "The decision cannot come before the submission"))
    if data.outcome == "deny":
        if not data.denial_reason:
            problems.append(FieldProblem("denial_reason", "required", "Record the payer's specific denial reason"))
    else:
        for name in ("authorization_number", "approved_units", "approved_from", "approved_to"):
            if getattr(data, name) in (None, ""):
                problems.append(FieldProblem(name, "required", "An approval needs its authorization number, units and dates"))
        if data.approved_from and data.approved_to and data.approved_to < data.approved_from:
            problems.append(FieldProblem("approved_to", "after_start", "The approval cannot end before it starts"))
        if data.outcome == "approve" and data.approved_units and data.approved_units < case.units_requested:
            problems.append(FieldProblem("approved_units", "full_approval",
                                         f"{data.approved_units} of {case.units_requested} units is a partial approval"))
    if problems:
        raise InvalidInput(problems)
    case.decided_at = at
    if data.outcome == "deny":
        case.denial_reason, case.denial_code = data.denial_reason, data.denial_code
    else:
        case.authorization_number = data.authorization_number
        case.approved_units = data.approved_units
        case.approved_codes = data.approved_codes or list(case.cpt_codes)
        case.approved_from, case.approved_to = data.approved_from, data.approved_to
    return _move(session, actor, case, data.outcome, at=at, note=data.denial_reason,
                 detail={"authorization_number": data.authorization_number} if data.outcome != "deny" else {"denial_code": data.denial_code})


def step(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int, data: StepIn) -> AuthorizationCase:  # noqa: ANN001
    """The moves that carry only a note or a time."""
    if data.action == "mark_ready":
        return mark_ready(session, actor=actor, knowledge=knowledge, calendar=calendar, case_id=case_id, version=data.version, note=data.note)
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, data.version)
    at = calendar.to_utc(data.at) if data.at else None
    if data.action == "schedule_peer_to_peer":
        if at is None:
            raise InvalidInput(FieldProblem("at", "required", "When is the peer-to-peer call?"))
        case.peer_to_peer_at = at
    elif data.action == "appeal":
        case.appealed_at = at or utcnow()
    elif data.action == "withdraw":
        if not data.note:
            raise InvalidInput(FieldProblem("note", "required", "Say why the request is withdrawn"))
        case.closed_reason = data.note
    elif data.action == "answer_pend":
        case.clock_restarted_at = utcnow()  # the payer's clock restarts with the information sent
    return _move(session, actor, case, data.action, note=data.note)


def set_planned_date(session: Session, *, actor: Actor, case_id: int, data: PlannedDateIn) -> AuthorizationCase:
    case = _case(session, actor.clinic_id, case_id)
    _check_version(case, data.version)
    before = case.planned_on
    case.planned_on = data.planned_on
    session.flush()
    record_event(session, actor, case, "planned_date", case.state,
           detail={"from": before.isoformat() if before else None, "to": data.planned_on.isoformat() if data.planned_on else None})
    return case


def add_document(session: Session, *, actor: Actor, calendar: BusinessCalendar, case_id: int, data: DocumentIn,
                 content: bytes | None = None, content_type: str | None = None) -> CaseDocument:
    case = _case(session, actor.clinic_id, case_id)
    if case.state in lifecycle.TERMINAL:
        raise Conflict(FieldProblem("state", "open_case", "This case is closed; open a new one"))
    if data.document_date > calendar.local_date(utcnow()):
        raise InvalidInput(FieldProblem("document_date", "not_future", "A document cannot be dated in the future"))
    if data.kind in IMAGING_KINDS:
        _file_imaging_report(session, actor, calendar, case, data)
    row = CaseDocument(
        clinic_id=case.clinic_id, case_id=case.id, episode_id=case.episode_id, kind=data.kind, title=data.title,
        document_date=data.document_date, value=data.value, result=data.result, content=content, content_type=content_type,
        recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record_event(session, actor, case, "document", case.state, detail={"kind": data.kind, "document_id": row.id})
    return row


# Obligations -------------------------------------------------------------------------------------

def open_cases(session: Session, *, episode_ids: Sequence[int] | None) -> Sequence[AuthorizationCase]:
    """Open cases of the given episodes (all clinics when None: the reconciler's sweep, never a person's view), as
    read-only rows with the case's attributes (`case.state`, `case.payer_id`...), not ORM entities: the sweep reads
    every open case of every clinic and changes none, and building and tracking an entity per case was a fifth of
    a readiness pass over 20,000 cases (bench/README.md). A caller that changes a case loads it by id."""
    table = AuthorizationCase.__table__
    query = select(table).where(table.c.state.not_in(list(lifecycle.TERMINAL)))
    if episode_ids is not None:
        query = query.where(ids_in(session, table.c.episode_id, episode_ids))
    return session.execute(query.order_by(table.c.id)).all()  # type: ignore[return-value]


def case_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None,  # noqa: ANN001
               now: datetime) -> list[rules.CaseFacts]:
    cases = open_cases(session, episode_ids=episode_ids)
    if not cases:
        return []
    found = []
    refused = refusals_by_case(session, [c.id for c in cases])
    for item in evaluate_cases(session, knowledge=knowledge, calendar=calendar, cases=cases, today=calendar.local_date(now)):
        case = item.case
        payer = knowledge.payers.get(case.payer_id)
        procedure = knowledge.procedures.get(case.procedure_id)
        due = None
        if case.state in lifecycle.AWAITING_PAYER and payer is not None:
            since = case.appealed_at if case.state == lifecycle.APPEALED else (case.clock_restarted_at or case.submitted_at)
            if since is not None:
                due = clocks.decision_due(calendar, payer, case.priority, since)
        found.append(rules.CaseFacts(
            case_id=case.id, clinic_id=case.clinic_id, episode_id=case.episode_id, patient_id=case.patient_id,
            state=case.state, procedure_name=procedure.name if procedure else case.procedure_id,
            payer_name=payer.name if payer else case.payer_id, opened_at=case.opened_at, submitted_at=case.submitted_at,
            submission_channel=case.submission_channel, decision_due_at=due, pend_due_at=case.pend_due_at,
            decided_at=case.decided_at, approved_from=case.approved_from, approved_to=case.approved_to,
            approved_units=case.approved_units, units_used=item.units_used, planned_on=case.planned_on,
            peer_to_peer_at=case.peer_to_peer_at, appealed_at=case.appealed_at, decision=item.decision,
            checklist=item.checklist, eligible_since=_eligible_since_opening(knowledge, calendar, item, now),
            refusals=tuple(refused.get(case.id, ())), pend_request=case.pend_request,
        ))
    return found


def refusals_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, list[rules.Refusal]]:
    """The refused payer exchanges of the cases, each with the later move that settled it (two queries;
    the second only for the few cases that have a refusal)."""
    refused_rows = session.execute(select(CaseEvent.case_id).where(
        CaseEvent.case_id.in_(list(case_ids)), CaseEvent.action.in_(list(rules.REFUSAL_ACTIONS))).distinct()).all()
    with_refusals = sorted({row.case_id for row in refused_rows})
    if not with_refusals:
        return {}
    events: dict[int, list[tuple[int, datetime, str, str | None]]] = {}
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.id, CaseEvent.at, CaseEvent.action, CaseEvent.note).where(
        CaseEvent.case_id.in_(with_refusals), CaseEvent.action.in_([*rules.REFUSAL_ACTIONS, *lifecycle.ACTIONS])))
    for row in rows:
        events.setdefault(row.case_id, []).append((row.id, row.at, row.action, row.note))
    return {case_id: rules.refusals(found) for case_id, found in events.items()}


def _eligible_since_opening(knowledge, calendar: BusinessCalendar, item: Evaluated, now: datetime) -> date | None:  # noqa: ANN001
    """While preparing, an "eligible now" case's submit task stays due on the day the patient became
    eligible (19 Feb in J1), not on the day the case opened; looked for only back to the opening, on the facts
    the evaluation already gathered (no gathering per case in the reconcile pass)."""
    if item.decision is None or item.decision.outcome != "eligible_now" or item.facts is None:
        return None
    return eligible_since(knowledge, item.case, item.facts, calendar.local_date(now), not_before=calendar.local_date(item.case.opened_at))
