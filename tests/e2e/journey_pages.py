"""Steps of the clinic's day as staff take them in the browser, shared by the journey tests.

Each step goes through pages only: the navigation, the forms and the buttons a person would use. The live
server's clock is the test's `server_clock`, moved between steps; nothing here sleeps.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from support import password_for


def sign_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(password_for(role))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text(role.replace("_", " ").title())


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))


def as_role(page: Page, role: str) -> None:
    """Whoever is signed in hands the keyboard to `role`."""
    if page.locator(".usermenu").count():
        sign_out(page)
    sign_in(page, role)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def new_call(page: Page, *, caller: str, given: str, family: str, born: str, sex: str, reason: str, where: str,
             payer: str = "aetna_commercial", member_id: str = "W123456789", region: str = "lumbar", weeks: str = "3",
             relation: str = "self", phone: str = "555-0178") -> str:
    """The new-call form, filled in the order of the conversation; returns the call's page address."""
    nav(page, "Intake")
    page.get_by_role("link", name="New call").click()
    page.get_by_label("Caller's name").fill(caller)
    page.get_by_label("Caller's phone").fill(phone)
    page.get_by_label("Caller is").select_option(relation)
    page.get_by_label("Patient's phone").fill(phone)
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Sex").select_option(sex)
    page.get_by_label("Referring provider").fill("Dr. Amy Chen (PCP)")
    page.get_by_label("Payer").select_option(payer)
    page.get_by_label("Member ID").fill(member_id)  # with a payer, the card's member id makes the coverage
    page.get_by_label("Reason for the call").fill(reason)
    page.get_by_label("Where it hurts").fill(where)
    page.get_by_label("For how long (weeks)").fill(weeks)
    page.get_by_label("Body region").select_option(region)
    page.get_by_role("button", name="Save call and start the red-flag screen").click()
    expect(page.get_by_role("heading", name="Red-flag screen")).to_be_visible()
    return page.url


def question(page: Page, text: str | re.Pattern):  # noqa: ANN201
    return page.get_by_role("radiogroup", name=text)


def decision(page: Page):  # noqa: ANN201
    return page.locator("#decision")


def answer_all_no(page: Page, *, except_ids: set[str] = frozenset()) -> None:
    """Every yes/no question answered No (each answer updates the live decision)."""
    for group in page.locator(".q .yn").all():
        qid = group.locator("input").first.get_attribute("name").removeprefix("q-")
        if qid not in except_ids:
            group.get_by_label("No", exact=True).check()


def reach_caller(page: Page) -> None:
    page.get_by_label("Outcome").select_option("reached")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts")).to_contain_text("Reached the caller")
    page.wait_for_load_state("load")


def routine_triage(page: Page, *, age: int, onset_days: int, injury: str = "No injury") -> int:
    """No red flags: the screen answered, saved as routine; returns the episode the call opened."""
    reach_caller(page)
    page.locator("#question-age input").fill(str(age))
    page.locator("#question-pain_onset_days input").fill(str(onset_days))
    answer_all_no(page)
    page.locator("#question-injury").get_by_label(injury).check()
    expect(decision(page)).to_contain_text("Routine")
    page.get_by_role("button", name="Save triage").click()
    expect(page.locator("#triage-outcome")).to_contain_text("Book the first visit")
    return int(page.get_by_role("link", name="Episode page").get_attribute("href").rsplit("/", 1)[1])


def book_visit(page: Page, when: str, *, how: str | None = None) -> None:
    """Books from the booking form on the page at hand (call page or episode page); `when` like 2026-01-08T09:00."""
    page.get_by_label("Date and time").fill(when)
    if how:
        page.get_by_label("How").select_option(how)
    page.get_by_role("button", name="Book visit").click()


def worklist_row(page: Page, title: str):  # noqa: ANN201
    nav(page, "Worklist")
    return page.locator("#worklist-table tbody tr", has_text=title)


def episode(page: Page, episode_id: int) -> None:
    page.goto(f"/episodes/{episode_id}")


def attend_visit(page: Page, *, when: str) -> None:
    """The booked visit shown as `when` (like "Thu 07 Jan 2027 09:00") is checked in, then completed."""
    row = page.locator("table.appointments tbody tr", has_text=when)
    row.get_by_role("button", name="Check in").click()
    page.locator("table.appointments tbody tr", has_text=when).get_by_role("button", name="Complete visit").click()
    expect(page.locator("table.appointments tbody tr", has_text=when)).to_contain_text("Completed")


def open_details(page: Page, selector: str):  # noqa: ANN201
    """A folded form (<details>) opened, like a person clicking its summary; returns it."""
    box = page.locator(selector)
    if box.get_attribute("open") is None:
        box.locator("summary").first.click()
    return box


def record_prescription(page: Page, *, drug: str, strength: str, times: str, days: str = "30") -> None:
    """A tablet prescription (mg, one tablet a dose, by mouth) from the medications panel of the episode page."""
    add = open_details(page, "#add-prescription")
    add.get_by_label("Drug", exact=True).fill(drug)
    add.get_by_label("Strength", exact=True).fill(strength)
    add.get_by_label("Unit", exact=True).select_option("mg")
    add.get_by_label("Units per dose").fill("1")
    add.get_by_label(re.compile(r"^Times a day")).fill(times)
    add.get_by_label("Form", exact=True).select_option("oral")
    add.get_by_label("Days supply").fill(days)
    add.get_by_role("button", name="Save prescription").click()


def record_procedure(page: Page, *, procedure: str, cpt: str, levels: str, on: str, baseline_pain: str) -> None:
    """A performed procedure from the procedures panel of the episode page; `procedure` is the choice's words."""
    box = open_details(page, "#procedures > details")
    box.get_by_label(re.compile("^Procedure")).first.select_option(label=procedure)
    page.locator("#proc-cpt_codes").fill(cpt)
    page.locator("#proc-levels").fill(levels)
    page.locator("#proc-performed_on").fill(on)
    page.locator("#proc-baseline_pain").fill(baseline_pain)
    page.locator("#proc-baseline_scale").select_option("nrs")
    page.get_by_role("button", name="Record procedure").click()


def add_relief(page: Page, procedure, *, on: str, percent: str, hours_after: str = "", lasted_days: str = "",  # noqa: ANN001
               function: str = "") -> None:
    """A relief report on one performed procedure (its <article> on the procedures panel)."""
    procedure.locator("summary", has_text="Add a relief report").click()
    form = procedure.locator("form[id^=relief-form]")
    form.locator("input[name=measured_on]").fill(on)
    form.locator("input[name=percent]").fill(percent)
    if hours_after:
        form.locator("input[name=hours_after]").fill(hours_after)
    if lasted_days:
        form.locator("input[name=lasted_days]").fill(lasted_days)
    if function:
        form.locator("select[name=function_change]").select_option(label=function)
    form.get_by_role("button", name="Save relief report").click()


def open_authorization(page: Page, *, procedure: str, cpt: str, levels: str, planned_on: str) -> None:
    """An authorization opened from the episode page's authorizations panel; the case page follows."""
    box = open_details(page, "#open-authorization")
    box.locator("#f-auth-procedure").select_option(label=procedure)
    box.locator("#f-auth-cpt").fill(cpt)
    box.locator("#f-auth-levels").fill(levels)
    box.locator("#f-auth-planned").fill(planned_on)
    box.get_by_role("button", name="Open authorization").click()
