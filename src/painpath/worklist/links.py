"""Where a task's work is done: the page (and section) a task links to, from its provider, kind, key and
evidence. Every registered provider has an entry, so a new provider's tasks cannot silently lose the link
(tests/worklist/test_task_links.py checks the table against the registry and follows each link)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from painpath.core.auth.roles import Permission


@dataclass(frozen=True)
class WorkLink:
    href: str
    label: str
    needs: Permission | None = None  # what the page asks beyond reading the episode (a task page may be read by others)


def _episode(section: str | None, label: str) -> Callable[[Any], WorkLink]:  # noqa: ANN401
    return lambda t: WorkLink(f"/episodes/{t.episode_id}" + (f"#{section}" if section else ""), label)


def _intake(task: Any) -> WorkLink:  # noqa: ANN401
    """Call duties (an emergent answer given on the screen too: its answers and the caller's number are on the call)
    carry the call's id as the key's last part; triage routing duties are on the episode."""
    if task.kind in ("intake.callback", "intake.letter", "intake.triage", "intake.records", "intake.emergent_answer"):
        return WorkLink(f"/intake/calls/{task.key.rsplit(':', 1)[1]}", "Open the intake call", Permission.INTAKE)
    if task.kind == "intake.urgent_slot":
        return WorkLink(f"/episodes/{task.episode_id}#visits", "Book the visit on the episode")
    return WorkLink(f"/episodes/{task.episode_id}", "Open the episode's red-flag triage")


def _authorization(task: Any) -> WorkLink:  # noqa: ANN401
    case_id = (task.evidence or {}).get("case_id")
    if case_id is None:
        return WorkLink(f"/episodes/{task.episode_id}#authorizations", "Open the episode's authorizations")
    return WorkLink(f"/authorizations/{case_id}", "Open the authorization case", Permission.AUTHORIZATION_READ)


def _medication_plan(task: Any) -> WorkLink:  # noqa: ANN401
    if task.kind.startswith("taper"):
        return WorkLink(f"/episodes/{task.episode_id}#taper", "Open the taper schedule")
    return WorkLink(f"/episodes/{task.episode_id}#medication-trials", "Open the medication trial")


def _instrument(task: Any) -> WorkLink:  # noqa: ANN401
    administration = (task.evidence or {}).get("administration_id")
    return WorkLink(f"/episodes/{task.episode_id}" + (f"#administration-{administration}" if administration else ""),
                    "Record the safety assessment")


def _checkin(task: Any) -> WorkLink:  # noqa: ANN401
    """A check-in's page shows its notes, so it asks the clinical chart; the episode's panel is the fallback."""
    link = (task.evidence or {}).get("link") or ""
    if link.startswith("/checkins/"):
        return WorkLink(link, "Open the check-in", Permission.CHART_READ)
    return WorkLink(f"/episodes/{task.episode_id}#checkins", "Open the check-ins")


def _plans(task: Any) -> WorkLink:  # noqa: ANN401
    """A plan step's order or referral is written on its form, prefilled from the pathway (the link is in the
    task's evidence); every other plan task is done on the care plan panel."""
    link = (task.evidence or {}).get("link")
    if task.kind in ("plans.step_order", "plans.step_referral") and link:
        label = "Open the prefilled imaging order" if task.kind == "plans.step_order" else "Open the prefilled referral"
        return WorkLink(link, label, Permission.ORDER_PLACE)
    return WorkLink(f"/episodes/{task.episode_id}#care-plan", "Open the care plan")


LINKS: dict[str, Callable[[Any], WorkLink]] = {
    "intake": _intake,
    "records": lambda t: WorkLink(f"/episodes/{t.episode_id}/records", "Open the records tracker"),
    "first_visit": _episode("visits", "Book the first visit"),
    "authorizations": _authorization,
    "therapy": _episode("physical-therapy", "Open the PT panel"),
    "plans": _plans,
    "opioid_safety": _episode("opioid-safety", "Open opioid safety"),
    "medication_plans": _medication_plan,
    "charting.instruments": _instrument,
    "charting.behavioural": _episode("behavioural-health", "Record the behavioural-health offer"),
    "worklist": _episode(None, "Open the episode"),
    "visits": _episode("visits", "Open the episode's visits"),
    # A referral task (and its escalation) is done on the referral's page, part of the clinical chart (the front desk
    # reading the task on the episode is linked to the episode).
    "referrals": lambda t: WorkLink(f"/referrals/{(t.evidence or {}).get('referral_id') or t.key.split(':')[1]}", "Open the referral",
                                    Permission.CHART_READ),
    # A form task (draft, sign, send, overdue) is done on the form request's page.
    "forms": lambda t: WorkLink(f"/form-requests/{(t.evidence or {}).get('form_request_id') or t.key.split(':')[1]}", "Open the form",
                                Permission.CHART_READ),
    "imaging_orders": lambda t: WorkLink(f"/imaging-orders/{(t.evidence or {}).get('order_id')}", "Open the imaging order",
                                         Permission.CHART_READ),
    # A re-evaluation is done on the restriction form drafted from the chart (the extension); return-to-work steps on
    # the episode's work-restrictions panel.
    "work_restrictions": lambda t: (WorkLink(f"/episodes/{t.episode_id}/work-restrictions/new?from_chart=true", "Re-evaluate and write the restrictions",
                                             Permission.PLAN_WRITE)
                                    if t.kind == "work_restrictions.re_evaluate" else WorkLink(f"/episodes/{t.episode_id}#return-to-work",
                                                                                               "Open the return-to-work plan")),
    "charting.procedures": lambda t: WorkLink((t.evidence or {}).get("link") or f"/episodes/{t.episode_id}#procedures",
                                              "Record the relief report"),
    # Reconciling an IME, the progress report and the patient's coaching words are all on the claim's panel.
    "workcomp": _episode("workers-comp", "Open the workers' compensation panel"),
    # A check-in is done, booked, moved or cancelled on its own page (the link is in the evidence); two missed
    # check-ins are reviewed on the episode's check-ins panel.
    "checkins": lambda t: _checkin(t),
}


def work_link(task: Any, can: Callable[[Permission], bool] | None = None) -> WorkLink:  # noqa: ANN401 - a Task or TaskOut-like row
    """The page where `task` is done; for a reader who may not open it (`can` says no to what it needs), the episode."""
    make = LINKS.get(task.provider)
    link = make(task) if make else WorkLink(f"/episodes/{task.episode_id}", "Open the episode")
    if link.needs is not None and can is not None and not can(link.needs):
        return WorkLink(f"/episodes/{task.episode_id}", "Open the episode")
    return link
