"""What the simulated staff's work and the outside parties' processes need of the running replication: a
protocol model.Simulation meets, so staff.py, therapy_work.py and forms_work.py never import the model."""

from __future__ import annotations

import random
from collections.abc import Generator
from datetime import date, datetime, time
from typing import Any, Protocol

from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.plans.models import PlanStep
from painpath.simulation.clinic import SimulatedClinic
from painpath.simulation.scenario import Scenario


class Simulation(Protocol):
    """What the staff's work needs of the running replication (model.Simulation); a protocol, so the modules
    that do the work do not import the model that drives them."""

    ctx: AppContext
    clinic: SimulatedClinic
    scenario: Scenario
    rng: random.Random
    requested_items: set[str]
    given_up: set[str]
    unmodelled: dict[str, int]
    unworkable: set[str]
    refused: dict[str, int]
    pt_schedules: dict[int, Any]  # PT course id -> therapy_work.CourseSchedule

    @property
    def today(self) -> date: ...
    def now(self) -> datetime: ...
    def actor(self, role: str) -> Actor: ...
    def draw(self, mean: float) -> float: ...
    def book_first_visit(self, session: Session, episode_id: int) -> None: ...
    def branch(self, row: PlanStep, session: Session) -> str: ...
    def outside_report(self, episode_id: int, task_key: str) -> None: ...
    def imaging_done(self, order_id: int, booked_for: datetime) -> None: ...
    def payer_answers(self, case_id: int, payer_id: str) -> None: ...
    def process(self, events: Generator) -> None: ...
    def until(self, moment: datetime) -> Generator: ...
    def local(self, day: date, at: time) -> datetime: ...
    def refusal(self, what: str) -> None: ...
