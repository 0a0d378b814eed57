"""Where the NPIs are entered: Clinic settings (admin or manager) for the clinic's, the users page
(admin) for a clinician's. Both check the NPI's check digit, keep what was typed on refusal, and audit."""

from __future__ import annotations

from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.tenancy import Clinic


def _clinic(db, clinic_id: int) -> Clinic:  # noqa: ANN001
    with db.session() as session:
        found = session.get(Clinic, clinic_id)
        session.expunge(found)
        return found


def _settings(clinic: Clinic, **changes: str) -> dict:
    return {"version": str(clinic.version), "name": clinic.name, "phone": clinic.phone or "", "return_fax": clinic.return_fax or "",
            "npi": "", **changes}


def test_an_admin_enters_the_clinic_npi_and_a_mistyped_one_is_refused_keeping_what_was_typed(client_for, clinic, db):
    admin = client_for("admin")
    page = admin.get("/admin/clinic")
    assert page.status_code == 200 and "Clinic NPI" in page.text

    refused = admin.post("/admin/clinic", data=_settings(_clinic(db, clinic.id), npi="1245319590"), follow_redirects=False)
    assert refused.status_code == 422
    assert "check digit" in refused.text and 'value="1245319590"' in refused.text
    assert _clinic(db, clinic.id).npi is None

    saved = admin.post("/admin/clinic", data=_settings(_clinic(db, clinic.id), npi="1245319599"), follow_redirects=False)
    assert saved.status_code == 303
    assert _clinic(db, clinic.id).npi == "1245319599"
    with db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "clinic.settings_update")).all()


def test_a_stale_settings_form_is_refused_with_409(client_for, clinic, db):
    manager = client_for("manager")
    stale = _settings(_clinic(db, clinic.id), npi="1245319599")
    assert manager.post("/admin/clinic", data=_settings(_clinic(db, clinic.id), phone="555-0199"), follow_redirects=False).status_code == 303
    refused = manager.post("/admin/clinic", data=stale, follow_redirects=False)
    assert refused.status_code == 409 and "changed by someone else" in refused.text
    assert _clinic(db, clinic.id).npi is None


def test_clinic_settings_are_not_for_front_desk_or_clinicians(client_for):
    for role in ("front_desk", "clinician", "coordinator"):
        assert client_for(role).get("/admin/clinic").status_code == 403


def test_an_admin_records_a_clinicians_npi_on_the_users_page(client_for, staff, db):
    admin = client_for("admin")
    clinician_id = staff["clinician"].id
    refused = admin.post("/admin/users/npi", data={"user_id": str(clinician_id), "npi": "1234567890"}, follow_redirects=False)
    assert refused.status_code == 422 and "check digit" in refused.text and 'value="1234567890"' in refused.text

    saved = admin.post("/admin/users/npi", data={"user_id": str(clinician_id), "npi": "1234567893"}, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as session:
        assert session.get(User, clinician_id).npi == "1234567893"
    assert 'value="1234567893"' in admin.get("/admin/users").text
