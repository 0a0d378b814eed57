"""The demo clinic: Riverside Pain & Spine with staff, 200 patients and a live worklist.

`painpath demo` and `make run` call `load_demo` on an empty database. Everything is drawn from one
`random.Random(seed)` and placed relative to `now`, so the same seed and `now` give the same clinic.
The data goes in through the slices' services, so validation applies and the audit trail is written.

One patient in five is already in treatment: their episode began months ago and has signed visit notes
with functional measures and scored questionnaires (ODI or NDI, and PEG), so the function charts have
real data. Those histories are drawn from the same generator after the clinic's plan, so the rest of the
clinic is the same as it would be without them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations import service as authorization_service
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import CaseOpenIn, DecisionIn, SubmitIn
from painpath.charting import service as charting_service
from painpath.charting.conservative_care import service as care_service
from painpath.charting.conservative_care.schemas import CareIn
from painpath.charting.instruments import service as instrument_service
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.rules import ENCOUNTER_WORDS, measures_summary
from painpath.charting.schemas import EncounterIn, ExamIn, MeasuresIn
from painpath.context import AppContext
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from painpath.core.auth.service import AuthPolicy, actor_for
from painpath.core.auth.roles import Role
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import DomainError
from painpath.core.tenancy import Clinic
from painpath import (demo_behavioural, demo_checkins, demo_costs, demo_facts, demo_forms, demo_imaging_orders, demo_outcomes,
                      demo_pain_diagrams, demo_patient_events, demo_policy_changes, demo_portal, demo_referrals, demo_restrictions, demo_states, demo_workcomp)
from painpath.intake.models import Appointment, IntakeCall
from painpath.orders import service as order_service
from painpath.orders.schemas import StudyIn
from painpath.patients import service as patient_service
from painpath.patients.models import Episode, Location
from painpath.patients.schemas import CoverageIn, EpisodeIn, EpisodeUpdate, PatientIn
from painpath.plans import service as plan_service
from painpath.plans.schemas import GoalIn, PlanStartIn
from painpath.worklist.engine import OPEN
from painpath.worklist.models import Task

DEFAULT_SEED = 20261129
DEFAULT_PATIENTS = 200
CLINIC_NAME = "Riverside Pain & Spine"
# 555-0100..555-0199 are the numbers reserved for fiction; every phone number here is one of them.
CLINIC_PHONE = "(708) 555-0100"
CLINIC_FAX = "(708) 555-0101"
LOCATIONS = (
    ("Riverside Main", "2400 Riverside Pkwy, Suite 200, Riverside, IL 60546", "(708) 555-0102", "(708) 555-0103"),
    ("Northgate", "815 Northgate Blvd, Suite 110, Northgate, IL 60714", "(847) 555-0104", "(847) 555-0105"),
)
# username, role, display name. Usernames are role names; the second clinician and coordinator get a 2.
STAFF = (
    ("front_desk", Role.FRONT_DESK, "Maria Delgado"),
    ("nurse", Role.NURSE, "Tom Becker, RN"),
    ("coordinator", Role.COORDINATOR, "Aisha Grant"),
    ("coordinator2", Role.COORDINATOR, "Kevin Novak"),
    ("clinician", Role.CLINICIAN, "Dr. Priya Raman"),
    ("clinician2", Role.CLINICIAN, "Dr. Samuel Okoye"),
    ("therapist", Role.THERAPIST, "Lena Fischer, DPT"),
    ("billing", Role.BILLING, "Gloria Chen"),
    ("manager", Role.MANAGER, "Robert Hayes"),
    ("admin", Role.ADMIN, "Dana Whitfield"),
    ("patient", Role.PATIENT, "Evelyn Harper"),
)

FEMALE_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
    "Lisa", "Nancy", "Sandra", "Ashley", "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa",
    "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Angela", "Brenda", "Nicole", "Maria",
    "Rosa", "Guadalupe", "Keisha", "Tamika", "Mei", "Priya", "Fatima", "Ngozi", "Olga", "Hannah",
)
MALE_NAMES = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Charles",
    "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
    "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward", "Jeffrey", "Ryan",
    "Jose", "Luis", "Carlos", "Darnell", "Andre", "Wei", "Raj", "Ahmed", "Tomasz", "Emeka",
)
NEUTRAL_NAMES = ("Alex", "Jordan", "Taylor", "Casey", "Morgan", "Riley", "Jamie", "Avery")
FAMILY_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Kowalski", "Nowak", "Schmidt", "Mueller", "O'Brien", "Murphy", "Sullivan", "Kim", "Patel", "Shah",
    "Chen", "Wang", "Okafor", "Adeyemi", "Washington", "Jefferson", "Brooks", "Price", "Bennett", "Wood",
    "Novak", "Horvath", "Petrov", "Ivanova", "Haddad", "Khan", "Santos", "Reyes", "Morales", "Ortiz",
)
STREETS = (
    "Oak St", "Maple Ave", "Cedar Ln", "Harlem Ave", "Des Plaines Ave", "Ogden Ave", "Longcommon Rd",
    "Forest Ave", "Northgate Blvd", "Golf Rd", "Milwaukee Ave", "Elm St", "Prairie Ave", "Lincoln Ave",
    "Washington St", "Central Ave", "Willow Rd", "Birch Dr", "Burlington St", "Park Ave",
)
TOWNS = (
    ("Riverside", "60546", 0), ("Brookfield", "60513", 0), ("Berwyn", "60402", 0), ("La Grange", "60525", 0),
    ("North Riverside", "60546", 0), ("Northgate", "60714", 1), ("Niles", "60714", 1), ("Park Ridge", "60068", 1),
    ("Des Plaines", "60016", 1), ("Morton Grove", "60053", 1),
)  # town, ZIP, nearest location (index into LOCATIONS)
AREA_CODES = ("708", "708", "773", "847", "630")


@dataclass(frozen=True)
class Problem:
    """A presenting pain problem: region, the codes for each side, and how patients describe it."""

    region: str
    codes: dict[str, tuple[str, ...]]  # laterality -> ICD-10-CM codes (billable, checked by the tests)
    complaints: tuple[str, ...]  # "{side}" is the side in words
    weight: int = 2


PROBLEMS = (
    Problem("lumbar", {"left": ("M54.16",), "right": ("M54.16",)}, (
        "Low back pain radiating down the {side} leg to the foot",
        "Burning pain from the {side} buttock to the calf with numbness in the toes",
    ), 5),
    Problem("lumbar", {"left": ("M51.16",), "right": ("M51.16",)}, (
        "Herniated lumbar disc on MRI with {side} leg pain below the knee",
    ), 3),
    Problem("lumbar", {"left": ("M54.42",), "right": ("M54.41",)}, ("Low back pain with {side}-sided sciatica",), 3),
    Problem("lumbar", {"midline": ("M47.816",), "bilateral": ("M47.816",)}, (
        "Axial low back pain, worse with extension and standing; facet arthropathy on imaging",
        "Aching low back pain, stiff in the morning, worse with twisting",
    ), 4),
    Problem("lumbar", {"bilateral": ("M48.062",)}, (
        "Pain and heaviness in both legs after walking one block, relieved by sitting or leaning forward",
        "Neurogenic claudication: cannot stand at the counter more than 10 minutes",
    ), 3),
    Problem("lumbar", {"midline": ("M54.50",)}, ("Low back pain without leg symptoms",), 3),
    Problem("lumbar", {"midline": ("M43.16",), "bilateral": ("M43.16",)}, (
        "Low back pain with grade 1 L4-L5 spondylolisthesis",
    ), 1),
    Problem("lumbar", {"bilateral": ("M96.1", "G89.4"), "left": ("M96.1", "G89.4"), "right": ("M96.1", "G89.4")}, (
        "Persistent back and leg pain after lumbar fusion",
        "Back pain returned after L5-S1 laminectomy; referred for spinal cord stimulator evaluation",
    ), 1),
    Problem("cervical", {"left": ("M54.12",), "right": ("M54.12",)}, (
        "Neck pain radiating into the {side} arm with tingling in the thumb and index finger",
        "Sharp pain from the neck to the {side} shoulder blade and forearm",
    ), 4),
    Problem("cervical", {"left": ("M50.122",), "right": ("M50.122",)}, (
        "C5-C6 disc herniation with {side} arm pain and grip weakness",
    ), 1),
    Problem("cervical", {"midline": ("M47.812",), "bilateral": ("M47.812",)}, (
        "Chronic neck pain with headaches at the base of the skull, worse looking up",
    ), 2),
    Problem("cervical", {"midline": ("M54.2",)}, ("Neck pain and stiffness", "Neck pain after a rear-end collision"), 3),
    Problem("cervical", {"left": ("M54.81",), "right": ("M54.81",), "bilateral": ("M54.81",)}, (
        "Shooting pain from the base of the skull over the scalp",
    ), 1),
    Problem("thoracic", {"midline": ("M54.6",)}, ("Mid-back pain between the shoulder blades",), 1),
    Problem("thoracic", {"left": ("B02.29",), "right": ("B02.29",)}, (
        "Burning band of pain around the {side} chest wall since shingles",
    ), 1),
    Problem("sacroiliac", {"left": ("M46.1",), "right": ("M46.1",), "bilateral": ("M46.1",)}, (
        "{Side} sacroiliac joint pain, worse getting out of the car and climbing stairs",
    ), 3),
    Problem("hip", {"left": ("M25.552",), "right": ("M25.551",)}, ("Pain in the {side} hip and groin with walking",), 2),
    Problem("hip", {"left": ("M16.12",), "right": ("M16.11",)}, ("Osteoarthritis of the {side} hip, not ready for replacement",), 2),
    Problem("hip", {"left": ("M70.62",), "right": ("M70.61",)}, ("Pain on the outside of the {side} hip, cannot lie on that side",), 2),
    Problem("knee", {"left": ("M17.12",), "right": ("M17.11",), "bilateral": ("M17.0",)}, (
        "Osteoarthritic {side} knee pain limiting walking; steroid injections wear off after weeks",
        "Knee osteoarthritis ({side}); asking about genicular nerve ablation",
    ), 3),
    Problem("knee", {"left": ("M25.562",), "right": ("M25.561",)}, ("Pain in the {side} knee going down stairs",), 1),
    Problem("shoulder", {"left": ("M75.42",), "right": ("M75.41",)}, ("{Side} shoulder pain reaching overhead",), 2),
    Problem("shoulder", {"left": ("M19.012",), "right": ("M19.011",)}, ("Arthritic {side} shoulder pain at night",), 1),
    Problem("shoulder", {"left": ("M25.512",), "right": ("M25.511",)}, ("Pain in the {side} shoulder after a fall",), 1),
    Problem("other", {"none": ("M79.7", "G89.4")}, ("Widespread pain, poor sleep and fatigue; diagnosed with fibromyalgia",), 1),
    Problem("other", {"left": ("G90.522",), "right": ("G90.521",)}, (
        "Burning pain, swelling and colour change in the {side} foot since an ankle fracture",
    ), 1),
    Problem("other", {"left": ("G57.12",), "right": ("G57.11",)}, ("Burning numbness over the {side} outer thigh",), 1),
    Problem("other", {"left": ("G50.0",), "right": ("G50.0",)}, ("Electric-shock pains in the {side} cheek and jaw",), 1),
)
TRIGGERS = (
    "", "", "", "Began after lifting a heavy box.", "Began after a fall on ice.", "Began after a rear-end car collision.",
    "Began after a weekend of gardening.", "Began after moving house.", "No injury recalled.",
)
WORK_TRIGGERS = (
    "Injured lifting a pallet at work.", "Injured in a fall from a ladder at work.", "Injured when a forklift struck a shelf at work.",
    "Began with repetitive overhead work on the assembly line.", "Injured transferring a patient at work.",
)
EARLY_TREATMENTS = (
    "No treatment yet apart from over-the-counter medicines.",
    "Tried ibuprofen and rest; urgent care gave a medrol dose pack.",
    "Primary care referred for evaluation and treatment.",
)
TREATMENTS = (
    "Six weeks of physical therapy and naproxen without lasting relief.",
    "Tried ibuprofen, a medrol dose pack and a home exercise program.",
    "Eight PT visits helped only briefly; takes acetaminophen and gabapentin.",
    "Chiropractic care for two months without improvement.",
    "Had one epidural steroid injection elsewhere two years ago with good relief.",
    "No treatment yet apart from over-the-counter medicines.",
    "Primary care referred after conservative care failed; wants to avoid surgery.",
    "On tramadol from primary care; would like to taper.",
)
CHRONIC_DAYS = 365  # onset at least this long ago: "chronic", often with G89.4 added


class DemoRefused(RuntimeError):
    """The database already holds a clinic; the demo loads only into an empty database."""


@dataclass
class DemoSummary:
    clinic_id: int
    clinic_name: str
    locations: list[str]
    logins: list[tuple[str, str, str]]  # (username, role, password)
    patients: int
    episodes: int
    first_visits_booked: int
    discharged: int
    intake_calls: int
    open_tasks: int
    overdue_tasks: int
    now: datetime
    seed: int
    payer_ids: list[str] = field(default_factory=list)
    charted_episodes: int = 0  # episodes in treatment with signed notes, measures and questionnaires
    authorization_cases: int = 0  # prior-authorization cases opened for charted episodes
    care_plans: int = 0  # charted episodes following a pathway's care plan
    facts: dict[str, int] = field(default_factory=dict)  # issue 12's facts: coverages, procedures, tapers, ...


def demo_password(role: str) -> str:
    return f"demo-{role}-2026"


def database_is_empty(ctx: AppContext) -> bool:
    """True when no clinic exists yet, so the demo may load."""
    with ctx.db.session() as session:
        return session.scalar(select(Clinic.id).limit(1)) is None


# Generation (pure: random draws and dates only) -----------------------------------------------

@dataclass(frozen=True)
class _Visit:
    """A past visit in treatment: its note, functional measures and the questionnaires answered there."""

    day: date
    at: time
    encounter_type: str
    measures: dict
    answers: dict[str, dict[str, int | None]]  # instrument id -> item answers (the engine scores them)


@dataclass
class _EpisodePlan:
    problem_summary: str
    body_region: str
    laterality: str
    onset_date: date
    icd10_codes: list[str]
    opened_at: datetime
    clinician: int  # index among the clinicians
    coordinator: int  # index among the coordinators
    booked_at: datetime | None = None
    first_visit_at: datetime | None = None
    discharged_at: datetime | None = None
    visits: list[_Visit] = field(default_factory=list)


@dataclass
class _PatientPlan:
    patient: dict
    location: int
    coverage: dict
    episodes: list[_EpisodePlan]


def _local_to_utc(calendar: BusinessCalendar, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=calendar.tz).astimezone(timezone.utc).replace(tzinfo=None)


def _business_days_before(calendar: BusinessCalendar, day: date, count: int) -> list[date]:
    """The `count` business days before `day` (not counting it), most recent first."""
    days, current = [], day
    while len(days) < count:
        current -= timedelta(days=1)
        if calendar.is_business_day(current):
            days.append(current)
    return days


def _business_day_on_or_before(calendar: BusinessCalendar, day: date) -> date:
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day


def _clock(rng: random.Random, start_hour: int, end_hour: int, step: int = 5) -> time:
    minutes = rng.randrange(start_hour * 60, end_hour * 60, step)
    return time(minutes // 60, minutes % 60)


def _assign_payers(rng: random.Random, payers: dict, count: int) -> list[str]:
    """Payer ids for `count` patients, weighted by plan type, every payer used at least once."""
    share = {"medicare": 30, "medicare_advantage": 15, "medicaid": 12, "commercial": 35, "workers_comp": 8}
    ids = sorted(payers)
    if count < len(ids):
        chosen = ids[:count]
    else:
        per_type: dict[str, int] = {}
        for pid in ids:
            per_type[payers[pid].plan_type] = per_type.get(payers[pid].plan_type, 0) + 1
        weights = {pid: share.get(payers[pid].plan_type, 10) / per_type[payers[pid].plan_type] for pid in ids}
        chosen = list(ids)  # one each, then the rest by weight
        chosen += rng.choices(ids, weights=[weights[p] for p in ids], k=count - len(ids))
    rng.shuffle(chosen)
    return chosen


def _member(rng: random.Random, plan_type: str, payer_id: str, *, birth: date, onset: date, year_start: date, plan_year: int) -> dict:
    """Member id, group and dates shaped like the plan type's: an MBI for Medicare, a claim for workers' comp."""
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = "ACDEFGHJKMNPQRTUVWXY"  # the Medicare MBI alphabet (no S, L, O, I, B, Z)
    if plan_type == "medicare":
        # Medicare Beneficiary Identifier shape: 1EG4-TE5-MK73 (stored without dashes).
        mbi = (
            rng.choice("123456789") + rng.choice(letters) + rng.choice(letters + "0123456789") + digits(1)
            + rng.choice(letters) + rng.choice(letters + "0123456789") + digits(1)
            + rng.choice(letters) + rng.choice(letters) + digits(2)
        )
        turned_65 = date(birth.year + 65, birth.month, 1)  # Part B starts the month one turns 65
        return {"member_id": mbi, "group_number": None, "effective_from": min(turned_65, year_start), "effective_to": None}
    if plan_type == "workers_comp":
        claim = f"WC-{onset.year}-{digits(6)}"
        return {"member_id": claim, "group_number": f"EMP{digits(5)}", "effective_from": onset, "effective_to": None}
    prefix = {"medicare_advantage": "H", "medicaid": "MCD"}.get(plan_type, payer_id[:3].upper())
    member = f"{prefix}{digits(9)}"
    group = None if plan_type in ("medicaid",) else f"{digits(6)}"
    start = date(rng.randint(year_start.year - 6, year_start.year), 1, 1)
    end = date(plan_year, 12, 31) if plan_type in ("commercial", "medicare_advantage") else None
    return {"member_id": member, "group_number": group, "effective_from": start, "effective_to": end}


def _episode(rng: random.Random, *, opened_at: datetime, plan_type: str, chronic_bias: float = 0.0) -> _EpisodePlan:
    work_injury = plan_type == "workers_comp"
    # Workers' compensation covers injuries at work: musculoskeletal problems only.
    choices = [p for p in PROBLEMS if not work_injury or p.region not in ("thoracic", "other")]
    problem = rng.choices(choices, weights=[p.weight for p in choices])[0]
    laterality = rng.choice(sorted(problem.codes))
    codes = list(problem.codes[laterality])
    side = {"left": "left", "right": "right", "bilateral": "bilateral"}.get(laterality, "")
    complaint = rng.choice(problem.complaints).replace("{side}", side).replace("{Side}", side.capitalize())
    days_ago = rng.choice((rng.randint(14, 120), rng.randint(120, 720), rng.randint(720, 3000)))
    if rng.random() < chronic_bias:
        days_ago = max(days_ago, CHRONIC_DAYS + rng.randint(0, 900))
    onset = opened_at.date() - timedelta(days=days_ago)
    trigger = rng.choice(WORK_TRIGGERS if work_injury else TRIGGERS)
    if problem.region == "other" or " after " in complaint or " since " in complaint:
        trigger = ""  # the complaint already says how it began
    months = days_ago // 30
    duration = f"for {days_ago // 7} weeks" if months < 3 else f"for {months} months" if months < 24 else f"for {months // 12} years"
    treatment = rng.choice(EARLY_TREATMENTS if days_ago < 56 else TREATMENTS)
    summary = " ".join(part for part in (f"{complaint}, {duration}.", trigger, treatment) if part)
    if days_ago >= CHRONIC_DAYS and "G89.4" not in codes and rng.random() < 0.3:
        codes.append("G89.4")
    return _EpisodePlan(
        problem_summary=summary, body_region=problem.region, laterality=laterality, onset_date=onset,
        icd10_codes=codes, opened_at=opened_at, clinician=rng.randrange(2), coordinator=rng.randrange(2),
    )


def _plan(rng: random.Random, payers: dict, count: int, now: datetime, calendar: BusinessCalendar) -> list[_PatientPlan]:
    today = calendar.local_date(now)
    recent = _business_days_before(calendar, today, 20)  # recent[k-1] is k business days ago
    payer_ids = _assign_payers(rng, payers, count)
    plans = []
    for index in range(count):
        payer_id = payer_ids[index]
        plan_type = payers[payer_id].plan_type
        sex = rng.choices(("female", "male", "other"), weights=(54, 45, 1))[0]
        given = rng.choice({"female": FEMALE_NAMES, "male": MALE_NAMES}.get(sex, NEUTRAL_NAMES))
        family = rng.choice(FAMILY_NAMES)
        if plan_type in ("medicare", "medicare_advantage"):
            born_year = rng.randint(1940, min(1960, today.year - 66))
        elif plan_type == "workers_comp":
            born_year = rng.randint(1962, 2003)
        else:
            born_year = rng.randint(1958, 2005)
        birth = date(born_year, 1, 1) + timedelta(days=rng.randrange(365))
        town, zip_code, location = rng.choice(TOWNS)
        contact = rng.choices(("phone", "sms", "email", "portal", "mail"), weights=(40, 25, 15, 15, 5))[0]
        email = None
        if contact in ("email", "portal") or rng.random() < 0.4:
            handle = f"{given}.{family}".lower().replace("'", "")
            email = f"{handle}{rng.randint(1, 99)}@example.com"
        patient = {
            "mrn": f"RPS-{index + 1:06d}",
            "given_name": given,
            "family_name": family,
            "birth_date": birth,
            "sex": sex,
            "phone": f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}",
            "email": email,
            "address": f"{rng.randint(100, 9899)} {rng.choice(STREETS)}, {town}, IL {zip_code}",
            "preferred_contact": contact,
        }
        episodes = []
        if rng.random() < 0.12:
            # An earlier episode, discharged after treatment: shows history on the chart.
            prior_day = _business_day_on_or_before(calendar, recent[-1] - timedelta(days=rng.randint(90, 500)))
            opened = _local_to_utc(calendar, prior_day, _clock(rng, 8, 17))
            prior = _episode(rng, opened_at=opened, plan_type=plan_type)
            prior.booked_at = opened + timedelta(hours=rng.randint(1, 30))
            visit_day = calendar.add_business_days(calendar.local_date(prior.booked_at), rng.randint(2, 8))
            prior.first_visit_at = _local_to_utc(calendar, visit_day, _clock(rng, 8, 16, 30))
            prior.discharged_at = prior.first_visit_at + timedelta(days=rng.randint(30, 50))
            episodes.append(prior)
        ago = rng.randint(1, 20)
        open_day = recent[ago - 1]
        opened = _local_to_utc(calendar, open_day, _clock(rng, 8, 17))
        current = _episode(rng, opened_at=opened, plan_type=plan_type, chronic_bias=0.3 if episodes else 0.0)
        # Older referrals are more likely to have been booked already (about 60% overall).
        if rng.random() < 0.3 + 0.6 * (ago - 1) / 19:
            lag = rng.randint(0, min(2, ago - 1))
            if lag == 0:
                current.booked_at = opened + timedelta(minutes=rng.randrange(15, 240, 5))
            else:
                current.booked_at = _local_to_utc(calendar, calendar.add_business_days(open_day, lag), _clock(rng, 8, 17))
            visit_day = calendar.add_business_days(calendar.local_date(current.booked_at), rng.randint(2, 7))
            current.first_visit_at = _local_to_utc(calendar, visit_day, _clock(rng, 8, 16, 30))
            # Some were seen and discharged at the first visit (surgical referral, resolved, declined care).
            discharge_at = current.first_visit_at + timedelta(hours=2)
            if discharge_at <= now and rng.random() < 0.15:
                current.discharged_at = discharge_at
        episodes.append(current)
        year_start = date(min(e.opened_at.year for e in episodes), 1, 1)
        member = _member(
            rng, plan_type, payer_id, birth=birth, onset=current.onset_date, year_start=year_start, plan_year=current.opened_at.year,
        )
        coverage = {"payer_id": payer_id, **member}
        plans.append(_PatientPlan(patient=patient, location=location, coverage=coverage, episodes=episodes))
    return plans


# Treatment histories (pure: random draws and dates only) ----------------------------------------

# One patient in five is in treatment with a charted history; at least a few even in a small demo.
CHARTED_SHARE = 5
MIN_CHARTED = 3
# The region's disability questionnaire; every charted episode also answers the PEG at each visit.
FUNCTION_INSTRUMENT = {"lumbar": "odi", "cervical": "ndi"}
RESPONDER_SHARE = 0.6  # the rest improve too little to reach the minimal important change


def _round_to(value: float, step: float, low: float, high: float) -> float:
    return min(max(round(value / step) * step, low), high)


def _spread(rng: random.Random, item_ids: list[str], points: int, top: int) -> dict[str, int | None]:
    """Answers (0..top each) over `item_ids` that add up to `points`: how a questionnaire is filled in."""
    points = min(max(points, 0), top * len(item_ids))
    base, extra = divmod(points, len(item_ids))
    raised = set(rng.sample(item_ids, extra))
    return {item: base + (item in raised) for item in item_ids}


def _disability_answers(rng: random.Random, items: list[str], percent: float, skipped: str | None) -> dict[str, int | None]:
    """ODI/NDI answers (0-5 per section) near `percent` of the worst; `skipped` is left unanswered."""
    answered = [i for i in items if i != skipped]
    answers = _spread(rng, answered, round(percent / 100 * 5 * len(answered)), 5)
    if skipped is not None:
        answers[skipped] = None
    return answers


def _visit_days(rng: random.Random, calendar: BusinessCalendar, first: date, last: date, count: int) -> list[date]:
    """`count` business days from `first` to `last`, roughly evenly spread, each after the one before."""
    span = (last - first).days
    days = [first]
    for k in range(1, count):
        aim = first + timedelta(days=round(span * k / (count - 1)) - rng.randint(0, max(1, span // (count * 4))))
        day = _business_day_on_or_before(calendar, min(aim, last))
        if day > days[-1]:
            days.append(day)
    return days


def _visits(rng: random.Random, instruments: dict, region: str, days: list[date]) -> list[_Visit]:
    """Measures and answers that change plausibly from visit to visit: most patients improve past the
    minimal important change, some barely move."""
    responder = rng.random() < RESPONDER_SHARE
    gain = rng.uniform(0.4, 0.65) if responder else rng.uniform(-0.1, 0.12)  # share of the burden lifted by the last visit
    pain0 = rng.randint(6, 8)
    sitting0, standing0, walking0 = rng.choice((10, 15, 20, 30)), rng.choice((5, 10, 15, 20)), rng.choice((5, 10, 15, 20))
    sleep0, lifting0 = rng.choice((4.0, 4.5, 5.0, 5.5, 6.0)), rng.choice((10, 15, 20, 25))
    disability0 = rng.uniform(32, 62)  # percent of the questionnaire's worst score
    instrument_id = FUNCTION_INSTRUMENT.get(region)
    items = [it.id for it in instruments[instrument_id].items] if instrument_id else []
    # Some people leave the ODI's sex-life section blank; the engine prorates one missing section.
    skipped = "odi_8" if instrument_id == "odi" and rng.random() < 0.15 else None
    visits = []
    for index, day in enumerate(days):
        progress = index / max(1, len(days) - 1)
        wobble = rng.uniform(-0.06, 0.06) if 0 < index < len(days) - 1 else 0.0
        better = gain * progress + wobble
        average = int(_round_to(pain0 * (1 - better), 1, 0, 10))
        now_pain = int(_round_to(average + rng.choice((-1, 0, 0, 1)), 1, 0, 10))
        measures = {
            "pain_now": now_pain, "pain_average": average,
            "pain_worst": int(_round_to(max(average, now_pain) + rng.randint(1, 3), 1, 0, 10)),
            "sitting_minutes": int(_round_to(sitting0 * (1 + 3 * better), 5, 5, 240)),
            "standing_minutes": int(_round_to(standing0 * (1 + 3 * better), 5, 5, 240)),
            "walking_minutes": int(_round_to(walking0 * (1 + 3 * better), 5, 5, 240)),
            "sleep_hours": _round_to(sleep0 + 2.5 * better, 0.5, 2, 9),
            "lifting_limit_lb": int(_round_to(lifting0 * (1 + 1.5 * better), 5, 5, 100)),
        }
        answers: dict[str, dict[str, int | None]] = {}
        if instrument_id:  # the region's questionnaire first: it is the episode's main function measure
            answers[instrument_id] = _disability_answers(rng, items, disability0 * (1 - better), skipped)
        interference = [int(_round_to(average + rng.choice((-1, 0, 1)), 1, 0, 10)) for _ in range(2)]
        answers["peg"] = {"peg_1": average, "peg_2": interference[0], "peg_3": interference[1]}
        visits.append(_Visit(
            day=day, at=_clock(rng, 8, 16, 15), encounter_type="initial" if index == 0 else "follow_up",
            measures=measures, answers=answers,
        ))
    return visits


def _start_in_treatment(rng: random.Random, plan: _PatientPlan, instruments: dict, today: date, calendar: BusinessCalendar) -> None:
    """Move the patient's episode months back: referred, seen, and followed up since, still in care."""
    episode = plan.episodes[-1]
    first_day = _business_day_on_or_before(calendar, today - timedelta(days=rng.randint(3, 8) * 30 + rng.randint(0, 20)))
    opened_day = _business_day_on_or_before(calendar, first_day - timedelta(days=rng.randint(10, 25)))
    # The onset moves with the referral, so "for 8 months" in the summary stays true.
    episode.onset_date -= calendar.local_date(episode.opened_at) - opened_day
    episode.opened_at = _local_to_utc(calendar, opened_day, _clock(rng, 8, 17))
    episode.booked_at = episode.opened_at + timedelta(hours=rng.randint(1, 30))
    episode.first_visit_at = _local_to_utc(calendar, first_day, _clock(rng, 8, 16, 30))
    episode.discharged_at = None
    last_day = _business_day_on_or_before(calendar, today - timedelta(days=rng.randint(2, 10)))
    episode.visits = _visits(rng, instruments, episode.body_region, _visit_days(rng, calendar, first_day, last_day, rng.randint(2, 5)))
    coverage = plan.coverage
    if coverage["member_id"].startswith("WC-"):  # a workers' comp claim starts with the injury
        coverage["effective_from"] = episode.onset_date
    elif coverage["effective_from"] > opened_day:
        coverage["effective_from"] = date(opened_day.year, 1, 1)


