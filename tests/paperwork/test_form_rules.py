"""The form definitions pack against its PDF, and the pure rules: field values from chart facts, the
deadline counts, and the refusal of an unknown chart source at load."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas import FormDeadline, FormField
from painpath.paperwork import form_rules
from painpath.paperwork.form_filling import form_path
from painpath.paperwork.form_rules import FlareUps, FormFacts, FunctionalLimit


@pytest.fixture(scope="module")
def wh380e():  # noqa: ANN201
    return load_knowledge().form_definitions["fmla_wh380e"]


def test_every_mapped_field_is_a_field_of_the_pdf(wh380e):  # noqa: ANN001
    in_pdf = set(PdfReader(form_path(wh380e.pdf)).get_fields())
    assert {f.pdf_field for f in wh380e.fields} - in_pdf == set()


def test_the_fmla_deadline_is_15_calendar_days_from_the_employees_receipt(wh380e):  # noqa: ANN001
    # 29 CFR 825.305(b): a request the employee got on Fri 27 Feb 2026 is due back on Sat 14 Mar (calendar days, weekends count).
    assert form_rules.due_on(wh380e.deadline, received_on=date(2026, 3, 2), employee_receipt_on=date(2026, 2, 27),
                             add_business_days=None) == date(2026, 3, 14)
    assert form_rules.due_on(wh380e.deadline, received_on=date(2026, 3, 2), employee_receipt_on=None, add_business_days=None) == date(2026, 3, 17)
    # The clinic's own target counts from the form's arrival, whatever the employee's date.
    assert form_rules.due_on(wh380e.clinic_target, received_on=date(2026, 3, 2), employee_receipt_on=date(2026, 2, 27),
                             add_business_days=None) == date(2026, 3, 6)


def test_a_business_day_rule_uses_the_calendar():
    rule = FormDeadline(amount=3, unit="business_days", counts_from="received", source="test", evidence="K", verified=False)
    assert form_rules.due_on(rule, received_on=date(2026, 3, 6), employee_receipt_on=None,
                             add_business_days=lambda start, days: date(2026, 3, 11)) == date(2026, 3, 11)


def _facts(**changes) -> FormFacts:  # noqa: ANN003
    base = dict(patient_name="Dana Smith", patient_birth_date=date(1980, 5, 1), clinician_name="Dr Lee", clinician_specialty="Pain medicine",
                clinic_name="Riverside Pain", clinic_address="1 River Rd", clinic_phone="(708) 555-0101", clinic_fax="708.555.0100",
                onset_date=date(2025, 11, 3), first_visit=date(2026, 2, 20), diagnoses=("M54.16 Radiculopathy, lumbar region",),
                visit_dates=(date(2026, 2, 20),))
    return FormFacts(**{**base, **changes})


def test_values_come_from_the_facts_and_attested_fields_stay_blank(wh380e):  # noqa: ANN001
    values = form_rules.pdf_values(form_rules.resolve(wh380e, _facts(
        flare_ups=FlareUps(1, "week", 6, "hours"), limits=(FunctionalLimit("Standing tolerated for 10 minutes at a time", date(2026, 2, 20)),))))
    assert values["txtPhoneAreaCode"] == "708" and values["txtPhoneNumber"] == "555-0101" and values["txtFaxNumber"] == "555-0100"
    assert values["txtTimes"] == "1" and values["txtWeeks"] == "1" and values["txtHoursPerEpisode"] == "6"
    assert "txtMonths" not in values and "txtDaysPerEpisode" not in values
    assert values["txtJobfunctionsUnable"] == "Standing tolerated for 10 minutes at a time (measured 02/20/2026)"
    assert not {"txtDateSigned", "chxEpisodic", "txtExplain1"} & values.keys()
    # What the chart does not say is left blank, not invented.
    bare = form_rules.pdf_values(form_rules.resolve(wh380e, _facts(onset_date=None)))
    assert "txtDateCommenced" not in bare and "txtTimes" not in bare and "txtTreatmentSchedule" not in bare


def test_an_unknown_source_or_an_attested_field_with_a_source_is_refused_at_load():
    with pytest.raises(ValidationError, match="unknown source"):
        FormField(pdf_field="x", label="x", source="patient.shoe_size")
    with pytest.raises(ValidationError, match="left blank"):
        FormField(pdf_field="x", label="x", source="patient.name", clinician_attests=True)
