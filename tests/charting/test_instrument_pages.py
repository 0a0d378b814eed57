"""The questionnaire pages: the form for every pack instrument, built from the pack; scores shown on the
episode's Questionnaires panel (published worked examples, research/clinical.md 2.2); refusals that keep
the answers and save nothing; who may give a questionnaire; and the PHQ-9 item 9 safety banner, whose
review form only a clinician gets and whose review clears it and meets the worklist task.

Forms are posted as a browser posts them: with the csrf_token field read from the page.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.worklist.models import Task

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # Tuesday 09:00 in Chicago


# Reading the pages ---------------------------------------------------------------------------------

class _Questions(HTMLParser):
    """Each question fieldset (id q-<item>): legend text, its radios (value, label text, checked), errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.questions: dict[str, dict] = {}
        self._current: dict | None = None
        self._in: str | None = None  # "legend", "label" or "error" while collecting text
        self._label: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "fieldset" and (a.get("id") or "").startswith("q-"):
            self._current = {"legend": "", "options": [], "errors": []}
            self.questions[a["id"][2:]] = self._current
        elif self._current is None:
            return
        elif tag == "legend":
            self._in = "legend"
        elif tag == "label":
            self._label = {"text": "", "value": None, "name": None, "checked": False}
            self._current["options"].append(self._label)
            self._in = "label"
        elif tag == "input" and self._label is not None:
            self._label.update(value=a.get("value"), name=a.get("name"), type=a.get("type"), checked="checked" in a)
        elif tag == "p" and "field-error" in (a.get("class") or ""):
            self._current["errors"].append("")
            self._in = "error"

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self._current = None
        elif tag in ("legend", "label", "p"):
            self._in = None
            if tag == "label":
                self._label = None

    def handle_data(self, data: str) -> None:
        if self._current is None or self._in is None:
            return
        if self._in == "legend":
            self._current["legend"] += data
        elif self._in == "label" and self._label is not None:
            self._label["text"] += data
        elif self._in == "error":
            self._current["errors"][-1] += data


def questions(html: str) -> dict[str, dict]:
    parser = _Questions()
    parser.feed(html)
    for q in parser.questions.values():
        q["legend"] = " ".join(q["legend"].split())
        q["errors"] = [" ".join(e.split()) for e in q["errors"]]
        for o in q["options"]:
            o["text"] = " ".join(o["text"].split())
    return parser.questions


def text_of(html: str) -> str:
    """The page's visible words, tags dropped and whitespace collapsed (for phrases that span tags)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, element_id: str) -> str:
    """The element with `element_id` (a <section> or <li>), up to its matching close tag."""
    start = re.search(rf'<(section|li)\b[^>]*\bid="{re.escape(element_id)}"', html)
    assert start, f"no element #{element_id} on the page"
    tag = start.group(1)
    depth, pos = 0, start.start()
    for m in re.finditer(rf"<(/?){tag}\b", html[pos:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return html[pos:pos + m.end()]
    raise AssertionError(f"#{element_id} is not closed")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def browser_like(client: TestClient) -> TestClient:
    """Drop the API CSRF header so each post must carry the form's hidden field, as a browser's does."""
    client.headers.pop("x-csrf-token", None)
    return client


# Setting up ----------------------------------------------------------------------------------------

def _episode(client_for, patient_payload, episode_payload) -> int:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient = coordinator.post("/api/patients", json=patient_payload)
    assert patient.status_code == 201, patient.text
    episode = coordinator.post(f"/api/patients/{patient.json()['id']}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    return episode.json()["id"]


@pytest.fixture
def episode_id(client_for, patient_payload, episode_payload) -> int:
    return _episode(client_for, patient_payload, episode_payload)


def submit(client: TestClient, episode_id: int, instrument_id: str, answers: dict[str, object], **extra: str):  # noqa: ANN201
    """Open the form, then post the answers with the form's CSRF token (answers.<item> fields)."""
    url = f"/episodes/{episode_id}/instruments/{instrument_id}"
    page = client.get(url)
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_of(page.text), **{f"answers.{k}": str(v) for k, v in answers.items()}, **extra}
    return client.post(url, data=data, follow_redirects=False)


def _rows(db) -> list[InstrumentAdministration]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(InstrumentAdministration).order_by(InstrumentAdministration.id)))


def _safety_tasks(db) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == "instruments.safety_review")))


def _admin_anchor(response) -> int:  # noqa: ANN001
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/episodes/\d+#administration-(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


# The form ------------------------------------------------------------------------------------------

