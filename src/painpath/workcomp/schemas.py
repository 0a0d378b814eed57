"""Input shapes for the workers' compensation claim, the IME and the rebuttal; the checks that need the payer
directory or today's date are in rules.py and name their field."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from painpath.core.validation import InputModel, PlausibleDate, Version

WorkStatus = Literal["full_duty", "modified", "off_work"]


class ClaimIn(InputModel):
    claim_number: str = Field(min_length=3, max_length=60)
    injury_date: PlausibleDate
    mechanism: str = Field(min_length=10, max_length=4000, description="How the injury happened, in words")
    body_parts: str = Field(min_length=2, max_length=300)
    employer_name: str = Field(min_length=2, max_length=200)
    employer_contact: str | None = Field(default=None, max_length=300)
    carrier_payer_id: str = Field(min_length=1, max_length=60, description="A workers' compensation payer of the payer directory")
    adjuster_name: str | None = Field(default=None, max_length=160)
    adjuster_phone: str | None = Field(default=None, max_length=40)
    adjuster_email: str | None = Field(default=None, max_length=200)
    adjuster_fax: str | None = Field(default=None, max_length=40)
    nurse_case_manager_name: str | None = Field(default=None, max_length=160)
    nurse_case_manager_phone: str | None = Field(default=None, max_length=40)
    nurse_case_manager_email: str | None = Field(default=None, max_length=200)
    nurse_case_manager_fax: str | None = Field(default=None, max_length=40)
    work_status: WorkStatus | None = None
    work_status_note: str | None = Field(default=None, max_length=2000)
    return_to_work_on: PlausibleDate | None = None


class ClaimUpdate(ClaimIn):
    version: Version


class ImeScheduleIn(InputModel):
    scheduled_on: PlausibleDate
    examiner: str = Field(min_length=2, max_length=200)


class ImeFindingsIn(InputModel):
    version: Version
    findings: str = Field(min_length=5, max_length=8000)
    agreement: Literal["agrees", "disagrees"]
    disagreement: str | None = Field(default=None, max_length=4000, description="What in the plan the examiner disagrees with")


class RebuttalIn(InputModel):
    version: Version
    rebuttal_text: str = Field(min_length=20, max_length=12000)
