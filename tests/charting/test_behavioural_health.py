"""Behavioural health on both databases: a real PCS administration (the published all-4 answers, total 52,
research/clinical.md 2.2) past Sullivan's cut-off of 30 opens the clinician's task naming the score, its date,
the threshold and its source; recording the offer on the episode page meets it (audited, a fact); a declined
offer is asked again when a newer score crosses (a new task), not when a newer score is below; an accepted
offer links to the referral form prefilled. Published examples below a cut-off (PCS E1 21, PHQ-9 E1 9,
STarT Back E1 medium risk) open nothing; TSK-17 E1 (43) and STarT Back E3 (high risk) do. Refused forms name
the field and keep what was typed; a stale change is refused (409)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from sqlalchemy import select

from painpath.charting.behavioural.models import BehaviouralOfferRow
from painpath.core.audit import AuditEvent
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import BehaviouralOfferFact
from painpath.worklist.links import work_link
from painpath.worklist.models import Task
from support import page_form_post, page_section, page_text, read_form

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)  # Tue 10 Mar 2026, 10:00 in Chicago (CDT)
TWO_WEEKS_ON = datetime(2026, 3, 24, 15, 0, tzinfo=timezone.utc)  # Tue 24 Mar
# Published example answers (research/clinical.md 2.2, awell-score test vectors).
PCS_ALL_4 = {f"pcs_{i}": 4 for i in range(1, 14)}  # total 52
PCS_ALL_2 = {f"pcs_{i}": 2 for i in range(1, 14)}  # total 26
PCS_E1 = dict(zip([f"pcs_{i}" for i in range(1, 14)], [0, 1, 2, 3, 0, 0, 1, 4, 2, 1, 3, 0, 4]))  # total 21
PHQ9_E1 = dict(zip([f"phq9_{i}" for i in range(1, 10)], [1, 2, 1, 2, 1, 1, 0, 0, 1]))  # 9, mild (item 9 answered: its own safety task)
TSK17_E1 = dict(zip([f"tsk_{i}" for i in range(1, 18)], [1, 3, 3, 2, 2, 3, 2, 2, 3, 2, 3, 3, 2, 3, 3, 3, 3]))  # 43
SBST_E1 = dict(zip([f"sbst_{i}" for i in range(1, 10)], [1, 0, 1, 0, 0, 1, 0, 0, 4]))  # total 4, psychosocial 2: medium
SBST_E3 = {**{f"sbst_{i}": 1 for i in range(1, 9)}, "sbst_9": 4}  # all agree, item 9 extremely: 9 / 5, high
KIND = "behavioural.offer"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def episode(client_for, patient_payload, episode_payload, ctx) -> dict:
    ctx.settings.session_hours = 24 * 60
    with time_machine.travel(NOW, tick=False):
        coordinator = client_for("coordinator")
        patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload), 201)["id"]
        return {"id": episode_id, "nurse": client_for("nurse"), "clinician": client_for("clinician")}


def _give(episode: dict, instrument: str, answers: dict, at: str) -> dict:
    body = {"instrument_id": instrument, "answers": answers, "administered_at": at}
    return _ok(episode["nurse"].post(f"/api/episodes/{episode['id']}/instrument-administrations", json=body), 201)


def _tasks(db, status: str | None = None) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        query = select(Task).where(Task.kind == KIND).order_by(Task.id)
        if status is not None:
            query = query.where(Task.status == status)
        return list(session.scalars(query))


def _panel(episode: dict) -> str:
    return page_section(episode["clinician"].get(f"/episodes/{episode['id']}").text, "behavioural-health")


def _offer(episode: dict, administration_id: int, answer: str, **extra: str):  # noqa: ANN202
    data = {"administration_id": str(administration_id), "offer": "pain_psychology_referral", "answer": answer, **extra}
    return page_form_post(episode["clinician"], f"/episodes/{episode['id']}/behavioural-offers", data)


def test_a_pcs_past_30_opens_the_clinicians_task_and_recording_the_offer_meets_it(episode, db, ctx):
    with time_machine.travel(NOW, tick=False):
        given = _give(episode, "pcs", PCS_ALL_4, "2026-03-10T09:30:00")
        assert given["total"] == 52  # the published all-4 vector
        (task,) = _tasks(db)
        assert (task.status, task.owner_role) == ("open", "clinician")
        assert task.title == "Discuss a pain-psychology referral: PCS 52 (threshold 30)"
        assert "PCS 52 on Tue 10 Mar 2026 is 30 or more: clinically relevant catastrophizing" in task.reason
        assert "Sullivan, Pain Catastrophizing Scale user manual" in task.reason
        assert "research/" not in task.reason and "pcs" not in task.reason
        # Due 5 business days after the score's date (the clinic's protocol): Tue 17 Mar, end of the day in Chicago.
        assert task.due_at == datetime(2026, 3, 18, 4, 59, 59)
        assert task.evidence["administration_id"] == given["id"] and task.evidence["threshold"]["cut_off"] == 30
        assert work_link(task).href == f"/episodes/{episode['id']}#behavioural-health"

        panel = page_text(_panel(episode))
        assert "Discuss a pain-psychology referral: PCS 52 (threshold 30)" in panel
        assert "52 on 10 Mar 2026 past the threshold" in panel and "Sullivan" in panel

        answered = _offer(episode, given["id"], "declined", note="Prefers to try PT first")
        assert answered.status_code == 303, answered.text
        (task,) = _tasks(db)
        assert task.status == "met" and "Pain-psychology referral offered 10 Mar 2026: declined" in task.resolution
        with db.session() as session:
            row = session.scalars(select(BehaviouralOfferRow)).one()
            assert (row.instrument_id, row.administration_id, row.score_on, row.score_total, row.answer, row.note) == (
                "pcs", given["id"], date(2026, 3, 10), 52, "declined", "Prefers to try PT first")
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "behavioural.offer_recorded")).one()
            assert event.object_id == str(row.id) and event.detail["answer"] == "declined"
            facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[episode["id"]], today=date(2026, 3, 10))
            assert facts[episode["id"]].behavioural_offers == (BehaviouralOfferFact("pcs", date(2026, 3, 10), date(2026, 3, 10), "declined"),)
        panel = page_text(_panel(episode))
        assert "Pain-psychology referral : declined" in panel and "Prefers to try PT first" in panel
        assert "To discuss with the patient" not in panel


def test_a_declined_offer_is_asked_again_at_the_next_score_that_crosses_and_acceptance_leads_to_the_referral(episode, db):
    with time_machine.travel(NOW, tick=False):
        first = _give(episode, "pcs", PCS_ALL_4, "2026-03-10T09:30:00")
        assert _offer(episode, first["id"], "declined").status_code == 303
    with time_machine.travel(TWO_WEEKS_ON, tick=False):
        _give(episode, "pcs", PCS_ALL_2, "2026-03-17T09:30:00")  # 26: below the cut-off, nothing to ask
        assert _tasks(db, "open") == []
        newer = _give(episode, "pcs", PCS_ALL_4, "2026-03-24T09:30:00")
        (task,) = _tasks(db, "open")
        assert task.evidence["administration_id"] == newer["id"] and task.key != _tasks(db, "met")[0].key
        assert "The patient declined pain-psychology referral on 10 Mar 2026; this newer score asks again." in task.reason
        assert _offer(episode, newer["id"], "accepted").status_code == 303
        assert _tasks(db, "open") == [] and len(_tasks(db, "met")) == 2
        panel = _panel(episode)
        link = next(part.split('"')[0] for part in panel.split('href="')[1:] if "/referrals/new" in part)
        query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
        assert urlparse(link).path == f"/episodes/{episode['id']}/referrals/new"
        assert query["specialty"] == ["pain_psychology"]
        assert "PCS 52 on 24 Mar 2026 is 30 or more" in query["reason"][0] and "accepted a pain-psychology referral" in query["reason"][0]
        assert "Write the referral" in panel


def test_published_scores_below_their_cut_offs_open_nothing_and_those_past_them_do(episode, db):
    with time_machine.travel(NOW, tick=False):
        assert _give(episode, "pcs", PCS_E1, "2026-03-10T09:00:00")["total"] == 21
        _give(episode, "phq9", PHQ9_E1, "2026-03-10T09:05:00")
        low = _give(episode, "start_back", SBST_E1, "2026-03-10T09:10:00")
        assert (low["total"], low["band"]) == (4, "medium risk")
        assert _tasks(db) == []
        assert _give(episode, "tsk17", TSK17_E1, "2026-03-10T09:15:00")["total"] == 43
        high = _give(episode, "start_back", SBST_E3, "2026-03-10T09:20:00")
        assert high["band"] == "high risk"
        titles = sorted(t.title for t in _tasks(db, "open"))
        assert titles == ["Discuss a pain-psychology referral: STarT Back psychosocial subscale (items 5-9) 5 (threshold 4)",
                          "Discuss a pain-psychology referral: TSK-17 43 (threshold above 37)"]


def test_a_refused_offer_names_the_field_keeps_the_input_and_a_stale_change_is_refused(episode, db):
    with time_machine.travel(NOW, tick=False):
        given = _give(episode, "pcs", PCS_ALL_4, "2026-03-10T09:30:00")
        form, _ = read_form(episode["clinician"].get(f"/episodes/{episode['id']}").text, f"score-{given['id']}-form")
        assert form["administration_id"] == str(given["id"]) and form["offer"] == "pain_psychology_referral"
        refused = page_form_post(episode["clinician"], f"/episodes/{episode['id']}/behavioural-offers",
                                 {**form, "note": "MARKER-kept-note", "offered_on": "2026-03-09"})
        assert refused.status_code == 422
        text = unescape(page_text(page_section(refused.text, "behavioural-health")))
        assert "MARKER-kept-note" in text and "The patient's answer" in text
        early = _offer(episode, given["id"], "accepted", offered_on="2026-03-09")
        assert early.status_code == 422 and "The offer cannot be before the score it answers (10 Mar 2026)" in early.text
        wrong = _offer(episode, given["id"], "accepted", offer="cbt_insomnia")
        assert wrong.status_code == 422 and "After a PCS score, offer one of: Pain-psychology referral, CBT-based pain programme" in wrong.text
        assert _tasks(db, "open")
        with db.session() as session:
            assert session.scalars(select(BehaviouralOfferRow)).all() == []

        assert _offer(episode, given["id"], "undecided").status_code == 303
        with db.session() as session:
            row = session.scalars(select(BehaviouralOfferRow)).one()
            offer_id, version = row.id, row.version
        decided = _offer(episode, given["id"], "accepted", offer_id=str(offer_id), version=str(version))
        assert decided.status_code == 303
        stale = _offer(episode, given["id"], "declined", offer_id=str(offer_id), version=str(version))
        assert stale.status_code == 409
        with db.session() as session:
            assert session.scalars(select(BehaviouralOfferRow.answer)).all() == ["accepted"]


def test_the_json_api_records_and_lists_offers_like_the_panel(episode, db, client_for):
    with time_machine.travel(NOW, tick=False):
        given = _give(episode, "pcs", PCS_ALL_4, "2026-03-10T09:30:00")
        url = f"/api/episodes/{episode['id']}/behavioural-offers"
        body = {"administration_id": given["id"], "offer": "pain_psychology_referral", "answer": "accepted"}
        assert episode["nurse"].post(url, json=body).status_code == 403  # offering is the clinician's decision
        wrong = episode["clinician"].post(url, json={**body, "offer": "cbt_insomnia"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "offer"
        made = _ok(episode["clinician"].post(url, json=body), 201)
        assert (made["instrument_id"], made["score_total"], made["answer"], made["offered_on"]) == ("pcs", 52, "accepted", "2026-03-10")
        assert made["referral_link"].startswith(f"/episodes/{episode['id']}/referrals/new?specialty=pain_psychology&")
        assert _tasks(db)[0].status == "met"
        assert [o["id"] for o in _ok(episode["nurse"].get(url))] == [made["id"]]
        assert client_for("front_desk").get(url).status_code == 403
