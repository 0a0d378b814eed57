"""Each authorization measure on the hand-built clinic of outcomes_clinic.py, whose answers are worked out by
hand there: eligibility to submission, submission to decision, denial / peer-to-peer / appeal rates and what
followed; the filters; another clinic's case never counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shared_clinic import shared_clinic
from outcomes_clinic import CASES, HUMANA, MEDICARE, NOVEMBER, RFA, TFESI, build
from painpath.outcomes import authorization_measures as am
from painpath.outcomes import cache
from painpath.outcomes.discovery import load_measures
from painpath.outcomes.measures import Filters
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.models import Episode, Location
from painpath.patients.schemas import EpisodeUpdate
from painpath.plans import service as plans
from painpath.plans.schemas import PlanStartIn


@pytest.fixture
def built(db, client_for, clinic, app, staff):
    """The clinic built for one test, which changes it."""
    cache.clear()
    return build(db, client_for, clinic, app=app, staff=staff)


@pytest.fixture(scope="module")
def shared(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The same clinic built once for the tests that only read it (most of this module's time was building it)."""
    with shared_clinic(migrated_template, tmp_path_factory.mktemp("authorization_measures")) as found:
        found.built = build(found.db, found.client_for, found.clinic, app=found.app, staff=found.staff)
        yield found


def _figure(ctx, clinic, measure, **filters):  # noqa: ANN001, ANN202
    with ctx.db.session() as session:
        return measure.compute(session, clinic_id=clinic.id, filters=Filters(**{**NOVEMBER, **filters}),
                               knowledge=ctx.knowledge, calendar=ctx.calendar)


def _rows(figure) -> dict:  # noqa: ANN001
    return {row.key: row for row in figure.rows}


def test_discovery_finds_the_authorization_measures():
    ids = {m.id for m in load_measures("operational")}
    assert {am.ELIGIBILITY_TO_SUBMISSION.id, am.SUBMISSION_TO_DECISION.id, am.DENIALS_AND_ESCALATIONS.id} <= ids


@pytest.mark.storage  # the shared clinic has a database of its own
def test_days_from_eligibility_to_submission_by_payer_and_procedure(shared):
    ctx, clinic, built = shared.ctx, shared.clinic, shared.built
    rows = _rows(_figure(ctx, clinic, am.ELIGIBILITY_TO_SUBMISSION))
    # D became eligible in October: not in November's figure. The other clinic's case is not counted.
    assert set(rows) == {f"{MEDICARE}|{RFA}", f"{MEDICARE}|{TFESI}", f"{HUMANA}|{RFA}"}
    assert rows[f"{MEDICARE}|{RFA}"].cells[2:] == (2, 2.0, 2.0, 1)  # A 0 days, B 4 days; one on the day
    assert rows[f"{MEDICARE}|{TFESI}"].cells[2:] == (1, 1.0, 1.0, 0)
    assert rows[f"{HUMANA}|{RFA}"].cells[2:] == (1, 3.0, 3.0, 0)
    assert rows[f"{HUMANA}|{RFA}"].cells[0] == "Humana Medicare Advantage"
    assert set(rows[f"{MEDICARE}|{RFA}"].episode_ids) == {built.episodes["A"], built.episodes["B"]}


@pytest.mark.storage  # the shared clinic has a database of its own
def test_time_from_submission_to_first_decision(shared):
    ctx, clinic = shared.ctx, shared.clinic
    figure = _figure(ctx, clinic, am.SUBMISSION_TO_DECISION)
    rows = _rows(figure)
    # A: Mon 2 -> Wed 4 Nov, 2 business days, 48 h; B: Fri 6 -> Tue 10 (its first answer, the denial), 2, 96 h.
    assert rows[f"{MEDICARE}|{RFA}"].cells[2:] == (2, 2.0, 2.0, 72.0)
    assert rows[f"{HUMANA}|{RFA}"].cells[2:] == (1, 1.0, 1.0, 24.0)
    assert rows[f"{MEDICARE}|{TFESI}"].cells[2:] == (1, 2.0, 2.0, 48.0)
    assert figure.notes == ("1 case submitted in the period still waits for the payer's first decision.",)  # D
    assert figure.chart.kind == "bar" and len(figure.chart.x) == 3


@pytest.mark.storage  # the shared clinic has a database of its own
def test_denial_peer_to_peer_and_appeal_rates_and_outcomes(shared):
    ctx, clinic, built = shared.ctx, shared.clinic, shared.built
    rows = _rows(_figure(ctx, clinic, am.DENIALS_AND_ESCALATIONS))
    # decided, denied, denial %, p2p, p2p %, appealed, appeal %, overturned, upheld, waiting
    assert rows[MEDICARE].cells[1:] == (3, 2, 66.7, 1, 50.0, 0, 0.0, 1, 0, 0)  # B denied then overturned, F partial
    assert rows[HUMANA].cells[1:] == (1, 1, 100.0, 0, 0.0, 1, 100.0, 0, 1, 0)  # C appealed, denied again
    assert rows["all"].cells[1:] == (4, 3, 75.0, 1, 33.3, 1, 33.3, 1, 1, 0)
    assert built.episodes["D"] not in rows["all"].episode_ids  # no decision yet


