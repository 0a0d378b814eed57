"""A payer's new policy version, loaded beside the current one before it takes effect: the open cases whose
eligibility date it moves are listed with the old and new dates (and no other case), and on the effective date
each of them gets a coordinator task citing the change, met when the coordinator marks the case reviewed.

The clinic's own payer (Acme Commercial, in a clinic pack directory) asks for 4 weeks of failed conservative care
and 3 months of pain before a lumbar transforaminal epidural; its version from 1 Jan 2027 asks for 6 weeks. Today
is Monday 7 Dec 2026 in Chicago. The dates are counted by hand from the care start dates below (4 weeks after
1 Dec is 29 Dec; 6 weeks is 12 Jan), not read from our output.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from authorization_setup import new_episode, open_case
from painpath.authorizations import policy_change_service as changes
from painpath.authorizations.criteria import find_policy
from painpath.cli import app as cli_app
from painpath.knowledge import PackError, load_knowledge
from painpath.worklist.models import Task
from painpath.worklist.review import review_due
from support import page_text

TODAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Monday 7 Dec 2026, 10:00 in Chicago
EFFECTIVE = date(2027, 1, 1)
ON_THE_DAY = datetime(2027, 1, 1, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago on the effective date

HEADER = {"kind": "authorization_policy", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"}
ACME = {
    "id": "acme_commercial", "name": "Acme Commercial", "plan_type": "commercial",
    "decision_clock": {
        "standard": {"amount": 15, "unit": "calendar_days", "source": "contract 4.2", "evidence": "K", "verified": False},
        "expedited": {"amount": 72, "unit": "hours", "source": "contract 4.3", "evidence": "K", "verified": False},
    },
    "business_calendar": {"veterans_day_is_business_day": True, "reason": "private insurer"},
}
CURRENT: dict[str, Any] = {
    "id": "acme_lumbar_tfesi",
    "name": "Acme commercial: lumbar TFESI",
    "payers": ["acme_commercial"],
    "procedures": ["tfesi_lumbar"],
    "effective_from": "2026-01-01",
    "authorization_required": {"rule": "always", "note": "Acme reviews it.", "source": "Acme policy 12", "evidence": "V", "verified": True},
    "criteria": [
        {"id": "pain_3_months", "type": "pain_duration", "label": "Pain for at least 3 months", "min": {"months": 3},
         "source": "Acme policy 12 section 3", "evidence": "V", "verified": True},
        {"id": "conservative_care", "type": "conservative_care", "label": "At least 4 weeks of failed conservative care",
         "min": {"weeks": 4}, "source": "Acme policy 12 section 4", "evidence": "V", "verified": True},
    ],
}


def lengthened(**changes_: Any) -> dict[str, Any]:
    """The 2027 version: the same policy, 6 weeks of conservative care."""
    new = copy.deepcopy(CURRENT)
    new["effective_from"] = EFFECTIVE.isoformat()
    new["criteria"][1].update(label="At least 6 weeks of failed conservative care", min={"weeks": 6},
                              source="Acme policy 12 (2027 revision) section 4")
    new.update(changes_)
    return new


def write_pack(path: Path, pack_id: str, *policies: dict[str, Any], **header: Any) -> Path:
    path.write_text(yaml.safe_dump({"pack": {**HEADER, "id": pack_id, **header}, "policies": list(policies)}, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture
def clinic_packs(tmp_path: Path) -> Path:
    """The clinic's pack directory: its payer, the current policy and the 2027 version beside it."""
    folder = tmp_path / "clinic_packs"
    folder.mkdir()
    (folder / "acme_payer.yaml").write_text(yaml.safe_dump({"pack": {**HEADER, "id": "clinic.payers", "kind": "payers"},
                                                            "payers": [ACME]}, sort_keys=False), encoding="utf-8")
    write_pack(folder / "acme_policies.yaml", "clinic.acme_policies", CURRENT)
    write_pack(folder / "acme_policies_2027.yaml", "clinic.acme_policies_2027", lengthened(), version=2, effective_date="2027-01-01")
    return folder


