"""Every kit item kind of every shipped policy can be satisfied through a page.

The policies are read from the shipped packs (the knowledge loader); each criterion is one kit item
of a kind: its criterion type, and for a `documents` criterion each document kind on its own. A
registry below names, for each kind, the page step that records the fact. A shipped kind without a
page step fails the test, so a new kind cannot ship without a way for staff to satisfy it.

Then for each policy, one episode is built through pages (new patient with the payer's card, episode
from the patient page, case from the episode page) and its items are satisfied one by one through
their pages, the case page's criteria table read before (not met) and after (met) each step.

Not kit items: frequency_limit and min_interval count procedures already done (nothing to gather:
they are met unless sessions are too many or too close), and levels_per_session is the request's own
levels, typed when the case is opened.

Criteria that apply to a repeat only are reached by recording an earlier one of the same procedure
(the request then is a repeat), after the first-request items.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock
from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas import CRITERION_TYPES
from support import page_form_post, read_form

clock = frozen_clock(MONDAY_7_DEC_2026)
TODAY = date(2026, 12, 7)  # MONDAY_7_DEC_2026 on the clinic's calendar
ONSET = date(2026, 1, 5)  # pain (and care) since early January: longer than any policy's duration rule
KNOWLEDGE = load_knowledge()
POLICIES = sorted(KNOWLEDGE.policies.values(), key=lambda p: p.id)

# Constraints on the request, not facts to gather (see the module docstring).
REQUEST_CONSTRAINTS = frozenset({"frequency_limit", "min_interval", "levels_per_session"})


def kit_kinds(criterion) -> list[str]:  # noqa: ANN001
    """The kit item kinds of one criterion: its type, or one kind per document it asks for."""
    if criterion.type == "documents":
        return [f"documents:{kind}" for kind in criterion.kinds]
    return [criterion.type]


# The episode being built: what the steps need to know ---------------------------------------------

@dataclass
class Episode:
    coordinator: object
    clinician: object
    policy: object
    procedure: object
    episode_id: int = 0
    case_id: int = 0
    levels: list[str] = field(default_factory=list)
    performed: dict[int, date] = field(default_factory=dict)  # procedures recorded by the steps, by id

    @property
    def region(self) -> str:
        return self.procedure.region

    def statuses(self) -> dict[str, str]:
        """Each criterion's status as the case page's criteria table shows it."""
        page = self.coordinator.get(f"/authorizations/{self.case_id}")
        assert page.status_code == 200, page.text
        rows = re.findall(r'<tr class="criterion criterion-(\w+)" id="criterion-([\w-]+)"', page.text)
        return {criterion_id: status for status, criterion_id in rows}

    def why(self, criterion_id: str) -> str:
        """The criteria table's row for one criterion, in words (for a failure message)."""
        from support import page_text

        page = self.coordinator.get(f"/authorizations/{self.case_id}").text
        row = re.search(rf'<tr[^>]*id="criterion-{criterion_id}".*?</tr>', page, re.S)
        return page_text(row.group(0)) if row else "(no row)"

    def latest_procedure_id(self) -> int:
        page = self.clinician.get(f"/episodes/{self.episode_id}").text
        return max(int(n) for n in re.findall(r'id="procedure-(\d+)"', page))


def posted(response) -> None:  # noqa: ANN001
    """A form that was taken: redirected; else the page's words say why (its error summary)."""
    if response.status_code != 303:
        from support import page_text

        problems = re.findall(r'role="alert".*?</ul>', response.text, re.S)
        raise AssertionError(f"{response.status_code}: {page_text(' '.join(problems)) or page_text(response.text)[-1500:]}")


# Page steps ------------------------------------------------------------------------------------------

def onset_on_the_episode(ep: Episode, _criterion) -> None:  # noqa: ANN001
    """The episode page's care-team form: the onset date asked after the episode was opened."""
    values, _ = read_form(ep.coordinator.get(f"/episodes/{ep.episode_id}").text, "care-team-form")
    posted(page_form_post(ep.coordinator, f"/episodes/{ep.episode_id}/care-team", {**values, "onset_date": ONSET.isoformat()}))


