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


def add_case(rows: Rows, rng: random.Random, episode_id: int, patient_id: int) -> None:
    """One episode's authorization case and its history lines, as the authorizations slice writes them."""
    payer = PAYERS[rng.randrange(len(PAYERS))]
    procedure, region = PROCEDURES[rng.randrange(len(PROCEDURES))]
    eligible = TODAY - timedelta(days=rng.randint(10, 180))
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
    case = rows.add(AuthorizationCase, episode_id=episode_id, patient_id=patient_id, state=state, procedure_id=procedure,
                    cpt_codes=["64635"], region=region, side="right", levels=[], place_of_service="24", units_requested=1,
                    priority="standard", payer_id=payer, opened_at=submitted - timedelta(days=10), submitted_at=submitted,
                    eligible_on_at_submission=eligible, decided_at=decided[-1] if decided else None, version=1)
    for action, at in history:
        rows.add(CaseEvent, case_id=case, at=at, action=action, from_state=None, to_state=state)


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


@@PASSES@@

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