@pytest.fixture
def settings(settings, clinic_packs):  # noqa: ANN001, ANN201 - conftest's, with the clinic's packs
    settings.extra_pack_dirs = [clinic_packs]
    return settings


# Loading beside the current version ------------------------------------------------------------------------

def test_the_new_version_loads_beside_the_current_one_and_is_chosen_by_the_day(clinic_packs: Path) -> None:
    knowledge = load_knowledge([clinic_packs])
    before = find_policy(knowledge, "acme_commercial", "tfesi_lumbar", EFFECTIVE - timedelta(days=1))
    after = find_policy(knowledge, "acme_commercial", "tfesi_lumbar", EFFECTIVE)
    assert (before.criteria[1].min.weeks, before.effective_to) == (4, date(2026, 12, 31))
    assert (after.criteria[1].min.weeks, after.effective_from) == (6, EFFECTIVE)
    assert knowledge.policy_on("acme_lumbar_tfesi", date(2026, 12, 31)) is before


def test_a_version_starting_on_the_same_day_is_still_a_clash(clinic_packs: Path) -> None:
    write_pack(clinic_packs / "acme_policies_2027.yaml", "clinic.acme_policies_2027", lengthened(effective_from="2026-01-01"))
    with pytest.raises(PackError) as refused:
        load_knowledge([clinic_packs])
    assert refused.value.path == "policies[0].id" and "duplicate policies entry id 'acme_lumbar_tfesi'" in refused.value.message


def test_a_draft_is_read_but_never_decides(clinic_packs: Path) -> None:
    write_pack(clinic_packs / "acme_policies_2027.yaml", "clinic.acme_policies_2027", lengthened(), status="draft")
    knowledge = load_knowledge([clinic_packs])
    assert find_policy(knowledge, "acme_commercial", "tfesi_lumbar", date(2027, 3, 1)).criteria[1].min.weeks == 4
    assert [p.header.id for p in knowledge.draft_packs] == ["clinic.acme_policies_2027"]
    previewed = load_knowledge([clinic_packs], drafts=[clinic_packs / "acme_policies_2027.yaml"])
    assert find_policy(previewed, "acme_commercial", "tfesi_lumbar", date(2027, 3, 1)).criteria[1].min.weeks == 6


# The open cases it changes, and the tasks on the day -------------------------------------------------------

LUMBAR = {"problem_summary": "Low back pain down the left leg", "body_region": "lumbar", "laterality": "left",
          "icd10_codes": ["M54.16"]}
ACME_CARD = {"payer_id": "acme_commercial", "member_id": "ACM-1", "effective_from": "2026-01-01"}
AETNA_CARD = {"payer_id": "aetna_commercial", "member_id": "W123", "effective_from": "2026-01-01"}
TFESI = {"procedure_id": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L5-S1"]}
ILESI = {"procedure_id": "ilesi_lumbar", "cpt_codes": ["62323"], "levels": ["L5-S1"]}


def _case(ctx, client_for, patient_payload, n: int, *, onset: str, care_from: str, card: dict, request: dict) -> dict:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient = {**patient_payload, "mrn": f"MRN-PC-{n}", "given_name": f"Pat{chr(64 + n)}"}
    episode_id = new_episode(coordinator, patient, {**LUMBAR, "onset_date": onset}, {**card, "member_id": f"M-{n}"})
    care = {"kind": "physical_therapy", "start_date": care_from, "source": "reported", "description": "PT twice a week", "failed": "yes"}
    assert clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care).status_code == 201
    return open_case(coordinator, episode_id, **request)