def test_the_form_of_every_pack_instrument_shows_every_item_and_option_from_the_pack(ctx, client_for, episode_id):
    nurse = client_for("nurse")
    assert len(ctx.knowledge.instruments) >= 13  # every pack in knowledge/packs/instruments
    for instrument in ctx.knowledge.instruments.values():
        page = nurse.get(f"/episodes/{episode_id}/instruments/{instrument.id}")
        assert page.status_code == 200, (instrument.id, page.text)
        words = text_of(page.text)
        assert instrument.title in words
        assert " ".join(instrument.license.note.split()) in words  # the licence in small print
        found = questions(page.text)
        assert list(found) == [it.id for it in instrument.items], instrument.id
        for number, item in enumerate(instrument.items, 1):
            q = found[item.id]
            assert q["legend"] == f"{number}. {item.text}"
            expected = [(str(o.value), o.label) for o in instrument.options(item.id)]
            assert [(o["value"], o["text"]) for o in q["options"]] == expected, (instrument.id, item.id)
            assert {(o["type"], o["name"]) for o in q["options"]} == {("radio", f"answers.{item.id}")}
            assert not any(o["checked"] for o in q["options"])
        assert 'name="csrf_token"' in page.text
        assert "Completed by the patient" in words


def test_the_form_macro_stands_alone_for_the_patient_portal(ctx):
    """The form block needs no signed-in staff member and carries no staff controls unless handed them."""
    from painpath.web.templating import templates

    form = templates.env.get_template("instruments/form.html").module.instrument_form
    html = str(form(ctx.knowledge.instruments["peg"], "/portal/peg", "token-1"))
    assert html.startswith("<form") and html.rstrip().endswith("</form>")
    assert 'action="/portal/peg"' in html and 'name="csrf_token" value="token-1"' in html
    assert list(questions(html)) == ["peg_1", "peg_2", "peg_3"]
    assert "Completed by the patient" not in html and "/episodes/" not in html


def test_the_form_for_an_instrument_weighted_by_sex_says_which_weights_apply(client_for, patient_payload, episode_payload):
    episode = _episode(client_for, {**patient_payload, "sex": "unknown"}, episode_payload)
    page = client_for("nurse").get(f"/episodes/{episode}/instruments/ort")
    assert page.status_code == 200
    assert "it cannot be scored until the record says female or male" in text_of(page.text)


def test_an_unknown_instrument_is_a_404_naming_it(client_for, episode_id):
    nurse = client_for("nurse")
    shown = nurse.get(f"/episodes/{episode_id}/instruments/beck")
    assert shown.status_code == 404
    assert "No instrument 'beck'" in unescape(shown.text)
    posted = nurse.post(f"/episodes/{episode_id}/instruments/beck", data={"answers.beck_1": "1"})
    assert posted.status_code == 404 and "No instrument 'beck'" in unescape(posted.text)


@pytest.mark.parametrize("role", ["billing", "manager", "admin", "patient"])
def test_roles_without_instrument_administer_get_403(client_for, episode_id, role):
    client = client_for(role)
    url = f"/episodes/{episode_id}/instruments/phq9"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"answers.phq9_1": "1"}).status_code == 403


def test_who_may_not_give_questionnaires_sees_them_but_no_way_to_start_one(client_for, episode_id):
    submit(client_for("nurse"), episode_id, "gad7", {f"gad7_{i}": v for i, v in enumerate([2, 1, 2, 1, 0, 1, 0], 1)})
    manager = client_for("manager").get(f"/episodes/{episode_id}")  # reads the chart, gives no questionnaires
    panel = section(manager.text, "questionnaires")
    assert "GAD-7" in panel and "mild anxiety" in panel
    assert "Start a questionnaire" not in panel and "/instruments/" not in panel
    nurse_panel = section(client_for("nurse").get(f"/episodes/{episode_id}").text, "questionnaires")
    assert "Start a questionnaire" in nurse_panel
    assert f'href="/episodes/{episode_id}/instruments/peg"' in nurse_panel


# Scores on the panel: published worked examples ---------------------------------------------------

