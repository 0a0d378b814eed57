"""The episode page's Conservative care panel: add an entry and end it from forms (the API's schemas and
services), refusals that keep what was typed and name the field, 409 on a stale version, all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock, plain_episode
from painpath.charting.conservative_care.models import CareEntry
from painpath.core.audit import AuditEvent

clock = frozen_clock(MONDAY_7_DEC_2026)
episode_id = plain_episode()
PT = {"kind": "physical_therapy", "description": "PT twice a week, core stabilization", "start_date": "2026-09-01",
      "source": "reported", "failed": "unknown"}


def _entry(db) -> CareEntry:  # noqa: ANN001
    with db.session() as session:
        return session.scalars(select(CareEntry)).one()


def test_care_added_on_the_page_is_saved_audited_and_shown_as_ongoing(client_for, episode_id, db):
    clinician = client_for("clinician")
    response = clinician.post(f"/episodes/{episode_id}/conservative-care", data=PT, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#conservative-care")
    entry = _entry(db)
    assert (entry.kind, entry.end_date, entry.description) == ("physical_therapy", None, PT["description"])
    with db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.object_type == "conservative_care")).first() is not None
    page = clinician.get(f"/episodes/{episode_id}").text
    assert PT["description"] in page and "now (ongoing)" in page and f'action="/conservative-care/{entry.id}/end"' in page


def test_a_refused_entry_keeps_what_was_typed_and_names_the_field(client_for, episode_id, db):
    response = client_for("nurse").post(f"/episodes/{episode_id}/conservative-care", data={**PT, "start_date": "", "description": "x"})
    assert response.status_code == 422
    assert "The care was not added" in response.text and "This is required" in response.text
    assert "core stabilization" not in response.text and ">x</textarea>" in response.text
    with db.session() as session:
        assert session.scalars(select(CareEntry)).first() is None


def test_ending_care_records_the_end_and_a_stale_version_is_refused(client_for, episode_id, db):
    nurse = client_for("nurse")
    nurse.post(f"/episodes/{episode_id}/conservative-care", data=PT)
    entry = _entry(db)
    ended = nurse.post(f"/conservative-care/{entry.id}/end", data={"end_date": "2026-11-15", "failed": "no", "version": str(entry.version)},
                       follow_redirects=False)
    assert ended.status_code == 303
    assert (_entry(db).end_date.isoformat(), _entry(db).failed) == ("2026-11-15", "no")
    stale = nurse.post(f"/conservative-care/{entry.id}/end", data={"end_date": "2026-11-20", "version": str(entry.version)})
    assert stale.status_code == 409 and "The care was not ended" in stale.text
    assert _entry(db).end_date.isoformat() == "2026-11-15"
