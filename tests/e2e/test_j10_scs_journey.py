"""Journey J10 through pages only (clinic scenarios, J10: spinal cord stimulator trial, commercial payer
aetna_commercial under the typical SCS policies, pathway spinal_cord_stimulation).

The phone call, the first visit attended, a baseline ODI and the medicines she takes; the SCS plan starts
with the psychological evaluation and prepares the trial's authorization. The psychologist's clearance filed
in the trial's kit meets the payer's criterion and the plan's first step; the clinician confirms the trial
step. Before the trial the clinician records the risk conversation (lead migration, infection, device
maintenance and battery, MRI conditions) and her choice on the episode page, which completes the trial's kit
item for it. The trial (a performed procedure) lasts 7 days; its relief report (pain 8 -> 3), an ODI no worse and
the same medicines make the trial a success, and only then does the plan propose the permanent implant:
confirmed, its authorization stands in preparing with the trial's relief meeting the payer's threshold.
The thresholds are read from the pathway and policy packs; the live server's clock is `server_clock`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_care, add_case_document, add_relief_report, as_role, attend_first_visit, book_visit,
                           confirm_plan_step, criterion, episode, give_questionnaire, new_call, open_details, record_procedure,
                           routine_triage, start_plan)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Mon 9 Nov 2026, 09:00 in Chicago
FIRST_VISIT = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Mon 16 Nov, 10:00
PSYCH_CLEARED = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # Tue 1 Dec
TRIAL_PLACED = datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc)  # Thu 3 Dec
TRIAL_REMOVED = datetime(2026, 12, 10, 16, 0, tzinfo=timezone.utc)  # Thu 10 Dec: 7 days later
PAIN_BEFORE, PAIN_AFTER = 8, 3
ODI_START, ODI_END = [3, 2, 3, 3, 3, 3, 3, 2, 3, 3], [2, 2, 2, 2, 3, 2, 2, 2, 2, 2]
TRIAL = "Spinal cord stimulator trial"
IMPLANT = "Permanent spinal cord stimulator implant"  # the pathway's step
IMPLANT_CASE = "Spinal cord stimulator permanent implant"  # the procedure catalogue's name, on authorizations


def _relief_needed(ctx) -> float:  # noqa: ANN001
    """The trial's success threshold (percent relief), from the pathway pack."""
    (pathway,) = [p for p in ctx.knowledge.pathways.values() if p.id == "spinal_cord_stimulation"]
    step = pathway.step("stimulator_trial")
    (relief,) = [m for m in step.success.measures if m.type == "relief_percent"]
    return relief.at_least


def _case_link(page: Page, name: str) -> int:
    link = page.locator("#authorizations li", has_text=name).get_by_role("link")
    return int(link.get_attribute("href").rsplit("/", 1)[1])


def _risk_conversation(page: Page) -> None:
    """The episode page's Shared decisions panel: the stimulator trial's risks ticked as discussed, her choice."""
    form = open_details(page, "#decision-spinal-cord-stimulation-stimulator-trial")
    trial = form.locator("#decision-spinal-cord-stimulation-stimulator-trial-stimulator_trial")
    for risk in ("Lead migration", "Infection", "Device maintenance and battery", "MRI conditions"):
        trial.get_by_label(risk).check()
    form.get_by_label("The patient's questions").fill("How often will the battery need changing?")
    form.locator(".decision-choice").get_by_label("A spinal cord stimulator trial").check()
    form.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#recorded-spinal_cord_stimulation-stimulator_trial")).to_contain_text(
        "The patient's choice: A spinal cord stimulator trial")