def _plan_treatment(rng: random.Random, plans: list[_PatientPlan], instruments: dict, now: datetime, calendar: BusinessCalendar) -> None:
    """Put a share of the patients (spine patients first, whose questionnaire is the ODI or NDI) in treatment."""
    wanted = max(min(MIN_CHARTED, len(plans)), len(plans) // CHARTED_SHARE)
    # Only patients with one episode: an earlier, discharged episode would overlap a history moved back.
    single = [p for p in plans if len(p.episodes) == 1]
    spine = [p for p in single if p.episodes[-1].body_region in FUNCTION_INSTRUMENT]
    others = [p for p in single if p.episodes[-1].body_region not in FUNCTION_INSTRUMENT]
    chosen = rng.sample(spine, min(wanted, len(spine)))
    chosen += rng.sample(others, min(wanted - len(chosen), len(others)))
    today = calendar.local_date(now)
    for plan in chosen:
        _start_in_treatment(rng, plan, instruments, today, calendar)


# Loading (writes through the services) ----------------------------------------------------------

_HASHES: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # argon2 costs ~0.2 s a hash on purpose; hash each demo password once per process.
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, password) of every demo account, for `painpath demo` to print."""
    return [(username, role.value, demo_password(role.value)) for username, role, _name in STAFF]


def _create_staff(session: Session, actor: Actor, clinic_id: int) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    """Staff accounts as auth.create_user makes them (row plus audit), with cached hashes; also the accounts
    demo_states.RESTING_STAFF disables or locks (with their role's password, so no hash is computed twice)."""
    users = {}
    resting = tuple((username, Role(role), name) for username, role, name, _state in demo_states.RESTING_STAFF)
    for username, role, display_name in STAFF + resting:
        password = demo_password(role.value)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"demo password for {role.value} is shorter than {MIN_PASSWORD_LENGTH} characters")
        user = User(
            clinic_id=clinic_id, username=username, display_name=display_name, role=role.value,
            password_hash=_password_hash(password), npi=demo_facts.CLINICIAN_NPIS.get(username),
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, "user.create", object_type="user", object_id=user.id, clinic_id=clinic_id, detail={"role": role.value})
        users[username] = user
    return users, demo_logins()


