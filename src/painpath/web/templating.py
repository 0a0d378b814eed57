"""Jinja2 templates from web/templates and each slice's templates/ folder, with fragment rendering."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks

from painpath.slices import template_dirs

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [PACKAGE_ROOT / "web" / "templates", *template_dirs()]


def _format_dt(value, fmt: str = "%a %d %b %Y %H:%M") -> str:  # noqa: ANN001
    return "" if value is None else value.strftime(fmt)


# Audit actions as the audit viewer says them; others read well enough with their punctuation dropped.
ACTION_WORDS = {
    "chart.read": "Opened the chart", "patient.listed": "Saw the patient in a list", "chart.read_refused": "Was refused the chart",
    "audit.read": "Reviewed the audit log", "auth.login": "Signed in", "auth.logout": "Signed out", "auth.login_failed": "Failed to sign in",
}


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


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
    return Jinja2Blocks(env=env)


templates = build_templates()
