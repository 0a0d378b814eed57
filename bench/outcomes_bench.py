"""Benchmark: the outcomes dashboard's authorization measures for a 20,000-episode clinic, against raw SQL.

    python -m bench.outcomes_bench                      # SQLite file, 20,000 episodes
    python -m bench.outcomes_bench --postgres           # a temporary PostgreSQL database
    python -m bench.outcomes_bench --small              # 200 episodes, 1 iteration (the smoke test)

The data (bulk inserted with SQLAlchemy Core, the row builder of authorization_readiness_bench): one patient per
episode, each episode with one authorization case over six payers and four procedures, eligible on a day of the
last 180, submitted 0-6 days later and answered 1-10 days after that; about a quarter denied, of which some go to
a peer-to-peer call and some are appealed (overturned or upheld), with the case's history lines as the
authorizations slice writes them.

What is timed, round-robin, for the last 90 days:
- dashboard: every authorization measure's `compute` (the figures the page draws, uncached), in one session;
- dashboard_all: every registered measure (`outcomes.discovery.load_measures`), whatever modules are present;
- cached: the page's path through `outcomes.cache` once the figures are cached (one facts-version probe each);
- floor: raw SQL for the same aggregates: the same case and history rows read with the driver's cursor (psycopg or
  sqlite3) as tuples, and the day differences, counts and sums grouped by payer and procedure in plain Python.

Prints the dashboard/floor ratio (the target is at most 3x) and writes bench/results/outcomes-<ts>.json.
"""

from __future__ import annotations

import platform
import random
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench import harness
from bench.authorization_readiness_bench import Rows, _fix_sequences, _uniform
from bench.databases import scratch_database
from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.context import load_models, load_providers
from painpath.core.clock import BusinessCalendar
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.runtime import settle_after_start_up
from painpath.core.tenancy import Clinic
from painpath.knowledge.loader import load_knowledge
from painpath.outcomes import authorization_measures as am
from painpath.outcomes import cache
from painpath.outcomes.discovery import load_measures
from painpath.outcomes.measures import Filters
from painpath.patients.models import Episode, Patient

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 11, 30)
PERIOD = Filters(period_from=TODAY - timedelta(days=90), period_to=TODAY)
PAYERS = ("medicare_noridian_jf", "humana_ma", "aetna_ma", "bcbs_commercial", "cigna_commercial_evicore", "uhc_commercial")
PROCEDURES = (("rfa_lumbar", "lumbar"), ("tfesi_lumbar", "lumbar"), ("tfesi_cervical", "cervical"), ("mbb_lumbar", "lumbar"))
BATCH = 5_000
AUTH_MEASURES = (am.ELIGIBILITY_TO_SUBMISSION, am.SUBMISSION_TO_DECISION, am.DENIALS_AND_ESCALATIONS)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, dtime(14 + rng.randint(0, 6), rng.randint(0, 59)))


def build_rows(n: int, seed: int, clinic_id: int) -> Rows:
    rng = random.Random(seed)
    rows = Rows(clinic_id)
    for i in range(n):
        payer = PAYERS[rng.randrange(len(PAYERS))]
        procedure, region = PROCEDURES[rng.randrange(len(PROCEDURES))]
        patient = rows.add(Patient, mrn=f"O{i:06d}", given_name=f"Given{i}", family_name=f"Family{i % 997}",
                           birth_date=date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="female" if i % 2 else "male",
                           preferred_contact="phone")
        eligible = TODAY - timedelta(days=rng.randint(10, 180))
        episode = rows.add(Episode, patient_id=patient, problem_summary=f"{region} pain", body_region=region, laterality="right",
                           icd10_codes=["M54.16"], status="open", opened_at=datetime.combine(eligible - timedelta(days=60), dtime(15)))
        submitted = _moment(eligible + timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 6])), rng)
        history = [("submit", submitted)]
        first = submitted + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5))
        roll = rng.random()
        if roll < 0.05:
            state = "submitted"  # still waiting
        elif roll < 0.75:
            history.append(("approve", first))
            state = "approved"
        else:
            history.append(("deny", first))
            escalation = rng.random()
            if escalation < 0.35:
                history += [("schedule_peer_to_peer", first + timedelta(days=2)), ("approve", first + timedelta(days=3))]
                state = "approved"
            elif escalation < 0.65:
                history += [("appeal", first + timedelta(days=3))]
                outcome = rng.choice(["approve", "deny", None])
                if outcome:
                    history.append((outcome, first + timedelta(days=20)))
                state = {"approve": "approved", "deny": "denied", None: "appealed"}[outcome]
            else:
                state = "denied"
        decided = [at for action, at in history if action in ("approve", "deny")]
        case = rows.add(AuthorizationCase, episode_id=episode, patient_id=patient, state=state, procedure_id=procedure,
                        cpt_codes=["64635"], region=region, side="right", levels=[], place_of_service="24", units_requested=1,
                        priority="standard", payer_id=payer, opened_at=submitted - timedelta(days=10), submitted_at=submitted,
                        eligible_on_at_submission=eligible, decided_at=decided[-1] if decided else None, version=1)
        for action, at in history:
            rows.add(CaseEvent, case_id=case, at=at, action=action, from_state=None, to_state=state)
    return rows