def _open_planned_episode(
    session: Session, actor: Actor, patient_id: int, plan: _EpisodePlan, *, location_id: int,
    clinicians: list[User], coordinators: list[User], now: datetime,
) -> Episode:
    data = EpisodeIn(
        problem_summary=plan.problem_summary, body_region=plan.body_region, laterality=plan.laterality,
        # The service refuses onsets after the wall-clock date; that binds only when `now` is in the future.
        onset_date=min(plan.onset_date, utcnow().date()), icd10_codes=plan.icd10_codes,
        responsible_clinician_id=clinicians[plan.clinician].id, coordinator_id=coordinators[plan.coordinator].id,
        location_id=location_id,
    )
    episode = patient_service.open_episode(session, actor=actor, patient_id=patient_id, data=data, opened_at=plan.opened_at)
    if plan.first_visit_at is not None:
        patient_service.record_first_visit_booked(
            session, actor=actor, episode_id=episode.id, visit_at=plan.first_visit_at, booked_at=plan.booked_at
        )
        # The booking itself, as the scheduler keeps it (history is written directly: the booking
        # service refuses times already past, which every demo visit before `now` is).
        session.add(Appointment(
            clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient_id, visit_type="new_patient",
            provider_type="app", location_id=location_id, start_at=plan.first_visit_at, modality="in_person",
            status="completed" if plan.first_visit_at < now else "booked", booked_at=plan.booked_at,
        ))
    if plan.discharged_at is not None:
        update = EpisodeUpdate(**data.model_dump(), status="discharged", version=episode.version)
        patient_service.update_episode(session, actor=actor, episode_id=episode.id, data=update)
        episode.closed_at = plan.discharged_at
    # No flush here: the overrides ride along with the next service call's flush (fewer round trips).
    return episode


