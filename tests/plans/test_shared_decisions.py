"""Shared decisions through the episode page's panel and the JSON API, on both databases: a knee
osteoarthritis patient's injection options are shown from the pathway pack with their pros and cons; the
clinician records the options discussed, the risks gone over, the patient's questions and choice (audited,
who and when); an update needs the version loaded (a stale one is refused, nothing overwritten); bad input is
refused naming the field, nothing saved; roles without plan:write cannot record. The decision reaches the
episode facts the authorization kit reads, and the patient's plan PDF says it in plain words."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.core.clock import utcnow
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import SharedDecisionFact
from painpath.plans.models import SharedDecision
from support import page_form_post, read_form

VISIT = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)  # Tue 10 Mar 2026, 10:00 in Chicago
TODAY = date(2026, 3, 10)
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
KNEE = {"problem_summary": "Left knee osteoarthritis flare, stairs hard", "body_region": "knee", "laterality": "left",
        "onset_date": "2025-09-01", "icd10_codes": ["M17.12"]}
FORM_ID = "decision-knee-osteoarthritis-steroid-injection-form"
URL = "/episodes/{}/shared-decisions"
QUESTIONS = "Will a steroid shot raise my blood sugar? Can I still garden?"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _text(page_html: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page_html)))


def _panel(client, episode_id: int) -> str:  # noqa: ANN001
    page = client.get(f"/episodes/{episode_id}").text
    start = page.index('id="shared-decisions"')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def knee(client_for, patient_payload, ctx) -> dict:
    """A knee osteoarthritis episode on Tue 10 Mar 2026, with a coverage; the clock stays there."""
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(VISIT, tick=False):
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
        _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=KNEE), 201)["id"]
        yield {"patient_id": patient_id, "episode_id": episode_id, "coordinator": coordinator, "clinician": clinician}


def _form(knee: dict) -> dict[str, str]:
    values, _ = read_form(knee["clinician"].get(f"/episodes/{knee['episode_id']}").text, FORM_ID)
    return values


def _rows(db) -> list[SharedDecision]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(SharedDecision)))


def test_the_knee_options_are_shown_with_pros_and_cons_from_the_pack(knee, ctx):
    panel = _text(_panel(knee["clinician"], knee["episode_id"]))
    decision = ctx.knowledge.pathways["knee_osteoarthritis"].step("steroid_injection").decision
    assert decision.question in panel and "No decision recorded yet." in panel
    for option in decision.options:
        assert f"Discussed: {option.name}" in panel
        assert all(b in panel for b in option.benefits) and all(d in panel for d in option.patient_duties)
        assert all(r.words in panel for r in option.risks)
    # Every option comes pre-ticked as discussed; the risks wait for the clinician to tick them; no choice yet.
    values = _form(knee)
    assert {k for k in values if k.startswith("option__")} == {f"option__{o.id}" for o in decision.options}
    assert not any(k.startswith("risk__") for k in values) and values["choice"] == ""
    # The clinic's language only: no evidence tags, no pack sources, no ids.
    assert "verified" not in panel and "orthoguidelines" not in panel and "knee_hyaluronic_acid" not in panel


def test_recording_the_choice_is_audited_with_who_and_when_and_shown(knee, db, staff):
    values = {**_form(knee), "risk__hyaluronic_acid__may_not_help": "on", "risk__hyaluronic_acid__coverage": "on",
              "risk__steroid_injection__blood_sugar": "on", "choice": "hyaluronic_acid", "patient_questions": QUESTIONS}
    with time_machine.travel(VISIT, tick=False):
        posted = page_form_post(knee["clinician"], URL.format(knee["episode_id"]), values)
        assert posted.status_code == 303, posted.text
        assert posted.headers["location"].endswith("#decision-knee-osteoarthritis-steroid-injection")
        panel = _text(_panel(knee["clinician"], knee["episode_id"]))
    assert "The patient's choice: Hyaluronic acid (lubricating gel) injections" in panel
    assert f"The patient asked: {QUESTIONS}" in panel
    assert "Discussed 10 Mar 2026; recorded by" in panel and staff["clinician"].display_name in panel
    assert "it may not help (discussed)" in panel and "higher blood sugar (discussed)" in panel
    (row,) = _rows(db)
    assert (row.pathway_id, row.step_id, row.choice, row.discussed_on) == ("knee_osteoarthritis", "steroid_injection", "hyaluronic_acid", TODAY)
    assert set(row.options_discussed) == {"steroid_injection", "hyaluronic_acid", "no_injection"}
    assert {k: sorted(v) for k, v in row.risks_discussed.items()} == {"hyaluronic_acid": ["coverage", "may_not_help"],
                                                                      "steroid_injection": ["blood_sugar"]}
    assert row.recorded_by_id == staff["clinician"].id and row.pack_version == 1
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.shared_decision_recorded")).one()
        assert (event.patient_id, event.actor_user_id, event.object_type, event.object_id) == (
            knee["patient_id"], staff["clinician"].id, "shared_decision", str(row.id))
        assert event.detail["choice"] == "hyaluronic_acid"


def test_an_update_needs_the_version_loaded(knee, db):
    with time_machine.travel(VISIT, tick=False):
        first = {**_form(knee), "choice": "steroid_injection"}
        assert page_form_post(knee["clinician"], URL.format(knee["episode_id"]), first).status_code == 303
        loaded = _form(knee)  # the recorded decision, with its version
        assert loaded["version"] == "1" and loaded["choice"] == "steroid_injection"
        # Someone else changes it meanwhile (the API, with the version it read).
        (view,) = _ok(knee["clinician"].get(f"/api/episodes/{knee['episode_id']}/shared-decisions"))
        changed = _ok(knee["clinician"].post(f"/api/episodes/{knee['episode_id']}/shared-decisions", json={
            "pathway_id": "knee_osteoarthritis", "step_id": "steroid_injection", "options_discussed": ["steroid_injection", "no_injection"],
            "choice": "no_injection", "version": view["version"]}), 201)
        assert changed["version"] == 2 and changed["choice"] == "no_injection"
        assert changed["recorded_at"] == "2026-03-10T15:00:00Z"  # stored naive UTC, said with its offset
        stale = page_form_post(knee["clinician"], URL.format(knee["episode_id"]), {**loaded, "patient_questions": "Typed on the old copy"})
        assert stale.status_code == 409
        assert "Typed on the old copy" in stale.text  # the form comes back as typed
    (row,) = _rows(db)
    assert (row.choice, row.version, row.patient_questions) == ("no_injection", 2, None)
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("plan.shared_decision%"))
                                                     .order_by(AuditEvent.id))]
    assert actions == ["plan.shared_decision_recorded", "plan.shared_decision_updated"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"choice": "hyaluronic_acid", "option__hyaluronic_acid": ""}, "choice", "can only choose an option discussed"),
    ({"risk__hyaluronic_acid__coverage": "on", "option__hyaluronic_acid": ""}, "risks_discussed", "the option itself was not discussed"),
    ({"option__steroid_injection": "", "option__hyaluronic_acid": "", "option__no_injection": ""}, "options_discussed", "Tick at least one option discussed"),
    ({"discussed_on": "2026-03-11"}, "discussed_on", "cannot be dated after today"),
    ({"discussed_on": "2026-02-30"}, "discussed_on", "Enter a real date"),
    ({"step_id": "orthopedics_referral"}, "step_id", "offers no options to decide on"),
    ({"choice": "knee_surgery"}, "choice", "No option 'knee_surgery'"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(knee, db, change, field, words):
    with time_machine.travel(VISIT, tick=False):
        values = {**_form(knee), "patient_questions": "Kept as typed", **change}
        refused = page_form_post(knee["clinician"], URL.format(knee["episode_id"]), values)
    assert refused.status_code == 422, refused.text
    alert = _text(re.search(r'role="alert".*?</div>', refused.text, re.S).group(0))
    assert words in alert, alert
    if field != "step_id":  # a step with no options has no form to show again (its ids are hidden fields, not typed)
        assert "Kept as typed" in refused.text
    assert _rows(db) == []


def test_only_plan_writers_record_decisions(knee, client_for, db):
    for role in ("front_desk", "therapist", "billing"):
        with time_machine.travel(VISIT, tick=False):
            answer = client_for(role).post(URL.format(knee["episode_id"]), data={"pathway_id": "knee_osteoarthritis"})
        assert answer.status_code == 403, role
    assert _rows(db) == []


def test_the_decision_is_an_episode_fact_with_the_procedures_its_options_lead_to(knee, ctx, db):
    with time_machine.travel(VISIT, tick=False):
        _ok(knee["clinician"].post(f"/api/episodes/{knee['episode_id']}/shared-decisions", json={
            "pathway_id": "knee_osteoarthritis", "step_id": "steroid_injection", "options_discussed": ["steroid_injection", "hyaluronic_acid"],
            "risks_discussed": {"steroid_injection": ["flare", "infection"]}, "choice": "steroid_injection"}), 201)
        with db.session() as session:
            facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[knee["episode_id"]],
                                 today=ctx.calendar.local_date(utcnow()))
    (fact,) = facts[knee["episode_id"]].shared_decisions
    assert fact == SharedDecisionFact(
        on=TODAY, pathway_id="knee_osteoarthritis", step_id="steroid_injection", options_discussed=("steroid_injection", "hyaluronic_acid"),
        risks_discussed=(("steroid_injection", "flare"), ("steroid_injection", "infection")), choice="steroid_injection",
        option_procedures=(("steroid_injection", "knee_steroid_injection"), ("hyaluronic_acid", "knee_hyaluronic_acid")))
    assert fact.procedure_options("knee_hyaluronic_acid") == ("hyaluronic_acid",)


def test_the_patient_plan_pdf_says_the_decision_in_plain_words(knee, db):
    with time_machine.travel(VISIT, tick=False):
        clinician = knee["clinician"]
        _ok(clinician.post(f"/api/episodes/{knee['episode_id']}/plans", json={
            "pathway_id": "knee_osteoarthritis", "goals": [{"text": "Climb the stairs at home"}]}), 201)
        before = _pdf_text(clinician.get(f"/episodes/{knee['episode_id']}/plan.pdf").content)
        assert "What we decided together" not in before
        values = {**_form(knee), "option__no_injection": "", "choice": "steroid_injection", "risk__steroid_injection__blood_sugar": "on"}
        assert page_form_post(clinician, URL.format(knee["episode_id"]), values).status_code == 303
        text = _pdf_text(clinician.get(f"/episodes/{knee['episode_id']}/plan.pdf").content)
    assert "What we decided together: which knee injection, if any, to try now" in text
    assert "On 10 March 2026 we talked about these choices:" in text
    assert "A steroid (corticosteroid) injection now Good points: Pain and stiffness often ease within days." in text
    assert "Risks and downsides: The knee can hurt more for a day or two after the shot." in text
    assert "Hyaluronic acid (lubricating gel) injections Good points:" in text
    assert "Avoid strenuous activity, long standing and heavy lifting for about 48 hours after each injection." in text
    assert "No injection for now" not in text  # not discussed: not printed
    assert "You chose: a steroid (corticosteroid) injection now." in text
    for jargon in ("knee_steroid_injection", "evidence", "orthoguidelines", "20610"):
        assert jargon not in text


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_a_decision_is_one_row_per_episode_and_step(knee, db):
    body = {"pathway_id": "knee_osteoarthritis", "step_id": "steroid_injection", "options_discussed": ["no_injection", "steroid_injection"]}
    with time_machine.travel(VISIT, tick=False):
        _ok(knee["clinician"].post(f"/api/episodes/{knee['episode_id']}/shared-decisions", json=body), 201)
        again = knee["clinician"].post(f"/api/episodes/{knee['episode_id']}/shared-decisions", json=body)  # no version: stale
    assert again.status_code == 409
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SharedDecision)) == 1
