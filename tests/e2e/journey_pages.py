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


def scripts_ready(page: Page) -> None:
    """The page's deferred scripts have run and its DOMContentLoaded handlers listen.

    A person's first keystroke or click comes after the page has finished loading; a test's can come while the
    browser is still parsing (the URL has changed, the fields exist), before a shortcut or a click on the body
    map is handled. Only the steps that need a script wait here; plain forms work without one.
    """
    page.wait_for_load_state("domcontentloaded")


def save_note_by_keyboard(page: Page) -> None:
    """Ctrl+Enter saves the visit note from any field (static/js/visit-note.js)."""
    scripts_ready(page)
    page.keyboard.press("Control+Enter")


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


def routine_triage(page: Page, *, age: int, onset_days: int, injury: str = "No injury", injury_days: int | None = None,
                   imaged: str | None = None) -> int:
    """No red flags: the screen answered, saved as routine; returns the episode the call opened. After an
    injury the screen also asks how many days ago it happened and whether it was already imaged."""
    reach_caller(page)
    page.locator("#question-age input").fill(str(age))
    page.locator("#question-pain_onset_days input").fill(str(onset_days))
    answer_all_no(page)
    page.locator("#question-injury").get_by_label(injury).check()
    if injury_days is not None:
        page.locator("#question-injury_days_ago input").fill(str(injury_days))
        page.locator("#question-injury_days_ago input").dispatch_event("change")
    if imaged is not None:
        page.locator("#question-injury_imaged").get_by_label(imaged).check()
    expect(decision(page)).to_contain_text("Routine")
    page.get_by_role("button", name="Save triage").click()
    expect(page.locator("#triage-outcome")).to_contain_text("Book the first visit")
    return int(page.get_by_role("link", name="Episode page").get_attribute("href").rsplit("/", 1)[1])


def book_visit(page: Page, when: str, *, how: str | None = None) -> None:
    """Books from the booking form on the page at hand (call page or episode page); `when` like 2026-01-08T09:00."""
    page.get_by_label("Date and time").fill(when)
    if how:
        page.get_by_label("How", exact=True).select_option(how)
    page.get_by_role("button", name="Book visit").click()


def worklist_row(page: Page, title: str):  # noqa: ANN201
    nav(page, "Worklist")
    return page.locator("#worklist-table tbody tr", has_text=title)


def episode(page: Page, episode_id: int) -> None:
    page.goto(f"/episodes/{episode_id}")


# --- Episode page steps (J5, J10) -------------------------------------------------------------------------

def attend_first_visit(page: Page, episode_id: int | None = None) -> None:
    """The front desk checks the patient in and completes the booked visit from the episode's Visits panel (the
    episode page at hand, or `episode_id`'s)."""
    if episode_id is not None:
        episode(page, episode_id)
    page.locator("#visits").get_by_role("button", name="Check in").first.click()
    page.locator("#visits").get_by_role("button", name="Complete visit").first.click()
    expect(page.locator("table.appointments")).to_contain_text("Completed")


def add_care(page: Page, *, kind: str, what: str, started: str, source: str = "reported", drug_class: str = "",
             helped: str = "unknown") -> None:
    """One line of conservative care from the episode page's panel."""
    panel = page.locator("#conservative-care")
    panel.get_by_text("Add conservative care").click()
    form = page.locator("#care-form")
    form.get_by_label("Kind of care").select_option(kind)
    form.get_by_label("What was done").fill(what)
    form.get_by_label("Started").fill(started)
    form.get_by_label("Source").select_option(source)
    if drug_class:
        form.get_by_label("Drug class").fill(drug_class)
    form.get_by_label("Did it help").select_option(helped)
    form.get_by_role("button", name="Add care").click()
    expect(page.locator("#conservative-care")).to_contain_text(what)


def record_study_with_report(page: Page, *, modality: str, region: str, study: str, on: str, summary: str) -> None:
    """An outside study whose report is on file and supports the diagnosis, from the Imaging panel."""
    page.locator("#imaging").get_by_text("Record a study").click()
    form = page.locator("#study-form")
    form.get_by_label("Modality").select_option(modality)
    form.locator("#study-region").select_option(region)
    form.get_by_label("Study", exact=True).fill(study)
    form.get_by_label("Date of the study").fill(on)
    form.locator("#study-report_on_file").check()
    form.locator("#study-concordant").select_option("yes")
    form.locator("#study-summary").fill(summary)
    form.get_by_role("button", name="Record study").click()
    expect(page.locator("#imaging article.study")).to_contain_text(study)


def start_plan(page: Page, pathway_id: str, *, goal: str) -> None:
    """The clinician builds the plan from a pathway on the episode page's Care plan panel."""
    build = page.locator("#plan-build")
    build.get_by_label("Pathway").select_option(pathway_id)
    build.get_by_label("Goal 1 in words").fill(goal)
    build.get_by_role("button", name="Start the plan").click()
    expect(page.locator("#plan-current-step")).to_be_visible()


