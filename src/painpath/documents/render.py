"""HTML template -> PDF bytes. Templates live in documents/templates/ (or in a slice's own directory).

Letters are rendered from plain data, with autoescaping on, so a provider or patient name can never
inject markup. WeasyPrint gets no base URL: a document cannot fetch anything from the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
PDF_MAGIC = b"%PDF-"


def _long_date(value: date | datetime | None) -> str:
    """6 January 2026: unambiguous on both sides of the Atlantic and on a fax."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


@lru_cache(maxsize=8)
def _environment(extra_dirs: tuple[Path, ...] = ()) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in (*extra_dirs, TEMPLATE_DIR)]),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a missing field fails loudly instead of printing a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = _long_date
    return env


def render_html(template: str, context: Mapping[str, Any], *, template_dirs: Iterable[Path] = ()) -> str:
    return _environment(tuple(template_dirs)).get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only PDF-making code should pay for.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def render_pdf(template: str, context: Mapping[str, Any], *, template_dirs: Iterable[Path] = ()) -> bytes:
    """Render `template` with `context` and return the PDF's bytes."""
    return html_to_pdf(render_html(template, context, template_dirs=template_dirs))
