"""Journey J6 in a real browser, from the phone call (the clinic scenarios, journey J6): facet-mediated low
back pain under Medicare (Noridian JF). Two medial branch blocks, then radiofrequency ablation.

Each patient is a new call at the front desk; the first visit is attended; the workup Medicare asks for
(failed PT, a lumbar MRI, a baseline ODI) is entered on the episode's panels and the questionnaire page;
the blocks and their relief go on the procedures panel; the coordinator opens the ablation request from the
episode page and reads the case page. The thresholds checked (80% after each block, 14 days between) are
read from the payer's policy pack, never typed here. The live server's clock is moved (`server_clock`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_conservative_care, add_relief_by_id, as_role, attend_first_visit, book_visit, episode,
                           give_questionnaire, new_call, open_authorization_returning_id, record_imaging_study, record_onset, record_procedure_returning_id,
                           routine_triage, worklist_row)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

PAYER = "medicare_noridian_jf"
LEVELS = "L4-5, L5-S1"
INTAKE = datetime(2026, 9, 8, 15, 0, tzinfo=timezone.utc)  # Tue 8 Sep 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 9, 15, 15, 0, tzinfo=timezone.utc)  # Tue 15 Sep
BLOCK_1 = datetime(2026, 10, 5, 15, 0, tzinfo=timezone.utc)  # Mon 5 Oct


def _at(moment: datetime) -> str:
    return moment.date().isoformat()


def _block_rule(ctx) -> tuple[float, int]:  # noqa: ANN001
    """The Medicare lumbar ablation policy's block rule: (least relief after each block, least days between)."""
    plan_type = ctx.knowledge.payers[PAYER].plan_type
    for policy in ctx.knowledge.policies.values():
        if "rfa_lumbar" in policy.procedures and (PAYER in policy.payers or plan_type in policy.plan_types):
            for criterion in policy.criteria:
                if criterion.type == "diagnostic_blocks":
                    return criterion.min_relief_percent, criterion.min_days_between
    raise AssertionError("no Medicare ablation block rule in the packs")


def _facet_patient(page: Page, server_clock, *, given: str, family: str, member_id: str) -> int:  # noqa: ANN001
    """The call, the first visit attended and the workup on pages; returns the episode's id."""
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller=f"{given} {family}", given=given, family=family, born="1958-05-20", sex="female",
             reason="Low back pain for six months, worse leaning back, no leg pain", where="low back, both sides",
             payer=PAYER, member_id=member_id, weeks="28")
    episode_id = routine_triage(page, age=68, onset_days=190)
    book_visit(page, "2026-09-15T10:00")
    expect(page.locator("table.appointments")).to_contain_text("15 Sep 2026")

    server_clock.move_to(FIRST_VISIT)  # the front desk checks her in and out; the clinician charts
    episode(page, episode_id)
    attend_first_visit(page)
    as_role(page, "clinician")
    episode(page, episode_id)
    record_onset(page, "2026-03-01")
    add_conservative_care(page, kind="physical_therapy", description="PT, core stabilization, 10 weeks",
                          start="2026-06-01", end="2026-08-15", failed="yes")
    record_imaging_study(page, modality="mri", study="MRI lumbar spine without contrast", performed_on="2026-09-01",
                         concordant="yes", summary="Facet arthropathy L4-5, L5-S1; no stenosis", region="lumbar")
    give_questionnaire(page, episode_id, "odi", [3] * 10)
    return episode_id


def _block(page: Page, server_clock, episode_id: int, on: datetime, relief: float, exception: str | None = None) -> int:  # noqa: ANN001
    """A lumbar medial branch block on `on` (pain 7 before) and its relief 4 hours later, on the procedures panel."""
    server_clock.move_to(on)
    episode(page, episode_id)
    block = record_procedure_returning_id(page, key="mbb_lumbar", cpt="64493, 64494", side="bilateral", levels=LEVELS, on=_at(on),
                             baseline=7, exception=exception)
    add_relief_by_id(page, block, on=_at(on), percent=relief, hours_after=4)
    return block


def _ablation_case(page: Page, episode_id: int) -> int:
    as_role(page, "coordinator")
    episode(page, episode_id)
    return open_authorization_returning_id(page, procedure="rfa_lumbar", cpt="64635, 64636", side="bilateral", levels=LEVELS, place="22")