def open_authorization(page: Page, procedure_id: str, *, side: str = "none") -> int:
    """Opens a case from the episode page's Authorizations panel, then its case page; returns its id."""
    page.locator("#authorizations").get_by_text("Open an authorization").click()
    form = page.locator("#open-authorization")
    form.locator("#f-auth-procedure").select_option(procedure_id)
    form.locator("#f-auth-side").select_option(side)
    form.get_by_role("button", name="Open authorization").click()
    expect(page).to_have_url(re.compile(r"#authorization-\d+$"))
    case_id = int(page.url.rsplit("-", 1)[1])
    page.locator(f"#authorization-{case_id}").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/authorizations/{case_id}$"))
    return case_id


def record_procedure(page: Page, procedure_id: str, *, cpt: str, side: str, on: str, pain_before: int,
                     region: str = "", levels: str = "") -> None:
    """A performed procedure from the episode page's Procedures panel (`region` only for one done anywhere)."""
    page.locator("#procedures").get_by_text("Record a performed procedure").click()
    form = page.locator("#procedure-form")
    form.get_by_label("Procedure").select_option(procedure_id)
    form.get_by_label("CPT codes").fill(cpt)
    if region:
        form.get_by_label("Region").select_option(region)
    form.get_by_label("Side").select_option(side)
    form.get_by_label("Levels").fill(levels)
    form.get_by_label("Date performed").fill(on)
    form.get_by_label("Pain just before").fill(str(pain_before))
    form.get_by_label("Pain scale").select_option("nrs")
    form.get_by_role("button", name="Record procedure").click()
    expect(page.locator("#procedure-errors")).to_have_count(0)
    expect(page.locator("#procedures article.procedure")).not_to_have_count(0)


def criterion(page: Page, criterion_id: str):  # noqa: ANN201
    """A payer criterion's row on the case page."""
    return page.locator(f"#criterion-{criterion_id}")


def give_questionnaire(page: Page, episode_id: int, instrument_id: str, answers: list[int]) -> None:
    """A questionnaire from the episode page's Questionnaires panel, item n answered answers[n-1]."""
    episode(page, episode_id)
    panel = page.locator("#questionnaires")
    panel.get_by_text("Start a questionnaire").click()
    panel.locator(f"a[href$='/instruments/{instrument_id}']").click()
    for number, value in enumerate(answers, 1):
        page.locator(f"#q-{instrument_id}_{number}-{value}").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#administration-\d+$"))

# --- Charting on the episode page (procedures, relief, workup, authorizations) ---------------------------


def add_conservative_care(page: Page, *, kind: str, description: str, start: str, end: str | None = None,
                          failed: str = "unknown", source: str = "reported") -> None:
    """The conservative care panel's form; `failed` is yes (it failed), no or unknown as the form offers."""
    panel = page.locator("#conservative-care")
    panel.get_by_text("Add conservative care").click()
    form = page.locator("#care-form")
    form.get_by_label("Kind", exact=False).first.select_option(kind)
    page.locator("#care-description").fill(description)
    page.locator("#care-start_date").fill(start)
    if end:
        page.locator("#care-end_date").fill(end)
    page.locator("#care-source").select_option(source)
    page.locator("#care-failed").select_option(failed)
    form.get_by_role("button", name="Add care").click()
    expect(page.locator("#conservative-care")).to_contain_text(description)


def record_imaging_study(page: Page, *, modality: str, study: str, performed_on: str, concordant: str = "unknown",
                         summary: str = "", region: str | None = None) -> None:
    """The imaging panel's form, with the report on file when a `summary` is given."""
    page.locator("#imaging").get_by_text("Record a study").click()
    page.locator("#study-modality").select_option(modality)
    if region:
        page.locator("#study-region").select_option(region)
    page.locator("#study-study").fill(study)
    page.locator("#study-performed_on").fill(performed_on)
    if summary:
        page.locator("#study-report_on_file").check()
        page.locator("#study-summary").fill(summary)
    page.locator("#study-concordant").select_option(concordant)
    page.locator("#study-form").get_by_role("button", name="Record study").click()
    expect(page.locator("#imaging article.study").filter(has_text=study)).to_have_count(1)


def add_case_document(page: Page, case_id: int, *, kind: str, title: str, on: str, result: str = "") -> None:
    """A document placed in an authorization's kit from its case page."""
    page.goto(f"/authorizations/{case_id}")
    page.locator("#add-document").get_by_text("Add a document").click()
    form = page.locator("#add-document")
    form.locator("#f-doc-kind").select_option(kind)
    form.locator("#f-doc-title").fill(title)
    form.locator("#f-doc-date").fill(on)
    if result:
        form.locator("#f-doc-result").fill(result)
    form.get_by_role("button", name="Add document").click()
    expect(page.locator("#documents .auth-documents")).to_contain_text(title)


