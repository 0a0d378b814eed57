"""The episode page's "Imaging" panel: the studies known for the episode, a form to record a study
(ordered here or done outside, with its report if it is on file) and, on a study awaiting its report,
a form to file the report. Same schemas and services as the JSON API.

`report_values` and `orders/report_fields.html` let the records tracker and the authorization kit take
the same imaging report details, so a report filed there becomes the same study (service.file_report)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.charting import panel_forms
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.orders import rules, service
from painpath.orders.schemas import ReportIn, StudyIn
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "imaging"
MODALITIES = [(m, rules.MODALITY_WORDS[m]) for m in rules.MODALITIES]
REGIONS = [(r, r.capitalize()) for r in rules.REGIONS]
ORIGINS = [("outside", "Done elsewhere"), ("clinic", "Ordered here")]
CONCORDANT = [("unknown", "Not judged yet"), ("yes", "Yes: supports the working diagnosis"), ("no", "No: does not support it")]
CONCORDANT_WORDS = {"yes": "supports the working diagnosis", "no": "does not support the working diagnosis", "unknown": "not judged"}
LABELS = {"modality": "Modality", "region": "Region", "study": "Study", "origin": "Where it was done",
          "performed_on": "Date of the study", "report_on_file": "Report on file", "concordant": "Concordant with the diagnosis",
          "summary": "Report summary", "records_request_id": "Records request", "version": "Version"}
# The imaging fields as the records tracker and the kit name them (beside their own fields).
REPORT_PREFIX = "imaging_"


def report_choices() -> dict[str, Any]:
    """What orders/report_fields.html needs in its context."""
    return {"imaging_modalities": MODALITIES, "imaging_regions": REGIONS, "imaging_concordant": CONCORDANT, "imaging_labels": LABELS}


def report_values(form: Mapping[str, str], *, region: str | None, performed_on: str | None = None,
                  records_request_id: int | None = None) -> dict[str, Any]:
    """A filed imaging report's details from the `imaging_` fields of another form, as StudyIn values."""
    def get(name: str) -> str | None:
        return panel_forms.optional(form, REPORT_PREFIX + name)

    modality = get("modality")
    return {"modality": modality or "", "region": get("region") or region or "",
            "study": get("study") or f"{rules.MODALITY_WORDS.get(modality or '', 'Imaging')} report",
            "origin": "outside", "performed_on": get("performed_on") or performed_on, "report_on_file": True,
            "records_request_id": records_request_id, "concordant": get("concordant") or "unknown", "summary": get("summary") or ""}


def report_problems_named(problems: list) -> list:  # noqa: ANN001
    """The study's problems named by the `imaging_` fields of the form that carried them."""
    for problem in problems:
        if not problem.field.startswith(REPORT_PREFIX) and problem.field in LABELS:
            problem.field = REPORT_PREFIX + problem.field
    return problems


@patient_pages.episode_panel
def _imaging_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    studies = service.list_studies(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    context = {
        **panel_forms.state_of(asked, STATE_KEY), "labels": LABELS, "studies": list(reversed(studies)),
        "modalities": MODALITIES, "regions": REGIONS, "origins": ORIGINS, "concordant": CONCORDANT,
        "modality_words": rules.MODALITY_WORDS, "concordant_words": CONCORDANT_WORDS,
        "can_write": asked.caller.can(Permission.EPISODE_WRITE), "today": asked.ctx.calendar.local_date(utcnow()),
        "default_region": asked.episode.body_region if asked.episode.body_region in rules.REGIONS else "",
    }
    return [patient_pages.EpisodePanel("orders/episode_imaging.html", context, slot="main")]


@router.post("/episodes/{episode_id}/imaging-studies")
def record_study_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    values = {name: panel_forms.optional(form, name) for name in ("modality", "region", "study", "origin", "performed_on", "summary")}
    values.update(report_on_file=bool(form.get("report_on_file")), concordant=form.get("concordant") or "unknown",
                  modality=values["modality"] or "", region=values["region"] or "", study=values["study"] or "",
                  summary=values["summary"] or "", origin=values["origin"] or "outside")

    def act(data: StudyIn) -> object:
        return service.record_study(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="record", form=form,
                              schema=StudyIn, values=values, act=act, anchor="imaging")


@router.post("/imaging-studies/{study_id}/report")
def file_report_form(study_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    study = service.get_study(session, clinic_id=caller.actor.clinic_id, study_id=study_id)
    values = {"concordant": form.get("concordant") or "unknown", "summary": form.get("summary") or "",
              "version": panel_forms.optional(form, "version")}

    def act(data: ReportIn) -> object:
        return service.record_report(session, actor=caller.actor, study_id=study_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=study.episode_id, key=STATE_KEY, which="report",
                              target=study.id, form=form, schema=ReportIn, values=values, act=act, anchor=f"study-{study.id}")
