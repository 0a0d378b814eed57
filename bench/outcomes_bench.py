"""Benchmark: the whole outcomes dashboard for one 20,000-episode clinic, against raw SQL, per measure and in total.

    python -m bench.outcomes_bench                      # SQLite file, 20,000 episodes
    python -m bench.outcomes_bench --postgres           # a temporary PostgreSQL database
    python -m bench.outcomes_bench --small              # 200 episodes, 1 iteration (the smoke test)

The data (`bench.outcomes_clinic`: the benches' own seeders, bulk inserted with SQLAlchemy Core): one clinic, one
patient and one open episode each, with every fact kind a registered measure reads. Each episode has an intake call
(call attempts, a triage decision for two thirds, a first visit for most), an authorization case over six payers
and four procedures (eligible on a day of the last 180, submitted 0-6 days later, answered 1-10 days after; about a
quarter denied, some to a peer-to-peer call, some appealed, with the history lines the slice writes), a procedure
with relief reports and a care plan with ODI scores; half a records request, a fifth a form request, a third a PT
course with visit notes, an authorization and check-in notes, a tenth an opioid taper.

What is timed, round-robin, for the year to date (one set of filters, as the page has):
- dashboard: the three authorization measures' `compute` (uncached) in one session, against `floor`, their floors;
- dashboard_all: every registered measure (`outcomes.discovery.load_measures`) in one session, uncached, against
  `floor_all`, every measure's floor on one connection: the whole page against raw SQL;
- per measure: each measure alone in its own session against its own floor;
- cached: the page's path through `outcomes.cache` once the figures are cached (one facts-version probe each).
A floor (`bench.outcomes_floors`) reads the same rows with the driver's cursor (psycopg or sqlite3) as tuples and
does the same grouping in plain Python: counts, sums and day differences (no medians or curve fits).

Prints every ratio (the target is at most 3x) and writes bench/results/outcomes-<ts>.json.
"""

from __future__ import annotations

import platform
import random
import sys
import tempfile
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness
from bench.authorization_readiness_bench import Rows
from bench.databases import scratch_database
from bench.outcomes_clinic import seed_dashboard_clinic
from bench.outcomes_floors import FLOORS, Query, floor_name, run_floors
from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.context import load_models, load_providers
from painpath.core.clock import BusinessCalendar
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.runtime import settle_after_start_up
from painpath.knowledge.loader import load_knowledge
from painpath.outcomes import authorization_measures as am
from painpath.outcomes import cache
from painpath.outcomes.discovery import load_measures
from painpath.outcomes.measures import Filters

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 15, 0)
PERIOD = Filters(period_from=date(2026, 1, 1), period_to=TODAY)
PAYERS = ("medicare_noridian_jf", "humana_ma", "aetna_ma", "bcbs_commercial", "cigna_commercial_evicore", "uhc_commercial")
PROCEDURES = (("rfa_lumbar", "lumbar"), ("tfesi_lumbar", "lumbar"), ("tfesi_cervical", "cervical"), ("mbb_lumbar", "lumbar"))
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


def floor_query(db: Database, clinic_id: int, knowledge, calendar) -> Query:  # noqa: ANN001
    """What every floor reads: the clinic, the period (as days and as UTC instants) and the packs' numbers, once."""
    mic = {i.id: (i.direction, i.mic.points if i.mic else None, i.mic.percent_of_baseline if i.mic else None)
           for i in knowledge.instruments.values()}
    return Query(mark="%s" if db.engine.dialect.name == "postgresql" else "?", clinic_id=clinic_id, period_from=PERIOD.period_from,
                 period_to=PERIOD.period_to, start_utc=calendar.start_of_local_day_utc(PERIOD.period_from),
                 end_utc=calendar.start_of_local_day_utc(PERIOD.period_to + timedelta(days=1)), mic=mic,
                 relief_threshold=knowledge.outcome_measures.relief_duration.meaningful_relief_percent)


