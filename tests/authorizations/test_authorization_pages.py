"""The authorization pages: the board by state with what each case waits for, the case page with the
engine's criteria and every action form, the line and the open form on the episode page, and who may
do what. Facts are recorded through the API (as the other slices' pages would), the pages are read as HTML.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from authorization_setup import MONDAY_7_DEC_2026, facet_episode, frozen_clock, record_block
from painpath.authorizations.models import AuthorizationCase, CaseDocument

from support import small_pdf

RFA_FORM = {"procedure_id": "rfa_lumbar", "cpt_codes": "64635, 64636", "side": "bilateral", "levels": "L4-5, L5-S1",
            "place_of_service": "22", "units_requested": "1", "planned_on": "", "priority": "standard"}


clock = frozen_clock(MONDAY_7_DEC_2026)


def _episode(client_for, patient_payload, *reliefs: tuple[str, float], mrn: str = "MRN-1001", given: str = "Dana") -> int:  # noqa: ANN001
    """J6's Medicare facet episode for a new patient, with a medial branch block for each (date, relief %)."""
    clinician = client_for("clinician")
    episode_id = facet_episode(client_for("coordinator"), clinician, {**patient_payload, "mrn": mrn, "given_name": given})
    for on, relief in reliefs:
        record_block(clinician, episode_id, on, relief)
    return episode_id


@pytest.fixture
def eligible_episode(client_for, patient_payload, clock) -> int:
    return _episode(client_for, patient_payload, ("2026-10-01", 85), ("2026-10-16", 82))


@pytest.fixture
def blocked_episode(client_for, patient_payload, clock) -> int:
    return _episode(client_for, patient_payload, ("2026-10-01", 85), ("2026-10-20", 78), mrn="MRN-2002", given="Rosa")