def _record_visits(session: Session, ctx: AppContext, clinician: Actor, episode: Episode, visits: list[_Visit],
                   exam: ExamIn | None = None, *, location_id: int) -> None:
    """Each visit as the clinician records it: a note on its attended visit, its measures, the
    questionnaires (scored by the engine from the answers), then the signature. Validated and audited."""
    real_now = utcnow()
    episode_id = episode.id
    for visit in visits:
        at = datetime.combine(visit.day, visit.at)  # the clinic's wall clock
        if ctx.calendar.to_utc(at) > real_now:  # a demo anchored in the future: the services refuse it
            continue
        narrative = f"{ENCOUNTER_WORDS[visit.encounter_type]}. Function today: {measures_summary(visit.measures)}."
        appointment_id = demo_facts.visit_of_note(session, episode, _local_to_utc(ctx.calendar, visit.day, visit.at), location_id,
                                                  first=visit is visits[0])
        note = charting_service.create_encounter(session, actor=clinician, episode_id=episode_id, data=EncounterIn(
            encounter_type=visit.encounter_type, date_of_service=visit.day, narrative=narrative, appointment_id=appointment_id,
        ))
        charting_service.record_measures(session, actor=clinician, encounter_id=note.id, data=MeasuresIn(**visit.measures))
        if exam is not None and visit is visits[0]:  # the neurological exam of the first visit
            charting_service.record_exam(session, actor=clinician, encounter_id=note.id, data=exam)
        for instrument_id, answers in visit.answers.items():
            instrument_service.administer(
                session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                data=AdministrationIn(instrument_id=instrument_id, answers=answers, administered_at=at, encounter_id=note.id),
            )
        demo_pain_diagrams.record_at_visit(session, ctx, clinician, episode, note.id, visits.index(visit))
        charting_service.sign_encounter(session, actor=clinician, encounter_id=note.id, version=note.version)