@pytest.fixture
def cases(ctx, client_for, patient_payload, staff) -> dict[str, dict]:  # noqa: ANN001
    ctx.settings.session_hours = 24 * 60  # the clock moves to January; stay signed in
    with time_machine.travel(TODAY, tick=False):
        made = {
            # Changed: care from 1 Dec (4 weeks: 29 Dec; 6 weeks: 12 Jan), from 20 Nov (18 Dec; 1 Jan).
            "from_1_dec": _case(ctx, client_for, patient_payload, 1, onset="2026-06-01", care_from="2026-12-01", card=ACME_CARD, request=TFESI),
            "from_20_nov": _case(ctx, client_for, patient_payload, 2, onset="2026-06-01", care_from="2026-11-20", card=ACME_CARD, request=TFESI),
            # Not changed: another payer; another procedure (Acme's plan type policy decides it); care long enough
            # under both; the date fixed by 3 months of pain (onset 20 Nov: 20 Feb) whichever the care rule; six
            # weeks reached (13 Dec) before the change takes effect; and a case already submitted.
            "aetna": _case(ctx, client_for, patient_payload, 3, onset="2026-06-01", care_from="2026-12-01", card=AETNA_CARD, request=TFESI),
            "ilesi": _case(ctx, client_for, patient_payload, 4, onset="2026-06-01", care_from="2026-12-01", card=ACME_CARD, request=ILESI),
            "long_care": _case(ctx, client_for, patient_payload, 5, onset="2026-06-01", care_from="2026-09-01", card=ACME_CARD, request=TFESI),
            "pain_decides": _case(ctx, client_for, patient_payload, 6, onset="2026-11-20", care_from="2026-11-23", card=ACME_CARD, request=TFESI),
            "six_weeks_in_december": _case(ctx, client_for, patient_payload, 7, onset="2026-06-01", care_from="2026-11-01", card=ACME_CARD, request=TFESI),
            "submitted": _case(ctx, client_for, patient_payload, 8, onset="2026-06-01", care_from="2026-11-01", card=ACME_CARD, request=TFESI),
        }
        sent = client_for("coordinator").post(f"/api/authorizations/{made['submitted']['id']}/submit",
                                              json={"channel": "fax", "version": made["submitted"]["version"]})
        assert sent.status_code == 200, sent.text
    assert made["from_1_dec"]["decision"]["eligible_on"] == "2026-12-29"  # the current rule, as the case page says
    return made


def _impact(ctx, today: date):  # noqa: ANN001
    with ctx.db.session() as session:
        found = changes.impact(session, knowledge=ctx.knowledge, calendar=ctx.calendar,
                               changes=changes.version_changes(ctx.knowledge, starting_after=today),
                               cases=changes.clinic_open_cases(session, clinic_id=None), today=today)
        return {(r.change.new.id, row.case.id): (row.difference.eligible_before, row.difference.eligible_after, row.difference.words)
                for r in found for row in r.cases}


def _policy_change_tasks(ctx) -> dict[int, Task]:  # noqa: ANN001
    with ctx.db.session() as session:
        tasks = list(session.scalars(select(Task).where(Task.kind == "authorizations.policy-change")))
        for task in tasks:
            session.expunge(task)
    return {task.evidence["case_id"]: task for task in tasks}


