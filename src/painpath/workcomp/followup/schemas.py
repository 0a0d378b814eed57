"""Input shapes of the progress report forms."""

from __future__ import annotations

from pydantic import Field

from painpath.core.validation import InputModel, PlausibleDate


class ReportIn(InputModel):
    next_visit: PlausibleDate | None = None


class SentIn(InputModel):
    sent_to: str = Field(min_length=2, max_length=200, description="The adjuster's name or fax number the report went to")