# The procedure a charted demo episode works toward, by body region: its authorization case fills the
# board so a newcomer sees preparing, submitted and approved cases with their kits.
DEMO_PROCEDURES = {"lumbar": "tfesi_lumbar", "cervical": "tfesi_cervical", "knee": "knee_steroid_injection",
                   "sacroiliac": "si_joint_injection"}


SPINE_MRI = {"lumbar": ("MRI lumbar spine without contrast", "L5-S1 paracentral disc protrusion contacting the S1 root"),
             "cervical": ("MRI cervical spine without contrast", "C5-6 foraminal stenosis, moderate, right")}
RADICULAR_EXAM = {
    "lumbar": ExamIn(straight_leg_raise={"left": {"result": "positive", "angle_degrees": 40}},
                     sensory_deficits=[{"dermatome": "S1", "side": "left"}], reasoning="Radicular pattern in the S1 distribution"),
    "cervical": ExamIn(spurling={"right": "positive"}, sensory_deficits=[{"dermatome": "C6", "side": "right"}],
                       reasoning="Right C6 radiculopathy, concordant with foraminal stenosis"),
}


def _has_workup(index: int) -> bool:
    """Three charted episodes in four have the outside MRI report and a radicular exam on file; the rest
    still wait for them, so their kits show missing items on the worklist."""
    return index % 4 != 3