def test_the_lengthened_care_period_lists_exactly_the_cases_whose_date_moves_and_tasks_them_on_the_day(ctx, cases, client_for):  # noqa: ANN001
    ids = {name: case["id"] for name, case in cases.items()}
    with time_machine.travel(TODAY, tick=False):
        listed = _impact(ctx, date(2026, 12, 7))
        assert {case_id: dates[:2] for (_policy, case_id), dates in listed.items()} == {
            ids["from_1_dec"]: (date(2026, 12, 29), date(2027, 1, 12)),
            ids["from_20_nov"]: (date(2026, 12, 18), date(2027, 1, 1)),
        }
        assert listed[("acme_lumbar_tfesi", ids["from_1_dec"])][2][0] == "Projected eligibility date: Tue 29 Dec 2026 → Tue 12 Jan 2027"

        # The page shows the same, each case linked; before the effective date nobody has a task.
        page = client_for("coordinator").get("/payer-policy-changes")
        assert page.status_code == 200, page.text
        text = page_text(page.text)
        assert "Acme commercial: lumbar TFESI" in text and "from Fri 01 Jan 2027" in text
        assert "At least 6 weeks of failed conservative care (was: At least 4 weeks of failed conservative care)" in text
        linked = {int(n) for n in re.findall(r'href="/authorizations/(\d+)"', page.text)}
        assert linked == {ids["from_1_dec"], ids["from_20_nov"]}
        assert "Tue 29 Dec 2026" in text and "Tue 12 Jan 2027" in text
        review_due(ctx)
        assert _policy_change_tasks(ctx) == {}

    with time_machine.travel(ON_THE_DAY, tick=False):
        review_due(ctx)
        tasks = _policy_change_tasks(ctx)
        assert set(tasks) == {ids["from_1_dec"], ids["from_20_nov"]}
        task = tasks[ids["from_1_dec"]]
        assert (task.status, task.owner_role) == ("open", "coordinator")
        assert task.key == f"auth:policy-change:acme_lumbar_tfesi@2027-01-01:case:{ids['from_1_dec']}"
        assert task.due_at == datetime(2027, 1, 2, 5, 59, 59)  # the close of 1 Jan in Chicago, as UTC
        assert "from Fri 01 Jan 2027" in task.reason and "At least 6 weeks of failed conservative care" in task.reason
        assert "Tue 12 Jan 2027" in task.reason
        assert (task.evidence["eligible_before"], task.evidence["eligible_after"]) == ("2026-12-31", "2027-01-12")

        # Marked reviewed on the case page: the task is met; the history says so.
        coordinator = client_for("coordinator")
        marked = coordinator.post(f"/authorizations/{ids['from_1_dec']}/policy-change-reviewed",
                                  data={"change": "acme_lumbar_tfesi@2027-01-01"}, follow_redirects=False)
        assert marked.status_code == 303, marked.text
        tasks = _policy_change_tasks(ctx)
        assert tasks[ids["from_1_dec"]].status == "met" and tasks[ids["from_20_nov"]].status == "open"
        assert "Payer policy change reviewed" in page_text(coordinator.get(f"/authorizations/{ids['from_1_dec']}").text)

        # Withdrawn: its task closes as no longer required.
        case = coordinator.get(f"/api/authorizations/{ids['from_20_nov']}").json()
        withdrawn = coordinator.post(f"/api/authorizations/{case['id']}/step", json={"action": "withdraw", "note": "Patient chose to wait", "version": case["version"]})
        assert withdrawn.status_code == 200, withdrawn.text
        assert _policy_change_tasks(ctx)[ids["from_20_nov"]].status == "cancelled"


def test_packs_diff_on_the_command_line(ctx, cases, settings, clinic_packs, monkeypatch):  # noqa: ANN001
    for name, value in {"PAINPATH_DATABASE_URL": settings.database_url, "PAINPATH_SECRET_KEY": settings.secret_key,
                        "PAINPATH_DEMO_MODE": "0", "PAINPATH_QUEUE_URL": settings.queue_url,
                        "PAINPATH_EXTRA_PACK_DIRS": f'["{clinic_packs}"]'}.items():
        monkeypatch.setenv(name, value)
    from painpath.core.config import get_settings

    get_settings.cache_clear()
    try:
        with time_machine.travel(TODAY, tick=False):
            result = CliRunner().invoke(cli_app, ["packs", "diff", str(clinic_packs / "acme_policies.yaml"),
                                                  str(clinic_packs / "acme_policies_2027.yaml")], terminal_width=200)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Acme commercial: lumbar TFESI from Fri 01 Jan 2027" in out
    assert "Changed requirement: At least 6 weeks of failed conservative care (was: At least 4 weeks of failed conservative care)" in out
    assert "2 open case(s) change" in out
    assert f"case {cases['from_1_dec']['id']}:" in out and "eligible Tue 29 Dec 2026 -> Tue 12 Jan 2027" in out
    assert f"case {cases['from_20_nov']['id']}:" in out and "eligible Fri 18 Dec 2026 -> Fri 01 Jan 2027" in out
    assert f"case {cases['aetna']['id']}:" not in out


