"""Every operational measure of this module set keeps the contract on an empty clinic: registered once, a
definition that names its anchor, a chart, and rows as wide as the columns."""

from datetime import date

import pytest
import time_machine

import painpath.outcomes.checkin_measures  # noqa: F401
import painpath.outcomes.forms_measures  # noqa: F401
import painpath.outcomes.intake_measures  # noqa: F401
import painpath.outcomes.records_measures  # noqa: F401
import painpath.outcomes.therapy_measures  # noqa: F401
from painpath.outcomes.measures import Filters, measure

IDS = ("referral_to_first_contact", "referral_to_first_visit", "records_turnaround", "pt_order_to_first_visit", "pt_gap_days",
       "forms_turnaround", "checkin_adherence")


@pytest.mark.parametrize("measure_id", IDS)
def test_each_measure_on_an_empty_clinic(measure_id, db, clinic, ctx):
    found = measure(measure_id)
    assert found is not None and found.group == "operational"
    assert "anchor" in found.definition and "ignores the procedure" in found.definition
    with time_machine.travel(date(2026, 12, 20), tick=False), db.session() as session:
        figure = found.compute(session, clinic_id=clinic.id, filters=Filters(date(2026, 12, 1), date(2026, 12, 31)),
                               knowledge=ctx.knowledge, calendar=ctx.calendar)
    assert figure.measure_id == measure_id and figure.title == found.title and figure.definition == found.definition
    assert figure.chart is not None and figure.rows and figure.rows[0].key == "all"
    assert all(len(r.cells) == len(figure.columns) for r in figure.rows)
    assert figure.rows[0].episode_ids == ()
