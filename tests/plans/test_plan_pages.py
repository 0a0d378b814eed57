"""The care plan panel on the episode page, driven through its HTML forms: a clinician builds the J1 plan
(cervical radiculopathy under BCBS commercial) and sees the current step with its trial and the selective
nerve root block's authorization readiness; six weeks later the measures fall short, the page proposes
the block and the Confirm form starts it; a Pivot form changes pathway. Refused forms come back 422 with
the problem next to its field and nothing saved; roles without plan:write get 403.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.authorizations.models import AuthorizationCase
from painpath.plans.models import CarePlan, PlanStep


def _chicago(month: int, day: int, hour: int) -> datetime:
    """A Chicago wall-clock time in Jan-Mar 2026 (standard time, UTC-6) as an aware UTC time."""
    return datetime(2026, month, day, hour + 6, tzinfo=timezone.utc)


FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
DAY_15 = _chicago(1, 22, 9)  # Thu 22 Jan: two weeks in
TRIAL_ENDS = _chicago(2, 19, 10)  # Thu 19 Feb: six weeks later
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
            "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
J1_CARE = (
    {"kind": "medication", "start_date": "2025-12-15", "end_date": "2026-01-04", "drug_class": "nsaid", "failed": "yes",
     "description": "Naproxen 500 mg twice a day for 3 weeks", "source": "reported"},
    {"kind": "medication", "start_date": "2025-12-22", "end_date": "2025-12-27", "drug_class": "oral_steroid", "failed": "yes",
     "description": "Methylprednisolone 6-day pack", "source": "reported"},
    {"kind": "physical_therapy", "start_date": "2026-01-08", "source": "clinic",
     "description": "PT twice a week: cervical traction and nerve glides"},
    {"kind": "home_exercise", "start_date": "2026-01-08", "source": "clinic", "description": "Home traction and nerve glides"},
)
EXAM = {"spurling": {"left": "negative", "right": "positive"},
        "sensory_deficits": [{"dermatome": "C6", "side": "right", "finding": "diminished"}],
        "diagnosis_codes": ["M54.12"], "reasoning": "Right C6 radiculopathy concordant with C5-6 foraminal stenosis"}
BUILD = {"pathway_id": "cervical_radiculopathy", "goal_text_1": "Back to ladder work", "goal_measure_1": "ndi", "goal_target_1": "10",
         "goal_text_2": "Sleep through the night", "goal_measure_2": "", "goal_target_2": "",
         "cpt_codes": "64479", "side": "right", "levels": "C5-6", "place_of_service": "24"}
PIVOT_REASON = "Re-exam: the main problem is now the knee after a second fall; the neck has settled"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _text(page) -> str:  # noqa: ANN001
    """The page's text with tags and runs of whitespace collapsed, for reading sentences."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _section(page, ident: str) -> str:  # noqa: ANN001
    start = page.text.index(f'id="{ident}"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text[start:page.text.index("</section>", start)])))


def _field_errors(page, name: str) -> list[str]:  # noqa: ANN001
    """The messages shown next to one field (the span right after its label)."""
    return [html.unescape(m) for m in re.findall(rf'id="f-{re.escape(name)}-error\d+">([^<]+)<', page.text)]


def _episode(client_for, patient_payload) -> int:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
    episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
    _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
        "modality": "mri", "region": "cervical", "study": "MRI cervical spine without contrast", "origin": "outside",
        "performed_on": "2025-12-29", "report_on_file": True, "concordant": "yes", "summary": "Moderate right C5-6 foraminal stenosis"}), 201)
    _ndi(clinician, episode_id, [3, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-01-08T08:50:00")
    visit = _pain(clinician, episode_id, "initial", "2026-01-08", 7)
    _ok(clinician.put(f"/api/encounters/{visit}/exam", json=EXAM))
    for care in J1_CARE:
        _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)
    return episode_id


def _ndi(client, episode_id: int, answers: list[int], at: str) -> None:  # noqa: ANN001
    body = {"instrument_id": "ndi", "answers": {f"ndi_{i}": a for i, a in enumerate(answers, start=1)}, "administered_at": at}
    _ok(client.post(f"/api/episodes/{episode_id}/instrument-administrations", json=body), 201)


def _pain(client, episode_id: int, kind: str, on: str, pain: int) -> int:  # noqa: ANN001
    visit = _ok(client.post(f"/api/episodes/{episode_id}/encounters",
                            json={"encounter_type": kind, "date_of_service": on, "narrative": "Neck and right arm pain."}), 201)["id"]
    _ok(client.put(f"/api/encounters/{visit}/measures", json={"pain_now": pain, "pain_average": pain, "pain_worst": pain + 1}))
    return visit


def _counts(db) -> tuple[int, int, int]:  # noqa: ANN001
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(CarePlan)), session.scalar(select(func.count()).select_from(PlanStep)),
                session.scalar(select(func.count()).select_from(AuthorizationCase)))