def test_j6_a_78_percent_block_ten_days_after_the_first_makes_ablation_not_eligible(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    least_relief, least_days = _block_rule(ctx)
    episode_id = _facet_patient(page, server_clock, given="Nora", family="Lindqvist", member_id="1EG4TE5MK73")
    _block(page, server_clock, episode_id, BLOCK_1, 85)
    _block(page, server_clock, episode_id, BLOCK_1 + timedelta(days=10), 78)

    _ablation_case(page, episode_id)
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Not eligible")
    blocks = page.locator("#criterion-diagnostic_blocks")
    expect(blocks).to_contain_text(f"Block 2 gave 78% relief; this payer needs at least {least_relief:g}% after each block")
    expect(blocks).to_contain_text("blocks 10 days apart")
    expect(blocks).to_contain_text(f"at least {least_days} days after the one before, unless an exception reason is documented")
    page.screenshot(path=f"{SCREENSHOTS}/j6-not-eligible-case.png", full_page=True)


def test_j6_blocks_ten_days_apart_pass_when_the_exception_reason_is_recorded(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    episode_id = _facet_patient(page, server_clock, given="Elsa", family="Marwick", member_id="2FH5UF6NL84")
    _block(page, server_clock, episode_id, BLOCK_1, 85)
    reason = "Travelling to her daughter's wedding for three weeks; the second block was moved earlier"
    _block(page, server_clock, episode_id, BLOCK_1 + timedelta(days=10), 82, exception=reason)

    _ablation_case(page, episode_id)
    blocks = page.locator("#criterion-diagnostic_blocks")
    expect(blocks).to_contain_text("Met")
    expect(page.locator("#criteria .auth-warnings")).to_contain_text(f"Blocks 10 days apart (5 Oct 2026 and 15 Oct 2026): accepted because an exception is documented: {reason}")
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Eligible now")


def _relief_windows(ctx, performed_on: datetime) -> list[tuple[str, datetime, datetime]]:  # noqa: ANN001
    """The ablation's relief checks as its pack gives them: (name, window opens, window closes)."""
    checks = ctx.knowledge.procedures["rfa_lumbar"].relief_checks
    return [(c.name, performed_on + timedelta(days=c.days()[0]), performed_on + timedelta(days=c.days()[1])) for c in checks]


def test_j6_blocks_of_85_and_82_percent_15_days_apart_lead_to_ablation_and_its_3_and_6_month_checks(
        page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 400
    episode_id = _facet_patient(page, server_clock, given="Ingrid", family="Halvorsen", member_id="3GJ6VG7PM95")
    _block(page, server_clock, episode_id, BLOCK_1, 85)
    second = BLOCK_1 + timedelta(days=15)
    _block(page, server_clock, episode_id, second, 82)

    # The same day, the coordinator opens the request: eligible now; it goes to Noridian by fax and is approved.
    _ablation_case(page, episode_id)
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Eligible now")
    expect(page.locator("#criterion-diagnostic_blocks")).to_contain_text("Met")
    page.screenshot(path=f"{SCREENSHOTS}/j6-eligible-case.png", full_page=True)
    page.locator("#form-submit summary").click()
    page.locator("#f-submit-channel").select_option("fax")
    page.locator("#f-submit-reference").fill("FAX-20261020-1")
    page.locator("#form-submit").get_by_role("button", name="Record submission").click()
    expect(page.locator("#case-state")).to_have_text(re.compile("Submitted", re.I))
    page.locator("#form-decision summary").click()
    page.locator("#f-decision-outcome").select_option("approve")
    page.locator("#f-decision-number").fill("UTN-J6-7781")
    page.locator("#f-decision-units").fill("2")
    page.locator("#f-decision-from").fill("2026-10-21")
    page.locator("#f-decision-to").fill("2027-01-18")
    page.locator("#form-decision").get_by_role("button", name="Record answer").click()
    expect(page.locator("#case-state")).to_have_text(re.compile("Approved", re.I))

    # Mon 2 Nov: the ablation, recorded on the procedures panel; its relief checks come from the pack.
    ablation_day = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)
    server_clock.move_to(ablation_day)
    as_role(page, "clinician")
    episode(page, episode_id)
    ablation = record_procedure_returning_id(page, key="rfa_lumbar", cpt="64635, 64636", side="bilateral", levels=LEVELS,
                                on=_at(ablation_day), baseline=7)
    windows = _relief_windows(ctx, ablation_day)
    assert [name for name, *_ in windows] == ["3 months after", "6 months after"]
    expect(page.locator(f"#procedure-{ablation} .relief-checks li")).to_have_count(2)

    # Each check is the nurse's on the worklist, due at the close of its window; she calls the patient and
    # records the relief on the procedures panel, which meets it.
    as_role(page, "nurse")
    for number, (name, opens, closes) in enumerate(windows, start=1):
        server_clock.move_to(opens)
        row = worklist_row(page, f"Relief check {number} due: {name}")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Halvorsen, Ingrid")
        expect(row).to_contain_text(closes.strftime("%a %d %b %Y"))
        if number == 1:
            page.screenshot(path=f"{SCREENSHOTS}/j6-relief-check-worklist.png", full_page=True)
        episode(page, episode_id)
        add_relief_by_id(page, ablation, on=_at(opens), percent=70)
        expect(page.locator(f"#procedure-{ablation} .relief-checks li").nth(number - 1)).to_contain_text(
            f"reported {opens.strftime('%d %b %Y')}")
        expect(worklist_row(page, f"Relief check {number} due: {name}")).to_have_count(0)
