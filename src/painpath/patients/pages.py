"""Staff pages for patients and episodes: search, chart, new patient, open an episode, the episode page.

Pages call the same services as the JSON API (views.py). A form that fails validation is shown again
with the entered values kept and each problem next to the field it names.

Higher slices add panels to the episode page through `episode_panel` (intake adds the triage decision,
appointments and the booking form): patients sits below them and never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.knowledge import icd10cm
from painpath.core.auth.models import User
from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem
from painpath.core.validation import DbId, SafeText
from painpath.patients import service, timeline
from painpath.patients.search_text import split_query
from painpath.patients.models import Episode, Patient
from painpath.patients.schemas import BodyRegion, ContactMethod, CoverageEnd, CoverageIn, CoverageUpdate, EpisodeIn, EpisodeUpdate, Laterality, PatientIn, Sex
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, is_htmx, validation_problems
from painpath.web.templating import templates

router = APIRouter()

PATIENT_LABELS = {
    "mrn": "MRN",
    "given_name": "Given name",
    "family_name": "Family name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
    "preferred_contact": "Preferred contact",
    "home_location_id": "Home location",
}
EPISODE_LABELS = {
    "problem_summary": "Problem summary",
    "body_region": "Body region",
    "laterality": "Side",
    "onset_date": "Onset date",
    "icd10_codes": "ICD-10-CM codes",
    "location_id": "Location",
    "responsible_clinician_id": "Responsible clinician",
    "coordinator_id": "Coordinator",
}
SEARCH_LABELS = {"name": "Name", "mrn": "MRN", "birth_date": "Date of birth", "phone": "Phone", "q": "Search"}
COVERAGE_LABELS = {
    "payer_id": "Payer",
    "priority": "Primary or secondary",
    "member_id": "Member ID",
    "group_number": "Group number",
    "subscriber_relationship": "Patient is the subscriber's",
    "subscriber_name": "Subscriber's name",
    "effective_from": "Effective from",
    "effective_to": "End date",
    "version": "Coverage",
}
RANKS = [("1", "Primary"), ("2", "Secondary")]
RELATIONSHIPS = [("self", "Self (the patient holds the card)"), ("spouse", "Spouse"), ("child", "Child"), ("other", "Other")]


# Helpers ---------------------------------------------------------------------------------------

def _choices(literal: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    return [(v, v.replace("_", " ").capitalize()) for v in get_args(literal)]


def _page(request: Request, name: str, ctx: AppContext, caller: Caller, status_code: int = 200, **values: Any) -> Response:  # noqa: ANN401
    context = {"caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name, **values}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _staff(session: Session, clinic_id: DbId, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.clinic_id == clinic_id, User.role == role, User.active.is_(True)).order_by(User.display_name)
        )
    )


def _user_names(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


# Search ----------------------------------------------------------------------------------------

@router.get("/patients")
def search_page(
    request: Request,
    ctx: AppCtx,
    session: DbSession,
    caller: Annotated[Caller, requires(Permission.PATIENT_SEARCH)],
    name: SafeText = "",
    mrn: SafeText = "",
    birth_date: SafeText = "",
    phone: SafeText = "",
    q: SafeText = "",
) -> Response:
    query = {"name": name.strip()[:100], "mrn": mrn.strip()[:40], "birth_date": birth_date.strip(), "phone": phone.strip()[:40]}
    if q.strip():  # the header's one box, spread over the fields so the form below shows how it was read
        query = {**query, **{k: v for k, v in split_query(q[:200]).items() if v}}
    problems: list[FieldProblem] = []
    born: date | None = None
    if query["birth_date"]:
        try:
            born = date.fromisoformat(query["birth_date"])
        except ValueError:
            problems.append(FieldProblem("birth_date", "date", "Enter the date of birth as a date, for example 1981-03-14"))
    searched = bool(query["name"] or query["mrn"] or born or service.phone_digits(query["phone"]))
    results: list[Patient] = []
    if searched and not problems:
        text = " ".join(part for part in (query["name"], query["mrn"]) if part)
        results = service.search_patients(session, clinic_id=caller.user.clinic_id, text=text, birth_date=born, viewer=caller.actor,
                                          phone=query["phone"])
        audit_access.note_listed(session, caller.actor, list_name="patient_search", patient_ids=[p.id for p in results])
    partial = is_htmx(request)
    context = {
        "caller": caller, "query": query, "results": results, "searched": searched and not problems,
        "problems": problems, "errors": errors_by_field(problems), "labels": SEARCH_LABELS,
    }
    response = templates.TemplateResponse(
        # htmx swaps only 2xx answers, so a fragment reporting a bad field is still a 200.
        request, "patients/search.html", context, status_code=422 if problems and not partial else 200,
        **({"block_name": "results"} if partial else {}),
    )
    response.headers["vary"] = "HX-Request"
    return response


# New patient -----------------------------------------------------------------------------------

def _new_patient_page(request: Request, ctx: AppContext, session: Session, caller: Caller, form: dict[str, str],
                      problems: list[FieldProblem], status_code: int = 200) -> Response:
    return _page(
        request, "patients/new_patient.html", ctx, caller, status_code=status_code,
        form=form, problems=problems, errors=errors_by_field(problems), labels={**COVERAGE_LABELS, **PATIENT_LABELS},
        **_coverage_choices(ctx),
        sexes=_choices(Sex), contact_methods=_choices(ContactMethod),
        locations=[(loc.id, loc.name) for loc in service.list_locations(session, clinic_id=caller.user.clinic_id)],
    )


def _validated(schema: Any, values: Mapping[str, Any], problems: list[FieldProblem]) -> Any:  # noqa: ANN401
    """The schema's instance, or None with its problems added to `problems`."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        problems.extend(validation_problems(exc))
        return None


