"""Journey J5 through pages only (clinic scenarios, J5: knee osteoarthritis flare under a commercial payer
with an eviCore-style review, cigna_commercial_evicore).

The phone call (front desk), the first visit attended, the conservative care so far (weight-loss efforts
since mid January, 4 weeks of topical NSAID), the outside X-ray confirming OA, the knee OA plan: a steroid
injection is offered now; hyaluronic acid waits for the payer's three conditions and the case page names the
day conservative care will be long enough. The steroid injection recorded on the Procedures panel meets the
"steroid first" criterion, and on that day the case is eligible. The live server's clock is `server_clock`.
Every threshold comes from the payer's policy pack (typical_knee_ha), read here, never typed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import Page, expect

from journey_pages import (add_care, as_role, attend_first_visit, book_visit, criterion, episode, new_call, open_authorization,
                           record_procedure, record_study_with_report, routine_triage, start_plan)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 2, 23, 15, 0, tzinfo=timezone.utc)  # Mon 23 Feb 2026, 09:00 in Chicago
FIRST_VISIT = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Mar, 10:00
WEIGHT_LOSS_SINCE = date(2026, 1, 19)  # the patient's weight-loss efforts, as told
GEL_SINCE = date(2026, 2, 2)  # diclofenac gel: 4 weeks by the first visit


def _months_of_care(ctx) -> int:  # noqa: ANN001
    """The payer's conservative-care length for hyaluronic acid, from its policy pack."""
    (rule,) = [c for c in ctx.knowledge.policies["typical_knee_ha"].criteria if c.id == "conservative_3_months"]
    return rule.min.months


def test_j5_knee_flare_steroid_now_hyaluronic_acid_when_the_payer_conditions_hold(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    care_long_enough = WEIGHT_LOSS_SINCE + relativedelta(months=_months_of_care(ctx))
    server_clock.move_to(INTAKE)

    # The phone call: right knee flaring, worse on stairs; no red flags; the first visit booked for 2 Mar.
    as_role(page, "front_desk")
    new_call(page, caller="Linda Park", given="Linda", family="Park", born="1962-05-11", sex="female",
             reason="Right knee pain flaring, worse on stairs", where="right knee", payer="cigna_commercial_evicore",
             member_id="U8841273", region="knee", weeks="12")
    episode_id = routine_triage(page, age=63, onset_days=170)
    book_visit(page, "2026-03-02T10:00")

    # Mon 2 Mar: she is checked in and seen.
    server_clock.move_to(FIRST_VISIT)
    attend_first_visit(page, episode_id)

    # The clinician records the care so far and the outside X-ray (report on file, confirms OA).
    as_role(page, "clinician")
    episode(page, episode_id)
    add_care(page, kind="weight_loss", what="Dietitian-guided weight loss", started=WEIGHT_LOSS_SINCE.isoformat())
    add_care(page, kind="medication", what="Diclofenac 1% gel four times a day", started=GEL_SINCE.isoformat(),
             drug_class="nsaid", helped="no")
    record_study_with_report(page, modality="xray", region="knee", study="X-ray right knee, standing AP and lateral",
                             on="2026-02-20", summary="Medial joint-space narrowing, osteophytes")

    # The knee OA plan: the steroid injection now (no prior authorization under this payer's policy).
    start_plan(page, "knee_osteoarthritis", goal="Climb the stairs at home without stopping")
    expect(page.locator("#plan-current-step h3")).to_have_text("Now: Knee corticosteroid injection with strengthening")
    readiness = page.locator("#plan-authorization-readiness")
    expect(readiness).to_contain_text("Knee")
    expect(readiness).to_contain_text(re.compile(r"eligible now", re.I))
    expect(page.locator("#plan-next-step")).to_contain_text("If it does not: Hyaluronic acid injection series")

    # Hyaluronic acid asked about today: the case page names what is missing and the day care is long enough.
    case_id = open_authorization(page, "knee_hyaluronic_acid", side="right")
    expect(page.locator("#case-state")).to_have_text(re.compile("Preparing", re.I))
    expect(criterion(page, "xray_confirmed_oa")).to_have_class(re.compile("criterion-met"))
    expect(criterion(page, "conservative_3_months")).to_have_class(re.compile("criterion-not_yet"))
    expect(criterion(page, "conservative_3_months")).to_contain_text(f"met on {care_long_enough.strftime('%d %b %Y')}")
    expect(criterion(page, "steroid_first")).to_have_class(re.compile("criterion-not_met"))
    expect(page.locator("#decision-summary")).to_contain_text("tried first")

    # The steroid injection is given that day and recorded on the Procedures panel.
    episode(page, episode_id)
    record_procedure(page, "knee_steroid_injection", cpt="20610", side="right", on="2026-03-02", pain_before=7)
    page.goto(f"/authorizations/{case_id}")
    expect(criterion(page, "steroid_first")).to_have_class(re.compile("criterion-met"))
    expect(criterion(page, "xray_confirmed_oa")).to_have_class(re.compile("criterion-met"))
    expect(criterion(page, "conservative_3_months")).to_have_class(re.compile("criterion-not_yet"))
    long_enough_words = f"{care_long_enough.day} {care_long_enough.strftime('%B %Y')}"
    expect(page.locator("#decision-summary")).to_contain_text(long_enough_words)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "j5-ha-case.png"), full_page=True)

    # The day before it is still waiting; on the day the care is long enough, every condition holds.
    server_clock.move_to(datetime.combine(care_long_enough, datetime.min.time(), tzinfo=timezone.utc)
                         - relativedelta(hours=2))
    page.reload()
    expect(criterion(page, "conservative_3_months")).to_have_class(re.compile("criterion-not_yet"))
    server_clock.move_to(datetime.combine(care_long_enough, datetime.min.time(), tzinfo=timezone.utc)
                         + relativedelta(hours=16))
    page.reload()
    for criterion_id in ("xray_confirmed_oa", "conservative_3_months", "steroid_first"):
        expect(criterion(page, criterion_id)).to_have_class(re.compile("criterion-met"))
    expect(page.locator("#criteria .auth-outcome")).to_have_class(re.compile("auth-outcome-eligible_now"))
