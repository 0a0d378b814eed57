"""The episode page's "Conservative care" panel: the care tried for this problem (physical therapy, a
home exercise programme, medication, chiropractic, behavioural therapy, ...) with its dates, a form to
add an entry and, on an ongoing entry, a form to end it. Same schemas and services as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.charting import panel_forms
from painpath.charting.conservative_care import rules, service
from painpath.charting.conservative_care.schemas import CareIn, EndIn
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "conservative_care"
SOURCES = [("reported", "Reported (by the patient or a prior provider)"), ("clinic", "Given at this clinic")]
# The stored field is "failed": yes means the care did not help (rules.failed_flag), so the words follow it.
HELPED = [("unknown", "Not yet known"), ("yes", "It did not help (failed)"), ("no", "It helped")]
HELPED_WORDS = {"yes": "did not help", "no": "helped", "unknown": ""}
LABELS = {"kind": "Kind of care", "start_date": "Started", "end_date": "Ended", "description": "What was done",
          "source": "Source", "drug_class": "Drug class", "failed": "Did it help", "version": "Version"}


@patient_pages.episode_panel
def _care_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    entries = service.list_entries(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    context = {
        **panel_forms.state_of(asked, STATE_KEY), "labels": LABELS, "entries": list(reversed(entries)),
        "kinds": [(k, rules.KIND_WORDS.get(k, k)) for k in rules.KINDS], "kind_words": rules.KIND_WORDS,
        "sources": SOURCES, "helped": HELPED, "helped_words": HELPED_WORDS, "source_words": rules.SOURCE_WORDS,
        "can_write": asked.caller.can(Permission.NOTE_WRITE), "today": asked.ctx.calendar.local_date(utcnow()),
    }
    return [patient_pages.EpisodePanel("conservative_care/episode_care.html", context, slot="main")]


@router.post("/episodes/{episode_id}/conservative-care")
def record_entry_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    values = {name: panel_forms.optional(form, name) for name in ("kind", "start_date", "end_date", "drug_class")}
    values.update(kind=values["kind"] or "", description=form.get("description", ""), source=form.get("source") or "reported",
                  failed=form.get("failed") or "unknown")

    def act(data: CareIn) -> object:
        return service.record_entry(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="record", form=form,
                              schema=CareIn, values=values, act=act, anchor="conservative-care")


@router.post("/conservative-care/{entry_id}/end")
def end_entry_form(entry_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    entry = service.get_entry(session, clinic_id=caller.actor.clinic_id, entry_id=entry_id)
    values = {name: panel_forms.optional(form, name) for name in ("end_date", "failed", "version")}

    def act(data: EndIn) -> object:
        return service.end_entry(session, actor=caller.actor, calendar=ctx.calendar, entry_id=entry_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=entry.episode_id, key=STATE_KEY, which="end",
                              target=entry.id, form=form, schema=EndIn, values=values, act=act, anchor=f"care-{entry.id}")
