"""The episode's function view (/episodes/{id}/function) and its card on the episode page: the charts'
data and the tables under them, the MIC target line, empty states, who may read it, and the audit."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timezone

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.charting import service as charting
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.schemas import EncounterIn, MeasuresIn
from painpath.core.audit import Actor, AuditEvent
from painpath.core.auth.service import actor_for
from painpath.core.tenancy import Clinic
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
VISITS = [
    # date, measures, ODI section answers (0-5 each), PEG answers
    (date(2026, 9, 1), {"pain_now": 8, "pain_average": 7, "pain_worst": 9, "sitting_minutes": 15, "standing_minutes": 10, "walking_minutes": 10},
     [3] * 10, (8, 7, 6)),
    (date(2026, 10, 1), {"pain_now": 6, "pain_average": 5, "pain_worst": 8, "sitting_minutes": 20, "standing_minutes": 15},
     [2] * 5 + [3] * 5, (6, 5, 4)),
    (date(2026, 11, 2), {"pain_now": 4, "pain_average": 3, "pain_worst": 6, "sitting_minutes": 30, "standing_minutes": 20, "walking_minutes": 25},
     [2] * 10, (4, 4, 4)),
]


@pytest.fixture(autouse=True)
def frozen_clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield


def _episode(ctx, staff, mrn: str = "MRN-F1") -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn=mrn, given_name="Rosa", family_name="Lind", birth_date=date(1970, 4, 2), sex="female",
            phone="555-0150", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Low back pain with left leg pain", body_region="lumbar", laterality="left", icd10_codes=["M54.16"]))
        return episode.id


def _visit(ctx, staff, episode_id: int, on: date, measures: dict, answers: dict[str, dict]) -> None:  # noqa: ANN001
    """A signed visit with its measures and questionnaires, recorded through the services."""
    actor = actor_for(staff["clinician"])
    with ctx.db.session() as session:
        note = charting.create_encounter(session, actor=actor, episode_id=episode_id, data=EncounterIn(encounter_type="follow_up", date_of_service=on))
        charting.record_measures(session, actor=actor, encounter_id=note.id, data=MeasuresIn(**measures))
        for instrument_id, given in answers.items():
            instruments.administer(session, actor=actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                   data=AdministrationIn(instrument_id=instrument_id, answers=given, administered_at=datetime.combine(on, time(10)),
                                                         encounter_id=note.id))
        charting.sign_encounter(session, actor=actor, encounter_id=note.id, version=note.version)


@pytest.fixture
def charted(ctx, staff) -> int:  # noqa: ANN001
    episode_id = _episode(ctx, staff)
    for index, (on, measures, odi, peg) in enumerate(VISITS):
        answers = {"odi": {f"odi_{i + 1}": v for i, v in enumerate(odi)}, "peg": {"peg_1": peg[0], "peg_2": peg[1], "peg_3": peg[2]}}
        if index == 1:
            answers["pcs"] = {f"pcs_{i}": 2 for i in range(1, 14)}  # the PCS has no MIC in its pack
        _visit(ctx, staff, episode_id, on, measures, answers)
    return episode_id


def _charts(html: str) -> dict[str, dict]:
    block = re.search(r'<script type="application/json" id="function-chart-data">(.*?)</script>', html, re.S)
    assert block, "the page has no chart data block"
    return {c["id"]: c for c in json.loads(block.group(1))}


def _section(html: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert found, section_id
    return found.group(0)


def _cells(fragment: str) -> list[list[str]]:
    """Table rows (th and td text) of an HTML fragment, tags stripped."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_the_view_draws_pain_scores_and_tolerances_with_their_tables(client_for, charted):
    page = client_for("clinician").get(f"/episodes/{charted}/function")
    assert page.status_code == 200, page.text
    html = page.text
    charts = _charts(html)
    assert list(charts) == ["chart-pain", "chart-instrument-odi", "chart-instrument-peg", "chart-instrument-pcs", "chart-tolerances"]
    pain = charts["chart-pain"]
    assert pain["labels"] == ["01 Sep 2026", "01 Oct 2026", "02 Nov 2026"]
    assert [(d["label"], d["data"]) for d in pain["datasets"]] == [
        ("Pain now", [8, 6, 4]), ("Average pain", [7, 5, 3]), ("Worst pain", [9, 8, 6])]
    assert pain["y"] == {"min": 0, "max": 10}
    tolerances = charts["chart-tolerances"]
    assert [(d["label"], d["data"]) for d in tolerances["datasets"]] == [
        ("Sitting", [15, 20, 30]), ("Standing", [10, 15, 20]), ("Walking", [10, None, 25])]
    for chart_id in charts:
        assert f'<canvas id="{chart_id}" role="img"' in html

    assert _cells(_section(html, "function-pain"))[1:] == [
        ["01 Sep 2026", "8", "7", "9"], ["01 Oct 2026", "6", "5", "8"], ["02 Nov 2026", "4", "3", "6"]]
    assert _cells(_section(html, "function-tolerances"))[1:] == [
        ["01 Sep 2026", "15", "10", "10"], ["01 Oct 2026", "20", "15", "not recorded"], ["02 Nov 2026", "30", "20", "25"]]
    # Our own static files draw it: the vendored Chart.js and our script, no inline code.
    assert '<script src="/static/js/vendor/chart.umd.min.js" defer></script>' in html
    assert '<script src="/static/js/function-chart.js" defer></script>' in html
    assert "<script>" not in html and "cdn" not in html.lower()


