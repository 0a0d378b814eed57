"""Clinical outcome measures on a large clinic: each measure against the raw SQL that reads the same rows.

    .venv/bin/python -m bench.clinical_outcomes_bench               # 20,000 episodes, SQLite
    .venv/bin/python -m bench.clinical_outcomes_bench --postgres    # a temporary PostgreSQL database
    .venv/bin/python -m bench.clinical_outcomes_bench --small       # 200 episodes: the smoke test's size

Every episode gets one procedure with 1-3 relief reports, a care plan with one step and 2-3 ODI scores; a third a
PT course with 6 PT visit notes; a tenth an opioid taper with 4 dose steps. The floor fetches the same rows with
plain typed SELECTs (no Python work); the ratio is measure time / floor time, p50.
"""

from __future__ import annotations

import platform
import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from bench import harness
from bench.databases import scratch_database
from bench.seed import seed_clinic_facts
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.models import Encounter
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.context import load_models
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.runtime import settle_after_start_up
from painpath.knowledge.loader import load_knowledge
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.outcomes import mic_measures, mme_measures, pt_measures, relief_measures  # noqa: F401 - registers
from painpath.outcomes.measures import Filters, measure
from painpath.plans.models import CarePlan, PlanStep
from painpath.therapy.models import PtCourse

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 30, 15, 0)
START = date(2026, 1, 5)
MEASURES = ("relief_duration", "mic_share", "pt_progression", "mme_on_tapers", "taper_status")
def floor_statements(c: int) -> dict[str, list]:
    """The floor: the same rows the measure reads, as plain typed SELECTs of the columns (dates come back as dates,
    as they do to the measure), with no filtering beyond the clinic and no Python work."""
    pp, pr, cp, ps, ia = PerformedProcedure, ProcedureRelief, CarePlan, PlanStep, InstrumentAdministration
    courses = select(PtCourse.episode_id).where(PtCourse.clinic_id == c)
    tapers = [select(TaperPlan.id, TaperPlan.episode_id, TaperPlan.start_date, TaperPlan.original_mme, TaperPlan.status).where(TaperPlan.clinic_id == c),
              select(TaperStep.plan_id, TaperStep.number, TaperStep.due_on, TaperStep.daily_mme, TaperStep.done_at)
              .where(TaperStep.clinic_id == c, TaperStep.kind == "step")]
    return {
        "relief_duration": [select(pp.id, pp.episode_id, pp.procedure_key, pp.performed_on).where(pp.clinic_id == c),
                            select(pr.procedure_id, pr.measured_on, pr.percent, pr.lasted_days).where(pr.clinic_id == c)],
        "mic_share": [select(cp.id, cp.episode_id, cp.pathway_id, cp.started_on, cp.ended_on).where(cp.clinic_id == c),
                      select(ps.plan_id, ps.episode_id, ps.step_id, ps.started_on, ps.decided_at).where(ps.clinic_id == c),
                      select(ia.episode_id, ia.instrument_id, ia.administered_at, ia.total).where(ia.clinic_id == c)],
        "pt_progression": [select(PtCourse.id, PtCourse.episode_id, PtCourse.protocol_id, PtCourse.start_date).where(PtCourse.clinic_id == c),
                           select(Encounter.episode_id, Encounter.date_of_service).where(Encounter.clinic_id == c, Encounter.encounter_type == "pt_visit"),
                           select(ia.episode_id, ia.instrument_id, ia.administered_at, ia.total).where(ia.clinic_id == c, ia.episode_id.in_(courses))],
        "mme_on_tapers": tapers,
        "taper_status": tapers,
    }


