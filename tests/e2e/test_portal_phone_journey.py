"""The patient's side of journey J1, on a phone (375 px wide), in a real browser.

Mon 5 Jan 2026 the front desk takes the call; Thu 8 Jan at the first visit the nurse gives the NDI (21/50)
and the clinician starts the cervical radiculopathy plan, which asks a weekly NDI and opens the nerve root
block's authorization in preparing. The coordinator invites the patient to the portal by e-mail from the
episode page; the e-mail goes through a real SMTP relay on loopback and holds a one-time link.

On his phone the patient opens the link, sets a password and lands on his portal: the plan's step and what
happens next, and the authorization explained in plain words. A week later (the live server's clock is
moved, never slept) his weekly NDI is waiting; he answers it on the phone. The clinician opens the
episode's function chart and finds that score, dated that day, beside the baseline. The used link is
refused on a second visit.

Every portal page the patient opens is checked for sideways scrolling at 375 px.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (as_role, attend_first_visit, book_visit, episode, give_questionnaire, new_call, open_details_box,
                           routine_triage)
from smtp_relay import smtp_relay  # noqa: F401 - the relay fixture
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

CHICAGO = timezone(timedelta(hours=-6))
INTAKE = datetime(2026, 1, 5, 9, 0, tzinfo=CHICAGO)  # Mon 5 Jan
FIRST_VISIT = datetime(2026, 1, 8, 8, 30, tzinfo=CHICAGO)  # Thu 8 Jan, before the 09:00 visit
WEEK_ONE = datetime(2026, 1, 15, 19, 0, tzinfo=CHICAGO)  # Thu 15 Jan, in the evening at home
PHONE = {"width": 375, "height": 812}
# The NDI's ten items, each 0-5 (Vernon & Mior 1991): the total is their sum out of 50.
BASELINE_NDI = [3, 2, 2, 3, 2, 2, 2, 2, 2, 1]  # 21/50 at the first visit (journeys.md J1)
HOME_NDI = [2, 2, 2, 2, 2, 2, 2, 2, 2, 1]  # 19/50 a week later
EMAIL = "marco.reyes@example.org"


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at 375 px ({width} px wide)"


def _invitation_link(relay) -> str:  # noqa: ANN001
    [mail] = [message_from_bytes(m.content) for m in relay.messages if EMAIL in m.rcpt_tos]
    body = mail.get_payload(decode=True).decode()
    for word in ("radiculopathy", "M54", "gabapentin", "nerve root", "NDI", "block"):
        assert word.lower() not in (mail["Subject"] + body).lower(), word
    return re.search(r"/portal/invitation/[A-Za-z0-9_-]+", body).group(0)


def _first_visit_and_plan(page: Page, episode_id: int) -> None:
    """The visit is attended, the nurse gives the NDI, the clinician starts the pathway (its block opens in preparing)."""
    as_role(page, "front_desk")
    attend_first_visit(page, episode_id)
    as_role(page, "nurse")
    give_questionnaire(page, episode_id, "ndi", BASELINE_NDI)
    as_role(page, "clinician")
    episode(page, episode_id)
    build = page.locator("#plan-build")
    build.get_by_label("Pathway").select_option("cervical_radiculopathy")
    build.get_by_label("Goal 1 in words").fill("Back to ladder work")
    build.get_by_role("button", name="Start the plan").click()
    expect(page.locator("#plan-current-step")).to_contain_text("the trial ends Thu 19 Feb 2026")
    expect(page.locator("#plan-authorization-readiness")).to_be_visible()


def test_a_patient_accepts_the_invitation_on_a_phone_sees_the_plan_and_the_approval_and_answers_the_weekly_ndi(
        page: Page, browser, live_server, ctx, staff, server_clock, smtp_relay, browser_problems):  # noqa: F811
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller="Marco Reyes", given="Marco", family="Reyes", born="1981-09-14", sex="male", phone="555-0117",
             reason="Neck and right arm pain since slipping off a ladder, thumb numbness", where="neck, right arm, right thumb",
             payer="bcbs_commercial", member_id="XBM884211907", region="cervical")
    episode_id = routine_triage(page, age=44, onset_days=21)
    book_visit(page, "2026-01-08T09:00")

    server_clock.move_to(FIRST_VISIT)
    _first_visit_and_plan(page, episode_id)

    # The coordinator invites him from the episode page; the panel says where it went and until when it works.
    as_role(page, "coordinator")
    episode(page, episode_id)
    panel = page.locator("#portal")
    expect(panel).to_contain_text("Not invited")
    open_details_box(panel, "Invite by e-mail")
    panel.get_by_label("E-mail address").fill(EMAIL)
    panel.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#portal")).to_contain_text(EMAIL)
    link = _invitation_link(smtp_relay)

    # On his phone: the link, a password, and his portal.
    phone = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.on("pageerror", lambda exc: browser_problems.page_errors.append(str(exc)))
    mobile.goto(link)
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Welcome to your patient portal")
    _no_sideways_scroll(mobile)
    mobile.locator("#f-password").fill("ladder-rungs-and-glides-2026")
    mobile.locator("#f-password_again").fill("ladder-rungs-and-glides-2026")
    mobile.get_by_role("button", name="Save my password and sign in").click()
    expect(mobile).to_have_url(re.compile(r"/portal$"))
    expect(mobile.locator("main")).to_contain_text("Hello, Marco")
    expect(mobile.locator("main")).to_contain_text("Six-week structured program")
    _no_sideways_scroll(mobile)
    mobile.screenshot(path=f"{SHOTS}/portal-phone-home.png", full_page=True)

    # The plan: the step, when it is judged, and what comes next if it does not help enough.
    mobile.get_by_role("link", name="See your whole plan").click()
    expect(mobile).to_have_url(re.compile(r"/portal/plan$"))
    main = mobile.locator("main")
    expect(main).to_contain_text("Your plan check-in: Thursday 19 February")
    expect(main).to_contain_text("If it does not help enough")
    expect(main).to_contain_text("Selective nerve root block")
    _no_sideways_scroll(mobile)
    mobile.screenshot(path=f"{SHOTS}/portal-phone-plan.png", full_page=True)

    # The authorization explained: what the clinic is doing, and that he need not do anything; no codes.
    mobile.goto("/portal/authorization")
    main = mobile.locator("main")
    expect(main).to_contain_text("We are getting the request")
    expect(main).to_contain_text("You do not need to do anything now")
    for code in ("64479", "M54", "CPT", "preparing", "bcbs_commercial"):
        expect(main).not_to_contain_text(code)
    _no_sideways_scroll(mobile)
    mobile.screenshot(path=f"{SHOTS}/portal-phone-authorization.png", full_page=True)

    # A week on, the weekly NDI is waiting; he answers it on the phone.
    server_clock.move_to(WEEK_ONE)
    mobile.goto("/portal/questionnaires")
    waiting = mobile.locator("main a[href*='/portal/questionnaires/ndi']")
    expect(waiting).to_have_count(1)
    _no_sideways_scroll(mobile)
    waiting.click()
    for number, value in enumerate(HOME_NDI, 1):
        mobile.locator(f"#q-ndi_{number}-{value}").check()
    _no_sideways_scroll(mobile)
    mobile.screenshot(path=f"{SHOTS}/portal-phone-ndi.png", full_page=True)
    mobile.get_by_role("button", name="Send my answers").click()
    expect(mobile).to_have_url(re.compile(r"/portal/questionnaires/thank-you$"))
    mobile.goto("/portal/questionnaires")
    expect(mobile.locator("main")).to_contain_text("Done on Thu 15 Jan")
    expect(mobile.locator("main a[href*='/portal/questionnaires/ndi']")).to_have_count(0)

    # The used link is refused, with no name on the page.
    mobile.goto(link)
    expect(mobile.locator("main")).not_to_contain_text("Marco")
    expect(mobile.locator("main")).to_contain_text("This invitation link was already used")
    phone.close()

    # The clinician sees it in the function chart: the baseline and the score from home, each with its day.
    as_role(page, "clinician")
    page.goto(f"/episodes/{episode_id}/function")
    instruments = page.locator("#function-instruments")
    expect(instruments).to_contain_text("08 Jan 2026")
    expect(instruments).to_contain_text("15 Jan 2026")
    expect(instruments).to_contain_text(f"NDI {sum(BASELINE_NDI)} → {sum(HOME_NDI)} since 08 Jan 2026")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-instrument-ndi'))")
    points = page.evaluate("() => Chart.getChart(document.getElementById('chart-instrument-ndi')).data.datasets[0].data.length")
    assert points == 2
    page.screenshot(path=f"{SHOTS}/portal-ndi-in-function-chart.png", full_page=True)
    assert not browser_problems.page_errors


SHOTS = SCREENSHOTS
