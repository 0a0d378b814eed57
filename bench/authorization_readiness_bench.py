"""Benchmark: authorization readiness for every open case of a 20,000-episode clinic, against a floor.

    python -m bench.authorization_readiness_bench                      # SQLite file, 20,000 episodes
    python -m bench.authorization_readiness_bench --postgres           # a temporary PostgreSQL database
    python -m bench.authorization_readiness_bench --small              # 200 episodes, 1 iteration (the smoke test)

The data (bulk inserted with SQLAlchemy Core, the same on both databases): one patient per episode, a
primary coverage spread over Medicare, Medicare Advantage and three commercial payers, and a mix of facts
per episode: conservative care (PT, home exercise, medications; some ongoing, some ended), an MRI or X-ray
(some without a report, some not concordant), an ODI/NDI score, and for facet episodes two medial branch
blocks with relief (some under 80%, some too close together). Each episode has one open authorization case
(ESI, ablation or knee hyaluronic acid) under the policy `criteria.find_policy` picks.

What is timed, round-robin, each pass over all open cases in chunks of --chunk episodes:

- readiness: `service.open_cases` + `service.evaluate_cases` per chunk: gather each chunk's facts (the
  readers of painpath.facts.gather, one query per fact source), evaluate the payer policy, derive the kit
  checklist and the units used. As a long-running process sweeps: a case whose facts, planned procedure,
  policy and day are all equal to the last pass's is answered from the decision memo
  (authorizations/decision_memo.py) instead of being evaluated again; its facts are still read and compared.
- readiness_cold: the same pass with the decision memo emptied first (as a process's first pass: every
  case evaluated, and kept; the emptying, which frees the previous pass's answers, is timed too).
- criteria_stubbed: the same loop with `criteria.evaluate` replaced by a stub returning one fixed decision
  and the memo bypassed: what the criteria engine costs, by difference with readiness_cold.
- floor: the raw-SQL floor: the same open cases and the same fact rows, chunk by chunk, fetched with the
  driver's cursor (psycopg or sqlite3) as plain tuples, with nothing built from them.

Prints episodes per second for each and readiness's ratio to the floor (and the cold pass's); writes
bench/results/authorization-readiness-<ts>.json. Before timing it checks that every case got a decision and
prints the outcomes, so the work is real, and that a second pass (answered from the memo) gives the same tally.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/authorization_readiness_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select

from bench import harness
from bench.databases import scratch_database
from painpath.authorizations import criteria, decision_memo, service
from painpath.authorizations.models import AuthorizationCase
from painpath.charting.conservative_care.models import CareEntry
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.context import load_models, load_providers
from painpath.core.clock import BusinessCalendar
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.runtime import settle_after_start_up
from painpath.core.tenancy import Clinic
from painpath.knowledge.loader import load_knowledge
from painpath.orders.models import ImagingStudy
from painpath.patients.models import Coverage, Episode, Patient

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 11, 30)  # the day readiness is evaluated for (the data is laid out around it)
NOW = datetime(2026, 11, 30, 16, 0)

# (payer id, procedure id, episode region): the kinds of episode the clinic carries, picked at random.
MIX = [
    ("medicare_noridian_jf", "rfa_lumbar", "lumbar"),
    ("medicare_noridian_jf", "tfesi_lumbar", "lumbar"),
    ("humana_ma", "tfesi_lumbar", "lumbar"),
    ("bcbs_commercial", "tfesi_cervical", "cervical"),
    ("bcbs_commercial", "tfesi_lumbar", "lumbar"),
    ("cigna_commercial_evicore", "rfa_lumbar", "lumbar"),
    ("cigna_commercial_evicore", "tfesi_cervical", "cervical"),
    ("cigna_commercial_evicore", "knee_hyaluronic_acid", "knee"),
    ("uhc_commercial", "tfesi_lumbar", "lumbar"),
    ("medicare_noridian_jf", "knee_hyaluronic_acid", "knee"),
]
LEVELS = {"lumbar": ["L4-5"], "cervical": ["C5-6"], "knee": []}
BATCH = 5_000


# --- data ---------------------------------------------------------------------------------------------


def _days_ago(rng: random.Random, low: int, high: int) -> date:
    return TODAY - timedelta(days=rng.randint(low, high))


class Rows:
    """Rows to bulk insert, per table, with ids assigned here so children can point at parents."""

    def __init__(self, clinic_id: int) -> None:
        self.clinic_id = clinic_id
        self.tables: dict[type, list[dict]] = {}
        self._ids: Counter = Counter()

    def add(self, model: type, **values: object) -> int:
        self._ids[model] += 1
        row_id = self._ids[model]
        self.tables.setdefault(model, []).append({"id": row_id, "clinic_id": self.clinic_id, **values})
        return row_id


def build_rows(n: int, seed: int, clinic_id: int, knowledge) -> Rows:  # noqa: ANN001
    rng = random.Random(seed)
    rows = Rows(clinic_id)
    for i in range(n):
        payer_id, procedure_id, region = MIX[rng.randrange(len(MIX))]
        payer = knowledge.payers[payer_id]
        procedure = knowledge.procedures[procedure_id]
        patient = rows.add(Patient, mrn=f"B{i:06d}", given_name=f"Given{i}", family_name=f"Family{i % 997}",
                           birth_date=date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="female" if i % 2 else "male",
                           preferred_contact="phone")
        rows.add(Coverage, patient_id=patient, payer_id=payer_id, plan_type=payer.plan_type, member_id=f"M{i:08d}",
                 effective_from=date(2026, 1, 1))
        onset = _days_ago(rng, 20, 400)
        episode = rows.add(Episode, patient_id=patient, problem_summary=f"{region} pain", body_region=region,
                           laterality="right", onset_date=onset, icd10_codes=["M54.16"], status="open",
                           opened_at=datetime.combine(onset, datetime.min.time()) + timedelta(days=7))
        _care(rows, rng, patient, episode)
        _imaging(rows, rng, patient, episode, region)
        _score(rows, rng, patient, episode, region)
        if procedure_id.startswith("rfa"):
            _blocks(rows, rng, patient, episode)
        if procedure_id == "knee_hyaluronic_acid" and rng.random() < 0.6:
            _performed(rows, patient, episode, "knee_steroid_injection", "knee", [], _days_ago(rng, 10, 120), diagnostic=False)
        rows.add(AuthorizationCase, episode_id=episode, patient_id=patient, state=rng.choice(["preparing", "preparing", "ready"]),
                 procedure_id=procedure_id, cpt_codes=[procedure.codes[0].code], region=procedure.region, side="right",
                 levels=LEVELS[region], place_of_service=rng.choice(["11", "22", "24"]), units_requested=1,
                 planned_on=TODAY + timedelta(days=rng.randint(7, 60)) if rng.random() < 0.4 else None,
                 priority="standard", payer_id=payer_id,
                 policy_id=_policy_id(knowledge, payer_id, procedure_id), opened_at=NOW - timedelta(days=rng.randint(0, 60)))
    return rows


def _policy_id(knowledge, payer_id: str, procedure_id: str) -> str | None:  # noqa: ANN001
    policy = criteria.find_policy(knowledge, payer_id, procedure_id, TODAY)
    return policy.id if policy else None


def _care(rows: Rows, rng: random.Random, patient: int, episode: int) -> None:
    start = _days_ago(rng, 10, 200)
    ongoing = rng.random() < 0.6
    rows.add(CareEntry, episode_id=episode, patient_id=patient, kind="physical_therapy", start_date=start,
             end_date=None if ongoing else min(start + timedelta(days=rng.randint(14, 70)), TODAY), description="PT twice a week",
             source="clinic", failed=rng.choice(["yes", "unknown"]), recorded_at=NOW)
    if rng.random() < 0.5:
        rows.add(CareEntry, episode_id=episode, patient_id=patient, kind="home_exercise", start_date=start, end_date=None,
                 description="Home exercise program", source="clinic", failed="unknown", recorded_at=NOW)
    rows.add(CareEntry, episode_id=episode, patient_id=patient, kind="medication", start_date=_days_ago(rng, 60, 300),
             end_date=_days_ago(rng, 1, 59), description="Naproxen 500 mg twice a day", source="reported", drug_class="nsaid",
             failed="yes", recorded_at=NOW)


def _imaging(rows: Rows, rng: random.Random, patient: int, episode: int, region: str) -> None:
    modality = "xray" if region == "knee" else "mri"
    rows.add(ImagingStudy, episode_id=episode, patient_id=patient, modality=modality, region=region,
             study=f"{modality.upper()} {region}", origin="outside", performed_on=_days_ago(rng, 5, 800),
             report_on_file=rng.random() < 0.85, concordant=rng.choice(["yes", "yes", "yes", "unknown", "no"]),
             summary="", recorded_at=NOW)


def _score(rows: Rows, rng: random.Random, patient: int, episode: int, region: str) -> None:
    if rng.random() < 0.2:
        return
    instrument = "ndi" if region == "cervical" else "odi"
    rows.add(InstrumentAdministration, episode_id=episode, patient_id=patient, instrument_id=instrument,
             pack_id=f"instruments.{instrument}", pack_version=1, answers={}, total=float(rng.randint(10, 40)), subscales={},
             alerts=[], administered_at=NOW - timedelta(days=rng.randint(1, 120)), source="staff")


def _performed(rows: Rows, patient: int, episode: int, key: str, region: str, levels: list[str], on: date, *,
               diagnostic: bool) -> int:
    return rows.add(PerformedProcedure, episode_id=episode, patient_id=patient, procedure_key=key, procedure_name=key,
                    cpt_codes=["64493"] if diagnostic else ["20610"], region=region, side="right", levels=levels,
                    performed_on=on, diagnostic=diagnostic, baseline_pain=7.0, baseline_scale="nrs", recorded_at=NOW)


def _blocks(rows: Rows, rng: random.Random, patient: int, episode: int) -> None:
    first = _days_ago(rng, 40, 120)
    for on in (first, first + timedelta(days=rng.choice([10, 15, 21]))):
        block = _performed(rows, patient, episode, "mbb_lumbar", "lumbar", ["L4-5"], on, diagnostic=True)
        rows.add(ProcedureRelief, procedure_id=block, episode_id=episode, measured_on=on, method="percent",
                 percent=float(rng.choice([70, 78, 82, 85, 90])), scale="nrs", hours_after=4.0, recorded_at=NOW)


def seed(db: Database, n: int, seed_value: int, knowledge) -> dict[str, int]:  # noqa: ANN001
    with db.session() as session:
        clinic = Clinic(name="Readiness bench clinic")
        session.add(clinic)
        session.flush()
        clinic_id = clinic.id
    rows = build_rows(n, seed_value, clinic_id, knowledge)
    with db.engine.begin() as conn:
        for model in (Patient, Coverage, Episode, CareEntry, ImagingStudy, InstrumentAdministration, PerformedProcedure,
                      ProcedureRelief, AuthorizationCase):
            table_rows = _uniform(rows.tables.get(model, []))
            for start in range(0, len(table_rows), BATCH):
                conn.execute(insert(model.__table__), table_rows[start:start + BATCH])
    if db.engine.dialect.name == "postgresql":
        _fix_sequences(db, rows)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return {model.__tablename__: len(found) for model, found in rows.tables.items()}


def _uniform(table_rows: list[dict]) -> list[dict]:
    """One executemany needs the same keys in every row: a column some rows leave out is NULL in them."""
    keys = {key for row in table_rows for key in row}
    return [{key: row.get(key) for key in keys} for row in table_rows]


def _fix_sequences(db: Database, rows: Rows) -> None:
    """Ids were given explicitly; move each PostgreSQL sequence past them so later inserts still work."""
    with db.engine.begin() as conn:
        for model in rows.tables:
            table = model.__tablename__
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))")


# --- the passes ---------------------------------------------------------------------------------------


def readiness_pass(db: Database, knowledge, calendar: BusinessCalendar, chunk: int) -> Counter:  # noqa: ANN001
    """Every open case evaluated for TODAY, `chunk` episodes' worth of cases at a time. Like the floor, which
    counts its rows, the pass tallies each chunk's answers and lets them go: holding 20,000 decisions to the
    end would time the collector walking them, which no caller of readiness does."""
    tally: Counter = Counter()
    with db.session() as session:
        cases = service.open_cases(session, episode_ids=None)
        for start in range(0, len(cases), chunk):
            for evaluated in service.evaluate_cases(session, knowledge=knowledge, calendar=calendar,
                                                    cases=cases[start:start + chunk], today=TODAY):
                tally["cases"] += 1
                tally["checklist_items"] += len(evaluated.checklist)
                if evaluated.decision is not None:
                    tally["decided"] += 1
                    tally[f"outcome:{evaluated.decision.outcome}"] += 1
    return tally


def first_decision(db: Database, knowledge, calendar: BusinessCalendar) -> criteria.PolicyDecision:  # noqa: ANN001
    """One real decision, for the stub to answer with."""
    with db.session() as session:
        case = service.open_cases(session, episode_ids=None)[0]
        decision = service.evaluate_cases(session, knowledge=knowledge, calendar=calendar, cases=[case], today=TODAY)[0].decision
    assert decision is not None
    return decision


# The fact rows readiness reads, as the readers select them (painpath/*/episode_facts.py and
# authorizations.service.kit_documents_for_episodes), one statement per source for a chunk of episodes.
# {ids} becomes the dialect's list of bound episode ids.
RAW_FACT_QUERIES = {
    "episodes": "SELECT e.id, e.body_region, e.laterality, e.onset_date, e.icd10_codes, c.payer_id, c.plan_type FROM episode e "
                "LEFT OUTER JOIN coverage c ON c.patient_id = e.patient_id AND c.priority = 1 AND c.effective_from <= {today} "
                "AND (c.effective_to IS NULL OR c.effective_to >= {today}) WHERE e.id {ids} ORDER BY e.id, c.id",
    "red_flags": "SELECT episode_id, hits FROM triage WHERE episode_id {ids} ORDER BY episode_id, decided_at, id",
    "conservative_care": "SELECT episode_id, kind, start_date, end_date, description, source, drug_class, failed FROM conservative_care "
                         "WHERE episode_id {ids} ORDER BY episode_id, start_date, id",
    "medication_trials": "SELECT * FROM medication_trial WHERE episode_id {ids} ORDER BY episode_id, start_date, id",
    "pt_visits": "SELECT episode_id, date_of_service FROM encounter WHERE episode_id {ids} AND encounter_type = 'pt_visit' "
                 "AND addendum_of_id IS NULL ORDER BY episode_id, date_of_service",
    "measures": "SELECT episode_id, measure, date_of_service, value_number FROM functional_measure WHERE episode_id {ids} "
                "AND value_number IS NOT NULL ORDER BY episode_id, date_of_service, recorded_at, id",
    "exam": "SELECT x.episode_id, n.date_of_service, x.findings, x.diagnosis_codes, x.reasoning FROM exam_findings x "
            "JOIN encounter n ON n.id = x.encounter_id WHERE x.episode_id {ids} ORDER BY x.episode_id, n.date_of_service, n.created_at, n.id",
    "imaging": "SELECT episode_id, id, modality, region, performed_on, report_on_file, concordant, summary, study, records_request_id "
               "FROM imaging_study WHERE episode_id {ids} ORDER BY episode_id, performed_on, id",
    "relief": "SELECT procedure_id, measured_on, percent, scale, hours_after, lasted_days FROM procedure_relief WHERE episode_id {ids} "
              "ORDER BY measured_on, id",
    "procedures": "SELECT id, episode_id, procedure_key, cpt_codes, region, side, levels, performed_on, diagnostic, baseline_pain, "
                  "baseline_scale, spacing_exception FROM performed_procedure WHERE episode_id {ids} ORDER BY episode_id, performed_on, id",
    "scores": "SELECT episode_id, instrument_id, administered_at, total FROM instrument_administration WHERE episode_id {ids} "
              "ORDER BY episode_id, administered_at, id",
    "kit_documents": "SELECT episode_id, id, kind, document_date, value, result FROM authorization_case_document WHERE episode_id {ids} "
                     "AND kind NOT IN ('imaging_report', 'mri_report')",
    "patient_history": "SELECT e.id, h.smoking_status, h.pack_years, h.cotinine_ng_ml, h.cotinine_on, h.surgeries, h.changed_at FROM episode e "
                       "JOIN patient_history h ON h.patient_id = e.patient_id WHERE e.id {ids}",
    "pain_diagrams": "SELECT d.episode_id, d.id, d.date_of_service, m.region, m.pain_type, m.intensity FROM pain_diagram d "
                     "LEFT OUTER JOIN pain_diagram_mark m ON m.diagram_id = d.id WHERE d.episode_id {ids} "
                     "ORDER BY d.episode_id, d.date_of_service, d.id, m.id",
    "shared_decisions": "SELECT episode_id, discussed_on, pathway_id, step_id, options_discussed, risks_discussed, choice FROM shared_decision "
                        "WHERE episode_id {ids} ORDER BY episode_id, discussed_on, id",
    "imaging_orders": "SELECT episode_id, id, modality, region, side, protocol, urgency, status, ordered_at, plan_step_row_id, sent_at, "
                      "booked_for, performed_on, report_received_at, reviewed_at FROM imaging_order WHERE episode_id {ids} "
                      "ORDER BY episode_id, ordered_at, id",
    "referrals": "SELECT episode_id, id, specialty, urgency, status, created_at, plan_step_row_id, sent_at, acknowledged_on, appointment_on, "
                 "seen_on, consult_note_on, closed_at FROM referral WHERE episode_id {ids} ORDER BY episode_id, created_at, id",
    "behavioural_offers": "SELECT episode_id, instrument_id, score_on, offered_on, answer FROM behavioural_offer WHERE episode_id {ids} "
                          "ORDER BY episode_id, offered_on, recorded_at, id",
}
OPEN_CASES_SQL = "SELECT * FROM authorization_case WHERE state NOT IN ('withdrawn', 'expired') ORDER BY id"


def raw_floor_pass(db: Database, chunk: int) -> Counter:
    """The true floor: the same rows readiness reads, fetched with the driver's own cursor (psycopg on
    PostgreSQL, sqlite3 on SQLite) as plain tuples, in the same chunks. No ORM, no facts built, no criteria:
    what reading the data costs at the least. Returns the rows fetched, per source."""
    postgres = db.engine.dialect.name == "postgresql"
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(OPEN_CASES_SQL)
        cases = cursor.fetchall()
        episode_column = [column[0] for column in cursor.description].index("episode_id")
        fetched = Counter(cases=len(cases))
        for start in range(0, len(cases), chunk):
            ids = sorted({case[episode_column] for case in cases[start:start + chunk]})
            for source, sql in RAW_FACT_QUERIES.items():
                if postgres:  # one bound array, as core.db.ids_in does on PostgreSQL
                    cursor.execute(sql.format(ids="= ANY(%(ids)s)", today="%(today)s"), {"ids": ids, "today": TODAY})
                else:
                    cursor.execute(sql.format(ids=f"IN ({', '.join('?' * len(ids))})", today="?"),
                                   [*([TODAY.isoformat()] * sql.count("{today}")), *ids])
                fetched[source] += len(cursor.fetchall())
        connection.rollback()
    finally:
        connection.close()
    return fetched


@contextmanager
def criteria_stubbed(decision: criteria.PolicyDecision) -> Iterator[None]:
    """`criteria.evaluate` answers one fixed decision and every case is decided (no decision memo): the
    loop does everything else the same."""
    real = criteria.evaluate
    criteria.evaluate = lambda *args, **kwargs: decision  # type: ignore[assignment]
    try:
        with decision_memo.bypassed():
            yield
    finally:
        criteria.evaluate = real  # type: ignore[assignment]


def cold_readiness_pass(db: Database, knowledge, calendar: BusinessCalendar, chunk: int) -> Counter:  # noqa: ANN001
    """The pass with the decision memo emptied first: every case decided afresh, as the first pass of a process does."""
    decision_memo.forget()
    return readiness_pass(db, knowledge, calendar, chunk)


def verify(tally: Counter, expected_cases: int) -> dict:
    outcomes = {key.removeprefix("outcome:"): n for key, n in tally.items() if key.startswith("outcome:")}
    return {
        "cases": tally["cases"],
        "decided": tally["decided"],
        "all_decided": tally["cases"] == expected_cases == tally["decided"],
        "outcomes": dict(sorted(outcomes.items())),
        "checklist_items": tally["checklist_items"],
    }


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20_000, help="open episodes, one open case each (default 20,000)")
    parser.add_argument("--chunk", type=int, default=500, help="cases evaluated per gather (default 500)")
    parser.add_argument("--iterations", type=int, default=3, help="timed passes, each variant (default 3)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="a temporary PostgreSQL database instead of a SQLite file")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL URL that may create databases")
    parser.add_argument("--small", action="store_true", help="200 episodes, 1 iteration, no warmup: the smoke test's size")
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.small:
        args.episodes, args.iterations, args.warmup, args.chunk = 200, 1, 0, 50

    load_models()
    load_providers()
    knowledge = load_knowledge()
    settle_after_start_up()  # as a painpath process does once start-up is loaded (core/runtime.py)
    calendar = BusinessCalendar(timezone_name="America/Chicago")
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.postgres, args.admin_url, Path(folder) / "readiness.sqlite3") as url:
        upgrade(url)
        db = Database(url)
        try:
            counts = seed(db, args.episodes, args.seed, knowledge)
            real = readiness_pass(db, knowledge, calendar, args.chunk)
            verification = verify(real, args.episodes)
            print(f"database: {db.engine.dialect.name}; rows: {counts}")
            print(f"verification: {verification}")
            if not verification["all_decided"]:
                print("FAILED: not every open case got a decision")
                return 1
            if readiness_pass(db, knowledge, calendar, args.chunk) != real:
                print("FAILED: a second pass (cases answered from the decision memo) did not answer as the first")
                return 1
            raw_rows = raw_floor_pass(db, args.chunk)
            print(f"raw floor rows: {dict(raw_rows)}")
            if raw_rows["cases"] != args.episodes or raw_rows["episodes"] < args.episodes:
                print("FAILED: the raw floor did not read every open case and its episode")
                return 1
            fixed = first_decision(db, knowledge, calendar)

            def criteria_stub() -> object:
                with criteria_stubbed(fixed):
                    return readiness_pass(db, knowledge, calendar, args.chunk)

            timings = harness.compare(
                {"readiness": lambda: readiness_pass(db, knowledge, calendar, args.chunk),
                 "readiness_cold": lambda: cold_readiness_pass(db, knowledge, calendar, args.chunk),
                 "criteria_stubbed": criteria_stub, "floor": lambda: raw_floor_pass(db, args.chunk)},
                iterations=args.iterations, warmup=args.warmup,
            )
            with db.session() as session:
                open_cases = len(session.scalars(select(AuthorizationCase.id).where(AuthorizationCase.state.in_(["preparing", "ready"]))).all())
        finally:
            db.engine.dispose()
        rates = {name: round(args.episodes / (t.p50 / 1000), 1) for name, t in timings.items()}
        harness.print_table(timings, floor="floor", title=f"Readiness of {args.episodes:,} open episodes ({db.engine.dialect.name})")
        print(f"episodes/s  readiness {rates['readiness']:,.0f}   readiness cold {rates['readiness_cold']:,.0f}   "
              f"criteria stubbed {rates['criteria_stubbed']:,.0f}   floor (raw SQL rows) {rates['floor']:,.0f}   "
              f"readiness/floor time ratio {harness.ratio(timings['readiness'].p50, timings['floor'].p50):.2f} "
              f"(cold {harness.ratio(timings['readiness_cold'].p50, timings['floor'].p50):.2f})")
        result = {
            "benchmark": "authorization-readiness",
            "params": {"episodes": args.episodes, "chunk": args.chunk, "iterations": args.iterations, "warmup": args.warmup,
                       "database": db.engine.dialect.name},
            "dataset": {**counts, "open_cases": open_cases},
            "verification": {**verification, "raw_floor_rows": dict(raw_rows)},
            "timings": timings,
            "episodes_per_second": rates,
            "ratio_p50": harness.ratio(timings["readiness"].p50, timings["floor"].p50),
            "cold_ratio_p50": harness.ratio(timings["readiness_cold"].p50, timings["floor"].p50),
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
        }
        path = harness.write_result("authorization-readiness", result, results_dir=args.results_dir)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
