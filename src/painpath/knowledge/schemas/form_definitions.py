"""Form definitions (kind `form_definitions`): the paper forms the clinic fills from the chart (an FMLA
certification, an insurer's disability form), each with its blank PDF, the deadline the form's own rule
gives, the clinic's turnaround target, and each field: the PDF field's name, the named chart fact that
fills it, and whether only a clinician may attest it (then it is left blank for their signature).

Definitions merge across files, so a clinic adds a form with a pack entry and its PDF (the `pdf` file is
looked up in the built-in `knowledge/forms/` directory, then beside the clinic's pack files).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = ["FORM_SOURCES", "FormDefinition", "FormDefinitionPack", "FormDeadline", "FormField"]

# The chart facts a field may come from (painpath/paperwork/form_rules.py resolves each). A typo in a pack
# fails at load with this list, rather than leaving a field silently blank.
FORM_SOURCES = (
    "patient.name", "patient.birth_date", "clinician.name", "clinician.specialty", "clinic.name_address",
    "clinic.phone_area", "clinic.phone_number", "clinic.fax_area", "clinic.fax_number",
    "episode.onset_date", "episode.diagnoses", "episode.probable_duration", "episode.first_visit",
    "treatment.visit_dates", "treatment.schedule", "treatment.nature", "incapacity.periods",
    "restrictions.limits", "function.limits", "flare_ups.times", "flare_ups.per_weeks", "flare_ups.per_months",
    "flare_ups.duration_hours", "flare_ups.duration_days", "flare_ups.episodic", "work.unable",
)


class FormDeadline(Sourced):
    """A wait in days counted from a dated fact (the employee's receipt of the request, or its arrival)."""

    amount: PositiveInt
    unit: Literal["calendar_days", "business_days"]
    counts_from: Literal["employee_receipt", "received"]

    def words(self) -> str:
        kind = "calendar day" if self.unit == "calendar_days" else "business day"
        return f"{self.amount} {kind}{'' if self.amount == 1 else 's'}"


class FormField(Strict):
    pdf_field: NonEmptyStr  # the AcroForm field's name in the PDF (pypdf get_fields())
    label: NonEmptyStr  # what the form asks, in its words, for the staff pages
    source: str | None = None  # a FORM_SOURCES name; none for a clinician-only field
    clinician_attests: bool = False  # left blank: only the clinician may complete it, at signature
    checked_value: str | None = None  # for a checkbox: the PDF's "on" state (e.g. "/Yes")

    @model_validator(mode="after")
    def _source_known(self) -> FormField:
        if self.source is not None and self.source not in FORM_SOURCES:
            raise ValueError(f"unknown source {self.source!r}; known: {', '.join(FORM_SOURCES)}")
        if self.source is None and not self.clinician_attests:
            raise ValueError("a field needs a source, or clinician_attests: true")
        if self.source is not None and self.clinician_attests:
            raise ValueError("a clinician-attested field is left blank: give it no source")
        return self


class FormDefinition(Strict):
    id: Slug
    name: NonEmptyStr  # "FMLA certification (WH-380-E)"
    issuer: NonEmptyStr
    pdf: NonEmptyStr | None = None  # the blank form; none for a facts sheet the clinic renders itself
    deadline: FormDeadline | None = None  # the form's own rule, when it has one
    clinic_target: FormDeadline  # the clinic's turnaround target, from the form's arrival
    fields: Annotated[list[FormField], Field(default_factory=list)]


class FormDefinitionPack(Pack):
    collection: ClassVar[str] = "form_definitions"
    form_definitions: Annotated[list[FormDefinition], Field(min_length=1)]
