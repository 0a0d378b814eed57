"""What an administrator or manager keeps about the clinic itself: its name, phone, return fax, organisation
NPI and its turnaround target for disability and leave forms. The NPI is what prior-authorization submissions name as the requester, so it is
checked (check digit) where it is typed; every change is audited."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import NotFound, StaleWrite
from painpath.core.npi import Npi
from painpath.core.tenancy import Clinic
from painpath.core.validation import SafeText, Version

_Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+()\-. ]{7,40}$")]


class ClinicSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Version
    name: Annotated[SafeText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    phone: _Phone | None = None
    return_fax: _Phone | None = None
    npi: Npi | None = Field(default=None, description="The clinic's organisation (type 2) NPI")
    forms_turnaround_days: int | None = Field(default=None, ge=1, le=30,
                                              description="Calendar days from a form's arrival to sending it back; empty: each form's default")


def get_clinic(session: Session, *, clinic_id: int) -> Clinic:
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic


def update_clinic(session: Session, *, actor: Actor, data: ClinicSettingsIn) -> Clinic:
    clinic = get_clinic(session, clinic_id=actor.clinic_id)
    if clinic.version != data.version:
        raise StaleWrite("clinic's settings", data.version, clinic.version)
    changed = [name for name in ("name", "phone", "return_fax", "npi", "forms_turnaround_days") if getattr(clinic, name) != getattr(data, name)]
    for name in changed:
        setattr(clinic, name, getattr(data, name))
    if changed:
        session.flush()
        # Field names only: the values are the clinic's own, but the log stays uniform and small.
        audit.record(session, actor, "clinic.settings_update", object_type="clinic", object_id=clinic.id,
                     clinic_id=clinic.id, detail={"changed": changed})
    return clinic