CARE_DESCRIPTIONS = {"medication": "Naproxen 500 mg twice a day", "physical_therapy": "PT twice a week, core stabilization",
                     "home_exercise": "Daily home exercise program"}


def care_on_the_care_panel(ep: Episode, criterion) -> None:  # noqa: ANN001
    """The episode page's Conservative care panel: each kind the rule counts or requires, ongoing since onset."""
    kinds = {*(criterion.counts or ["physical_therapy"]), *(r.kind for r in criterion.required)}
    if criterion.concurrent_active_rehab:
        kinds.add("physical_therapy")
    for kind in sorted(kinds):
        posted(page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/conservative-care", {
            "kind": kind, "description": CARE_DESCRIPTIONS.get(kind, f"{kind.replace('_', ' ')} as advised"),
            "start_date": ONSET.isoformat(), "source": "reported", "failed": "yes",
            **({"drug_class": "nsaid"} if kind == "medication" else {})}))


def study_on_the_imaging_panel(ep: Episode, criterion) -> None:  # noqa: ANN001
    """The episode page's Imaging panel: an outside study with its report, concordant.

    Before it, the case page says how recent the study must be, in plain words, on the criterion's row
    and on its kit line ("..., within the last 24 months").
    """
    says_recency = re.compile(r"Counts: [^<]*, " + re.escape(criterion.recency.words()) + "<")
    page = ep.coordinator.get(f"/authorizations/{ep.case_id}").text
    row = re.search(rf'<tr[^>]*id="criterion-{criterion.id}".*?</tr>', page, re.S)
    kit = re.search(r'<ul class="auth-checklist">.*?</ul>', page, re.S)
    assert row is not None and says_recency.search(row.group(0)), ep.why(criterion.id)
    assert kit is not None and says_recency.search(kit.group(0)), f"the kit does not say {says_recency.pattern!r}"
    region = (criterion.regions or [ep.region])[0]
    posted(page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/imaging-studies", {
        "modality": criterion.modalities[0], "region": region, "study": f"{criterion.modalities[0].upper()} {region}",
        "origin": "outside", "performed_on": (TODAY - timedelta(days=35)).isoformat(), "report_on_file": "true",
        "concordant": "yes", "summary": "Findings that match the working diagnosis"}))


EXAM = {"straight_leg_raise.right.result": "positive", "spurling.right": "positive", "facet_loading.left": "positive",
        "si_tests.distraction": "positive", "si_tests.thigh_thrust": "positive", "si_tests.sacral_thrust": "positive"}
PAIN = {"pain_now": "7", "pain_average": "7", "pain_worst": "9"}


def _note(ep: Episode, values: dict[str, str]) -> None:
    """A visit note started from the episode page and saved with `values` (the rest as the form has them)."""
    start, _ = read_form(ep.clinician.get(f"/episodes/{ep.episode_id}").text, "new-note")
    started = page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/encounters", start)
    posted(started)
    note_url = started.headers["location"]
    form, _ = read_form(ep.clinician.get(note_url).text, "note-form")
    posted(page_form_post(ep.clinician, note_url, {**form, **values}))


def exam_in_a_visit_note(ep: Episode, _criterion) -> None:  # noqa: ANN001
    _note(ep, EXAM)


def score_on_its_page(ep: Episode, criterion) -> None:  # noqa: ANN001
    """An instrument's own page (answered), or the pain scores of a visit note for a charted measure."""
    if not criterion.instruments:
        _note(ep, PAIN)
        return
    url = f"/episodes/{ep.episode_id}/instruments/{criterion.instruments[0]}"
    page = ep.clinician.get(url)
    assert page.status_code == 200, page.text
    answers: dict[str, str] = {}
    for name, value in re.findall(r'name="(answers\.[\w.]+)"[^>]*value="([^"]*)"', page.text):
        answers.setdefault(name, value)
    posted(page_form_post(ep.clinician, url, answers))