def floor_pass(db: Database, q: Query, names) -> dict:  # noqa: ANN001
    q.memo.clear()  # each pass reads afresh, as each dashboard request does
    return run_floors(db.engine, q, names)


def _total(figure, column: int, key: str = "all") -> int:  # noqa: ANN001
    return sum(r.cells[column] for r in figure.rows if r.key == key)


def verify(figures: dict, floors: dict) -> dict:
    """The dashboard and the floors count the same things (cases, referrals, requests, procedures, windows)."""
    f = floors
    elig, decided = figures[am.ELIGIBILITY_TO_SUBMISSION.id], figures[am.SUBMISSION_TO_DECISION.id]
    denials = {r.key: r for r in figures[am.DENIALS_AND_ESCALATIONS.id].rows}
    counts = {
        "eligible_cases": (sum(r.cells[2] for r in elig.rows), sum(v[0] for v in f["eligibility_to_submission"].values())),
        "decided_cases": (sum(r.cells[2] for r in decided.rows), sum(v[0] for v in f["submission_to_decision"].values())),
        "denied": (sum(r.cells[2] for k, r in denials.items() if k != "all"),
                   sum(n for (_, what), n in f["denials_and_escalations"].items() if what == "denied")),
        "peer_to_peer": (sum(r.cells[4] for k, r in denials.items() if k != "all"),
                         sum(n for (_, what), n in f["denials_and_escalations"].items() if what == "p2p")),
        "referrals_reached": (_total(figures["referral_to_first_contact"], 2), sum(g[1] for g in f["referral_to_first_contact"].values())),
        "referrals_seen": (_total(figures["referral_to_first_visit"], 2), sum(g[1] for g in f["referral_to_first_visit"].values())),
        "records_received": (_total(figures["records_turnaround"], 2), sum(g[1] for g in f["records_turnaround"].values())),
        "forms_sent": (_total(figures["forms_turnaround"], 2), sum(g[1] for g in f["forms_turnaround"].values())),
        "pt_courses_seen": (_total(figures["pt_order_to_first_visit"], 2), sum(g[1] for g in f["pt_order_to_first_visit"].values())),
        "pt_courses_planned": (_total(figures["pt_gap_days"], 2), f["pt_gap_days"][0]),
        "relief_procedures": (sum(r.cells[1] for r in figures["relief_duration"].rows), sum(g[0] for g in f["relief_duration"].values())),
        "relief_ended": (sum(r.cells[2] for r in figures["relief_duration"].rows), sum(g[1] for g in f["relief_duration"].values())),
        "mic_measured": (sum(r.cells[3] for r in figures["mic_share"].rows), sum(g[0] for g in f["mic_share"].values())),
        "mic_reached": (sum(r.cells[4] for r in figures["mic_share"].rows), sum(g[1] for g in f["mic_share"].values())),
        "pt_progress_courses": (sum(r.cells[2] for r in figures["pt_progression"].rows), sum(g[0] for g in f["pt_progression"].values())),
        "tapers": (sum(r.cells[1] for r in figures["taper_status"].rows), sum(f["taper_status"].values())),
        # month 0 only: the floor dates a dose step by its UTC day, the measure by the clinic's (a step done at
        # midnight UTC falls in the month before), so later months may hold a few tapers more or less
        "tapers_at_month_0": (_total(figures["mme_on_tapers"], 1, "month-0"), f["mme_on_tapers"][0][0]),
        "checkin_notes_done": (_total(figures["checkin_adherence"], 2) + _total(figures["checkin_adherence"], 3) > 0,
                               f["checkin_adherence"]["records"].get(("pt", "done"), 0) > 0),
    }
    return {"counts": counts, "agree": all(a == b and a for a, b in counts.values())}

