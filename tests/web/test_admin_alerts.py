"""The admin, who reads no charts and holds no worklist permission, sees the engine's alerts addressed to the
admin role on their own page, without the patient's name; other roles are refused it."""

from __future__ import annotations

from painpath.core.clock import utcnow
from painpath.worklist.gather import ProviderFailure
from painpath.worklist.provider_alerts import alerts_to_open
from painpath.worklist.reconcile import _open_one


def test_admin_sees_open_engine_alerts_and_others_are_refused(client_for, patient_payload, episode_payload, db):
    coordinator, admin = client_for("coordinator"), client_for("admin")
    assert "No open alerts" in admin.get("/admin/alerts").text
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    with db.session() as session:
        for obligation in alerts_to_open(session, [ProviderFailure("imaging_rules", episode_id, "KeyError")], utcnow()):
            assert _open_one(session, obligation, utcnow(), None)

    page = admin.get("/admin/alerts")
    assert page.status_code == 200
    assert f"Worklist rules failed for episode {episode_id}" in page.text
    assert "imaging rules" in page.text and "No open alerts" not in page.text
    assert patient_payload["family_name"] not in page.text and patient_payload["mrn"] not in page.text
    assert 'href="/admin/alerts"' in admin.get("/account").text
    assert coordinator.get("/admin/alerts").status_code == 403
