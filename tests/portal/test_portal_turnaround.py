"""How long the portal says the insurer takes: the payer's deadline from the payers pack ("Insurers must answer
within 7 days") until the clinic has decided at least five cases with that payer in the last 12 months; then the
clinic's own median, submission to first decision in business days (authorizations/turnaround.py): "In this
clinic, ... usually answers in about 3 business days". Cases are walked through the authorizations API.

Wed 14 Jan 2026, 9 am in Chicago. The patient's request went to State Medicaid FFS (7 calendar days, no policy
to meet) on Mon 12 Jan; the clinic's other decided Medicaid cases, submitted and answered at 10 am:

    submitted   decided    business days after submission up to the decision
    Mon 5 Jan   Tue 6 Jan  1
    Mon 5 Jan   Wed 7 Jan  2
    Mon 5 Jan   Thu 8 Jan  3
    Fri 2 Jan   Wed 7 Jan  3 (Mon 5, Tue 6, Wed 7)
    Mon 5 Jan   Mon 12 Jan 5 (Tue 6 to Fri 9, Mon 12)      -> median 3: by Thu 15 Jan (3 business days after Mon 12)
    Mon 2 Dec 2024, answered Wed 4 Dec 2024: over 12 months ago, never counted
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine

from authorization_setup import new_episode, walk_case
from painpath.authorizations import turnaround
from painpath.core.clock import BusinessCalendar

NOW = datetime(2026, 1, 14, 15, 0, tzinfo=timezone.utc)
MEDICAID = {"payer_id": "medicaid_state_ffs", "member_id": "MCD4471902", "effective_from": "2024-01-01"}
LUMBAR = {"problem_summary": "Low back and left leg pain", "body_region": "lumbar", "laterality": "left", "onset_date": "2025-10-01",
          "icd10_codes": ["M54.16"]}
DECIDED = [("2026-01-05T10:00:00", "2026-01-06T10:00:00"), ("2026-01-05T10:00:00", "2026-01-07T10:00:00"),
           ("2026-01-05T10:00:00", "2026-01-08T10:00:00"), ("2026-01-02T10:00:00", "2026-01-07T10:00:00"),
           ("2026-01-05T10:00:00", "2026-01-12T10:00:00")]
OLD = ("2024-12-02T10:00:00", "2024-12-04T10:00:00")


@pytest.fixture
def clinic_cases(client_for, patient_payload):  # noqa: ANN201
    """The waiting patient's id and a function adding decided Medicaid cases of other patients."""
    coordinator = client_for("coordinator")
    with time_machine.travel(NOW, tick=False):
        def decided(pairs) -> None:  # noqa: ANN001
            with time_machine.travel(NOW, tick=False):
                for n, (submitted, answered) in enumerate(pairs):
                    episode = new_episode(coordinator, {**patient_payload, "given_name": f"Other{n}", "mrn": f"MRN-T{n}-{submitted[:10]}"},
                                          LUMBAR, MEDICAID)
                    walk_case(coordinator, episode, procedure_id="tfesi_lumbar", side="left", submitted_at=submitted,
                              answers=[("deny" if n % 2 else "approve", answered)])
        episode = new_episode(coordinator, patient_payload, LUMBAR, MEDICAID)
        case = walk_case(coordinator, episode, procedure_id="tfesi_lumbar", side="left", submitted_at="2026-01-12T10:00:00")
        yield case["patient_id"], decided


def _words(portal_client_for, patient_id: int) -> str:
    with time_machine.travel(NOW, tick=False):
        html = portal_client_for(patient_id).get("/portal/authorization").text
    return " ".join(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]).replace("&#39;", "'").split())


def test_with_four_recent_decisions_the_portal_gives_the_payers_deadline(clinic_cases, portal_client_for):
    patient_id, decided = clinic_cases
    decided([*DECIDED[:4], OLD])  # the fifth is over 12 months old
    text = _words(portal_client_for, patient_id)
    assert "Insurers must answer within 7 days (by 19 Jan)." in text
    assert "In this clinic" not in text


def test_with_five_recent_decisions_the_portal_gives_the_clinics_median(clinic_cases, portal_client_for, db, clinic):
    patient_id, decided = clinic_cases
    decided([*DECIDED, OLD])
    calendar = BusinessCalendar(timezone_name="America/Chicago")
    with db.session() as session:
        days = turnaround.decision_business_days(session, clinic_id=clinic.id, payer_id="medicaid_state_ffs", calendar=calendar,
                                                 decided_since=datetime(2025, 1, 14, 15, 0))
        assert sorted(days) == [1, 2, 3, 3, 5]
    text = _words(portal_client_for, patient_id)
    assert "In this clinic, State Medicaid FFS usually answers in about 3 business days (by 15 Jan)." in text
    assert "Insurers must answer" not in text