def _open(client, episode_id: int, **changes: str) -> int:  # noqa: ANN001
    answer = client.post(f"/episodes/{episode_id}/authorizations", data={**RFA_FORM, **changes}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    match = re.search(r"#authorization-(\d+)$", answer.headers["location"])
    assert match and answer.headers["location"].startswith(f"/episodes/{episode_id}")
    return int(match.group(1))


def _text(page) -> str:  # noqa: ANN001
    """The page's text with tags and runs of whitespace collapsed, for reading sentences."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _section(page, ident: str) -> str:  # noqa: ANN001
    start = page.text.index(f'id="{ident}"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text[start:page.text.index("</section>", start)])))


def _case(db, case_id: int) -> AuthorizationCase:  # noqa: ANN001
    with db.session() as session:
        found = session.get(AuthorizationCase, case_id)
        session.expunge(found)
        return found


def _post(client, case_id: int, what: str, db, **data: str):  # noqa: ANN001, ANN202
    version = _case(db, case_id).version
    return client.post(f"/authorizations/{case_id}/{what}", data={"version": str(version), **data}, follow_redirects=False)


# The case page ---------------------------------------------------------------------------------

def test_case_page_explains_why_85_and_78_percent_blocks_are_not_enough(client_for, blocked_episode, db):
    coordinator = client_for("coordinator")
    case_id = _open(coordinator, blocked_episode)
    page = coordinator.get(f"/authorizations/{case_id}")
    assert page.status_code == 200
    criteria = _section(page, "criteria")
    assert "Not eligible" in criteria
    row = re.search(r'<tr class="criterion criterion-not_met" id="criterion-[^"]+">(.*?)</tr>', page.text, re.S)
    assert row is not None, "the diagnostic blocks row is shown as not met"
    row_text = html.unescape(re.sub(r"<[^>]+>", " ", row.group(1)))
    assert "Not met" in row_text and "78%" in row_text and "80%" in row_text
    text = _text(page)
    assert "Lumbar radiofrequency ablation of the medial branches" in text
    assert "64635" in text and "Medicare" in text and "Preparing" in text
    # Mark ready is refused while a criterion is not met: 409, the criterion named, nothing moved.
    refused = _post(coordinator, case_id, "step", db, action="mark_ready")
    assert refused.status_code == 409
    assert "That was not saved" in refused.text and "78%" in _section(refused, "case-errors")
    assert _case(db, case_id).state == "preparing"


def test_case_page_shows_met_criteria_and_the_kit_for_an_eligible_case(client_for, eligible_episode, ctx, db):
    coordinator = client_for("coordinator")
    case_id = _open(coordinator, eligible_episode)
    page = coordinator.get(f"/authorizations/{case_id}")
    assert page.status_code == 200
    assert 'criterion-not_met' not in page.text and 'criterion-missing_evidence' not in page.text
    assert page.text.count('class="criterion criterion-met"') >= 3
    assert "Eligible now" in _section(page, "criteria")
    kit = _section(page, "kit")
    ready, items = map(int, re.search(r"(\d+) of (\d+) kit items ready", kit).groups())
    assert ready == items > 0
    # Rules awaiting clinical confirmation are marked in words, for clinicians and admins only; no evidence tags.
    policy = ctx.knowledge.policies[_case(db, case_id).policy_id]
    unverified = {c.id for c in policy.criteria if not c.verified}
    assert "pending clinical review" not in page.text and "unverified" not in page.text
    clinician = client_for("clinician").get(f"/authorizations/{case_id}").text
    shown = [c for c in unverified if f'id="criterion-{c}"' in clinician]
    assert clinician.count("pending clinical review") == len(shown)
    # The episode page says the same thing in one line, with the payer.
    episode = _text(coordinator.get(f"/episodes/{eligible_episode}"))
    assert re.search(rf"Lumbar radiofrequency ablation of the medial branches ?: eligible now under Medicare[^;]*; {ready} of {items} kit items ready", episode), episode


# Every action, refused first (nothing changes), then done --------------------------------------

def test_every_action_form_works_and_a_refused_one_shows_the_field_problem(client_for, eligible_episode, db, clock):
    coordinator = client_for("coordinator")
    case_id = _open(coordinator, eligible_episode)

    refused = _post(coordinator, case_id, "submit", db, channel="", reference="")
    assert refused.status_code == 422
    assert re.search(r'has-error[^>]*>\s*<label for="f-submit-channel">Sent by', refused.text)
    assert _case(db, case_id).state == "preparing"

    stale = coordinator.post(f"/authorizations/{case_id}/submit", data={"version": "99", "channel": "fax"}, follow_redirects=False)
    assert stale.status_code == 409 and "changed by someone else" in stale.text

    assert _post(coordinator, case_id, "planned-date", db, planned_on="2026-12-21").status_code == 303
    assert str(_case(db, case_id).planned_on) == "2026-12-21"

    pdf = small_pdf("Letter of medical necessity")
    not_pdf = coordinator.post(f"/authorizations/{case_id}/documents", data={"kind": "other", "title": "Letter", "document_date": "2026-12-01"},
                               files={"content": ("letter.txt", b"hello", "text/plain")}, follow_redirects=False)
    assert not_pdf.status_code == 422 and "is not a PDF" in not_pdf.text
    fake_pdf = coordinator.post(f"/authorizations/{case_id}/documents", data={"kind": "other", "title": "Letter", "document_date": "2026-12-01"},
                                files={"content": ("letter.pdf", b"%PDF-1.4 not really", "application/pdf")}, follow_redirects=False)
    assert fake_pdf.status_code == 422 and "is not a PDF that can be opened" in fake_pdf.text
    added = coordinator.post(f"/authorizations/{case_id}/documents", data={"kind": "other", "title": "Letter of medical necessity",
                                                                           "document_date": "2026-12-01"},
                             files={"content": ("letter.pdf", pdf, "application/pdf")}, follow_redirects=False)
    assert added.status_code == 303, added.text
    with db.session() as session:
        docs = list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id)))
    assert [(d.title, d.content) for d in docs] == [("Letter of medical necessity", pdf)]

    assert _post(coordinator, case_id, "step", db, action="mark_ready").status_code == 303
    assert _case(db, case_id).state == "ready"
    assert _post(coordinator, case_id, "submit", db, channel="fax", reference="FX-1234").status_code == 303
    assert _case(db, case_id).state == "submitted"

    past = _post(coordinator, case_id, "pend", db, request="Send the block reports", due_at="2026-12-01T09:00")
    assert past.status_code == 422 and re.search(r'has-error[^>]*>\s*<label for="f-pend-due"', past.text)
    assert _case(db, case_id).state == "submitted"
    assert _post(coordinator, case_id, "pend", db, request="Send the block reports", due_at="2026-12-10T17:00").status_code == 303
    assert _text(coordinator.get(f"/authorizations/{case_id}")).count("Information due by Thu 10 Dec 17:00") == 1
    assert _post(coordinator, case_id, "step", db, action="answer_pend").status_code == 303

    no_reason = _post(coordinator, case_id, "decision", db, outcome="deny")
    assert no_reason.status_code == 422 and re.search(r'has-error[^>]*>\s*<label for="f-decision-reason"', no_reason.text)
    assert _case(db, case_id).state == "submitted"
    assert _post(coordinator, case_id, "decision", db, outcome="deny", denial_reason="Blocks not documented",
                 denial_code="N1").status_code == 303

    no_time = _post(coordinator, case_id, "step", db, action="schedule_peer_to_peer", at="")
    assert no_time.status_code == 422 and re.search(r'has-error[^>]*>\s*<label for="f-schedule_peer_to_peer-at"', no_time.text)
    assert _post(coordinator, case_id, "step", db, action="schedule_peer_to_peer", at="2026-12-10T14:00").status_code == 303
    assert "Peer-to-peer Thu 10 Dec 14:00" in _text(coordinator.get(f"/authorizations/{case_id}"))
    assert _post(coordinator, case_id, "step", db, action="appeal", at="").status_code == 303
    assert _case(db, case_id).state == "appealed"

    missing = _post(coordinator, case_id, "decision", db, outcome="approve", authorization_number="A-77")
    assert missing.status_code == 422 and re.search(r'has-error[^>]*>\s*<label for="f-decision-units"', missing.text)
    assert _post(coordinator, case_id, "decision", db, outcome="approve", authorization_number="A-77", approved_units="1",
                 approved_from="2026-12-07", approved_to="2027-03-30").status_code == 303
    approved = _case(db, case_id)
    assert (approved.state, approved.authorization_number, approved.approved_codes) == ("approved", "A-77", ["64635", "64636"])

    no_note = _post(coordinator, case_id, "step", db, action="withdraw", note="")
    assert no_note.status_code == 422 and re.search(r'has-error[^>]*>\s*<label for="f-withdraw-note"', no_note.text)
    assert _post(coordinator, case_id, "step", db, action="withdraw", note="Patient moved away").status_code == 303
    assert _case(db, case_id).state == "withdrawn"

    history = _section(coordinator.get(f"/authorizations/{case_id}"), "history")
    for words in ("Opened", "Document added", "Marked ready", "Submitted", "Payer asked for information", "Denied",
                  "Peer-to-peer scheduled", "Appeal filed", "Approved", "Withdrawn: Patient moved away", "Coordinator"):
        assert words in history, words


def test_a_refused_open_form_shows_the_problem_on_the_episode_page_and_opens_nothing(client_for, eligible_episode, db):
    coordinator = client_for("coordinator")
    answer = coordinator.post(f"/episodes/{eligible_episode}/authorizations", data={**RFA_FORM, "cpt_codes": "64483"})
    assert answer.status_code == 422
    assert "The authorization was not opened" in answer.text
    assert re.search(r'has-error[^>]*>\s*<label for="f-auth-cpt">CPT codes', answer.text)
    assert 'value="64483"' in answer.text  # the typed value is kept
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuthorizationCase)) == 0


# The board -------------------------------------------------------------------------------------

def test_board_lists_cases_by_state_with_what_each_waits_for(client_for, eligible_episode, blocked_episode, db, clock):
    coordinator = client_for("coordinator")
    preparing = _open(coordinator, blocked_episode)
    submitted = _open(coordinator, eligible_episode)
    pended = _open(coordinator, eligible_episode)
    approved = _open(coordinator, eligible_episode)
    for case_id in (submitted, pended, approved):
        assert _post(coordinator, case_id, "submit", db, channel="portal").status_code == 303
    assert _post(coordinator, pended, "pend", db, request="Send the MRI report", due_at="2026-12-11T12:00").status_code == 303
    assert _post(coordinator, approved, "decision", db, outcome="approve", authorization_number="A-1", approved_units="1",
                 approved_from="2026-12-07", approved_to="2027-03-30").status_code == 303
    clock.move_to(datetime(2026, 12, 9, 16, 0, tzinfo=timezone.utc))  # two business days later

    coordinator = client_for("coordinator")  # a fresh sign-in: the first session has timed out meanwhile
    board = coordinator.get("/authorizations")
    assert board.status_code == 200
    column = {key: _section(board, f"column-{key}") for key in ("preparing", "ready", "submitted", "pended", "decided", "escalated")}
    assert "Okafor, Rosa" in column["preparing"] and "Not eligible" in column["preparing"]
    assert "Lumbar radiofrequency ablation" in column["preparing"]
    # Medicare's standard clock (7 calendar days in the payer pack) from the Monday 7 Dec submission.
    assert "Payer decision due Mon 14 Dec" in column["submitted"], column["submitted"]
    assert "Information due by Fri 11 Dec 12:00" in column["pended"]  # typed on the clinic's clock, shown on it
    assert "Approved to 30 Mar 2027, 0 of 1 session used; not booked yet" in column["decided"]
    assert "2 business days in this state" in column["submitted"]
    assert "Okafor, Dana" not in column["preparing"] and "Okafor, Rosa" not in column["submitted"]
    assert f'href="/authorizations/{approved}"' in board.text.split('id="column-decided"')[1].split("</section>")[0]
    assert column["ready"].count("None.") == 1

    # Withdrawn cases stay off the board unless asked for.
    assert _post(coordinator, preparing, "step", db, action="withdraw", note="Plan changed").status_code == 303
    assert "Okafor, Rosa" not in coordinator.get("/authorizations").text
    closed = coordinator.get("/authorizations?closed=true")
    assert "Withdrawn: Plan changed" in _section(closed, "column-closed")
    assert "Okafor, Rosa" not in coordinator.get("/authorizations?payer=bcbs_commercial").text


# Who may do what -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["front_desk", "nurse", "therapist"])
def test_roles_without_authorization_work_cannot_post(role, client_for, eligible_episode, db):
    case_id = _open(client_for("coordinator"), eligible_episode)
    client = client_for(role)
    version = str(_case(db, case_id).version)
    attempts = [
        (f"/episodes/{eligible_episode}/authorizations", RFA_FORM),
        (f"/authorizations/{case_id}/submit", {"version": version, "channel": "fax"}),
        (f"/authorizations/{case_id}/decision", {"version": version, "outcome": "deny", "denial_reason": "x"}),
        (f"/authorizations/{case_id}/pend", {"version": version, "request": "More", "due_at": "2026-12-20T10:00"}),
        (f"/authorizations/{case_id}/step", {"version": version, "action": "withdraw", "note": "x"}),
        (f"/authorizations/{case_id}/planned-date", {"version": version, "planned_on": "2026-12-21"}),
        (f"/authorizations/{case_id}/documents", {"kind": "other", "title": "x", "document_date": "2026-12-01"}),
    ]
    for url, data in attempts:
        assert client.post(url, data=data, follow_redirects=False).status_code == 403, url
    assert _case(db, case_id).state == "preparing"
    page = client.get(f"/authorizations/{case_id}")
    if role in ("therapist", "front_desk"):
        # A therapist reads only the charts of patients they treat (therapy/access.py); this one is not theirs.
        # The front desk sees a case's status on the board and the episode, not its clinical criteria.
        assert page.status_code == 403
        return
    # They may read, but the case page offers them no forms.
    assert page.status_code == 200 and 'id="actions"' not in page.text and 'action="/authorizations' not in page.text


def test_manager_can_view_the_board_and_the_case(client_for, eligible_episode):
    case_id = _open(client_for("coordinator"), eligible_episode)
    manager = client_for("manager")
    board = manager.get("/authorizations")
    assert board.status_code == 200 and f'href="/authorizations/{case_id}"' in board.text
    assert 'href="/authorizations" aria-current="page"' in board.text  # the main nav link
    assert manager.get(f"/authorizations/{case_id}").status_code == 200