@router.get("/patients/new")
def new_patient_form(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)]) -> Response:
    return _new_patient_page(request, ctx, session, caller, {"preferred_contact": "phone"}, [])


@router.post("/patients/new")
def create_patient(
    request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
) -> Response:
    values = {name: form.get(name) or None for name in PATIENT_LABELS}
    values["preferred_contact"] = values["preferred_contact"] or "phone"
    problems: list[FieldProblem] = []
    patient_in = _validated(PatientIn, values, problems)
    # The card is optional here: a payer chosen means a coverage is entered with the patient.
    coverage_in = _validated(CoverageIn, _coverage_values(form), problems) if form.get("payer_id") else None
    if problems:  # both parts checked, so every problem shows at once
        return _new_patient_page(request, ctx, session, caller, form, problems, 422)
    try:
        patient = service.create_patient(session, actor=caller.actor, data=patient_in)
        if coverage_in is not None:
            service.add_coverage(session, actor=caller.actor, knowledge=ctx.knowledge, patient_id=patient.id, data=coverage_in)
    except DomainError as exc:
        session.rollback()
        return _new_patient_page(request, ctx, session, caller, form, exc.problems, exc.status_code)
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


# Patient chart ---------------------------------------------------------------------------------

def _chart_page(request: Request, ctx: AppContext, session: Session, caller: Caller, patient_id: DbId,
                form: dict[str, str] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200,
                coverage: CoverageFormState | None = None) -> Response:
    patient, coverages, episodes = service.read_chart(session, actor=caller.actor, patient_id=patient_id)
    payers = ctx.knowledge.payers
    clinic_id = caller.user.clinic_id
    locations = {loc.id: loc.name for loc in service.list_locations(session, clinic_id=clinic_id)}
    problems = problems or []
    return _page(
        request, "patients/patient.html", ctx, caller, status_code=status_code,
        patient=patient, episodes=episodes, locations=locations,
        coverages=[(c, payers[c.payer_id].name if c.payer_id in payers else c.payer_id) for c in coverages],
        form=form or {}, problems=problems, errors=errors_by_field(problems), labels=EPISODE_LABELS,
        body_regions=_choices(BodyRegion), lateralities=_choices(Laterality),
        clinicians=[(u.id, u.display_name) for u in _staff(session, clinic_id, "clinician")],
        coordinators=[(u.id, u.display_name) for u in _staff(session, clinic_id, "coordinator")],
        describe=icd10cm.describe, cov=coverage or CoverageFormState(), cov_labels=COVERAGE_LABELS, today=ctx.calendar.local_date(utcnow()),
        **_coverage_choices(ctx),
    )


@router.get("/patients/{patient_id}")
def patient_page(
    patient_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
) -> Response:
    return _chart_page(request, ctx, session, caller, patient_id)


# Coverages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoverageFormState:
    """A refused coverage form: which one ("new", "edit-7", "end-7"), what was typed and why it was refused."""

    which: str = ""
    form: Mapping[str, str] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def errors(self) -> dict[str, list[str]]:
        return errors_by_field(self.problems)


def _coverage_choices(ctx: AppContext) -> dict[str, Any]:
    payers = sorted(((p.id, p.name) for p in ctx.knowledge.payers.values()), key=lambda pair: pair[1])
    return {"payers": payers, "ranks": RANKS, "relationships": RELATIONSHIPS}


def _coverage_values(form: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: (form.get(name) or "").strip() or None for name in COVERAGE_LABELS}
    values["priority"] = values["priority"] or 1
    values["subscriber_relationship"] = values["subscriber_relationship"] or "self"
    if values["version"] is None:
        values.pop("version")
    return values


