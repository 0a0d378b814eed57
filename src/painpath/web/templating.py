"""Jinja2 templates from web/templates and each slice's templates/ folder, with fragment rendering."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks

from painpath.slices import template_dirs
from painpath.interop.transports.wording import send_failure
from painpath.knowledge.citations import citation
from painpath.web.wording import measure_name, plain_words, recorded_in

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [PACKAGE_ROOT / "web" / "templates", *template_dirs()]


def _format_dt(value, fmt: str = "%a %d %b %Y %H:%M") -> str:  # noqa: ANN001
    return "" if value is None else value.strftime(fmt)


# Audit actions as the audit viewer says them; others read well enough with their punctuation dropped.
ACTION_WORDS = {
    "chart.read": "Opened the chart", "patient.listed": "Saw the patient in a list", "chart.read_refused": "Was refused the chart",
    "audit.read": "Reviewed the audit log", "auth.login": "Signed in", "auth.logout": "Signed out", "auth.login_failed": "Failed to sign in",
    "plan.patient_plan_printed": "Printed the patient's plan",
}


def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    words = action.replace(".", " ").replace("_", " ").split()
    # "plan.plan_printed" reads "Plan printed", not "Plan plan printed".
    kept = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    return " ".join(kept).capitalize()


def build_templates() -> Jinja2Blocks:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _format_dt
    env.filters["d"] = lambda v: _format_dt(v, "%a %d %b %Y")
    env.filters["action_words"] = action_words
    env.filters["citation"] = citation
    env.filters["plain_words"] = plain_words
    env.filters["measure_name"] = measure_name
    env.filters["recorded_in"] = recorded_in
    env.filters["send_failure"] = send_failure
    return Jinja2Blocks(env=env)


templates = build_templates()
