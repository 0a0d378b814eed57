"""The clinic-wide open-loops board (`/loops`): every order and referral the clinic sent out and is still
waiting on, from the sources the slices register (worklist/loops.py): what it waits on, on whom, for how
long, stalled ones first and marked, with filters by kind, by whom it waits on and stalled only. Each row
links to the page where the loop is worked.

For the people who chase and close loops: coordinators, clinicians and managers (LOOPS_READ). The rows name
patients, so the list is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import SafeText
from painpath.patients.models import Episode
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.templating import templates
from painpath.worklist.loops import OpenLoop, open_loops

router = APIRouter()
KIND_WORDS = {"referral": "Referral", "imaging_order": "Imaging order"}


def waited_words(days: int) -> str:
    """How long a loop has waited, in words: "today", "1 day", "12 days"."""
    return "since today" if days <= 0 else f"{days} day{'' if days == 1 else 's'}"


@router.get("/loops")
def loops_board(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.LOOPS_READ)],
                kind: SafeText = "", waiting: SafeText = "", stalled: SafeText = "") -> Response:
    every = open_loops(session, caller.user.clinic_id)
    shown: list[OpenLoop] = [loop for loop in every if (not kind or loop.kind == kind) and (not waiting or loop.waiting_on == waiting)
                             and (not stalled or loop.stalled)]
    patient_of = dict(session.execute(select(Episode.id, Episode.patient_id).where(Episode.id.in_({loop.episode_id for loop in shown}))).all()) \
        if shown else {}
    audit_access.note_listed(session, caller.actor, list_name="open_loops", patient_ids=[patient_of.get(loop.episode_id) for loop in shown])
    today = ctx.calendar.local_date(utcnow())
    rows = [(loop, waited_words((today - ctx.calendar.local_date(loop.since)).days)) for loop in shown]
    context = {
        "caller": caller, "rows": rows, "kinds": [(k, KIND_WORDS.get(k, k.replace("_", " ").capitalize())) for k in sorted({lp.kind for lp in every})],
        "waiting_options": sorted({loop.waiting_on for loop in every}), "kind": kind, "waiting": waiting, "stalled": bool(stalled),
        "kind_words": KIND_WORDS, "stalled_count": sum(1 for loop in every if loop.stalled), "total": len(every),
    }
    return templates.TemplateResponse(request, "worklist/loops.html", context)