def _procedure(ep: Episode, key: str, on: date, levels: list[str], *, diagnostic: bool = False) -> int:
    """The episode page's Procedures panel: a performed procedure with its pain just before."""
    procedure = KNOWLEDGE.procedures[key]
    posted(page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/procedures", {
        "procedure_key": key, "cpt_codes": procedure.codes[0].code, "side": "left", "levels": ", ".join(levels),
        "performed_on": on.isoformat(), "baseline_pain": "8", "baseline_scale": "nrs", **({"diagnostic": "true"} if diagnostic else {}),
        **({"region": ep.region} if procedure.region == "any" else {})}))
    procedure_id = ep.latest_procedure_id()
    ep.performed[procedure_id] = on
    return procedure_id


def _relief(ep: Episode, procedure_id: int, on: date, percent: int, lasted_days: int | None = None) -> None:
    """A relief report on the procedure (the Procedures panel's relief form)."""
    posted(page_form_post(ep.clinician, f"/procedures/{procedure_id}/relief", {
        "measured_on": on.isoformat(), "percent": str(percent), "scale": "nrs",
        **({"lasted_days": str(lasted_days)} if lasted_days is not None else {})}))


def _same_region(ep: Episode, keys: list[str]) -> str:
    return next((k for k in keys if KNOWLEDGE.procedures[k].region in (ep.region, "any")), keys[0])


def blocks_with_relief(ep: Episode, criterion) -> None:  # noqa: ANN001
    """Diagnostic blocks at the planned levels, each with relief reported the same day, two weeks apart."""
    key = _same_region(ep, criterion.procedures)
    for n in range(criterion.count):
        on = date(2026, 6, 15) + timedelta(days=16 * n)
        _relief(ep, _procedure(ep, key, on, ep.levels, diagnostic=True), on, 90)


def injection_first(ep: Episode, criterion) -> None:  # noqa: ANN001
    _procedure(ep, _same_region(ep, criterion.procedures), date(2026, 5, 1), ep.levels)


def relief_that_lasted(ep: Episode, criterion) -> None:  # noqa: ANN001
    """A relief report, with how long it lasted, on the latest of the procedures (one done first if none)."""
    if not ep.performed:
        _procedure(ep, _same_region(ep, criterion.procedures), date(2026, 5, 1), ep.levels)
    procedure_id = max(ep.performed)
    measured = TODAY - timedelta(days=1)
    _relief(ep, procedure_id, measured, 90, lasted_days=(measured - ep.performed[procedure_id]).days)


def diagram_on_a_visit_note(ep: Episode, _criterion) -> None:  # noqa: ANN001
    """A visit note started from the episode page, and its Pain diagram page's list: two regions marked."""
    start, _ = read_form(ep.clinician.get(f"/episodes/{ep.episode_id}").text, "new-note")
    started = page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/encounters", start)
    posted(started)
    diagram_url = started.headers["location"] + "/pain-diagram"
    form, _ = read_form(ep.clinician.get(diagram_url).text, "pain-diagram-form")
    posted(page_form_post(ep.clinician, diagram_url, {
        **form, "region.leg_lateral_left.type": "burning", "region.leg_lateral_left.intensity": "6",
        "region.low_back.type": "aching", "region.low_back.intensity": "4"}))


def document_in_the_kit(kind: str, **extra: str) -> Callable:
    """The case page's "Add a document" form, with the document's kind chosen."""

    def step(ep: Episode, _criterion) -> None:  # noqa: ANN001
        page = ep.coordinator.get(f"/authorizations/{ep.case_id}").text
        assert f'<option value="{kind}"' in page, f"the kit's document form does not offer {kind}"
        posted(page_form_post(ep.coordinator, f"/authorizations/{ep.case_id}/documents", {
            "kind": kind, "title": kind.replace("_", " ").capitalize(), "document_date": TODAY.isoformat(), **extra}))

    return step


