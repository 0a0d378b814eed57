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


def build_templates() -> Jinja2Blocks:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _format_dt
    env.filters["d"] = lambda v: _format_dt(v, "%a %d %b %Y")
    return Jinja2Blocks(env=env)


templates = build_templates()
