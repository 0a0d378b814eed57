"""Plan steps that are orders, through the plans service and the episode page: a hip plan's X-ray step and a
lumbar plan's spine-surgery referral step each have their clinician task 90 and 120 days in, linking to the
prefilled order or referral form, and the current-step panel offers that form (or says who writes it).

The orders and referrals slices fill `imaging_orders` / `referrals` on the episode's facts; until their
readers are merged the linked states are tested with plain facts (test_order_steps.py, and the panel's
words below through `_order_line`).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import time_machine
from sqlalchemy import select

from painpath.facts.vocabulary import EpisodeFacts, ImagingOrderFact
from painpath.plans import pages, service
from painpath.plans.models import PlanStep
from painpath.worklist.links import work_link
from painpath.worklist.models import Task

STARTED = datetime(2026, 3, 2, 15, tzinfo=timezone.utc)  # Mon 2 Mar 2026, 9:00 in Chicago
HIP = {"problem_summary": "Right groin pain, worse sitting; FADIR positive", "body_region": "hip", "laterality": "right",
       "onset_date": "2025-11-01", "icd10_codes": ["M25.551"]}
LUMBAR = {"problem_summary": "Right leg pain after two epidurals", "body_region": "lumbar", "laterality": "right",
          "onset_date": "2025-06-01", "icd10_codes": ["M54.16"]}


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _plan(client_for, patient_payload, episode: dict, pathway_id: str, first_step_id: str) -> tuple[int, int]:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
    episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode), 201)["id"]
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": pathway_id, "first_step_id": first_step_id}), 201)
    return episode_id, plan["current_step"]["id"]


def _open_tasks(ctx, episode_id: int, when: datetime) -> dict[str, Task]:  # noqa: ANN001
    with time_machine.travel(when, tick=False), ctx.db.session() as session:
        ctx.reconcile(session, episode_ids=[episode_id], now=when)
        found = {t.key: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id, Task.status == "open"))}
        session.expunge_all()
        return found


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _panel(page) -> str:  # noqa: ANN001
    start = page.text.index('id="plan-current-step"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text[start:page.text.index('id="plan-next-step"', start)])))


def test_a_hip_plans_xray_step_has_its_order_task_90_days_in_and_the_panel_offers_the_prefilled_form(client_for, patient_payload, ctx):
    ctx.settings.session_hours = 24 * 120
    with time_machine.travel(STARTED, tick=False):
        episode_id, row_id = _plan(client_for, patient_payload, HIP, "hip_labral", "hip_xray")
        clinician, coordinator = client_for("clinician"), client_for("coordinator")
        page = clinician.get(f"/episodes/{episode_id}")
        panel = _panel(page)
        assert "Hip X-ray: not ordered yet." in panel and "Order the hip X-ray" in panel
        button = html.unescape(re.search(r'href="([^"]+)" id="plan-step-order-form"', page.text).group(1))
        assert urlsplit(button).path == f"/episodes/{episode_id}/imaging-orders/new"
        assert _query(button)["plan_step_row_id"] == str(row_id) and _query(button)["protocol"] == "AP pelvis and lateral view of the hip"
        # The coordinator sends orders but does not place them: no button, and the page says who writes it.
        other = coordinator.get(f"/episodes/{episode_id}")
        assert 'id="plan-step-order-form"' not in other.text and "A clinician writes it from this step." in _panel(other)

    task = _open_tasks(ctx, episode_id, STARTED + timedelta(days=90))[f"plans:step-order:step:{row_id}"]
    assert (task.kind, task.title, task.owner_role) == ("plans.step_order", "Order the hip X-ray", "clinician")
    due = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=timezone.utc)
    assert ctx.calendar.local_date(due) == date(2026, 3, 4)  # two business days after Mon 2 Mar, the end of the clinic's day
    link = work_link(task)
    assert link.href == button and link.label == "Open the prefilled imaging order"


def test_a_lumbar_plans_referral_step_has_its_referral_task_120_days_in(client_for, patient_payload, ctx):
    ctx.settings.session_hours = 24 * 150
    with time_machine.travel(STARTED, tick=False):
        episode_id, row_id = _plan(client_for, patient_payload, LUMBAR, "lumbar_radicular_pain", "spine_surgery_referral")
        opens = _ok(client_for("clinician").get(f"/api/episodes/{episode_id}/plan"))["current_step"]["opens"]
        assert (opens["kind"], opens["words"], opens["href"]) == ("referral", "Spine surgery referral: not written yet", None)
        assert urlsplit(opens["form_url"]).path == f"/episodes/{episode_id}/referrals/new"
    tasks = _open_tasks(ctx, episode_id, STARTED + timedelta(days=120))
    task = tasks[f"plans:step-referral:step:{row_id}"]
    assert (task.kind, task.title) == ("plans.step_referral", "Write the spine surgery referral")
    href = work_link(task).href
    assert urlsplit(href).path == f"/episodes/{episode_id}/referrals/new"
    assert _query(href)["specialty"] == "spine_surgery" and _query(href)["plan_step_row_id"] == str(row_id)
    assert f"plans:step-review:step:{row_id}" not in tasks  # nothing to review until the consult note is back and closed


def test_the_panel_says_how_far_a_linked_order_has_come_and_links_to_it(ctx):
    """The panel's line from plain facts (the orders slice's reader fills them once merged)."""
    pathway = ctx.knowledge.pathways["hip_labral"]
    row = PlanStep(id=9, step_id="mri_arthrogram", started_on=date(2026, 12, 1), trial_ends_on=None, status="active")
    booked = ImagingOrderFact(order_id=41, modality="mri_arthrogram", region="hip", side="right", protocol="MR arthrogram",
                              urgency="routine", status="booked", ordered_on=date(2026, 12, 3), plan_step_row_id=9,
                              sent_on=date(2026, 12, 3), booked_for=date(2026, 12, 4))
    facts = EpisodeFacts(episode_id=5, payer_id=None, plan_type=None, body_region="hip", laterality="right", onset_date=None,
                         diagnosis_codes=(), imaging_orders=(booked,))
    line = pages._order_line(service.step_view(ctx.knowledge, pathway, row, facts, date(2026, 12, 5)))
    assert line["words"] == "MR arthrogram of the hip ordered 3 Dec, sent 3 Dec, booked for 4 Dec, report not back"
    assert line["href"] == "/imaging-orders/41" and line["form_url"] is None


def test_recording_the_steps_outcome_without_its_order_closes_the_order_task_with_that_reason(client_for, patient_payload, ctx):
    """The clinician decides the X-ray is not needed after all (films from elsewhere were enough): the order task goes
    with the words of the recorded outcome, and the MR arthrogram step owes its own order."""
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(STARTED, tick=False):
        episode_id, row_id = _plan(client_for, patient_payload, HIP, "hip_labral", "hip_xray")
    later = STARTED + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        clinician = client_for("clinician")
        plan = _ok(clinician.get(f"/api/episodes/{episode_id}/plan"))
        moved = _ok(clinician.post(f"/api/plan-steps/{row_id}/confirm", json={
            "version": plan["current_step"]["version"], "outcome": "succeeded", "note": "Outside films enough"}))
        assert moved["current_step"]["step_id"] == "mri_arthrogram"
        with ctx.db.session() as session:
            gone = session.scalars(select(Task).where(Task.key == f"plans:step-order:step:{row_id}")).one()
            assert (gone.status, gone.resolution) == ("cancelled", "The step's outcome was recorded: succeeded")
    tasks = _open_tasks(ctx, episode_id, later)
    assert tasks[f"plans:step-order:step:{moved['current_step']['id']}"].title == "Order the MR arthrogram of the hip"