def risk_conversation_on_the_episode(ep: Episode, criterion) -> None:  # noqa: ANN001
    """The episode page's Shared decisions panel: the pathway step whose options lead to the planned procedure,
    its options as the pack pre-ticks them, the risks the payer names ticked as gone over, the patient's choice."""
    pathway, step = next((p, s) for p in KNOWLEDGE.pathways.values() for s in p.steps
                         if s.decision and any(o.procedure_id == ep.procedure.id for o in s.decision.options))
    option = next(o for o in step.decision.options if o.procedure_id == ep.procedure.id)
    form_id = f"decision-{pathway.id}-{step.id}-form".replace("_", "-")
    values, _ = read_form(ep.clinician.get(f"/episodes/{ep.episode_id}").text, form_id)
    values.update({f"risk__{option.id}__{r.id}": "on" for r in criterion.risks}, choice=option.id)
    posted(page_form_post(ep.clinician, f"/episodes/{ep.episode_id}/shared-decisions", values))


PAGE_STEPS: dict[str, Callable] = {
    "pain_duration": onset_on_the_episode,
    "conservative_care": care_on_the_care_panel,
    "imaging": study_on_the_imaging_panel,
    "exam_finding": exam_in_a_visit_note,
    "score_required": score_on_its_page,
    "diagnostic_blocks": blocks_with_relief,
    "steroid_injection_first": injection_first,
    "prior_response": relief_that_lasted,
    "pain_diagram": diagram_on_a_visit_note,
    "psych_eval": document_in_the_kit("psych_eval", result="cleared"),
    "nicotine_test": document_in_the_kit("nicotine_test", value="0"),
    "shared_decision": risk_conversation_on_the_episode,
    "documents:behavioral_evaluation": document_in_the_kit("behavioral_evaluation"),
    "documents:home_exercise_program": document_in_the_kit("home_exercise_program"),
    "documents:pt_plan_of_care": document_in_the_kit("pt_plan_of_care"),
    "documents:pt_progress_report": document_in_the_kit("pt_progress_report"),
    "documents:pt_progress_note": document_in_the_kit("pt_progress_note"),
    "documents:pt_referral": document_in_the_kit("pt_referral"),
    "documents:rfa_contraindication_note": document_in_the_kit("rfa_contraindication_note"),
}


# Enumeration ---------------------------------------------------------------------------------------

def test_every_shipped_kit_item_kind_has_a_page_step():
    shipped = {(policy.id, kind) for policy in POLICIES for c in policy.criteria for kind in kit_kinds(c)}
    assert shipped, "no policies loaded"
    assert {c.type for p in POLICIES for c in p.criteria} <= set(CRITERION_TYPES)
    without_step = sorted((pid, kind) for pid, kind in shipped if kind not in PAGE_STEPS and kind not in REQUEST_CONSTRAINTS)
    assert without_step == [], f"kit item kinds with no page step to satisfy them: {without_step}"
    # Every criterion type the engine knows is either gathered through a page or a request constraint.
    assert set(CRITERION_TYPES) - REQUEST_CONSTRAINTS - {"documents"} <= set(PAGE_STEPS)


def test_the_registry_catches_a_kind_without_a_page():
    documents = next(c for p in POLICIES for c in p.criteria if c.type == "documents")
    invented = documents.model_copy(update={"kinds": ["a_kind_no_page_records"]})
    assert [k for k in kit_kinds(invented) if k not in PAGE_STEPS] == ["documents:a_kind_no_page_records"]


# Per policy ----------------------------------------------------------------------------------------

def _payer_for(policy) -> str:  # noqa: ANN001
    """A payer the policy applies to and that no payer-specific policy takes away from it."""
    if policy.payers:
        return policy.payers[0]
    named = {payer for p in POLICIES for payer in p.payers if set(p.procedures) & set(policy.procedures)}
    payers = [p.id for t in policy.plan_types for p in KNOWLEDGE.payers_by_plan_type(t) if p.id not in named]
    assert payers, f"no payer in the directory for {policy.id}"
    return payers[0]


BODY_REGIONS = {"cervical": "cervical", "thoracic": "thoracic", "lumbar": "lumbar", "sacroiliac": "sacroiliac", "knee": "knee"}
LEVELS = {"cervical": ["C5-6"], "lumbar": ["L4-5"], "thoracic": ["T7-8"]}