def _step_row(db, episode_id: int) -> PlanStep:  # noqa: ANN001
    with db.session() as session:
        row = session.scalars(select(PlanStep).where(PlanStep.episode_id == episode_id, PlanStep.status == "active")).one()
        session.expunge(row)
        return row


def _plan_row(db, episode_id: int) -> CarePlan:  # noqa: ANN001
    with db.session() as session:
        row = session.scalars(select(CarePlan).where(CarePlan.episode_id == episode_id, CarePlan.status == "active")).one()
        session.expunge(row)
        return row


@pytest.fixture
def journey(ctx):  # noqa: ANN201
    ctx.settings.session_hours = 24 * 90  # six weeks pass; nobody signs in again
    with time_machine.travel(FIRST_VISIT, tick=False) as clock:
        yield clock


def test_the_build_form_lists_the_episodes_region_first_and_offers_the_plan_only_to_plan_writers(client_for, patient_payload, journey):
    episode_id = _episode(client_for, patient_payload)
    page = client_for("clinician").get(f"/episodes/{episode_id}")
    assert page.status_code == 200
    panel = _section(page, "care-plan")
    assert "No care plan for this episode yet." in panel and "Build a plan from a pathway" in panel
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page.text[page.text.index('id="f-pathway_id"'):], re.S)
    assert groups[0][0] == "For the cervical region"
    fits = re.findall(r'value="([^"]+)"', groups[0][1])
    assert "cervical_radiculopathy" in fits and "lumbar_stenosis" not in fits and "knee_osteoarthritis" not in fits
    assert groups[1][0] == "Other pathways" and {"lumbar_stenosis", "knee_osteoarthritis"} <= set(re.findall(r'value="([^"]+)"', groups[1][1]))
    # A coordinator sees the panel but not the form.
    coordinator_page = client_for("coordinator").get(f"/episodes/{episode_id}")
    assert "No care plan for this episode yet." in _section(coordinator_page, "care-plan")
    assert 'action="/episodes/%d/plans"' % episode_id not in coordinator_page.text


def test_a_clinician_builds_the_j1_plan_and_sees_the_step_and_the_blocks_readiness(client_for, patient_payload, journey, db):
    episode_id = _episode(client_for, patient_payload)
    clinician = client_for("clinician")
    built = clinician.post(f"/episodes/{episode_id}/plans", data=BUILD, follow_redirects=False)
    assert built.status_code == 303 and built.headers["location"] == f"/episodes/{episode_id}#care-plan"
    assert _counts(db) == (1, 1, 1)

    page = clinician.get(f"/episodes/{episode_id}")
    panel = _section(page, "care-plan")
    assert "Cervical radiculopathy" in panel
    assert "Back to ladder work (NDI, target 10)" in panel and "Sleep through the night" in panel
    assert "Now: Six-week structured program" in panel
    assert "Started Thu 08 Jan 2026; the trial ends Thu 19 Feb 2026." in panel and "Day 1 of 42" in panel
    assert "PT protocol: Cervical radiculopathy - traction and nerve glides" in panel
    assert "Not measurable yet NDI 21 at the start: no score since 8 Jan" in panel
    assert "The trial runs until 19 Feb; judge it then." in panel
    assert "If it does not: Selective nerve root block" in panel and "If it works: Maintain" in panel
    # The authorizations slice's own line for the block's case, prepared since day one, linking to the case.
    with db.session() as session:
        case = session.scalars(select(AuthorizationCase)).one()
        assert (case.procedure_id, case.state, case.side, case.levels, case.place_of_service) == (
            "tfesi_cervical", "preparing", "right", ["C5-6"], "24")
        case_id = case.id
    block = "Cervical transforaminal epidural steroid injection (selective nerve root block)"
    readiness = re.search(rf"Authorization: {re.escape(block)} ?: (needs [^;]+ for BCBS commercial; \d+ of \d+ kit items ready)", panel)
    assert readiness, panel
    assert "home exercise program" in readiness.group(1)
    # The same line as the authorizations panel's own for the case, linking to it.
    assert readiness.group(1) in _section(page, "authorizations")
    assert f'<a href="/authorizations/{case_id}">' in page.text[page.text.index('id="plan-authorization-readiness"'):]

    # With the home exercise handout filed in the kit, the block is eligible when the six weeks are up.
    _ok(client_for("coordinator").post(f"/api/authorizations/{case_id}/documents", json={
        "kind": "home_exercise_program", "title": "Home traction and nerve glides handout", "document_date": "2026-01-08"}), 201)
    page = clinician.get(f"/episodes/{episode_id}")
    panel = _section(page, "care-plan")
    ready = re.search(rf"Authorization: {re.escape(block)} ?: eligible on 19 Feb under BCBS commercial; (\d+) of (\d+) kit items ready", panel)
    assert ready, panel
    assert f'href="/episodes/{episode_id}/plan.pdf"' in page.text and f'href="/episodes/{episode_id}/plan.ics"' in page.text
    # The plan is active: no second build form, but the pivot form.
    assert 'id="plan-build"' not in page.text and 'id="plan-pivot"' in page.text

    # Two weeks in: day 15 of 42.
    journey.move_to(DAY_15)
    assert "Day 15 of 42" in _section(clinician.get(f"/episodes/{episode_id}"), "care-plan")