def add_relief_report(page: Page, procedure_row: int, *, on: str, pain_now: int, hours_after: int, lasted_days: int,
                      function: str, regained: str) -> None:
    """A relief report on a performed procedure, from the episode page's Procedures panel."""
    article = page.locator(f"#procedure-{procedure_row}")
    article.get_by_text("Add a relief report").click()
    form = page.locator(f"#relief-form-{procedure_row}")
    form.get_by_label("Date of the report").fill(on)
    form.get_by_label("Pain score now").fill(str(pain_now))
    form.get_by_label("Hours after the procedure").fill(str(hours_after))
    form.locator(f"#f-lasted_days-{procedure_row}").fill(str(lasted_days))
    form.get_by_label("Function").select_option(function)
    form.get_by_label("What the patient could do again").fill(regained)
    form.get_by_role("button", name="Save relief report").click()
    expect(page.locator(f"#procedure-{procedure_row} .reliefs")).to_contain_text(regained)


def confirm_plan_step(page: Page) -> None:
    """The clinician confirms the plan's proposal on the Care plan panel, which starts the next step."""
    confirm = page.locator("#plan-confirm")
    confirm.get_by_role("button", name="Confirm and start the next step").click()
    expect(page.locator("#plan-current-step")).to_be_visible()

def attend_visit(page: Page, *, when: str) -> None:
    """The booked visit shown as `when` (like "Thu 07 Jan 2027 09:00") is checked in, then completed."""
    row = page.locator("table.appointments tbody tr", has_text=when)
    row.get_by_role("button", name="Check in").click()
    page.locator("table.appointments tbody tr", has_text=when).get_by_role("button", name="Complete visit").click()
    expect(page.locator("table.appointments tbody tr", has_text=when)).to_contain_text("Completed")


def _opened(details):  # noqa: ANN001, ANN202
    """A folded form (<details>) opened, like a person clicking its summary, unless it is open already."""
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return details


def open_details(page: Page, selector: str):  # noqa: ANN201
    """The <details> at `selector`, opened; returns it."""
    return _opened(page.locator(selector))


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


def record_procedure_by_name(page: Page, *, procedure: str, cpt: str, levels: str, on: str, baseline_pain: str) -> None:
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


def open_authorization_by_name(page: Page, *, procedure: str, cpt: str, levels: str, planned_on: str) -> None:
    """An authorization opened from the episode page's authorizations panel; the case page follows."""
    box = open_details(page, "#open-authorization")
    box.locator("#f-auth-procedure").select_option(label=procedure)
    box.locator("#f-auth-cpt").fill(cpt)
    box.locator("#f-auth-levels").fill(levels)
    box.locator("#f-auth-planned").fill(planned_on)
    box.get_by_role("button", name="Open authorization").click()

def record_procedure_returning_id(page: Page, *, key: str, cpt: str, side: str, levels: str, on: str, baseline: float,
                     scale: str = "nrs", exception: str | None = None) -> int:
    """The procedures panel's form; returns the recorded procedure's id (the newest article)."""
    page.locator("#procedures").get_by_text("Record a performed procedure").click()
    page.locator("#proc-procedure_key").select_option(key)
    page.locator("#proc-cpt_codes").fill(cpt)
    page.locator("#proc-side").select_option(side)
    page.locator("#proc-levels").fill(levels)
    page.locator("#proc-performed_on").fill(on)
    page.locator("#proc-baseline_pain").fill(str(baseline))
    page.locator("#proc-baseline_scale").select_option(scale)
    if exception:
        page.locator("#proc-spacing_exception").fill(exception)
    before = set(page.locator("#procedures article.procedure").evaluate_all("els => els.map(e => e.id)"))
    page.locator("#procedure-form").get_by_role("button", name="Record procedure").click()
    articles = page.locator("#procedures article.procedure")
    expect(articles).to_have_count(len(before) + 1)
    (new,) = set(articles.evaluate_all("els => els.map(e => e.id)")) - before
    return int(new.removeprefix("procedure-"))


def add_relief_by_id(page: Page, procedure_id: int, *, on: str, percent: float, hours_after: float | None = None,
               scale: str = "nrs") -> None:
    """A relief report on a procedure, as a percent of the pain before it."""
    page.locator(f"#procedure-{procedure_id}").get_by_text("Add a relief report").click()
    page.locator(f"#f-measured_on-{procedure_id}").fill(on)
    page.locator(f"#f-percent-{procedure_id}").fill(f"{percent:g}")
    page.locator(f"#f-scale-{procedure_id}").select_option(scale)
    if hours_after is not None:
        page.locator(f"#f-hours_after-{procedure_id}").fill(f"{hours_after:g}")
    page.locator(f"#relief-form-{procedure_id}").get_by_role("button", name="Save relief report").click()
    expect(page.locator(f"#procedure-{procedure_id} .reliefs")).to_contain_text(f"{percent:g}%")