def test_packs_diff_names_the_field_of_a_bad_pack(tmp_path: Path) -> None:
    bad = lengthened()
    bad["criteria"][1]["min"] = {"weeks": 6, "days": 2}
    new = write_pack(tmp_path / "new.yaml", "clinic.new", bad)
    old = write_pack(tmp_path / "old.yaml", "clinic.old", CURRENT)
    result = CliRunner().invoke(cli_app, ["packs", "diff", str(old), str(new), "--no-cases"])
    assert result.exit_code == 2
    assert "policies[0].criteria[1]" in result.output and "exactly one of days, weeks, months" in result.output


# A clinic's draft, previewed on the page ---------------------------------------------------------------------

@pytest.fixture
def only_the_current_version(clinic_packs: Path) -> None:
    """The clinic has not loaded the 2027 version: it previews it as a draft."""
    (clinic_packs / "acme_policies_2027.yaml").unlink()


def _draft_text(policy: dict[str, Any]) -> bytes:
    pack = {"pack": {**HEADER, "id": "clinic.acme_draft", "version": 2, "effective_date": "2027-01-01", "status": "draft"},
            "policies": [policy]}
    return yaml.safe_dump(pack, sort_keys=False).encode("utf-8")


def test_a_draft_uploaded_on_the_page_is_previewed_kept_when_asked_and_never_decides(only_the_current_version, ctx, cases, client_for):  # noqa: ANN001
    from painpath.authorizations.models import PayerPolicyDraft

    ids = {name: case["id"] for name, case in cases.items()}
    coordinator = client_for("coordinator")
    bad = lengthened()
    bad["criteria"][1]["min"] = {"weeks": 6, "days": 2}
    with time_machine.travel(TODAY, tick=False):
        refused = coordinator.post("/payer-policy-changes/preview", files={"draft": ("acme_2027.yaml", _draft_text(bad), "application/x-yaml")},
                                   data={"keep": "true"})
        assert refused.status_code == 422
        said = page_text(refused.text)
        assert "policies[0].criteria[1].conservative_care.min" in said and "exactly one of days, weeks, months" in said
        with ctx.db.session() as session:
            assert session.scalars(select(PayerPolicyDraft)).all() == []

        shown = coordinator.post("/payer-policy-changes/preview", files={"draft": ("acme_2027.yaml", _draft_text(lengthened()), "application/x-yaml")},
                                 data={"keep": "true"})
        assert shown.status_code == 200, page_text(shown.text)[-2000:]
        preview = shown.text.split("Coming and recent versions")[0]
        assert {int(n) for n in re.findall(r'href="/authorizations/(\d+)"', preview)} == {ids["from_1_dec"], ids["from_20_nov"]}
        assert "Tue 29 Dec 2026 → Tue 12 Jan 2027" in page_text(preview)

        # Kept: colleagues see it on the page; it decides nothing (the case still reads the 4-week rule).
        page = coordinator.get("/payer-policy-changes")
        drafts = page.text.split("The clinic's drafts")[1]
        assert {int(n) for n in re.findall(r'href="/authorizations/(\d+)"', drafts)} == {ids["from_1_dec"], ids["from_20_nov"]}
        assert coordinator.get(f"/api/authorizations/{ids['from_1_dec']}").json()["decision"]["eligible_on"] == "2026-12-29"
        with time_machine.travel(ON_THE_DAY, tick=False):
            review_due(ctx)
        assert _policy_change_tasks(ctx) == {}