def _coverage_write(request: Request, ctx: AppContext, session: Session, caller: Caller, form: Mapping[str, str], which: str,
                    patient_id: int, write: Callable[[], Any]) -> Response:
    """Run a coverage change; refused, the chart is shown again with that form open, typed values kept."""
    try:
        write()
    except ValidationError as exc:
        state = CoverageFormState(which, form, validation_problems(exc))
        return _chart_page(request, ctx, session, caller, patient_id, status_code=422, coverage=state)
    except DomainError as exc:
        session.rollback()
        return _chart_page(request, ctx, session, caller, patient_id, status_code=exc.status_code,
                           coverage=CoverageFormState(which, form, exc.problems))
    return RedirectResponse(f"/patients/{patient_id}#coverage-heading", status_code=303)


@router.post("/patients/{patient_id}/coverages")
def add_coverage(
    patient_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
) -> Response:
    def write() -> None:
        service.add_coverage(session, actor=caller.actor, knowledge=ctx.knowledge, patient_id=patient_id,
                             data=CoverageIn.model_validate(_coverage_values(form)))

    return _coverage_write(request, ctx, session, caller, form, "new", patient_id, write)


@router.post("/coverages/{coverage_id}/edit")
def edit_coverage(
    coverage_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
) -> Response:
    patient_id = service.get_coverage(session, clinic_id=caller.user.clinic_id, coverage_id=coverage_id).patient_id

    def write() -> None:
        service.update_coverage(session, actor=caller.actor, knowledge=ctx.knowledge, coverage_id=coverage_id,
                                data=CoverageUpdate.model_validate(_coverage_values(form)))

    return _coverage_write(request, ctx, session, caller, form, f"edit-{coverage_id}", patient_id, write)


@router.post("/coverages/{coverage_id}/end")
def end_coverage(
    coverage_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
) -> Response:
    patient_id = service.get_coverage(session, clinic_id=caller.user.clinic_id, coverage_id=coverage_id).patient_id

    def write() -> None:
        values = {"effective_to": form.get("effective_to") or None, "version": form.get("version") or None}
        service.end_coverage(session, actor=caller.actor, coverage_id=coverage_id, data=CoverageEnd.model_validate(values))

    return _coverage_write(request, ctx, session, caller, form, f"end-{coverage_id}", patient_id, write)


def _codes(raw: str) -> list[str]:
    return [code.strip() for code in raw.replace(";", ",").split(",") if code.strip()]


@router.post("/patients/{patient_id}/episodes")
def open_episode(
    patient_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)],
) -> Response:
    values: dict[str, Any] = {name: form.get(name) or None for name in EPISODE_LABELS}
    values["icd10_codes"] = _codes(form.get("icd10_codes", ""))
    try:
        data = EpisodeIn.model_validate(values)
        episode = service.open_episode(session, actor=caller.actor, patient_id=patient_id, data=data)
        ctx.reconcile(session, [episode.id])
    except ValidationError as exc:
        return _chart_page(request, ctx, session, caller, patient_id, form, validation_problems(exc), 422)
    except DomainError as exc:
        session.rollback()
        return _chart_page(request, ctx, session, caller, patient_id, form, exc.problems, exc.status_code)
    return RedirectResponse(f"/episodes/{episode.id}", status_code=303)


# Episode ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PanelRequest:
    """What a panel provider gets: the request, the episode being shown, and any state a refused form left."""

    request: Request
    ctx: AppContext
    session: Session
    caller: Caller
    patient: Patient
    episode: Episode
    # Keyed by the provider's own name, e.g. {"booking": {"form": {...}, "problems": [...]}}.
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EpisodePanel:
    """A template another slice renders on the episode page. `slot`: "top" (full width, above the
    columns: alerts), "main" (left column), "end" (left column, after every main panel: the open tasks),
    "side" (right column, above the timeline) or "timeline" (inside the timeline, above its entries: a
    form that adds to it)."""

    template: str
    context: Mapping[str, Any]
    slot: Literal["top", "main", "end", "side", "timeline"] = "side"


PanelProvider = Callable[[PanelRequest], list[EpisodePanel]]
_panel_providers: dict[PanelProvider, tuple[Permission, ...]] = {}