@pytest.mark.storage  # the shared clinic has a database of its own
def test_payer_and_procedure_filters(shared):
    ctx, clinic = shared.ctx, shared.clinic
    assert set(_rows(_figure(ctx, clinic, am.ELIGIBILITY_TO_SUBMISSION, payer_id=HUMANA))) == {f"{HUMANA}|{RFA}"}
    assert set(_rows(_figure(ctx, clinic, am.SUBMISSION_TO_DECISION, procedure_id=TFESI))) == {f"{MEDICARE}|{TFESI}"}
    assert set(_rows(_figure(ctx, clinic, am.DENIALS_AND_ESCALATIONS, payer_id=HUMANA))) == {HUMANA}


def _edit_episode(session, coordinator, episode_id: int, **changes) -> None:  # noqa: ANN001, ANN003
    """Change the episode as the coordinator does on its page (the patients service)."""
    episode = session.get(Episode, episode_id)
    keep = {k: getattr(episode, k) for k in ("problem_summary", "body_region", "laterality", "onset_date", "icd10_codes",
                                             "responsible_clinician_id", "coordinator_id", "location_id")}
    patients.update_episode(session, actor=coordinator, episode_id=episode_id,
                            data=EpisodeUpdate(**{**keep, **changes}, status=episode.status, version=episode.version))


def test_clinician_location_and_pathway_filters(ctx, clinic, built, staff, db):
    coordinator = actor_for(staff["coordinator"])
    with db.session() as session:
        main, north = sorted(session.scalars(select(Location.id).where(Location.clinic_id == clinic.id)))
        for name in CASES:
            _edit_episode(session, coordinator, built.episodes[name], location_id=north if name == "B" else main,
                          **({"responsible_clinician_id": staff["clinician"].id} if name == "A" else {}))
        plans.start_plan(session, actor=actor_for(staff["clinician"]), knowledge=ctx.knowledge, calendar=ctx.calendar,
                         episode_id=built.episodes["C"], data=PlanStartIn(pathway_id="cervical_radiculopathy"))
    mine = _rows(_figure(ctx, clinic, am.ELIGIBILITY_TO_SUBMISSION, clinician_id=staff["clinician"].id))
    assert list(mine) == [f"{MEDICARE}|{RFA}"] and mine[f"{MEDICARE}|{RFA}"].cells[2] == 1
    north = _rows(_figure(ctx, clinic, am.ELIGIBILITY_TO_SUBMISSION, location_id=north))
    assert list(north) == [f"{MEDICARE}|{RFA}"] and north[f"{MEDICARE}|{RFA}"].cells[2:4] == (1, 4.0)  # B alone
    on_pathway = _rows(_figure(ctx, clinic, am.ELIGIBILITY_TO_SUBMISSION, pathway_id="cervical_radiculopathy"))
    assert list(on_pathway) == [f"{HUMANA}|{RFA}"]


@pytest.mark.storage  # the shared clinic has a database of its own
def test_an_empty_period_gives_an_empty_figure(shared):
    ctx, clinic = shared.ctx, shared.clinic
    figure = _figure(ctx, clinic, am.DENIALS_AND_ESCALATIONS, period_from=date(2025, 1, 1), period_to=date(2025, 1, 31))
    assert figure.rows == () and figure.chart is None


def test_the_demo_clinic_has_figures_on_the_default_dashboard(ctx):
    from datetime import datetime

    from painpath.core.clock import utcnow
    from painpath.demo import load_demo

    cache.clear()
    summary = load_demo(ctx, patients=20, now=utcnow().replace(microsecond=0) - __import__("datetime").timedelta(days=1))
    assert summary.facts["past_authorizations"] > 0 and isinstance(summary.clinic_id, int)
    today = ctx.calendar.local_date(utcnow())
    period = {"period_from": today - __import__("datetime").timedelta(days=90), "period_to": today}
    with ctx.db.session() as session:
        for item in (am.ELIGIBILITY_TO_SUBMISSION, am.SUBMISSION_TO_DECISION, am.DENIALS_AND_ESCALATIONS):
            figure = item.compute(session, clinic_id=summary.clinic_id, filters=Filters(**period), knowledge=ctx.knowledge, calendar=ctx.calendar)
            assert figure.rows, item.id
        denials = {r.key: r for r in am.DENIALS_AND_ESCALATIONS.compute(
            session, clinic_id=summary.clinic_id, filters=Filters(**period), knowledge=ctx.knowledge, calendar=ctx.calendar).rows}
    total = denials.get("all") or next(iter(denials.values()))
    assert total.cells[2] > 0 and total.cells[8] > 0 and total.cells[9] > 0  # denials, overturned and upheld
    assert datetime  # noqa: B018


def test_local_days_remembered_by_quarter_hour_match_the_calendar(ctx):
    from datetime import datetime, timedelta

    day = am.local_days(ctx.calendar)
    moment = datetime(2026, 3, 7, 0, 0)  # across the March daylight-saving change, every 7 minutes for two days
    while moment < datetime(2026, 3, 10):
        assert day(moment) == ctx.calendar.local_date(moment), moment
        moment += timedelta(minutes=7)
