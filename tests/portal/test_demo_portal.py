"""The demo's patient login reaches a real record: a plan, an approval in flight, a shared plan PDF."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.context import build_context
from painpath.core.db import Database
from painpath.demo import demo_password, load_demo
from painpath.portal.document_models import PortalSharedDocument
from painpath.portal.models import PatientAccount
from painpath.web.app import create_app
from support import own_database, sign_in

NOW = datetime(2026, 11, 20, 22, 0)
pytestmark = pytest.mark.storage


def test_the_demo_patient_signs_in_to_their_own_plan_and_shared_plan(migrated_template, tmp_path):
    with own_database(migrated_template, tmp_path) as settings:
        ctx = build_context(settings, Database(settings.database_url))
        summary = load_demo(ctx, patients=40, now=NOW)
        assert ("patient", "patient", "demo-patient-2026") in summary.logins
        assert summary.facts["portal_shared_documents"] >= 1
        with ctx.db.session() as session:
            account = session.scalars(select(PatientAccount)).one()
            shared = session.scalars(select(PortalSharedDocument).where(PortalSharedDocument.kind == "plan")).one()
        assert shared.patient_id == account.patient_id
        with TestClient(create_app(ctx)) as client:
            patient = sign_in(client, "patient", demo_password("patient"))
            for path in ("/portal", "/portal/plan", "/portal/visits", "/portal/visits.ics", "/portal/paperwork", "/portal/documents",
                         "/portal/authorization"):
                assert patient.get(path).status_code == 200, path
            assert "Insurance approval for the" in patient.get("/portal/authorization").text
            assert "Your doctor has not written any work restrictions." not in patient.get("/portal/paperwork").text
            assert patient.get(f"/portal/shared-documents/{shared.id}").content.startswith(b"%PDF-")
        ctx.db.dispose()