def _demo_authorization(session: Session, ctx: AppContext, coordinator: Actor, clinician: Actor, episode: Episode,
                        first_visit: date, index: int) -> AuthorizationCase | None:
    """Open the episode's authorization case through the service, with the PT course the referral reported
    and (every other case) the home exercise program; submit and approve some that are eligible."""
    procedure_id = DEMO_PROCEDURES.get(episode.body_region)
    if procedure_id is None:
        return None
    pt_start = first_visit - timedelta(weeks=10)
    care_service.record_entry(session, actor=coordinator, calendar=ctx.calendar, episode_id=episode.id, data=CareIn(
        kind="physical_therapy", start_date=pt_start, end_date=pt_start + timedelta(weeks=8), source="reported",
        description="Physical therapy before referral, 8 weeks, twice a week", failed="yes"))
    if index % 2 == 0:
        care_service.record_entry(session, actor=coordinator, calendar=ctx.calendar, episode_id=episode.id, data=CareIn(
            kind="home_exercise", start_date=first_visit, source="clinic", description="Home exercise program from the first visit"))
    if _has_workup(index) and episode.body_region in SPINE_MRI:
        study, summary = SPINE_MRI[episode.body_region]
        order_service.record_study(session, actor=clinician, calendar=ctx.calendar, episode_id=episode.id, data=StudyIn(
            modality="mri", region=episode.body_region, study=study, performed_on=first_visit - timedelta(days=21),
            report_on_file=True, concordant="yes", summary=summary))
    try:
        case = authorization_service.open_case(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                               episode_id=episode.id, data=CaseOpenIn(procedure_id=procedure_id))
    except DomainError:  # no active coverage today: nothing to authorize
        return None
    evaluated = authorization_service.evaluate_case(session, knowledge=ctx.knowledge, calendar=ctx.calendar, case=case)
    if evaluated.decision is None or evaluated.decision.outcome != "eligible_now" or index % 3 == 0:
        return case
    authorization_service.submit(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case.id,
                                 data=SubmitIn(channel="fax", version=case.version))
    if index % 3 == 1:
        today = ctx.calendar.local_date(utcnow())
        authorization_service.record_decision(session, actor=coordinator, calendar=ctx.calendar, case_id=case.id, data=DecisionIn(
            outcome="approve", version=case.version, authorization_number=f"DEMO-{case.id:05d}", approved_units=1,
            approved_from=today, approved_to=today + timedelta(days=90)))
    return case


# The pathway a charted demo episode follows, by body region, with the goals a clinician would set.
DEMO_PATHWAYS = {
    "lumbar": ("lumbar_radicular_pain", [GoalIn(text="Walk 30 minutes to the shops and back", measure="walking_minutes", target=30),
                                         GoalIn(text="Back questionnaire (ODI) better by at least 10 points", measure="odi")]),
    "cervical": ("cervical_radiculopathy", [GoalIn(text="Sleep 6 hours without waking from arm pain", measure="sleep_hours", target=6),
                                            GoalIn(text="Neck questionnaire (NDI) better by at least 7 points", measure="ndi")]),
    "knee": ("knee_osteoarthritis", [GoalIn(text="Climb the stairs at home without stopping"),
                                     GoalIn(text="Walk 20 minutes", measure="walking_minutes", target=20)]),
    "sacroiliac": ("si_joint_pain", [GoalIn(text="Sit through a 45-minute meeting", measure="sitting_minutes", target=45)]),
}


