"""Demo: a clinic's draft of a coming payer policy change, kept on the payer policy changes page.

The demo clinic's coordinator has typed up what a payer announced for next quarter. When open cases are prepared
under a policy with a conservative-care rule, the draft revises the most used one: it will ask for twelve weeks of
conservative care, with physical therapy or a home exercise program still going on when the injection is requested (the "concurrent active rehabilitation"
wording several benefit managers use). A small demo clinic whose open case is under a payer with no policy on file
gets instead the draft of that payer's first policy for the procedure (a state Medicaid program starting prior
authorization), on the same rules. It is a draft, kept in the database: it never decides a case and the shipped
packs keep their figures. The page shows which open cases it would change.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import yaml
from sqlalchemy.orm import Session

from painpath.authorizations import policy_change_service as changes
from painpath.authorizations.criteria import find_policy
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for

SOURCE = "Clinic draft from the payer's provider newsletter announcing the change (to confirm against the published policy)"


def _first_of_next_quarter(today: date) -> date:
    month = ((today.month - 1) // 3 + 1) * 3 + 1
    return date(today.year + (month > 12), (month - 1) % 12 + 1, 1)


# The announced period of conservative care (a common commercial figure), so the preview shows dates that move.
ANNOUNCED_WEEKS = 12


def _with_active_rehab(policy: dict[str, Any]) -> None:
    for criterion in policy["criteria"]:
        if criterion["type"] == "conservative_care":
            criterion.update(concurrent_active_rehab=True, min={"weeks": ANNOUNCED_WEEKS}, source=SOURCE, evidence="K", verified=False,
                             label=f"At least {ANNOUNCED_WEEKS} weeks of failed conservative care, with physical therapy or a home "
                                   "exercise program still going on")
            return


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Keep one draft for the open cases; returns the drafts kept (0 or 1)."""
    knowledge, today = ctx.knowledge, ctx.calendar.local_date(now)
    cases = changes.clinic_open_cases(session, clinic_id=clinic_id)
    governing = {c.id: find_policy(knowledge, c.payer_id, c.procedure_id, today) for c in cases}
    used = Counter(p.id for p in governing.values() if p is not None and any(cr.type == "conservative_care" for cr in p.criteria))
    starts = _first_of_next_quarter(today)
    if used:
        policy = knowledge.policy_on(used.most_common(1)[0][0], today).model_dump(mode="json", exclude_none=True)
    else:
        uncovered = next((c for c in cases if governing[c.id] is None and c.payer_id in knowledge.payers), None)
        base = uncovered and next((p for p in knowledge.all_policies() if uncovered.procedure_id in p.procedures
                                   and any(cr.type == "conservative_care" for cr in p.criteria)), None)
        if uncovered is None or base is None:
            return 0
        payer = knowledge.payers[uncovered.payer_id]
        policy = base.model_dump(mode="json", exclude_none=True)
        policy.update(id=f"clinic_{payer.id}_{uncovered.procedure_id}", name=f"{payer.name}: {knowledge.procedures[uncovered.procedure_id].name}",
                      payers=[payer.id], plan_types=[], procedures=[uncovered.procedure_id], repeat_group=[])
        policy["authorization_required"].update(rule="always", note=f"{payer.name} starts reviewing this procedure before it is done.",
                                                source=SOURCE, evidence="K", verified=False)
        policy["authorization_required"].pop("places_of_service", None)
    policy.update(effective_from=starts.isoformat())
    policy.pop("effective_to", None)
    _with_active_rehab(policy)
    pack = {"pack": {"id": f"clinic.draft_{policy['id']}", "kind": "authorization_policy", "version": 1,
                     "effective_date": starts.isoformat(), "last_verified": today.isoformat(), "status": "draft"},
            "policies": [policy]}
    content = ("# The clinic's draft of a change the payer announced: previewed, never used for a decision.\n"
               + yaml.safe_dump(pack, sort_keys=False)).encode("utf-8")
    changes.keep_draft(session, actor=actor_for(users["coordinator"]), knowledge=knowledge,
                       knowledge_dirs=ctx.settings.extra_pack_dirs, name=f"{policy['id']}_{starts:%Y_%m}_draft.yaml", content=content)
    return 1
