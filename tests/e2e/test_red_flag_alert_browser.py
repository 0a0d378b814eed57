"""An emergent red-flag answer alerts a clinician the moment it is given on the intake screen: the answer is
saved as it is clicked (htmx), so the clinician's task exists even though the screen is never submitted."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from painpath.worklist.models import Task
from journey_pages import new_call as _new_call, question as _question, sign_in as _sign_in

pytestmark = pytest.mark.e2e

MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago


def _alerts(db) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == "intake.emergent_answer")))


def test_an_emergent_answer_opens_the_clinician_alert_without_submitting(page: Page, ctx, db, staff):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY_MORNING, tick=True):
        _sign_in(page, "front_desk")
        _new_call(page, caller="Rhea Moss", given="Rhea", family="Moss", born="1971-02-03", sex="female",
                  reason="Back pain, and cannot pass urine since this morning", where="low back")
        page.wait_for_load_state("load")
        assert _alerts(db) == []
        _question(page, re.compile("^Any new trouble passing urine")).get_by_label("Yes", exact=True).check()
        expect(page.locator("#clinician-alerted")).to_contain_text("A clinician has been alerted")
        # Nothing was submitted: the screen's Save button was never pressed, yet the alert task exists.
        (alert,) = _alerts(db)
        assert (alert.status, alert.owner_role) == ("open", "clinician")
        assert "emergency department" in alert.reason
