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


def open_details(scope, summary: str) -> None:  # noqa: ANN001
    """Opens a <details> by its summary text unless it is open already."""
    details = scope.locator("details", has=scope.page.locator("summary", has_text=summary)).first
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()


def add_prior_provider(page: Page, *, name: str, kind: str, fax: str) -> None:
    """On the episode's records tracker: a prior provider whose records the clinic will ask for."""
    form = page.locator("form[action$='/records/providers']")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Fax").fill(fax)
    form.get_by_role("button", name="Add provider").click()
    expect(page.locator("#providers")).to_contain_text(name)


def request_records(page: Page, *, provider: str, items: list[str], release: str, clinician: str = "Clinician User") -> None:
    """On the records tracker: a request to one provider for the ticked records, sent by fax."""
    form = page.locator("#new-request")
    form.get_by_label("Provider").select_option(label=provider)
    for item in items:
        form.get_by_label(item, exact=True).check()
    form.get_by_label("Patient's signed release").fill(release)
    form.get_by_label("Requesting clinician").select_option(label=clinician)
    form.get_by_role("button", name="Create and send request").click()
    expect(page.locator("#requests")).to_contain_text(provider)


def add_conservative_care(page: Page, *, kind: str, description: str, start: str, end: str = "", source: str = "",
                          drug_class: str = "", helped: str = "") -> None:
    """The episode page's conservative care panel; `kind`, `source` and `helped` are the words on the form."""
    panel = page.locator("#conservative-care")
    open_details(panel, "Add conservative care")
    form = panel.locator("#care-form")
    form.get_by_label("Kind of care").select_option(label=kind)
    form.get_by_label("What was done").fill(description)
    form.get_by_label("Started").fill(start)
    form.get_by_label("Ended").fill(end)
    if source:
        form.get_by_label("Source").select_option(label=source)
    form.get_by_label("Drug class").fill(drug_class)
    if helped:
        form.get_by_label("Did it help").select_option(label=helped)
    form.get_by_role("button", name="Add care").click()
    expect(page.locator("#conservative-care .care-entries")).to_contain_text(description)


def record_outside_study(page: Page, *, modality: str, study: str, performed_on: str) -> None:
    """The episode page's imaging panel: a study done elsewhere whose report is not here yet."""
    panel = page.locator("#imaging")
    open_details(panel, "Record a study")
    form = panel.locator("#study-form")
    form.get_by_label("Modality").select_option(label=modality)
    form.get_by_label("Study", exact=True).fill(study)
    form.get_by_label("Where it was done").select_option("outside")
    form.get_by_label("Date of the study").fill(performed_on)
    form.get_by_role("button", name="Record study").click()
    expect(page.locator("#imaging article.study", has_text=study)).to_contain_text("Report not on file yet")


def give_questionnaire(page: Page, episode_id: int, instrument_id: str, answers: list[int]) -> None:
    """From the episode page's questionnaire list: each answer by its value, then saved."""
    episode(page, episode_id)
    panel = page.locator("#questionnaires")
    open_details(panel, "Start a questionnaire")
    panel.locator(f"a[href$='/instruments/{instrument_id}']").click()
    for number, value in enumerate(answers, 1):
        page.locator(f"#q-{instrument_id}_{number}-{value}").check()
    page.locator(".qform-submit").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}"))


def visit_button(page: Page, when: str, name: str) -> None:
    """A next-step button on the Visits panel's row for the visit at `when` (as the row shows it)."""
    page.locator("#visits table.appointments tbody tr", has_text=when).get_by_role("button", name=name).click()