def test_peg_worked_example_scores_6_0_and_a_30_percent_drop_reaches_the_minimal_important_change(ctx, client_for, db, episode_id):
    ctx.settings.session_hours = 24 * 30  # the second PEG is two weeks later
    nurse = browser_like(client_for("nurse"))
    with time_machine.travel(NOW, tick=False):
        # clinical.md 2.2 PEG E1: P=6, E=7, G=5 -> mean 6.0 (S6 sample [6,7,5]).
        first = _admin_anchor(submit(nurse, episode_id, "peg", {"peg_1": 6, "peg_2": 7, "peg_3": 5}))
    with time_machine.travel(datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc), tick=False):
        # 6.0 -> 4.0 is a 33% drop: at least IMMPACT's 30% (clinical.md 2.1), so important.
        second = _admin_anchor(submit(nurse, episode_id, "peg", {"peg_1": 4, "peg_2": 4, "peg_3": 4}, completed_by_patient="yes"))
        page = nurse.get(f"/episodes/{episode_id}")
    assert page.status_code == 200
    baseline = text_of(section(page.text, f"administration-{first}"))
    assert "Score 6.0 (range 0 to 10)" in baseline
    assert "Tue 24 Nov 2026 09:00" in baseline  # the clinic's clock, not UTC
    assert "Baseline for this episode" in baseline
    assert "Given by staff (Nurse User)" in baseline
    later = text_of(section(page.text, f"administration-{second}"))
    assert "Score 4.0" in later
    assert "-2 since baseline (6): improved; reached minimal important change: yes" in later
    assert "Completed by the patient (recorded by Nurse User)" in later
    assert [(r.total, r.source) for r in _rows(db)] == [(6.0, "staff"), (4.0, "patient")]


def test_odi_worked_examples_including_one_section_left_blank(client_for, db, episode_id):
    nurse = browser_like(client_for("nurse"))
    # clinical.md 2.2 ODI E1: [1,5,4,4,3,0,1,5,3,4] -> 30/50 -> 60 (severe disability: 41-60).
    e1 = _admin_anchor(submit(nurse, episode_id, "odi", {f"odi_{i}": v for i, v in enumerate([1, 5, 4, 4, 3, 0, 1, 5, 3, 4], 1)}))
    # E2: [5,5,3,3,0,0,0,0,0, missing] -> 16/45 -> 35.56 (one decimal stored: 35.6), moderate disability.
    e2_answers = {f"odi_{i}": v for i, v in enumerate([5, 5, 3, 3, 0, 0, 0, 0, 0], 1)}
    e2 = _admin_anchor(submit(nurse, episode_id, "odi", {**e2_answers, "odi_10": ""}))
    panel = section(nurse.get(f"/episodes/{episode_id}").text, "questionnaires")
    first = text_of(section(panel, f"administration-{e1}"))
    assert "Score 60.0 (range 0 to 100)" in first and "severe disability" in first
    second = text_of(section(panel, f"administration-{e2}"))
    assert "Score 35.6" in second and "moderate disability" in second
    # 60 -> 35.6 is 24.4 points, more than the 10 points of Ostelo 2008.
    assert "reached minimal important change: yes" in second
    assert [r.answers.get("odi_10", "absent") for r in _rows(db)] == [4, None]


def test_ort_uses_the_weights_for_the_patients_sex(client_for, patient_payload, episode_payload):
    episode = _episode(client_for, {**patient_payload, "sex": "female"}, episode_payload)
    nurse = browser_like(client_for("nurse"))
    page = nurse.get(f"/episodes/{episode}/instruments/ort")
    assert "the female weights apply" in text_of(page.text)
    # clinical.md 2.2 ORT E1: female, personal history of alcohol + depression + age 30 -> 3 + 1 + 1 = 5, moderate.
    yes = {"ort_personal_alcohol", "ort_depression", "ort_age_16_45"}
    made = _admin_anchor(submit(nurse, episode, "ort", {it: int(it in yes) for it in [
        "ort_family_alcohol", "ort_family_illegal_drugs", "ort_family_rx_drugs", "ort_personal_alcohol",
        "ort_personal_illegal_drugs", "ort_personal_rx_drugs", "ort_age_16_45", "ort_preadolescent_sexual_abuse",
        "ort_add_ocd_bipolar_schizophrenia", "ort_depression"]}))
    shown = text_of(section(nurse.get(f"/episodes/{episode}").text, f"administration-{made}"))
    assert "Score 5 (range 0 to 26)" in shown and "moderate risk" in shown


# Refusals ------------------------------------------------------------------------------------------

def test_too_many_blank_items_are_refused_next_to_each_item_with_the_answers_kept_and_nothing_saved(client_for, db, episode_id):
    nurse = browser_like(client_for("nurse"))
    answers = {f"odi_{i}": v for i, v in enumerate([5, 5, 3, 3, 0, 0, 0, 0], 1)}  # sections 9 and 10 blank: one too many
    refused = submit(nurse, episode_id, "odi", answers)
    assert refused.status_code == 422
    assert "Your answers were not saved" in refused.text
    found = questions(refused.text)
    for item in ("odi_9", "odi_10"):
        assert found[item]["errors"] == ["Please answer this question: no more than 1 may be left blank, and 2 are."]
    assert found["odi_1"]["errors"] == []
    kept = {item: [o["value"] for o in q["options"] if o["checked"]] for item, q in found.items()}
    assert kept == {**{k: [str(v)] for k, v in answers.items()}, "odi_9": [], "odi_10": []}
    assert _rows(db) == []


