"""The outcomes dashboard as a manager reads it: the cards with their definitions, the filters, the CSV of a
figure, the cases behind a row (only this clinic's), who may open it, and a measure that fails."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest

from shared_clinic import shared_clinic
from outcomes_clinic import HUMANA, MEDICARE, RFA, build
from painpath.outcomes import authorization_measures as am
from painpath.outcomes import cache, measures
from painpath.outcomes.measures import register_measure

NOVEMBER = "period_from=2026-11-01&period_to=2026-11-30"


pytestmark = pytest.mark.storage  # the module's clinic has a database of its own, not database_url


@pytest.fixture(scope="module")
def shared(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The hand-built clinic of outcomes_clinic.py, built once: these tests only read the dashboard."""
    with shared_clinic(migrated_template, tmp_path_factory.mktemp("outcomes_pages")) as found:
        cache.clear()
        found.built = build(found.db, found.client_for, found.clinic, app=found.app, staff=found.staff)
        yield found


@pytest.fixture
def built(shared):  # noqa: ANN001, ANN201
    cache.clear()  # figures are cached per process by clinic id: another module's clinic 1 must not answer
    return shared.built


@pytest.fixture
def client_for(shared):  # noqa: ANN001, ANN201
    return shared.client_for


@pytest.fixture
def db(shared):  # noqa: ANN001, ANN201
    return shared.db


def test_dashboard_shows_each_measure_with_its_definition_chart_and_table(client_for, built):
    page = client_for("manager").get(f"/outcomes?{NOVEMBER}")
    assert page.status_code == 200, page.text
    for item in (am.ELIGIBILITY_TO_SUBMISSION, am.SUBMISSION_TO_DECISION, am.DENIALS_AND_ESCALATIONS):
        assert f'id="measure-{item.id}"' in page.text
        assert item.definition.replace("'", "&#39;") in page.text
        assert f'id="chart-{item.id}"' in page.text
        assert f'href="/outcomes/{item.id}.csv?' in page.text
    assert 'id="group-operational"' in page.text and 'id="group-clinical"' in page.text
    assert '<table class="stack">' in page.text and 'data-label="Median days"' in page.text
    assert "/static/js/outcomes-chart.js" in page.text and "cdn" not in page.text.lower()
    assert 'href="/outcomes"' in page.text  # the nav link
    assert "Humana Medicare Advantage" in page.text


def test_default_period_is_the_last_90_days_and_a_bad_date_is_named(client_for, built):
    manager = client_for("manager")
    assert manager.get("/outcomes").status_code == 200
    bad = manager.get("/outcomes?period_from=31-11-2026")
    assert bad.status_code == 422 and "From: enter a date as YYYY-MM-DD." in bad.text
    assert 'value="31-11-2026"' in bad.text


def test_payer_filter_narrows_the_tables(client_for, built):
    page = client_for("manager").get(f"/outcomes?{NOVEMBER}&payer={HUMANA}")
    assert f'data-row="{HUMANA}|{RFA}"' in page.text and f'data-row="{MEDICARE}|{RFA}"' not in page.text
    assert f'<option value="{HUMANA}" selected>' in page.text


def test_csv_export_of_a_figure(client_for, built):
    answer = client_for("manager").get(f"/outcomes/{am.DENIALS_AND_ESCALATIONS.id}.csv?{NOVEMBER}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="authorization_denials_and_escalations_2026-11-01_2026-11-30.csv"' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:4] == ["Payer", "Decided", "Denied", "Denial rate %"]
    assert ["All payers", "4", "3", "75.0", "1", "33.3", "1", "33.3", "1", "1", "0"] in rows
    assert client_for("manager").get(f"/outcomes/no_such_measure.csv?{NOVEMBER}").status_code == 404


def test_cases_behind_a_row_are_its_episodes_and_only_this_clinics(client_for, built):
    manager = client_for("manager")
    page = manager.get(f"/outcomes/{am.ELIGIBILITY_TO_SUBMISSION.id}/cases?{NOVEMBER}&row={MEDICARE}|{RFA}")
    assert page.status_code == 200, page.text
    linked = set(map(int, re.findall(r'href="/episodes/(\d+)"', page.text)))
    assert linked == {built.episodes["A"], built.episodes["B"]}
    assert "CaseA, PatA" in page.text and "Elsewhere" not in page.text
    everyone = manager.get(f"/outcomes/{am.DENIALS_AND_ESCALATIONS.id}/cases?{NOVEMBER}&row=all")
    assert built.other_episode not in set(map(int, re.findall(r'href="/episodes/(\d+)"', everyone.text)))
    assert manager.get(f"/outcomes/{am.DENIALS_AND_ESCALATIONS.id}/cases?{NOVEMBER}&row=nope").status_code == 404


def test_the_cases_list_is_audited(client_for, built, db):
    from sqlalchemy import select

    from painpath.core.audit import AuditEvent
    client_for("manager").get(f"/outcomes/{am.ELIGIBILITY_TO_SUBMISSION.id}/cases?{NOVEMBER}&row={HUMANA}|{RFA}")
    with db.session() as session:
        seen = session.scalars(select(AuditEvent.patient_id).where(AuditEvent.patient_id == built.patients["C"])).all()
    assert seen


@pytest.mark.parametrize("role", ["front_desk", "therapist", "billing"])
def test_roles_without_outcomes_are_refused(client_for, built, role):
    client = client_for(role)
    assert client.get("/outcomes").status_code == 403
    assert client.get(f"/outcomes/{am.DENIALS_AND_ESCALATIONS.id}.csv").status_code == 403
    assert client.get(f"/outcomes/{am.DENIALS_AND_ESCALATIONS.id}/cases?row=all").status_code == 403
    assert 'href="/outcomes"' not in client.get("/").text


def test_clinician_may_read_the_dashboard(client_for, built):
    assert client_for("clinician").get(f"/outcomes?{NOVEMBER}").status_code == 200


@dataclass(frozen=True)
class Broken:
    id: str = "zz_broken_for_test"
    title: str = "A measure that fails"
    definition: str = "Raises."
    group: str = "operational"

    def compute(self, session, **_):  # noqa: ANN001, ANN003, ANN201
        session.execute(__import__("sqlalchemy").text("SELECT * FROM no_such_table"))


@pytest.fixture
def broken():
    register_measure(Broken())
    yield
    measures._measures.pop(Broken.id, None)


def test_a_failing_measure_shows_its_error_and_the_rest_of_the_page_works(client_for, built, broken):
    page = client_for("manager").get(f"/outcomes?{NOVEMBER}")
    assert page.status_code == 200
    assert 'id="measure-zz_broken_for_test"' in page.text and "This figure could not be computed:" in page.text
    assert f'data-row="{MEDICARE}|{RFA}"' in page.text  # measures after it still drawn
