"""What a scheduled check-in is: the one shape the check-ins provider, the episode panel, the portal, the
patient's calendar and the reminders all read (checkins.service.schedule builds them).

A check-in is planned from a dated fact and the packs, never from "now": an injection done on 1 March
owes one between 24 and 72 hours after (the procedure pack's windows), a PT course starting on a date owes
two or three during its block, an active taper one a month, a plan step measured by a questionnaire a
weekly score (the checkins pack). Its key derives from the fact that caused it, so it is stable however
often it is computed. What staff do to it (a check-in note, a booked video time, a new day after a miss, a
cancellation with a reason) is stored against that key; a patient's own questionnaire on a day inside the
window does it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

CheckinKind = Literal["after_procedure", "pt_block", "taper", "weekly_scores"]
CheckinHow = Literal["telehealth", "questionnaire"]
# upcoming: its window has not opened; open: due now; done; missed: its window closed without it; cancelled.
CheckinStatus = Literal["upcoming", "open", "done", "missed", "cancelled"]


@dataclass(frozen=True)
class ScheduledCheckin:
    key: str  # from the fact that caused it: "procedure:12:1", "pt:5:2", "taper:3:1", "scores:41:ndi:3"
    clinic_id: int
    episode_id: int
    patient_id: int
    kind: CheckinKind
    title: str  # for staff: "Check-in 2 weeks after the lumbar transforaminal epidural"
    patient_title: str  # for the patient, the calendar and reminders: no diagnosis, procedure or medication
    opens_on: date
    due_on: date  # the window's last day (a new day after a reschedule)
    how: CheckinHow
    status: CheckinStatus
    instrument_id: str | None = None  # weekly scores: the questionnaire the patient answers ("ndi")
    booked_at: datetime | None = None  # aware UTC: a set time for the video call, when the clinic booked one
    done_on: date | None = None
    done_how: str | None = None  # "check-in note" | "questionnaire" | "relief report"
    record_id: int | None = None  # the stored check-in record, once staff wrote one