def main(argv: list[str] | None = None) -> int:
    args = harness.dataset_arguments(__doc__.split("\n\n")[0], admin_url=DEFAULT_ADMIN_URL, argv=argv)

    load_models()
    load_providers()
    knowledge = load_knowledge()
    settle_after_start_up()
    calendar = BusinessCalendar(timezone_name="America/Chicago")
    every = load_measures()
    missing = [m.id for m in every if floor_name(m.id) not in FLOORS]
    if missing:
        print(f"FAILED: no floor for {missing}: add one to bench/outcomes_floors.py")
        return 1
    auth_floors = [floor_name(m.id) for m in AUTH_MEASURES]
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.postgres, args.admin_url, Path(folder) / "outcomes.sqlite3") as url:
        upgrade(url)
        clinic_id, counts = seed_dashboard_clinic(url, args.episodes, seed=args.seed, now=NOW, add_case=add_case)
        db = Database(url)
        try:
            q = floor_query(db, clinic_id, knowledge, calendar)
            figures = dashboard_pass(db, clinic_id, knowledge, calendar, every)
            verification = verify(figures, floor_pass(db, q, list(FLOORS)))
            print(f"database: {db.engine.dialect.name}; rows: {counts}")
            print(f"verification: {verification}")
            if not verification["agree"]:
                print("FAILED: the dashboard and the raw SQL disagree")
                return 1
            cache.clear()
            cached_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES)  # fills the cache
            timings = harness.compare(
                {"dashboard": lambda: dashboard_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES),
                 "floor": lambda: floor_pass(db, q, auth_floors),
                 "dashboard_all": lambda: dashboard_pass(db, clinic_id, knowledge, calendar, every),
                 "floor_all": lambda: floor_pass(db, q, [floor_name(m.id) for m in every]),
                 "cached": lambda: cached_pass(db, clinic_id, knowledge, calendar, AUTH_MEASURES)},
                iterations=args.iterations, warmup=args.warmup)
            per_measure, ratios = {}, {}
            for m in every:
                pair = harness.compare({m.id: lambda m=m: dashboard_pass(db, clinic_id, knowledge, calendar, [m]),
                                        f"{m.id} floor": lambda m=m: floor_pass(db, q, [floor_name(m.id)])},
                                       iterations=args.iterations, warmup=args.warmup)
                per_measure.update(pair)
                ratios[m.id] = harness.ratio(pair[m.id].p50, pair[f"{m.id} floor"].p50)
        finally:
            db.engine.dispose()
        name = db.engine.dialect.name
        ratio = harness.ratio(timings["dashboard"].p50, timings["floor"].p50)
        ratio_all = harness.ratio(timings["dashboard_all"].p50, timings["floor_all"].p50)
        harness.print_table(timings, floor="floor_all", title=f"Outcomes dashboard, {args.episodes:,} episodes ({name})")
        print(f"\nper measure, alone in its own session against its own floor ({name}, p50 of {args.iterations}):")
        print(f"{'measure':<42}{'measure ms':>12}{'floor ms':>10}{'ratio':>8}")
        for m in every:
            print(f"{m.id:<42}{per_measure[m.id].p50:>12.1f}{per_measure[f'{m.id} floor'].p50:>10.1f}{ratios[m.id]:>8.2f}")
        print(f"measures: {len(AUTH_MEASURES)} authorization, {len(every)} registered, each with its floor")
        print(f"dashboard/floor time ratio {ratio:.2f} (authorization measures; target <= 3)")
        print(f"whole dashboard/floor time ratio {ratio_all:.2f} (every registered measure; target <= 3)")
        result = {
            "benchmark": "outcomes",
            "params": {"episodes": args.episodes, "iterations": args.iterations, "warmup": args.warmup, "database": name,
                       "period": [PERIOD.period_from.isoformat(), PERIOD.period_to.isoformat()]},
            "dataset": counts, "verification": verification, "registered_measures": [m.id for m in every],
            "measure_failures": [], "timings": timings, "per_measure": per_measure, "ratio_p50": ratio,
            "ratio_all_p50": ratio_all, "ratio_per_measure_p50": ratios,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
        }
        path = harness.write_result("outcomes", result, results_dir=args.results_dir)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