def test_after_six_weeks_the_page_proposes_the_block_and_the_confirm_form_starts_it(client_for, patient_payload, journey, db):
    episode_id = _episode(client_for, patient_payload)
    clinician = client_for("clinician")
    assert clinician.post(f"/episodes/{episode_id}/plans", data=BUILD, follow_redirects=False).status_code == 303
    first = _step_row(db, episode_id)

    journey.move_to(TRIAL_ENDS)
    _ndi(clinician, episode_id, [1, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-02-19T09:30:00")
    _pain(clinician, episode_id, "follow_up", "2026-02-19", 6)
    panel = _section(clinician.get(f"/episodes/{episode_id}"), "care-plan")
    assert "Day 42 of 42 (the trial has ended)" in panel
    assert "Not met Pain 6/10 on 19 Feb, needs 4 or less" in panel
    assert "Not met NDI 21 → 19: improved 2, needs 5 (its minimal important change)" in panel
    assert "Proposal: Not met: next, Selective nerve root block." in panel
    assert "Confirm: Selective nerve root block" in panel

    # A stale version is refused (409), nothing moves.
    stale = clinician.post(f"/plan-steps/{first.id}/confirm", data={"version": str(first.version + 1), "outcome": "failed"})
    assert stale.status_code == 409 and "The outcome was not recorded" in stale.text
    assert "changed by someone else" in _section(stale, "care-plan")
    assert _step_row(db, episode_id).step_id == "structured_program"

    confirmed = clinician.post(f"/plan-steps/{first.id}/confirm", follow_redirects=False,
                               data={"version": str(first.version), "outcome": "failed", "note": "Agreed with the patient: the block"})
    assert confirmed.status_code == 303
    current = _step_row(db, episode_id)
    assert (current.step_id, current.started_on.isoformat()) == ("cervical_block", "2026-02-19")
    with db.session() as session:
        decided = session.get(PlanStep, first.id)
        assert (decided.status, decided.outcome_note) == ("failed", "Agreed with the patient: the block")
    panel = _section(clinician.get(f"/episodes/{episode_id}"), "care-plan")
    assert "Now: Selective nerve root block" in panel and "Day 1 of 14" in panel
    assert "Six-week structured program: Did not work, from 08 Jan 2026 Agreed with the patient: the block" in panel
    assert _counts(db)[2] == 1  # the block goes on with the case prepared since 8 Jan


def test_the_pivot_form_changes_pathway_keeps_the_goals_and_withdraws_the_prepared_case(client_for, patient_payload, journey, db):
    episode_id = _episode(client_for, patient_payload)
    clinician = client_for("clinician")
    assert clinician.post(f"/episodes/{episode_id}/plans", data=BUILD, follow_redirects=False).status_code == 303
    plan = _plan_row(db, episode_id)

    missing = clinician.post(f"/plans/{plan.id}/pivot", data={"version": str(plan.version), "pathway_id": "knee_osteoarthritis", "reason": ""})
    assert missing.status_code == 422 and "The pathway was not changed" in missing.text
    assert _field_errors(missing, "pivot-reason") == ["This is required"]
    assert _plan_row(db, episode_id).pathway_id == "cervical_radiculopathy"

    pivoted = clinician.post(f"/plans/{plan.id}/pivot", follow_redirects=False,
                             data={"version": str(plan.version), "pathway_id": "knee_osteoarthritis", "reason": PIVOT_REASON})
    assert pivoted.status_code == 303
    new = _plan_row(db, episode_id)
    assert new.pathway_id == "knee_osteoarthritis" and [g["text"] for g in new.goals] == ["Back to ladder work", "Sleep through the night"]
    with db.session() as session:
        old = session.get(CarePlan, plan.id)
        assert (old.status, old.end_reason, old.pivoted_to_id) == ("pivoted", PIVOT_REASON, new.id)
        block = session.scalars(select(AuthorizationCase).where(AuthorizationCase.procedure_id == "tfesi_cervical")).one()
        assert (block.state, block.closed_reason) == ("withdrawn", f"Plan changed: {PIVOT_REASON}")
    panel = _section(clinician.get(f"/episodes/{episode_id}"), "care-plan")
    assert "Knee osteoarthritis" in panel and "Back to ladder work" in panel


def test_a_refused_build_form_is_shown_again_with_each_problem_next_to_its_field_and_nothing_saved(client_for, patient_payload, journey, db):
    episode_id = _episode(client_for, patient_payload)
    clinician = client_for("clinician")
    bad = {**BUILD, "pathway_id": "", "goal_text_2": "", "goal_measure_2": "ndi", "goal_target_3": "lots", "goal_text_3": "Lift the grandchild"}
    refused = clinician.post(f"/episodes/{episode_id}/plans", data=bad)
    assert refused.status_code == 422
    assert "The plan was not started" in refused.text
    assert _field_errors(refused, "pathway_id") == ["This is required"]
    assert _field_errors(refused, "goal_text_2") == ["Say the goal in words (the measure and target are optional)"]
    assert _field_errors(refused, "goal_target_3") == ["Enter a number"]
    # The typed values are kept.
    assert 'value="Back to ladder work"' in refused.text and 'value="Lift the grandchild"' in refused.text
    assert _counts(db) == (0, 0, 0)

    unknown = clinician.post(f"/episodes/{episode_id}/plans", data={**BUILD, "pathway_id": "no_such_pathway"})
    assert unknown.status_code == 422 and "No pathway 'no_such_pathway'" in _section(unknown, "care-plan")
    wrong_step = clinician.post(f"/episodes/{episode_id}/plans", data={**BUILD, "first_step_id": "hip_xray"})
    assert wrong_step.status_code == 422 and _field_errors(wrong_step, "first_step_id")
    assert _counts(db) == (0, 0, 0)

    assert clinician.post(f"/episodes/{episode_id}/plans", data=BUILD, follow_redirects=False).status_code == 303
    again = clinician.post(f"/episodes/{episode_id}/plans", data=BUILD)
    assert again.status_code == 409 and "already has an active plan" in again.text
    assert _counts(db) == (1, 1, 1)


@pytest.mark.parametrize("role", ["coordinator", "nurse", "therapist", "billing"])
def test_roles_without_plan_write_are_refused_every_plan_form(client_for, patient_payload, journey, db, role):
    episode_id = _episode(client_for, patient_payload)
    assert client_for(role).post(f"/episodes/{episode_id}/plans", data=BUILD).status_code == 403
    assert _counts(db) == (0, 0, 0)
    assert client_for("clinician").post(f"/episodes/{episode_id}/plans", data=BUILD, follow_redirects=False).status_code == 303
    step, plan = _step_row(db, episode_id), _plan_row(db, episode_id)
    other = client_for(role)
    assert other.post(f"/plan-steps/{step.id}/confirm", data={"version": str(step.version), "outcome": "failed"}).status_code == 403
    assert other.post(f"/plans/{plan.id}/pivot", data={"version": str(plan.version), "pathway_id": "knee_osteoarthritis",
                                                       "reason": "x"}).status_code == 403
    assert _step_row(db, episode_id).status == "active" and _plan_row(db, episode_id).pathway_id == "cervical_radiculopathy"


def test_a_goal_read_on_a_measure_without_a_target_shows_on_the_episode_page(client_for, patient_payload, journey):
    """A goal may name its measure and leave the target to the next visit; the panel must still render."""
    episode_id = _episode(client_for, patient_payload)
    clinician = client_for("clinician")
    _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={
        "pathway_id": "cervical_radiculopathy", "goals": [{"text": "Sleep through the night", "measure": "sleep_hours"}]}), 201)
    page = clinician.get(f"/episodes/{episode_id}")
    assert page.status_code == 200, page.text[-500:]
    assert "Sleep through the night (sleep hours)" in _section(page, "care-plan")