def _demo_plan(session: Session, ctx: AppContext, clinician: Actor, episode: Episode) -> bool:
    """Start the region's care plan on a charted episode through the plans service, as the clinician would
    at a follow-up: the plan builder, the patient's plan PDF and the follow-up calendar then have content."""
    chosen = DEMO_PATHWAYS.get(episode.body_region)
    if chosen is None:
        return False
    pathway_id, goals = chosen
    plan_service.start_plan(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id,
                            data=PlanStartIn(pathway_id=pathway_id, goals=goals))
    return True


def _demo_facts(session: Session, ctx: AppContext, users: dict[str, User], episode: Episode, plan: _EpisodePlan,
                location_id: int, now: datetime, index: int, counts: dict[str, int], send_later: list[int]) -> None:
    """The facts staff enter on a charted episode's pages (demo_facts.py), and the records in the states that
    offer their forms (demo_states.py), spread by the episode's index so each state shows. Skipped for a demo
    anchored in the future: the services refuse dates after today. Episodes whose records requests are to be
    sent (sending commits) are added to `send_later`."""
    if now > utcnow():
        return
    today = ctx.calendar.local_date(now)
    clinician_user = session.get(User, episode.responsible_clinician_id)
    clinician, coordinator = actor_for(clinician_user), actor_for(users["coordinator"])
    first_visit = plan.visits[0].day
    demo_facts.imaging(session, ctx, clinician, episode, first_visit, has_report=_has_workup(index))
    demo_facts.more_care(session, ctx, coordinator, episode.id, first_visit, index)
    if index % 4 != 3:  # most patients bring a timeline of major events to the first visit
        demo_patient_events.patient_story(session, ctx, coordinator, episode, first_visit)
    counts["histories"] += demo_facts.patient_history(session, ctx, clinician, episode, first_visit, index)
    counts["behavioural_scores"] = counts.get("behavioural_scores", 0) + demo_behavioural.behavioural_health(session, ctx, clinician, actor_for(users["nurse"]), episode.id, today, index)
    procedure_id = DEMO_PROCEDURES.get(episode.body_region)
    if procedure_id is not None and index % 3 == 1:
        demo_facts.procedure_with_relief(session, ctx, clinician, clinician_user.id, episode, procedure_id, today, index // 3)
        counts["procedures"] += 1
    if index % 8 == 2:
        demo_facts.taper(session, ctx, clinician, episode.id, today)
        counts["tapers"] += 1
    if index % 8 == 1:
        demo_facts.trial_plan(session, ctx, clinician, episode.id, today)
        counts["trial_plans"] += 1
    discharged_pt = demo_states.chosen(demo_states.PT_DISCHARGED, index)
    if index % 5 == 0 or demo_states.chosen(demo_states.PT_EXTENSION_AWAITED, index) or discharged_pt:
        therapist = actor_for(users["therapist"])
        course_id = demo_facts.pt_course(session, ctx, (coordinator, therapist, clinician), users["therapist"].id, episode, today,
                                         certify=index % 10 == 0)
        counts["pt_courses"] += course_id is not None
        if course_id is not None and demo_states.chosen(demo_states.PT_EXTENSION_AWAITED, index):
            demo_states.pt_extension_awaited(session, therapist, course_id, today)
            counts["pt_extensions_awaited"] += 1
        if course_id is not None and discharged_pt:
            demo_states.pt_discharged(session, therapist, course_id, today)
            counts["pt_courses_ended"] += 1
    visits = demo_facts.next_visits(session, coordinator, episode, location_id, now, index)
    counts["follow_ups"] += len(visits)
    counts["draft_notes"] += demo_states.draft_note(session, clinician, episode.id, visits, today) is not None
    if demo_states.chosen(demo_states.OPIOID_CARE, index):
        demo_states.opioid_care(session, ctx, clinician, episode.id, today)
        counts["opioid_prescriptions"] += 1
    if demo_states.chosen(demo_states.PAUSED_TAPER, index):
        demo_states.paused_taper(session, ctx, clinician, episode.id, today)
        counts["tapers"] += 1
    if demo_states.chosen(demo_states.PHQ9_TO_REVIEW, index):
        demo_states.phq9_to_review(session, ctx, actor_for(users["nurse"]), episode.id, today)
        counts["safety_reviews_owed"] += 1
    if demo_states.chosen(demo_states.OUTSIDE_CT_AWAITED, index) and demo_states.outside_ct_awaited(
            session, ctx, clinician, episode.id, episode.body_region, today) and demo_states.chosen(demo_states.CT_REPORT_REQUESTED, index):
        send_later.append(episode.id)


def _waiting_referral_call(session: Session, ctx: AppContext, users: dict[str, User], episode: Episode, person: dict,
                           plan: _EpisodePlan, waiting: int) -> bool:
    """Of the referrals past the callback queue and still unbooked, the first of every ten is one the desk could
    not reach (a letter is owed) and the second one whose screen found an emergent red flag no clinician has
    acknowledged yet (no visit can be booked until one does). Returns whether a call was added."""
    if waiting % 10 not in (0, 1):
        return False
    call = _intake_call(episode, person, plan)
    session.add(call)
    session.flush()
    desk = actor_for(users["front_desk"])
    if waiting % 10 == 0:
        demo_states.unreachable_call(session, desk, call, ctx.settings.failed_attempts_before_letter)
    else:
        demo_states.emergent_screen(session, ctx, desk, call)
    return True


# Referrals from the last few days still sit in the callback queue.
CALLBACK_QUEUE_DAYS = 3


def _is_fresh_referral(plan: _EpisodePlan, now: datetime) -> bool:
    return plan.first_visit_at is None and plan.discharged_at is None and now - plan.opened_at < timedelta(days=CALLBACK_QUEUE_DAYS)


def _intake_call(episode: Episode, person: dict, plan: _EpisodePlan) -> IntakeCall:
    """The first contact behind a fresh referral, waiting for its callback."""
    return IntakeCall(
        clinic_id=episode.clinic_id, patient_id=episode.patient_id, episode_id=episode.id,
        source="referral" if episode.id % 2 else "phone",
        caller_name=f"{person['given_name']} {person['family_name']}", caller_phone=person["phone"],
        caller_relation="self", reason=plan.problem_summary, pain_location=plan.body_region,
        received_at=plan.opened_at, status="awaiting_callback",
    )


def load_demo(ctx: AppContext, *, seed: int = DEFAULT_SEED, patients: int = DEFAULT_PATIENTS, now: datetime | None = None) -> DemoSummary:
    """Create the demo clinic, its staff and patients in one transaction, then reconcile the worklist.

    Raises DemoRefused when the database already has a clinic. `now` (naive UTC, default the clock)
    anchors every date, so the same seed and `now` give the same clinic.
    """
    now = now or utcnow()
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    rng = random.Random(seed)
    plans = _plan(rng, ctx.knowledge.payers, patients, now, ctx.calendar)
    _plan_treatment(rng, plans, ctx.knowledge.instruments, now, ctx.calendar)
    with ctx.db.session() as session:
        if session.scalar(select(Clinic.id).limit(1)) is not None:
            raise DemoRefused("The database already has a clinic; the demo loads only into an empty database.")
        clinic = Clinic(name=CLINIC_NAME, return_fax=CLINIC_FAX, phone=CLINIC_PHONE, npi=demo_facts.CLINIC_NPI)
        session.add(clinic)
        session.flush()
        actor = Actor.system("demo", clinic.id)
        audit.record(session, actor, "clinic.create", object_type="clinic", object_id=clinic.id)
        locations = []
        for name, address, phone, fax in LOCATIONS:
            location = Location(clinic_id=clinic.id, name=name, address=address, phone=phone, fax=fax)
            session.add(location)
            session.flush()
            audit.record(session, actor, "location.create", object_type="location", object_id=location.id)
            locations.append(location)
        users, logins = _create_staff(session, actor, clinic.id)
        policy = AuthPolicy(lockout_failures=ctx.settings.lockout_failures, lockout_minutes=ctx.settings.lockout_minutes)
        demo_states.resting_staff(session, actor_for(users["admin"]), users, policy)
        clinicians = [u for u in users.values() if u.role == Role.CLINICIAN.value]
        coordinators = [u for u in users.values() if u.role == Role.COORDINATOR.value]

        episodes = booked = discharged = calls = charted = authorizations = care_plans = waiting = 0
        facts = dict.fromkeys(("coverages", "procedures", "tapers", "trial_plans", "pt_courses", "follow_ups", "draft_notes",
                               "opioid_prescriptions", "safety_reviews_owed", "pt_extensions_awaited", "pt_courses_ended", "records_requests", "histories",
                               "shared_decisions"), 0)
        send_later: list[int] = []
        peer_to_peer_shown = False
        for plan in plans:
            location_id = locations[plan.location].id
            patient = patient_service.create_patient(session, actor=actor, data=PatientIn(**plan.patient, home_location_id=location_id))
            patient_service.add_coverage(
                session, actor=actor, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(**plan.coverage)
            )
            facts["coverages"] += 1 + demo_facts.extra_coverages(session, ctx, actor, patient.id, plan.coverage, episodes)
            for episode_plan in plan.episodes:
                episode = _open_planned_episode(
                    session, actor, patient.id, episode_plan, location_id=location_id,
                    clinicians=clinicians, coordinators=coordinators, now=now,
                )
                if _is_fresh_referral(episode_plan, now):
                    session.add(_intake_call(episode, plan.patient, episode_plan))
                    calls += 1
                elif episode_plan.first_visit_at is None and episode_plan.discharged_at is None:
                    calls += _waiting_referral_call(session, ctx, users, episode, plan.patient, episode_plan, waiting)
                    waiting += 1
                if episode_plan.visits:
                    clinician = actor_for(clinicians[episode_plan.clinician])
                    exam = RADICULAR_EXAM.get(episode.body_region) if _has_workup(charted) else None
                    _record_visits(session, ctx, clinician, episode, episode_plan.visits, exam, location_id=location_id)
                    case = _demo_authorization(session, ctx, actor_for(coordinators[0]), clinician, episode, episode_plan.visits[0].day, charted)
                    authorizations += case is not None
                    care_plans += _demo_plan(session, ctx, clinician, episode)
                    _demo_facts(session, ctx, users, episode, episode_plan, location_id, now, charted, facts, send_later)
                    # One submitted case denied, its peer-to-peer booked; past the first few, whose submitted case offers
                    # the payer's-request form to the small demo.
                    if case is not None and charted >= 5 and not peer_to_peer_shown and now <= utcnow():
                        peer_to_peer_shown = demo_patient_events.peer_to_peer_scheduled(
                            session, ctx, actor_for(coordinators[0]), case, ctx.calendar.local_date(now))
                    charted += 1
                elif facts["shared_decisions"] == 0 and episode_plan.discharged_at is None:  # one knee patient's injection choice
                    facts["shared_decisions"] += demo_facts.knee_decision(
                        session, ctx, actor_for(clinicians[episode_plan.clinician]), episode, episode_plan.first_visit_at, now)
                episodes += 1
                booked += episode_plan.first_visit_at is not None
                discharged += episode_plan.discharged_at is not None

        for episode_id in send_later:  # last: sending commits what is written so far
            demo_states.request_ct_report(session, ctx, actor_for(users["coordinator"]), episode_id, ctx.calendar.local_date(now))
            facts["records_requests"] += len(demo_states.CT_SOURCES)
        facts["referrals"] = demo_referrals.add_referrals(session, ctx, users, clinic.id, now)
        demo_forms.add_forms(session, ctx, users, clinic.id, now)
        facts["work_restrictions"] = demo_restrictions.seed(session, ctx, users, clinic.id, now)
        facts["workcomp_claims"] = demo_workcomp.add_claim(session, ctx, users, clinic.id, now)
        facts["checkin_notes"] = demo_checkins.seed(session, ctx, users, clinic.id, now)
        facts["portal_shared_documents"] = demo_portal.seed(session, ctx, users, clinic.id, now)
        facts["past_authorizations"] = demo_outcomes.seed(session, ctx, users, clinic.id, now)
        facts["cost_estimates"] = demo_costs.seed(session, ctx, users, clinic.id, now)
        facts["payer_policy_drafts"] = demo_policy_changes.seed(session, ctx, users, clinic.id, now)
        demo_imaging_orders.seed(session, ctx, users, clinic.id, now)  # last too: sending commits
        ctx.reconcile(session, now=now)
        open_due = list(session.scalars(select(Task.due_at).where(Task.clinic_id == clinic.id, Task.status == OPEN)))
        return DemoSummary(
            clinic_id=clinic.id,
            clinic_name=clinic.name,
            locations=[loc.name for loc in locations],
            logins=logins,
            patients=len(plans),
            episodes=episodes,
            first_visits_booked=booked,
            discharged=discharged,
            intake_calls=calls,
            open_tasks=len(open_due),
            overdue_tasks=sum(due <= now for due in open_due),
            now=now,
            seed=seed,
            payer_ids=sorted({p.coverage["payer_id"] for p in plans}),
            charted_episodes=charted,
            authorization_cases=authorizations,
            care_plans=care_plans,
            facts=facts,
        )
