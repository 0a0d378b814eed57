"""Intake: the payer chosen on a call becomes the patient's coverage, and a new caller who matches a
registered patient (name and date of birth, phone, or MRN) is offered that record before a new chart."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.intake.models import IntakeCall
from painpath.patients.models import Coverage, Patient

MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago

FORM = {"caller_name": "Rosa Lindqvist", "caller_phone": "555-0177", "caller_relation": "self",
        "given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1970-07-02", "sex": "female", "phone": "",
        "source": "phone", "referring_provider": "", "payer_id": "aetna_commercial", "member_id": "W123456789",
        "group_number": "G-1", "received_at": "", "reason": "Low back pain", "pain_location": "low back",
        "pain_duration_weeks": "12", "body_region": "lumbar", "laterality": "left"}


@pytest.fixture
def desk(client_for):  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False):
        yield client_for("front_desk")


def _count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _coverages(db) -> list[tuple]:  # noqa: ANN001
    with db.session() as session:
        return [(c.patient_id, c.payer_id, c.member_id, c.group_number, c.priority, str(c.effective_from))
                for c in session.scalars(select(Coverage).order_by(Coverage.id))]


def test_the_payer_chosen_on_a_call_becomes_the_new_patients_coverage(desk, db):
    made = desk.post("/intake/new", data=FORM, follow_redirects=False)
    assert made.status_code == 303, made.text
    with db.session() as session:
        patient_id = session.scalar(select(IntakeCall.patient_id))
    assert _coverages(db) == [(patient_id, "aetna_commercial", "W123456789", "G-1", 1, "2026-12-07")]
    assert "W123456789" in desk.get(f"/patients/{patient_id}").text


def test_a_payer_without_a_member_id_is_refused_with_the_form_kept(desk, db):
    refused = desk.post("/intake/new", data={**FORM, "member_id": "", "group_number": "KEEP-G"})
    assert refused.status_code == 422
    assert "Enter the member ID from the insurance card" in refused.text and 'value="KEEP-G"' in refused.text
    assert _count(db, Patient) == 0 and _count(db, Coverage) == 0
    # Payer not known yet: the call is saved with no coverage.
    saved = desk.post("/intake/new", data={**FORM, "payer_id": "", "member_id": ""}, follow_redirects=False)
    assert saved.status_code == 303 and _count(db, Coverage) == 0


def test_a_call_for_a_registered_patient_adds_the_payer_once(desk, db):
    desk.post("/intake/new", data=FORM)
    with db.session() as session:
        patient_id = session.scalar(select(Patient.id))
    again = {**FORM, "patient_id": str(patient_id), "reason": "Neck pain", "body_region": "cervical"}
    assert desk.post("/intake/new", data=again, follow_redirects=False).status_code == 303
    assert len(_coverages(db)) == 1  # the same payer in effect: not added twice
    other = {**again, "payer_id": "bcbs_commercial", "member_id": "XBM1"}
    assert desk.post("/intake/new", data=other, follow_redirects=False).status_code == 303
    assert [c[1:5] for c in _coverages(db)] == [("aetna_commercial", "W123456789", "G-1", 1), ("bcbs_commercial", "XBM1", "G-1", 2)]


@pytest.mark.parametrize("match", [
    {},  # same name and date of birth
    {"given_name": "Rosie", "birth_date": "1971-01-01", "caller_phone": "(555) 0177"},  # same phone, typed differently
    {"given_name": "Ann", "family_name": "Other", "birth_date": "1971-01-01", "caller_phone": "555-0999", "known_mrn": "P000001"},  # MRN
])
def test_a_caller_matching_a_registered_patient_is_offered_that_record(desk, db, match):
    assert desk.post("/intake/new", data=FORM, follow_redirects=False).status_code == 303
    with db.session() as session:
        existing = session.scalar(select(Patient))
    asked = desk.post("/intake/new", data={**FORM, **match, "reason": "Back again, worse"})
    assert asked.status_code == 200 and "This may be an existing patient" in asked.text
    assert f'name="use_patient_id" value="{existing.id}"' in asked.text and existing.mrn in asked.text
    assert "Back again, worse" in asked.text  # everything typed is still on the form
    assert _count(db, Patient) == 1 and _count(db, IntakeCall) == 1  # nothing saved while the question is open
    linked = desk.post("/intake/new", data={**FORM, **match, "reason": "Back again, worse", "use_patient_id": str(existing.id)},
                       follow_redirects=False)
    assert linked.status_code == 303, linked.text
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1
        assert set(session.scalars(select(IntakeCall.patient_id))) == {existing.id}


def test_none_of_these_registers_a_new_patient(desk, db):
    desk.post("/intake/new", data=FORM)
    twin = {**FORM, "caller_phone": "555-0100"}
    assert desk.post("/intake/new", data=twin).status_code == 200
    made = desk.post("/intake/new", data={**twin, "new_confirmed": "1"}, follow_redirects=False)
    assert made.status_code == 303 and _count(db, Patient) == 2


def test_no_offer_when_nothing_matches(desk, db):
    desk.post("/intake/new", data=FORM)
    other = {**FORM, "given_name": "Mira", "family_name": "Sol", "caller_phone": "555-0111"}
    assert desk.post("/intake/new", data=other, follow_redirects=False).status_code == 303