def seed_outcomes(db: Database, clinic_id: int, episodes: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    with db.engine.begin() as conn:
        therapist = conn.execute(insert(User).returning(User.id), {"clinic_id": clinic_id, "username": "therapist", "display_name": "T",
                                                                  "role": "therapist", "password_hash": "x"}).scalar_one()
    rows: dict[str, list[dict]] = {k: [] for k in ("proc", "relief", "plan", "step", "score", "course", "visit", "taper", "tstep")}
    stamp = {"clinic_id": clinic_id, "created_at": NOW, "updated_at": NOW}
    for e in range(1, episodes + 1):
        on = START + timedelta(days=rng.randint(0, 200))
        rows["proc"].append({"id": e, "episode_id": e, "patient_id": e, "procedure_key": rng.choice(("rfa_lumbar", "mbb_lumbar", "si_joint_injection")),
                             "procedure_name": "Procedure", "cpt_codes": ["64635"], "region": "lumbar", "side": "left", "levels": ["L4-5"],
                             "performed_on": on, "diagnostic": False, "baseline_pain": 8.0, "baseline_scale": "nrs", "recorded_at": NOW,
                             "version": 1, **stamp})
        for k in range(rng.randint(1, 3)):
            rows["relief"].append({"procedure_id": e, "episode_id": e, "measured_on": on + timedelta(days=14 + 45 * k), "method": "percent",
                                   "percent": float(rng.choice((80, 60, 30))), "scale": "nrs", "recorded_at": NOW, **stamp})
        rows["plan"].append({"id": e, "episode_id": e, "patient_id": e, "pathway_id": "facet_low_back_pain", "pack_version": 1, "goals": [],
                             "status": "active", "started_on": on, "version": 1, **stamp})
        rows["step"].append({"plan_id": e, "episode_id": e, "step_id": "first_block", "status": "active", "started_on": on, "version": 1, **stamp})
        for k in range(rng.randint(2, 3)):
            rows["score"].append({"patient_id": e, "episode_id": e, "instrument_id": "odi", "pack_id": "instruments.odi", "pack_version": 1,
                                  "answers": {}, "total": float(rng.randint(10, 60)), "subscales": {}, "alerts": [],
                                  "administered_at": datetime.combine(on + timedelta(days=-2 + 35 * k), datetime.min.time()).replace(hour=16),
                                  "source": "staff", **stamp})
        if e % 3 == 0:
            rows["course"].append({"episode_id": e, "patient_id": e, "protocol_id": "lumbar_stabilization", "therapist_id": therapist,
                                   "practice_name": "PT", "practice_kind": "onsite", "frequency_per_week": 1, "duration_weeks": 6,
                                   "start_date": on, "goals": "", "status": "active", "medicare_rules": False, "version": 1, **stamp,
                                   "created_at": datetime.combine(on - timedelta(days=5), datetime.min.time()).replace(hour=16)})  # the PT order
            for k in range(6):
                rows["visit"].append({"episode_id": e, "patient_id": e, "encounter_type": "pt_visit", "date_of_service": on + timedelta(days=1 + 7 * k),
                                      "narrative": "", "status": "signed", "version": 1, **stamp})
        if e % 10 == 0:
            original = float(rng.choice((60, 90, 120, 200)))
            rows["taper"].append({"id": e, "episode_id": e, "patient_id": e, "start_date": on, "original_mme": original, "target_mme": 0.0,
                                  "rate": "monthly", "percent_per_step": 10.0, "rate_words": "10%", "rate_source": "CDC", "factor_set": "cdc_2022",
                                  "regimen": [], "status": rng.choice(("active", "active", "paused", "completed")), "paused_days": 0,
                                  "version": 1, **stamp})
            for k in range(1, 5):
                due = on + timedelta(days=30 * k)
                rows["tstep"].append({"plan_id": e, "episode_id": e, "patient_id": e, "kind": "step", "number": k, "due_on": due,
                                      "lines": [], "daily_mme": original * 0.9 ** k,
                                      "done_at": datetime.combine(due, datetime.min.time()) if rng.random() < 0.7 else None, **stamp})
    tables = {"proc": PerformedProcedure, "relief": ProcedureRelief, "plan": CarePlan, "step": PlanStep, "score": InstrumentAdministration,
              "course": PtCourse, "visit": Encounter, "taper": TaperPlan, "tstep": TaperStep}
    with db.engine.begin() as conn:
        for key, model in tables.items():
            for first in range(0, len(rows[key]), 5000):
                conn.execute(insert(model), rows[key][first:first + 5000])
        if db.engine.dialect.name == "postgresql":
            for model in (PerformedProcedure, CarePlan, TaperPlan):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), {episodes})"))
    analyze = "ANALYZE" if db.engine.dialect.name != "postgresql" else "VACUUM (ANALYZE)"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(analyze))
    return {tables[k].__tablename__: len(v) for k, v in rows.items()}


def main(argv: list[str] | None = None) -> int:
    args = harness.dataset_arguments(__doc__.split("\n\n")[0], admin_url=DEFAULT_ADMIN_URL, argv=argv)
    load_models()
    settle_after_start_up()
    knowledge = load_knowledge()
    calendar = BusinessCalendar(timezone_name="America/Chicago")
    filters = Filters(date(2026, 1, 1), date(2026, 12, 31))
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.postgres, args.admin_url, Path(folder) / "outcomes.sqlite3") as url:
        upgrade(url)
        facts = seed_clinic_facts(url, args.episodes, now=NOW)
        db = Database(url)
        try:
            counts = seed_outcomes(db, facts.clinic_id, args.episodes, args.seed)
            print(f"database: {db.engine.dialect.name}; rows: {counts}")

            def run(measure_id: str):  # noqa: ANN202
                with db.session() as session:
                    return measure(measure_id).compute(session, clinic_id=facts.clinic_id, filters=filters, knowledge=knowledge, calendar=calendar)

            def floor(measure_id: str) -> int:
                with db.engine.connect() as conn:
                    return sum(len(conn.execute(statement).all()) for statement in floor_statements(facts.clinic_id)[measure_id])

            answers = {m: run(m) for m in MEASURES}
            verification = {m: {"rows": len(f.rows), "episodes": len({e for r in f.rows for e in r.episode_ids})} for m, f in answers.items()}
            print(f"verification: {verification}")
            timings, ratios = {}, {}
            for m in MEASURES:
                pair = harness.compare({m: lambda m=m: run(m), f"{m} floor": lambda m=m: floor(m)}, iterations=args.iterations, warmup=args.warmup)
                timings.update(pair)
                ratios[m] = harness.ratio(pair[m].p50, pair[f"{m} floor"].p50)
                harness.print_table(pair, floor=f"{m} floor", title=f"{m} on {args.episodes:,} episodes ({db.engine.dialect.name})")
            print("ratios (measure / raw SQL, p50): " + ", ".join(f"{m} {r:.2f}" for m, r in ratios.items()))
        finally:
            db.engine.dispose()
        result = {"benchmark": "clinical-outcomes", "params": {"episodes": args.episodes, "iterations": args.iterations,
                                                               "database": db.engine.dialect.name},
                  "dataset": counts, "verification": verification, "timings": timings, "ratio_p50": ratios,
                  "machine": {"python": platform.python_version(), "platform": platform.platform()}}
        print(f"wrote {harness.write_result('clinical-outcomes', result, results_dir=args.results_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