def test_each_instrument_has_its_scores_and_the_mic_target_line(client_for, charted):
    html = client_for("clinician").get(f"/episodes/{charted}/function").text
    charts = _charts(html)
    odi = charts["chart-instrument-odi"]
    assert odi["labels"] == ["01 Sep 2026", "01 Oct 2026", "02 Nov 2026"]
    assert odi["datasets"] == [{"key": "odi", "label": "ODI", "data": [60, 50, 40]}]
    assert odi["mic"] == {"value": 50, "label": "MIC target"}  # ODI: lower is better, baseline 60 minus 10 points
    assert odi["y"] == {"min": 0, "max": 100}
    peg = charts["chart-instrument-peg"]
    assert peg["datasets"][0]["data"] == [7, 5, 4]
    assert peg["mic"] == {"value": 4.9, "label": "MIC target"}  # a 30% drop from 7
    assert charts["chart-instrument-pcs"]["mic"] is None

    instruments_html = _section(html, "function-instruments")
    assert "ODI 60 → 40 since 01 Sep 2026 (−20; reached the MIC target 50)" in instruments_html
    assert "MIC target 50</strong> (baseline 60 minus 10 points)" in instruments_html
    assert "MIC target 4.9</strong> (baseline 7 minus 30% of baseline)" in instruments_html
    assert "The PCS pack gives no minimal important change, so no MIC target line is drawn." in instruments_html
    odi_rows = _cells(re.search(r'id="function-chart-instrument-odi".*?</table>', instruments_html, re.S).group(0))
    assert [row[:3] for row in odi_rows[1:]] == [
        ["01 Sep 2026", "60", "severe disability"], ["01 Oct 2026", "50", "severe disability"], ["02 Nov 2026", "40", "moderate disability"]]
    assert odi_rows[1][3] == "Baseline for this episode"
    assert odi_rows[3][3].startswith("-20 since baseline (60): improved; reached minimal important change: yes")


def test_an_episode_without_measures_shows_empty_states_and_draws_nothing(client_for, ctx, staff):
    episode_id = _episode(ctx, staff, mrn="MRN-F2")
    html = client_for("nurse").get(f"/episodes/{episode_id}/function").text
    assert _charts(html) == {}
    assert "<canvas" not in html
    assert "No pain scores recorded on this episode yet." in _section(html, "function-pain")
    assert "No questionnaires (ODI, NDI, PEG, LEFS ...) administered on this episode yet." in _section(html, "function-instruments")
    assert "No sitting, standing or walking tolerances recorded on this episode yet." in _section(html, "function-tolerances")


def test_the_episode_page_links_to_the_view_with_a_summary(client_for, ctx, staff, charted):
    client = client_for("clinician")
    html = client.get(f"/episodes/{charted}").text
    card = _section(html, "function-card")
    assert f'href="/episodes/{charted}/function"' in card
    assert "ODI 60 → 40 since 01 Sep 2026 (−20; reached the MIC target 50)" in card
    assert "PEG 7 → 4 since 01 Sep 2026 (−3; reached the MIC target 4.9)" in card
    empty = _episode(ctx, staff, mrn="MRN-F3")
    assert "No pain scores, tolerances or questionnaires recorded yet." in _section(client.get(f"/episodes/{empty}").text, "function-card")


def test_the_card_shows_the_pain_trend_when_no_questionnaire_was_given(client_for, ctx, staff):
    episode_id = _episode(ctx, staff, mrn="MRN-F4")
    _visit(ctx, staff, episode_id, date(2026, 9, 1), {"pain_average": 7}, {})
    _visit(ctx, staff, episode_id, date(2026, 10, 1), {"pain_average": 4}, {})
    card = _section(client_for("clinician").get(f"/episodes/{episode_id}").text, "function-card")
    assert "Average pain 7 → 4/10 since 01 Sep 2026" in card


def test_roles_without_chart_read_are_refused_and_signed_out_people_sent_to_sign_in(client_for, app, charted):
    refused = client_for("admin").get(f"/episodes/{charted}/function")
    assert refused.status_code == 403
    assert "function-chart-data" not in refused.text
    with TestClient(app) as anonymous:
        answer = anonymous.get(f"/episodes/{charted}/function", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/login?next=/episodes/{charted}/function"


def test_an_unknown_episode_or_another_clinics_episode_is_not_found(client_for, ctx, charted):
    client = client_for("clinician")
    assert client.get("/episodes/999999/function").status_code == 404
    with ctx.db.session() as session:
        other = Clinic(name="Elsewhere Pain Clinic", return_fax="555-0170", phone="555-0171")
        session.add(other)
        session.flush()
        actor = Actor.system("test", other.id)
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-X1", given_name="Ada", family_name="Quint", birth_date=date(1960, 1, 1), sex="female",
            phone="555-0172", preferred_contact="phone"))
        foreign = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Neck pain", body_region="cervical", laterality="none", icd10_codes=["M54.2"])).id
    answer = client.get(f"/episodes/{foreign}/function")
    assert answer.status_code == 404
    assert "function-chart-data" not in answer.text


def test_reading_the_view_is_an_audited_chart_read(client_for, db, charted):
    def reads() -> list[AuditEvent]:
        with db.session() as session:
            return list(session.scalars(select(AuditEvent).where(
                AuditEvent.action == "chart.read", AuditEvent.object_type == "episode", AuditEvent.object_id == str(charted),
                AuditEvent.actor_label == "user:manager")))

    assert reads() == []
    assert client_for("manager").get(f"/episodes/{charted}/function").status_code == 200
    found = reads()
    assert len(found) == 1 and found[0].patient_id is not None
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "instrument.administer")) == 7
