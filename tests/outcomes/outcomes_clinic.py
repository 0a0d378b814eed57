"""A hand-built clinic whose authorization measures are known (November 2026, America/Chicago, every moment at
09:00 in the clinic = 15:00 UTC). Everything goes through the API, as staff record it: the patients, the facet
workup and the diagnostic blocks (or, for F, the visit whose exam and pain score complete the workup), the
cases, their submission and the payer's answers. The criteria engine gives each case its eligibility day at
submission: the day of the second qualifying block for a facet RFA (J6), the day of the visit for F.

    case  payer     procedure     blocks (85%, 82%)  eligible   submitted   history
    A     medicare  rfa_lumbar    19 Oct, Mon 2 Nov  Mon 2 Nov  Mon 2 Nov   approve Wed 4 Nov
    B     medicare  rfa_lumbar    19 Oct, Mon 2 Nov  Mon 2 Nov  Fri 6 Nov   deny Tue 10, peer-to-peer 12, approve 13
    C     humana    rfa_lumbar    26 Oct, Mon 9 Nov  Mon 9 Nov  Thu 12 Nov  deny Fri 13, appeal Mon 16, deny Fri 20
    D     medicare  rfa_lumbar    6 Oct, Tue 20 Oct  20 Oct     Tue 3 Nov   (waiting for the payer)
    F     medicare  tfesi_lumbar  (visit Mon 16 Nov) Mon 16 Nov Tue 17 Nov  partially approve Thu 19 Nov
    X     (another clinic) medicare rfa_lumbar, blocks 19 Oct and 2 Nov, submitted 2 Nov, approved 4 Nov: never counted
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import time_machine
from fastapi.testclient import TestClient

from authorization_setup import FACET_LUMBAR, MEDICARE as MEDICARE_COVERAGE, RFA as RFA_REQUEST
from authorization_setup import facet_workup, new_episode, open_case, record_block, submit_and_answer
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for, create_user
from painpath.core.tenancy import Clinic
from support import EPISODE, PATIENT, sign_in

MEDICARE, HUMANA = "medicare_noridian_jf", "humana_ma"
RFA, TFESI = "rfa_lumbar", "tfesi_lumbar"
NOVEMBER = {"period_from": date(2026, 11, 1), "period_to": date(2026, 11, 30)}
AFTER_THE_FACTS = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
HUMANA_COVERAGE = {"payer_id": HUMANA, "member_id": "H4471902", "effective_from": "2026-01-01"}
TFESI_REQUEST = {"procedure_id": TFESI, "cpt_codes": ["64483"], "side": "left", "levels": ["L5-S1"], "place_of_service": "22"}
# F's visit: a positive straight leg raise on the left and a baseline pain score, the two facts a TFESI still lacks.
RADICULAR_EXAM = {"straight_leg_raise": {"left": {"result": "positive", "angle_degrees": 40}, "right": {"result": "negative"}},
                  "reasoning": "Left leg pain reproduced at 40 degrees"}


def at(day: int, month: int = 11) -> str:
    """09:00 in the clinic on that day of 2026, as staff type it."""
    return f"2026-{month:02d}-{day:02d}T09:00:00"


CASES = {  # name: (payer, procedure, blocks or the visit day, submitted, [(answer, at)])
    "A": (MEDICARE, RFA, ("2026-10-19", "2026-11-02"), at(2), [("approve", at(4))]),
    "B": (MEDICARE, RFA, ("2026-10-19", "2026-11-02"), at(6), [("deny", at(10)), ("schedule_peer_to_peer", at(12)), ("approve", at(13))]),
    "C": (HUMANA, RFA, ("2026-10-26", "2026-11-09"), at(12), [("deny", at(13)), ("appeal", at(16)), ("deny", at(20))]),
    "D": (MEDICARE, RFA, ("2026-10-06", "2026-10-20"), at(3), []),
    "F": (MEDICARE, TFESI, ("2026-11-16",), at(17), [("partially_approve", at(19))]),
}
ELIGIBLE = {"A": "2026-11-02", "B": "2026-11-02", "C": "2026-11-09", "D": "2026-10-20", "F": "2026-11-16"}


@dataclass
class Built:
    episodes: dict[str, int]  # case name -> episode id
    patients: dict[str, int]
    other_episode: int


def _tfesi_visit(clinician, episode_id: int, day: str) -> None:  # noqa: ANN001
    visit = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": day})
    assert visit.status_code == 201, visit.text
    assert clinician.put(f"/api/encounters/{visit.json()['id']}/measures", json={"pain_now": 7}).status_code == 200
    assert clinician.put(f"/api/encounters/{visit.json()['id']}/exam", json=RADICULAR_EXAM).status_code == 200


def _case(coordinator, clinician, patient: dict, name: str) -> tuple[int, dict]:  # noqa: ANN001
    payer, procedure, facts, submitted, answers = CASES[name]
    coverage = MEDICARE_COVERAGE if payer == MEDICARE else HUMANA_COVERAGE
    episode_id = new_episode(coordinator, patient, {**EPISODE, **FACET_LUMBAR}, coverage)
    facet_workup(coordinator, clinician, episode_id)
    if procedure == RFA:
        for day, relief in zip(facts, (85, 82), strict=True):
            record_block(clinician, episode_id, day, relief)
        request = RFA_REQUEST
    else:
        _tfesi_visit(clinician, episode_id, facts[0])
        request = TFESI_REQUEST
    case = submit_and_answer(coordinator, open_case(coordinator, episode_id, **request), submitted, answers)
    assert case["eligible_on_at_submission"] == ELIGIBLE[name], (name, case["eligible_on_at_submission"])
    return episode_id, case


def _other_clinic(db, app, staff: dict[str, User]) -> tuple[TestClient, TestClient]:  # noqa: ANN001
    """Another clinic with its own coordinator and clinician, signed in (their accounts made by the admin service)."""
    with db.session() as session:
        other = Clinic(name="Elsewhere Pain", return_fax="555-0900", phone="555-0901")
        session.add(other)
        session.flush()
        for role in ("coordinator", "clinician"):
            create_user(session, clinic_id=other.id, username=f"elsewhere-{role}", display_name=f"Elsewhere {role}", role=role,
                        password="elsewhere-password-2026", actor=actor_for(staff["admin"]))
    return tuple(sign_in(TestClient(app), f"elsewhere-{role}", "elsewhere-password-2026") for role in ("coordinator", "clinician"))


def build(db, client_for, clinic, *, app=None, staff=None) -> Built:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episodes, patients = {}, {}
    with time_machine.travel(AFTER_THE_FACTS, tick=False):
        for n, name in enumerate(CASES):
            patient = {**PATIENT, "mrn": f"MRN-O{n}", "given_name": f"Pat{name}", "family_name": f"Case{name}"}
            episodes[name], case = _case(coordinator, clinician, patient, name)
            patients[name] = case["patient_id"]
        other_episode = 0
        if app is not None:
            other_coordinator, other_clinician = _other_clinic(db, app, staff)
            episode_id = new_episode(other_coordinator, {**PATIENT, "mrn": "MRN-X", "given_name": "Xavier", "family_name": "Elsewhere"},
                                     {**EPISODE, **FACET_LUMBAR}, MEDICARE_COVERAGE)
            facet_workup(other_coordinator, other_clinician, episode_id)
            record_block(other_clinician, episode_id, "2026-10-19", 85)
            record_block(other_clinician, episode_id, "2026-11-02", 82)
            submit_and_answer(other_coordinator, open_case(other_coordinator, episode_id, **RFA_REQUEST), at(2), [("approve", at(4))])
            other_episode = episode_id
            other_coordinator.close()
            other_clinician.close()
    return Built(episodes, patients, other_episode)
