"""Demo: a clinic's draft of a coming payer policy revision, kept on the payer policy changes page.

The demo clinic's coordinator has typed up what a payer announced for next quarter: the epidural policy most of
the clinic's open cases are prepared under will ask for physical therapy or a home exercise program still going
on when the injection is requested (the "concurrent active rehabilitation" wording several benefit managers use).
It is a draft, kept in the database: it never decides a case and the shipped packs keep their figures. The page
then shows which open cases it would change (those whose patients stopped their exercise program).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import yaml
from sqlalchemy.orm import Session

from painpath.authorizations import policy_change_service as changes
from painpath.authorizations.criteria import find_policy
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for


FALLBACK_POLICY = "typical_tfesi"


def _first_of_next_quarter(today: date) -> date:
    month = ((today.month - 1) // 3 + 1) * 3 + 1
    return date(today.year + (month > 12), (month - 1) % 12 + 1, 1)


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Keep one draft revision of the policy behind most open cases; returns the drafts kept (0 or 1)."""
    today = ctx.calendar.local_date(now)
    cases = changes.clinic_open_cases(session, clinic_id=clinic_id)
    in_force = Counter(p.id for c in cases if (p := find_policy(ctx.knowledge, c.payer_id, c.procedure_id, today)) is not None)
    # A small demo clinic may have no case under a policy yet: the commercial lumbar epidural policy then.
    candidates = [policy_id for policy_id, _ in in_force.most_common()] + [FALLBACK_POLICY]
    versions = [ctx.knowledge.policy_on(policy_id, today) for policy_id in candidates if policy_id in ctx.knowledge.policies]
    chosen = next((p for p in versions if any(c.type == "conservative_care" for c in p.criteria)), None)
    if chosen is None:
        return 0
    starts = _first_of_next_quarter(today)
    policy = chosen.model_dump(mode="json", exclude_none=True)
    policy.update(effective_from=starts.isoformat())
    policy.pop("effective_to", None)
    for criterion in policy["criteria"]:
        if criterion["type"] == "conservative_care":
            criterion.update(
                concurrent_active_rehab=True,
                label=f"{criterion['label']}, with physical therapy or a home exercise program still going on",
                source="Clinic draft from the payer's provider newsletter announcing the revision (to confirm against the published policy)",
                evidence="K", verified=False)
            break
    pack = {"pack": {"id": f"clinic.draft_{chosen.id}", "kind": "authorization_policy", "version": 1,
                     "effective_date": starts.isoformat(), "last_verified": today.isoformat(), "status": "draft"},
            "policies": [policy]}
    content = ("# The clinic's draft of the payer's announced revision: previewed, never used for a decision.\n"
               + yaml.safe_dump(pack, sort_keys=False)).encode("utf-8")
    changes.keep_draft(session, actor=actor_for(users["coordinator"]), knowledge=ctx.knowledge,
                       knowledge_dirs=ctx.settings.extra_pack_dirs, name=f"{chosen.id}_{starts:%Y_%m}_draft.yaml", content=content)
    return 1
