"""The pain diagram's body map, coloured: the one SVG in the app's static files (web/static/img/body-map.svg,
one shape per body region, `data-region` = the region id) with each marked region filled by its kind of
pain, and, when comparing two visits, each changed region outlined by what changed.

The same markup serves the pages (inline, so the colours show without JavaScript) and the PDFs (WeasyPrint
draws inline SVG). Colours are presentation, not clinical knowledge, so they live here; every page that
shows a map also gives the legend and the marks in words, so nothing depends on seeing colour.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

BODY_MAP = Path(__file__).resolve().parents[1] / "web" / "static" / "img" / "body-map.svg"
SVG_NS = "http://www.w3.org/2000/svg"

# Fill per kind of pain: the Okabe-Ito palette, told apart with the common colour-vision deficiencies.
PAIN_COLOURS: dict[str, str] = {
    "aching": "#E69F00", "burning": "#D55E00", "electric": "#0072B2", "numbness": "#56B4E9", "pins_and_needles": "#CC79A7",
}
# Outline per change since the previous diagram (comparison maps only).
CHANGE_STROKES: dict[str, tuple[str, str, str | None]] = {  # what -> (colour, width, dash)
    "new": ("#000000", "3", None),
    "worse": ("#B00020", "3", None),
    "better": ("#007A3D", "3", None),
    "type_changed": ("#000000", "2", "2 2"),
    "resolved": ("#555555", "2", "4 3"),
}
RESOLVED_FILL = "#E6E6E6"



@lru_cache(maxsize=1)
def _template() -> bytes:
    return BODY_MAP.read_bytes()


def regions_drawn() -> frozenset[str]:
    """The region ids the body map has a shape for."""
    root = ET.fromstring(_template())
    return frozenset(e.get("data-region") for e in root.iter() if e.get("data-region"))


def render(marks: Mapping[str, str], *, labels: Mapping[str, str] | None = None, changes: Mapping[str, str] | None = None,
           title: str = "Pain diagram", element_id: str | None = None, clickable: bool = False) -> Markup:
    """The body map as inline SVG: `marks` region -> pain type (filled), `changes` region -> what changed
    (outlined; a resolved region is greyed). `labels` names each region in a tooltip."""
    root = ET.fromstring(_template())
    root.set("role", "img")
    root.set("aria-label", title)
    if element_id:
        root.set("id", element_id)
    if clickable:
        root.set("class", "body-map body-map-clickable")
    labels, changes = labels or {}, changes or {}
    for shape in root.iter():
        region = shape.get("data-region")
        if not region:
            continue
        pain = marks.get(region)
        classes = ["region"]
        if pain in PAIN_COLOURS:
            shape.set("fill", PAIN_COLOURS[pain])
            classes.append(f"pain-{pain}")
        what = changes.get(region)
        if what == "resolved" and pain is None:
            shape.set("fill", RESOLVED_FILL)
        if what in CHANGE_STROKES:
            colour, width, dash = CHANGE_STROKES[what]
            shape.set("stroke", colour)
            shape.set("stroke-width", width)
            if dash:
                shape.set("stroke-dasharray", dash)
            classes.append(f"change-{what}")
        shape.set("class", " ".join(classes))
        if region in labels:
            hint = ET.SubElement(shape, "title")
            hint.text = labels[region]
    return Markup(ET.tostring(_plain_names(root), encoding="unicode"))


def _plain_names(root: ET.Element) -> ET.Element:
    """Local tag names and the SVG namespace as a plain attribute, so the markup never depends on
    ET.register_namespace: that registry is process-wide, and other libraries register prefixes in it, which
    would print "ns0:svg" (not SVG to a browser)."""
    for element in root.iter():
        element.tag = element.tag.split("}", 1)[-1]
    root.set("xmlns", SVG_NS)
    return root
