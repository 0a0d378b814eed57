"""Benchmark: importing the 17 Synthea R4 bundles onto episodes, against parsing them with fhir.resources.

    python -m bench.fhir_import_bench [--iterations 5] [--warmup 1] [--postgres]

Each timed iteration is one pass over all 17 bundles (4,029 entries), round-robin:

- floor:          the parse-only floor from RECIPES.md: `json.loads` + R4B `Bundle.model_validate` of each
                  file's bytes (every entry, claims and encounters included).
- validate_filed: json.loads + R4B validation of only the resources the import files (the Patient and its
                  Conditions, medications, Procedures, reports, imaging studies and Observations): the
                  least FHIR work that gives the same facts.
- import:         `intake.imports.service.import_records` of the same bytes onto a fresh episode whose
                  patient matches, in its own committed transaction: read, validate what is filed, match
                  the patient, map, insert RecordImport + ImportedFact rows + the audit row.

The database is a migrated SQLite file in a temporary folder (or, with --postgres, a temporary PostgreSQL
database, dropped at the end). Before timing it checks that the import filed as many Conditions,
medications and Procedures as a plain-json count of each bundle's entries. Prints p50/p95 per pass, entries
per second, and import/floor ratios; writes bench/results/fhir-import-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/fhir_import_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import create_engine, text

from bench import harness
from painpath.context import load_models
from painpath.core.audit import Actor
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.tenancy import Clinic
from painpath.intake.imports.service import import_records
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn

# The Synthea bundles shipped with the tests (tests/data/README.md gives their source and licence).
DEFAULT_DATA = Path(os.environ.get("PAINPATH_SYNTHEA_DIR", Path(__file__).resolve().parents[1] / "tests" / "data" / "external" / "synthea")) / "r4-bundles"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FILED_TYPES = {"Patient", "Condition", "MedicationRequest", "MedicationStatement", "Procedure", "DiagnosticReport",
               "ImagingStudy", "Observation"}


@dataclass(frozen=True)
class BundleFile:
    name: str
    data: bytes
    entries: int
    family: str
    given: str
    birth_date: date
    expected: dict[str, int]  # plain-json counts: condition, medication, procedure


def load_bundles(folder: Path) -> list[BundleFile]:
    found = []
    for path in sorted(folder.glob("*.json")):
        data = path.read_bytes()
        bundle = json.loads(data)
        resources = [e["resource"] for e in bundle["entry"]]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        name = patient["name"][0]
        types = [r["resourceType"] for r in resources]
        found.append(BundleFile(
            name=path.name, data=data, entries=len(resources), family=name["family"], given=name["given"][0],
            birth_date=date.fromisoformat(patient["birthDate"]),
            expected={
                "condition": types.count("Condition"),
                "medication": types.count("MedicationRequest") + types.count("MedicationStatement"),
                "procedure": types.count("Procedure"),
            },
        ))
    if not found:
        raise SystemExit(f"no bundles in {folder}")
    return found


def parse_floor(bundles: list[BundleFile]) -> None:
    for b in bundles:
        Bundle.model_validate(json.loads(b.data))


def validate_filed(bundles: list[BundleFile]) -> None:
    for b in bundles:
        for entry in json.loads(b.data)["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] in FILED_TYPES:
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)


class Charts:
    """Patients and episodes, made ahead of time, one fresh set per pass (an import is filed once per episode)."""

    def __init__(self, db: Database, bundles: list[BundleFile]):
        self.db = db
        self.bundles = bundles
        with db.session() as session:
            clinic = Clinic(name="Bench Clinic")
            session.add(clinic)
            session.flush()
            self.actor = Actor.system("bench", clinic.id)
        self._mrn = 0

    def make_set(self) -> list[int]:
        episodes = []
        with self.db.session() as session:
            for b in self.bundles:
                self._mrn += 1
                patient = patients.create_patient(session, actor=self.actor, data=PatientIn(
                    mrn=f"BENCH-{self._mrn}", given_name=b.given, family_name=b.family, birth_date=b.birth_date, sex="unknown"))
                episode = patients.open_episode(session, actor=self.actor, patient_id=patient.id, data=EpisodeIn(
                    problem_summary="Records import benchmark", body_region="other", laterality="none"))
                episodes.append(episode.id)
        return episodes

    def import_all(self, episodes: list[int]) -> list:
        summaries = []
        for b, episode_id in zip(self.bundles, episodes, strict=True):
            with self.db.session() as session:
                summaries.append(import_records(session, actor=self.actor, episode_id=episode_id, path_or_bytes=b.data, filename=b.name))
        return summaries


def _database(postgres: bool, admin_url: str, folder: Path) -> tuple[str, callable]:
    if not postgres:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        return url, lambda: None
    name = f"painpath_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundles", type=Path, default=DEFAULT_DATA, help=f"folder of R4 bundles (default {DEFAULT_DATA})")
    parser.add_argument("--iterations", type=int, default=5, help="timed passes over all bundles, each variant (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed passes first (default 1)")
    parser.add_argument("--postgres", action="store_true", help="import into a temporary PostgreSQL database, not SQLite")
    parser.add_argument("--results-dir", type=Path, default=None, help="where to write JSON (default bench/results/)")
    args = parser.parse_args(argv)

    bundles = load_bundles(args.bundles)
    entries = sum(b.entries for b in bundles)
    load_models()
    with tempfile.TemporaryDirectory(prefix="painpath-fhir-bench-") as tmp:
        url, drop = _database(args.postgres, os.environ.get("PAINPATH_BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL), Path(tmp))
        db = None
        try:
            upgrade(url)
            db = Database(url)
            charts = Charts(db, bundles)

            # Correctness first: the import files what a plain-json count of the entries says.
            check = charts.import_all(charts.make_set())
            mismatches = [
                (b.name, category, b.expected[category], s.counts[category])
                for b, s in zip(bundles, check, strict=True) for category in b.expected if b.expected[category] != s.counts[category]
            ]
            if mismatches:
                print(f"WRONG ANSWER: import counts differ from the bundles: {mismatches}")
                return 1
            filed = sum(s.filed for s in check)

            sets = iter([charts.make_set() for _ in range(args.warmup + args.iterations)])
            timings = harness.compare(
                {
                    "floor": lambda: parse_floor(bundles),
                    "validate_filed": lambda: validate_filed(bundles),
                    "import": lambda: charts.import_all(next(sets)),
                },
                iterations=args.iterations, warmup=args.warmup,
            )
        finally:
            if db is not None:
                db.dispose()
            drop()

    harness.print_table(timings, floor="floor", title=f"One pass over {len(bundles)} bundles, {entries} entries ({'PostgreSQL' if args.postgres else 'SQLite'})")
    rates = {name: round(entries / (t.p50 / 1000), 1) for name, t in timings.items()}
    ratios = {
        "import_floor_p50": harness.ratio(timings["import"].p50, timings["floor"].p50),
        "import_floor_p95": harness.ratio(timings["import"].p95, timings["floor"].p95),
        "import_validate_filed_p50": harness.ratio(timings["import"].p50, timings["validate_filed"].p50),
        "throughput_import_over_floor": harness.ratio(rates["import"], rates["floor"]),
    }
    print()
    for name, rate in rates.items():
        print(f"{name:<16}{rate:>10,.0f} entries/s")
    print(f"\nimport time / parse-only floor (p50): {ratios['import_floor_p50']:.2f}x "
          f"-> import throughput is {ratios['throughput_import_over_floor']:.2f}x the floor's "
          f"({filed} facts filed per pass)")
    path = harness.write_result("fhir-import", {
        "benchmark": "fhir-import",
        "params": {"iterations": args.iterations, "warmup": args.warmup, "database": "postgresql" if args.postgres else "sqlite"},
        "environment": {"python": platform.python_version(), "machine": platform.machine()},
        "dataset": {"bundles": len(bundles), "entries": entries, "facts_filed_per_pass": filed},
        "verification": {"counts_match_plain_json": True},
        "timings": timings,
        "entries_per_second_p50": rates,
        "ratios": ratios,
    }, results_dir=args.results_dir)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
