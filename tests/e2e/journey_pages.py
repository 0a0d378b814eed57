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
    fill_person(page, given=given, family=family, born=born, sex=sex)
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


def new_patient(page: Page, *, mrn: str, given: str, family: str, born: str, sex: str, phone: str,
                payer: str | None = None, member_id: str = "", effective_from: str = "") -> None:
    """The New patient form (Patients > New patient), with the insurance card when there is one; ends on the patient page."""
    nav(page, "Patients")
    page.get_by_role("link", name="New patient").click()
    fill_person(page, given=given, family=family, born=born, sex=sex)
    page.get_by_label("MRN").fill(mrn)
    page.get_by_label("Phone").fill(phone)
    if payer:
        page.get_by_label("Payer").select_option(payer)
        page.get_by_label("Member ID").fill(member_id)
        page.get_by_label("Effective from").fill(effective_from)
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(family)


def request_records(page: Page, *, provider: str, kind: str, fax: str, items: list[str], release: str, clinician: str,
                    transport: str = "print") -> None:
    """On the episode's records tracker: the prior provider listed, then one request for `items` (their labels) sent."""
    adding = page.locator("form[action$='/records/providers']")
    adding.get_by_label("Name").fill(provider)
    adding.get_by_label("Kind").select_option(kind)
    adding.get_by_label("Fax").fill(fax)
    adding.get_by_role("button", name="Add provider").click()
    form = page.locator("#new-request")
    form.get_by_label("Provider").select_option(label=provider)
    form.get_by_label("Send by").select_option(transport)
    for item in items:
        form.get_by_label(item, exact=True).check()
    form.get_by_label("Patient's signed release").fill(release)
    form.get_by_label("Requesting clinician").select_option(label=clinician)
    form.get_by_role("button", name="Create and send request").click()


def check_in_visit(page: Page, when: str) -> None:
    """The Visits panel of the episode page at hand: the visit at `when` (as the panel shows it) checked in."""
    row = page.locator("table.appointments tbody tr", has_text=when)
    row.get_by_role("button", name="Check in").click()
    expect(page.locator("table.appointments tbody tr", has_text=when)).to_contain_text("Checked in")


def clinic_jobs_run(ctx) -> None:  # noqa: ANN001
    """What the clinic's background job does every minute on the moved clock: every open episode reconciled, so
    obligations that only the date opens (an escalation, a recertification) reach the worklist."""
    with ctx.db.session() as session:
        ctx.reconcile(session)


def pt_panel(page: Page):  # noqa: ANN201
    return page.locator("#physical-therapy")


def start_pt_course(page: Page, *, protocol: str, practice: str, per_week: str, weeks: str, starts: str) -> None:
    """On the episode page's PT panel: a course from a protocol, with the clinic's first therapist."""
    panel = pt_panel(page)
    panel.get_by_text("Start a PT course from a protocol").click()
    panel.get_by_label("Protocol").select_option(protocol)
    panel.get_by_label("Therapist").select_option(index=1)
    panel.get_by_label("Practice", exact=True).fill(practice)
    panel.get_by_label("Visits a week").fill(per_week)
    panel.get_by_label("Weeks").fill(weeks)
    panel.get_by_label("Starts on").fill(starts)
    panel.get_by_role("button", name="Start the PT course").click()


def record_pt_authorization(page: Page, *, visits: str, window_from: str, window_to: str, number: str) -> None:
    panel = pt_panel(page)
    panel.get_by_text("Record a visit authorization").click()
    panel.get_by_label("Visits approved").fill(visits)
    panel.get_by_label("From", exact=True).fill(window_from)
    panel.get_by_label("To", exact=True).fill(window_to)
    panel.get_by_label("Authorization number").fill(number)
    panel.get_by_role("button", name="Record the authorization").click()


def record_pt_visit_note(page: Page, episode_id: int) -> None:
    """The therapist starts today's PT visit note on the episode page (visits used are counted from these notes)."""
    episode(page, episode_id)
    form = page.locator("#new-note")
    form.get_by_label("Visit type", exact=True).select_option("pt_visit")
    form.get_by_role("button", name="Start note").click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+$"))


def fill_person(page: Page, *, given: str, family: str, born: str, sex: str) -> None:
    """Who the patient is, as the new-call and new-patient forms both ask it."""
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Sex").select_option(sex)


def record_pt_progress_report(page: Page, summary: str) -> None:
    """On the PT panel of the episode page at hand, the therapist's progress report written today."""
    panel = pt_panel(page)
    panel.get_by_text("Record a progress report").click()
    panel.get_by_label("Progress summary").fill(summary)
    panel.get_by_role("button", name="Save the progress report").click()
    expect(pt_panel(page)).to_contain_text(summary[:20])