def test_j10_scs_trial_then_the_implant_only_after_a_successful_trial(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    relief = 100 * (PAIN_BEFORE - PAIN_AFTER) / PAIN_BEFORE
    assert relief >= _relief_needed(ctx)  # the journey's numbers make a successful trial under the pack
    server_clock.move_to(INTAKE)

    # The phone call: back and leg pain for a year after back surgery; no red flags; first visit booked.
    as_role(page, "front_desk")
    new_call(page, caller="Rosa Delgado", given="Rosa", family="Delgado", born="1968-03-22", sex="female",
             reason="Back and left leg pain since back surgery last year", where="low back and left leg",
             payer="aetna_commercial", member_id="W554219870", region="lumbar", weeks="52")
    episode_id = routine_triage(page, age=58, onset_days=365)
    book_visit(page, "2026-11-16T10:00")

    server_clock.move_to(FIRST_VISIT)
    attend_first_visit(page, episode_id)

    # The clinician: her medicines so far, the baseline ODI, and the SCS plan (psychological evaluation first).
    as_role(page, "clinician")
    episode(page, episode_id)
    add_care(page, kind="medication", what="Gabapentin 600 mg three times a day", started="2026-03-01",
             drug_class="gabapentinoid", helped="no")
    give_questionnaire(page, episode_id, "odi", ODI_START)
    start_plan(page, "spinal_cord_stimulation", goal="Walk the dog around the block")
    expect(page.locator("#plan-current-step h3")).to_have_text("Now: Psychological evaluation")
    expect(page.locator("#plan-next-step")).to_contain_text(f"If it works: {TRIAL}")
    expect(page.locator("#plan-authorization-readiness")).to_contain_text(TRIAL)
    trial_case = _case_link(page, TRIAL)
    expect(page.locator("#authorizations li")).to_have_count(1)  # the trial only: no implant asked for yet
    expect(page.locator("#authorizations .auth-lines")).not_to_contain_text(IMPLANT_CASE)

    # The trial's case page asks for the psychological evaluation.
    page.goto(f"/authorizations/{trial_case}")
    expect(criterion(page, "psych_eval")).to_have_class(re.compile("criterion-missing_evidence"))
    expect(criterion(page, "risk_conversation")).to_have_class(re.compile("criterion-missing_evidence"))

    # Tue 1 Dec: the psychologist clears her; the coordinator files it in the trial's kit.
    server_clock.move_to(PSYCH_CLEARED)
    as_role(page, "coordinator")
    add_case_document(page, trial_case, kind="psych_eval", title="Pre-trial psychological evaluation",
                      on="2026-12-01", result="cleared")
    expect(criterion(page, "psych_eval")).to_have_class(re.compile("criterion-met"))

    # The candid conversation before the trial: its risks gone over, her questions, her choice.
    as_role(page, "clinician")
    episode(page, episode_id)
    _risk_conversation(page)
    page.goto(f"/authorizations/{trial_case}")
    expect(criterion(page, "risk_conversation")).to_have_class(re.compile("criterion-met"))

    # The plan's first step worked: the clinician confirms and the trial step starts.
    episode(page, episode_id)
    expect(page.locator("#plan-proposal")).to_contain_text(TRIAL)
    confirm_plan_step(page)
    expect(page.locator("#plan-current-step h3")).to_have_text(f"Now: {TRIAL}")

    # Thu 3 Dec: the trial leads are placed (a performed procedure, pain 8/10 just before).
    server_clock.move_to(TRIAL_PLACED)
    episode(page, episode_id)
    record_procedure(page, "scs_trial", cpt="63650", side="none", on="2026-12-03", pain_before=PAIN_BEFORE,
                     region="lumbar")  # the region it treats, as the implant's authorization counts it
    expect(page.locator("#plan-proposal")).not_to_contain_text(IMPLANT)  # no relief recorded: no implant yet

    # Thu 10 Dec, 7 days later: the leads come out; relief, the diary's function and a new ODI.
    server_clock.move_to(TRIAL_REMOVED)
    episode(page, episode_id)
    row = int(page.locator("#procedures article.procedure").first.get_attribute("id").rsplit("-", 1)[1])
    add_relief_report(page, row, on="2026-12-10", pain_now=PAIN_AFTER, hours_after=168, lasted_days=7, function="better",
                      regained="Walked the dog around the block twice")
    give_questionnaire(page, episode_id, "odi", ODI_END)
    measures = page.locator("#plan-current-step .plan-measures")
    expect(measures.locator(".plan-measure-met")).to_have_count(3)
    expect(measures).to_contain_text(f"{relief:g}%")
    expect(page.locator("#plan-proposal")).to_contain_text(IMPLANT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#care-plan").screenshot(path=str(SCREENSHOTS / "j10-scs-plan.png"))

    # Only now the permanent implant step: confirmed, its authorization is prepared with the trial's relief met.
    confirm_plan_step(page)
    expect(page.locator("#plan-current-step h3")).to_have_text(f"Now: {IMPLANT}")
    implant_case = _case_link(page, IMPLANT_CASE)
    page.goto(f"/authorizations/{implant_case}")
    expect(page.locator("#case-state")).to_have_text(re.compile("Preparing", re.I))
    expect(criterion(page, "trial_response")).to_have_class(re.compile("criterion-met"))
    expect(criterion(page, "psych_eval")).to_have_class(re.compile("criterion-met"))
