"""Pain diagrams (issue 15 part 2) through the JSON API, the pages and the facts: one diagram per visit note,
coded regions with their side, entered by a clinician or a nurse, audited, version-checked, refused with a
message naming the region when wrong, frozen once the note is signed, read by the episode facts, and
compared between visits. Runs on SQLite and PostgreSQL (through the migrated database)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import time_machine
from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.charting.pain_diagram import rules
from painpath.charting.pain_diagram.models import PainDiagram, PainMarkRow
from painpath.core.audit import AuditEvent
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import PainMark
from support import page_form_post, page_section, page_text, read_form

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Monday 7 Dec 2026, 10:00 in Chicago
LATER = datetime(2027, 1, 11, 16, 0, tzinfo=timezone.utc)  # five weeks on: the follow-up visit
FIRST = [{"region": "leg_lateral_left", "pain_type": "burning", "intensity": 6},
         {"region": "low_back", "pain_type": "aching", "intensity": 4}]

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _note(client, episode_id: int, on: str = "2026-12-07", kind: str = "initial") -> dict:  # noqa: ANN001
    made = client.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": kind, "date_of_service": on, "narrative": "Seen."})
    assert made.status_code == 201, made.text
    return made.json()


def _problems(response) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


def _count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_nurse_records_two_regions_on_a_note_audited_and_listed(client_for, episode_id, db):
    nurse = client_for("nurse")
    note = _note(client_for("clinician"), episode_id)
    saved = nurse.put(f"/api/encounters/{note['id']}/pain-diagram", json={"marks": FIRST})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["version"] == 1 and body["date_of_service"] == "2026-12-07"
    assert [(m["region"], m["pain_type"], m["intensity"]) for m in body["marks"]] == [
        ("leg_lateral_left", "burning", 6), ("low_back", "aching", 4)]  # in the region pack's order: front first
    listed = client_for("clinician").get(f"/api/episodes/{episode_id}/pain-diagrams").json()
    assert [d["id"] for d in listed] == [body["id"]]
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "pain_diagram.record")).one()
        assert event.object_id == str(body["id"]) and event.detail["regions"] == ["leg_lateral_left", "low_back"]


def test_edits_are_version_checked_and_replace_the_marks(client_for, episode_id, db):
    clinician = client_for("clinician")
    note = _note(clinician, episode_id)
    url = f"/api/encounters/{note['id']}/pain-diagram"
    assert clinician.put(url, json={"marks": FIRST}).status_code == 200
    again_as_new = clinician.put(url, json={"marks": FIRST})  # a second "first" diagram: someone recorded it meanwhile
    assert again_as_new.status_code == 409 and _problems(again_as_new) == [("version", "current_version")]
    changed = clinician.put(url, json={"marks": [{"region": "thumb_right", "pain_type": "numbness", "intensity": 3}], "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = clinician.put(url, json={"marks": FIRST, "version": 1})
    assert stale.status_code == 409
    assert _count(db, PainDiagram) == 1 and _count(db, PainMarkRow) == 1
    with db.session() as session:
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "pain_diagram").order_by(AuditEvent.id)).all() == [
            "pain_diagram.record", "pain_diagram.update"]


def test_bad_marks_are_refused_naming_the_region_and_nothing_is_saved(client_for, episode_id, db):
    clinician = client_for("clinician")
    url = f"/api/encounters/{_note(clinician, episode_id)['id']}/pain-diagram"
    unknown = clinician.put(url, json={"marks": [{"region": "left_ear", "pain_type": "aching", "intensity": 2}]})
    assert unknown.status_code == 422 and _problems(unknown) == [("marks", "known_region")]
    kind = clinician.put(url, json={"marks": [{"region": "calf_left", "pain_type": "stabbing", "intensity": 2}]})
    assert kind.status_code == 422 and _problems(kind) == [("region.calf_left.type", "known_type")]
    too_high = clinician.put(url, json={"marks": [{"region": "calf_left", "pain_type": "aching", "intensity": 11}]})
    assert too_high.status_code == 422 and too_high.json()["errors"][0]["field"].startswith("marks")
    twice = clinician.put(url, json={"marks": [{"region": "calf_left", "pain_type": "aching", "intensity": 2}] * 2})
    assert twice.status_code == 422 and ("region.calf_left.type", "once") in _problems(twice)
    assert _count(db, PainDiagram) == 0 and _count(db, PainMarkRow) == 0


def test_a_signed_note_keeps_its_diagram_and_front_desk_cannot_write_one(client_for, episode_id):
    clinician = client_for("clinician")
    note = _note(clinician, episode_id)
    url = f"/api/encounters/{note['id']}/pain-diagram"
    assert clinician.put(url, json={"marks": FIRST}).status_code == 200
    assert clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": 1}).status_code == 200
    refused = clinician.put(url, json={"marks": [], "version": 1})
    assert refused.status_code == 409 and _problems(refused) == [("status", "unsigned")]
    assert client_for("front_desk").put(url, json={"marks": FIRST, "version": 1}).status_code == 403
    assert client_for("front_desk").get(f"/api/episodes/{episode_id}/pain-diagrams").status_code == 403


def test_the_episode_facts_carry_each_diagram_oldest_first(client_for, episode_id, ctx, db):
    clinician = client_for("clinician")
    first = _note(clinician, episode_id, "2026-11-30")
    second = _note(clinician, episode_id, "2026-12-07", "follow_up")
    clinician.put(f"/api/encounters/{second['id']}/pain-diagram", json={"marks": []})  # no pain marked
    clinician.put(f"/api/encounters/{first['id']}/pain-diagram", json={"marks": FIRST})
    with db.session() as session:
        facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[episode_id], today=date(2026, 12, 7))
    diagrams = facts[episode_id].pain_diagrams
    assert [d.on for d in diagrams] == [date(2026, 11, 30), date(2026, 12, 7)]
    assert set(diagrams[0].marks) == {PainMark("leg_lateral_left", "burning", 6), PainMark("low_back", "aching", 4)}
    assert diagrams[1].marks == ()


def _form_values(rows: dict[str, tuple[str, str]]) -> dict[str, str]:
    out = {}
    for region, (kind, intensity) in rows.items():
        out[f"region.{region}.type"], out[f"region.{region}.intensity"] = kind, intensity
    return out


def test_the_page_records_a_diagram_keeps_typed_input_on_error_and_the_next_visit_shows_the_change(client_for, episode_id):
    clinician = client_for("clinician")
    first = _note(clinician, episode_id)
    url = f"/encounters/{first['id']}/pain-diagram"
    page = clinician.get(url)
    assert page.status_code == 200 and 'id="pain-diagram-form"' in page.text and "No pain diagram recorded for this visit yet" in page.text
    form, _ = read_form(page.text, "pain-diagram-form")
    # A kind of pain without an intensity: refused, the typed values kept, the message next to the region.
    refused = page_form_post(clinician, url, {**form, **_form_values({"leg_lateral_left": ("burning", ""), "low_back": ("aching", "4")})})
    assert refused.status_code == 422
    errors = page_text(refused.text).replace(" :", ":")
    assert "Outer lower leg, left (L5 dermatome): Enter the intensity from 0 to 10" in errors
    assert re.search(r'<span class="field-error" id="f-region-leg_lateral_left-intensity-error">Enter the intensity', refused.text)
    kept, _ = read_form(refused.text, "pain-diagram-form")
    assert kept["region.leg_lateral_left.type"] == "burning" and kept["region.low_back.intensity"] == "4"
    saved = page_form_post(clinician, url, {**kept, "region.leg_lateral_left.intensity": "6"})
    assert saved.status_code == 303
    shown = page_text(clinician.get(url).text)
    assert "Outer lower leg, left (L5 dermatome): burning, 6/10" in shown and "Low back: aching, 4/10" in shown
    assert "Legend: Aching Burning" in shown

    with time_machine.travel(LATER, tick=False):
        clinician = client_for("clinician")  # a new day's sign-in
        second = _note(clinician, episode_id, "2027-01-11", "follow_up")
        url2 = f"/encounters/{second['id']}/pain-diagram"
        blank, _ = read_form(clinician.get(url2).text, "pain-diagram-form")
        posted = page_form_post(clinician, url2, {**blank, **_form_values({
            "leg_lateral_left": ("burning", "3"), "low_back": ("aching", "4"), "foot_dorsum_left": ("pins_and_needles", "5")})})
        assert posted.status_code == 303
        change = page_text(page_section(clinician.get(url2).text, "pain-change"))
        assert "Since the diagram of 07 Dec 2026: 1 new region, 1 better" in change
        assert "New: Top of the foot, left (L5 dermatome): pins and needles, 5/10" in change
        assert "Better: Outer lower leg, left (L5 dermatome): burning, from 6/10 to 3/10" in change
        panel = clinician.get(f"/episodes/{episode_id}").text
        assert "New: Top of the foot, left (L5 dermatome)" in page_text(page_section(panel, "pain-diagram"))
        assert re.search(r'data-region="foot_dorsum_left"[^>]*stroke="#000000"', panel), "the new region is outlined on the map"


def test_the_comparison_names_new_resolved_worse_better_and_changed_kind():
    before = [rules.Mark("low_back", "aching", 4), rules.Mark("thumb_left", "numbness", 3), rules.Mark("calf_left", "aching", 5),
              rules.Mark("sole_left", "burning", 2), rules.Mark("buttock_left", "aching", 6)]
    after = [rules.Mark("low_back", "aching", 7), rules.Mark("calf_left", "burning", 5), rules.Mark("sole_left", "burning", 2),
             rules.Mark("buttock_left", "aching", 2), rules.Mark("leg_lateral_left", "electric", 8)]
    change = rules.compare(before, after, ["leg_lateral_left", "thumb_left", "low_back", "buttock_left", "calf_left", "sole_left"])
    assert change.by_region() == {"leg_lateral_left": "new", "thumb_left": "resolved", "low_back": "worse", "buttock_left": "better",
                                  "calf_left": "type_changed", "sole_left": "same"}
    assert not rules.compare(before, before, []).changed