def open_authorization_returning_id(page: Page, *, procedure: str, cpt: str, side: str, levels: str, place: str) -> int:
    """The episode page's "Open an authorization" form; follows the new case's link to its page; its id."""
    page.locator("#authorizations").get_by_text("Open an authorization").click()
    page.locator("#f-auth-procedure").select_option(procedure)
    page.locator("#f-auth-cpt").fill(cpt)
    page.locator("#f-auth-side").select_option(side)
    page.locator("#f-auth-levels").fill(levels)
    page.locator("#f-auth-pos").select_option(place)
    page.locator("#authorizations").get_by_role("button", name="Open authorization").click()
    link = page.locator("#authorizations .auth-lines li a").last
    case_id = int(link.get_attribute("href").rsplit("/", 1)[1])
    link.click()
    expect(page).to_have_url(re.compile(rf"/authorizations/{case_id}$"))
    return case_id


def record_onset(page: Page, onset: str) -> None:
    """On the episode page: the date the pain started, from the care team form (the call gave only weeks)."""
    page.locator("#care-team").get_by_text("Assign the clinician and coordinator, or edit the summary and onset").click()
    page.locator("#care-team").get_by_label("Onset date").fill(onset)
    page.locator("#care-team").get_by_role("button", name="Save").click()
    expect(page.locator("section[aria-labelledby=summary-heading]")).not_to_contain_text("Not recorded")

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
    add_prior_provider(page, name=provider, kind=kind, fax=fax)
    request_records_from(page, provider=provider, items=items, release=release, clinician=clinician, transport=transport)

def open_details_box(scope, summary: str) -> None:  # noqa: ANN001
    """The <details> in `scope` whose summary says `summary`, opened."""
    _opened(scope.locator("details", has=scope.page.locator("summary", has_text=summary)).first)


def add_prior_provider(page: Page, *, name: str, kind: str, fax: str) -> None:
    """On the episode's records tracker: a prior provider whose records the clinic will ask for."""
    form = page.locator("form[action$='/records/providers']")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Fax").fill(fax)
    form.get_by_role("button", name="Add provider").click()
    expect(page.locator("#providers")).to_contain_text(name)


def request_records_from(page: Page, *, provider: str, items: list[str], release: str, clinician: str = "Clinician User",
                         transport: str | None = None) -> None:
    """On the records tracker: a request to one listed provider for the ticked records (sent by fax unless `transport`)."""
    form = page.locator("#new-request")
    form.get_by_label("Provider").select_option(label=provider)
    if transport:
        form.get_by_label("Send by").select_option(transport)
    for item in items:
        form.get_by_label(item, exact=True).check()
    form.get_by_label("Patient's signed release").fill(release)
    form.get_by_label("Requesting clinician").select_option(label=clinician)
    form.get_by_role("button", name="Create and send request").click()
    expect(page.locator("#requests")).to_contain_text(provider)


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


def add_conservative_care_entry(page: Page, *, kind: str, description: str, start: str, end: str = "", source: str = "",
                          drug_class: str = "", helped: str = "") -> None:
    """The episode page's conservative care panel; `kind`, `source` and `helped` are the words on the form."""
    panel = page.locator("#conservative-care")
    open_details_box(panel, "Add conservative care")
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
    open_details_box(panel, "Record a study")
    form = panel.locator("#study-form")
    form.get_by_label("Modality").select_option(label=modality)
    form.get_by_label("Study", exact=True).fill(study)
    form.get_by_label("Where it was done").select_option("outside")
    form.get_by_label("Date of the study").fill(performed_on)
    form.get_by_role("button", name="Record study").click()
    expect(page.locator("#imaging article.study", has_text=study)).to_contain_text("Report not on file yet")


def visit_button(page: Page, when: str, name: str) -> None:
    """A next-step button on the Visits panel's row for the visit at `when` (as the row shows it)."""
    page.locator("#visits table.appointments tbody tr", has_text=when).get_by_role("button", name=name).click()


def add_patient_event(page: Page, *, kind: str, year: str, month: str = "", day: str = "", description: str) -> None:
    """On the episode page: one event of the patient's own timeline, through the Timeline panel's folded form."""
    form = page.locator("#patient-event-form")
    if not form.is_visible():
        page.locator("#patient-events summary").click()
    form.get_by_label("What happened").select_option(kind)
    form.get_by_label("Year").fill(year)
    form.get_by_label("Month").select_option(month)
    form.get_by_label("Day").fill(day)
    form.get_by_label("Description").fill(description)
    form.get_by_role("button", name="Add to the timeline").click()
