"""The Clinic settings page (admin and manager): the clinic's name, phone, return fax and NPI.
Same schema as any API would use (core.clinic_settings); a refused form comes back with its values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from painpath.core import clinic_settings
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError
from painpath.web.deps import Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter(tags=["clinic"], include_in_schema=False)
Settings = Annotated[Caller, requires(Permission.CLINIC_SETTINGS)]
LABELS = {"name": "Clinic name", "phone": "Phone", "return_fax": "Return fax", "npi": "Clinic NPI",
          "forms_turnaround_days": "Forms turnaround target (days)", "version": "Version"}


def _page(request: Request, session: DbSession, caller: Caller, *, form: dict | None = None, problems: list | None = None,
          saved: bool = False, status_code: int = 200) -> Response:
    clinic = clinic_settings.get_clinic(session, clinic_id=caller.user.clinic_id)
    if form is None:
        form = {"name": clinic.name, "phone": clinic.phone or "", "return_fax": clinic.return_fax or "", "npi": clinic.npi or "",
                "forms_turnaround_days": str(clinic.forms_turnaround_days or ""), "version": str(clinic.version)}
    context = {"caller": caller, "clinic": clinic, "form": form, "problems": problems or [], "labels": LABELS,
               "errors": errors_by_field(problems or []), "saved": saved}
    return templates.TemplateResponse(request, "clinic_settings.html", context, status_code=status_code)


@router.get("/admin/clinic")
def settings_page(request: Request, session: DbSession, caller: Settings, saved: bool = False) -> Response:
    return _page(request, session, caller, saved=saved)


@router.post("/admin/clinic")
def save_settings(request: Request, session: DbSession, caller: Settings, form: FormFields) -> Response:
    try:
        data = clinic_settings.ClinicSettingsIn.model_validate({k: (form.get(k) or None) for k in LABELS})
        clinic_settings.update_clinic(session, actor=caller.actor, data=data)
    except ValidationError as exc:
        return _page(request, session, caller, form=dict(form), problems=validation_problems(exc), status_code=422)
    except DomainError as exc:
        session.rollback()
        return _page(request, session, caller, form=dict(form), problems=exc.problems, status_code=exc.status_code)
    return RedirectResponse("/admin/clinic?saved=true", status_code=303)
