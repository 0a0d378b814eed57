"""The episode page's "Workers' compensation" panel: the claim with its people (entered and edited by the
coordinator, read by clinicians), the carrier's clock on each request waiting on it, the IMEs with their
findings and the rebuttal letter, and the progress reports (generate, read, record sent). A refused form is
shown again with the input kept and each problem named (422, or 409 on a stale version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.authorizations import service as authorizations
from painpath.charting import panel_forms
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.workcomp import rules
from painpath.workcomp import service as claims
from painpath.workcomp.followup import queries, service
from painpath.workcomp.followup.schemas import ReportIn, SentIn
from painpath.workcomp.schemas import ClaimIn, ClaimUpdate, ImeFindingsIn, ImeScheduleIn, RebuttalIn
from painpath.web.deps import AppCtx, Caller, DbSession, PermissionDenied, requires
from painpath.web.forms import FormFields, clinic_clock

router = APIRouter()
STATE_KEY = "workcomp"
ANCHOR = "workers-comp"
CLAIM_FIELDS = tuple(ClaimIn.model_fields)
LABELS = {
    "claim_number": "Claim number", "injury_date": "Date of injury", "mechanism": "How the injury happened",
    "body_parts": "Body parts injured", "employer_name": "Employer", "employer_contact": "Employer contact (name, phone)",
    "carrier_payer_id": "Carrier", "adjuster_name": "Adjuster", "adjuster_phone": "Adjuster phone", "adjuster_email": "Adjuster e-mail",
    "adjuster_fax": "Adjuster fax", "nurse_case_manager_name": "Nurse case manager", "nurse_case_manager_phone": "Case manager phone",
    "nurse_case_manager_email": "Case manager e-mail", "nurse_case_manager_fax": "Case manager fax", "work_status": "Work status",
    "work_status_note": "Work restrictions", "return_to_work_on": "Expected return to work", "version": "Version",
    "scheduled_on": "IME date", "examiner": "Examiner", "findings": "What the examiner found", "agreement": "Agrees with our plan?",
    "disagreement": "What the examiner disagrees with", "rebuttal_text": "Rebuttal letter", "next_visit": "Next visit", "sent_to": "Sent to",
}


@patient_pages.episode_panel
def _workcomp_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    claim = claims.episode_claim(session, episode_id=episode.id)
    can_edit = asked.caller.can(Permission.PATIENT_WRITE)
    if claim is None and not can_edit:
        return []
    state = panel_forms.state_of(asked, STATE_KEY)
    carriers = [(p.id, p.name) for p in ctx.knowledge.payers.values() if p.plan_type == "workers_comp"]
    carrier = ctx.knowledge.payers.get(claim.carrier_payer_id) if claim else None
    imes = claims.episode_imes(session, episode_id=episode.id)
    pivots = queries.plan_pivots(session, episode_ids=[episode.id]).get(episode.id, [])
    pending = queries.pending_requests(ctx.knowledge, ctx.calendar, authorizations.open_cases(session, episode_ids=[episode.id])) if claim else []
    context = {
        "claim": claim, "carrier": carrier, "claim_values": {name: getattr(claim, name) for name in CLAIM_FIELDS} if claim else {}, "carriers": carriers, "labels": LABELS, "status_words": rules.WORK_STATUS_WORDS,
        "imes": imes, "reports": service.episode_reports(session, episode_id=episode.id),
        # When the plan was pivoted after a disagreeing IME (what the reconcile task counts), per IME.
        "pivoted": {ime.id: rules.pivoted_after(ime.findings_recorded_at, pivots) for ime in imes},
        "pending": [(p, rules.coaching_words(p, carrier.name if carrier else "", ctx.calendar)) for p in pending],
        "state": state, "local": clinic_clock(ctx.calendar), "today": ctx.calendar.local_date(utcnow()),
        "can_edit": can_edit, "can_episode": asked.caller.can(Permission.EPISODE_WRITE), "can_plan": asked.caller.can(Permission.PLAN_WRITE),
    }
    return [patient_pages.EpisodePanel("workcomp/episode_workcomp.html", context, slot="main")]


def _chart_reader(caller: Caller) -> None:
    """The claim says how the injury happened and what it hurt: its keepers also read the clinical chart (the
    coordinator does; the front desk, which keeps coverage, does not)."""
    if not caller.can(Permission.CHART_READ):
        raise PermissionDenied(Permission.CHART_READ)


def _claim_values(form: dict) -> dict:
    return {name: panel_forms.optional(form, name) for name in (*CLAIM_FIELDS, "version")}


@router.post("/episodes/{episode_id}/workcomp/claim")
def save_claim(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)]) -> Response:
    _chart_reader(caller)
    values = _claim_values(form)
    schema = ClaimUpdate if values.get("version") else ClaimIn
    if schema is ClaimIn:
        values.pop("version")

    def act(data: ClaimIn) -> object:
        return claims.save_claim(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="claim", form=form,
                              schema=schema, values=values, act=act, anchor=ANCHOR)


@router.post("/episodes/{episode_id}/workcomp/imes")
def schedule_ime(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    _chart_reader(caller)
    values = {name: panel_forms.optional(form, name) for name in ("scheduled_on", "examiner")}

    def act(data: ImeScheduleIn) -> object:
        return claims.schedule_ime(session, actor=caller.actor, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="ime", form=form,
                              schema=ImeScheduleIn, values=values, act=act, anchor=ANCHOR)


@router.post("/workcomp-imes/{ime_id}/findings")
def record_findings(ime_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    ime = claims.get_ime(session, actor=caller.actor, ime_id=ime_id)
    values = {name: panel_forms.optional(form, name) for name in ("version", "findings", "agreement", "disagreement")}

    def act(data: ImeFindingsIn) -> object:
        return claims.record_findings(session, actor=caller.actor, ime_id=ime_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=ime.episode_id, key=STATE_KEY, which="findings", form=form,
                              schema=ImeFindingsIn, values=values, act=act, anchor=ANCHOR, target=ime_id)


@router.post("/workcomp-imes/{ime_id}/rebuttal")
def rebut(ime_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
          caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    ime = claims.get_ime(session, actor=caller.actor, ime_id=ime_id)
    values = {name: panel_forms.optional(form, name) for name in ("version", "rebuttal_text")}

    def act(data: RebuttalIn) -> object:
        return service.rebut(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, ime_id=ime_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=ime.episode_id, key=STATE_KEY, which="rebuttal", form=form,
                              schema=RebuttalIn, values=values, act=act, anchor=ANCHOR, target=ime_id)


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "no-store"})


@router.get("/workcomp-imes/{ime_id}/rebuttal/pdf")
def rebuttal_pdf(ime_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    ime = claims.get_ime(session, actor=caller.actor, ime_id=ime_id)
    if ime.rebuttal_pdf is None:
        return Response("No rebuttal letter is recorded for this evaluation.", status_code=404)
    return _pdf(ime.rebuttal_pdf, f"ime-rebuttal-{ime.id}")


@router.post("/episodes/{episode_id}/workcomp/reports")
def generate_report(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    values = {"next_visit": panel_forms.optional(form, "next_visit")}

    def act(data: ReportIn) -> object:
        return service.generate_report(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                       episode_id=episode_id, next_visit=data.next_visit)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="report", form=form,
                              schema=ReportIn, values=values, act=act, anchor=ANCHOR)


@router.get("/workcomp-reports/{report_id}/pdf")
def report_pdf(report_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    row = service.get_report(session, actor=caller.actor, report_id=report_id)
    return _pdf(row.content, f"progress-report-{row.id}")


@router.post("/workcomp-reports/{report_id}/sent")
def report_sent(report_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    row = service.get_report(session, actor=caller.actor, report_id=report_id)

    def act(data: SentIn) -> object:
        return service.mark_sent(session, actor=caller.actor, report_id=report_id, sent_to=data.sent_to)

    return panel_forms.submit(request, ctx, session, caller, episode_id=row.episode_id, key=STATE_KEY, which="sent", form=form,
                              schema=SentIn, values={"sent_to": panel_forms.optional(form, "sent_to")}, act=act, anchor=ANCHOR, target=report_id)
