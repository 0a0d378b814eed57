"""Read-only panels that charting's sub-slices add to the visit-note page: what the clinician should see
while writing the note (the patient's history), without the note page importing a sub-slice. Like the
episode page's panels (`patients.pages.episode_panel`), registered at import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from painpath.charting.models import Encounter
from painpath.patients.models import Episode, Patient
from painpath.web.templating import templates


@dataclass(frozen=True)
class NotePanelRequest:
    """What a provider gets: the note being shown (its chart already read and audited by the note page)."""

    session: Session
    ctx: Any
    caller: Any
    patient: Patient
    episode: Episode
    note: Encounter


@dataclass(frozen=True)
class NotePanel:
    template: str
    context: Mapping[str, Any]


NotePanelProvider = Callable[[NotePanelRequest], list[NotePanel]]
_providers: list[NotePanelProvider] = []


def note_panel(provider: NotePanelProvider) -> NotePanelProvider:
    _providers.append(provider)
    return provider


def render(asked: NotePanelRequest, common: Mapping[str, Any]) -> list[Markup]:
    """Every registered panel for this note, rendered with the page's common values and its own."""
    panels = [panel for provider in _providers for panel in provider(asked)]
    return [Markup(templates.env.get_template(p.template).render({**common, **p.context})) for p in panels]