def test_a_positive_item_9_in_a_refused_phq9_is_said_next_to_item_9(client_for, db, episode_id):
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}
    del answers["phq9_4"]
    refused = submit(browser_like(client_for("front_desk")), episode_id, "phq9", answers)
    assert refused.status_code == 422
    found = questions(refused.text)
    assert found["phq9_4"]["errors"] == ["Please answer this question: every question needs an answer."]
    assert any("start the suicide-risk workflow now" in e for e in found["phq9_9"]["errors"])
    assert _rows(db) == [] and _safety_tasks(db) == []


def test_a_crafted_post_with_an_unknown_item_or_an_answer_not_offered_is_refused(client_for, db, episode_id):
    nurse = browser_like(client_for("nurse"))
    answers = {f"phq9_{i}": 0 for i in range(1, 10)}
    unknown = submit(nurse, episode_id, "phq9", {**answers, "phq9_99": 1})
    assert unknown.status_code == 422
    assert "PHQ-9 has no item 'phq9_99'" in unescape(unknown.text)
    assert all(not q["errors"] for q in questions(unknown.text).values())  # no such question to put it next to

    not_offered = submit(nurse, episode_id, "phq9", {**answers, "phq9_1": 4, "phq9_2": "lots"})
    assert not_offered.status_code == 422
    found = questions(not_offered.text)
    assert found["phq9_1"]["errors"] == ["Choose one of the answers shown."]
    assert found["phq9_2"]["errors"] == ["Choose one of the answers shown."]
    assert [o["value"] for o in found["phq9_3"]["options"] if o["checked"]] == ["0"]
    assert _rows(db) == []


# The safety alert ----------------------------------------------------------------------------------

def test_phq9_item_9_banner_review_by_a_clinician_clears_it_and_meets_the_task(ctx, client_for, db, episode_id):
    ctx.settings.session_hours = 24 * 30
    answers = {**{f"phq9_{i}": 0 for i in range(1, 9)}, "phq9_1": 1, "phq9_2": 2, "phq9_9": 1}
    with time_machine.travel(NOW, tick=False):
        made = _admin_anchor(submit(browser_like(client_for("front_desk")), episode_id, "phq9", answers))
        (task,) = _safety_tasks(db)
        assert (task.status, task.owner_role) == ("open", "clinician")

        # Billing does not read questionnaire answers (minimum necessary); the front desk gave this one.
        assert 'id="safety-alert"' not in client_for("billing").get(f"/episodes/{episode_id}").text
        for role in ("nurse", "front_desk"):
            page = client_for(role).get(f"/episodes/{episode_id}")
            banner = section(page.text, "safety-alert")
            assert 'role="alert"' in banner
            words = text_of(banner)
            assert "PHQ-9 given Tue 24 Nov 2026 09:00" in words
            assert "item 9 (\u201cThoughts that you would be better off dead, or of hurting yourself in some way\u201d) answered 1 (\u201cSeveral days\u201d)" in words
            assert "safety-review" not in banner and "<textarea" not in banner  # only a clinician records it
        nurse = client_for("nurse")
        assert nurse.post(f"/instrument-administrations/{made}/safety-review", data={"note": "Asked"}).status_code == 403

        clinician = browser_like(client_for("clinician"))
        page = clinician.get(f"/episodes/{episode_id}")
        banner = section(page.text, "safety-alert")
        assert f'action="/instrument-administrations/{made}/safety-review"' in banner
        review_url = f"/instrument-administrations/{made}/safety-review"
        too_short = clinician.post(review_url, data={"csrf_token": csrf_of(page.text), "note": "ok"}, follow_redirects=False)
        assert too_short.status_code == 422
        assert "Enter at least 3 characters" in section(too_short.text, "safety-alert")
        assert _safety_tasks(db)[0].status == "open"

        note = "Passive ideation, no plan or intent; safety plan given"
        done = clinician.post(review_url, data={"csrf_token": csrf_of(page.text), "note": note}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == f"/episodes/{episode_id}#administration-{made}"
        after = clinician.get(f"/episodes/{episode_id}")
    assert 'id="safety-alert"' not in after.text
    row = text_of(section(after.text, f"administration-{made}"))
    assert "Safety assessment recorded by Clinician User at Tue 24 Nov 2026 09:00" in row
    assert note in row
    (task,) = _safety_tasks(db)
    assert task.status == "met"
