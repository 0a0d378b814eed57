"""The episode page's "Other medications" panel and its forms (record, stop). A refused form is shown
again (422) with its values and each problem next to its field; nothing is saved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.medications.other import service as other_service
from painpath.medications.opioids import pages as safety_pages
from painpath.medications.other.models import IMPORTED
from painpath.medications.other.schemas import OtherMedicationIn, OtherMedicationStop
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()

OTHER_LABELS = {"name": "Medication", "dose": "Dose", "sig": "How it is taken", "rxnorm_code": "RxNorm code", "start_date": "Taken since"}
STOP_LABELS = {"stopped_on": "First day not taken"}
PANEL = "other_medications"


def origin_words(row: Any) -> str:  # noqa: ANN401 - other_models.OtherMedication
    return "Imported records" if row.origin == IMPORTED else "Entered here"


@patient_pages.episode_panel
def _other_medications_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx = asked.ctx
    lines = other_service.list_others(asked.session, actor=asked.caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                      episode_id=asked.episode.id)
    today = ctx.calendar.local_date(utcnow())
    current = [line for line in lines if not line.medication.ended]
    return [patient_pages.EpisodePanel("medications/episode_other_medications.html", {
        "current": current, "past": [line for line in lines if line not in current], "today": today,
        "labels": OTHER_LABELS, "stop_labels": STOP_LABELS, "origin_words": origin_words, **safety_pages._state(asked, PANEL),
    }, slot="main")]


@router.post("/episodes/{episode_id}/other-medications")
def record_other_medication(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                            caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return safety_pages._record(
        request, ctx, session, caller, episode_id, panel=PANEL, which="add", form=form, schema=OtherMedicationIn,
        data=safety_pages._values(form, OTHER_LABELS), anchor="other-medications",
        save=lambda d: other_service.record_other(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=d))


@router.post("/other-medications/{other_id}/stop")
def stop_other_medication(other_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    row = other_service.get_other(session, clinic_id=caller.user.clinic_id, other_id=other_id)
    data = {**safety_pages._values(form, STOP_LABELS), **({"version": form["version"]} if form.get("version") else {})}
    return safety_pages._record(
        request, ctx, session, caller, row.episode_id, panel=PANEL, which=f"stop-{other_id}", form=form, schema=OtherMedicationStop,
        data=data, anchor=f"other-{other_id}",
        save=lambda d: other_service.stop_other(session, actor=caller.actor, other_id=other_id, data=d))
