"""Issue 11 defect 4: a titration target has bounds. 100,000,000 mg/day of gabapentin once built steps for
six minutes and 3.6 GB; 5,000 mg/day (above the pack's 3,600) was taken silently. Above the pack's
maximum a clinician's reason is required (kept on the plan and audited), above a hard ceiling the target
is refused, and a plan has a bounded number of steps."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.core.audit import AuditEvent
from painpath.knowledge.loader import load_knowledge
from painpath.medications.trials import target_bounds
from painpath.medications.trials.models import TrialPlan, TrialPlanItem

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Monday 7 Dec 2026, 10:00 in Chicago
clock = frozen_clock(NOW)
episode_id = plain_episode()


def _gabapentin(daily_mg: float, **target) -> dict:  # noqa: ANN003
    return {"drug_key": "gabapentin", "target": {"daily_mg": daily_mg, "success": "able to walk the dog", **target}}


def _rules(response) -> set[tuple[str, str]]:  # noqa: ANN001
    return {(p["field"], p["rule"]) for p in response.json()["errors"]}


def _nothing_written(db) -> bool:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(TrialPlan)) == 0


def test_an_absurd_target_is_refused_at_once_naming_the_ceiling(client_for, episode_id, db):
    clinician = client_for("clinician")
    started = time.perf_counter()
    refused = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan",
                             json=_gabapentin(100_000_000, above_max_reason="as discussed"))
    assert time.perf_counter() - started < 2
    assert refused.status_code == 422
    assert _rules(refused) == {("target.daily_mg", "hard_ceiling")}
    assert "7200 mg a day" in refused.json()["errors"][0]["message"]
    assert _nothing_written(db)


def test_above_the_pack_maximum_needs_a_reason(client_for, episode_id, db):
    refused = client_for("clinician").post(f"/api/episodes/{episode_id}/medication-trials/plan", json=_gabapentin(5000))
    assert refused.status_code == 422
    assert _rules(refused) == {("target.above_max_reason", "required_above_pack_max")}
    assert "3600 mg a day" in refused.json()["errors"][0]["message"]
    blank = client_for("clinician").post(f"/api/episodes/{episode_id}/medication-trials/plan",
                                         json=_gabapentin(5000, above_max_reason="   "))
    assert _rules(blank) == {("target.above_max_reason", "required_above_pack_max")}
    assert _nothing_written(db)


def test_with_a_reason_the_high_target_is_planned_kept_and_audited(client_for, episode_id, db):
    reason = "Partial response at 3600 mg with no sedation; neurology advised 4800 mg before switching"
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/medication-trials/plan",
                                        json=_gabapentin(5000, above_max_reason=reason))
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["above_max_reason"] == reason and plan["target_daily_mg"] == 5000
    assert max(i["daily_mg"] or 0 for i in plan["items"]) == 5000
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "medication_trial.target_above_pack_max")).one()
        assert event.object_id == str(plan["id"]) and event.actor_user_id is not None
        assert event.detail == {"drug": "gabapentin", "target_daily_mg": 5000, "pack_max_mg": 3600}
        assert reason not in str(event.detail)  # the reason may hold clinical detail: it stays on the plan


def test_a_target_within_the_range_needs_no_reason_and_keeps_none(client_for, episode_id):
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/medication-trials/plan",
                                        json=_gabapentin(1800, above_max_reason="not needed"))
    assert made.status_code == 201, made.text
    assert made.json()["above_max_reason"] is None


def test_every_shipped_drug_plans_within_the_step_bound_up_to_its_ceiling():
    for drug in load_knowledge([]).medication_trials.drugs.values():
        ceiling = target_bounds.ceiling_mg(drug)
        assert target_bounds.step_count(drug, ceiling) <= target_bounds.limits(drug).max_titration_steps.value, drug.id
        assert not [p for p in target_bounds.target_problems(drug, target_daily_mg=ceiling, above_max_reason="why")
                    if p.rule != "required_above_pack_max"], drug.id


def test_a_pack_with_tiny_steps_is_refused_by_plan_length_not_built():
    gabapentin = load_knowledge([]).medication_trials.drugs["gabapentin"]
    tiny = gabapentin.model_copy(update={"titration": gabapentin.titration.model_copy(update={"step_daily_mg": 1.0})})
    problems = target_bounds.target_problems(tiny, target_daily_mg=3000, above_max_reason=None)
    assert [(p.field, p.rule) for p in problems] == [("target.daily_mg", "max_steps")]


# ---- The episode page's plan form --------------------------------------------------------------------

def _form_post(client, url: str, data: dict):  # noqa: ANN001, ANN201
    """A browser-style form post: the CSRF token in the form, not the header."""
    headers = {k: v for k, v in client.headers.items() if k.lower() != "x-csrf-token"}
    return client.post(url, data={**data, "csrf_token": client.headers["x-csrf-token"]}, headers=headers, follow_redirects=False)


def _plan_form(html: str) -> str:
    match = re.search(r'<details[^>]*id="plan-trial".*?</details>', html, re.S)
    assert match, "no plan form on the episode page"
    return match.group(0)


def test_the_page_form_asks_for_the_reason_beside_its_field_and_plans_with_it(client_for, episode_id, db):
    clinician = client_for("clinician")
    form = {"plan_drug_name": "gabapentin", "target_daily_mg": "5000", "success": "able to walk the dog"}
    refused = _form_post(clinician, f"/episodes/{episode_id}/medication-trials/plan", form)
    assert refused.status_code == 422
    plan_form = _plan_form(refused.text)
    assert "The trial was not planned" in plan_form and " open" in plan_form.split(">")[0]
    reason_field = re.search(r'<div class="field has-error[^"]*">\s*<label for="f-above_max_reason">.*?</div>', plan_form, re.S)
    assert reason_field and "above 3600 mg a day" in reason_field.group(0)
    assert 'value="5000"' in plan_form  # the clinician's values come back
    assert _nothing_written(db)

    absurd = _form_post(clinician, f"/episodes/{episode_id}/medication-trials/plan", {**form, "target_daily_mg": "100000000"})
    assert absurd.status_code == 422
    target_field = re.search(r'<div class="field has-error[^"]*">\s*<label for="f-target_daily_mg">.*?</div>', _plan_form(absurd.text), re.S)
    assert target_field and "7200 mg a day" in target_field.group(0)

    made = _form_post(clinician, f"/episodes/{episode_id}/medication-trials/plan",
                      {**form, "above_max_reason": "Partial response at 3600 mg; neurology advised going higher"})
    assert made.status_code == 303, made.text
    with db.session() as session:
        plan = session.scalars(select(TrialPlan)).one()
        assert (plan.target_daily_mg, plan.above_max_reason) == (5000, "Partial response at 3600 mg; neurology advised going higher")
        assert session.scalar(select(func.count()).select_from(TrialPlanItem).where(TrialPlanItem.kind == "titration")) == 16
