"""The authorizations slice's obligation provider: what each open case owes (submit on the eligibility
date, missing kit items, payer follow-up when the decision clock runs out, pends, peer-to-peer packets,
approvals that end before the booked date), and the review a payer's new policy version owes each case it
changes, from its effective date."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.authorizations import policy_change_service as changes
from painpath.authorizations import rules, service
from painpath.authorizations.policy_changes import day
from painpath.worklist.engine import EngineContext, Finding, Fulfillment, NextChange, Obligation, register_provider


class AuthorizationProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in service.case_facts(session, knowledge=context.knowledge, calendar=context.calendar,
                                        episode_ids=episode_ids, now=context.now):
            found.extend(rules.case_findings(facts, context.calendar, context.now))
        found.extend(policy_change_findings(session, episode_ids=episode_ids, context=context))
        return found


def policy_change_key(change_key: str, case_id: int) -> str:
    return f"auth:policy-change:{change_key}:case:{case_id}"


def policy_change_findings(session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
    """Before a new version's effective date, nothing but the instant it arrives (the periodic pass picks the
    cases up then); from it, a coordinator task per case the change moves, met once marked reviewed. A closed
    case is not read, so its task closes as no longer required."""
    versions = changes.version_changes(context.knowledge)
    if not versions:  # the usual case: no policy has a second version loaded
        return []
    calendar, today = context.calendar, context.calendar.local_date(context.now)
    cases = [c for c in service.open_cases(session, episode_ids=episode_ids) if c.state in changes.PREPARING_STATES]
    if not cases:
        return []
    found: list[Finding] = []
    arrived = [c for c in versions if c.effective_from <= today]
    for change in versions:
        if change.effective_from <= today:
            continue
        for case in cases:
            if calendar.local_date(case.opened_at) < change.effective_from and changes.governs(context.knowledge, change, case):
                found.append(NextChange(rules.PROVIDER, case.episode_id, calendar.start_of_local_day_utc(change.effective_from),
                                        f"case {case.id}: a new version of {change.new.name} takes effect"))
    if not arrived:
        return found
    done = changes.reviewed(session, [c.id for c in cases])
    for result in changes.impact(session, knowledge=context.knowledge, calendar=calendar, changes=arrived, cases=cases, today=today):
        change = result.change
        for row in result.cases:
            case, difference = row.case, row.difference
            key = policy_change_key(change.key, case.id)
            if (case.id, change.key) in done:
                found.append(Fulfillment(key=key, provider=rules.PROVIDER, met_by="Marked reviewed on the case",
                                         met_at=context.now, evidence={"case_id": case.id}))
                continue
            procedure = context.knowledge.procedures.get(case.procedure_id)
            payer = context.knowledge.payers.get(case.payer_id)
            found.append(Obligation(
                key=key, kind="authorizations.policy-change", provider=rules.PROVIDER, clinic_id=case.clinic_id,
                episode_id=case.episode_id, patient_id=case.patient_id,
                title=f"Payer policy changed: review the {procedure.name if procedure else case.procedure_id} request",
                due_at=calendar.end_of_local_day_utc(change.effective_from), owner_role="coordinator",
                reason=(f"{payer.name if payer else case.payer_id} applies a new version of its policy from "
                        f"{day(change.effective_from)}: {'; '.join(change.words()) or 'new rules'}. For this case: "
                        f"{difference.summary}. Review the case and tell the patient if their date moved."),
                evidence={"case_id": case.id, "change": change.key,
                          "eligible_before": difference.eligible_before.isoformat() if difference.eligible_before else None,
                          "eligible_after": difference.eligible_after.isoformat() if difference.eligible_after else None},
            ))
    return found


register_provider(AuthorizationProvider())
