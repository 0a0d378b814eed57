"""The cost estimate pages (both databases): benefits recorded for the primary coverage (input kept and the field
named on a refusal, 409 when stale, audited), the estimate of a knee injection at three sites from the public
prices, given as a dated fact, and the patient's PDF saying it is an estimate with its assumptions."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.costs.models import CostEstimate, CoverageBenefits
from support import page_form_post

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
MEDICARE = {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"}
BENEFITS = {"plan_year": "2026", "deductible": "283", "deductible_met": "283", "coinsurance_percent": "20", "copay": "",
            "oop_max": "9999", "oop_met": "0", "in_network": "true", "as_of": "2026-12-07", "verified_how": "eligibility_response",
            "reference": "TRN 12345", "version": "0"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(client_for, patient_payload, episode_payload, clock) -> int:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=MEDICARE).status_code == 201
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "knee"}).json()["id"]


def test_the_panel_links_the_page_and_missing_benefits_are_named(client_for, episode):
    billing = client_for("billing")
    assert "/costs/episodes/%d" % episode in billing.get(f"/episodes/{episode}").text
    page = billing.get(f"/costs/episodes/{episode}?procedure=knee_steroid_injection")
    assert page.status_code == 200
    assert "record the patient&#39;s benefits" in page.text or "record the patient's benefits" in page.text
    assert "Give this estimate" not in page.text
    assert client_for("nurse").get(f"/costs/episodes/{episode}").status_code == 403


def test_a_refused_benefits_form_keeps_its_input_and_names_the_field(client_for, episode, db):
    billing = client_for("billing")
    answer = page_form_post(billing, f"/costs/episodes/{episode}/benefits", {**BENEFITS, "deductible_met": "300", "oop_max": "lots"})
    assert answer.status_code == 422
    assert "Out-of-pocket maximum ($): enter an amount in dollars" in answer.text
    assert 'value="300"' in answer.text and 'value="TRN 12345"' in answer.text
    with db.session() as session:
        assert session.scalar(select(CoverageBenefits)) is None


def test_estimate_at_three_sites_given_and_printed(client_for, episode, db):
    billing = client_for("billing")
    assert page_form_post(billing, f"/costs/episodes/{episode}/benefits", BENEFITS).status_code == 303
    stale = page_form_post(billing, f"/costs/episodes/{episode}/benefits", {**BENEFITS, "version": "0", "oop_met": "10"})
    assert stale.status_code == 409
    page = billing.get(f"/costs/episodes/{episode}?procedure=knee_steroid_injection")
    # 20610 (Medicare, deductible met, 20%): office 20% of 68.81; centre 20% of 43.99 + 38.94; hospital 20% of 43.99 + 313.60
    assert "$13.76" in page.text and "$16.59" in page.text and "$71.52" in page.text
    assert "(lower cost)" in page.text and "research/" not in page.text
    # the knee pathway's decision offers hyaluronic acid (same injection code) and no injection for now
    assert "Hyaluronic acid (lubricating gel) injections" in page.text and "No injection for now" in page.text
    assert "a drug, gel or device is billed separately" in page.text
    given = page_form_post(billing, f"/costs/episodes/{episode}/estimates", {"procedure": "knee_steroid_injection"})
    assert given.status_code == 303
    with db.session() as session:
        row = session.scalar(select(CostEstimate))
        assert row.lower_cost_site == "office" and row.given_on.isoformat() == "2026-12-07"
        assert [s["share_cents"] for s in row.results["sites"]] == [1376, 1659, 7152]
        assert row.inputs["benefits"]["as_of"] == "2026-12-07"
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"costs.benefits_recorded", "costs.estimate_given"} <= actions
    pdf = billing.get(f"/cost-estimates/{row.id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "This is an estimate, not a bill" in text
    assert "about $13.76" in text and "about $71.52" in text
    assert "The lower-cost place for you: In our office" in text
    assert "the procedure code to give them is 20610" in text
    assert "What this estimate assumes" in text and "in your plan's network" in text
    assert "Coinsurance 20%" in text
    assert "Prices of 2026." in text and "Prices of 2025 and 2026." in text  # the office's; the centre's and hospital's
    assert "Other choices your care plan allows" in text and "No injection for now" in text
    assert client_for("nurse").get(f"/cost-estimates/{row.id}/pdf").status_code == 403


@pytest.mark.storage  # a database of its own, not database_url
def test_the_demo_records_benefits_and_gives_an_estimate(migrated_template, tmp_path):
    from painpath.context import build_context
    from painpath.core.db import Database
    from painpath.demo import load_demo
    from support import own_database

    with own_database(migrated_template, tmp_path) as settings:
        ctx = build_context(settings, Database(settings.database_url))
        summary = load_demo(ctx, patients=12, now=datetime(2026, 11, 20, 22, 0))
        assert summary.facts["cost_estimates"] == 1
        with ctx.db.session() as session:
            rows = session.scalars(select(CoverageBenefits)).all()
            assert len(rows) >= 3 and any(r.oop_max_cents is None for r in rows)
            given = session.scalar(select(CostEstimate))
            assert given.results["sites"] and given.results["assumptions"]
            # the cheaper choices: a brand's generic always; community PT when the estimated episode has physical therapy
            # (episodes with a PT course are estimated first; in this 12-patient demo none has a coverage with benefits)
            assert any(g["brand"] == "Lyrica" for g in given.results["generics"])
            therapy = given.results["therapy"]
            assert therapy is None or therapy["community"]["share_cents"] is not None
        ctx.db.dispose()


def test_giving_an_incomplete_estimate_is_refused_and_says_why(client_for, episode, db):
    billing = client_for("billing")
    answer = page_form_post(billing, f"/costs/episodes/{episode}/estimates", {"procedure": "knee_steroid_injection"})
    assert answer.status_code == 422
    assert "The estimate cannot be given yet" in answer.text and "benefits" in answer.text
    with db.session() as session:
        assert session.scalar(select(CostEstimate)) is None


def test_the_planned_procedure_comes_from_the_authorization_request(client_for, episode):
    coordinator = client_for("coordinator")
    case = coordinator.post(f"/api/episodes/{episode}/authorizations", json={"procedure_id": "tfesi_lumbar", "side": "left"})
    assert case.status_code == 201, case.text
    billing = client_for("billing")
    assert page_form_post(billing, f"/costs/episodes/{episode}/benefits", BENEFITS).status_code == 303
    page = billing.get(f"/costs/episodes/{episode}")
    assert "From the authorization request" in page.text and "procedure code 64483" in page.text
    # 64483: the office's fee only is public (20% of $236.13, the research's worked example); the centre's and
    # hospital's facility fees were not found, so those sites say what is missing and are not compared
    assert "$47.23" in page.text and "The facility&#39;s fee: no price on file" in page.text
    assert "(lower cost)" not in page.text