def seed(db: Database, n: int, seed_value: int) -> tuple[int, dict[str, int]]:
    with db.session() as session:
        clinic = Clinic(name="Outcomes bench clinic")
        session.add(clinic)
        session.flush()
        clinic_id = clinic.id
    rows = build_rows(n, seed_value, clinic_id)
    with db.engine.begin() as conn:
        for model in (Patient, Episode, AuthorizationCase, CaseEvent):
            table_rows = _uniform(rows.tables.get(model, []))
            for start in range(0, len(table_rows), BATCH):
                conn.execute(insert(model.__table__), table_rows[start:start + BATCH])
    if db.engine.dialect.name == "postgresql":
        _fix_sequences(db, rows)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return clinic_id, {model.__tablename__: len(found) for model, found in rows.tables.items()}


# --- the passes ---------------------------------------------------------------------------------------


def dashboard_pass(db: Database, clinic_id: int, knowledge, calendar, measures) -> dict:  # noqa: ANN001
    with db.session() as session:
        return {m.id: m.compute(session, clinic_id=clinic_id, filters=PERIOD, knowledge=knowledge, calendar=calendar) for m in measures}


def cached_pass(db: Database, clinic_id: int, knowledge, calendar, measures) -> int:  # noqa: ANN001
    with db.session() as session:
        version = cache.facts_version(session)
        for m in measures:
            cache.cached_figure(session, clinic_id=clinic_id, measure_id=m.id, filters=PERIOD, version=version,
                                compute=lambda m=m: m.compute(session, clinic_id=clinic_id, filters=PERIOD, knowledge=knowledge, calendar=calendar))
    return len(measures)


RAW = {
    "eligible": "SELECT payer_id, procedure_id, episode_id, eligible_on_at_submission, submitted_at FROM authorization_case "
                "WHERE clinic_id = {p} AND submitted_at IS NOT NULL AND eligible_on_at_submission BETWEEN {p} AND {p}",
    "submitted": "SELECT id, payer_id, procedure_id, episode_id, submitted_at FROM authorization_case "
                 "WHERE clinic_id = {p} AND submitted_at >= {p} AND submitted_at < {p}",
    "history": "SELECT e.case_id, e.at, e.action FROM authorization_case_event e JOIN authorization_case c ON c.id = e.case_id "
               "WHERE c.clinic_id = {p} AND c.submitted_at >= {p} AND c.submitted_at < {p} "
               "AND e.action IN ('approve', 'partially_approve', 'deny', 'schedule_peer_to_peer', 'appeal') ORDER BY e.case_id, e.at, e.id",
}


def _as_datetime(value) -> datetime:  # noqa: ANN001
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _as_date(value) -> date:  # noqa: ANN001
    return value if isinstance(value, date) else date.fromisoformat(value)


def raw_floor_pass(db: Database, clinic_id: int, calendar) -> dict:  # noqa: ANN001
    """The same aggregates from the driver's cursor: rows as tuples, grouped with dicts, days from dates (no business
    calendar: the floor does the least arithmetic), medians left out."""
    postgres = db.engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    start, end = calendar.start_of_local_day_utc(PERIOD.period_from), calendar.start_of_local_day_utc(PERIOD.period_to + timedelta(days=1))
    connection = db.engine.raw_connection()
    out: dict = {}
    try:
        cursor = connection.cursor()
        cursor.execute(RAW["eligible"].format(p=mark), (clinic_id, PERIOD.period_from, PERIOD.period_to))
        groups: dict = defaultdict(lambda: [0, 0, set()])
        for payer, procedure, episode, eligible, submitted in cursor.fetchall():
            g = groups[(payer, procedure)]
            g[0] += 1
            g[1] += (_as_datetime(submitted).date() - _as_date(eligible)).days
            g[2].add(episode)
        out["eligible"] = {k: (n, total / n, len(eps)) for k, (n, total, eps) in groups.items()}
        cursor.execute(RAW["submitted"].format(p=mark), (clinic_id, start, end))
        cases = {row[0]: row for row in cursor.fetchall()}
        cursor.execute(RAW["history"].format(p=mark), (clinic_id, start, end))
        actions: dict = defaultdict(list)
        for case_id, at, action in cursor.fetchall():
            actions[case_id].append((at, action))
        decisions: dict = defaultdict(lambda: [0, 0.0])
        rates: Counter = Counter()
        for case_id, (_, payer, procedure, _episode, submitted) in cases.items():
            lines = actions.get(case_id)
            if not lines:
                continue
            first_at, first = next((at, a) for at, a in lines if a in ("approve", "partially_approve", "deny"))
            d = decisions[(payer, procedure)]
            d[0] += 1
            d[1] += (_as_datetime(first_at) - _as_datetime(submitted)).total_seconds() / 3600
            rates[(payer, "decided")] += 1
            if first != "approve":
                rates[(payer, "denied")] += 1
                done = {a for _, a in lines}
                rates[(payer, "p2p")] += "schedule_peer_to_peer" in done
                rates[(payer, "appeal")] += "appeal" in done
        out["decision"] = {k: (n, hours / n) for k, (n, hours) in decisions.items()}
        out["rates"] = dict(rates)
        connection.rollback()
    finally:
        connection.close()
    return out


