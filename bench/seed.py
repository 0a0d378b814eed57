"""Bulk data for benchmarks, written straight into a migrated PostgreSQL database.

One clinic, two locations, one user per role, patients, open episodes and tasks. Small tables go in with
SQLAlchemy Core `insert()`; patients, episodes and tasks with PostgreSQL COPY (psycopg `cursor.copy`),
ids assigned here so rows can refer to each other without a round trip. The data is deterministic for a
given seed and `now`.

Task shape (defaults): ~25% open, the rest done/met/cancelled; open tasks due from two weeks ago to a
month ahead; about 1.5% of open tasks are on the benchmark coordinator's "mine" list (1% unassigned with
owner role coordinator, 0.5% assigned to the coordinator in person), so at 200,000 tasks that list holds
about 750 rows, of which the worklist shows the first 100.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, create_engine, insert, text

from painpath.context import load_models
from painpath.core.auth.models import User
from painpath.core.auth.passwords import hash_password
from painpath.core.auth.roles import Permission, Role, role_allows
from painpath.core.clock import utcnow
from painpath.core.tenancy import Clinic
from painpath.patients.models import Location

BENCH_PASSWORD = "bench-password-1"
COORDINATOR_USERNAME = Role.COORDINATOR.value

# Roles that work tasks (admin and patient do not).
WORKER_ROLES = tuple(r.value for r in Role if role_allows(r, Permission.WORKLIST_WORK))
OTHER_WORKER_ROLES = tuple(r for r in WORKER_ROLES if r != Role.COORDINATOR.value)

# (kind, provider, title, reason)
TASK_KINDS = (
    ("first_visit.book", "first_visit", "Book first visit", "Open episode has no first visit booked; target is 10 business days from referral."),
    ("records.request", "records", "Request outside records", "Imaging and PT notes from the referring practice are needed before the visit."),
    ("records.chase", "records", "Chase records request", "Records requested 5 business days ago have not arrived."),
    ("auth.submit", "authorizations", "Submit prior authorization", "Patient meets the payer's conservative-care criteria for the planned procedure."),
    ("auth.follow_up", "authorizations", "Follow up pending authorization", "Payer decision is overdue by its own turnaround standard."),
    ("pt.progress_note", "therapy", "Get PT progress note", "Authorized PT visits run out before the next progress note is due."),
    ("checkin.review", "checkins", "Review patient check-in", "Pain score rose by 3 or more points since the last check-in."),
    ("order.imaging", "orders", "Place imaging order", "Red-flag answers at intake call for imaging before the visit."),
    ("forms.fmla", "paperwork", "Complete FMLA form", "Employer form received; due back within 15 calendar days."),
    ("med.mme_review", "medications", "Review opioid dose", "Daily MME exceeds the clinic's review threshold."),
)
CLOSED_STATUSES = (("done", 0.6), ("met", 0.3), ("cancelled", 0.1))

GIVEN = ("Dana", "Alex", "Maria", "Samuel", "Priya", "Jordan", "Wei", "Fatima", "Lucas", "Grace", "Omar", "Elena", "Noah", "Aisha", "Mateo", "Chloe")
FAMILY = ("Okafor", "Nguyen", "Garcia", "Smith", "Patel", "Kowalski", "Haddad", "Johnson", "Silva", "Chen", "Müller", "O'Brien", "Ivanova", "Mensah", "Rossi", "Tanaka")
REGIONS = (("cervical", "M54.12"), ("lumbar", "M54.16"), ("knee", "M17.11"), ("shoulder", "M75.11"), ("thoracic", "M54.6"), ("hip", "M16.11"))
LATERALITY = ("left", "right", "bilateral", "none")


@dataclass(frozen=True)
class SeedSpec:
    episodes: int = 20_000
    tasks: int = 200_000
    patients: int | None = None  # default: 4 patients per 5 episodes (some patients have two problems)
    open_fraction: float = 0.25
    coordinator_role_share: float = 0.01  # of open tasks: owner_role coordinator, unassigned
    coordinator_assigned_share: float = 0.005  # of open tasks: assigned to the benchmark coordinator
    seed: int = 20_261_129

    @property
    def patient_count(self) -> int:
        return self.patients if self.patients is not None else max(1, self.episodes * 4 // 5)


@dataclass
class Seeded:
    clinic_id: int
    location_ids: list[int]
    user_ids: dict[str, int]
    coordinator_id: int
    coordinator_username: str
    password: str
    patients: int
    episodes: int
    tasks: int
    open_tasks: int
    coordinator_open_tasks: int  # rows on the coordinator's "mine" list (all pages)
    now: datetime
    seconds: float
    detail: dict = field(default_factory=dict)


def seed(url: str, spec: SeedSpec = SeedSpec(), *, now: datetime | None = None) -> Seeded:
    """Load a migrated, empty database; returns what was made. Runs VACUUM ANALYZE at the end."""
    load_models()
    started = time.perf_counter()
    now = now or utcnow()
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            clinic_id = conn.execute(
                insert(Clinic).returning(Clinic.id),
                {"name": "Benchmark Pain & Spine", "return_fax": "555-0100", "phone": "555-0101"},
            ).scalar_one()
            location_ids = list(
                conn.execute(
                    insert(Location).returning(Location.id, sort_by_parameter_order=True),
                    [
                        {"clinic_id": clinic_id, "name": "Main", "address": "1 River Rd", "phone": "555-0102"},
                        {"clinic_id": clinic_id, "name": "Northgate", "address": "20 North Ave", "phone": "555-0103"},
                    ],
                ).scalars()
            )
            # argon2 is slow on purpose: hash one password once and give it to everyone.
            password_hash = hash_password(BENCH_PASSWORD)
            user_rows = [
                {
                    "clinic_id": clinic_id,
                    "username": role.value,
                    "display_name": f"{role.value.replace('_', ' ').title()} User",
                    "role": role.value,
                    "password_hash": password_hash,
                }
                for role in Role
            ]
            ids = conn.execute(insert(User).returning(User.id, sort_by_parameter_order=True), user_rows).scalars()
            user_ids = {row["role"]: uid for row, uid in zip(user_rows, ids, strict=True)}

            dbapi = conn.connection.driver_connection
            counts = _copy_bulk(dbapi, spec, now, clinic_id, location_ids, user_ids)
        _vacuum_analyze(engine)
    finally:
        engine.dispose()
    return Seeded(
        clinic_id=clinic_id,
        location_ids=location_ids,
        user_ids=user_ids,
        coordinator_id=user_ids[COORDINATOR_USERNAME],
        coordinator_username=COORDINATOR_USERNAME,
        password=BENCH_PASSWORD,
        patients=counts["patients"],
        episodes=counts["episodes"],
        tasks=counts["tasks"],
        open_tasks=counts["open_tasks"],
        coordinator_open_tasks=counts["coordinator_open_tasks"],
        now=now,
        seconds=round(time.perf_counter() - started, 2),
        detail={k: v for k, v in counts.items() if k not in {"patients", "episodes", "tasks", "open_tasks", "coordinator_open_tasks"}},
    )


def _next_id(cur, table: str) -> int:  # noqa: ANN001
    cur.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"')
    return cur.fetchone()[0]


def _fix_sequence(cur, table: str) -> None:  # noqa: ANN001
    # Ids were assigned here, so move the serial sequence past them for any later inserts.
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM \"{table}\"))")


def _copy_bulk(dbapi, spec: SeedSpec, now: datetime, clinic_id: int, location_ids: list[int], user_ids: dict[str, int]) -> dict:  # noqa: ANN001
    rng = random.Random(spec.seed)
    with dbapi.cursor() as cur:
        patient_ids = _copy_patients(cur, rng, spec.patient_count, now, clinic_id, location_ids)
        episodes = _copy_episodes(cur, rng, spec.episodes, patient_ids, now, clinic_id, location_ids, user_ids)
        task_counts = _copy_tasks(cur, rng, spec, episodes, now, clinic_id, user_ids)
        for table in ("patient", "episode", "task"):
            _fix_sequence(cur, table)
    return {"patients": len(patient_ids), "episodes": len(episodes), **task_counts}


def _copy_patients(cur, rng: random.Random, n: int, now: datetime, clinic_id: int, location_ids: list[int]) -> list[int]:  # noqa: ANN001
    first = _next_id(cur, "patient")
    ids = list(range(first, first + n))
    columns = "id, mrn, given_name, family_name, birth_date, sex, phone, email, address, preferred_contact, home_location_id, clinic_id, created_at, updated_at, version"
    with cur.copy(f"COPY patient ({columns}) FROM STDIN") as copy:
        for pid in ids:
            created = now - timedelta(days=rng.randint(1, 720))
            copy.write_row((
                pid, f"B{pid:08d}", rng.choice(GIVEN), rng.choice(FAMILY),
                date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65)), rng.choice(("female", "male")),
                f"555-{rng.randint(0, 9999):04d}", None, None, "phone", rng.choice(location_ids), clinic_id,
                created, created, 1,
            ))
    return ids


def _copy_episodes(cur, rng: random.Random, n: int, patient_ids: list[int], now: datetime, clinic_id: int,  # noqa: ANN001
                   location_ids: list[int], user_ids: dict[str, int]) -> list[tuple[int, int]]:
    """Open episodes; every patient gets one, the rest go to random patients. Returns (episode_id, patient_id)."""
    first = _next_id(cur, "episode")
    owners = [patient_ids[i % len(patient_ids)] if i < len(patient_ids) else rng.choice(patient_ids) for i in range(n)]
    episodes = [(first + i, pid) for i, pid in enumerate(owners)]
    columns = (
        "id, patient_id, problem_summary, body_region, laterality, onset_date, icd10_codes, status, opened_at, closed_at, "
        "responsible_clinician_id, coordinator_id, location_id, first_visit_booked_at, first_visit_at, clinic_id, "
        "created_at, updated_at, version"
    )
    with cur.copy(f"COPY episode ({columns}) FROM STDIN") as copy:
        for eid, pid in episodes:
            region, icd = rng.choice(REGIONS)
            opened = now - timedelta(days=rng.randint(1, 240), seconds=rng.randint(0, 86_399))
            booked = opened + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.8 else None
            copy.write_row((
                eid, pid, f"{region.title()} pain, episode {eid}", region, rng.choice(LATERALITY),
                (opened - timedelta(days=rng.randint(7, 400))).date(), json.dumps([icd]), "open", opened, None,
                user_ids[Role.CLINICIAN.value], user_ids[Role.COORDINATOR.value], rng.choice(location_ids),
                booked if booked and booked < now else None, booked + timedelta(days=7) if booked and booked < now else None,
                clinic_id, opened, opened, 1,
            ))
    return episodes


def _pick_counts(spec: SeedSpec, n_open: int) -> tuple[int, int, int]:
    """How many open tasks are the coordinator's by role, in person, and coordinator-role but someone else's."""
    if n_open == 0:
        return 0, 0, 0
    by_role = max(min(5, n_open), round(n_open * spec.coordinator_role_share))
    in_person = max(min(3, n_open - by_role), round(n_open * spec.coordinator_assigned_share))
    others = min(max(1, round(n_open * 0.002)), max(0, n_open - by_role - in_person))
    return by_role, in_person, others


def _copy_tasks(cur, rng: random.Random, spec: SeedSpec, episodes: list[tuple[int, int]], now: datetime,  # noqa: ANN001
                clinic_id: int, user_ids: dict[str, int]) -> dict:
    first = _next_id(cur, "task")
    n = spec.tasks
    n_open = round(n * spec.open_fraction)
    order = list(range(n))
    rng.shuffle(order)
    by_role, in_person, others = _pick_counts(spec, n_open)
    # Position in the shuffled order decides each task's lot: coordinator's (by role, in person),
    # coordinator-role but claimed by someone else, other open work, then closed.
    lot = {}
    cursor = 0
    for name, count in (("mine_role", by_role), ("mine_person", in_person), ("coord_other", others), ("open", n_open - by_role - in_person - others)):
        for i in order[cursor : cursor + count]:
            lot[i] = name
        cursor += count
    coordinator = user_ids[Role.COORDINATOR.value]
    manager = user_ids[Role.MANAGER.value]
    statuses, weights = zip(*CLOSED_STATUSES, strict=True)
    columns = (
        "id, key, provider, kind, episode_id, patient_id, title, reason, evidence, owner_role, assignee_id, due_at, "
        "status, opened_at, overdue_flagged_at, closed_at, closed_by_id, resolution, clinic_id, version"
    )
    closed_today_floor = now - timedelta(hours=24)
    closed_last_day = 0
    with cur.copy(f"COPY task ({columns}) FROM STDIN") as copy:
        for i in range(n):
            tid = first + i
            eid, pid = episodes[rng.randrange(len(episodes))]
            kind, provider, title, reason = rng.choice(TASK_KINDS)
            evidence = json.dumps({"episode_id": eid, "rule": kind, "facts": [f"fact-{rng.randint(1, 999)}"], "since": (now - timedelta(days=rng.randint(0, 60))).date().isoformat()})
            which = lot.get(i, "closed")
            closed_at = closed_by = resolution = flagged = None
            if which == "closed":
                status = rng.choices(statuses, weights)[0]
                opened = now - timedelta(days=rng.randint(2, 180), seconds=rng.randint(0, 86_399))
                due = opened + timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86_399))
                # Closed within 25 days of opening, never in the future: about 1/180 of them in the last day.
                open_for = min(25 * 86_400, int((now - opened).total_seconds()) - 60)
                closed_at = opened + timedelta(seconds=rng.randint(0, open_for))
                closed_last_day += closed_at > closed_today_floor
                role = rng.choice(WORKER_ROLES)
                assignee = user_ids[role] if rng.random() < 0.7 else None
                closed_by = assignee if status == "done" else None
                resolution = {"done": "Done; see note", "met": "Met by a recorded fact", "cancelled": "No longer required"}[status]
            else:
                status = "open"
                due = now + timedelta(seconds=rng.randint(-14 * 86_400, 30 * 86_400))
                opened = min(now - timedelta(minutes=5), due - timedelta(days=rng.randint(1, 20)))
                if due <= now:
                    flagged = due + timedelta(seconds=rng.randint(30, 120))
                if which == "mine_role":
                    role, assignee = Role.COORDINATOR.value, None
                elif which == "mine_person":
                    # Claimed by, or reassigned to, the coordinator in person, whatever the owner role.
                    role, assignee = rng.choice(WORKER_ROLES), coordinator
                elif which == "coord_other":
                    role, assignee = Role.COORDINATOR.value, manager
                else:
                    role = rng.choice(OTHER_WORKER_ROLES)
                    assignee = user_ids[role] if rng.random() < 0.3 else None
            copy.write_row((
                tid, f"{kind}:episode:{eid}:{tid}", provider, kind, eid, pid, title, reason, evidence, role, assignee,
                due, status, opened, flagged, closed_at, closed_by, resolution, clinic_id, 1,
            ))
    return {
        "tasks": n,
        "open_tasks": n_open,
        "coordinator_open_tasks": by_role + in_person,
        "coordinator_by_role": by_role,
        "coordinator_in_person": in_person,
        "coordinator_role_claimed_by_others": others,
        "closed_in_last_24h": closed_last_day,
    }


def _vacuum_analyze(engine: Engine) -> None:
    # ANALYZE so the planner sees the real row counts; VACUUM too, as autovacuum would have by now on a
    # live system, so the first timed reads do not pay for setting hint bits on freshly loaded rows.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("clinic", "location", "app_user", "patient", "episode", "task"):
            conn.execute(text(f'VACUUM (ANALYZE) "{table}"'))


# Portable facts for the reconcile benchmark ---------------------------------------------------------------

@dataclass(frozen=True)
class ClinicFacts:
    clinic_id: int
    patients: int
    episodes: int
    intake_calls: int
    seconds: float


def seed_clinic_facts(url: str, episodes: int, *, now: datetime, seed_value: int = 20_261_129, batch: int = 5_000) -> ClinicFacts:
    """One clinic with `episodes` open episodes (one patient each) and the first contact that started each one
    (an intake call), on SQLite or PostgreSQL, with SQLAlchemy Core executemany in batches: facts the real
    providers work on. About 80% of episodes have a first visit booked (the first-visit provider owes the
    rest a booking); the calls are awaiting a callback, reached or triaged, and half say there are no
    outside records (the intake provider owes the others a records request, the untriaged a triage)."""
    from painpath.intake.models import IntakeCall
    from painpath.patients.models import Episode, Patient

    load_models()
    started = time.perf_counter()
    rng = random.Random(seed_value)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            clinic_id = conn.execute(insert(Clinic).returning(Clinic.id),
                                     {"name": "Benchmark Pain & Spine", "return_fax": "555-0100", "phone": "555-0101"}).scalar_one()
            location_id = conn.execute(insert(Location).returning(Location.id),
                                       {"clinic_id": clinic_id, "name": "Main", "address": "1 River Rd", "phone": "555-0102"}).scalar_one()
        for first in range(1, episodes + 1, batch):
            ids = range(first, min(first + batch, episodes + 1))
            patients, episode_rows, calls = [], [], []
            for n in ids:
                opened = now - timedelta(days=rng.randint(1, 120), seconds=rng.randint(0, 86_399))
                region, icd = rng.choice(REGIONS)
                patients.append({
                    "id": n, "mrn": f"B{n:08d}", "given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY),
                    "birth_date": date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65)), "sex": rng.choice(("female", "male")),
                    "phone": f"555-{rng.randint(0, 9999):04d}", "preferred_contact": "phone", "home_location_id": location_id,
                    "clinic_id": clinic_id, "created_at": opened, "updated_at": opened, "version": 1,
                })
                booked = opened + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.8 else None
                booked = booked if booked is not None and booked < now else None
                episode_rows.append({
                    "id": n, "patient_id": n, "problem_summary": f"{region.title()} pain", "body_region": region,
                    "laterality": rng.choice(LATERALITY), "icd10_codes": [icd], "status": "open", "opened_at": opened,
                    "location_id": location_id, "first_visit_booked_at": booked,
                    "first_visit_at": booked + timedelta(days=7) if booked else None,
                    "clinic_id": clinic_id, "created_at": opened, "updated_at": opened, "version": 1,
                })
                status = rng.choices(("awaiting_callback", "reached", "triaged"), (0.3, 0.5, 0.2))[0]
                calls.append({
                    "id": n, "patient_id": n, "episode_id": n, "source": "phone", "caller_name": "Caller",
                    "caller_phone": "555-0199", "caller_relation": "self", "reason": "Pain", "pain_location": region,
                    "received_at": opened, "status": status, "reached_at": opened + timedelta(hours=2) if status != "awaiting_callback" else None,
                    "no_prior_records_at": opened if rng.random() < 0.5 else None,
                    "clinic_id": clinic_id, "created_at": opened, "updated_at": opened, "version": 1,
                })
            with engine.begin() as conn:
                conn.execute(insert(Patient), patients)
                conn.execute(insert(Episode), episode_rows)
                conn.execute(insert(IntakeCall), calls)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in ("patient", "episode", "intake_call"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {episodes})"))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("patient", "episode", "intake_call"):
                    conn.execute(text(f'VACUUM (ANALYZE) "{table}"'))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return ClinicFacts(clinic_id, episodes, episodes, episodes, round(time.perf_counter() - started, 2))