def _build(clients: dict, policy) -> Episode:  # noqa: ANN001
    procedure_id = policy.procedures[0]
    procedure = KNOWLEDGE.procedures[procedure_id]
    ep = Episode(coordinator=clients["coordinator"], clinician=clients["clinician"], policy=policy, procedure=procedure)
    if procedure.region == "any":
        ep.procedure = procedure.model_copy(update={"region": "lumbar"})
    ep.levels = LEVELS.get(ep.region, [])
    created = page_form_post(ep.coordinator, "/patients/new", {
        "given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1957-03-02", "sex": "female",
        "mrn": f"MRN-{POLICIES.index(policy) + 1}", "preferred_contact": "phone", "payer_id": _payer_for(policy), "priority": "1",
        "member_id": "XBM884211907", "subscriber_relationship": "self", "effective_from": "2026-01-01"})
    posted(created)
    patient_url = created.headers["location"]
    needs_onset = any(c.type == "pain_duration" for c in policy.criteria)
    opened = page_form_post(ep.coordinator, f"{patient_url}/episodes", {
        "problem_summary": f"Pain workup for {procedure.name}", "body_region": BODY_REGIONS.get(ep.region, "other"),
        "laterality": "left", "onset_date": "" if needs_onset else ONSET.isoformat(), "icd10_codes": "M54.16"})
    posted(opened)
    ep.episode_id = int(opened.headers["location"].rsplit("/", 1)[1])
    case = page_form_post(ep.coordinator, f"/episodes/{ep.episode_id}/authorizations", {
        "procedure_id": procedure_id, "cpt_codes": procedure.codes[0].code, "side": "left", "levels": ", ".join(ep.levels),
        "place_of_service": "22", "priority": "standard"})
    posted(case)
    page = ep.coordinator.get(case.headers["location"].split("#")[0]).text
    ep.case_id = int(re.findall(r'href="/authorizations/(\d+)"', page)[-1])
    case_page = ep.coordinator.get(f"/authorizations/{ep.case_id}").text
    assert policy.name in case_page.replace("&#39;", "'").replace("&amp;", "&"), f"the case is not under {policy.id}"
    return ep


def _gatherable(policy, applies: tuple[str, ...]) -> list:  # noqa: ANN001
    return [c for c in policy.criteria if c.applies_to in applies and c.type not in REQUEST_CONSTRAINTS]


def _satisfy(ep: Episode, criteria: list) -> list[str]:
    """Each criterion in turn: not met on the case page, its page steps run, then met. Returns the failures."""
    failures = []
    shown = ep.statuses()
    for criterion in criteria:
        before = shown.get(criterion.id)
        if before in ("met", "not_applicable", None):
            failures.append(f"{criterion.id} ({criterion.type}) was {before} before its step")
            continue
        for kind in kit_kinds(criterion):
            PAGE_STEPS[kind](ep, criterion)
        shown = ep.statuses()  # after this step, and before the next one
        after = shown.get(criterion.id)
        if after != "met":
            failures.append(f"{criterion.id} ({criterion.type}) was {before} and is {after} after its step: {ep.why(criterion.id)}")
    return failures


def _make_repeat(ep: Episode) -> None:
    """An earlier one of the same procedure, done months ago: the request becomes a repeat."""
    _procedure(ep, ep.policy.procedures[0], date(2026, 5, 1), ep.levels)


def _audience(policy) -> str:  # noqa: ANN001
    return policy.payers[0] if policy.payers else policy.plan_types[0]


# One test per payer (two sign-ins each, the slow part), one episode per policy inside it.
GATHERED = [p for p in POLICIES if _gatherable(p, ("initial", "always", "repeat"))]
AUDIENCES = sorted({_audience(p) for p in GATHERED})


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_kit_item_of_each_policy_is_satisfied_through_its_page(audience, client_for, clock):
    clients = {"coordinator": client_for("coordinator"), "clinician": client_for("clinician")}
    failures = []
    for policy in (p for p in GATHERED if _audience(p) == audience):
        ep = _build(clients, policy)
        found = _satisfy(ep, _gatherable(policy, ("initial", "always")))
        repeat_only = _gatherable(policy, ("repeat",))
        if repeat_only:
            _make_repeat(ep)
            found += _satisfy(ep, repeat_only)
        failures += [f"{policy.id}: {f}" for f in found]
    assert failures == []