def verify(figures: dict, floor: dict) -> dict:
    """The dashboard and the floor count the same cases."""
    elig = figures[am.ELIGIBILITY_TO_SUBMISSION.id]
    decided = figures[am.SUBMISSION_TO_DECISION.id]
    denials = {r.key: r for r in figures[am.DENIALS_AND_ESCALATIONS.id].rows}
    counts = {
        "eligible_cases": (sum(r.cells[2] for r in elig.rows), sum(v[0] for v in floor["eligible"].values())),
        "decided_cases": (sum(r.cells[2] for r in decided.rows), sum(v[0] for v in floor["decision"].values())),
        "denied": (sum(r.cells[2] for k, r in denials.items() if k != "all"),
                   sum(n for (_, what), n in floor["rates"].items() if what == "denied")),
        "peer_to_peer": (sum(r.cells[4] for k, r in denials.items() if k != "all"),
                         sum(n for (_, what), n in floor["rates"].items() if what == "p2p")),
    }
    return {"counts": counts, "agree": all(a == b and a > 0 for a, b in counts.values())}


def main(argv: list[str] | None = None) -> int:
    args = harness.dataset_arguments(__doc__.split("\n\n")[0], admin_url=DEFAULT_ADMIN_URL, argv=argv)

    load_models()
    load_providers()
    knowledge = load_knowledge()
    settle_after_start_up()
    calendar = BusinessCalendar(timezone_name="America/Chicago")
    every = load_measures()
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.postgres, args.admin_url, Path(folder) / "outcomes.sqlite3") as url:
        upgrade(url)
        db = Database(url)
        try:
            clinic_id, counts = seed(db, args.episodes, args.seed)
            figures = dashboard_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES)
            floor = raw_floor_pass(db, clinic_id, calendar)
            verification = verify(figures, floor)
            print(f"database: {db.engine.dialect.name}; rows: {counts}")
            print(f"verification: {verification}")
            if not verification["agree"]:
                print("FAILED: the dashboard and the raw SQL disagree")
                return 1
            failures = []

            def all_measures() -> None:
                with db.session() as session:
                    for m in every:
                        try:
                            with session.begin_nested():
                                m.compute(session, clinic_id=clinic_id, filters=PERIOD, knowledge=knowledge, calendar=calendar)
                        except Exception as error:  # noqa: BLE001 - another slice's measure on data this bench does not seed
                            failures.append(f"{m.id}: {error}")

            cache.clear()
            cached_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES)  # fills the cache
            timings = harness.compare(
                {"dashboard": lambda: dashboard_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES),
                 "dashboard_all": all_measures,
                 "cached": lambda: cached_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES),
                 "floor": lambda: raw_floor_pass(db, clinic_id, calendar)},
                iterations=args.iterations, warmup=args.warmup)
        finally:
            db.engine.dispose()
        ratio = harness.ratio(timings["dashboard"].p50, timings["floor"].p50)
        harness.print_table(timings, floor="floor", title=f"Outcomes dashboard, {args.episodes:,} episodes ({db.engine.dialect.name})")
        print(f"measures: {len(AUTH_MEASURES)} authorization, {len(every)} registered; failures: {sorted(set(failures)) or 'none'}")
        print(f"dashboard/floor time ratio {ratio:.2f} (target <= 3)")
        result = {
            "benchmark": "outcomes",
            "params": {"episodes": args.episodes, "iterations": args.iterations, "warmup": args.warmup, "database": db.engine.dialect.name,
                       "period": [PERIOD.period_from.isoformat(), PERIOD.period_to.isoformat()]},
            "dataset": counts, "verification": verification, "registered_measures": [m.id for m in every],
            "measure_failures": sorted(set(failures)), "timings": timings, "ratio_p50": ratio,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
        }
        path = harness.write_result("outcomes", result, results_dir=args.results_dir)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
