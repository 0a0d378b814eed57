"""A hand-built clinic's patients and episodes for the operational measure tests: each episode with its primary
coverage, care plan, clinician and location, written through the slices' services as staff would record them
(the patients service for the patient, coverage and episode; the plans service for the care plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.patients.schemas import CoverageIn, EpisodeIn, EpisodeUpdate, PatientIn
from painpath.plans import service as plans
from painpath.plans.schemas import PlanStartIn


@dataclass(frozen=True)
class Desk:
    """What the helpers need: the app's knowledge and calendar, and the clinic's staff as actors."""

    ctx: AppContext
    staff: dict[str, User]

    def actor(self, role: str) -> Actor:
        return actor_for(self.staff[role])


def episode(session, desk: Desk, name: str, *, payer: str = "aetna_ma", pathway: str | None = None,  # noqa: ANN001
            clinician_id: int | None = None, location_id: int | None = None, status: str = "open") -> Episode:
    coordinator = desk.actor("coordinator")
    patient = patients.create_patient(session, actor=coordinator, data=PatientIn(
        mrn=f"MRN-{name}", given_name=name, family_name="Measure", birth_date=date(1970, 1, 1), sex="female"))
    patients.add_coverage(session, actor=coordinator, knowledge=desk.ctx.knowledge, patient_id=patient.id, data=CoverageIn(
        payer_id=payer, member_id="M1", effective_from=date(2026, 1, 1)))
    values = {"problem_summary": "Low back pain", "body_region": "lumbar", "laterality": "none",
              "responsible_clinician_id": clinician_id, "location_id": location_id}
    found = patients.open_episode(session, actor=coordinator, patient_id=patient.id, data=EpisodeIn(**values))
    if pathway is not None:
        plans.start_plan(session, actor=desk.actor("clinician"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                         episode_id=found.id, data=PlanStartIn(pathway_id=pathway))
    if status != "open":
        set_status(session, desk, found, status)
    return found


def set_status(session, desk: Desk, found: Episode, status: str) -> None:  # noqa: ANN001
    """Put the episode on hold or discharge it, as the coordinator does on the episode page."""
    values = {k: getattr(found, k) for k in ("problem_summary", "body_region", "laterality", "responsible_clinician_id", "location_id")}
    patients.update_episode(session, actor=desk.actor("coordinator"), episode_id=found.id,
                            data=EpisodeUpdate(**values, status=status, version=found.version))