def episode_panel(provider: PanelProvider | None = None, *,  # noqa: ANN201
                  needs: Permission | tuple[Permission, ...] = Permission.CHART_READ):
    """Register a provider of episode-page panels (called at import, like timeline sources).

    A panel shows only to a caller whose role holds `needs`: the clinical chart by default (minimum
    necessary); a panel of demographics, visits, records requests or authorization status says
    `@episode_panel(needs=Permission.CHART_SUMMARY)` so front desk and billing see it too. A tuple means
    any one of them."""

    def register(found: PanelProvider) -> PanelProvider:
        _panel_providers.setdefault(found, needs if isinstance(needs, tuple) else (needs,))
        return found

    return register(provider) if provider is not None else register


def render_episode_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: DbId, *,
                        state: Mapping[str, Any] | None = None, status_code: int = 200) -> Response:
    """The episode page; a slice whose form on it was refused passes `state` so its panel shows why."""
    patient, episode = service.read_episode(session, actor=caller.actor, episode_id=episode_id)
    location = None
    if episode.location_id is not None:
        location = next((loc.name for loc in service.list_locations(session, clinic_id=episode.clinic_id) if loc.id == episode.location_id), None)
    asked = PanelRequest(request=request, ctx=ctx, session=session, caller=caller, patient=patient, episode=episode, state=state or {})
    panels = [panel for provider, needs in _panel_providers.items() if any(map(caller.can, needs)) for panel in provider(asked)]
    clinical = caller.can(Permission.CHART_READ)  # the timeline is the clinical chart's story: notes, scores, prescriptions
    # Each panel template sees the page's common values (caller, local, patient, episode) and its own.
    common = {"request": request, "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
              "patient": patient, "episode": episode, "now": utcnow()}
    rendered = {
        slot: [Markup(templates.env.get_template(p.template).render({**common, **p.context})) for p in panels if p.slot == slot]
        for slot in ("top", "main", "end", "side", "timeline")
    }
    care = dict((state or {}).get("care_team") or {})
    care_problems = care.get("problems", [])
    care_form = care.get("form") or {
        "problem_summary": episode.problem_summary, "version": episode.version,
        "onset_date": episode.onset_date.isoformat() if episode.onset_date else "",
        "responsible_clinician_id": episode.responsible_clinician_id or "", "coordinator_id": episode.coordinator_id or "",
    }
    return _page(
        request, "patients/episode.html", ctx, caller, status_code=status_code,
        care_form=care_form, care_problems=care_problems, care_errors=errors_by_field(care_problems), care_labels=EPISODE_LABELS,
        clinicians=[(u.id, u.display_name) for u in _staff(session, episode.clinic_id, "clinician")] if caller.can(Permission.EPISODE_WRITE) else [],
        coordinators=[(u.id, u.display_name) for u in _staff(session, episode.clinic_id, "coordinator")] if caller.can(Permission.EPISODE_WRITE) else [],
        patient=patient, episode=episode, location=location,
        codes=[(code, icd10cm.describe(code)) for code in episode.icd10_codes or []],
        people=_user_names(session, [episode.responsible_clinician_id, episode.coordinator_id]),
        entries=timeline.for_episode(session, episode, ctx.calendar) if clinical else [], clinical=clinical, now=utcnow(), panels=rendered,
    )


@router.get("/episodes/{episode_id}")
def episode_page(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
) -> Response:
    return render_episode_page(request, ctx, session, caller, episode_id)


# The onset date is here too: an intake call gives only "for how long", and payers' duration rules
# (pain for at least 3 months) need the date the clinician records at the first visit.
CARE_TEAM_FIELDS = ("problem_summary", "onset_date", "responsible_clinician_id", "coordinator_id")


@router.post("/episodes/{episode_id}/care-team")
def edit_care_team(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)],
) -> Response:
    """Assign or reassign the responsible clinician and coordinator, edit the problem summary and onset date; the
    episode's other facts are sent back as they are, so the same EpisodeUpdate rules as the API apply."""
    _patient, episode = service.read_episode(session, actor=caller.actor, episode_id=episode_id)
    current = EpisodeUpdate.model_construct(**{name: getattr(episode, name) for name in EpisodeUpdate.model_fields if name != "version"})
    # A field the form did not send keeps its value (an older form without the onset date clears nothing).
    sent = {name: form.get(name) or None for name in CARE_TEAM_FIELDS if name in form}
    values = {**current.model_dump(), **sent, "version": form.get("version") or None}
    try:
        service.update_episode(session, actor=caller.actor, episode_id=episode_id, data=EpisodeUpdate.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except ValidationError as exc:
        state = {"care_team": {"form": form, "problems": validation_problems(exc)}}
        return render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=422)
    except DomainError as exc:
        session.rollback()
        state = {"care_team": {"form": form, "problems": exc.problems}}
        return render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=exc.status_code)
    return RedirectResponse(f"/episodes/{episode_id}#summary-heading", status_code=303)
